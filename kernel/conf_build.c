/*
 * conf_build.c - validated configuration sections: config_build() merges a
 * schema's defaults, one section of the parsed file and QUIRE_<SECTION>_<KEY>
 * environment overrides into a quire_config, reporting every problem; the
 * accessors behind quire_host.config_*() read it. Defines struct
 * quire_config, which is opaque everywhere else.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ============================== The config ================================ */

typedef struct config_item {
    const quire_config_key *key; /* into the caller's schema */
    conf_value value;            /* valid when has_value */
    int has_value;               /* a default, file or environment value */
    int is_set;                  /* the value came from the file or environment */
    int attempted;               /* the admin wrote the key, even if it was refused */
    char *origin;                /* "FILE:LINE", "environment NAME", "default"; or NULL */
} config_item;

struct quire_config {
    char *section;
    size_t nkeys;
    config_item *items;
};

static char *str_printf(const char *fmt, ...) QUIRE_PRINTF(1, 2);

/* A malloc'd formatted string, or NULL on allocation failure. */
static char *str_printf(const char *fmt, ...)
{
    va_list ap;
    int len;
    char *out;

    va_start(ap, fmt);
    len = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (len < 0)
        return NULL;
    out = malloc((size_t)len + 1);
    if (out == NULL)
        return NULL;
    va_start(ap, fmt);
    vsnprintf(out, (size_t)len + 1, fmt, ap);
    va_end(ap);
    return out;
}

/* Contract in config.h. NULL is a no-op. */
void config_free(quire_config *config)
{
    if (config == NULL)
        return;
    for (size_t i = 0; config->items != NULL && i < config->nkeys; i++) {
        conf_value_clear(&config->items[i].value);
        free(config->items[i].origin);
    }
    free(config->items);
    free(config->section);
    free(config);
}

/* ============================== Building ================================== */

/* Parses `text` for `item`, checks its bounds and, if both pass, makes it
 * the item's value with origin `where` ("FILE:LINE" or "environment NAME",
 * also the prefix of messages). A refused value is reported and leaves the
 * item as it was. Returns QUIRE_ERR only on allocation failure. */
static int apply_text(const quire_config *cfg, config_item *item, const char *text,
                      const char *base_dir, const char *where, diag *d)
{
    const quire_config_key *key = item->key;
    int secret = (key->flags & QUIRE_CONF_SECRET) != 0;
    conf_value value;
    char why[1024];
    char *origin;

    item->attempted = 1;
    if (conf_value_parse(key->type, text, key->choices, base_dir, &value, why, sizeof(why)) !=
        QUIRE_OK) {
        /* A secret's text must not reach a log, even when it is wrong. */
        if (secret)
            snprintf(why, sizeof(why), "the value is not a valid %s (not shown: the key is secret)",
                     conf_type_name(key->type));
        diag_error(d, "%s: [%s] %s: %s", where, cfg->section, key->name, why);
        return QUIRE_OK;
    }
    if (conf_value_check_bounds(key, &value, secret ? "the value" : text, why, sizeof(why)) !=
        QUIRE_OK) {
        diag_error(d, "%s: [%s] %s: %s", where, cfg->section, key->name, why);
        conf_value_clear(&value);
        return QUIRE_OK;
    }
    origin = strdup(where);
    if (origin == NULL) {
        conf_value_clear(&value);
        return QUIRE_ERR;
    }
    conf_value_clear(&item->value);
    free(item->origin);
    item->value = value;
    item->origin = origin;
    item->has_value = 1;
    item->is_set = 1;
    return QUIRE_OK;
}

static int apply_defaults(quire_config *cfg, const conf_file *file, diag *d)
{
    const char *base_dir = file != NULL ? file->dir : NULL;

    for (size_t i = 0; i < cfg->nkeys; i++) {
        config_item *item = &cfg->items[i];
        const quire_config_key *key = item->key;
        char why[1024];

        if (key->default_value == NULL)
            continue;
        if (conf_value_parse(key->type, key->default_value, key->choices, base_dir, &item->value,
                             why, sizeof(why)) != QUIRE_OK) {
            /* conf_schema_check() should have caught it: a kernel bug. */
            diag_error(d, "[%s] %s: default: %s", cfg->section, key->name, why);
            continue;
        }
        item->has_value = 1;
        item->origin = strdup("default");
        if (item->origin == NULL)
            return QUIRE_ERR;
    }
    return QUIRE_OK;
}

static config_item *find_item(const quire_config *cfg, const char *key)
{
    if (cfg == NULL || key == NULL)
        return NULL;
    for (size_t i = 0; i < cfg->nkeys; i++) {
        if (strcmp(cfg->items[i].key->name, key) == 0)
            return &cfg->items[i];
    }
    return NULL;
}

/* "a, b, c": the schema's keys in order, malloc'd; NULL on failure. */
static char *allowed_keys(const quire_config *cfg)
{
    size_t len = 1;
    char *out;

    for (size_t i = 0; i < cfg->nkeys; i++)
        len += strlen(cfg->items[i].key->name) + 2;
    out = malloc(len);
    if (out == NULL)
        return NULL;
    out[0] = '\0';
    for (size_t i = 0, w = 0; i < cfg->nkeys; i++) {
        size_t n = strlen(cfg->items[i].key->name);
        if (i > 0) {
            memcpy(out + w, ", ", 3);
            w += 2;
        }
        memcpy(out + w, cfg->items[i].key->name, n + 1);
        w += n;
    }
    return out;
}

static int apply_section(quire_config *cfg, const conf_file *file, const conf_section *sec, diag *d)
{
    char *allowed = NULL;
    int rc = QUIRE_ERR;

    for (size_t i = 0; i < sec->count; i++) {
        const conf_entry *e = &sec->entries[i];
        config_item *item = find_item(cfg, e->key);
        char *where;

        if (item == NULL) {
            if (cfg->nkeys == 0) {
                diag_error(d, "%s:%d: [%s] unknown key '%s'; this section takes no keys",
                           file->path, e->line, cfg->section, e->key);
                continue;
            }
            if (allowed == NULL && (allowed = allowed_keys(cfg)) == NULL)
                goto free_allowed;
            diag_error(d, "%s:%d: [%s] unknown key '%s'; allowed keys: %s", file->path, e->line,
                       cfg->section, e->key, allowed);
            continue;
        }
        where = str_printf("%s:%d", file->path, e->line);
        if (where == NULL)
            goto free_allowed;
        if (apply_text(cfg, item, e->value, file->dir, where, d) != QUIRE_OK) {
            free(where);
            goto free_allowed;
        }
        free(where);
    }
    rc = QUIRE_OK;
free_allowed:
    free(allowed);
    return rc;
}

/* "QUIRE_" + SECTION + "_" + KEY, upper case, '.' and '-' as '_'. */
char *config_env_name(const char *section, const char *key)
{
    char *name = str_printf("QUIRE_%s_%s", section, key);

    if (name == NULL)
        return NULL;
    for (char *p = name; *p != '\0'; p++) {
        if (*p >= 'a' && *p <= 'z')
            *p = (char)(*p - 'a' + 'A');
        else if (*p == '.' || *p == '-')
            *p = '_';
    }
    return name;
}

static int apply_environment(quire_config *cfg, diag *d)
{
    for (size_t i = 0; i < cfg->nkeys; i++) {
        config_item *item = &cfg->items[i];
        char *name = config_env_name(cfg->section, item->key->name);
        char *where;
        const char *text;
        int rc;

        if (name == NULL)
            return QUIRE_ERR;
        text = getenv(name);
        if (text == NULL) {
            free(name);
            continue;
        }
        where = str_printf("environment %s", name);
        free(name);
        if (where == NULL)
            return QUIRE_ERR;
        /* A relative path from the environment is relative to the current
         * directory: no base, only normalised. */
        rc = apply_text(cfg, item, text, NULL, where, d);
        free(where);
        if (rc != QUIRE_OK)
            return QUIRE_ERR;
    }
    return QUIRE_OK;
}

static void check_required(const quire_config *cfg, const conf_file *file, const conf_section *sec,
                           diag *d)
{
    for (size_t i = 0; i < cfg->nkeys; i++) {
        const config_item *item = &cfg->items[i];
        const char *name = item->key->name;

        if (!(item->key->flags & QUIRE_CONF_REQUIRED) || item->has_value || item->attempted)
            continue;
        if (file == NULL)
            diag_error(d, "[%s] missing required key '%s'", cfg->section, name);
        else if (sec == NULL)
            diag_error(d, "%s: [%s] missing required key '%s' (no [%s] section)", file->path,
                       cfg->section, name, cfg->section);
        else
            diag_error(d, "%s:%d: [%s] missing required key '%s'", file->path, sec->line,
                       cfg->section, name);
    }
}

/* Contract in config.h. Ownership: *out belongs to the caller
 * (config_free()); it points into `schema`, which must outlive it. The only
 * write to `file` is the section's `used` flag (see conf_file_section()). */
int config_build(const conf_file *file, const char *section_name, const quire_config_key *schema,
                 size_t nkeys, quire_config **out, diag *d)
{
    size_t errors = d->errors;
    quire_config *cfg;
    conf_section *sec;

    *out = NULL;
    if (section_name == NULL)
        section_name = "";
    cfg = calloc(1, sizeof(*cfg));
    if (cfg == NULL)
        goto fail_oom;
    cfg->section = strdup(section_name);
    cfg->items = calloc(nkeys ? nkeys : 1, sizeof(*cfg->items));
    if (cfg->section == NULL || cfg->items == NULL)
        goto fail_oom;
    cfg->nkeys = nkeys;
    for (size_t i = 0; i < nkeys; i++)
        cfg->items[i].key = &schema[i];

    if (apply_defaults(cfg, file, d) != QUIRE_OK)
        goto fail_oom;
    sec = conf_file_section(file, section_name);
    if (sec != NULL) {
        sec->used = 1;
        if (apply_section(cfg, file, sec, d) != QUIRE_OK)
            goto fail_oom;
    }
    if (apply_environment(cfg, d) != QUIRE_OK)
        goto fail_oom;
    check_required(cfg, file, sec, d);
    if (d->errors != errors)
        goto fail_free_config;
    *out = cfg;
    return QUIRE_OK;

fail_oom:
    diag_error(d, "[%s] out of memory", section_name);
fail_free_config:
    config_free(cfg);
    return QUIRE_ERR;
}

/* ============================== Accessors ================================= */

/* Each accessor takes a config built by config_build() (NULL reads as
 * empty) and returns data owned by the config, valid until config_free(). */

/* Contract in config.h. The value is owned by the config. */
const conf_value *config_value(const quire_config *config, const char *key, int *is_set)
{
    const config_item *item = find_item(config, key);

    if (is_set != NULL)
        *is_set = item != NULL && item->is_set;
    return item != NULL && item->has_value ? &item->value : NULL;
}

#define TYPE_BIT(t) (1u << (t))

/* The key's value if its type is in `types` (a TYPE_BIT() mask), else NULL. */
static const conf_value *typed_value(const quire_config *config, const char *key, unsigned types)
{
    const conf_value *v = config_value(config, key, NULL);

    if (v == NULL || v->type >= 32 || !(types & TYPE_BIT(v->type)))
        return NULL;
    return v;
}

/* STRING, ENUM and PATH keys: the text (PATH resolved); NULL otherwise. */
const char *config_get_string(const quire_config *config, const char *key)
{
    const conf_value *v = typed_value(config, key,
                                      TYPE_BIT(QUIRE_CONF_STRING) | TYPE_BIT(QUIRE_CONF_ENUM) |
                                          TYPE_BIT(QUIRE_CONF_PATH));
    return v != NULL ? v->text : NULL;
}

/* INT, SIZE (bytes), DURATION (ms) and BOOL (0/1) keys; 0 otherwise. */
int64_t config_get_int(const quire_config *config, const char *key)
{
    const conf_value *v =
        typed_value(config, key,
                    TYPE_BIT(QUIRE_CONF_INT) | TYPE_BIT(QUIRE_CONF_SIZE) |
                        TYPE_BIT(QUIRE_CONF_DURATION) | TYPE_BIT(QUIRE_CONF_BOOL));
    return v != NULL ? v->i : 0;
}

/* FLOAT keys; 0.0 otherwise. */
double config_get_float(const quire_config *config, const char *key)
{
    const conf_value *v = typed_value(config, key, TYPE_BIT(QUIRE_CONF_FLOAT));
    return v != NULL ? v->f : 0.0;
}

/* BOOL keys: 0 or 1; 0 otherwise. */
int config_get_bool(const quire_config *config, const char *key)
{
    const conf_value *v = typed_value(config, key, TYPE_BIT(QUIRE_CONF_BOOL));
    return v != NULL && v->i != 0;
}

/* LIST keys: the number of items; 0 otherwise. */
size_t config_list_count(const quire_config *config, const char *key)
{
    const conf_value *v = typed_value(config, key, TYPE_BIT(QUIRE_CONF_LIST));
    return v != NULL ? v->nlist : 0;
}

/* LIST keys: item `index`, or NULL past the end or for other types. */
const char *config_list_item(const quire_config *config, const char *key, size_t index)
{
    const conf_value *v = typed_value(config, key, TYPE_BIT(QUIRE_CONF_LIST));
    return v != NULL && index < v->nlist ? v->list[index] : NULL;
}

/* 1 if the admin set the key (file or environment), else 0. */
int config_is_set(const quire_config *config, const char *key)
{
    int is_set = 0;

    config_value(config, key, &is_set);
    return is_set;
}

/* Contract in config.h. The string is owned by the config. */
const char *config_origin(const quire_config *config, const char *key)
{
    const config_item *item = find_item(config, key);

    return item != NULL && item->has_value ? item->origin : NULL;
}

/* Contract in config.h. The string is owned by the config. */
const char *config_section(const quire_config *config)
{
    return config != NULL ? config->section : NULL;
}

/* Contract in config.h: 1 if `key` is in the schema, set or not. */
int config_has_key(const quire_config *config, const char *key)
{
    return config != NULL && key != NULL && find_item(config, key) != NULL;
}
