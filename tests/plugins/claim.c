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

static int r_begin(void *state, const quire_document *doc, void **instance, quire_error *err)
{
    (void)doc;
    (void)err;
    *instance = state;
    return QUIRE_OK;
}

static int r_page(void *instance, const quire_page *page, quire_error *err)
{
    (void)instance;
    (void)page;
    (void)err;
    return QUIRE_OK;
}

static int r_end(void *instance, quire_error *err)
{
    (void)instance;
    (void)err;
    return QUIRE_OK;
}

static void r_abort(void *instance) { (void)instance; }

static const quire_renderer_ops ops = {
    .size = sizeof(quire_renderer_ops),
    .begin = r_begin,
    .page = r_page,
    .end = r_end,
    .abort = r_abort,
};

static const quire_plugin_desc desc = {
    QUIRE_PLUGIN_HEADER(QUIRE_KIND_RENDERER),
    .name = "claim",
    .version = "1.0.0",
    .license = "MIT",
    .description = "Registers the format its config names",
    .config = keys,
    .init = claim_init,
    .ops = &ops,
    .ops_size = sizeof(ops),
};

QUIRE_PLUGIN_DEFINE(desc)
