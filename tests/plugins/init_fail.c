/*
 * init_fail.c - a valid renderer plugin named "init_fail" whose init()
 * registers the format "rollbackfmt" and then fails. Provokes:
 *   plugin P: init failed: deliberate failure after registering rollbackfmt
 * The kernel must withdraw "rollbackfmt": `quire plugins info init_fail`
 * lists no format, and a later plugin (claim.so with format = rollbackfmt)
 * can register the same name.
 */
#include <quire/quire.h>

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
    .name = "init_fail",
    .version = "1.0.0",
    .license = "MIT",
    .description = "Registers a format, then fails init",
    .init = fail_init,
    .ops = &ops,
    .ops_size = sizeof(ops),
};

QUIRE_PLUGIN_DEFINE(desc)
