/*
 * csv.c - the csv data-source plugin (QUIRE_KIND_SOURCE, "csv"): streams an
 * RFC 4180 file as typed columnar batches.
 *
 * How an instance works:
 *   open()     parses the options (csv_options.c), opens the file, reads the
 *              header and then up to infer_rows records into a sample,
 *              infers each column's type from the sample (csv_infer.c)
 *              unless `types` sets it, and builds the schema;
 *   next()     replays the sample rows first, then lexes the rest of the
 *              file (csv_lexer.c) in read_buffer chunks, converting each
 *              field exactly (csv_value.c) into the batch;
 *   close()    logs how many bad rows on_error = skip dropped.
 *
 * NULLs: an unquoted field equal to a `null` token (default: the empty
 * field) is NULL. A quoted field never is: "" is the empty string in a
 * string column, and NULL in any other column (it cannot be a number).
 *
 * Bad rows (a field count other than the header's, a value that does not
 * fit its column, invalid UTF-8 in a string) fail the source, or with
 * on_error = skip are dropped and counted. Syntax errors (quotes, bare CR,
 * oversize fields) always fail: the record boundaries after one are unknown.
 *
 * Memory per instance: the read buffer, one record, one sample of
 * infer_rows records (freed once replayed) and the batch the kernel gives.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "csv.h"

/* ============================== Configuration ============================= */

/* [source.csv]: limits the admin sets for every CSV source. */
static const quire_config_key csv_config[] = {
    {.name = "max_field_size",
     .type = QUIRE_CONF_SIZE,
     .default_value = "1mb",
     .min = "1kb",
     .max = "1gb",
     .help =
         "Longest field a CSV file may have; a longer one is an error, so memory stays bounded."},
    {.name = "infer_rows",
     .type = QUIRE_CONF_INT,
     .default_value = "1000",
     .min = "1",
     .max = "1000000",
     .help = "Rows read to infer column types, unless a source sets its own infer_rows."},
    {.name = "read_buffer",
     .type = QUIRE_CONF_SIZE,
     .default_value = "256kb",
     .min = "4kb",
     .max = "64mb",
     .help = "Bytes read from a CSV file at a time."},
    {0},
};

/* ============================== Instance ================================== */

/* One column of an open source. */
typedef struct csv_column {
    uint32_t type;
    int32_t scale;
    int overridden;  /* set by `types`, not inferred */
    csv_infer infer; /* what the sample said (for the hint in messages) */
} csv_column;

typedef struct csv_source {
    const csv_plugin *plugin;
    const quire_host *host;
    csv_options opt;
    char *name; /* the input, as messages name it */
    int fd;     /* -1 when the caller supplies the reader */
    csv_lexer *lexer;
    int lexer_done;

    size_t ncols;
    quire_column_info *columns; /* the schema; names owned */
    csv_column *cols;

    /* The sample: records read by open(), replayed first by next(). */
    char *sample_bytes;
    size_t sample_nbytes, sample_bytes_cap;
    csv_field *sample_fields; /* sample_rows * ncols */
    size_t sample_fields_cap;
    int64_t *sample_lines;
    size_t sample_rows, sample_lines_cap;
    size_t replayed;
    int sample_hit_eof; /* the whole input fit in the sample */
    int64_t data_start; /* input offset after the header */
    int64_t sample_end; /* input offset after the last sampled record */
    int64_t input_size; /* bytes, or -1 if unknown */

    int64_t delivered; /* rows handed out */
    int64_t skipped;   /* bad rows dropped (on_error = skip) */
    int failed;        /* next() failed: it keeps failing the same way */
    quire_error failure;
} csv_source;

/* ============================== Small helpers ============================= */

static int fail_nomem(const quire_host *host, const char *what, quire_error *err)
{
    host->error_set(err, QUIRE_E_NOMEM, "csv: out of memory %s", what);
    return QUIRE_ERR;
}

/* "int", "decimal(2)", ... as the `types` option spells them. */
static const char *type_text(uint32_t type, int32_t scale, char *buf, size_t len)
{
    static const char *const names[] = {"null",  "bool",   "int",  "decimal",
                                        "float", "string", "date", "timestamp"};

    if (type == QUIRE_TYPE_DECIMAL)
        snprintf(buf, len, "decimal(%" PRId32 ")", scale);
    else
        snprintf(buf, len, "%s", type < sizeof(names) / sizeof(names[0]) ? names[type] : "?");
    return buf;
}

/* Reader over the instance's file descriptor. */
static ptrdiff_t fd_read(void *ctx, char *buf, size_t cap, quire_error *err)
{
    csv_source *src = ctx;

    for (;;) {
        ssize_t n = read(src->fd, buf, cap);
        if (n >= 0)
            return n;
        if (errno != EINTR) {
            char why[128] = "unknown error";
            strerror_r(errno, why, sizeof(why));
            src->host->error_set(err, QUIRE_E_IO, "%s: cannot read: %s", src->name, why);
            return -1;
        }
    }
}

/* ============================== Rows ====================================== */

/* 1 if the field is NULL in a column of `type`. */
static int field_is_null(const csv_source *src, const csv_field *f, const char *s, uint32_t type)
{
    if (f->quoted)
        return f->len == 0 && type != QUIRE_TYPE_STRING;
    if (f->len == 0)
        return src->opt.null_empty;
    for (size_t i = 0; i < src->opt.nnulls; i++) {
        const char *tok = src->opt.nulls[i];
        if (strlen(tok) == f->len && memcmp(tok, s, f->len) == 0)
            return 1;
    }
    return 0;
}

/* Fills *err for a value that does not fit column `c` and returns QUIRE_ERR. */
static int bad_value(const csv_source *src, size_t c, const char *s, size_t n, int64_t line,
                     quire_error *err)
{
    const csv_column *col = &src->cols[c];
    char name[256], value[256], have[32], want[32], where[256];

    csv_show(src->columns[c].name, strlen(src->columns[c].name), name, sizeof(name));
    csv_show(s, n, value, sizeof(value));
    type_text(col->type, col->scale, have, sizeof(have));
    if (col->overridden) {
        src->host->error_set(
            err, QUIRE_E_INVALID,
            "%s:%" PRId64 ": column '%s': '%s' does not fit %s (set by types at %s)", src->name,
            line, name, value, have, csv_option_where(src->opt.types_option, where, sizeof(where)));
    } else {
        /* Suggest the type the sample would have given with this value in it. */
        csv_infer joined = col->infer;
        uint32_t type;
        int32_t scale;
        csv_infer_add(&joined, s, n);
        csv_infer_type(&joined, &type, &scale);
        src->host->error_set(err, QUIRE_E_INVALID,
                             "%s:%" PRId64 ": column '%s': '%s' does not fit %s (inferred from the "
                             "first %" PRId64 " rows; set types = \"%s:%s\")",
                             src->name, line, name, value, have, src->opt.infer_rows, name,
                             type_text(type, scale, want, sizeof(want)));
    }
    return QUIRE_ERR;
}

/* Converts record `rec` into row `row` of `batch`. Returns QUIRE_OK, or
 * QUIRE_ERR with *err for a bad row (the row's slots may be half written;
 * the caller does not count it). */
static int fill_row(csv_source *src, quire_batch *batch, uint32_t row, const csv_record *rec,
                    quire_error *err)
{
    size_t strbytes = 0;
    char *strbuf = NULL;

    if (rec->nfields != src->ncols) {
        src->host->error_set(err, QUIRE_E_INVALID, "%s:%" PRId64 ": expected %zu fields, found %zu",
                             src->name, rec->line, src->ncols, rec->nfields);
        return QUIRE_ERR;
    }
    for (size_t c = 0; c < src->ncols; c++) {
        const csv_field *f = &rec->fields[c];
        const char *s = rec->bytes + f->off;
        quire_column *col = &batch->columns[c];
        int rc = 0;

        if (field_is_null(src, f, s, col->type)) {
            col->nulls[row] = 1;
            continue;
        }
        col->nulls[row] = 0;
        switch (col->type) {
        case QUIRE_TYPE_STRING: {
            size_t bad = csv_utf8_invalid_at(s, f->len);
            if (bad != f->len) {
                char name[256];
                src->host->error_set(err, QUIRE_E_INVALID,
                                     "%s:%" PRId64 ": column '%s': invalid UTF-8 at byte %zu of "
                                     "the field",
                                     src->name, rec->line,
                                     csv_show(src->columns[c].name, strlen(src->columns[c].name),
                                              name, sizeof(name)),
                                     bad + 1);
                return QUIRE_ERR;
            }
            strbytes += f->len;
            break;
        }
        case QUIRE_TYPE_BOOL: rc = csv_parse_bool(s, f->len, &col->v.i64[row]); break;
        case QUIRE_TYPE_INT: rc = csv_parse_int(s, f->len, &col->v.i64[row]); break;
        case QUIRE_TYPE_DECIMAL:
            rc = csv_parse_decimal(s, f->len, col->scale, &col->v.i64[row]);
            break;
        case QUIRE_TYPE_FLOAT: rc = csv_parse_float(s, f->len, &col->v.f64[row]); break;
        case QUIRE_TYPE_DATE: rc = csv_parse_date(s, f->len, &col->v.i64[row]); break;
        case QUIRE_TYPE_TIMESTAMP: rc = csv_parse_timestamp(s, f->len, &col->v.i64[row]); break;
        default: rc = -1; break;
        }
        if (rc != 0)
            return bad_value(src, c, s, f->len, rec->line, err);
    }
    /* All strings of the row in one arena allocation. */
    if (strbytes > 0) {
        strbuf = src->host->arena_alloc(batch->arena, strbytes);
        if (strbuf == NULL)
            return fail_nomem(src->host, "for a batch's strings", err);
    }
    for (size_t c = 0; c < src->ncols; c++) {
        quire_column *col = &batch->columns[c];
        const csv_field *f = &rec->fields[c];
        if (col->type != QUIRE_TYPE_STRING || col->nulls[row])
            continue;
        if (f->len == 0) {
            col->v.str[row] = (quire_str){.ptr = "", .len = 0};
            continue;
        }
        memcpy(strbuf, rec->bytes + f->off, f->len);
        col->v.str[row] = (quire_str){.ptr = strbuf, .len = f->len};
        strbuf += f->len;
    }
    return QUIRE_OK;
}

/* A bad row: with on_error = skip count it and return QUIRE_OK, else
 * QUIRE_ERR (err already says why). */
static int bad_row(csv_source *src, quire_error *err)
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

/* ============================== Header and sample ========================= */

static int name_cmp(const void *a, const void *b)
{
    const quire_column_info *x = *(const quire_column_info *const *)a;
    const quire_column_info *y = *(const quire_column_info *const *)b;
    int rc = strcmp(x->name, y->name);
    /* Ties in column order, so the first repeat is found first. */
    return rc != 0 ? rc : (x < y ? -1 : x > y);
}

/* Refuses two columns with the same name (sorting: 16384 columns stay fast). */
static int check_unique_names(csv_source *src, int64_t line, quire_error *err)
{
    const quire_column_info **sorted;
    const quire_column_info *dup = NULL, *orig = NULL;
    char shown[256];

    if (src->ncols < 2)
        return QUIRE_OK;
    sorted = src->host->malloc(src->ncols * sizeof(*sorted));
    if (sorted == NULL)
        return fail_nomem(src->host, "reading the header", err);
    for (size_t i = 0; i < src->ncols; i++)
        sorted[i] = &src->columns[i];
    qsort(sorted, src->ncols, sizeof(*sorted), name_cmp);
    /* A run of equal names is in column order: its first two entries are the
     * original and the first repeat. Report the earliest repeat. */
    for (size_t i = 1; i < src->ncols; i++) {
        if (strcmp(sorted[i - 1]->name, sorted[i]->name) != 0)
            continue;
        if (i >= 2 && strcmp(sorted[i - 2]->name, sorted[i - 1]->name) == 0)
            continue; /* not the start of the run */
        if (dup == NULL || sorted[i] < dup) {
            dup = sorted[i];
            orig = sorted[i - 1];
        }
    }
    src->host->free(sorted);
    if (dup == NULL)
        return QUIRE_OK;
    src->host->error_set(
        err, QUIRE_E_INVALID, "%s:%" PRId64 ": column %zu has the same name as column %zu: '%s'",
        src->name, line, (size_t)(dup - src->columns) + 1, (size_t)(orig - src->columns) + 1,
        csv_show(dup->name, strlen(dup->name), shown, sizeof(shown)));
    return QUIRE_ERR;
}

/* Creates the columns from the first record: its fields name them (header)
 * or only count them (c1..cN). */
static int make_columns(csv_source *src, const csv_record *rec, quire_error *err)
{
    src->ncols = rec->nfields;
    src->columns = src->host->calloc(src->ncols, sizeof(*src->columns));
    src->cols = src->host->calloc(src->ncols, sizeof(*src->cols));
    if (src->columns == NULL || src->cols == NULL)
        return fail_nomem(src->host, "reading the header", err);
    for (size_t c = 0; c < src->ncols; c++) {
        const csv_field *f = &rec->fields[c];
        char *name;

        csv_infer_init(&src->cols[c].infer);
        if (src->opt.header && f->len > 0) {
            if (csv_utf8_invalid_at(rec->bytes + f->off, f->len) != f->len) {
                src->host->error_set(err, QUIRE_E_INVALID,
                                     "%s:%" PRId64 ": column %zu: the name is not valid UTF-8",
                                     src->name, rec->line, c + 1);
                return QUIRE_ERR;
            }
            name = src->host->malloc(f->len + 1);
            if (name == NULL)
                return fail_nomem(src->host, "reading the header", err);
            memcpy(name, rec->bytes + f->off, f->len);
            name[f->len] = '\0';
            if (strlen(name) != f->len) {
                src->host->free(name);
                src->host->error_set(err, QUIRE_E_INVALID,
                                     "%s:%" PRId64 ": column %zu: the name contains a NUL byte",
                                     src->name, rec->line, c + 1);
                return QUIRE_ERR;
            }
        } else {
            /* No header, or an empty name in it: cN. */
            name = src->host->malloc(24);
            if (name == NULL)
                return fail_nomem(src->host, "reading the header", err);
            snprintf(name, 24, "c%zu", c + 1);
        }
        src->columns[c].name = name;
    }
    return check_unique_names(src, rec->line, err);
}

/* Applies `types`: every override must name a column. */
static int apply_overrides(csv_source *src, quire_error *err)
{
    for (size_t t = 0; t < src->opt.ntypes; t++) {
        csv_type_override *o = &src->opt.types[t];
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
                err, QUIRE_E_INVALID, "%s: csv: types: no column '%s' in %s (columns: %s)",
                csv_option_where(src->opt.types_option, where, sizeof(where)),
                csv_show(o->name, strlen(o->name), shown, sizeof(shown)), src->name, list);
            return QUIRE_ERR;
        }
    }
    return QUIRE_OK;
}

/* Copies a record into the sample and lets inference see its values. */
static int sample_add(csv_source *src, const csv_record *rec, quire_error *err)
{
    size_t bytes = 0, first = src->sample_rows * src->ncols;
    const quire_host *host = src->host;

    for (size_t c = 0; c < src->ncols; c++)
        bytes += rec->fields[c].len;
    /* + 1: the buffer exists even if every field so far was empty. */
    if (csv_grow(host, (void **)&src->sample_bytes, &src->sample_bytes_cap,
             src->sample_nbytes + bytes + 1, 1) != 0 ||
        csv_grow(host, (void **)&src->sample_fields, &src->sample_fields_cap, first + src->ncols,
             sizeof(csv_field)) != 0 ||
        csv_grow(host, (void **)&src->sample_lines, &src->sample_lines_cap, src->sample_rows + 1,
             sizeof(int64_t)) != 0)
        return fail_nomem(host, "keeping the type inference sample", err);
    for (size_t c = 0; c < src->ncols; c++) {
        const csv_field *f = &rec->fields[c];
        const char *s = rec->bytes + f->off;
        csv_field *copy = &src->sample_fields[first + c];

        memcpy(src->sample_bytes + src->sample_nbytes, s, f->len);
        copy->off = src->sample_nbytes;
        copy->len = f->len;
        copy->quoted = f->quoted;
        src->sample_nbytes += f->len;
        /* A quoted "" is NULL unless the column ends up string: no evidence
         * either way. */
        if (!src->cols[c].overridden && !field_is_null(src, f, s, QUIRE_TYPE_NULL))
            csv_infer_add(&src->cols[c].infer, s, f->len);
    }
    src->sample_lines[src->sample_rows++] = rec->line;
    return QUIRE_OK;
}

static void sample_free(csv_source *src)
{
    src->host->free(src->sample_bytes);
    src->host->free(src->sample_fields);
    src->host->free(src->sample_lines);
    src->sample_bytes = NULL;
    src->sample_fields = NULL;
    src->sample_lines = NULL;
    src->sample_bytes_cap = src->sample_fields_cap = src->sample_lines_cap = 0;
}

/* Reads the header (or first record) and the sample, then fixes the types. */
static int read_schema(csv_source *src, quire_error *err)
{
    csv_record rec;
    int rc = csv_lexer_next(src->lexer, &rec, err);

    if (rc == QUIRE_ERR)
        return QUIRE_ERR;
    if (rc == QUIRE_DONE) {
        src->host->error_set(err, QUIRE_E_INVALID, "%s: the file is empty (%s)", src->name,
                             src->opt.header ? "not even a header line"
                                             : "no row to count the columns of");
        return QUIRE_ERR;
    }
    if (make_columns(src, &rec, err) != QUIRE_OK || apply_overrides(src, err) != QUIRE_OK)
        return QUIRE_ERR;
    csv_lexer_expect(src->lexer, src->ncols);
    if (src->opt.header) {
        src->data_start = rec.end_offset;
    } else if (sample_add(src, &rec, err) != QUIRE_OK) {
        return QUIRE_ERR;
    }

    while ((int64_t)src->sample_rows < src->opt.infer_rows) {
        rc = csv_lexer_next(src->lexer, &rec, err);
        if (rc == QUIRE_ERR)
            return QUIRE_ERR;
        if (rc == QUIRE_DONE) {
            src->sample_hit_eof = 1;
            src->lexer_done = 1;
            break;
        }
        if (rec.nfields != src->ncols) {
            src->host->error_set(err, QUIRE_E_INVALID,
                                 "%s:%" PRId64 ": expected %zu fields, found %zu", src->name,
                                 rec.line, src->ncols, rec.nfields);
            if (bad_row(src, err) != QUIRE_OK)
                return QUIRE_ERR;
            continue;
        }
        if (sample_add(src, &rec, err) != QUIRE_OK)
            return QUIRE_ERR;
    }
    src->sample_end = csv_lexer_offset(src->lexer);

    for (size_t c = 0; c < src->ncols; c++) {
        csv_column *col = &src->cols[c];
        if (!col->overridden)
            csv_infer_type(&col->infer, &col->type, &col->scale);
        src->columns[c].type = col->type;
        src->columns[c].scale = col->scale;
    }
    return QUIRE_OK;
}

/* ============================== Source ops ================================ */

static void csv_close(void *instance);

/* The body of open() for both inputs: the path option (read == NULL) or a
 * reader supplied by the caller. */
static int open_source(csv_plugin *plugin, const quire_source_args *args, const char *name,
                       csv_read_fn read, void *ctx, int64_t size, void **instance, quire_error *err)
{
    const quire_host *host = plugin->host;
    csv_source *src;
    csv_lexer_opts lex;

    *instance = NULL;
    if (args == NULL || args->size < offsetof(quire_source_args, noptions) + sizeof(size_t)) {
        host->error_set(err, QUIRE_E_ABI, "csv: source args too small (%u bytes)",
                        args ? (unsigned)args->size : 0u);
        return QUIRE_ERR;
    }
    src = host->calloc(1, sizeof(*src));
    if (src == NULL)
        return fail_nomem(host, "opening a source", err);
    src->plugin = plugin;
    src->host = host;
    src->fd = -1;
    src->input_size = size;
    if (csv_options_parse(host, args, plugin->infer_rows, read == NULL, &src->opt, err) != QUIRE_OK)
        goto fail_close;
    src->name = host->strdup(read == NULL ? src->opt.path : name);
    if (src->name == NULL) {
        fail_nomem(host, "opening a source", err);
        goto fail_close;
    }
    if (read == NULL) {
        struct stat st;
        int why_errno = 0;
        src->fd = open(src->opt.path, O_RDONLY | O_CLOEXEC);
        if (src->fd < 0 || fstat(src->fd, &st) != 0)
            why_errno = errno;
        else if (S_ISDIR(st.st_mode))
            why_errno = EISDIR;
        if (why_errno != 0) {
            char why[128] = "unknown error";
            strerror_r(why_errno, why, sizeof(why));
            host->error_set(err, QUIRE_E_IO, "%s: cannot open: %s", src->name, why);
            goto fail_close;
        }
        src->input_size = S_ISREG(st.st_mode) ? (int64_t)st.st_size : -1;
        read = fd_read;
        ctx = src;
    }
    lex.delimiter = src->opt.delimiter;
    lex.quote = src->opt.quote;
    lex.max_field = (size_t)plugin->max_field_size;
    lex.read_buffer = (size_t)plugin->read_buffer;
    src->lexer = csv_lexer_new(host, src->name, read, ctx, &lex);
    if (src->lexer == NULL) {
        fail_nomem(host, "opening a source", err);
        goto fail_close;
    }
    if (read_schema(src, err) != QUIRE_OK)
        goto fail_close;
    *instance = src;
    return QUIRE_OK;

fail_close:
    csv_close(src);
    return QUIRE_ERR;
}

int csv_open_reader(csv_plugin *plugin, const quire_source_args *args, const char *name,
                    csv_read_fn read, void *ctx, int64_t size, void **instance, quire_error *err)
{
    return open_source(plugin, args, name, read, ctx, size, instance, err);
}

static int csv_open(void *state, const quire_source_args *args, void **instance, quire_error *err)
{
    return open_source(state, args, NULL, NULL, NULL, -1, instance, err);
}

static int csv_schema(void *instance, const quire_column_info **columns, size_t *ncolumns,
                      quire_error *err)
{
    csv_source *src = instance;

    (void)err;
    *columns = src->columns;
    *ncolumns = src->ncols;
    return QUIRE_OK;
}

/* Rows in the file, from the sample's bytes per row; exact if the whole
 * file was sampled; -1 if the size is unknown (a pipe). */
static int64_t csv_estimate(void *instance)
{
    const csv_source *src = instance;
    int64_t sampled = src->sample_end - src->data_start;

    if (src->sample_hit_eof)
        return (int64_t)src->sample_rows;
    if (src->input_size < 0 || src->sample_rows == 0 || sampled <= 0)
        return -1;
    return (int64_t)((double)(src->input_size - src->data_start) * (double)src->sample_rows /
                         (double)sampled +
                     0.5);
}

/* Checks that the kernel's batch matches the schema. */
static int check_batch(const csv_source *src, const quire_batch *batch, quire_error *err)
{
    if (batch->ncolumns != src->ncols || batch->capacity == 0) {
        src->host->error_set(err, QUIRE_E_INTERNAL,
                             "csv: %s: batch has %u columns and room for %u rows; the schema has "
                             "%zu columns",
                             src->name, (unsigned)batch->ncolumns, (unsigned)batch->capacity,
                             src->ncols);
        return QUIRE_ERR;
    }
    for (size_t c = 0; c < src->ncols; c++) {
        const quire_column *col = &batch->columns[c];
        if (col->type != src->cols[c].type ||
            (col->type == QUIRE_TYPE_DECIMAL && col->scale != src->cols[c].scale)) {
            src->host->error_set(
                err, QUIRE_E_INTERNAL, "csv: %s: batch column %zu has type %u, the schema says %u",
                src->name, c + 1, (unsigned)col->type, (unsigned)src->cols[c].type);
            return QUIRE_ERR;
        }
    }
    return QUIRE_OK;
}

static int csv_next(void *instance, quire_batch *batch, quire_error *err)
{
    csv_source *src = instance;
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
        csv_record rec;

        if (src->replayed < src->sample_rows) {
            rec.bytes = src->sample_bytes;
            rec.fields = &src->sample_fields[src->replayed * src->ncols];
            rec.nfields = src->ncols;
            rec.line = src->sample_lines[src->replayed];
            src->replayed++; /* the sample is freed once the lexer takes over */
        } else {
            int rc;
            if (src->sample_bytes != NULL)
                sample_free(src);
            if (src->lexer_done) {
                done = 1;
                break;
            }
            rc = csv_lexer_next(src->lexer, &rec, err);
            if (rc == QUIRE_DONE) {
                src->lexer_done = 1;
                done = 1;
                break;
            }
            if (rc != QUIRE_OK)
                goto fail;
        }
        if (fill_row(src, batch, rows, &rec, err) != QUIRE_OK) {
            if (err->code != QUIRE_E_INVALID || bad_row(src, err) != QUIRE_OK)
                goto fail;
            continue;
        }
        if (has_lines)
            batch->source_line[rows] = rec.line;
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

static void csv_close(void *instance)
{
    csv_source *src = instance;
    const quire_host *host;

    if (src == NULL)
        return;
    host = src->host;
    if (src->skipped > 0 && src->plugin->self != NULL)
        host->log(src->plugin->self, QUIRE_LOG_INFO,
                  "%s: skipped %" PRId64 " bad row%s of %" PRId64 " (on_error = skip)", src->name,
                  src->skipped, src->skipped == 1 ? "" : "s", src->skipped + src->delivered);
    if (src->columns != NULL)
        for (size_t c = 0; c < src->ncols; c++)
            host->free((void *)src->columns[c].name);
    host->free(src->columns);
    host->free(src->cols);
    sample_free(src);
    csv_lexer_free(src->lexer);
    if (src->fd >= 0)
        close(src->fd);
    host->free(src->name);
    csv_options_free(host, &src->opt);
    host->free(src);
}

/* ============================== Lifecycle ================================= */

static int csv_init(const quire_host *host, quire_plugin *self, const quire_config *config,
                    void **state, quire_error *err)
{
    csv_plugin *plugin = host->calloc(1, sizeof(*plugin));

    if (plugin == NULL)
        return fail_nomem(host, "in init", err);
    plugin->host = host;
    plugin->self = self;
    plugin->max_field_size = host->config_int(config, "max_field_size");
    plugin->infer_rows = host->config_int(config, "infer_rows");
    plugin->read_buffer = host->config_int(config, "read_buffer");
    *state = plugin;
    return QUIRE_OK;
}

static void csv_destroy(void *state)
{
    csv_plugin *plugin = state;

    if (plugin != NULL)
        plugin->host->free(plugin);
}

/* ============================== Descriptor ================================ */

static const quire_source_ops csv_ops = {
    .size = sizeof(quire_source_ops),
    .open = csv_open,
    .schema = csv_schema,
    .estimate = csv_estimate,
    .next = csv_next,
    .close = csv_close,
};

static const quire_plugin_desc csv_desc = {
    QUIRE_PLUGIN_HEADER(QUIRE_KIND_SOURCE),
    .name = "csv",
    .version = "1.0.0",
    .license = "MIT",
    .author = "The quire authors",
    .description = "CSV files (RFC 4180): streamed, with column types inferred or declared",
    .config = csv_config,
    .init = csv_init,
    .destroy = csv_destroy,
    .ops = &csv_ops,
    .ops_size = sizeof(csv_ops),
};

QUIRE_PLUGIN_DEFINE(csv_desc)
