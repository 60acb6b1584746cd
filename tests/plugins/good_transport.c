/*
 * good_transport.c - a complete, valid transport plugin: kind transport,
 * name "good", scheme "testproto". Provokes no error as long as its
 * REQUIRED key `port` is set in [transport.good] (or by the environment
 * variable QUIRE_TRANSPORT_GOOD_PORT); without it the kernel refuses its
 * configuration with "missing required key 'port'".
 *
 * Schema: required int with bounds, bool, duration, string.
 */
#include <quire/quire.h>

/* The scheme of stub_transport_ops; `quire plugins info good` shows it. */
#define STUB_TRANSPORT_SCHEME "testproto"
#include "stubs.h"

static const quire_config_key keys[] = {
    {.name = "port", .type = QUIRE_CONF_INT, .flags = QUIRE_CONF_REQUIRED, .min = "1",
     .max = "65535", .help = "Port to listen on."},
    {.name = "tls", .type = QUIRE_CONF_BOOL, .default_value = "no", .help = "Serve TLS."},
    {.name = "idle_timeout", .type = QUIRE_CONF_DURATION, .default_value = "2m", .min = "1s",
     .help = "Close idle connections after this long."},
    {.name = "banner", .type = QUIRE_CONF_STRING, .default_value = "",
     .help = "Greeting sent to clients."},
    {0},
};

static int good_init(const quire_host *host, quire_plugin *self, const quire_config *config,
                     void **state, quire_error *err)
{
    stub_state *st = stub_state_new(host, self, err);

    if (st == NULL)
        return QUIRE_ERR;
    host->log(self, QUIRE_LOG_INFO, "port=%lld (set=%d) tls=%d idle_timeout_ms=%lld banner='%s'",
              (long long)host->config_int(config, "port"), host->config_is_set(config, "port"),
              host->config_bool(config, "tls"), (long long)host->config_int(config, "idle_timeout"),
              host->config_string(config, "banner"));
    *state = st;
    return QUIRE_OK;
}

static const quire_plugin_desc desc = {
    QUIRE_PLUGIN_HEADER(QUIRE_KIND_TRANSPORT),
    .name = "good",
    .version = "3.1.0",
    .license = "BSD-3-Clause",
    .author = "quire tests",
    .description = "Test transport serving testproto",
    .config = keys,
    .init = good_init,
    .destroy = stub_state_destroy,
    .ops = &stub_transport_ops,
    .ops_size = sizeof(stub_transport_ops),
};

QUIRE_PLUGIN_DEFINE(desc)
