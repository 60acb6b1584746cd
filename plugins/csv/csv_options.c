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

/* ============================== Small parsers ============================= */

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

/* ============================== null ====================================== */

/* Splits "NA,NULL," into tokens; the empty token sets null_empty. */
static int parse_nulls(const quire_host *host, const char *v, csv_options *opts)
{
    opts->nulls = host->calloc(support_count_items(v), sizeof(char *));
    if (opts->nulls == NULL)
        return -1;
    for (const char *p = v;;) {
        const char *comma = strchr(p, ',');
        size_t n = comma ? (size_t)(comma - p) : strlen(p);
        const char *tok = support_trim(p, &n);
        if (n == 0) {
            opts->null_empty = 1;
        } else {
            char *copy = support_strndup(host, tok, n);
            if (copy == NULL)
                return -1;
            opts->nulls[opts->nnulls++] = copy;
        }
        if (comma == NULL)
            break;
        p = comma + 1;
    }
    return 0;
}

/* ============================== All options =============================== */

/* Fills *err with "WHERE: csv: KEY: 'VALUE' WHY" and returns QUIRE_ERR. */
static int bad_value(const quire_host *host, const quire_option *option, const char *why,
                     quire_error *err)
{
    return support_option_bad(host, "csv", option, why, err);
}

/* support_option_fn: parses option `id` into the csv_options at `out`. */
static int parse_one(const quire_host *host, int id, const quire_option *option, void *out,
                     quire_error *err)
{
    csv_options *opts = out;
    const char *v = option->value ? option->value : "";
    int b;

    switch ((enum option_id)id) {
    case OPT_PATH:
        if (v[0] == '\0')
            return bad_value(host, option, "is empty (the CSV file to read)", err);
        opts->path = host->strdup(v);
        if (opts->path == NULL)
            return support_fail_nomem(host, "csv", "parsing options", err);
        return QUIRE_OK;
    case OPT_DELIMITER:
        if (parse_byte_option(v, &b) != 0)
            return bad_value(host, option, "is not a single byte (write tab for a tab)", err);
        opts->delimiter = (unsigned char)b;
        return QUIRE_OK;
    case OPT_HEADER:
        b = support_parse_yes_no(v);
        if (b < 0)
            return bad_value(host, option, "is not yes or no", err);
        opts->header = b;
        return QUIRE_OK;
    case OPT_NULL:
        if (parse_nulls(host, v, opts) != 0)
            return support_fail_nomem(host, "csv", "parsing options", err);
        return QUIRE_OK;
    case OPT_ON_ERROR:
        return support_option_on_error(host, "csv", option, &opts->skip_bad_rows, err);
    case OPT_TYPES:
        opts->types_option = option;
        return support_types_parse(host, "csv", option, &opts->types, &opts->ntypes, err);
    case OPT_INFER_ROWS:
        return support_option_infer_rows(host, "csv", option, &opts->infer_rows, err);
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
}

int csv_options_parse(const quire_host *host, const quire_source_args *args,
                      int64_t default_infer_rows, int path_required, csv_options *opts,
                      quire_error *err)
{
    const quire_option *seen[OPT_COUNT] = {0};
    char where[256];

    memset(opts, 0, sizeof(*opts));
    opts->delimiter = ',';
    opts->quote = '"';
    opts->header = 1;
    opts->infer_rows = default_infer_rows;
    if (support_options_each(host, "csv", args, option_keys, OPT_COUNT, csv_option_names, seen,
                             parse_one, opts, err) != QUIRE_OK)
        goto fail_free_opts;
    if (path_required && opts->path == NULL) {
        support_option_missing(host, "csv", args, "missing option 'path' (the CSV file to read)",
                               err);
        goto fail_free_opts;
    }
    if (opts->quote >= 0 && opts->quote == opts->delimiter) {
        const quire_option *at = seen[OPT_QUOTE] ? seen[OPT_QUOTE] : seen[OPT_DELIMITER];
        host->error_set(err, QUIRE_E_INVALID, "%s: csv: delimiter and quote are the same byte",
                        support_option_where(at, where, sizeof(where)));
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
    support_types_free(host, opts->types, opts->ntypes);
    memset(opts, 0, sizeof(*opts));
}
