/*
 * quire/transport.h - the transport plugin kind (QUIRE_KIND_TRANSPORT).
 *
 * A transport carries requests between clients and the kernel (HTTP and
 * WebSocket in the `http` plugin). The kernel tells it where to listen before
 * start(); start() opens the listener and stop() closes it and drains.
 *
 * Threading: listen() runs on the main thread before start(); the request
 * path runs on the kernel's event-loop thread (host functions for it are
 * appended to quire_host in a later minor).
 */
#ifndef QUIRE_TRANSPORT_H
#define QUIRE_TRANSPORT_H

#include "plugin.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct quire_transport_ops {
    uint32_t size; /* sizeof(quire_transport_ops) when built */
    /* The protocol scheme this transport serves: "http". */
    const char *scheme;
    /* Record the address to listen on ("127.0.0.1:8080", "unix:/run/q.sock").
     * Refuse an address the transport cannot serve. Does not bind yet.
     * Called once per start(); after a reload it may be called again with a
     * new address before the next start(). */
    int (*listen)(void *state, const char *address, quire_error *err);
} quire_transport_ops;

#define QUIRE_TRANSPORT_OPS_MIN_SIZE (offsetof(quire_transport_ops, listen) + sizeof(void (*)(void)))

#ifdef __cplusplus
}
#endif

#endif /* QUIRE_TRANSPORT_H */
