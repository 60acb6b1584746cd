/*
 * fuzz_csv.c - libFuzzer target for the csv source plugin: its lexer,
 * inference and value parsers, compiled in from the plugin's sources and fed the
 * input from memory through csv_open_reader() (no temp file), with a small
 * host table built here (libc memory, kernel/arena.c arenas).
 *
 * The first 4 bytes choose the options (delimiter, quote, header, null
 * tokens, on_error, types, infer_rows, max_field_size); the rest is the CSV.
 * Each input is read twice: in 1-byte reads into batches of 1 row, and in
 * 4 KiB reads into batches of 61 rows. Besides the sanitizers, a trap is a
 * bug: the two reads disagree (rows, or the error), a batch overflows, a
 * row count is 0 without the end, a string cell is not valid UTF-8, a
 * source line goes backwards. Built and run by `make fuzz-csv`; to see what
 * the two reads gave for a crash file: FUZZ_CSV_DEBUG=1 fuzz_csv FILE.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "batch.h"
#include "csv.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
/* The plugin's entry point (QUIRE_PLUGIN_DEFINE in csv.c). */
const quire_plugin_desc *quire_plugin_v1(void);

#define CHECK(cond)                                                                                \
    do {                                                                                           \
        if (!(cond))                                                                               \
            __builtin_trap();                                                                      \
    } while (0)

/* ============================== Host table ================================ */

static void fake_log(quire_plugin *self, int level, const char *fmt, ...)
{
    (void)self;
    (void)level;
    (void)fmt;
}

static int fake_log_enabled(quire_plugin *self, int level)
{
    (void)self;
    (void)level;
    return 0;
}

static void fake_error_set(quire_error *err, int code, const char *fmt, ...) QUIRE_PRINTF(3, 4);
static void fake_error_set(quire_error *err, int code, const char *fmt, ...)
{
    va_list ap;

    err->code = code;
    va_start(ap, fmt);
    vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
    va_end(ap);
}

static char *fake_strdup(const char *s)
{
    return s ? strdup(s) : NULL;
}

static const quire_host host = {
    .size = sizeof(quire_host),
    .abi_major = QUIRE_ABI_MAJOR,
    .abi_minor = QUIRE_ABI_MINOR,
    .kernel_version = "fuzz",
    .log = fake_log,
    .log_enabled = fake_log_enabled,
    .malloc = malloc,
    .calloc = calloc,
    .realloc = realloc,
    .free = free,
    .strdup = fake_strdup,
    .arena_new = arena_new,
    .arena_alloc = arena_alloc,
    .arena_strndup = arena_strndup,
    .arena_reset = arena_reset,
    .arena_free = arena_free,
    .error_set = fake_error_set,
};

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

typedef struct result {
    char *rows; /* formatted rows, "LINE: cells\n" */
    size_t rows_len;
    int failed; /* open or next failed */
    quire_error err;
} result;

static void read_all(const quire_source_args *args, csv_plugin *plugin, const char *text,
                     size_t len, size_t chunk, uint32_t capacity, result *res)
{
    const quire_source_ops *ops = quire_plugin_v1()->ops;
    mem_reader reader = {text, len, 0, chunk};
    const quire_column_info *columns;
    size_t ncolumns;
    quire_batch *batch;
    void *instance = NULL;
    FILE *out = open_memstream(&res->rows, &res->rows_len);
    int64_t last_line = 0, delivered = 0;
    int rc;

    CHECK(out != NULL);
    memset(&res->err, 0, sizeof(res->err));
    res->failed = 0;
    if (csv_open_reader(plugin, args, "fuzz.csv", mem_read, &reader, (int64_t)len, &instance,
                        &res->err) != QUIRE_OK) {
        CHECK(instance == NULL && res->err.msg[0] != '\0');
        res->failed = 1;
        fclose(out);
        return;
    }
    CHECK(ops->schema(instance, &columns, &ncolumns, &res->err) == QUIRE_OK);
    CHECK(ncolumns >= 1 && ncolumns <= CSV_MAX_COLUMNS);
    for (size_t c = 0; c < ncolumns; c++)
        fprintf(out, "%s%s:%u:%d", c ? "\t" : "", columns[c].name, (unsigned)columns[c].type,
                (int)columns[c].scale);
    fputc('\n', out);
    (void)ops->estimate(instance);
    batch = batch_new(columns, ncolumns, capacity, BATCH_LINES);
    CHECK(batch != NULL);
    do {
        batch_reset(batch);
        rc = ops->next(instance, batch, &res->err);
        if (rc == QUIRE_ERR) {
            CHECK(res->err.msg[0] != '\0' && batch->rows == 0);
            res->failed = 1;
            break;
        }
        CHECK(batch->rows <= capacity);
        CHECK(rc == QUIRE_DONE || batch->rows > 0);
        CHECK(batch->first_row == delivered + 1);
        for (uint32_t r = 0; r < batch->rows; r++) {
            CHECK(batch->source_line[r] > last_line);
            last_line = batch->source_line[r];
            fprintf(out, "%lld:", (long long)last_line);
            for (uint32_t c = 0; c < batch->ncolumns; c++) {
                const quire_column *col = &batch->columns[c];
                if (col->type == QUIRE_TYPE_STRING && !col->nulls[r])
                    CHECK(csv_utf8_invalid_at(col->v.str[r].ptr, col->v.str[r].len) ==
                          col->v.str[r].len);
                fputc(c ? '\t' : ' ', out);
                batch_format_cell(batch, c, r, out);
            }
            fputc('\n', out);
        }
        delivered += batch->rows;
    } while (rc == QUIRE_OK);
    batch_free(batch);
    ops->close(instance);
    fclose(out);
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
    size_t n = 0;
    result big, small;

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

    plugin.host = &host;
    plugin.max_field_size = 1 + data[3] * 4;
    plugin.infer_rows = 1000;
    plugin.read_buffer = 4096;

    read_all(&args, &plugin, (const char *)data + 4, size - 4, 4096, 61, &big);
    plugin.read_buffer = 16; /* the lexer's smallest */
    read_all(&args, &plugin, (const char *)data + 4, size - 4, 1, 1, &small);

    /* The same error, and the same rows (a failed batch of 61 drops the
     * rows before the error that batches of 1 delivered). */
    if (getenv("FUZZ_CSV_DEBUG"))
        fprintf(stderr, "big: %d %s\n%.*s\nsmall: %d %s\n%.*s\n", big.failed, big.err.msg,
                (int)big.rows_len, big.rows, small.failed, small.err.msg, (int)small.rows_len,
                small.rows);
    CHECK(big.failed == small.failed);
    CHECK(strcmp(big.err.msg, small.err.msg) == 0);
    if (big.failed)
        CHECK(big.rows_len <= small.rows_len && memcmp(big.rows, small.rows, big.rows_len) == 0);
    else
        CHECK(big.rows_len == small.rows_len && memcmp(big.rows, small.rows, big.rows_len) == 0);
    free(big.rows);
    free(small.rows);
    return 0;
}
