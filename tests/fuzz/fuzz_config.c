/*
 * fuzz_config.c - libFuzzer target for the configuration code: feeds the
 * input to conf_file_parse_text(), builds a few sections of the result
 * against a fixed schema with every value type, reads every key back, and
 * parses the input as each value type. Any crash, leak, sanitizer report or
 * broken invariant (a trap) is a bug. Built and run by `make fuzz`.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "config.h"

static const quire_config_key schema[] = {
    {"workers", QUIRE_CONF_INT, 0, "4", "1", "256", NULL, NULL},
    {"ratio", QUIRE_CONF_FLOAT, 0, "0.5", "0", "1", NULL, NULL},
    {"strict", QUIRE_CONF_BOOL, 0, "yes", NULL, NULL, NULL, NULL},
    {"log_level", QUIRE_CONF_ENUM, 0, "info", NULL, NULL, "error|warn|info|debug", NULL},
    {"max_body", QUIRE_CONF_SIZE, 0, "16mb", "1kb", "1gb", NULL, NULL},
    {"timeout", QUIRE_CONF_DURATION, 0, "30s", "100ms", "1d", NULL, NULL},
    {"plugin_dir", QUIRE_CONF_PATH, 0, "plugins", NULL, NULL, NULL, NULL},
    {"formats", QUIRE_CONF_LIST, 0, "pdf, svg", NULL, NULL, NULL, NULL},
    {"title", QUIRE_CONF_STRING, 0, NULL, NULL, NULL, NULL, NULL},
    {"token", QUIRE_CONF_STRING, QUIRE_CONF_REQUIRED | QUIRE_CONF_SECRET, NULL, NULL, NULL, NULL,
     NULL},
    {NULL, 0, 0, NULL, NULL, NULL, NULL, NULL},
};
#define NKEYS (sizeof(schema) / sizeof(schema[0]) - 1)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond)                                                                                \
    do {                                                                                           \
        if (!(cond))                                                                               \
            __builtin_trap();                                                                      \
    } while (0)

/* Reads every key through every accessor. */
static void read_back(const quire_config *cfg)
{
    for (size_t i = 0; i < NKEYS; i++) {
        const char *key = schema[i].name;
        int is_set = -1;
        const conf_value *v = config_value(cfg, key, &is_set);
        const char *origin = config_origin(cfg, key);

        CHECK(is_set == 0 || is_set == 1);
        CHECK((v == NULL) == (origin == NULL));
        if (v != NULL) {
            CHECK(v->type == schema[i].type && v->text != NULL);
            CHECK(v->nlist == 0 || v->list != NULL);
            for (size_t j = 0; j < v->nlist; j++)
                CHECK(v->list[j] != NULL && v->list[j][0] != '\0');
        }
        (void)config_get_string(cfg, key);
        (void)config_get_int(cfg, key);
        (void)config_get_float(cfg, key);
        (void)config_get_bool(cfg, key);
        for (size_t j = 0; j <= config_list_count(cfg, key); j++)
            (void)config_list_item(cfg, key, j);
        CHECK(config_is_set(cfg, key) == is_set);
    }
}

/* Parses the input (up to its first NUL) as every type, known or not. */
static void parse_as_values(const uint8_t *data, size_t size)
{
    char text[4097];
    size_t n = size < sizeof(text) - 1 ? size : sizeof(text) - 1;

    memcpy(text, data, n);
    text[n] = '\0';
    for (uint32_t type = 0; type <= QUIRE_CONF_LIST + 1; type++) {
        conf_value v;
        char why[256];

        why[0] = '\0';
        if (conf_value_parse(type, text, "a|b|c", "conf", &v, why, sizeof(why)) == QUIRE_OK) {
            CHECK(v.text != NULL);
            conf_value_clear(&v);
        } else {
            CHECK(why[0] != '\0' && strchr(why, '\n') == NULL);
        }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const sections[] = {"kernel", "source.csv", "renderer.pdf"};
    conf_file *file = NULL;
    diag d = {0};
    size_t n = 0;
    int rc;

    CHECK(conf_schema_check(schema, sizeof(quire_config_key), "fuzz", &n, &d) == QUIRE_OK);
    CHECK(n == NKEYS);

    rc = conf_file_parse_text("conf/fuzz.conf", (const char *)data, size, &file, &d);
    CHECK((rc == QUIRE_OK) == (d.errors == 0));
    CHECK((rc == QUIRE_OK) == (file != NULL));
    if (file != NULL) {
        for (size_t i = 0; i <= sizeof(sections) / sizeof(sections[0]); i++) {
            /* The fixed names, then whatever the input called its first section. */
            const char *name = i < sizeof(sections) / sizeof(sections[0]) ? sections[i]
                               : file->count > 0                          ? file->sections[0].name
                                                                          : "none";
            quire_config *cfg = NULL;
            size_t errors = d.errors;

            rc = config_build(file, name, schema, NKEYS, &cfg, &d);
            CHECK((rc == QUIRE_OK) == (d.errors == errors));
            CHECK((rc == QUIRE_OK) == (cfg != NULL));
            if (cfg != NULL) {
                read_back(cfg);
                config_free(cfg);
            }
        }
        conf_file_free(file);
    }
    for (size_t i = 0; i < d.count; i++)
        CHECK(strchr(d.items[i].text, '\n') == NULL);
    diag_clear(&d);
    parse_as_values(data, size);
    return 0;
}
