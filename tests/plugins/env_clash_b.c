/*
 * env_clash_b.c - source "clash_x" with key "y". Together with
 * env_clash_a.c it makes two keys whose override variable is the same,
 * QUIRE_SOURCE_CLASH_X_Y; the kernel must warn about it.
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
    .size = sizeof(quire_source_ops),
    .open = src_open,
    .schema = src_schema,
    .next = src_next,
    .close = src_close,
};

static const quire_config_key keys[] = {
    {.name = "y", .type = QUIRE_CONF_INT, .default_value = "1", .help = "A number."},
    {0},
};

static const quire_plugin_desc desc = {
    QUIRE_PLUGIN_HEADER(QUIRE_KIND_SOURCE),
    .name = "clash_x",
    .version = "1.0.0",
    .license = "MIT",
    .description = "test plugin: environment override name clash",
    .config = keys,
    .ops = &ops,
    .ops_size = sizeof(ops),
};

QUIRE_PLUGIN_DEFINE(desc)
