/*
 * null_op.c - a source plugin whose ops table is full size but leaves the
 * required op 'next' NULL (open, schema and close are set; the optional
 * 'estimate' is NULL too, which is allowed). Provokes:
 *   plugin P: source op 'next' is NULL
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

static void src_close(void *instance) { (void)instance; }

static const quire_source_ops ops = {
    .size = sizeof(quire_source_ops),
    .open = src_open,
    .schema = src_schema,
    .estimate = NULL,
    .next = NULL,
    .close = src_close,
};

static const quire_plugin_desc desc = {
    QUIRE_PLUGIN_HEADER(QUIRE_KIND_SOURCE),
    .name = "null_op",
    .version = "1.0.0",
    .description = "Forgot to fill in next",
    .ops = &ops,
    .ops_size = sizeof(ops),
};

QUIRE_PLUGIN_DEFINE(desc)
