/*
 * good_source.c - a complete, valid source plugin: kind source, name "good".
 * Provokes no error; the loader tests use it as the healthy neighbour of a
 * broken plugin (lenient mode must still list it as ready).
 *
 * Its schema covers int with bounds, enum, size, duration, bool, path, a
 * secret string and a list, all with defaults. init() reads every key
 * through the host API and logs one info line with the typed values, so the
 * tests can check what the plugin actually received (defaults, file values,
 * QUIRE_SOURCE_GOOD_* environment overrides, resolved paths). destroy()
 * logs "destroyed" so the tests can see lifecycle hooks run.
 */
#include <quire/quire.h>

typedef struct good_state {
    const quire_host *host;
    quire_plugin *self;
} good_state;

static const quire_config_key keys[] = {
    {.name = "batch_rows", .type = QUIRE_CONF_INT, .default_value = "1024", .min = "1",
     .max = "65536", .help = "Rows per batch."},
    {.name = "on_error", .type = QUIRE_CONF_ENUM, .default_value = "fail",
     .choices = "fail|skip|null", .help = "What a bad row does."},
    {.name = "max_file", .type = QUIRE_CONF_SIZE, .default_value = "16mb", .min = "1kb",
     .max = "1gb", .help = "Largest input file."},
    {.name = "timeout", .type = QUIRE_CONF_DURATION, .default_value = "30s", .min = "100ms",
     .max = "1h", .help = "How long a read may take."},
    {.name = "header", .type = QUIRE_CONF_BOOL, .default_value = "yes",
     .help = "Whether the first row names the columns."},
    {.name = "data_dir", .type = QUIRE_CONF_PATH, .default_value = "data",
     .help = "Where relative data files are looked up."},
    {.name = "password", .type = QUIRE_CONF_STRING, .flags = QUIRE_CONF_SECRET,
     .default_value = "", .help = "Database password."},
    {.name = "columns", .type = QUIRE_CONF_LIST, .default_value = "",
     .help = "Columns to keep; empty keeps all."},
    {0},
};

static int good_init(const quire_host *host, quire_plugin *self, const quire_config *config,
                     void **state, quire_error *err)
{
    good_state *st = host->calloc(1, sizeof(*st));
    const char *password;

    if (st == NULL) {
        host->error_set(err, QUIRE_E_NOMEM, "out of memory");
        return QUIRE_ERR;
    }
    st->host = host;
    st->self = self;
    password = host->config_string(config, "password");
    host->log(self, QUIRE_LOG_INFO,
              "batch_rows=%lld on_error=%s max_file=%lld timeout_ms=%lld header=%d "
              "data_dir=%s password=%s columns=%zu",
              (long long)host->config_int(config, "batch_rows"),
              host->config_string(config, "on_error"),
              (long long)host->config_int(config, "max_file"),
              (long long)host->config_int(config, "timeout"), host->config_bool(config, "header"),
              host->config_string(config, "data_dir"),
              password != NULL && password[0] != '\0' ? "set" : "empty",
              host->config_list_count(config, "columns"));
    *state = st;
    return QUIRE_OK;
}

static void good_destroy(void *state)
{
    good_state *st = state;

    st->host->log(st->self, QUIRE_LOG_INFO, "destroyed");
    st->host->free(st);
}

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

static const quire_plugin_desc desc = {
    QUIRE_PLUGIN_HEADER(QUIRE_KIND_SOURCE),
    .name = "good",
    .version = "1.2.3",
    .license = "MIT",
    .author = "quire tests",
    .description = "Test source that reads its whole schema in init",
    .config = keys,
    .init = good_init,
    .destroy = good_destroy,
    .ops = &ops,
    .ops_size = sizeof(ops),
};

QUIRE_PLUGIN_DEFINE(desc)
