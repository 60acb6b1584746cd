/*
 * sqlite_options.c - the per-source options of the sqlite plugin, as
 * written in a report definition's source block:
 *
 *   database         the database file, relative to the definition's
 *                    directory (args->base_dir); opened read-only
 *   query            the SQL to run (one SELECT), or
 *   table            a table or view to read whole
 *   bind_NAME        the value of parameter :NAME in the query
 *   types            per-column types: "amount:decimal(2), day:date"
 *   infer_rows       rows sampled to infer the types of columns that have
 *                    no declared type, default from [source.sqlite]
 *   on_error         fail|skip: what a row with a bad value does
 *   estimate         yes: count the rows first, for progress (slow on
 *                    big queries), default no
 *   busy_timeout_ms  how long to wait for a locked database, default 5000
 *
 * Every error names where the option was written, as the csv and jsonl
 * plugins do.
 */
#include <stdio.h>
#include <string.h>

#include "sqlite_plugin.h"

const char sqlp_option_names[] = "database, query, table, bind_NAME, types, infer_rows, on_error, "
                                 "estimate, busy_timeout_ms";

enum option_id {
    OPT_DATABASE,
    OPT_QUERY,
    OPT_TABLE,
    OPT_TYPES,
    OPT_INFER_ROWS,
    OPT_ON_ERROR,
    OPT_ESTIMATE,
    OPT_BUSY_TIMEOUT,
    OPT_BIND, /* bind_NAME: any number of them */
    OPT_COUNT
};

static const char *const option_keys[OPT_BIND] = {
    "database", "query", "table", "types", "infer_rows", "on_error", "estimate", "busy_timeout_ms",
};

#define BUSY_TIMEOUT_MS_MAX 3600000

/* ============================== Messages ================================== */

/* Fills *err with "WHERE: sqlite: KEY: 'VALUE' WHY"; returns QUIRE_ERR. */
static int bad_value(const quire_host *host, const quire_option *option, const char *why,
                     quire_error *err)
{
    return support_option_bad(host, "sqlite", option, why, err);
}

static int fail_nomem(const quire_host *host, quire_error *err)
{
    return support_fail_nomem(host, "sqlite", "parsing options", err);
}

/* A parameter name SQLite accepts after : @ $ (letters, digits, _). */
static int is_param_name(const char *s)
{
    if (*s == '\0')
        return 0;
    for (; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') ||
              *s == '_' || (unsigned char)*s >= 0x80))
            return 0;
    return 1;
}

/* ============================== One option ================================ */

static int parse_one(const quire_host *host, enum option_id id, const quire_option *option,
                     sqlp_options *opts, quire_error *err)
{
    const char *v = option->value ? option->value : "";
    int b;

    switch (id) {
    case OPT_DATABASE:
        if (v[0] == '\0')
            return bad_value(host, option, "is empty (the SQLite database file to read)", err);
        opts->database = host->strdup(v);
        opts->database_option = option;
        return opts->database ? QUIRE_OK : fail_nomem(host, err);
    case OPT_QUERY:
    case OPT_TABLE:
        if (v[0] == '\0')
            return bad_value(host, option,
                             id == OPT_QUERY ? "is empty (the SELECT to run)"
                                             : "is empty (the table or view to read)",
                             err);
        if (id == OPT_QUERY)
            opts->query = host->strdup(v);
        else
            opts->table = host->strdup(v);
        opts->sql_option = option;
        return (id == OPT_QUERY ? opts->query : opts->table) ? QUIRE_OK : fail_nomem(host, err);
    case OPT_TYPES:
        opts->types_option = option;
        return support_types_parse(host, "sqlite", option, &opts->types, &opts->ntypes, err);
    case OPT_INFER_ROWS:
        return support_option_infer_rows(host, "sqlite", option, &opts->infer_rows, err);
    case OPT_ON_ERROR:
        return support_option_on_error(host, "sqlite", option, &opts->skip_bad_rows, err);
    case OPT_ESTIMATE:
        b = support_parse_yes_no(v);
        if (b < 0)
            return bad_value(host, option, "is not yes or no", err);
        opts->estimate = b;
        return QUIRE_OK;
    case OPT_BUSY_TIMEOUT:
        if (support_parse_count(v, 0, BUSY_TIMEOUT_MS_MAX, &opts->busy_timeout_ms) != 0)
            return bad_value(host, option,
                             "is not a whole number of milliseconds from 0 to "
                             "3600000",
                             err);
        return QUIRE_OK;
    case OPT_BIND: {
        const char *name = option->key + 5;
        if (!is_param_name(name)) {
            char where[256], shown[256];
            host->error_set(err, QUIRE_E_INVALID,
                            "%s: sqlite: option '%s': '%s' is not a parameter name (letters, "
                            "digits and _)",
                            support_option_where(option, where, sizeof(where)), option->key,
                            support_show(name, strlen(name), shown, sizeof(shown)));
            return QUIRE_ERR;
        }
        opts->binds[opts->nbinds].name = name;
        opts->binds[opts->nbinds].option = option;
        opts->nbinds++;
        return QUIRE_OK;
    }
    case OPT_COUNT: break;
    }
    return QUIRE_OK;
}

/* ============================== All options =============================== */

int sqlp_options_parse(const quire_host *host, const quire_source_args *args,
                       int64_t default_infer_rows, sqlp_options *opts, quire_error *err)
{
    const quire_option *seen[OPT_COUNT] = {0};
    char where[256], first[256];

    memset(opts, 0, sizeof(*opts));
    opts->infer_rows = default_infer_rows;
    opts->busy_timeout_ms = 5000;
    opts->binds = host->calloc(args->noptions ? args->noptions : 1, sizeof(sqlp_bind));
    if (opts->binds == NULL)
        return fail_nomem(host, err);
    for (size_t i = 0; i < args->noptions; i++) {
        const quire_option *option = &args->options[i];
        const char *key = option->key ? option->key : "";
        int found = support_option_find(option, option_keys, OPT_BIND);
        enum option_id id = found >= 0 ? (enum option_id)found : OPT_COUNT;

        if (id == OPT_COUNT && strncmp(key, "bind_", 5) == 0)
            id = OPT_BIND;
        support_option_where(option, where, sizeof(where));
        if (id == OPT_COUNT) {
            support_option_unknown(host, "sqlite", option, sqlp_option_names, err);
            goto fail_free_opts;
        }
        if (id == OPT_BIND) {
            for (size_t b = 0; b < opts->nbinds; b++)
                if (strcmp(opts->binds[b].option->key, key) == 0)
                    seen[OPT_BIND] = opts->binds[b].option;
        }
        if (seen[id] != NULL) {
            support_option_twice(host, "sqlite", option, seen[id], err);
            goto fail_free_opts;
        }
        if (id != OPT_BIND)
            seen[id] = option;
        if ((id == OPT_QUERY && seen[OPT_TABLE] != NULL) ||
            (id == OPT_TABLE && seen[OPT_QUERY] != NULL)) {
            const quire_option *other = seen[id == OPT_QUERY ? OPT_TABLE : OPT_QUERY];
            host->error_set(err, QUIRE_E_INVALID,
                            "%s: sqlite: %s: give query or table, not both (%s at %s)", where, key,
                            other->key, support_option_where(other, first, sizeof(first)));
            goto fail_free_opts;
        }
        if (parse_one(host, id, option, opts, err) != QUIRE_OK)
            goto fail_free_opts;
    }
    if (opts->database == NULL || opts->sql_option == NULL) {
        support_option_missing(host, "sqlite", args,
                               opts->database == NULL
                                   ? "missing option 'database' (the SQLite database file to read)"
                                   : "missing option 'query' or 'table' (what to read)",
                               err);
        goto fail_free_opts;
    }
    return QUIRE_OK;

fail_free_opts:
    sqlp_options_free(host, opts);
    return QUIRE_ERR;
}

void sqlp_options_free(const quire_host *host, sqlp_options *opts)
{
    host->free(opts->database);
    host->free(opts->query);
    host->free(opts->table);
    host->free(opts->binds);
    support_types_free(host, opts->types, opts->ntypes);
    memset(opts, 0, sizeof(*opts));
}
