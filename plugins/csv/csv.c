/*
 * csv.c - the csv data-source plugin (QUIRE_KIND_SOURCE, "csv"): streams an
 * RFC 4180 file as typed columnar batches.
 *
 * How an instance works:
 *   open()     parses the options (csv_options.c), opens the file
 *              (csv_input.c: mapped, or read in read_buffer chunks), reads
 *              the header and then up to infer_rows records into a sample,
 *              infers each column's type from the sample (csv_infer.c)
 *              unless `types` sets it, and builds the schema;
 *   project()  narrows the columns next() converts;
 *   next()     replays the sample rows first, then lexes the rest of the
 *              file (csv_lexer.c), converting each needed field exactly
 *              (csv_fill.c) into the batch;
 *   stats()    rows, skipped rows and bytes of the part read;
 *   close()    logs how many bad rows on_error = skip dropped.
 *
 * Partitions (args->npartitions > 1, mapped files only): the data after
 * the header is split by bytes into npartitions ranges [S_p, S_p+1), and
 * part p returns the rows whose record starts in its range. It finds its
 * first record with csv_row_start() (the first row start at or after S_p,
 * from the parity of the quotes before it: exact for RFC 4180 input) and
 * stops before the first record starting at or after S_p+1, so every row
 * belongs to exactly one part. Every part reads the header and the same
 * sample from the start of the file, so all infer the same schema; part 0
 * replays the sampled rows of its range, the others seek past it. Rows are
 * numbered 1.. within the part; a row's line is counted from the part's
 * start and made absolute (counting the LFs before the part once) only when
 * an error or source_line asks for it. The bytes before a part are read in
 * 4 MB chunks whose pages are given back at once, so looking back does not
 * map half the file. A bad row inside the sample counts
 * as skipped in part 0 only if it starts in part 0's range; the other parts
 * count theirs as they read them.
 *
 * Bad rows (a field count other than the header's, a value that does not
 * fit its column, invalid UTF-8 in a string) fail the source, or with
 * on_error = skip are dropped and counted. Syntax errors (quotes, bare CR,
 * oversize fields) always fail: the record boundaries after one are unknown.
 *
 * Memory per instance: the read buffer (or the mapped pages of about one
 * read_buffer behind the reader and the batch being filled), one record,
 * one sample of infer_rows records (freed once replayed) and the batch the
 * kernel gives.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
     .help = "Bytes read from a CSV file at a time; for a mapped file, how far behind the "
             "reader pages are given back."},
    {.name = "mmap",
     .type = QUIRE_CONF_BOOL,
     .default_value = "yes",
     .help = "Map regular files into memory (faster; needed to read a file in parallel parts). "
             "no: read them read_buffer bytes at a time, for files rewritten while reports run."},
    {0},
};

/* ============================== Small helpers ============================= */

/* A bad row: with on_error = skip count it (if `counts`: the row is this
 * part's) and return QUIRE_OK, else QUIRE_ERR (err already says why). */
static int bad_row(csv_source *src, int counts, quire_error *err)
{
    return support_skip_row(src->host, src->plugin->self, src->opt.skip_bad_rows, counts,
                            &src->skipped, err);
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
        return support_fail_nomem(src->host, "csv", "reading the header", err);
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
        support_show(dup->name, strlen(dup->name), shown, sizeof(shown)));
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
        return support_fail_nomem(src->host, "csv", "reading the header", err);
    for (size_t c = 0; c < src->ncols; c++) {
        const csv_field *f = &rec->fields[c];
        char *name;

        support_infer_init(&src->cols[c].infer);
        if (src->opt.header && f->len > 0) {
            if (support_utf8_invalid_at(f->ptr, f->len) != f->len) {
                src->host->error_set(err, QUIRE_E_INVALID,
                                     "%s:%" PRId64 ": column %zu: the name is not valid UTF-8",
                                     src->name, rec->line, c + 1);
                return QUIRE_ERR;
            }
            name = src->host->malloc(f->len + 1);
            if (name == NULL)
                return support_fail_nomem(src->host, "csv", "reading the header", err);
            memcpy(name, f->ptr, f->len);
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
                return support_fail_nomem(src->host, "csv", "reading the header", err);
            snprintf(name, 24, "c%zu", c + 1);
        }
        src->columns[c].name = name;
    }
    return check_unique_names(src, rec->line, err);
}

/* Applies `types`: every override must name a column. */
static int apply_overrides(csv_source *src, quire_error *err)
{
    return support_types_apply(src->host, "csv", src->opt.types, src->opt.ntypes,
                               src->opt.types_option, src->name, src->columns, src->cols,
                               src->ncols, err);
}

/* Copies a record into the sample and lets inference see its values. The
 * fields' ptr are set once the sample is complete (its bytes still move). */
static int sample_add(csv_source *src, const csv_record *rec, quire_error *err)
{
    size_t bytes = 0, first = src->sample_rows * src->ncols;
    const quire_host *host = src->host;

    for (size_t c = 0; c < src->ncols; c++)
        bytes += rec->fields[c].len;
    /* + 1: the buffer exists even if every field so far was empty. */
    if (support_grow(host, (void **)&src->sample_bytes, &src->sample_bytes_cap,
                     src->sample_nbytes + bytes + 1, 1) != 0 ||
        support_grow(host, (void **)&src->sample_fields, &src->sample_fields_cap,
                     first + src->ncols, sizeof(csv_field)) != 0 ||
        support_grow(host, (void **)&src->sample_lines, &src->sample_lines_cap,
                     src->sample_rows + 1, sizeof(int64_t)) != 0 ||
        support_grow(host, (void **)&src->sample_starts, &src->sample_starts_cap,
                     src->sample_rows + 1, sizeof(int64_t)) != 0)
        return support_fail_nomem(host, "csv", "keeping the type inference sample", err);
    for (size_t c = 0; c < src->ncols; c++) {
        const csv_field *f = &rec->fields[c];
        csv_field *copy = &src->sample_fields[first + c];

        memcpy(src->sample_bytes + src->sample_nbytes, f->ptr, f->len);
        copy->ptr = NULL;
        copy->len = f->len;
        copy->flags = f->flags & CSV_FIELD_QUOTED;
        src->sample_nbytes += f->len;
        /* A quoted "" is NULL unless the column ends up string: no evidence
         * either way. */
        if (!src->cols[c].overridden && !csv_field_is_null(src, f, QUIRE_TYPE_NULL))
            csv_infer_add(&src->cols[c].infer, f->ptr, f->len);
    }
    src->sample_lines[src->sample_rows] = rec->line;
    src->sample_starts[src->sample_rows] = rec->start;
    src->sample_rows++;
    return QUIRE_OK;
}

/* The sample is complete: point its fields at their bytes. */
static void sample_seal(csv_source *src)
{
    size_t off = 0;

    for (size_t i = 0; i < src->sample_rows * src->ncols; i++) {
        src->sample_fields[i].ptr = src->sample_bytes + off;
        off += src->sample_fields[i].len;
    }
}

static void sample_free(csv_source *src)
{
    src->host->free(src->sample_bytes);
    src->host->free(src->sample_fields);
    src->host->free(src->sample_lines);
    src->host->free(src->sample_starts);
    src->sample_bytes = NULL;
    src->sample_fields = NULL;
    src->sample_lines = NULL;
    src->sample_starts = NULL;
    src->sample_bytes_cap = src->sample_fields_cap = 0;
    src->sample_lines_cap = src->sample_starts_cap = 0;
}

/* ============================== Partitions ================================ */

/* S_p: where part p of the data bytes [data_start, size) begins. */
static int64_t split_offset(const csv_source *src, uint32_t p)
{
    int64_t bytes = src->input_size - src->data_start;
    int64_t n = src->npartitions;

    if (p >= src->npartitions)
        return src->input_size;
    return src->data_start + bytes / n * p + bytes % n * p / n;
}

/* Sets the part's byte range once the data start is known. Part 0 also
 * accounts for the header, the last one reads to the end. */
static void plan_partition(csv_source *src)
{
    uint32_t p = src->partition;

    src->part_begin = 0;
    src->part_end = INT64_MAX;
    src->range_begin = 0;
    if (src->npartitions <= 1)
        return;
    if (!src->input.mapped) {
        /* No random access: the first part reads everything. */
        if (p > 0)
            src->part_end = 0;
        return;
    }
    if (p > 0)
        src->part_begin = src->range_begin = split_offset(src, p);
    if (p + 1 < src->npartitions)
        src->part_end = split_offset(src, p + 1);
}

/* The part's end for stats(): the input size for the last part. */
static int64_t range_end(const csv_source *src)
{
    return src->part_end < src->input_size ? src->part_end : src->input_size;
}

/* Bytes a part looks at before it (quotes, line ends) between giving their
 * pages back: the bytes before a part are read once and not kept. */
#define LOOK_BACK_CHUNK ((size_t)4 << 20)

/* Occurrences of byte c in the mapped bytes [from, to), chunk by chunk,
 * giving each chunk's pages back. */
static int64_t count_and_drop(csv_source *src, size_t from, size_t to, unsigned char c)
{
    int64_t count = 0;

    while (from < to) {
        size_t n = to - from < LOOK_BACK_CHUNK ? to - from : LOOK_BACK_CHUNK;
        count += (int64_t)csv_count_byte(src->input.map + from, n, c);
        csv_input_drop(&src->input, from, from + n);
        from += n;
    }
    return count;
}

/* csv_count_lines_fn over the source's mapped input. */
static int64_t count_lines(void *ctx, int64_t from, int64_t to)
{
    return count_and_drop(ctx, (size_t)from, (size_t)to, '\n');
}

/* After the sample: moves the lexer to the part's first record (parts
 * after the first), or sets where it stops. */
static void start_partition(csv_source *src)
{
    int64_t from, from_line;
    size_t first, counted;
    int inside = 0;

    if (src->npartitions <= 1 || !src->input.mapped)
        return;
    if (src->partition == 0) {
        csv_lexer_set_stop(src->lexer, src->part_end);
        return;
    }
    /* Count quotes from the closest row start already known. */
    if (src->sample_end <= src->part_begin) {
        from = src->sample_end;
        from_line = src->sample_end_line;
    } else {
        from = src->data_start;
        from_line = src->data_start_line;
    }
    /* The quote parity up to close to the part, without keeping the pages;
     * csv_row_start() counts the last stretch. */
    counted = (size_t)from;
    if (src->opt.quote >= 0 && (size_t)src->part_begin > counted + LOOK_BACK_CHUNK) {
        size_t upto = (size_t)src->part_begin - LOOK_BACK_CHUNK;
        inside = (int)(count_and_drop(src, counted, upto, (unsigned char)src->opt.quote) & 1);
        counted = upto;
    }
    first = csv_row_start(src->input.map, (size_t)src->input_size, counted, inside,
                          (size_t)src->part_begin, src->opt.quote);
    csv_lexer_seek(src->lexer, (int64_t)first, src->part_end, from, from_line, count_lines, src);
    /* The sample is part 0's to replay. */
    sample_free(src);
    src->sample_rows = 0;
    src->lexer_done = 0;
    csv_input_release(&src->input, (int64_t)first, 0);
}

/* ============================== Schema ==================================== */

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
    if (csv_lexer_expect(src->lexer, src->ncols) != 0)
        return support_fail_nomem(src->host, "csv", "reading the header", err);
    if (src->opt.header) {
        src->data_start = rec.end_offset;
        src->data_start_line = csv_lexer_line_now(src->lexer);
    } else {
        src->data_start = rec.start;
        src->data_start_line = rec.line;
    }
    plan_partition(src);
    if (!src->opt.header && sample_add(src, &rec, err) != QUIRE_OK)
        return QUIRE_ERR;

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
            if (bad_row(src, src->partition == 0 && rec.start < src->part_end, err) != QUIRE_OK)
                return QUIRE_ERR;
            continue;
        }
        if (sample_add(src, &rec, err) != QUIRE_OK)
            return QUIRE_ERR;
    }
    sample_seal(src);
    src->sample_end = csv_lexer_offset(src->lexer);
    src->sample_end_line = csv_lexer_line_now(src->lexer);

    support_columns_type(src->columns, src->cols, src->ncols);
    return QUIRE_OK;
}

/* Rows in the part: exact if the whole file was sampled, else from the
 * sample's bytes per row; -1 if the size is unknown (a pipe). */
static int64_t estimate_rows(const csv_source *src)
{
    int64_t sampled = src->sample_end - src->data_start, begin, end;
    int64_t rows = 0;

    if (src->sample_hit_eof) {
        for (size_t i = 0; i < src->sample_rows; i++)
            rows +=
                src->sample_starts[i] >= src->part_begin && src->sample_starts[i] < src->part_end;
        return rows;
    }
    if (src->input_size < 0 || src->sample_rows == 0 || sampled <= 0)
        return -1;
    begin = src->part_begin > src->data_start ? src->part_begin : src->data_start;
    end = range_end(src);
    if (end <= begin)
        return 0;
    return (int64_t)((double)(end - begin) * (double)src->sample_rows / (double)sampled + 0.5);
}

/* ============================== Source ops ================================ */

static void csv_close(void *instance);

/* Where the input comes from: the path option, a reader, or memory. */
typedef struct input_spec {
    const char *name; /* NULL: the path option */
    csv_read_fn read; /* a reader supplied by the caller */
    void *ctx;
    int64_t size;     /* its size, or -1 */
    const char *data; /* memory supplied by the caller */
    size_t data_size;
} input_spec;

/* Opens the path option (resolved against base_dir) and names it. */
static int open_path(csv_source *src, const char *base_dir, quire_error *err)
{
    const quire_host *host = src->host;
    char *resolved = support_resolve_path(host, src->opt.path, base_dir);
    int rc;

    if (resolved == NULL)
        return support_fail_nomem(host, "csv", "opening a source", err);
    if (strcmp(resolved, src->opt.path) == 0) {
        src->name = resolved;
    } else {
        size_t len = strlen(src->opt.path) + strlen(resolved) + 4;
        src->name = host->malloc(len);
        if (src->name == NULL) {
            host->free(resolved);
            return support_fail_nomem(host, "csv", "opening a source", err);
        }
        snprintf(src->name, len, "%s (%s)", src->opt.path, resolved);
    }
    rc = csv_input_open(host, resolved, src->name, src->plugin->use_mmap, &src->input, err);
    if (resolved != src->name)
        host->free(resolved);
    return rc;
}

/* Creates the lexer over whatever input the source has. */
static int make_lexer(csv_source *src, const input_spec *in, quire_error *err)
{
    const csv_plugin *plugin = src->plugin;
    csv_lexer_opts lex;

    lex.delimiter = src->opt.delimiter;
    lex.quote = src->opt.quote;
    lex.max_field = (size_t)plugin->max_field_size;
    lex.read_buffer = (size_t)plugin->read_buffer;
    if (in->data != NULL) {
        src->input.mapped = 1;
        src->input.map = in->data;
        src->input.size = src->input_size = (int64_t)in->data_size;
        src->lexer = csv_lexer_new_memory(src->host, src->name, in->data, in->data_size, &lex);
    } else if (in->read != NULL) {
        src->input_size = in->size;
        src->lexer = csv_lexer_new(src->host, src->name, in->read, in->ctx, &lex);
    } else if (src->input.mapped) {
        src->input_size = src->input.size;
        src->lexer =
            csv_lexer_new_memory(src->host, src->name, src->input.map, src->input.map_size, &lex);
    } else {
        src->input_size = src->input.size;
        src->lexer = csv_lexer_new(src->host, src->name, csv_input_read, &src->input, &lex);
    }
    if (src->lexer == NULL)
        return support_fail_nomem(src->host, "csv", "opening a source", err);
    return QUIRE_OK;
}

/* The body of open() for every kind of input. */
static int open_source(csv_plugin *plugin, const quire_source_args *args, const input_spec *in,
                       void **instance, quire_error *err)
{
    const quire_host *host = plugin->host;
    const char *base_dir;
    csv_source *src;

    *instance = NULL;
    /* csv reads nothing past the options of a 1.0 kernel's args. */
    if (support_check_args(host, "csv", args,
                           offsetof(quire_source_args, noptions) + sizeof(size_t), err) != QUIRE_OK)
        return QUIRE_ERR;
    src = host->calloc(1, sizeof(*src));
    if (src == NULL)
        return support_fail_nomem(host, "csv", "opening a source", err);
    src->plugin = plugin;
    src->host = host;
    src->input.fd = -1;
    src->input_size = -1;
    src->npartitions = 1;
    base_dir = support_base_dir(args);
    if (args->size >= offsetof(quire_source_args, npartitions) + sizeof(args->npartitions) &&
        args->npartitions > 1) {
        src->partition = args->partition;
        src->npartitions = args->npartitions;
        if (src->partition >= src->npartitions) {
            host->error_set(err, QUIRE_E_INTERNAL,
                            "csv: asked for part %u of %u (parts count from 0)",
                            (unsigned)src->partition, (unsigned)src->npartitions);
            goto fail_close;
        }
    }
    if (csv_options_parse(host, args, plugin->infer_rows, in->name == NULL, &src->opt, err) !=
        QUIRE_OK)
        goto fail_close;
    if (in->name != NULL) {
        src->name = host->strdup(in->name);
        if (src->name == NULL) {
            support_fail_nomem(host, "csv", "opening a source", err);
            goto fail_close;
        }
    } else if (open_path(src, base_dir, err) != QUIRE_OK) {
        goto fail_close;
    }
    if (make_lexer(src, in, err) != QUIRE_OK)
        goto fail_close;
    if (src->npartitions > 1 && !src->input.mapped && src->input_size < 0) {
        host->error_set(err, QUIRE_E_INVALID,
                        "%s: cannot be read in %u parts: not a regular file (a pipe or device)",
                        src->name, (unsigned)src->npartitions);
        goto fail_close;
    }
    if (read_schema(src, err) != QUIRE_OK)
        goto fail_close;
    src->nneeded = src->ncols;
    src->needed = host->malloc(src->ncols * sizeof(*src->needed));
    if (src->needed == NULL) {
        support_fail_nomem(host, "csv", "opening a source", err);
        goto fail_close;
    }
    for (size_t c = 0; c < src->ncols; c++)
        src->needed[c] = c;
    /* Not mapped: the first part reads everything, the others nothing. */
    if (src->npartitions > 1 && !src->input.mapped && src->partition > 0)
        src->lexer_done = 1;
    src->estimate = estimate_rows(src);
    start_partition(src);
    src->shown = csv_progress_now(src);
    *instance = src;
    return QUIRE_OK;

fail_close:
    csv_close(src);
    return QUIRE_ERR;
}

int csv_open_reader(csv_plugin *plugin, const quire_source_args *args, const char *name,
                    csv_read_fn read, void *ctx, int64_t size, void **instance, quire_error *err)
{
    input_spec in = {.name = name, .read = read, .ctx = ctx, .size = size};

    return open_source(plugin, args, &in, instance, err);
}

int csv_open_memory(csv_plugin *plugin, const quire_source_args *args, const char *name,
                    const char *data, size_t size, void **instance, quire_error *err)
{
    input_spec in = {.name = name, .data = size > 0 ? data : "", .data_size = size};

    return open_source(plugin, args, &in, instance, err);
}

static int csv_open(void *state, const quire_source_args *args, void **instance, quire_error *err)
{
    input_spec in = {0};

    if (open_source(state, args, &in, instance, err) != QUIRE_OK)
        return QUIRE_ERR;
    ((csv_source *)*instance)->read_ahead = 1;
    return QUIRE_OK;
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

static int64_t csv_estimate(void *instance)
{
    const csv_source *src = instance;

    return src->estimate;
}

static int csv_project(void *instance, const uint8_t *needed, size_t ncolumns, quire_error *err)
{
    csv_source *src = instance;

    if (support_check_project(src->host, "csv", src->name, ncolumns, src->ncols, err) != QUIRE_OK)
        return QUIRE_ERR;
    src->nneeded = 0;
    for (size_t c = 0; c < ncolumns; c++)
        if (needed[c])
            src->needed[src->nneeded++] = c;
    if (csv_lexer_want(src->lexer, needed) != 0)
        return support_fail_nomem(src->host, "csv", "in project()", err);
    return QUIRE_OK;
}

int csv_fill_batch(csv_source *src, quire_batch *batch, quire_error *err)
{
    int has_lines = support_batch_has_lines(batch);
    uint32_t rows = 0;
    int done = 0;

    batch->rows = 0;
    batch->first_row = src->delivered + 1;
    while (rows < batch->capacity) {
        csv_record rec;

        if (src->replayed < src->sample_rows && src->sample_starts[src->replayed] < src->part_end) {
            rec.fields = &src->sample_fields[src->replayed * src->ncols];
            rec.nfields = src->ncols;
            rec.line = src->sample_lines[src->replayed];
            rec.start = src->sample_starts[src->replayed];
            src->replayed++;
        } else {
            int rc;
            /* The sample is freed once the lexer takes over (its strings
             * were copied into the batch). */
            if (src->sample_bytes != NULL) {
                sample_free(src);
                src->sample_rows = 0;
            }
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
        if (csv_fill_row(src, batch, rows, &rec, err) != QUIRE_OK) {
            if (err->code != QUIRE_E_INVALID || bad_row(src, 1, err) != QUIRE_OK)
                goto fail;
            continue;
        }
        if (has_lines)
            batch->source_line[rows] = csv_lexer_line(src->lexer, rec.line);
        rows++;
    }
    batch->rows = rows;
    src->delivered += rows;
    src->done = done;
    return done ? QUIRE_DONE : QUIRE_OK;

fail:
    batch->rows = 0;
    return QUIRE_ERR;
}

csv_progress csv_progress_now(const csv_source *src)
{
    return (csv_progress){.delivered = src->delivered,
                          .skipped = src->skipped,
                          .offset = csv_lexer_offset(src->lexer),
                          .done = src->done};
}

/* Worth a read-ahead thread: a whole-file read with rows past the sample
 * (parts run on threads of their own already). */
static int wants_ahead(const csv_source *src)
{
    return src->read_ahead && src->npartitions <= 1 && !src->lexer_done;
}

static int csv_next(void *instance, quire_batch *batch, quire_error *err)
{
    csv_source *src = instance;
    int rc;

    if (src->failed) {
        *err = src->failure;
        return QUIRE_ERR;
    }
    if (support_check_batch(src->host, "csv", src->name, src->columns, src->ncols, batch, err) !=
        QUIRE_OK)
        return QUIRE_ERR;
    /* The previous fill's rows are gone: so may their pages be. */
    if (src->input.map_size > 0)
        csv_input_release(&src->input, src->shown.offset, (size_t)src->plugin->read_buffer);
    if (src->ahead == NULL && wants_ahead(src)) {
        src->read_ahead = 0;
        if (csv_ahead_start(src, batch, err) != QUIRE_OK)
            goto fail;
    }
    if (src->ahead != NULL) {
        rc = csv_ahead_next(src, batch, err);
    } else {
        rc = csv_fill_batch(src, batch, err);
        src->shown = csv_progress_now(src);
    }
    if (rc == QUIRE_ERR)
        goto fail;
    return rc;

fail:
    batch->rows = 0;
    src->failed = 1;
    src->failure = *err;
    return QUIRE_ERR;
}

static void csv_stats(void *instance, quire_source_stats *out)
{
    const csv_source *src = instance;
    int64_t total = -1, read = src->shown.offset;

    if (src->input_size >= 0) {
        total = range_end(src) - src->range_begin;
        read = src->shown.done ? total : read - src->range_begin;
        read = read < 0 ? 0 : read > total ? total : read;
    }
    support_stats_fill(out, src->shown.delivered, src->shown.skipped, read, total);
}

static void csv_close(void *instance)
{
    csv_source *src = instance;
    const quire_host *host;

    if (src == NULL)
        return;
    host = src->host;
    csv_ahead_stop(src->ahead);
    support_log_skipped(host, src->plugin->self, src->name, "row", src->shown.skipped,
                        src->shown.delivered);
    if (src->columns != NULL)
        for (size_t c = 0; c < src->ncols; c++)
            host->free((void *)src->columns[c].name);
    host->free(src->columns);
    host->free(src->cols);
    host->free(src->needed);
    sample_free(src);
    csv_lexer_free(src->lexer);
    if (src->input.fd >= 0 || src->input.map_size > 0)
        csv_input_close(&src->input);
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
        return support_fail_nomem(host, "csv", "in init", err);
    plugin->host = host;
    plugin->self = self;
    plugin->max_field_size = host->config_int(config, "max_field_size");
    plugin->infer_rows = host->config_int(config, "infer_rows");
    plugin->read_buffer = host->config_int(config, "read_buffer");
    plugin->use_mmap = host->config_bool(config, "mmap");
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
    .caps = QUIRE_SOURCE_CAN_PARTITION | QUIRE_SOURCE_CAN_PROJECT,
    .project = csv_project,
    .stats = csv_stats,
};

static const quire_plugin_desc csv_desc = {
    QUIRE_PLUGIN_HEADER(QUIRE_KIND_SOURCE),
    .name = "csv",
    .version = "1.1.0",
    .license = "MIT",
    .author = "The quire authors",
    .description = "CSV files (RFC 4180): mapped or streamed, read in parallel parts, with column "
                   "types inferred or declared",
    .config = csv_config,
    .init = csv_init,
    .destroy = csv_destroy,
    .ops = &csv_ops,
    .ops_size = sizeof(csv_ops),
};

QUIRE_PLUGIN_DEFINE(csv_desc)
