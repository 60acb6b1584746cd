/*
 * wide_keys.c - a valid chart plugin named "wide_keys" whose config keys are
 * wider than today's quire_config_key (as a plugin built against a future
 * minor that appended fields would have): config_key_size is the size of a
 * struct with two extra fields, filled with junk. The kernel must step
 * through the array with the declared stride and ignore the extra fields.
 * Provokes no error; `quire plugins info wide_keys` must show exactly the
 * keys alpha, beta and gamma with their types, defaults and bounds.
 */
#include <quire/quire.h>

#include "stubs.h"

typedef struct wide_key {
    quire_config_key key;
    const char *future_text; /* fields a later minor might add */
    uint64_t future_bits;
} wide_key;

static const wide_key keys[] = {
    {{.name = "alpha", .type = QUIRE_CONF_INT, .default_value = "5", .min = "1", .max = "10",
      .help = "First key."},
     "not a key name", UINT64_MAX},
    {{.name = "beta", .type = QUIRE_CONF_ENUM, .default_value = "b", .choices = "a|b",
      .help = "Second key."},
     "BETA!", UINT64_MAX},
    {{.name = "gamma", .type = QUIRE_CONF_DURATION, .default_value = "1s", .help = "Third key."},
     "gamma gamma", UINT64_MAX},
    {{0}, "end", 0},
};

static const quire_plugin_desc desc = {
    .magic = QUIRE_PLUGIN_MAGIC,
    .abi_major = QUIRE_ABI_MAJOR,
    .abi_minor = QUIRE_ABI_MINOR,
    .size = sizeof(quire_plugin_desc),
    .kind = QUIRE_KIND_CHART,
    .name = "wide_keys",
    .version = "1.0.0",
    .description = "Config keys with a wider stride",
    .config = &keys[0].key,
    .config_key_size = sizeof(wide_key),
    .ops = &stub_chart_ops,
    .ops_size = sizeof(stub_chart_ops),
};

QUIRE_PLUGIN_DEFINE(desc)
