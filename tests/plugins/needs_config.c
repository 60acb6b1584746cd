/*
 * needs_config.c - a valid chart plugin named "needs" with a REQUIRED key
 * `token` (secret) and an optional `retries` int. Without [chart.needs]
 * token the kernel refuses its configuration:
 *   CONF: [chart.needs] missing required key 'token' (no [chart.needs] section)
 *   plugin P: configuration [chart.needs] refused
 * (or "CONF:LINE: [chart.needs] missing required key 'token'" when the
 * section exists without the key). init() checks config_is_set(token).
 */
#include <string.h>

#include <quire/quire.h>

#include "stubs.h"

static const quire_config_key keys[] = {
    {.name = "token", .type = QUIRE_CONF_STRING, .flags = QUIRE_CONF_REQUIRED | QUIRE_CONF_SECRET,
     .help = "API token."},
    {.name = "retries", .type = QUIRE_CONF_INT, .default_value = "3", .min = "0", .max = "10",
     .help = "Retries per request."},
    {0},
};

static int needs_init(const quire_host *host, quire_plugin *self, const quire_config *config,
                      void **state, quire_error *err)
{
    *state = NULL;
    if (!host->config_is_set(config, "token")) {
        host->error_set(err, QUIRE_E_CONFIG, "token is not set although it is required");
        return QUIRE_ERR;
    }
    host->log(self, QUIRE_LOG_INFO, "token length %zu, retries %lld",
              strlen(host->config_string(config, "token")),
              (long long)host->config_int(config, "retries"));
    return QUIRE_OK;
}

static const quire_plugin_desc desc = {
    QUIRE_PLUGIN_HEADER(QUIRE_KIND_CHART),
    .name = "needs",
    .version = "1.0.0",
    .description = "Cannot run without a token",
    .config = keys,
    .init = needs_init,
    .ops = &stub_chart_ops,
    .ops_size = sizeof(stub_chart_ops),
};

QUIRE_PLUGIN_DEFINE(desc)
