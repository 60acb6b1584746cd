/*
 * support_options.c - the pieces of option parsing the source plugins share
 * (see support_options.h): locating an option for messages, the errors for
 * an unknown, repeated, bad or missing option, and the values several
 * plugins take (yes/no, counts, infer_rows, on_error, comma lists).
 */
#include <stdio.h>
#include <string.h>

#include "support_options.h"
#include "support_value.h"

/* ============================== Messages ================================== */

const char *support_option_where(const quire_option *option, char *buf, size_t len)
{
    const char *file = option->file ? option->file : "options";

    if (option->line > 0)
        snprintf(buf, len, "%s:%u:%u", file, (unsigned)option->line, (unsigned)option->column);
    else if (option->column > 0)
        snprintf(buf, len, "%s argument %u", file, (unsigned)option->column);
    else
        snprintf(buf, len, "%s", file);
    return buf;
}

int support_option_find(const quire_option *option, const char *const *keys, int nkeys)
{
    const char *key = option->key ? option->key : "";

    for (int k = 0; k < nkeys; k++)
        if (strcmp(key, keys[k]) == 0)
            return k;
    return -1;
}

int support_option_unknown(const quire_host *host, const char *plugin, const quire_option *option,
                           const char *names, quire_error *err)
{
    const char *key = option->key ? option->key : "";
    char where[256], shown[256];

    host->error_set(err, QUIRE_E_INVALID, "%s: %s: unknown option '%s'; allowed: %s",
                    support_option_where(option, where, sizeof(where)), plugin,
                    support_show(key, strlen(key), shown, sizeof(shown)), names);
    return QUIRE_ERR;
}

int support_option_twice(const quire_host *host, const char *plugin, const quire_option *option,
                         const quire_option *first, quire_error *err)
{
    char where[256], first_where[256];

    host->error_set(err, QUIRE_E_INVALID, "%s: %s: option '%s' is given twice (first at %s)",
                    support_option_where(option, where, sizeof(where)), plugin,
                    option->key ? option->key : "",
                    support_option_where(first, first_where, sizeof(first_where)));
    return QUIRE_ERR;
}

int support_options_each(const quire_host *host, const char *plugin, const quire_source_args *args,
                         const char *const *keys, int nkeys, const char *names,
                         const quire_option **seen, support_option_fn parse, void *opts,
                         quire_error *err)
{
    for (size_t i = 0; i < args->noptions; i++) {
        const quire_option *option = &args->options[i];
        int id = support_option_find(option, keys, nkeys);

        if (id < 0)
            return support_option_unknown(host, plugin, option, names, err);
        if (seen[id] != NULL)
            return support_option_twice(host, plugin, option, seen[id], err);
        seen[id] = option;
        if (parse(host, id, option, opts, err) != QUIRE_OK)
            return QUIRE_ERR;
    }
    return QUIRE_OK;
}

int support_option_bad(const quire_host *host, const char *plugin, const quire_option *option,
                       const char *why, quire_error *err)
{
    char where[256], shown[256];
    const char *value = option->value ? option->value : "";

    host->error_set(err, QUIRE_E_INVALID, "%s: %s: %s: '%s' %s",
                    support_option_where(option, where, sizeof(where)), plugin, option->key,
                    support_show(value, strlen(value), shown, sizeof(shown)), why);
    return QUIRE_ERR;
}

int support_option_missing(const quire_host *host, const char *plugin,
                           const quire_source_args *args, const char *what, quire_error *err)
{
    if (args->source_name != NULL)
        host->error_set(err, QUIRE_E_INVALID, "%s: source '%s': %s", plugin, args->source_name,
                        what);
    else
        host->error_set(err, QUIRE_E_INVALID, "%s: %s", plugin, what);
    return QUIRE_ERR;
}

int support_fail_nomem(const quire_host *host, const char *plugin, const char *what,
                       quire_error *err)
{
    host->error_set(err, QUIRE_E_NOMEM, "%s: out of memory %s", plugin, what);
    return QUIRE_ERR;
}

/* ============================== Values ==================================== */

int support_parse_yes_no(const char *v)
{
    if (!strcmp(v, "yes") || !strcmp(v, "true") || !strcmp(v, "on") || !strcmp(v, "1"))
        return 1;
    if (!strcmp(v, "no") || !strcmp(v, "false") || !strcmp(v, "off") || !strcmp(v, "0"))
        return 0;
    return -1;
}

int support_parse_count(const char *v, int64_t min, int64_t max, int64_t *out)
{
    int64_t n = 0;
    size_t i;

    /* Stops once past max: a long run of digits cannot overflow. */
    for (i = 0; v[i] >= '0' && v[i] <= '9' && n <= max; i++)
        n = n * 10 + (v[i] - '0');
    if (i == 0 || v[i] != '\0' || n < min || n > max)
        return -1;
    *out = n;
    return 0;
}

int support_option_infer_rows(const quire_host *host, const char *plugin,
                              const quire_option *option, int64_t *out, quire_error *err)
{
    const char *v = option->value ? option->value : "";

    if (support_parse_count(v, 1, SUPPORT_INFER_ROWS_MAX, out) != 0)
        return support_option_bad(host, plugin, option, "is not a whole number from 1 to 1000000",
                                  err);
    return QUIRE_OK;
}

int support_option_on_error(const quire_host *host, const char *plugin, const quire_option *option,
                            int *skip, quire_error *err)
{
    const char *v = option->value ? option->value : "";

    if (strcmp(v, "fail") != 0 && strcmp(v, "skip") != 0)
        return support_option_bad(host, plugin, option, "is not fail or skip", err);
    *skip = strcmp(v, "skip") == 0;
    return QUIRE_OK;
}

/* ============================== Lists ===================================== */

int support_is_blank(char c)
{
    return c == ' ' || c == '\t';
}

const char *support_trim(const char *s, size_t *n)
{
    while (*n > 0 && support_is_blank(s[0])) {
        s++;
        (*n)--;
    }
    while (*n > 0 && support_is_blank(s[*n - 1]))
        (*n)--;
    return s;
}

size_t support_count_items(const char *v)
{
    size_t count = 1;

    for (const char *p = v; *p; p++)
        count += *p == ',';
    return count;
}

char *support_strndup(const quire_host *host, const char *s, size_t n)
{
    char *copy = host->malloc(n + 1);

    if (copy != NULL) {
        memcpy(copy, s, n);
        copy[n] = '\0';
    }
    return copy;
}
