/*
 * conf_schema.c - checking a configuration schema (the kernel's own or one
 * a plugin declares) before it is used: key names, types, flags, enum
 * choices, defaults and bounds. A plugin's schema is foreign data read with
 * the plugin's stride, so nothing in it is trusted until checked here.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define KNOWN_FLAGS (QUIRE_CONF_REQUIRED | QUIRE_CONF_SECRET)

static void key_error(diag *d, const char *owner, const char *name, const char *fmt, ...)
    QUIRE_PRINTF(4, 5);

/* Appends "OWNER: config schema key 'NAME': PROBLEM". */
static void key_error(diag *d, const char *owner, const char *name, const char *fmt, ...)
{
    char problem[1024];
    char shown[CONF_SHOW_MAX];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(problem, sizeof(problem), fmt, ap);
    va_end(ap);
    diag_error(d, "%s: config schema key '%s': %s", owner, conf_show(name, shown, sizeof(shown)),
               problem);
}

static int is_bounded(uint32_t type)
{
    return type == QUIRE_CONF_INT || type == QUIRE_CONF_FLOAT || type == QUIRE_CONF_SIZE ||
           type == QUIRE_CONF_DURATION;
}

/* Reports a missing or malformed enum choice list. Returns 1 if usable. */
static int check_choices(const quire_config_key *key, const char *owner, diag *d)
{
    const char *c = key->choices;
    char shown[CONF_SHOW_MAX];

    if (c == NULL || c[0] == '\0') {
        key_error(d, owner, key->name, "enum without choices");
        return 0;
    }
    for (;;) {
        const char *bar = strchr(c, '|');
        if (bar == c || c[0] == '\0') {
            key_error(d, owner, key->name, "empty choice in '%s'",
                      conf_show(key->choices, shown, sizeof(shown)));
            return 0;
        }
        if (bar == NULL)
            return 1;
        c = bar + 1;
    }
}

/* Parses bound `text` ("min" or "max" in `which`) into *out. Returns 1 if
 * it parsed, 0 (reported) if not. */
static int check_bound(const quire_config_key *key, const char *which, const char *text,
                       conf_value *out, const char *owner, diag *d)
{
    char why[512];

    if (conf_value_parse(key->type, text, NULL, NULL, out, why, sizeof(why)) == QUIRE_OK)
        return 1;
    key_error(d, owner, key->name, "%s: %s", which, why);
    return 0;
}

/* Checks everything about one key that does not involve the others. */
static void check_key(const quire_config_key *key, const char *owner, diag *d)
{
    conf_value min = {0}, max = {0}, def = {0};
    int have_min = 0, have_max = 0, choices_ok = 1;
    char why[512];

    if (!conf_name_valid(key->name, strlen(key->name)))
        key_error(d, owner, key->name, "invalid name (use lower case letters, digits and _)");
    if ((key->flags & ~KNOWN_FLAGS) != 0)
        key_error(d, owner, key->name, "unknown flags 0x%x", (unsigned)(key->flags & ~KNOWN_FLAGS));
    if (key->type < QUIRE_CONF_STRING || key->type > QUIRE_CONF_LIST) {
        key_error(d, owner, key->name, "unknown type %u", (unsigned)key->type);
        return;
    }
    if (key->type == QUIRE_CONF_ENUM)
        choices_ok = check_choices(key, owner, d);

    if (!is_bounded(key->type)) {
        if (key->min != NULL)
            key_error(d, owner, key->name,
                      "min is only allowed on int, float, size and duration keys");
        if (key->max != NULL)
            key_error(d, owner, key->name,
                      "max is only allowed on int, float, size and duration keys");
    } else {
        if (key->min != NULL)
            have_min = check_bound(key, "min", key->min, &min, owner, d);
        if (key->max != NULL)
            have_max = check_bound(key, "max", key->max, &max, owner, d);
        if (have_min && have_max) {
            quire_config_key max_only = *key;
            max_only.min = NULL;
            if (conf_value_check_bounds(&max_only, &min, key->min, why, sizeof(why)) != QUIRE_OK)
                key_error(d, owner, key->name, "min %s", why);
        }
    }

    if (key->default_value != NULL && (key->flags & QUIRE_CONF_REQUIRED))
        key_error(d, owner, key->name, "is required and has a default");
    if (key->default_value != NULL && choices_ok) {
        if (conf_value_parse(key->type, key->default_value, key->choices, NULL, &def, why,
                             sizeof(why)) != QUIRE_OK)
            key_error(d, owner, key->name, "default: %s", why);
        else if (conf_value_check_bounds(key, &def, key->default_value, why, sizeof(why)) !=
                 QUIRE_OK)
            key_error(d, owner, key->name, "default %s", why);
    }
    conf_value_clear(&def);
    conf_value_clear(&min);
    conf_value_clear(&max);
}

/* Contract in config.h. Ownership: only reads the schema; nothing to free. */
int conf_schema_check(const quire_config_key *schema, size_t key_size, const char *owner,
                      size_t *out_count, diag *d)
{
    const size_t min_size = offsetof(quire_config_key, default_value) + sizeof(const char *);
    const unsigned char *base = (const unsigned char *)schema;
    const char *names[CONF_SCHEMA_MAX];
    size_t errors = d->errors;
    size_t count;

    if (out_count != NULL)
        *out_count = 0;
    if (owner == NULL)
        owner = "schema";
    if (schema == NULL)
        return QUIRE_OK;
    if (key_size < min_size) {
        diag_error(d, "%s: config key size %zu, at least %zu required", owner, key_size, min_size);
        return QUIRE_ERR;
    }
    for (count = 0;; count++) {
        quire_config_key key;

        /* Read the plugin's key with its stride; fields it did not have
         * stay zero. memcpy also copes with an unaligned stride. */
        memset(&key, 0, sizeof(key));
        memcpy(&key, base + count * key_size, key_size < sizeof(key) ? key_size : sizeof(key));
        if (key.name == NULL)
            break;
        if (count == CONF_SCHEMA_MAX) {
            diag_error(d, "%s: config schema has more than %d keys", owner, CONF_SCHEMA_MAX);
            break;
        }
        check_key(&key, owner, d);
        for (size_t j = 0; j < count; j++) {
            if (strcmp(names[j], key.name) == 0) {
                key_error(d, owner, key.name, "appears twice (keys %zu and %zu)", j + 1, count + 1);
                break;
            }
        }
        names[count] = key.name;
    }
    if (d->errors != errors)
        return QUIRE_ERR;
    if (out_count != NULL)
        *out_count = count;
    return QUIRE_OK;
}
