/*
 * jsonl.c - the jsonl data-source plugin (QUIRE_KIND_SOURCE, "jsonl"):
 * streams a JSON Lines file, one object per line, as typed columnar
 * batches.
 *
 * How an instance works:
 *   open()     parses the options (jsonl_options.c), opens the file and
 *              reads up to infer_rows lines into a sample. Without the
 *              `columns` option the sample's paths become the columns
 *              (discovery, below); the sample's values then give each
 *              column its type (jsonl_infer.c) unless `types` sets it.
 *   next()     replays the sample's lines, then reads the rest of the file
 *              (jsonl_reader.c); each line is parsed (jsonl_parse.c) and
 *              the value at each column's path converted exactly.
 *   close()    logs how many bad lines on_error = skip dropped.
 *
 * Discovery: a column per path that holds a scalar or an array in some
 * sample line, flattened with dots ({"customer":{"name":"x"}} gives
 * customer.name), in the order the paths first appear. Arrays are not
 * entered: an array is one value, its JSON text, unless `columns` reads an
 * element by index (items.0.price). A path that is only ever null or absent
 * is a column, unless it holds an object elsewhere.
 *
 * NULLs: JSON null, and a path missing from the line. Bad lines (a syntax
 * error, a line longer than max_line_size, a value that does not fit its
 * column) fail the source, or with on_error = skip are dropped and counted:
 * lines end at LF whatever they hold, so the next line is always readable.
 * Lines in the sample that are bad are no evidence for inference; they fail
 * (or are skipped) when next() reaches them, in order.
 *
 * Partitions: part p of n reads the lines that start in bytes [size*p/n,
 * size*(p+1)/n); every part samples the start of the file, so all parts
 * agree on the schema. Line numbers in messages stay physical: a part
 * counts the line ends before its range first.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "jsonl.h"

/* ============================== Configuration ============================= */

/* [source.jsonl]: limits the admin sets for every JSON Lines source. */
static const quire_config_key jsonl_config[] = {
    {.name = "max_line_size",
     .type = QUIRE_CONF_SIZE,
     .default_value = "64mb",
     .min = "1kb",
     .max = "1gb",
     .help = "Longest line a JSON Lines file may have; a longer one is a bad line, so memory "
             "stays bounded."},
    {.name = "infer_rows",
     .type = QUIRE_CONF_INT,
     .default_value = "1000",
     .min = "1",
     .max = "1000000",
     .help = "Lines read to infer column types, unless a source sets its own infer_rows."},
    {0},
};

/* ============================== Instance ================================== */

typedef struct jsonl_column {
    uint32_t type;
    int32_t scale;
    int overridden;    /* set by `types` */
    jsonl_infer infer; /* what the sample said (for hints in messages) */
} jsonl_column;

/* A sampled line: bytes [off, off + len) of sample_bytes. */
typedef struct sample_line {
    size_t off, len;
    int64_t number;
    int oversize; /* longer than max_line_size: not stored */
} sample_line;

typedef struct jsonl_source {
    const jsonl_plugin *plugin;
    const quire_host *host;
    jsonl_options opt;
    char *name; /* the input, as messages name it */
    int fd;     /* -1 when the caller supplies the reader */
    jsonl_read_fn read;
    void *read_ctx;
    jsonl_reader *reader;
    int reader_done;
    int64_t input_size;  /* bytes, or -1 if unknown */
    int64_t range_start; /* this partition's first byte */
    int64_t range_end;   /* past its last byte, or -1: to the end */

    jsonl_paths paths;
    jsonl_parser parser;
    jsonl_value *values; /* one per column */
    size_t ncols;
    quire_column_info *columns; /* the schema; names owned */
    jsonl_column *cols;
    uint8_t *needed; /* from project(), or NULL */

    /* The sample: lines read by open(); replayed by next() unless the
     * instance reads a partition that starts elsewhere. */
    char *sample_bytes;
    size_t sample_nbytes, sample_bytes_cap;
    sample_line *sample;
    size_t sample_rows, sample_cap, replayed;
    int replay;
    int sample_hit_eof; /* the whole input fit in the sample */
    int64_t sample_end; /* input offset after the sample */

    int64_t delivered; /* rows handed out */
    int64_t skipped;   /* bad lines dropped (on_error = skip) */
    int failed;        /* next() failed: it keeps failing the same way */
    quire_error failure;
} jsonl_source;

/* ============================== Small helpers ============================= */

static int fail_nomem(const quire_host *host, const char *what, quire_error *err)
{
    host->error_set(err, QUIRE_E_NOMEM, "jsonl: out of memory %s", what);
    return QUIRE_ERR;
}

/* The file's reader: pread at the offset the line reader asks for; a pipe
 * (input_size -1) is only ever read once, in order. */
static ptrdiff_t fd_read(void *ctx, int64_t offset, char *buf, size_t cap, quire_error *err)
{
    jsonl_source *src = ctx;

    for (;;) {
        ssize_t got = src->input_size >= 0 ? pread(src->fd, buf, cap, (off_t)offset)
                                           : read(src->fd, buf, cap);
        if (got >= 0)
            return (ptrdiff_t)got;
        if (errno != EINTR) {
            char why[128] = "unknown error";
            strerror_r(errno, why, sizeof(why));
            src->host->error_set(err, QUIRE_E_IO, "%s: read failed: %s", src->name, why);
            return -1;
        }
    }
}

/* path, or base_dir/path when path is relative and base_dir set. Caller
 * frees; NULL on allocation failure. */
static char *resolve_path(const quire_host *host, const quire_source_args *args, const char *path)
{
    const char *base = NULL;
    size_t blen;
    char *out;

    if (args->size >= offsetof(quire_source_args, base_dir) + sizeof(args->base_dir))
        base = args->base_dir;
    if (path[0] == '/' || base == NULL || base[0] == '\0')
        return host->strdup(path);
    blen = strlen(base);
    while (blen > 1 && base[blen - 1] == '/')
        blen--;
    out = host->malloc(blen + 1 + strlen(path) + 1);
    if (out != NULL)
        sprintf(out, "%.*s/%s", (int)blen, base, path);
    return out;
}

/* A bad line: with on_error = skip count it and return QUIRE_OK, else
 * QUIRE_ERR (err already says why). */
static int bad_row(jsonl_source *src, quire_error *err)
{
    if (!src->opt.skip_bad_rows)
        return QUIRE_ERR;
    src->skipped++;
    if (src->plugin->self != NULL && src->host->log_enabled(src->plugin->self, QUIRE_LOG_DEBUG))
        src->host->log(src->plugin->self, QUIRE_LOG_DEBUG, "skipped: %s", err->msg);
    err->code = QUIRE_E_NONE;
    err->msg[0] = '\0';
    return QUIRE_OK;
}

/* ============================== Values ==================================== */

/* Fills *err for a value that does not fit column `c`. */
static int bad_value(const jsonl_source *src, size_t c, const jsonl_value *v, int64_t line,
                     quire_error *err)
{
    const jsonl_column *col = &src->cols[c];
    char path[256], name[256], value[256], have[32], want[32], where[256];

    jsonl_paths_name(&src->paths, v->node, path, sizeof(path));
    jsonl_show(v->text, v->len, value, sizeof(value));
    jsonl_type_text(col->type, col->scale, have, sizeof(have));
    if (col->overridden) {
        src->host->error_set(err, QUIRE_E_INVALID,
                             "%s:%" PRId64 ": key '%s': '%s' is not a%s %s (set by types at %s)",
                             src->name, line, path, value, col->type == QUIRE_TYPE_INT ? "n" : "",
                             have, jsonl_option_where(src->opt.types_option, where, sizeof(where)));
    } else {
        /* The type the sample would have given with this value in it. */
        jsonl_infer joined = col->infer;
        uint32_t type;
        int32_t scale;
        jsonl_infer_add(&joined, v);
        jsonl_infer_type(&joined, &type, &scale);
        jsonl_show(src->columns[c].name, strlen(src->columns[c].name), name, sizeof(name));
        src->host->error_set(err, QUIRE_E_INVALID,
                             "%s:%" PRId64 ": key '%s': '%s' is not a%s %s (inferred from the "
                             "first %zu rows; set types = \"%s:%s\")",
                             src->name, line, path, value, col->type == QUIRE_TYPE_INT ? "n" : "",
                             have, src->sample_rows, name,
                             jsonl_type_text(type, scale, want, sizeof(want)));
    }
    return QUIRE_ERR;
}

/* Copies the text of a value into the batch's arena as a STRING cell:
 * strings decoded, numbers and true/false as written, objects and arrays
 * as compact JSON. */
static int store_string(jsonl_source *src, quire_batch *batch, quire_column *col, uint32_t row,
                        const jsonl_value *v, quire_error *err)
{
    char *copy;
    size_t len = v->len;

    if (len == 0) {
        col->v.str[row] = (quire_str){.ptr = "", .len = 0};
        return QUIRE_OK;
    }
    copy = src->host->arena_alloc(batch->arena, len);
    if (copy == NULL)
        return fail_nomem(src->host, "for a batch's strings", err);
    if (v->kind == JSONL_OBJECT || v->kind == JSONL_ARRAY)
        len = jsonl_minify(v->text, v->len, copy);
    else
        memcpy(copy, v->text, len);
    col->v.str[row] = (quire_str){.ptr = copy, .len = len};
    return QUIRE_OK;
}

/* Converts the parsed line into row `row` of `batch`. Returns QUIRE_OK, or
 * QUIRE_ERR with *err (QUIRE_E_INVALID: a bad line; the row's slots may be
 * half written, the caller does not count it). */
static int fill_row(jsonl_source *src, quire_batch *batch, uint32_t row, int64_t line,
                    quire_error *err)
{
    for (size_t c = 0; c < src->ncols; c++) {
        const jsonl_value *v = &src->values[c];
        quire_column *col = &batch->columns[c];
        const char *text = v->text;
        size_t len = v->len;
        int rc = 0;

        if (src->needed != NULL && !src->needed[c])
            continue;
        if (v->row != src->parser.row || v->kind == JSONL_NULL || v->kind == JSONL_MISSING) {
            col->nulls[row] = 1;
            continue;
        }
        col->nulls[row] = 0;
        if (col->type == QUIRE_TYPE_STRING) {
            if (store_string(src, batch, col, row, v, err) != QUIRE_OK)
                return QUIRE_ERR;
            continue;
        }
        if (v->kind == JSONL_OBJECT || v->kind == JSONL_ARRAY)
            return bad_value(src, c, v, line, err);
        switch (col->type) {
        case QUIRE_TYPE_BOOL: rc = jsonl_parse_bool(text, len, &col->v.i64[row]); break;
        case QUIRE_TYPE_INT: rc = jsonl_parse_int(text, len, &col->v.i64[row]); break;
        case QUIRE_TYPE_DECIMAL:
            rc = jsonl_parse_decimal(text, len, col->scale, &col->v.i64[row]);
            break;
        case QUIRE_TYPE_FLOAT: rc = jsonl_parse_float(text, len, &col->v.f64[row]); break;
        case QUIRE_TYPE_DATE: rc = jsonl_parse_date(text, len, &col->v.i64[row]); break;
        case QUIRE_TYPE_TIMESTAMP: rc = jsonl_parse_timestamp(text, len, &col->v.i64[row]); break;
        default: rc = -1; break;
        }
        if (rc != 0)
            return bad_value(src, c, v, line, err);
    }
    return QUIRE_OK;
}

/* ============================== Sample ==================================== */

/* Reads up to infer_rows lines (and at most max_line_size bytes of them,
 * beyond the first) into the sample. */
static int read_sample(jsonl_source *src, quire_error *err)
{
    const quire_host *host = src->host;
    size_t budget = (size_t)src->plugin->max_line_size;

    while ((int64_t)src->sample_rows < src->opt.infer_rows &&
           (src->sample_rows == 0 || src->sample_nbytes < budget)) {
        jsonl_line line;
        sample_line *s;
        int rc = jsonl_reader_next(src->reader, &line, err);

        if (rc == QUIRE_DONE) {
            src->sample_hit_eof = 1;
            src->reader_done = 1;
            break;
        }
        if (rc == QUIRE_ERR && err->code != QUIRE_E_INVALID)
            return QUIRE_ERR;
        if (jsonl_grow(host, (void **)&src->sample, &src->sample_cap, src->sample_rows + 1,
                       sizeof(sample_line)) != 0)
            return fail_nomem(host, "keeping the type inference sample", err);
        s = &src->sample[src->sample_rows++];
        memset(s, 0, sizeof(*s));
        if (rc == QUIRE_ERR) {
            /* Over-long: not kept; next() reports it when it gets there. */
            s->oversize = 1;
            s->number = line.number;
            err->code = QUIRE_E_NONE;
            err->msg[0] = '\0';
            continue;
        }
        /* + 1: the buffer exists even for an empty sample. */
        if (jsonl_grow(host, (void **)&src->sample_bytes, &src->sample_bytes_cap,
                       src->sample_nbytes + line.len + 1, 1) != 0)
            return fail_nomem(host, "keeping the type inference sample", err);
        memcpy(src->sample_bytes + src->sample_nbytes, line.text, line.len);
        s->off = src->sample_nbytes;
        s->len = line.len;
        s->number = line.number;
        src->sample_nbytes += line.len;
    }
    src->sample_end = jsonl_reader_offset(src->reader);
    return QUIRE_OK;
}

static void sample_free(jsonl_source *src)
{
    src->host->free(src->sample_bytes);
    src->host->free(src->sample);
    src->sample_bytes = NULL;
    src->sample = NULL;
    src->sample_bytes_cap = src->sample_cap = 0;
}

/* Parses sample line i; QUIRE_OK, or QUIRE_ERR with *err (the line is bad:
 * QUIRE_E_INVALID) */
static int parse_sample_line(jsonl_source *src, size_t i, quire_error *err)
{
    const sample_line *s = &src->sample[i];

    if (s->oversize) {
        src->host->error_set(err, QUIRE_E_INVALID,
                             "%s:%" PRId64 ": the line is longer than max_line_size (%zu bytes)",
                             src->name, s->number, (size_t)src->plugin->max_line_size);
        return QUIRE_ERR;
    }
    return jsonl_parse_line(&src->parser, src->name, s->number, src->sample_bytes + s->off, s->len,
                            err);
}

/* ============================== Columns =================================== */

/* Allocates the column arrays for n columns. */
static int alloc_columns(jsonl_source *src, size_t n, quire_error *err)
{
    src->ncols = n;
    src->columns = src->host->calloc(n ? n : 1, sizeof(*src->columns));
    src->cols = src->host->calloc(n ? n : 1, sizeof(*src->cols));
    src->values = src->host->calloc(n ? n : 1, sizeof(*src->values));
    if (src->columns == NULL || src->cols == NULL || src->values == NULL)
        return fail_nomem(src->host, "making the columns", err);
    for (size_t c = 0; c < n; c++)
        jsonl_infer_init(&src->cols[c].infer);
    src->parser.values = src->values;
    src->parser.ncolumns = n;
    return QUIRE_OK;
}

/* Columns from the `columns` option: a path tree node per listed path. */
static int columns_from_option(jsonl_source *src, quire_error *err)
{
    char where[256], shown[256];

    if (alloc_columns(src, src->opt.ncolumns, err) != QUIRE_OK)
        return QUIRE_ERR;
    for (size_t c = 0; c < src->opt.ncolumns; c++) {
        const jsonl_column_spec *spec = &src->opt.columns[c];
        int rc = jsonl_paths_add(&src->paths, spec->path, strlen(spec->path), (int32_t)c);
        if (rc == -3) {
            src->host->error_set(err, QUIRE_E_INVALID,
                                 "%s: jsonl: columns: path '%s' is given twice",
                                 jsonl_option_where(src->opt.columns_option, where, sizeof(where)),
                                 jsonl_show(spec->path, strlen(spec->path), shown, sizeof(shown)));
            return QUIRE_ERR;
        }
        if (rc != 0)
            return fail_nomem(src->host, "making the columns", err);
        src->columns[c].name = src->host->strdup(spec->name);
        if (src->columns[c].name == NULL)
            return fail_nomem(src->host, "making the columns", err);
    }
    return QUIRE_OK;
}

/* Whether discovery makes a column of node n (see the top of the file). */
static int is_discovered_column(const jsonl_node *n)
{
    return (n->seen & JSONL_SEEN_VALUE) ||
           ((n->seen & JSONL_SEEN_NULL) && !(n->seen & JSONL_SEEN_OBJECT));
}

/* Columns from the sample's paths: parses every good sample line in
 * discovery mode, then numbers the paths that qualify in creation order
 * (the order they first appeared). Paths that spell the same name (a key
 * "a.b" and a key b inside a) share one column. */
static int columns_from_sample(jsonl_source *src, quire_error *err)
{
    jsonl_paths *paths = &src->paths;
    size_t count = 0;
    quire_error first_bad = {0}, why;

    for (size_t i = 0; i < src->sample_rows; i++) {
        /* First check the whole line, creating the nodes its keys need (so
         * a key given twice is seen anywhere) but marking nothing: a bad
         * line is no evidence, not even its first half. */
        paths->discover = 2;
        if (parse_sample_line(src, i, &why) != QUIRE_OK) {
            if (why.code == QUIRE_E_NOMEM || paths->nnodes >= JSONL_MAX_NODES) {
                *err = why; /* too many paths: the source cannot work */
                paths->discover = 0;
                return QUIRE_ERR;
            }
            if (first_bad.code == QUIRE_E_NONE)
                first_bad = why;
            continue;
        }
        paths->discover = 1;
        (void)parse_sample_line(src, i, &why); /* the same line: it passes */
    }
    paths->discover = 0;
    for (size_t n = 1; n < paths->nnodes; n++)
        count += is_discovered_column(&paths->nodes[n]);
    if (count == 0 && first_bad.code != QUIRE_E_NONE) {
        /* Nothing but bad lines: the first says best what is wrong. */
        *err = first_bad;
        return QUIRE_ERR;
    }
    if (count == 0) {
        src->host->error_set(err, QUIRE_E_INVALID,
                             src->sample_rows == 0
                                 ? "%s: the file is empty (no object to take the columns from; "
                                   "set columns to read it anyway)"
                                 : "%s: no key with a value in the first %zu lines to make a "
                                   "column of (set columns to name them)",
                             src->name, src->sample_rows);
        return QUIRE_ERR;
    }
    if (count > JSONL_MAX_COLUMNS) {
        src->host->error_set(err, QUIRE_E_INVALID,
                             "%s: more than %d key paths in the first %zu lines (set columns "
                             "to pick the ones to read)",
                             src->name, JSONL_MAX_COLUMNS, src->sample_rows);
        return QUIRE_ERR;
    }
    if (alloc_columns(src, count, err) != QUIRE_OK)
        return QUIRE_ERR;
    count = 0;
    for (size_t n = 1; n < paths->nnodes; n++) {
        char name[4096];
        size_t c;
        if (!is_discovered_column(&paths->nodes[n]))
            continue;
        jsonl_paths_name(paths, (int32_t)n, name, sizeof(name));
        for (c = 0; c < count; c++)
            if (strcmp(src->columns[c].name, name) == 0)
                break;
        paths->nodes[n].column = (int32_t)c;
        if (c < count)
            continue;
        src->columns[count].name = src->host->strdup(name);
        if (src->columns[count].name == NULL)
            return fail_nomem(src->host, "making the columns", err);
        count++;
    }
    src->ncols = count;
    src->parser.ncolumns = count;
    return QUIRE_OK;
}

/* Applies `types`: every override must name a column. */
static int apply_overrides(jsonl_source *src, quire_error *err)
{
    for (size_t t = 0; t < src->opt.ntypes; t++) {
        jsonl_type_override *o = &src->opt.types[t];
        for (size_t c = 0; c < src->ncols; c++) {
            if (strcmp(src->columns[c].name, o->name) == 0) {
                src->cols[c].type = o->type;
                src->cols[c].scale = o->scale;
                src->cols[c].overridden = 1;
                o->used = 1;
                break;
            }
        }
        if (!o->used) {
            char where[256], shown[256], list[320];
            size_t used = 0;
            for (size_t c = 0; c < src->ncols && used < sizeof(list); c++)
                used += (size_t)snprintf(list + used, sizeof(list) - used, "%s%s", c ? ", " : "",
                                         src->columns[c].name);
            if (used >= sizeof(list))
                memcpy(list + sizeof(list) - 4, "...", 4);
            src->host->error_set(
                err, QUIRE_E_INVALID, "%s: jsonl: types: no column '%s' in %s (columns: %s)",
                jsonl_option_where(src->opt.types_option, where, sizeof(where)),
                jsonl_show(o->name, strlen(o->name), shown, sizeof(shown)), src->name, list);
            return QUIRE_ERR;
        }
    }
    return QUIRE_OK;
}

/* Lets every good sample line's values vote on the column types. */
static int infer_types(jsonl_source *src, quire_error *err)
{
    quire_error ignored;

    for (size_t i = 0; i < src->sample_rows; i++) {
        if (parse_sample_line(src, i, &ignored) != QUIRE_OK) {
            if (ignored.code == QUIRE_E_NOMEM)
                return fail_nomem(src->host, "reading the sample", err);
            continue;
        }
        for (size_t c = 0; c < src->ncols; c++)
            if (!src->cols[c].overridden && src->values[c].row == src->parser.row)
                jsonl_infer_add(&src->cols[c].infer, &src->values[c]);
    }
    for (size_t c = 0; c < src->ncols; c++) {
        jsonl_column *col = &src->cols[c];
        if (!col->overridden)
            jsonl_infer_type(&col->infer, &col->type, &col->scale);
        src->columns[c].type = col->type;
        src->columns[c].scale = col->scale;
    }
    return QUIRE_OK;
}

/* ============================== Partitions ================================ */

/* Line ends in input bytes [0, upto): the number of the line at `upto` is
 * this plus one. */
static int count_lines(jsonl_source *src, int64_t upto, int64_t *lines, quire_error *err)
{
    char buf[64 * 1024];
    int64_t offset = 0;

    *lines = 0;
    while (offset < upto) {
        size_t want = upto - offset < (int64_t)sizeof(buf) ? (size_t)(upto - offset) : sizeof(buf);
        ptrdiff_t got = src->read(src->read_ctx, offset, buf, want, err);
        if (got < 0)
            return QUIRE_ERR;
        if (got == 0)
            break;
        for (const char *p = buf; (p = memchr(p, '\n', (size_t)(buf + got - p))) != NULL; p++)
            (*lines)++;
        offset += got;
    }
    return QUIRE_OK;
}

/* Sets the byte range of partition `part` of `parts` and opens its reader
 * (the sample's reader is done with). */
static int open_partition(jsonl_source *src, uint32_t part, uint32_t parts, quire_error *err)
{
    jsonl_reader_opts ro = {.max_line = (size_t)src->plugin->max_line_size, .end = -1};
    int64_t before = 0;

    if (src->input_size < 0) {
        /* Unknown size (a pipe): the first part reads everything. */
        src->range_start = 0;
        src->range_end = part == 0 ? -1 : 0;
    } else {
        src->range_start = (int64_t)((double)src->input_size * part / parts);
        src->range_end =
            part + 1 == parts ? -1 : (int64_t)((double)src->input_size * (part + 1) / parts);
    }
    if (src->range_start > 0) {
        /* Start at the byte before the range: if it is a line end, the
         * range starts with a whole line. */
        if (count_lines(src, src->range_start - 1, &before, err) != QUIRE_OK)
            return QUIRE_ERR;
        ro.start = src->range_start - 1;
        ro.skip_partial = 1;
    }
    ro.end = src->range_end;
    ro.first_line = before + 1;
    jsonl_reader_free(src->reader);
    src->reader = jsonl_reader_new(src->host, src->name, src->read, src->read_ctx, &ro);
    if (src->reader == NULL)
        return fail_nomem(src->host, "opening a partition", err);
    src->reader_done = src->range_end == 0;
    return QUIRE_OK;
}

/* ============================== Source ops ================================ */

static void jsonl_close(void *instance);

/* Opens the file named by the path option; fills read/read_ctx. */
static int open_file(jsonl_source *src, const quire_source_args *args, quire_error *err)
{
    const quire_host *host = src->host;
    char *resolved = resolve_path(host, args, src->opt.path);
    struct stat st;
    int why = 0;

    if (resolved == NULL)
        return fail_nomem(host, "opening a source", err);
    src->fd = open(resolved, O_RDONLY | O_CLOEXEC);
    if (src->fd < 0 || fstat(src->fd, &st) != 0)
        why = errno;
    else if (S_ISDIR(st.st_mode))
        why = EISDIR;
    if (why != 0) {
        char text[128] = "unknown error";
        strerror_r(why, text, sizeof(text));
        if (strcmp(resolved, src->opt.path) != 0)
            host->error_set(err, QUIRE_E_IO, "%s: cannot open %s: %s", src->name, resolved, text);
        else
            host->error_set(err, QUIRE_E_IO, "%s: cannot open: %s", src->name, text);
        host->free(resolved);
        return QUIRE_ERR;
    }
    host->free(resolved);
    src->input_size = S_ISREG(st.st_mode) ? (int64_t)st.st_size : -1;
    src->read = fd_read;
    src->read_ctx = src;
    return QUIRE_OK;
}

/* The body of open() for both inputs: the path option (read == NULL) or a
 * reader supplied by the caller. */
static int open_source(jsonl_plugin *plugin, const quire_source_args *args, const char *name,
                       jsonl_read_fn read, void *ctx, int64_t size, void **instance,
                       quire_error *err)
{
    const quire_host *host = plugin->host;
    jsonl_reader_opts ro = {.max_line = (size_t)plugin->max_line_size, .end = -1, .first_line = 1};
    uint32_t part = 0, parts = 1;
    jsonl_source *src;

    *instance = NULL;
    if (args == NULL || args->size < QUIRE_SOURCE_ARGS_1_0_SIZE) {
        host->error_set(err, QUIRE_E_ABI, "jsonl: source args too small (%u bytes)",
                        args ? (unsigned)args->size : 0u);
        return QUIRE_ERR;
    }
    src = host->calloc(1, sizeof(*src));
    if (src == NULL)
        return fail_nomem(host, "opening a source", err);
    src->plugin = plugin;
    src->host = host;
    src->fd = -1;
    src->range_end = -1;
    src->input_size = size;
    src->read = read;
    src->read_ctx = ctx;
    src->parser.host = host;
    src->parser.paths = &src->paths;
    if (jsonl_options_parse(host, args, plugin->infer_rows, read == NULL, &src->opt, err) !=
        QUIRE_OK)
        goto fail_close;
    src->name = host->strdup(read == NULL ? src->opt.path : name);
    if (src->name == NULL || jsonl_paths_init(&src->paths, host) != 0) {
        fail_nomem(host, "opening a source", err);
        goto fail_close;
    }
    if (read == NULL && open_file(src, args, err) != QUIRE_OK)
        goto fail_close;
    src->reader = jsonl_reader_new(host, src->name, src->read, src->read_ctx, &ro);
    if (src->reader == NULL) {
        fail_nomem(host, "opening a source", err);
        goto fail_close;
    }
    if (read_sample(src, err) != QUIRE_OK)
        goto fail_close;
    if ((src->opt.columns != NULL ? columns_from_option(src, err)
                                  : columns_from_sample(src, err)) != QUIRE_OK ||
        apply_overrides(src, err) != QUIRE_OK || infer_types(src, err) != QUIRE_OK)
        goto fail_close;
    if (args->size >= offsetof(quire_source_args, npartitions) + sizeof(uint32_t) &&
        args->npartitions > 1 && args->partition < args->npartitions) {
        part = args->partition;
        parts = args->npartitions;
    }
    if (parts > 1) {
        /* The sample stays counted (estimate, messages) but is not replayed. */
        sample_free(src);
        if (open_partition(src, part, parts, err) != QUIRE_OK)
            goto fail_close;
    } else {
        src->replay = 1;
    }
    *instance = src;
    return QUIRE_OK;

fail_close:
    jsonl_close(src);
    return QUIRE_ERR;
}

int jsonl_open_reader(jsonl_plugin *plugin, const quire_source_args *args, const char *name,
                      jsonl_read_fn read, void *ctx, int64_t size, void **instance,
                      quire_error *err)
{
    return open_source(plugin, args, name, read, ctx, size, instance, err);
}

static int jsonl_open(void *state, const quire_source_args *args, void **instance, quire_error *err)
{
    return open_source(state, args, NULL, NULL, NULL, -1, instance, err);
}

static int jsonl_schema(void *instance, const quire_column_info **columns, size_t *ncolumns,
                        quire_error *err)
{
    jsonl_source *src = instance;

    (void)err;
    *columns = src->columns;
    *ncolumns = src->ncols;
    return QUIRE_OK;
}

/* Lines in the file (or the partition) from the sample's bytes per line;
 * exact when the whole file was sampled; -1 if the size is unknown. */
static int64_t jsonl_estimate(void *instance)
{
    const jsonl_source *src = instance;
    int64_t bytes;

    if (src->sample_hit_eof && src->replay)
        return (int64_t)src->sample_rows;
    if (src->input_size < 0 || src->sample_rows == 0 || src->sample_end <= 0)
        return -1;
    bytes = (src->range_end >= 0 ? src->range_end : src->input_size) - src->range_start;
    return (int64_t)((double)bytes * (double)src->sample_rows / (double)src->sample_end + 0.5);
}

static int check_batch(const jsonl_source *src, const quire_batch *batch, quire_error *err)
{
    if (batch->ncolumns != src->ncols || batch->capacity == 0) {
        src->host->error_set(err, QUIRE_E_INTERNAL,
                             "jsonl: %s: batch has %u columns and room for %u rows; the schema "
                             "has %zu columns",
                             src->name, (unsigned)batch->ncolumns, (unsigned)batch->capacity,
                             src->ncols);
        return QUIRE_ERR;
    }
    for (size_t c = 0; c < src->ncols; c++) {
        const quire_column *col = &batch->columns[c];
        if (col->type != src->cols[c].type ||
            (col->type == QUIRE_TYPE_DECIMAL && col->scale != src->cols[c].scale)) {
            src->host->error_set(err, QUIRE_E_INTERNAL,
                                 "jsonl: %s: batch column %zu has type %u, the schema says %u",
                                 src->name, c + 1, (unsigned)col->type,
                                 (unsigned)src->cols[c].type);
            return QUIRE_ERR;
        }
    }
    return QUIRE_OK;
}

/* The next line to make a row of: a sample line, then the reader's.
 * Returns QUIRE_OK with the line parsed, QUIRE_DONE, or QUIRE_ERR
 * (QUIRE_E_INVALID: a bad line). */
static int next_line(jsonl_source *src, int64_t *number, quire_error *err)
{
    jsonl_line line;
    int rc;

    if (src->replay && src->replayed < src->sample_rows) {
        size_t i = src->replayed++;
        *number = src->sample[i].number;
        return parse_sample_line(src, i, err);
    }
    if (src->sample != NULL)
        sample_free(src);
    if (src->reader_done)
        return QUIRE_DONE;
    rc = jsonl_reader_next(src->reader, &line, err);
    if (rc == QUIRE_DONE) {
        src->reader_done = 1;
        return QUIRE_DONE;
    }
    if (rc != QUIRE_OK)
        return QUIRE_ERR;
    *number = line.number;
    return jsonl_parse_line(&src->parser, src->name, line.number, line.text, line.len, err);
}

static int jsonl_next(void *instance, quire_batch *batch, quire_error *err)
{
    jsonl_source *src = instance;
    int has_lines = batch->size >= offsetof(quire_batch, source_line) + sizeof(int64_t *) &&
                    batch->source_line != NULL;
    uint32_t rows = 0;
    int done = 0;

    if (src->failed) {
        *err = src->failure;
        return QUIRE_ERR;
    }
    if (check_batch(src, batch, err) != QUIRE_OK)
        return QUIRE_ERR;
    batch->rows = 0;
    batch->first_row = src->delivered + 1;
    while (rows < batch->capacity) {
        int64_t number = 0;
        int rc = next_line(src, &number, err);

        if (rc == QUIRE_DONE) {
            done = 1;
            break;
        }
        if (rc == QUIRE_OK)
            rc = fill_row(src, batch, rows, number, err);
        if (rc != QUIRE_OK) {
            if (err->code != QUIRE_E_INVALID || bad_row(src, err) != QUIRE_OK)
                goto fail;
            continue;
        }
        if (has_lines)
            batch->source_line[rows] = number;
        rows++;
    }
    batch->rows = rows;
    src->delivered += rows;
    return done ? QUIRE_DONE : QUIRE_OK;

fail:
    batch->rows = 0;
    src->failed = 1;
    src->failure = *err;
    return QUIRE_ERR;
}

static int jsonl_project(void *instance, const uint8_t *needed, size_t ncolumns, quire_error *err)
{
    jsonl_source *src = instance;

    if (ncolumns != src->ncols) {
        src->host->error_set(err, QUIRE_E_INTERNAL,
                             "jsonl: %s: project() got %zu columns; the schema has %zu", src->name,
                             ncolumns, src->ncols);
        return QUIRE_ERR;
    }
    if (src->needed == NULL) {
        src->needed = src->host->malloc(ncolumns ? ncolumns : 1);
        if (src->needed == NULL)
            return fail_nomem(src->host, "in project()", err);
    }
    memcpy(src->needed, needed, ncolumns);
    src->parser.needed = src->needed;
    return QUIRE_OK;
}

static void jsonl_stats(void *instance, quire_source_stats *out)
{
    const jsonl_source *src = instance;
    int64_t end = src->range_end >= 0 ? src->range_end : src->input_size;

    if (out->size >= offsetof(quire_source_stats, rows) + sizeof(out->rows))
        out->rows = src->delivered;
    if (out->size >= offsetof(quire_source_stats, rows_skipped) + sizeof(out->rows_skipped))
        out->rows_skipped = src->skipped;
    if (out->size >= offsetof(quire_source_stats, bytes_read) + sizeof(out->bytes_read))
        out->bytes_read =
            src->reader != NULL ? jsonl_reader_offset(src->reader) - src->range_start : -1;
    if (out->size >= offsetof(quire_source_stats, bytes_total) + sizeof(out->bytes_total))
        out->bytes_total = src->input_size >= 0 ? end - src->range_start : -1;
}

static void jsonl_close(void *instance)
{
    jsonl_source *src = instance;
    const quire_host *host;

    if (src == NULL)
        return;
    host = src->host;
    if (src->skipped > 0 && src->plugin->self != NULL)
        host->log(src->plugin->self, QUIRE_LOG_INFO,
                  "%s: skipped %" PRId64 " bad line%s of %" PRId64 " (on_error = skip)", src->name,
                  src->skipped, src->skipped == 1 ? "" : "s", src->skipped + src->delivered);
    if (src->columns != NULL)
        for (size_t c = 0; c < src->ncols; c++)
            host->free((void *)src->columns[c].name);
    host->free(src->columns);
    host->free(src->cols);
    host->free(src->values);
    host->free(src->needed);
    sample_free(src);
    jsonl_parser_free(&src->parser);
    jsonl_paths_free(&src->paths);
    jsonl_reader_free(src->reader);
    if (src->fd >= 0)
        close(src->fd);
    host->free(src->name);
    jsonl_options_free(host, &src->opt);
    host->free(src);
}

/* ============================== Lifecycle ================================= */

static int jsonl_init(const quire_host *host, quire_plugin *self, const quire_config *config,
                      void **state, quire_error *err)
{
    jsonl_plugin *plugin = host->calloc(1, sizeof(*plugin));

    if (plugin == NULL)
        return fail_nomem(host, "in init", err);
    plugin->host = host;
    plugin->self = self;
    plugin->max_line_size = host->config_int(config, "max_line_size");
    plugin->infer_rows = host->config_int(config, "infer_rows");
    *state = plugin;
    return QUIRE_OK;
}

static void jsonl_destroy(void *state)
{
    jsonl_plugin *plugin = state;

    if (plugin != NULL)
        plugin->host->free(plugin);
}

/* ============================== Descriptor ================================ */

static const quire_source_ops jsonl_ops = {
    .size = sizeof(quire_source_ops),
    .open = jsonl_open,
    .schema = jsonl_schema,
    .estimate = jsonl_estimate,
    .next = jsonl_next,
    .close = jsonl_close,
    .caps = QUIRE_SOURCE_CAN_PROJECT | QUIRE_SOURCE_CAN_PARTITION,
    .project = jsonl_project,
    .stats = jsonl_stats,
};

static const quire_plugin_desc jsonl_desc = {
    QUIRE_PLUGIN_HEADER(QUIRE_KIND_SOURCE),
    .name = "jsonl",
    .version = "1.0.0",
    .license = "MIT",
    .author = "The quire authors",
    .description = "JSON Lines files: one object per line, nested paths flattened to columns",
    .config = jsonl_config,
    .init = jsonl_init,
    .destroy = jsonl_destroy,
    .ops = &jsonl_ops,
    .ops_size = sizeof(jsonl_ops),
};

QUIRE_PLUGIN_DEFINE(jsonl_desc)
