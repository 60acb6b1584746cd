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

#include "stubs.h"

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
    stub_state *st = stub_state_new(host, self, err);
    const char *password;

    if (st == NULL)
        return QUIRE_ERR;
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

static const quire_plugin_desc desc = {
    QUIRE_PLUGIN_HEADER(QUIRE_KIND_SOURCE),
    .name = "good",
    .version = "1.2.3",
    .license = "MIT",
    .author = "quire tests",
    .description = "Test source that reads its whole schema in init",
    .config = keys,
    .init = good_init,
    .destroy = stub_state_destroy,
    .ops = &stub_source_ops,
    .ops_size = sizeof(stub_source_ops),
};

QUIRE_PLUGIN_DEFINE(desc)
