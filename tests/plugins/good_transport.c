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

typedef struct good_state {
    const quire_host *host;
    quire_plugin *self;
} good_state;

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
    good_state *st = host->calloc(1, sizeof(*st));

    if (st == NULL) {
        host->error_set(err, QUIRE_E_NOMEM, "out of memory");
        return QUIRE_ERR;
    }
    st->host = host;
    st->self = self;
    host->log(self, QUIRE_LOG_INFO, "port=%lld (set=%d) tls=%d idle_timeout_ms=%lld banner='%s'",
              (long long)host->config_int(config, "port"), host->config_is_set(config, "port"),
              host->config_bool(config, "tls"), (long long)host->config_int(config, "idle_timeout"),
              host->config_string(config, "banner"));
    *state = st;
    return QUIRE_OK;
}

static void good_destroy(void *state)
{
    good_state *st = state;

    st->host->log(st->self, QUIRE_LOG_INFO, "destroyed");
    st->host->free(st);
}

static int t_listen(void *state, const char *address, quire_error *err)
{
    (void)state;
    (void)address;
    (void)err;
    return QUIRE_OK;
}

static const quire_transport_ops ops = {
    .size = sizeof(quire_transport_ops),
    .scheme = "testproto",
    .listen = t_listen,
};

static const quire_plugin_desc desc = {
    QUIRE_PLUGIN_HEADER(QUIRE_KIND_TRANSPORT),
    .name = "good",
    .version = "3.1.0",
    .license = "BSD-3-Clause",
    .author = "quire tests",
    .description = "Test transport serving testproto",
    .config = keys,
    .init = good_init,
    .destroy = good_destroy,
    .ops = &ops,
    .ops_size = sizeof(ops),
};

QUIRE_PLUGIN_DEFINE(desc)
