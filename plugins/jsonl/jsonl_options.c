/*
 * jsonl_options.c - the per-source options of the jsonl plugin, as written
 * in a report definition's source block:
 *
 *   path        the file; relative paths resolve against the definition's
 *               directory (args->base_dir), else the working directory
 *   infer_rows  lines sampled for type inference, default from [source.jsonl]
 *   on_error    fail|skip: what a bad line does, default fail
 *   types       per-column types: "amount:decimal(2), day:date, id:int"
 *   columns     the paths to read and their names:
 *               "id, customer.name, items.0.price as first_price";
 *               default: every path the sample has a value at
 *
 * Every error names where the option was written and its value, in the
 * csv plugin's words.
 */
#include <stdio.h>
#include <string.h>

#include "jsonl.h"

const char jsonl_option_names[] = "path, infer_rows, on_error, types, columns";

enum option_id { OPT_PATH, OPT_INFER_ROWS, OPT_ON_ERROR, OPT_TYPES, OPT_COLUMNS, OPT_COUNT };

static const char *const option_keys[OPT_COUNT] = {"path", "infer_rows", "on_error", "types",
                                                   "columns"};

#define INFER_ROWS_MAX 1000000

/* ============================== Messages ================================== */

/* Fills *err with "WHERE: jsonl: KEY: 'VALUE' WHY"; returns QUIRE_ERR. */
static int bad_value(const quire_host *host, const quire_option *option, const char *why,
                     quire_error *err)
{
    char where[256], shown[256];
    const char *value = option->value ? option->value : "";

    host->error_set(err, QUIRE_E_INVALID, "%s: jsonl: %s: '%s' %s",
                    jsonl_option_where(option, where, sizeof(where)), option->key,
                    jsonl_show(value, strlen(value), shown, sizeof(shown)), why);
    return QUIRE_ERR;
}

/* Fills *err with "WHERE: jsonl: KEY: MESSAGE"; returns QUIRE_ERR. */
static int bad_item(const quire_host *host, const quire_option *option, const char *message,
                    quire_error *err)
{
    char where[256];

    host->error_set(err, QUIRE_E_INVALID, "%s: jsonl: %s: %s",
                    jsonl_option_where(option, where, sizeof(where)), option->key, message);
    return QUIRE_ERR;
}

static int fail_nomem(const quire_host *host, quire_error *err)
{
    host->error_set(err, QUIRE_E_NOMEM, "jsonl: out of memory parsing options");
    return QUIRE_ERR;
}

/* ============================== Small parsers ============================= */

static int is_blank(char c)
{
    return c == ' ' || c == '\t';
}

/* Trims blanks around s[0..*n); returns the new start. */
static const char *trim(const char *s, size_t *n)
{
    while (*n > 0 && is_blank(s[0])) {
        s++;
        (*n)--;
    }
    while (*n > 0 && is_blank(s[*n - 1]))
        (*n)--;
    return s;
}

static int equals(const char *s, size_t n, const char *word)
{
    return strlen(word) == n && memcmp(s, word, n) == 0;
}

static char *copy_text(const quire_host *host, const char *s, size_t n)
{
    char *copy = host->malloc(n + 1);

    if (copy != NULL) {
        memcpy(copy, s, n);
        copy[n] = '\0';
    }
    return copy;
}

/* Items of a comma-separated list: count them (an upper bound). */
static size_t count_items(const char *v)
{
    size_t count = 1;

    for (const char *p = v; *p; p++)
        count += *p == ',';
    return count;
}

/* ============================== columns =================================== */

/* Where the word "as" last occurs in item[0..n) (blanks or the item's
 * ends around it), or NULL. An item that is only "as" is a key. */
static const char *find_as(const char *item, size_t n)
{
    if (n <= 2)
        return NULL;
    for (size_t i = n - 1; i-- > 0;)
        if (item[i] == 'a' && item[i + 1] == 's' && (i == 0 || is_blank(item[i - 1])) &&
            (i + 2 == n || is_blank(item[i + 2])))
            return item + i;
    return NULL;
}

/* Checks a dotted path: no empty key, at most JSONL_MAX_DEPTH keys. */
static int check_path(const quire_host *host, const quire_option *option, const char *path,
                      size_t n, quire_error *err)
{
    char msg[400], shown[256];
    size_t keys = 1;
    int empty_key = path[0] == '.' || path[n - 1] == '.';

    jsonl_show(path, n, shown, sizeof(shown));
    for (size_t i = 0; i < n; i++) {
        keys += path[i] == '.';
        empty_key |= i > 0 && path[i] == '.' && path[i - 1] == '.';
    }
    if (empty_key) {
        snprintf(msg, sizeof(msg), "path '%s' has an empty key (write KEY.KEY.INDEX)", shown);
        return bad_item(host, option, msg, err);
    }
    if (keys > JSONL_MAX_DEPTH) {
        snprintf(msg, sizeof(msg), "path '%s' is deeper than %d keys", shown, JSONL_MAX_DEPTH);
        return bad_item(host, option, msg, err);
    }
    return QUIRE_OK;
}

/* Parses "path, path as name, ...". */
static int parse_columns(const quire_host *host, const quire_option *option, jsonl_options *opts,
                         quire_error *err)
{
    const char *v = option->value ? option->value : "";
    char msg[400], shown[256];

    opts->columns = host->calloc(count_items(v), sizeof(jsonl_column_spec));
    if (opts->columns == NULL)
        return fail_nomem(host, err);
    opts->columns_option = option;
    for (const char *p = v;;) {
        const char *comma = strchr(p, ',');
        size_t n = comma ? (size_t)(comma - p) : strlen(p);
        const char *item = trim(p, &n), *as = n > 0 ? find_as(item, n) : NULL;
        size_t path_len = as ? (size_t)(as - item) : n, name_len = 0;
        const char *path = trim(item, &path_len), *name = path;
        jsonl_column_spec *spec = &opts->columns[opts->ncolumns];

        if (n == 0)
            goto next_item;
        name_len = path_len;
        if (as != NULL) {
            name_len = n - (size_t)(as + 2 - item);
            name = trim(as + 2, &name_len);
            if (path_len == 0 || name_len == 0) {
                snprintf(msg, sizeof(msg), "'%s' needs a path before 'as' and a name after it",
                         jsonl_show(item, n, shown, sizeof(shown)));
                return bad_item(host, option, msg, err);
            }
        }
        if (check_path(host, option, path, path_len, err) != QUIRE_OK)
            return QUIRE_ERR;
        for (size_t i = 0; i < opts->ncolumns; i++) {
            if (equals(name, name_len, opts->columns[i].name)) {
                snprintf(msg, sizeof(msg), "column '%s' is given twice",
                         jsonl_show(name, name_len, shown, sizeof(shown)));
                return bad_item(host, option, msg, err);
            }
        }
        if (opts->ncolumns >= JSONL_MAX_COLUMNS) {
            snprintf(msg, sizeof(msg), "more than %d columns", JSONL_MAX_COLUMNS);
            return bad_item(host, option, msg, err);
        }
        spec->path = copy_text(host, path, path_len);
        spec->name = copy_text(host, name, name_len);
        opts->ncolumns++;
        if (spec->path == NULL || spec->name == NULL)
            return fail_nomem(host, err);
    next_item:
        if (comma == NULL)
            break;
        p = comma + 1;
    }
    if (opts->ncolumns == 0)
        return bad_value(host, option, "names no column (write PATH or PATH as NAME, ...)", err);
    return QUIRE_OK;
}

/* ============================== All options =============================== */

static int parse_one(const quire_host *host, enum option_id id, const quire_option *option,
                     jsonl_options *opts, quire_error *err)
{
    const char *v = option->value ? option->value : "";

    switch (id) {
    case OPT_PATH:
        if (v[0] == '\0')
            return bad_value(host, option, "is empty (the JSON Lines file to read)", err);
        opts->path = host->strdup(v);
        return opts->path != NULL ? QUIRE_OK : fail_nomem(host, err);
    case OPT_INFER_ROWS: {
        int64_t n = 0;
        size_t i;
        for (i = 0; v[i] >= '0' && v[i] <= '9' && n <= INFER_ROWS_MAX; i++)
            n = n * 10 + (v[i] - '0');
        if (i == 0 || v[i] != '\0' || n < 1 || n > INFER_ROWS_MAX)
            return bad_value(host, option, "is not a whole number from 1 to 1000000", err);
        opts->infer_rows = n;
        return QUIRE_OK;
    }
    case OPT_ON_ERROR:
        if (strcmp(v, "fail") != 0 && strcmp(v, "skip") != 0)
            return bad_value(host, option, "is not fail or skip", err);
        opts->skip_bad_rows = strcmp(v, "skip") == 0;
        return QUIRE_OK;
    case OPT_TYPES:
        opts->types_option = option;
        return jsonl_types_parse(host, "jsonl", option, &opts->types, &opts->ntypes, err);
    case OPT_COLUMNS: return parse_columns(host, option, opts, err);
    case OPT_COUNT: break;
    }
    return QUIRE_OK;
}

int jsonl_options_parse(const quire_host *host, const quire_source_args *args,
                        int64_t default_infer_rows, int path_required, jsonl_options *opts,
                        quire_error *err)
{
    const quire_option *seen[OPT_COUNT] = {0};
    char where[256], first[256], shown[256];

    memset(opts, 0, sizeof(*opts));
    opts->infer_rows = default_infer_rows;
    for (size_t i = 0; i < args->noptions; i++) {
        const quire_option *option = &args->options[i];
        const char *key = option->key ? option->key : "";
        enum option_id id = OPT_COUNT;

        for (int k = 0; k < OPT_COUNT; k++)
            if (strcmp(key, option_keys[k]) == 0)
                id = (enum option_id)k;
        jsonl_option_where(option, where, sizeof(where));
        if (id == OPT_COUNT) {
            host->error_set(err, QUIRE_E_INVALID, "%s: jsonl: unknown option '%s'; allowed: %s",
                            where, jsonl_show(key, strlen(key), shown, sizeof(shown)),
                            jsonl_option_names);
            goto fail_free_opts;
        }
        if (seen[id] != NULL) {
            host->error_set(err, QUIRE_E_INVALID,
                            "%s: jsonl: option '%s' is given twice (first at %s)", where, key,
                            jsonl_option_where(seen[id], first, sizeof(first)));
            goto fail_free_opts;
        }
        seen[id] = option;
        if (parse_one(host, id, option, opts, err) != QUIRE_OK)
            goto fail_free_opts;
    }
    if (path_required && opts->path == NULL) {
        if (args->source_name != NULL)
            host->error_set(err, QUIRE_E_INVALID,
                            "jsonl: source '%s': missing option 'path' (the JSON Lines file to "
                            "read)",
                            args->source_name);
        else
            host->error_set(err, QUIRE_E_INVALID,
                            "jsonl: missing option 'path' (the JSON Lines file to read)");
        goto fail_free_opts;
    }
    return QUIRE_OK;

fail_free_opts:
    jsonl_options_free(host, opts);
    return QUIRE_ERR;
}

void jsonl_options_free(const quire_host *host, jsonl_options *opts)
{
    host->free(opts->path);
    for (size_t i = 0; i < opts->ntypes; i++)
        host->free(opts->types[i].name);
    host->free(opts->types);
    for (size_t i = 0; i < opts->ncolumns; i++) {
        host->free(opts->columns[i].path);
        host->free(opts->columns[i].name);
    }
    host->free(opts->columns);
    memset(opts, 0, sizeof(*opts));
}
