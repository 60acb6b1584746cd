/*
 * init_fail.c - a valid renderer plugin named "init_fail" whose init()
 * registers the format "rollbackfmt" and then fails. Provokes:
 *   plugin P: init failed: deliberate failure after registering rollbackfmt
 * The kernel must withdraw "rollbackfmt": `quire plugins info init_fail`
 * lists no format, and a later plugin (claim.so with format = rollbackfmt)
 * can register the same name.
 */
#include <quire/quire.h>

#include "stubs.h"

static const quire_format rollbackfmt = {
    .size = sizeof(quire_format),
    .name = "rollbackfmt",
    .extension = "rb",
    .mime_type = "application/x-rollback",
    .description = "Must not survive a failed init",
};

static int fail_init(const quire_host *host, quire_plugin *self, const quire_config *config,
                     void **state, quire_error *err)
{
    (void)config;
    *state = NULL;
    if (host->register_format(self, &rollbackfmt, err) != QUIRE_OK)
        return QUIRE_ERR;
    host->error_set(err, QUIRE_E_IO, "deliberate failure after registering %s", rollbackfmt.name);
    return QUIRE_ERR;
}

static const quire_plugin_desc desc = {
    QUIRE_PLUGIN_HEADER(QUIRE_KIND_RENDERER),
    .name = "init_fail",
    .version = "1.0.0",
    .license = "MIT",
    .description = "Registers a format, then fails init",
    .init = fail_init,
    .ops = &stub_renderer_ops,
    .ops_size = sizeof(stub_renderer_ops),
};

QUIRE_PLUGIN_DEFINE(desc)
