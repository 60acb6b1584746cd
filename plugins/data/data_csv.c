/*
 * data_csv.c - the csv format: RFC 4180 text, one row per band instance
 * that has named data values.
 *
 * The columns are the document's data_columns, in order; the header row
 * names them (csv_header). A band's values go to the columns of their
 * names; a column the band does not have stays empty, and so does NULL.
 * Cells are the canonical machine text (data_text.c), or with
 * csv_formatted the text the report would print. A cell is quoted when it
 * holds the delimiter, a quote, CR or LF, with quotes doubled. Strings are
 * written as UTF-8, invalid bytes replaced by U+FFFD.
 *
 * Memory: one pointer per column for the row being assembled.
 */
#include <string.h>

#include "data.h"

struct data_csv {
    const quire_host *host;
    support_out *out;
    char delimiter;
    int formatted;
    const char *eol; /* "\n" or "\r\n" */
    data_columns *map;
    size_t ncolumns;
    const quire_band_value **cells; /* the row being assembled, NULL = empty */
};

/* ============================== Cells ===================================== */

static int needs_quotes(const char *s, size_t len, char delimiter)
{
    for (size_t i = 0; i < len; i++) {
        char c = s[i];
        if (c == delimiter || c == '"' || c == '\r' || c == '\n')
            return 1;
    }
    return 0;
}

/* Writes one cell. The specials are ASCII, and ASCII bytes are never part
 * of a multi-byte sequence nor swallowed by the U+FFFD repair, so scanning
 * and splitting the raw bytes at quotes is safe. */
static int write_cell(data_csv *csv, const char *s, size_t len, quire_error *err)
{
    support_out *out = csv->out;
    size_t run = 0;

    if (s == NULL || len == 0) {
        /* A row of one empty cell would be an empty line, which readers
         * skip: write it as "" so the row stays. */
        return csv->ncolumns == 1 ? support_out_puts(out, "\"\"", err) : QUIRE_OK;
    }
    if (!needs_quotes(s, len, csv->delimiter))
        return data_out_utf8(out, s, len, err);
    if (support_out_putc(out, '"', err) != QUIRE_OK)
        return QUIRE_ERR;
    for (size_t i = 0; i < len; i++) {
        if (s[i] != '"')
            continue;
        /* Up to and including the quote, then the quote again. */
        if (data_out_utf8(out, s + run, i + 1 - run, err) != QUIRE_OK ||
            support_out_putc(out, '"', err) != QUIRE_OK)
            return QUIRE_ERR;
        run = i + 1;
    }
    if (data_out_utf8(out, s + run, len - run, err) != QUIRE_OK)
        return QUIRE_ERR;
    return support_out_putc(out, '"', err);
}

/* The text of one value's cell into *s, *len (possibly in buf). */
static int cell_text(const data_csv *csv, const quire_band_instance *band,
                     const quire_band_value *bv, char *buf, const char **s, size_t *len,
                     quire_error *err)
{
    const quire_value *v = &bv->value;
    int n;

    *s = NULL;
    *len = 0;
    if (csv->formatted) {
        *s = bv->text.ptr;
        *len = bv->text.len;
    } else if (v->null) {
        /* empty */
    } else if (v->type == QUIRE_TYPE_STRING) {
        *s = v->v.str.ptr;
        *len = v->v.str.len;
    } else {
        n = data_value_text(v, buf);
        if (n < 0)
            return data_value_error(csv->host, err, data_band_name(band->band), bv->name, v);
        *s = buf;
        *len = (size_t)n;
    }
    return QUIRE_OK;
}

/* ============================== Rows ====================================== */

data_csv *data_csv_new(const quire_host *host, const data_settings *settings,
                       const quire_document *doc, support_out *out, quire_error *err)
{
    data_csv *csv = host->calloc(1, sizeof(*csv));

    if (csv == NULL) {
        host->error_set(err, QUIRE_E_NOMEM, "out of memory");
        return NULL;
    }
    csv->host = host;
    csv->out = out;
    csv->delimiter = settings->delimiter;
    csv->formatted = settings->formatted;
    csv->eol = settings->crlf ? "\r\n" : "\n";
    csv->ncolumns = doc->ndata_columns;
    csv->map = data_columns_new(host, doc->data_columns, doc->ndata_columns);
    csv->cells = host->calloc(csv->ncolumns ? csv->ncolumns : 1, sizeof(*csv->cells));
    if (csv->map == NULL || csv->cells == NULL) {
        host->error_set(err, QUIRE_E_NOMEM, "out of memory");
        goto fail_free_csv;
    }
    /* No columns: no header, and no band can have a row either. */
    if (settings->header && csv->ncolumns > 0) {
        for (size_t i = 0; i < csv->ncolumns; i++) {
            const char *name = doc->data_columns[i] ? doc->data_columns[i] : "";
            if ((i > 0 && support_out_putc(out, csv->delimiter, err) != QUIRE_OK) ||
                write_cell(csv, name, strlen(name), err) != QUIRE_OK)
                goto fail_free_csv;
        }
        if (support_out_puts(out, csv->eol, err) != QUIRE_OK)
            goto fail_free_csv;
    }
    return csv;

fail_free_csv:
    data_csv_free(csv);
    return NULL;
}

int data_csv_band(data_csv *csv, const quire_band_instance *band, quire_error *err)
{
    size_t filled = 0;
    int rc = QUIRE_OK;

    for (size_t i = 0; i < band->nvalues; i++) {
        const quire_band_value *bv = &band->values[i];
        ptrdiff_t col;
        if (!data_value_is_data(bv))
            continue;
        col = data_columns_find(csv->map, bv->name);
        if (col < 0) {
            csv->host->error_set(err, QUIRE_E_INTERNAL,
                                 "%s band value '%s' is not one of the document's data columns",
                                 data_band_name(band->band), bv->name);
            rc = QUIRE_ERR;
            goto done_clear;
        }
        if (csv->cells[col] == NULL) { /* a repeated name keeps its first value */
            csv->cells[col] = bv;
            filled++;
        }
    }
    if (filled == 0)
        return QUIRE_OK;
    for (size_t c = 0; c < csv->ncolumns && rc == QUIRE_OK; c++) {
        if (c > 0)
            rc = support_out_putc(csv->out, csv->delimiter, err);
        if (rc == QUIRE_OK) {
            char buf[DATA_VALUE_TEXT_MAX];
            const char *text = NULL;
            size_t len = 0;
            if (csv->cells[c] != NULL)
                rc = cell_text(csv, band, csv->cells[c], buf, &text, &len, err);
            if (rc == QUIRE_OK)
                rc = write_cell(csv, text, len, err);
        }
    }
    if (rc == QUIRE_OK)
        rc = support_out_puts(csv->out, csv->eol, err);

done_clear:
    memset(csv->cells, 0, csv->ncolumns * sizeof(*csv->cells));
    return rc;
}

void data_csv_free(data_csv *csv)
{
    if (csv == NULL)
        return;
    data_columns_free(csv->map);
    csv->host->free(csv->cells);
    csv->host->free(csv);
}
