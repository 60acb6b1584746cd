/*
 * good_renderer.c - a complete, valid renderer plugin: kind renderer, name
 * "good". Provokes no error. init() registers the output format "testfmt"
 * (the tests look for it in `quire plugins info`) and logs its config.
 *
 * Schema: int with bounds, bool, enum, path, size with a maximum.
 */
#include <quire/quire.h>

typedef struct good_state {
    const quire_host *host;
    quire_plugin *self;
} good_state;

static const quire_config_key keys[] = {
    {.name = "dpi", .type = QUIRE_CONF_INT, .default_value = "96", .min = "72", .max = "1200",
     .help = "Resolution of embedded bitmaps."},
    {.name = "compress", .type = QUIRE_CONF_BOOL, .default_value = "yes",
     .help = "Compress the output."},
    {.name = "page_size", .type = QUIRE_CONF_ENUM, .default_value = "a4",
     .choices = "a4|letter|legal", .help = "Default page size."},
    {.name = "font_dir", .type = QUIRE_CONF_PATH, .default_value = "fonts",
     .help = "Extra fonts."},
    {.name = "max_image", .type = QUIRE_CONF_SIZE, .default_value = "4mb", .max = "64mb",
     .help = "Largest embedded image."},
    {0},
};

static const quire_format testfmt = {
    .size = sizeof(quire_format),
    .name = "testfmt",
    .extension = "tst",
    .mime_type = "application/x-quire-test",
    .description = "Test output format",
    .flags = 0,
};

static int good_init(const quire_host *host, quire_plugin *self, const quire_config *config,
                     void **state, quire_error *err)
{
    good_state *st;

    if (host->register_format(self, &testfmt, err) != QUIRE_OK)
        return QUIRE_ERR;
    st = host->calloc(1, sizeof(*st));
    if (st == NULL) {
        host->error_set(err, QUIRE_E_NOMEM, "out of memory");
        return QUIRE_ERR;
    }
    st->host = host;
    st->self = self;
    host->log(self, QUIRE_LOG_INFO, "dpi=%lld compress=%d page_size=%s font_dir=%s max_image=%lld",
              (long long)host->config_int(config, "dpi"), host->config_bool(config, "compress"),
              host->config_string(config, "page_size"), host->config_string(config, "font_dir"),
              (long long)host->config_int(config, "max_image"));
    *state = st;
    return QUIRE_OK;
}

static void good_destroy(void *state)
{
    good_state *st = state;

    st->host->log(st->self, QUIRE_LOG_INFO, "destroyed");
    st->host->free(st);
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
    .name = "good",
    .version = "2.0.0",
    .license = "Apache-2.0",
    .author = "quire tests",
    .description = "Test renderer that registers testfmt",
    .config = keys,
    .init = good_init,
    .destroy = good_destroy,
    .ops = &ops,
    .ops_size = sizeof(ops),
};

QUIRE_PLUGIN_DEFINE(desc)
