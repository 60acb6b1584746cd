/*
 * support_types.c - the `types` option of the source plugins (see
 * support_options.h): "amount:decimal(2), day:date, id:int" parsed into
 * overrides, then matched against the columns the source found, so that
 * an override naming no column is an error that lists the columns.
 */
#include <stdio.h>
#include <string.h>

#include "support_options.h"
#include "support_value.h"

static const char type_list[] = "bool, int, decimal(SCALE), float, string, date, timestamp";

/* ============================== Parsing =================================== */

/* A type name: bool, int, float, string, date, timestamp, or decimal(N)
 * with N in 0..SUPPORT_DECIMAL_DIGITS. 0, or -1 if s[0..n) is none. */
static int parse_type_name(const char *s, size_t n, uint32_t *type, int32_t *scale)
{
    static const struct {
        const char *name;
        uint32_t type;
    } names[] = {
        {"bool", QUIRE_TYPE_BOOL},   {"int", QUIRE_TYPE_INT},
        {"float", QUIRE_TYPE_FLOAT}, {"string", QUIRE_TYPE_STRING},
        {"date", QUIRE_TYPE_DATE},   {"timestamp", QUIRE_TYPE_TIMESTAMP},
    };
    int32_t v = 0;

    *scale = 0;
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        if (strlen(names[i].name) == n && memcmp(s, names[i].name, n) == 0) {
            *type = names[i].type;
            return 0;
        }
    }
    /* decimal(N): one or two digits. */
    if (n < 10 || n > 11 || memcmp(s, "decimal(", 8) != 0 || s[n - 1] != ')')
        return -1;
    for (size_t i = 8; i < n - 1; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    if (v > SUPPORT_DECIMAL_DIGITS)
        return -1;
    *type = QUIRE_TYPE_DECIMAL;
    *scale = v;
    return 0;
}

/* Checks one non-empty item "name:type" and stores it as (*out)[*count].
 * Returns QUIRE_OK or QUIRE_ERR with *err. */
static int parse_item(const quire_host *host, const char *plugin, const char *where,
                      const char *item, size_t n, support_type_override *out, size_t *count,
                      quire_error *err)
{
    char shown[256], item_shown[256];
    const char *colon = NULL, *name, *tname;
    support_type_override *t = &out[*count];
    size_t name_len, type_len;

    /* The last colon: a column name may hold one, a type never. */
    for (size_t i = 0; i < n; i++)
        if (item[i] == ':')
            colon = item + i;
    support_show(item, n, item_shown, sizeof(item_shown));
    if (colon == NULL) {
        host->error_set(err, QUIRE_E_INVALID, "%s: %s: types: '%s' has no type (write COLUMN:TYPE)",
                        where, plugin, item_shown);
        return QUIRE_ERR;
    }
    name_len = (size_t)(colon - item);
    name = support_trim(item, &name_len);
    type_len = n - (size_t)(colon + 1 - item);
    tname = support_trim(colon + 1, &type_len);
    if (name_len == 0) {
        host->error_set(err, QUIRE_E_INVALID,
                        "%s: %s: types: '%s' has no column name (write COLUMN:TYPE)", where, plugin,
                        item_shown);
        return QUIRE_ERR;
    }
    if (parse_type_name(tname, type_len, &t->type, &t->scale) != 0) {
        host->error_set(err, QUIRE_E_INVALID,
                        "%s: %s: types: '%s' in '%s' is not a type (%s; SCALE 0..%d)", where,
                        plugin, support_show(tname, type_len, shown, sizeof(shown)), item_shown,
                        type_list, SUPPORT_DECIMAL_DIGITS);
        return QUIRE_ERR;
    }
    for (size_t i = 0; i < *count; i++) {
        if (strlen(out[i].name) == name_len && memcmp(out[i].name, name, name_len) == 0) {
            host->error_set(err, QUIRE_E_INVALID, "%s: %s: types: column '%s' is given twice",
                            where, plugin, support_show(name, name_len, shown, sizeof(shown)));
            return QUIRE_ERR;
        }
    }
    t->name = support_strndup(host, name, name_len);
    if (t->name == NULL)
        return support_fail_nomem(host, plugin, "parsing options", err);
    (*count)++;
    return QUIRE_OK;
}

int support_types_parse(const quire_host *host, const char *plugin, const quire_option *option,
                        support_type_override **out, size_t *count, quire_error *err)
{
    const char *v = option->value ? option->value : "";
    char where[256];

    *count = 0;
    *out = host->calloc(support_count_items(v), sizeof(support_type_override));
    if (*out == NULL)
        return support_fail_nomem(host, plugin, "parsing options", err);
    support_option_where(option, where, sizeof(where));
    for (const char *p = v;;) {
        const char *comma = strchr(p, ',');
        size_t n = comma ? (size_t)(comma - p) : strlen(p);
        const char *item = support_trim(p, &n);

        /* An empty item ("a:int,") is skipped. */
        if (n > 0 && parse_item(host, plugin, where, item, n, *out, count, err) != QUIRE_OK)
            return QUIRE_ERR;
        if (comma == NULL)
            break;
        p = comma + 1;
    }
    return QUIRE_OK;
}

void support_types_free(const quire_host *host, support_type_override *types, size_t count)
{
    if (types == NULL)
        return;
    for (size_t i = 0; i < count; i++)
        host->free(types[i].name);
    host->free(types);
}

/* ============================== Matching columns ========================== */

int support_types_lookup(support_type_override *types, size_t count, const char *name,
                         uint32_t *type, int32_t *scale)
{
    for (size_t i = 0; i < count; i++) {
        if (strcmp(types[i].name, name) == 0) {
            types[i].used = 1;
            *type = types[i].type;
            *scale = types[i].scale;
            return 1;
        }
    }
    return 0;
}

int support_types_check_used(const quire_host *host, const char *plugin,
                             const support_type_override *types, size_t count,
                             const quire_option *option, const char *in,
                             const quire_column_info *columns, size_t ncolumns, quire_error *err)
{
    for (size_t t = 0; t < count; t++) {
        char where[256], shown[256], list[320];
        size_t used = 0;

        if (types[t].used)
            continue;
        list[0] = '\0';
        for (size_t c = 0; c < ncolumns && used < sizeof(list); c++)
            used += (size_t)snprintf(list + used, sizeof(list) - used, "%s%s", c ? ", " : "",
                                     columns[c].name);
        if (used >= sizeof(list))
            memcpy(list + sizeof(list) - 4, "...", 4);
        host->error_set(err, QUIRE_E_INVALID, "%s: %s: types: no column '%s' in %s (columns: %s)",
                        support_option_where(option, where, sizeof(where)), plugin,
                        support_show(types[t].name, strlen(types[t].name), shown, sizeof(shown)),
                        in, list);
        return QUIRE_ERR;
    }
    return QUIRE_OK;
}

int support_types_apply(const quire_host *host, const char *plugin, support_type_override *types,
                        size_t count, const quire_option *option, const char *in,
                        const quire_column_info *columns, support_column *cols, size_t ncolumns,
                        quire_error *err)
{
    for (size_t c = 0; c < ncolumns; c++)
        cols[c].overridden =
            support_types_lookup(types, count, columns[c].name, &cols[c].type, &cols[c].scale);
    return support_types_check_used(host, plugin, types, count, option, in, columns, ncolumns, err);
}
