/*
 * fuzz_csv.c - libFuzzer target for the csv source plugin: its lexer,
 * inference and value parsers, compiled in from the plugin's sources and fed the
 * input from memory through csv_open_reader() (no temp file), with the small
 * host table of fuzz_host.h (libc memory, kernel/arena.c arenas).
 *
 * The first 4 bytes choose the options (delimiter, quote, header, null
 * tokens, on_error, types, infer_rows, max_field_size, a projection); the
 * rest is the CSV. Each input is read
 *   - streamed in 1-byte reads (the lexer's state machine) into batches of
 *     1 row, and in 4 KiB reads (mostly its fast path) into batches of 61;
 *   - from memory, as a mapped file is, whole into batches of 61;
 *   - from memory in 2 and in 3 parts (partition/npartitions);
 *   - from memory with some columns projected away.
 * Besides the sanitizers, a trap is a bug: the whole reads disagree (rows,
 * or the error); the parts, one after the other, do not give the whole
 * read's rows and skip counts, or one fails where the whole read did not,
 * or the first failing part does not fail with the whole read's error; a
 * projected read of an input read whole without bad rows gives other values
 * in the columns it reads; a batch overflows, a row count is 0 without the
 * end, first_row is not the count so far + 1, a string cell is not valid
 * UTF-8, a source line goes backwards. Built and run by `make fuzz-csv`; to
 * see what the reads gave for a crash file: FUZZ_CSV_DEBUG=1 fuzz_csv FILE.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "batch.h"
#include "csv.h"
#include "fuzz_host.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
/* The plugin's entry point (QUIRE_PLUGIN_DEFINE in csv.c). */
const quire_plugin_desc *quire_plugin_v1(void);

/* ============================== Input ===================================== */

typedef struct mem_reader {
    const char *data;
    size_t size, pos, chunk;
} mem_reader;

static ptrdiff_t mem_read(void *ctx, char *buf, size_t cap, quire_error *err)
{
    mem_reader *r = ctx;
    size_t n = r->size - r->pos;

    (void)err;
    if (n > cap)
        n = cap;
    if (n > r->chunk)
        n = r->chunk;
    memcpy(buf, r->data + r->pos, n);
    r->pos += n;
    return (ptrdiff_t)n;
}

/* ============================== One read ================================== */

/* How to read: streamed in `chunk`-byte reads (0: from memory), one part of
 * `nparts`, projecting with `project` (bit c % 8: column c is read). */
typedef struct read_mode {
    size_t chunk;
    uint32_t capacity;
    uint32_t part, nparts;
    int projected;
    uint8_t project;
} read_mode;

typedef struct result {
    char *rows; /* formatted rows, "LINE: cells\n" */
    size_t rows_len;
    int failed; /* open or next failed */
    quire_error err;
    quire_source_stats stats;
} result;

static void read_one(const quire_source_args *base_args, csv_plugin *plugin, const char *text,
                     size_t len, const read_mode *mode, result *res)
{
    const quire_source_ops *ops = quire_plugin_v1()->ops;
    mem_reader reader = {text, len, 0, mode->chunk};
    quire_source_args args = *base_args;
    const quire_column_info *columns;
    size_t ncolumns;
    quire_batch *batch;
    void *instance = NULL;
    FILE *out = open_memstream(&res->rows, &res->rows_len);
    uint8_t needed[CSV_MAX_COLUMNS];
    int64_t last_line = 0, delivered = 0;
    int rc;

    CHECK(out != NULL);
    memset(&res->err, 0, sizeof(res->err));
    memset(&res->stats, 0, sizeof(res->stats));
    res->failed = 0;
    args.partition = mode->part;
    args.npartitions = mode->nparts;
    if (mode->chunk > 0)
        rc = csv_open_reader(plugin, &args, "fuzz.csv", mem_read, &reader, (int64_t)len, &instance,
                             &res->err);
    else
        rc = csv_open_memory(plugin, &args, "fuzz.csv", text, len, &instance, &res->err);
    if (rc != QUIRE_OK) {
        CHECK(instance == NULL && res->err.msg[0] != '\0');
        res->failed = 1;
        fclose(out);
        return;
    }
    CHECK(ops->schema(instance, &columns, &ncolumns, &res->err) == QUIRE_OK);
    CHECK(ncolumns >= 1 && ncolumns <= CSV_MAX_COLUMNS);
    for (size_t c = 0; c < ncolumns; c++) {
        needed[c] = !mode->projected || ((mode->project >> (c % 8)) & 1);
        /* Escaped: a name may hold a newline, and the schema is one line. */
        if (c > 0)
            fputc('\t', out);
        batch_write_text(columns[c].name, strlen(columns[c].name), out);
        fprintf(out, ":%u:%d", (unsigned)columns[c].type, (int)columns[c].scale);
    }
    fputc('\n', out);
    if (mode->projected)
        CHECK(ops->project(instance, needed, ncolumns, &res->err) == QUIRE_OK);
    (void)ops->estimate(instance);
    batch = batch_new(columns, ncolumns, mode->capacity, BATCH_LINES);
    CHECK(batch != NULL);
    do {
        batch_reset(batch);
        rc = ops->next(instance, batch, &res->err);
        if (rc == QUIRE_ERR) {
            CHECK(res->err.msg[0] != '\0' && batch->rows == 0);
            res->failed = 1;
            break;
        }
        fuzz_check_batch(batch, rc, mode->capacity, delivered);
        for (uint32_t r = 0; r < batch->rows; r++) {
            CHECK(batch->source_line[r] > last_line);
            last_line = batch->source_line[r];
            fprintf(out, "%lld:", (long long)last_line);
            for (uint32_t c = 0; c < batch->ncolumns; c++) {
                const quire_column *col = &batch->columns[c];
                fputc(c ? '\t' : ' ', out);
                if (!needed[c]) {
                    fputc('-', out);
                    continue;
                }
                if (col->type == QUIRE_TYPE_STRING && !col->nulls[r])
                    CHECK(support_utf8_invalid_at(col->v.str[r].ptr, col->v.str[r].len) ==
                          col->v.str[r].len);
                batch_format_cell(batch, c, r, out);
            }
            fputc('\n', out);
        }
        delivered += batch->rows;
    } while (rc == QUIRE_OK);
    res->stats.size = sizeof(res->stats);
    ops->stats(instance, &res->stats);
    CHECK(res->stats.rows == delivered);
    batch_free(batch);
    ops->close(instance);
    fclose(out);
}

/* The rows of a formatted read: what follows its schema line. */
static const char *rows_of(const result *res, size_t *len)
{
    const char *nl = memchr(res->rows, '\n', res->rows_len);

    CHECK(nl != NULL);
    *len = res->rows_len - (size_t)(nl + 1 - res->rows);
    return nl + 1;
}

/* Replaces the cells of unread columns in a formatted whole read by "-",
 * as a projected read shows them. Rows are "LINE: cell\tcell\n" and cells
 * never hold a tab or a newline (batch_format_cell escapes them). */
static char *mask_cells(const result *res, uint8_t project)
{
    char *masked = malloc(res->rows_len * 2 + 1), *dst = masked; /* "" may become "-" */
    const char *p = res->rows, *end = res->rows + res->rows_len;
    const char *nl = memchr(p, '\n', res->rows_len);

    CHECK(masked != NULL && nl != NULL);
    memcpy(dst, p, (size_t)(nl + 1 - p)); /* the schema */
    dst += nl + 1 - p;
    p = nl + 1;
    while (p < end) {
        const char *space = memchr(p, ' ', (size_t)(end - p));
        size_t column = 0;
        CHECK(space != NULL);
        memcpy(dst, p, (size_t)(space + 1 - p)); /* "LINE: " */
        dst += space + 1 - p;
        p = space + 1;
        for (;;) {
            const char *cell = p;
            while (p < end && *p != '\t' && *p != '\n')
                p++;
            CHECK(p < end);
            if ((project >> (column % 8)) & 1) {
                memcpy(dst, cell, (size_t)(p - cell));
                dst += p - cell;
            } else {
                *dst++ = '-';
            }
            *dst++ = *p;
            column++;
            if (*p++ == '\n')
                break;
        }
    }
    *dst = '\0';
    return masked;
}

static void debug_show(const char *what, const result *res)
{
    if (getenv("FUZZ_CSV_DEBUG"))
        fprintf(stderr, "%s: %d %s\n%.*s\n", what, res->failed, res->err.msg, (int)res->rows_len,
                res->rows);
}

/* The whole read (memory) against a read in `nparts` parts. */
static void check_parts(const quire_source_args *args, csv_plugin *plugin, const char *text,
                        size_t len, const result *whole, uint32_t nparts)
{
    char *joined = NULL;
    size_t joined_len = 0, whole_len = 0;
    const char *whole_rows = whole->failed ? "" : rows_of(whole, &whole_len);
    FILE *out = open_memstream(&joined, &joined_len);
    int64_t rows = 0, skipped = 0, bytes = 0;
    int failed = 0;

    CHECK(out != NULL);
    for (uint32_t p = 0; p < nparts && !failed; p++) {
        read_mode mode = {.chunk = 0, .capacity = 7, .part = p, .nparts = nparts};
        result part;
        read_one(args, plugin, text, len, &mode, &part);
        debug_show("part", &part);
        if (part.failed) {
            /* Every part before it was whole; this one fails as the whole
             * read did (the rows before the error depend on batches). */
            CHECK(whole->failed);
            CHECK(strcmp(part.err.msg, whole->err.msg) == 0);
            failed = 1;
        } else {
            size_t n;
            const char *r = rows_of(&part, &n);
            /* Every part infers the schema the whole read did. */
            CHECK(whole->failed || (part.rows_len - n == whole->rows_len - whole_len &&
                                    memcmp(part.rows, whole->rows, part.rows_len - n) == 0));
            fwrite(r, 1, n, out);
            rows += part.stats.rows;
            skipped += part.stats.rows_skipped;
            bytes += part.stats.bytes_total;
        }
        free(part.rows);
    }
    fclose(out);
    if (whole->failed) {
        CHECK(failed);
    } else {
        CHECK(joined_len == whole_len && memcmp(joined, whole_rows, whole_len) == 0);
        CHECK(rows == whole->stats.rows && skipped == whole->stats.rows_skipped);
        CHECK(bytes == (int64_t)len);
    }
    free(joined);
}

/* ============================== Entry ===================================== */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const delimiters[] = {",", ";", "tab", "|"};
    static const char *const nulls[] = {NULL, "NA,", "NA", "NULL, ,x"};
    static const char *const types[] = {
        NULL,           "c1:int",           "c2:decimal(2)", "c1:string, c2:date",
        "c1:timestamp", "c1:float,c3:bool", "a:int"};
    quire_option options[8];
    quire_source_args args = {0};
    csv_plugin plugin = {0};
    char infer[16];
    size_t n = 0, len;
    const char *text;
    result big, small, whole;
    read_mode streamed = {.chunk = 4096, .capacity = 61, .nparts = 1};
    read_mode memory = {.chunk = 0, .capacity = 61, .nparts = 1};

    if (size < 4)
        return 0;
    memset(options, 0, sizeof(options));
#define OPTION(k, v)                                                                               \
    options[n++] = (quire_option){.key = (k), .value = (v), .file = "fuzz", .line = 1}
    OPTION("delimiter", delimiters[data[0] & 3]);
    if (data[0] & 4)
        OPTION("quote", (data[0] & 8) ? "none" : "'");
    OPTION("header", (data[0] & 16) ? "no" : "yes");
    OPTION("on_error", (data[0] & 32) ? "skip" : "fail");
    if (nulls[(data[1] >> 4) & 3] != NULL)
        OPTION("null", nulls[(data[1] >> 4) & 3]);
    if (types[(data[1] & 15) % 7] != NULL)
        OPTION("types", types[(data[1] & 15) % 7]);
    snprintf(infer, sizeof(infer), "%d", 1 + data[2] % 8);
    OPTION("infer_rows", infer);
#undef OPTION
    args.size = sizeof(args);
    args.source_name = "fuzz";
    args.options = options;
    args.noptions = n;
    text = (const char *)data + 4;
    len = size - 4;

    plugin.host = &fuzz_host;
    plugin.max_field_size = 1 + data[3] * 4;
    plugin.infer_rows = 1000;
    plugin.read_buffer = 4096;

    read_one(&args, &plugin, text, len, &streamed, &big);
    read_one(&args, &plugin, text, len, &memory, &whole);
    plugin.read_buffer = 16; /* the lexer's smallest */
    streamed.chunk = 1;
    streamed.capacity = 1;
    read_one(&args, &plugin, text, len, &streamed, &small);
    debug_show("big", &big);
    debug_show("whole", &whole);
    debug_show("small", &small);

    /* The same error, and the same rows (a failed batch of 61 drops the
     * rows before the error that batches of 1 delivered). */
    CHECK(big.failed == small.failed && whole.failed == small.failed);
    CHECK(strcmp(big.err.msg, small.err.msg) == 0 && strcmp(whole.err.msg, small.err.msg) == 0);
    CHECK(big.rows_len == whole.rows_len && memcmp(big.rows, whole.rows, big.rows_len) == 0);
    if (big.failed)
        CHECK(big.rows_len <= small.rows_len && memcmp(big.rows, small.rows, big.rows_len) == 0);
    else
        CHECK(big.rows_len == small.rows_len && memcmp(big.rows, small.rows, big.rows_len) == 0);

    check_parts(&args, &plugin, text, len, &whole, 2);
    check_parts(&args, &plugin, text, len, &whole, 3);

    /* Projected: the same values in the columns read, unless a bad value in
     * a column not read made the whole read drop or fail a row. */
    if (!whole.failed && whole.stats.rows_skipped == 0) {
        read_mode projected = {.chunk = 0,
                               .capacity = 61,
                               .nparts = 1,
                               .projected = 1,
                               .project = (uint8_t)(data[2] >> 3 | data[3] << 5)};
        result proj;
        char *masked = mask_cells(&whole, projected.project);
        read_one(&args, &plugin, text, len, &projected, &proj);
        debug_show("projected", &proj);
        if (getenv("FUZZ_CSV_DEBUG"))
            fprintf(stderr, "masked whole:\n%s\n", masked);
        CHECK(!proj.failed);
        CHECK(strlen(masked) == proj.rows_len && memcmp(masked, proj.rows, proj.rows_len) == 0);
        free(masked);
        free(proj.rows);
    }
    free(big.rows);
    free(small.rows);
    free(whole.rows);
    return 0;
}
