/*
 * good_renderer.c - a complete, valid renderer plugin: kind renderer, name
 * "good". Provokes no error. init() registers the output format "testfmt"
 * (the tests look for it in `quire plugins info`) and logs its config.
 *
 * Schema: int with bounds, bool, enum, path, size with a maximum.
 */
#include <quire/quire.h>

#include "stubs.h"

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
    stub_state *st;

    if (host->register_format(self, &testfmt, err) != QUIRE_OK)
        return QUIRE_ERR;
    st = stub_state_new(host, self, err);
    if (st == NULL)
        return QUIRE_ERR;
    host->log(self, QUIRE_LOG_INFO, "dpi=%lld compress=%d page_size=%s font_dir=%s max_image=%lld",
              (long long)host->config_int(config, "dpi"), host->config_bool(config, "compress"),
              host->config_string(config, "page_size"), host->config_string(config, "font_dir"),
              (long long)host->config_int(config, "max_image"));
    *state = st;
    return QUIRE_OK;
}

static const quire_plugin_desc desc = {
    QUIRE_PLUGIN_HEADER(QUIRE_KIND_RENDERER),
    .name = "good",
    .version = "2.0.0",
    .license = "Apache-2.0",
    .author = "quire tests",
    .description = "Test renderer that registers testfmt",
    .config = keys,
    .init = good_init,
    .destroy = stub_state_destroy,
    .ops = &stub_renderer_ops,
    .ops_size = sizeof(stub_renderer_ops),
};

QUIRE_PLUGIN_DEFINE(desc)
