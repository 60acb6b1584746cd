/*
 * small_ops.c - a source plugin declaring ops_size 8 (only the size field
 * and padding), less than QUIRE_SOURCE_OPS_MIN_SIZE (48 on LP64).
 * Provokes:
 *   plugin P: source ops table size 8, at least 48 required
 */
#include <quire/quire.h>

static int src_open(void *state, const quire_source_args *args, void **instance, quire_error *err)
{
    (void)args;
    (void)err;
    *instance = state;
    return QUIRE_OK;
}

static int src_schema(void *instance, const quire_column_info **columns, size_t *ncolumns,
                      quire_error *err)
{
    (void)instance;
    (void)err;
    *columns = NULL;
    *ncolumns = 0;
    return QUIRE_OK;
}

static int src_next(void *instance, quire_batch *batch, quire_error *err)
{
    (void)instance;
    (void)err;
    batch->rows = 0;
    return QUIRE_DONE;
}

static void src_close(void *instance) { (void)instance; }

static const quire_source_ops ops = {
    .size = 8,
    .open = src_open,
    .schema = src_schema,
    .next = src_next,
    .close = src_close,
};

static const quire_plugin_desc desc = {
    QUIRE_PLUGIN_HEADER(QUIRE_KIND_SOURCE),
    .name = "small_ops",
    .version = "1.0.0",
    .description = "Declares a truncated ops table",
    .ops = &ops,
    .ops_size = 8,
};

QUIRE_PLUGIN_DEFINE(desc)
