/*
 * half_transport.c - a transport that announces serving (attach is set)
 * but leaves the rest of the 1.5 serving ops NULL. Serving ops come as a
 * group, so the kernel refuses it:
 *   plugin P: transport op 'quiesce' is NULL
 */
#include <quire/quire.h>

#include "stubs.h"

static int half_attach(void *state, void *loop, const quire_server_handler *handler,
                       quire_error *err)
{
    (void)state;
    (void)loop;
    (void)handler;
    (void)err;
    return QUIRE_OK;
}

static const quire_transport_ops ops = {
    .size = sizeof(quire_transport_ops),
    .scheme = "half",
    .listen = stub_transport_listen,
    .attach = half_attach,
};

static const quire_plugin_desc desc = {
    QUIRE_PLUGIN_HEADER(QUIRE_KIND_TRANSPORT),
    .name = "half",
    .version = "1.0.0",
    .description = "Serves, but only half-way",
    .ops = &ops,
    .ops_size = sizeof(ops),
};

QUIRE_PLUGIN_DEFINE(desc)
