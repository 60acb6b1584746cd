/*
 * fuzz_jsonl.c - libFuzzer target for the jsonl source plugin: its line
 * reader, JSON parser, path tree, inference and value parsers, compiled in
 * from the plugin's sources and fed the input from memory through
 * jsonl_open_reader() (no temp file), with the small host table of
 * fuzz_host.h (libc memory, kernel/arena.c arenas).
 *
 * The first 4 bytes choose the options (on_error, infer_rows, types,
 * columns, max_line_size); the rest is the JSON Lines text. Each input is
 * read three ways: in 4 KiB reads into batches of 61 rows, in 1-byte reads
 * into batches of 1 row, and as 3 partitions. Besides the sanitizers, a
 * trap is a bug: the first two reads disagree (rows or error), the
 * partitions together do not give the same rows, a batch overflows, a row
 * count is 0 without the end, a string cell is not valid UTF-8, a source
 * line goes backwards. Built and run by `make fuzz`; to see what the reads
 * gave for a crash file: FUZZ_JSONL_DEBUG=1 fuzz_jsonl FILE.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "batch.h"
#include "jsonl.h"
#include "fuzz_host.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
/* The plugin's entry point (QUIRE_PLUGIN_DEFINE in jsonl.c). */
const quire_plugin_desc *quire_plugin_v1(void);

/* ============================== Input ===================================== */

typedef struct mem_input {
    const char *data;
    size_t size, chunk;
} mem_input;

static ptrdiff_t mem_read(void *ctx, int64_t offset, char *buf, size_t cap, quire_error *err)
{
    mem_input *in = ctx;
    size_t n;

    (void)err;
    if (offset < 0 || (uint64_t)offset >= in->size)
        return 0;
    n = in->size - (size_t)offset;
    if (n > cap)
        n = cap;
    if (n > in->chunk)
        n = in->chunk;
    memcpy(buf, in->data + offset, n);
    return (ptrdiff_t)n;
}

/* ============================== One read ================================== */

typedef struct result {
    char *schema; /* "name:type:scale\t..." */
    size_t schema_len;
    char *rows; /* "LINE: cells\n" */
    size_t rows_len;
    int failed; /* open or next failed */
    quire_error err;
} result;

static void result_free(result *res)
{
    free(res->schema);
    free(res->rows);
}

/* Reads part `part` of `parts` in `chunk`-byte reads and `capacity`-row
 * batches into *res. */
static void read_all(jsonl_plugin *plugin, quire_source_args *args, const char *text, size_t len,
                     size_t chunk, uint32_t capacity, uint32_t part, uint32_t parts, result *res)
{
    const quire_source_ops *ops = quire_plugin_v1()->ops;
    mem_input input = {text, len, chunk};
    const quire_column_info *columns;
    size_t ncolumns;
    quire_batch *batch;
    void *instance = NULL;
    FILE *out, *schema;
    int64_t last_line = 0, delivered = 0;
    int rc;

    memset(res, 0, sizeof(*res));
    out = open_memstream(&res->rows, &res->rows_len);
    schema = open_memstream(&res->schema, &res->schema_len);
    CHECK(out != NULL && schema != NULL);
    args->partition = part;
    args->npartitions = parts;
    if (jsonl_open_reader(plugin, args, "fuzz.jsonl", mem_read, &input, (int64_t)len, &instance,
                          &res->err) != QUIRE_OK) {
        CHECK(instance == NULL && res->err.msg[0] != '\0');
        res->failed = 1;
        fclose(out);
        fclose(schema);
        return;
    }
    CHECK(ops->schema(instance, &columns, &ncolumns, &res->err) == QUIRE_OK);
    CHECK(ncolumns >= 1 && ncolumns <= JSONL_MAX_COLUMNS);
    for (size_t c = 0; c < ncolumns; c++)
        fprintf(schema, "%s%s:%u:%d", c ? "\t" : "", columns[c].name, (unsigned)columns[c].type,
                (int)columns[c].scale);
    fclose(schema);
    (void)ops->estimate(instance);
    batch = batch_new(columns, ncolumns, capacity, BATCH_LINES);
    CHECK(batch != NULL);
    do {
        quire_source_stats stats = {.size = sizeof(stats)};
        batch_reset(batch);
        rc = ops->next(instance, batch, &res->err);
        if (rc == QUIRE_ERR) {
            CHECK(res->err.msg[0] != '\0' && batch->rows == 0);
            res->failed = 1;
            break;
        }
        fuzz_check_batch(batch, rc, capacity, delivered);
        for (uint32_t r = 0; r < batch->rows; r++) {
            CHECK(batch->source_line[r] > last_line);
            last_line = batch->source_line[r];
            fprintf(out, "%lld:", (long long)last_line);
            for (uint32_t c = 0; c < batch->ncolumns; c++) {
                const quire_column *col = &batch->columns[c];
                if (col->type == QUIRE_TYPE_STRING && !col->nulls[r]) {
                    const quire_str *s = &col->v.str[r];
                    for (size_t i = 0; i < s->len;) {
                        size_t n = support_utf8_len((const unsigned char *)s->ptr + i, s->len - i);
                        CHECK(n > 0);
                        i += n;
                    }
                }
                fputc(c ? '\t' : ' ', out);
                batch_format_cell(batch, c, r, out);
            }
            fputc('\n', out);
        }
        delivered += batch->rows;
        ops->stats(instance, &stats);
        CHECK(stats.rows == delivered);
    } while (rc == QUIRE_OK);
    batch_free(batch);
    ops->close(instance);
    fclose(out);
}

/* ============================== Entry ===================================== */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const types[] = {NULL,          "a:int",   "a:decimal(2)", "b:string",
                                        "a:timestamp", "a:float", "a.b:date",     "a:bool"};
    static const char *const columns[] = {NULL, "a, b", "a.b, a.0 as x", "a, a.b.c as y"};
    const char *text = (const char *)data + 4;
    size_t len = size - 4;
    quire_option options[5];
    quire_source_args args = {0};
    jsonl_plugin plugin = {0};
    char infer[16];
    size_t n = 0;
    result big, small;

    if (size < 4)
        return 0;
    memset(options, 0, sizeof(options));
#define OPTION(k, v)                                                                               \
    options[n++] = (quire_option){.key = (k), .value = (v), .file = "fuzz", .line = 1}
    OPTION("on_error", (data[0] & 1) ? "skip" : "fail");
    snprintf(infer, sizeof(infer), "%d", 1 + data[0] / 2 % 8);
    OPTION("infer_rows", infer);
    if (types[data[1] & 7] != NULL)
        OPTION("types", types[data[1] & 7]);
    if (columns[(data[1] >> 3) & 3] != NULL)
        OPTION("columns", columns[(data[1] >> 3) & 3]);
#undef OPTION
    args.size = sizeof(args);
    args.source_name = "fuzz";
    args.options = options;
    args.noptions = n;

    plugin.host = &fuzz_host;
    plugin.max_line_size = 16 + data[2] * 8 + data[3];
    plugin.infer_rows = 1000;

    read_all(&plugin, &args, text, len, 4096, 61, 0, 1, &big);
    read_all(&plugin, &args, text, len, 1, 1, 0, 1, &small);
    if (getenv("FUZZ_JSONL_DEBUG"))
        fprintf(stderr, "big: %d %s\n%.*s\nsmall: %d %s\n%.*s\n", big.failed, big.err.msg,
                (int)big.rows_len, big.rows, small.failed, small.err.msg, (int)small.rows_len,
                small.rows);
    /* The same error and the same rows (a failed batch of 61 drops the
     * rows before the error that batches of 1 delivered). */
    CHECK(big.failed == small.failed);
    CHECK(strcmp(big.err.msg, small.err.msg) == 0);
    if (big.failed)
        CHECK(big.rows_len <= small.rows_len && memcmp(big.rows, small.rows, big.rows_len) == 0);
    else
        CHECK(big.rows_len == small.rows_len && memcmp(big.rows, small.rows, big.rows_len) == 0);

    /* Three partitions: each with the same schema, together the same rows
     * in the same order, when none of them fails. */
    if (!big.failed) {
        char *joined = NULL;
        size_t joined_len = 0;
        FILE *out = open_memstream(&joined, &joined_len);
        int any_failed = 0;
        CHECK(out != NULL);
        for (uint32_t p = 0; p < 3; p++) {
            result part;
            read_all(&plugin, &args, text, len, 4096, 61, p, 3, &part);
            any_failed |= part.failed;
            if (!part.failed) {
                CHECK(part.schema_len == big.schema_len &&
                      memcmp(part.schema, big.schema, big.schema_len) == 0);
                fwrite(part.rows, 1, part.rows_len, out);
            }
            result_free(&part);
        }
        fclose(out);
        if (!any_failed)
            CHECK(joined_len == big.rows_len && memcmp(joined, big.rows, joined_len) == 0);
        free(joined);
    }
    result_free(&big);
    result_free(&small);
    return 0;
}
