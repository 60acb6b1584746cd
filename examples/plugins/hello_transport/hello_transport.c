/*
 * hello_transport - an example transport plugin (QUIRE_KIND_TRANSPORT).
 *
 * Copy this file to start a transport. It shows:
 *   - the scheme a transport serves ("hello"), declared in its ops table;
 *   - listen(): checking an address strictly and refusing what the
 *     transport cannot serve with an error that quotes the address and
 *     says what would work. It records the address and binds nothing;
 *   - start() and stop(), the hooks that open and close listeners and
 *     threads, here reduced to log lines;
 *   - configuration keys of the size-like types (int with bounds, duration).
 *
 * It accepts only HOST:PORT with a numeric port 1..65535 (an IPv6 host in
 * brackets: [::1]:8080). "unix:/run/q.sock", "localhost", "host:http" and
 * "host:0" are refused.
 *
 * Build it out of tree with the Makefile next to this directory.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <quire/transport.h>

/* ============================== Configuration ============================= */

static const quire_config_key hello_transport_config[] = {
    {.name = "greeting", .type = QUIRE_CONF_STRING, .default_value = "hello",
     .help = "Word logged when the transport starts."},
    {.name = "max_clients", .type = QUIRE_CONF_INT, .default_value = "64", .min = "1",
     .max = "65535", .help = "Connections served at once."},
    {.name = "idle_timeout", .type = QUIRE_CONF_DURATION, .default_value = "30s", .min = "1s",
     .max = "1h", .help = "Idle connections are closed after this long."},
    {0},
};

/* ============================== State ===================================== */

typedef struct hello_transport {
    const quire_host *host;
    quire_plugin *self;
    char *greeting;
    int64_t max_clients;
    int64_t idle_timeout_ms; /* config_int returns durations in milliseconds */
    /* Set by listen() on the main thread before start(); read-only after. */
    char host_part[256];
    unsigned port;
    int have_address;
} hello_transport;

/* ============================== Lifecycle hooks =========================== */

/* init: main thread. Reads the config; opens nothing yet (that is start's
 * job, so `quire config check` can init plugins without side effects). */
static int hello_init(const quire_host *host, quire_plugin *self, const quire_config *config,
                      void **state, quire_error *err)
{
    hello_transport *t = host->calloc(1, sizeof(*t));

    if (t == NULL || (t->greeting = host->strdup(host->config_string(config, "greeting"))) == NULL) {
        host->free(t);
        host->error_set(err, QUIRE_E_NOMEM, "out of memory");
        return QUIRE_ERR;
    }
    t->host = host;
    t->self = self;
    t->max_clients = host->config_int(config, "max_clients");
    t->idle_timeout_ms = host->config_int(config, "idle_timeout");
    *state = t;
    return QUIRE_OK;
}

/* start: main thread, once, after every plugin's init succeeded and after
 * listen(). A real transport binds its socket and starts its threads here;
 * an error here is reported like an init error. */
static int hello_start(void *state, quire_error *err)
{
    hello_transport *t = state;

    if (!t->have_address) {
        t->host->error_set(err, QUIRE_E_INTERNAL, "start() called before listen()");
        return QUIRE_ERR;
    }
    t->host->log(t->self, QUIRE_LOG_INFO,
                 "%s: would listen on %s:%u (max_clients %" PRId64 ", idle_timeout %" PRId64
                 " ms)",
                 t->greeting, t->host_part, t->port, t->max_clients, t->idle_timeout_ms);
    return QUIRE_OK;
}

/* stop: main thread, once, if start() succeeded. Must close listeners and
 * join every thread start() created before returning. */
static void hello_stop(void *state)
{
    hello_transport *t = state;

    t->host->log(t->self, QUIRE_LOG_INFO, "stopped listening on %s:%u", t->host_part, t->port);
}

/* destroy: main thread, last hook. */
static void hello_destroy(void *state)
{
    hello_transport *t = state;

    if (t == NULL)
        return;
    t->host->free(t->greeting);
    t->host->free(t);
}

/* ============================== Transport ops ============================= */

/* listen: main thread, before start(). Records the address; binds nothing.
 * Accepts "HOST:PORT" (IPv6 as "[addr]:PORT"), port 1..65535. */
static int hello_listen(void *state, const char *address, quire_error *err)
{
    hello_transport *t = state;
    const quire_host *host = t->host;
    const char *colon = strrchr(address, ':');
    const char *p;
    size_t host_len;
    unsigned long port = 0;

    if (strncmp(address, "unix:", 5) == 0) {
        host->error_set(err, QUIRE_E_CONFIG,
                        "listen address '%s': the hello transport serves TCP only, "
                        "not unix sockets (write HOST:PORT, e.g. 127.0.0.1:8080)", address);
        return QUIRE_ERR;
    }
    if (colon == NULL || colon == address) {
        host->error_set(err, QUIRE_E_CONFIG,
                        "listen address '%s' is not HOST:PORT (e.g. 127.0.0.1:8080)", address);
        return QUIRE_ERR;
    }
    host_len = (size_t)(colon - address);
    /* An IPv6 host has colons of its own: it must be in brackets. */
    if (memchr(address, ':', host_len) != NULL &&
        (address[0] != '[' || address[host_len - 1] != ']')) {
        host->error_set(err, QUIRE_E_CONFIG,
                        "listen address '%s': write an IPv6 host in brackets, e.g. [::1]:8080",
                        address);
        return QUIRE_ERR;
    }
    for (p = colon + 1; *p >= '0' && *p <= '9' && port <= 65535; p++)
        port = port * 10 + (unsigned long)(*p - '0');
    if (p == colon + 1 || *p != '\0' || port < 1 || port > 65535) {
        host->error_set(err, QUIRE_E_CONFIG,
                        "listen address '%s': port '%s' is not a number from 1 to 65535",
                        address, colon + 1);
        return QUIRE_ERR;
    }
    if (host_len >= sizeof(t->host_part)) {
        host->error_set(err, QUIRE_E_CONFIG, "listen address '%.64s...': host longer than %zu bytes",
                        address, sizeof(t->host_part) - 1);
        return QUIRE_ERR;
    }
    memcpy(t->host_part, address, host_len);
    t->host_part[host_len] = '\0';
    t->port = (unsigned)port;
    t->have_address = 1;
    return QUIRE_OK;
}

/* ============================== Descriptor ================================ */

static const quire_transport_ops hello_transport_ops = {
    .size = sizeof(quire_transport_ops),
    .scheme = "hello",
    .listen = hello_listen,
};

static const quire_plugin_desc hello_transport_desc = {
    QUIRE_PLUGIN_HEADER(QUIRE_KIND_TRANSPORT),
    .name = "hello_transport",
    .version = "0.1.0",
    .license = "MIT",
    .author = "The quire authors",
    .description = "Example transport: scheme hello, checks HOST:PORT, logs start and stop",
    .config = hello_transport_config,
    .init = hello_init,
    .start = hello_start,
    .stop = hello_stop,
    .destroy = hello_destroy,
    .ops = &hello_transport_ops,
    .ops_size = sizeof(hello_transport_ops),
};

QUIRE_PLUGIN_DEFINE(hello_transport_desc)
