/*
 * claim.c - a valid renderer plugin named "claim" that registers the output
 * format named by its config key `format` (default "claimfmt"). Provokes no
 * error by itself; the tests point it at a name another plugin holds:
 *   - format = testfmt after good_renderer.so: init fails with
 *     "format 'testfmt' already registered by plugin P_good_renderer";
 *   - format = rollbackfmt after init_fail.so: must succeed, proving the
 *     failed plugin's registration was withdrawn.
 */
#include <quire/quire.h>

#include "stubs.h"

static const quire_config_key keys[] = {
    {.name = "format", .type = QUIRE_CONF_STRING, .default_value = "claimfmt",
     .help = "Name of the format to register."},
    {0},
};

static int claim_init(const quire_host *host, quire_plugin *self, const quire_config *config,
                      void **state, quire_error *err)
{
    quire_format f = {
        .size = sizeof(quire_format),
        .name = host->config_string(config, "format"),
        .extension = NULL, /* the kernel uses the name */
        .mime_type = "application/x-claim",
        .description = "Claimed by the claim plugin",
    };

    *state = NULL;
    if (host->register_format(self, &f, err) != QUIRE_OK)
        return QUIRE_ERR; /* err says which plugin holds the name */
    host->log(self, QUIRE_LOG_INFO, "claimed format %s", f.name);
    return QUIRE_OK;
}

static const quire_plugin_desc desc = {
    QUIRE_PLUGIN_HEADER(QUIRE_KIND_RENDERER),
    .name = "claim",
    .version = "1.0.0",
    .license = "MIT",
    .description = "Registers the format its config names",
    .config = keys,
    .init = claim_init,
    .ops = &stub_renderer_ops,
    .ops_size = sizeof(stub_renderer_ops),
};

QUIRE_PLUGIN_DEFINE(desc)
