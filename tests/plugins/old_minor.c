/*
 * old_minor.c - a plugin as an ABI 1.0 plugin built against an older header
 * would look: abi_minor 0 and a descriptor whose declared size is
 * QUIRE_PLUGIN_DESC_MIN_SIZE (the 1.0 layout, which ends at ops_size),
 * smaller than today's sizeof(quire_plugin_desc) (which adds reserved[8]).
 * Provokes no error: it must load, init and register the chart type
 * "old_line".
 *
 * The bytes after the declared size are filled with 0xa5 garbage, so a
 * kernel that read the descriptor by its own sizeof instead of the declared
 * size would see non-NULL reserved slots and refuse the plugin ("reserved[0]
 * is not NULL"). The descriptor is built lazily in the entry function, as
 * quire/plugin.h allows.
 *
 * Ops tables: for every kind today QUIRE_*_OPS_MIN_SIZE equals
 * sizeof(quire_*_ops) (no op has been appended since 1.0), so an ops table
 * smaller than today's yet >= the minimum cannot exist yet; ops_size here is
 * the minimum, QUIRE_CHART_OPS_MIN_SIZE. When a kind grows, give this plugin
 * the smaller 1.0 table.
 */
#include <string.h>

#include <quire/quire.h>

#include "stubs.h"

static int old_init(const quire_host *host, quire_plugin *self, const quire_config *config,
                    void **state, quire_error *err)
{
    *state = NULL;
    if (host->register_chart_type(self, "old_line", "Drawn by a 1.0 plugin", err) != QUIRE_OK)
        return QUIRE_ERR;
    host->log(self, QUIRE_LOG_INFO, "loaded by a kernel with ABI %u.%u, smooth=%d",
              (unsigned)host->abi_major, (unsigned)host->abi_minor,
              host->config_bool(config, "smooth"));
    return QUIRE_OK;
}

static const quire_config_key keys[] = {
    {.name = "smooth", .type = QUIRE_CONF_BOOL, .default_value = "no", .help = "Smooth lines."},
    {0},
};

static const quire_chart_ops ops = {.size = sizeof(quire_chart_ops), .draw = stub_chart_draw};

static union {
    quire_plugin_desc desc;
    unsigned char bytes[sizeof(quire_plugin_desc)];
} built;

QUIRE_EXPORT const quire_plugin_desc *quire_plugin_v1(void);
QUIRE_EXPORT const quire_plugin_desc *quire_plugin_v1(void)
{
    const quire_plugin_desc v10 = {
        .magic = QUIRE_PLUGIN_MAGIC,
        .abi_major = 1,
        .abi_minor = 0,
        .size = QUIRE_PLUGIN_DESC_MIN_SIZE,
        .kind = QUIRE_KIND_CHART,
        .name = "old_minor",
        .version = "1.0.0",
        .license = "MIT",
        .description = "Built against ABI 1.0 with the 1.0 descriptor size",
        .config = keys,
        .config_key_size = sizeof(quire_config_key),
        .init = old_init,
        .ops = &ops,
        .ops_size = QUIRE_CHART_OPS_MIN_SIZE,
    };

    memset(built.bytes, 0xa5, sizeof(built.bytes));
    memcpy(built.bytes, &v10, QUIRE_PLUGIN_DESC_MIN_SIZE);
    return &built.desc;
}
