/*
 * jsonl.c - the jsonl data-source plugin (QUIRE_KIND_SOURCE, "jsonl"):
 * streams a JSON Lines file, one object per line, as typed columnar
 * batches.
 *
 * How an instance works:
 *   open()     (jsonl_open.c) parses the options (jsonl_options.c), opens
 *              the file and reads up to infer_rows lines into a sample.
 *              Without the `columns` option the sample's paths become the
 *              columns (discovery, below); the sample's values then give
 *              each column its type (jsonl_infer.c) unless `types` sets it.
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
#include <inttypes.h>
#include <string.h>

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

/* ============================== Small helpers ============================= */

/* A bad line: with on_error = skip count it and return QUIRE_OK, else
 * QUIRE_ERR (err already says why). */
static int bad_row(jsonl_source *src, quire_error *err)
{
    return support_skip_row(src->host, src->plugin->self, src->opt.skip_bad_rows, 1, &src->skipped,
                            err);
}

/* ============================== Values ==================================== */

/* Fills *err for a value that does not fit column `c`. */
static int bad_value(const jsonl_source *src, size_t c, const jsonl_value *v, int64_t line,
                     quire_error *err)
{
    const support_column *col = &src->cols[c];
    char path[256], name[256], value[256], have[32], want[32], where[256];

    jsonl_paths_name(&src->paths, v->node, path, sizeof(path));
    support_show(v->text, v->len, value, sizeof(value));
    support_type_text(col->type, col->scale, have, sizeof(have));
    if (col->overridden) {
        src->host->error_set(err, QUIRE_E_INVALID,
                             "%s:%" PRId64 ": key '%s': '%s' is not a%s %s (set by types at %s)",
                             src->name, line, path, value, col->type == QUIRE_TYPE_INT ? "n" : "",
                             have,
                             support_option_where(src->opt.types_option, where, sizeof(where)));
    } else {
        /* The type the sample would have given with this value in it. */
        support_infer joined = col->infer;
        uint32_t type;
        int32_t scale;
        jsonl_infer_add(&joined, v);
        support_infer_type(&joined, &type, &scale);
        support_show(src->columns[c].name, strlen(src->columns[c].name), name, sizeof(name));
        src->host->error_set(err, QUIRE_E_INVALID,
                             "%s:%" PRId64 ": key '%s': '%s' is not a%s %s (inferred from the "
                             "first %zu rows; set types = \"%s:%s\")",
                             src->name, line, path, value, col->type == QUIRE_TYPE_INT ? "n" : "",
                             have, src->sample_rows, name,
                             support_type_text(type, scale, want, sizeof(want)));
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
        return support_fail_nomem(src->host, "jsonl", "for a batch's strings", err);
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
        if (support_parse_cell(col, row, v->text, v->len) != 0)
            return bad_value(src, c, v, line, err);
    }
    return QUIRE_OK;
}

/* ============================== Source ops ================================ */

int jsonl_open_reader(jsonl_plugin *plugin, const quire_source_args *args, const char *name,
                      jsonl_read_fn read, void *ctx, int64_t size, void **instance,
                      quire_error *err)
{
    jsonl_source *src;
    int rc = jsonl_source_open(plugin, args, name, read, ctx, size, &src, err);

    *instance = src;
    return rc;
}

static int jsonl_open(void *state, const quire_source_args *args, void **instance, quire_error *err)
{
    return jsonl_open_reader(state, args, NULL, NULL, NULL, -1, instance, err);
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
        return jsonl_sample_parse(src, i, err);
    }
    if (src->sample != NULL)
        jsonl_sample_free(src);
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
    int has_lines = support_batch_has_lines(batch);
    uint32_t rows = 0;
    int done = 0;

    if (src->failed) {
        *err = src->failure;
        return QUIRE_ERR;
    }
    if (support_check_batch(src->host, "jsonl", src->name, src->columns, src->ncols, batch, err) !=
        QUIRE_OK)
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

    if (support_check_project(src->host, "jsonl", src->name, ncolumns, src->ncols, err) != QUIRE_OK)
        return QUIRE_ERR;
    if (src->needed == NULL) {
        src->needed = src->host->malloc(ncolumns ? ncolumns : 1);
        if (src->needed == NULL)
            return support_fail_nomem(src->host, "jsonl", "in project()", err);
    }
    memcpy(src->needed, needed, ncolumns);
    src->parser.needed = src->needed;
    return QUIRE_OK;
}

static void jsonl_stats(void *instance, quire_source_stats *out)
{
    const jsonl_source *src = instance;
    int64_t end = src->range_end >= 0 ? src->range_end : src->input_size;

    support_stats_fill(out, src->delivered, src->skipped,
                       src->reader != NULL ? jsonl_reader_offset(src->reader) - src->range_start
                                           : -1,
                       src->input_size >= 0 ? end - src->range_start : -1);
}

static void jsonl_close(void *instance)
{
    jsonl_source *src = instance;

    if (src != NULL)
        support_log_skipped(src->host, src->plugin->self, src->name, "line", src->skipped,
                            src->delivered);
    jsonl_source_free(src);
}

/* ============================== Lifecycle ================================= */

static int jsonl_init(const quire_host *host, quire_plugin *self, const quire_config *config,
                      void **state, quire_error *err)
{
    jsonl_plugin *plugin = host->calloc(1, sizeof(*plugin));

    if (plugin == NULL)
        return support_fail_nomem(host, "jsonl", "in init", err);
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
