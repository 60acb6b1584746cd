/*
 * csv_options.c - the per-source options of the csv plugin, as written in a
 * report definition's source block (see csv.h and docs in csv.c):
 *
 *   path        the file, relative to the current directory (required)
 *   delimiter   one byte, default ","; "tab" (or a literal tab) for TSV
 *   header      yes/no, default yes; without one the columns are c1..cN
 *   null        comma-separated tokens meaning NULL, default "" (empty field)
 *   on_error    fail|skip: what a bad row does, default fail
 *   types       per-column types: "amount:decimal(2), day:date, id:int"
 *   infer_rows  rows sampled for type inference, default from [source.csv]
 *   quote       the quote byte, default '"'; none disables quoting
 *
 * Every error names where the option was written and its value.
 */
#include <stdio.h>
#include <string.h>

#include "csv.h"

const char csv_option_names[] = "path, delimiter, header, null, on_error, types, infer_rows, quote";

enum option_id {
    OPT_PATH,
    OPT_DELIMITER,
    OPT_HEADER,
    OPT_NULL,
    OPT_ON_ERROR,
    OPT_TYPES,
    OPT_INFER_ROWS,
    OPT_QUOTE,
    OPT_COUNT
};

static const char *const option_keys[OPT_COUNT] = {
    "path", "delimiter", "header", "null", "on_error", "types", "infer_rows", "quote",
};

#define INFER_ROWS_MAX 1000000

/* ============================== Messages ================================== */

const char *csv_option_where(const quire_option *option, char *buf, size_t len)
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

/* Fills *err with "WHERE: csv: KEY: 'VALUE' WHY" and returns QUIRE_ERR. */
static int bad_value(const quire_host *host, const quire_option *option, const char *why,
                     quire_error *err)
{
    char where[256], shown[256];
    const char *value = option->value ? option->value : "";

    host->error_set(err, QUIRE_E_INVALID, "%s: csv: %s: '%s' %s",
                    csv_option_where(option, where, sizeof(where)), option->key,
                    csv_show(value, strlen(value), shown, sizeof(shown)), why);
    return QUIRE_ERR;
}

/* ============================== Small parsers ============================= */

static int is_blank(char c)
{
    return c == ' ' || c == '\t';
}

/* Trims blanks around s[0..*n): returns the new start. */
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

/* yes/no in the words the config file accepts; -1 if neither. */
static int parse_yes_no(const char *v)
{
    if (!strcmp(v, "yes") || !strcmp(v, "true") || !strcmp(v, "on") || !strcmp(v, "1"))
        return 1;
    if (!strcmp(v, "no") || !strcmp(v, "false") || !strcmp(v, "off") || !strcmp(v, "0"))
        return 0;
    return -1;
}

/* A delimiter or quote byte: one byte, or a word for the awkward ones. */
static int parse_byte_option(const char *v, int *out)
{
    if (!strcmp(v, "tab") || !strcmp(v, "\\t"))
        *out = '\t';
    else if (strlen(v) == 1)
        *out = (unsigned char)v[0];
    else
        return -1;
    return *out == '\r' || *out == '\n' ? -1 : 0;
}

/* A type name: bool, int, decimal(N), float, string, date, timestamp. */
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

    *scale = 0;
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        if (equals(s, n, names[i].name)) {
            *type = names[i].type;
            return 0;
        }
    }
    /* decimal(N), N in 0..18 */
    if (n >= 10 && memcmp(s, "decimal(", 8) == 0 && s[n - 1] == ')') {
        int32_t v = 0;
        if (n > 11)
            return -1;
        for (size_t i = 8; i < n - 1; i++) {
            if (s[i] < '0' || s[i] > '9')
                return -1;
            v = v * 10 + (s[i] - '0');
        }
        if (v > CSV_DECIMAL_DIGITS)
            return -1;
        *type = QUIRE_TYPE_DECIMAL;
        *scale = v;
        return 0;
    }
    return -1;
}

/* ============================== null ====================================== */

/* Splits "NA,NULL," into tokens; the empty token sets null_empty. */
static int parse_nulls(const quire_host *host, const char *v, csv_options *opts)
{
    size_t count = 1;

    for (const char *p = v; *p; p++)
        count += *p == ',';
    opts->nulls = host->calloc(count, sizeof(char *));
    if (opts->nulls == NULL)
        return -1;
    for (const char *p = v;;) {
        const char *comma = strchr(p, ',');
        size_t n = comma ? (size_t)(comma - p) : strlen(p);
        const char *tok = trim(p, &n);
        if (n == 0) {
            opts->null_empty = 1;
        } else {
            char *copy = host->malloc(n + 1);
            if (copy == NULL)
                return -1;
            memcpy(copy, tok, n);
            copy[n] = '\0';
            opts->nulls[opts->nnulls++] = copy;
        }
        if (comma == NULL)
            break;
        p = comma + 1;
    }
    return 0;
}

/* ============================== types ===================================== */

static const char type_list[] = "bool, int, decimal(SCALE), float, string, date, timestamp";

/* Parses "name:type, name:type". Returns QUIRE_OK or QUIRE_ERR with *err. */
static int parse_types(const quire_host *host, const quire_option *option, csv_options *opts,
                       quire_error *err)
{
    const char *v = option->value ? option->value : "";
    char where[256], shown[256], item_shown[256];
    size_t count = 1;

    for (const char *p = v; *p; p++)
        count += *p == ',';
    opts->types = host->calloc(count, sizeof(csv_type_override));
    if (opts->types == NULL)
        goto fail_nomem;
    opts->types_option = option;
    csv_option_where(option, where, sizeof(where));
    for (const char *p = v;;) {
        const char *comma = strchr(p, ',');
        size_t n = comma ? (size_t)(comma - p) : strlen(p);
        const char *item = trim(p, &n);
        const char *colon = NULL;
        csv_type_override *t;
        size_t name_len, type_len;
        const char *name, *tname;

        for (size_t i = 0; i < n; i++)
            if (item[i] == ':')
                colon = item + i;
        if (n == 0)
            goto next_item; /* "a:int," */
        csv_show(item, n, item_shown, sizeof(item_shown));
        if (colon == NULL) {
            host->error_set(err, QUIRE_E_INVALID,
                            "%s: csv: types: '%s' has no type (write COLUMN:TYPE)", where,
                            item_shown);
            return QUIRE_ERR;
        }
        name_len = (size_t)(colon - item);
        name = trim(item, &name_len);
        type_len = n - (size_t)(colon + 1 - item);
        tname = trim(colon + 1, &type_len);
        if (name_len == 0) {
            host->error_set(err, QUIRE_E_INVALID,
                            "%s: csv: types: '%s' has no column name (write COLUMN:TYPE)", where,
                            item_shown);
            return QUIRE_ERR;
        }
        t = &opts->types[opts->ntypes];
        if (parse_type_name(tname, type_len, &t->type, &t->scale) != 0) {
            host->error_set(err, QUIRE_E_INVALID,
                            "%s: csv: types: '%s' in '%s' is not a type (%s; SCALE 0..%d)", where,
                            csv_show(tname, type_len, shown, sizeof(shown)), item_shown, type_list,
                            CSV_DECIMAL_DIGITS);
            return QUIRE_ERR;
        }
        for (size_t i = 0; i < opts->ntypes; i++) {
            if (equals(name, name_len, opts->types[i].name)) {
                host->error_set(err, QUIRE_E_INVALID, "%s: csv: types: column '%s' is given twice",
                                where, csv_show(name, name_len, shown, sizeof(shown)));
                return QUIRE_ERR;
            }
        }
        t->name = host->malloc(name_len + 1);
        if (t->name == NULL)
            goto fail_nomem;
        memcpy(t->name, name, name_len);
        t->name[name_len] = '\0';
        opts->ntypes++;
    next_item:
        if (comma == NULL)
            break;
        p = comma + 1;
    }
    return QUIRE_OK;

fail_nomem:
    host->error_set(err, QUIRE_E_NOMEM, "csv: out of memory parsing options");
    return QUIRE_ERR;
}

/* ============================== All options =============================== */

static int parse_one(const quire_host *host, enum option_id id, const quire_option *option,
                     csv_options *opts, quire_error *err)
{
    const char *v = option->value ? option->value : "";
    int b;

    switch (id) {
    case OPT_PATH:
        if (v[0] == '\0')
            return bad_value(host, option, "is empty (the CSV file to read)", err);
        opts->path = host->strdup(v);
        if (opts->path == NULL)
            goto fail_nomem;
        return QUIRE_OK;
    case OPT_DELIMITER:
        if (parse_byte_option(v, &b) != 0)
            return bad_value(host, option, "is not a single byte (write tab for a tab)", err);
        opts->delimiter = (unsigned char)b;
        return QUIRE_OK;
    case OPT_HEADER:
        b = parse_yes_no(v);
        if (b < 0)
            return bad_value(host, option, "is not yes or no", err);
        opts->header = b;
        return QUIRE_OK;
    case OPT_NULL:
        if (parse_nulls(host, v, opts) != 0)
            goto fail_nomem;
        return QUIRE_OK;
    case OPT_ON_ERROR:
        if (strcmp(v, "fail") != 0 && strcmp(v, "skip") != 0)
            return bad_value(host, option, "is not fail or skip", err);
        opts->skip_bad_rows = strcmp(v, "skip") == 0;
        return QUIRE_OK;
    case OPT_TYPES: return parse_types(host, option, opts, err);
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
    case OPT_QUOTE:
        if (!strcmp(v, "none") || v[0] == '\0') {
            opts->quote = -1;
            return QUIRE_OK;
        }
        if (parse_byte_option(v, &b) != 0)
            return bad_value(host, option, "is not a single byte (or none)", err);
        opts->quote = b;
        return QUIRE_OK;
    case OPT_COUNT: break;
    }
    return QUIRE_OK;

fail_nomem:
    host->error_set(err, QUIRE_E_NOMEM, "csv: out of memory parsing options");
    return QUIRE_ERR;
}

int csv_options_parse(const quire_host *host, const quire_source_args *args,
                      int64_t default_infer_rows, int path_required, csv_options *opts,
                      quire_error *err)
{
    const quire_option *seen[OPT_COUNT] = {0};
    char where[256], first[256];

    memset(opts, 0, sizeof(*opts));
    opts->delimiter = ',';
    opts->quote = '"';
    opts->header = 1;
    opts->infer_rows = default_infer_rows;
    for (size_t i = 0; i < args->noptions; i++) {
        const quire_option *option = &args->options[i];
        const char *key = option->key ? option->key : "";
        enum option_id id = OPT_COUNT;
        char shown[256];

        for (int k = 0; k < OPT_COUNT; k++)
            if (strcmp(key, option_keys[k]) == 0)
                id = (enum option_id)k;
        csv_option_where(option, where, sizeof(where));
        if (id == OPT_COUNT) {
            host->error_set(err, QUIRE_E_INVALID, "%s: csv: unknown option '%s'; allowed: %s",
                            where, csv_show(key, strlen(key), shown, sizeof(shown)),
                            csv_option_names);
            goto fail_free_opts;
        }
        if (seen[id] != NULL) {
            host->error_set(err, QUIRE_E_INVALID,
                            "%s: csv: option '%s' is given twice (first at %s)", where, key,
                            csv_option_where(seen[id], first, sizeof(first)));
            goto fail_free_opts;
        }
        seen[id] = option;
        if (parse_one(host, id, option, opts, err) != QUIRE_OK)
            goto fail_free_opts;
    }
    if (path_required && opts->path == NULL) {
        if (args->source_name != NULL)
            host->error_set(err, QUIRE_E_INVALID,
                            "csv: source '%s': missing option 'path' (the CSV file to read)",
                            args->source_name);
        else
            host->error_set(err, QUIRE_E_INVALID,
                            "csv: missing option 'path' (the CSV file to read)");
        goto fail_free_opts;
    }
    if (opts->quote >= 0 && opts->quote == opts->delimiter) {
        const quire_option *at = seen[OPT_QUOTE] ? seen[OPT_QUOTE] : seen[OPT_DELIMITER];
        host->error_set(err, QUIRE_E_INVALID, "%s: csv: delimiter and quote are the same byte",
                        csv_option_where(at, where, sizeof(where)));
        goto fail_free_opts;
    }
    if (seen[OPT_NULL] == NULL)
        opts->null_empty = 1; /* the default: an empty unquoted field */
    return QUIRE_OK;

fail_free_opts:
    csv_options_free(host, opts);
    return QUIRE_ERR;
}

void csv_options_free(const quire_host *host, csv_options *opts)
{
    host->free(opts->path);
    for (size_t i = 0; i < opts->nnulls; i++)
        host->free(opts->nulls[i]);
    host->free(opts->nulls);
    for (size_t i = 0; i < opts->ntypes; i++)
        host->free(opts->types[i].name);
    host->free(opts->types);
    memset(opts, 0, sizeof(*opts));
}
