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

/* ============================== Messages ================================== */

/* Fills *err with "WHERE: jsonl: KEY: 'VALUE' WHY"; returns QUIRE_ERR. */
static int bad_value(const quire_host *host, const quire_option *option, const char *why,
                     quire_error *err)
{
    return support_option_bad(host, "jsonl", option, why, err);
}

/* Fills *err with "WHERE: jsonl: KEY: MESSAGE"; returns QUIRE_ERR. */
static int bad_item(const quire_host *host, const quire_option *option, const char *message,
                    quire_error *err)
{
    char where[256];

    host->error_set(err, QUIRE_E_INVALID, "%s: jsonl: %s: %s",
                    support_option_where(option, where, sizeof(where)), option->key, message);
    return QUIRE_ERR;
}

static int fail_nomem(const quire_host *host, quire_error *err)
{
    return support_fail_nomem(host, "jsonl", "parsing options", err);
}

/* ============================== Small parsers ============================= */

static int equals(const char *s, size_t n, const char *word)
{
    return strlen(word) == n && memcmp(s, word, n) == 0;
}

/* ============================== columns =================================== */

/* Where the word "as" last occurs in item[0..n) (blanks or the item's
 * ends around it), or NULL. An item that is only "as" is a key. */
static const char *find_as(const char *item, size_t n)
{
    if (n <= 2)
        return NULL;
    for (size_t i = n - 1; i-- > 0;)
        if (item[i] == 'a' && item[i + 1] == 's' && (i == 0 || support_is_blank(item[i - 1])) &&
            (i + 2 == n || support_is_blank(item[i + 2])))
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

    support_show(path, n, shown, sizeof(shown));
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

    opts->columns = host->calloc(support_count_items(v), sizeof(jsonl_column_spec));
    if (opts->columns == NULL)
        return fail_nomem(host, err);
    opts->columns_option = option;
    for (const char *p = v;;) {
        const char *comma = strchr(p, ',');
        size_t n = comma ? (size_t)(comma - p) : strlen(p);
        const char *item = support_trim(p, &n), *as = n > 0 ? find_as(item, n) : NULL;
        size_t path_len = as ? (size_t)(as - item) : n, name_len = 0;
        const char *path = support_trim(item, &path_len), *name = path;
        jsonl_column_spec *spec = &opts->columns[opts->ncolumns];

        if (n == 0)
            goto next_item;
        name_len = path_len;
        if (as != NULL) {
            name_len = n - (size_t)(as + 2 - item);
            name = support_trim(as + 2, &name_len);
            if (path_len == 0 || name_len == 0) {
                snprintf(msg, sizeof(msg), "'%s' needs a path before 'as' and a name after it",
                         support_show(item, n, shown, sizeof(shown)));
                return bad_item(host, option, msg, err);
            }
        }
        if (check_path(host, option, path, path_len, err) != QUIRE_OK)
            return QUIRE_ERR;
        for (size_t i = 0; i < opts->ncolumns; i++) {
            if (equals(name, name_len, opts->columns[i].name)) {
                snprintf(msg, sizeof(msg), "column '%s' is given twice",
                         support_show(name, name_len, shown, sizeof(shown)));
                return bad_item(host, option, msg, err);
            }
        }
        if (opts->ncolumns >= JSONL_MAX_COLUMNS) {
            snprintf(msg, sizeof(msg), "more than %d columns", JSONL_MAX_COLUMNS);
            return bad_item(host, option, msg, err);
        }
        spec->path = support_strndup(host, path, path_len);
        spec->name = support_strndup(host, name, name_len);
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

/* support_option_fn: parses option `id` into the jsonl_options at `out`. */
static int parse_one(const quire_host *host, int id, const quire_option *option, void *out,
                     quire_error *err)
{
    jsonl_options *opts = out;
    const char *v = option->value ? option->value : "";

    switch ((enum option_id)id) {
    case OPT_PATH:
        if (v[0] == '\0')
            return bad_value(host, option, "is empty (the JSON Lines file to read)", err);
        opts->path = host->strdup(v);
        return opts->path != NULL ? QUIRE_OK : fail_nomem(host, err);
    case OPT_INFER_ROWS:
        return support_option_infer_rows(host, "jsonl", option, &opts->infer_rows, err);
    case OPT_ON_ERROR:
        return support_option_on_error(host, "jsonl", option, &opts->skip_bad_rows, err);
    case OPT_TYPES:
        opts->types_option = option;
        return support_types_parse(host, "jsonl", option, &opts->types, &opts->ntypes, err);
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

    memset(opts, 0, sizeof(*opts));
    opts->infer_rows = default_infer_rows;
    if (support_options_each(host, "jsonl", args, option_keys, OPT_COUNT, jsonl_option_names, seen,
                             parse_one, opts, err) != QUIRE_OK)
        goto fail_free_opts;
    if (path_required && opts->path == NULL) {
        support_option_missing(host, "jsonl", args,
                               "missing option 'path' (the JSON Lines file to read)", err);
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
    support_types_free(host, opts->types, opts->ntypes);
    for (size_t i = 0; i < opts->ncolumns; i++) {
        host->free(opts->columns[i].path);
        host->free(opts->columns[i].name);
    }
    host->free(opts->columns);
    memset(opts, 0, sizeof(*opts));
}
