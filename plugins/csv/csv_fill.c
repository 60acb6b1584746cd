/*
 * csv_fill.c - records to batch rows for the csv plugin (see csv.h).
 *
 * Only the needed columns are converted (all of them unless the kernel
 * called project()): the others are neither parsed nor checked, so a value
 * that would not fit an unread column does not make the row bad. The field
 * count is always checked.
 *
 * NULLs: an unquoted field equal to a `null` token (default: the empty
 * field) is NULL. A quoted field never is: "" is the empty string in a
 * string column, and NULL in any other column (it cannot be a number).
 *
 * Strings: a field of a mapped file is stored as a slice of the mapping
 * (valid until the source closes, so for the whole fill); any other is
 * copied into the batch's arena.
 */
#include <inttypes.h>
#include <string.h>

#include "csv.h"

/* csv_field_is_null, inlined in the row loop. */
static inline int field_is_null(const csv_source *src, const csv_field *f, uint32_t type)
{
    if (f->flags & CSV_FIELD_QUOTED)
        return f->len == 0 && type != QUIRE_TYPE_STRING;
    if (f->len == 0)
        return src->opt.null_empty;
    for (size_t i = 0; i < src->opt.nnulls; i++) {
        const char *tok = src->opt.nulls[i];
        if (strlen(tok) == f->len && memcmp(tok, f->ptr, f->len) == 0)
            return 1;
    }
    return 0;
}

int csv_field_is_null(const csv_source *src, const csv_field *f, uint32_t type)
{
    return field_is_null(src, f, type);
}

/* Fills *err for a value that does not fit column `c` and returns QUIRE_ERR. */
static int bad_value(const csv_source *src, size_t c, const char *s, size_t n, int64_t line,
                     quire_error *err)
{
    const support_column *col = &src->cols[c];
    char name[256], value[256], have[32], want[32], where[256];

    support_show(src->columns[c].name, strlen(src->columns[c].name), name, sizeof(name));
    support_show(s, n, value, sizeof(value));
    support_type_text(col->type, col->scale, have, sizeof(have));
    if (col->overridden) {
        src->host->error_set(err, QUIRE_E_INVALID,
                             "%s:%" PRId64
                             ": column '%s': '%s' does not fit %s (set by types at %s)",
                             src->name, line, name, value, have,
                             support_option_where(src->opt.types_option, where, sizeof(where)));
    } else {
        /* Suggest the type the sample would have given with this value in it. */
        support_infer joined = col->infer;
        uint32_t type;
        int32_t scale;
        csv_infer_add(&joined, s, n);
        support_infer_type(&joined, &type, &scale);
        src->host->error_set(err, QUIRE_E_INVALID,
                             "%s:%" PRId64 ": column '%s': '%s' does not fit %s (inferred from the "
                             "first %" PRId64 " rows; set types = \"%s:%s\")",
                             src->name, line, name, value, have, src->opt.infer_rows, name,
                             support_type_text(type, scale, want, sizeof(want)));
    }
    return QUIRE_ERR;
}

/* Copies the strings of row `row` that are not slices of the input into one
 * arena allocation of `bytes` bytes. */
static int copy_strings(csv_source *src, quire_batch *batch, uint32_t row, const csv_record *rec,
                        size_t bytes, quire_error *err)
{
    char *buf = src->host->arena_alloc(batch->arena, bytes);

    if (buf == NULL)
        return support_fail_nomem(src->host, "csv", "for a batch's strings", err);
    for (size_t k = 0; k < src->nneeded; k++) {
        size_t c = src->needed[k];
        quire_column *col = &batch->columns[c];
        const csv_field *f = &rec->fields[c];
        if (col->type != QUIRE_TYPE_STRING || col->nulls[row] || (f->flags & CSV_FIELD_STABLE) ||
            f->len == 0)
            continue;
        memcpy(buf, f->ptr, f->len);
        col->v.str[row] = (quire_str){.ptr = buf, .len = f->len};
        buf += f->len;
    }
    return QUIRE_OK;
}

int csv_fill_row(csv_source *src, quire_batch *batch, uint32_t row, const csv_record *rec,
                 quire_error *err)
{
    /* Locals: the stores into the batch (bytes) may alias anything, so the
     * compiler would otherwise reload these after each one. */
    const size_t *needed = src->needed, nneeded = src->nneeded;
    const csv_field *fields = rec->fields;
    quire_column *columns = batch->columns;
    size_t copy_bytes = 0;

    if (rec->nfields != src->ncols) {
        src->host->error_set(err, QUIRE_E_INVALID, "%s:%" PRId64 ": expected %zu fields, found %zu",
                             src->name, csv_lexer_line(src->lexer, rec->line), src->ncols,
                             rec->nfields);
        return QUIRE_ERR;
    }
    for (size_t k = 0; k < nneeded; k++) {
        size_t c = needed[k];
        const csv_field f = fields[c];
        quire_column *col = &columns[c];
        const uint32_t type = col->type;
        int rc = 0;

        if (field_is_null(src, &f, type)) {
            col->nulls[row] = 1;
            continue;
        }
        switch (type) {
        case QUIRE_TYPE_STRING: {
            size_t bad =
                support_all_ascii(f.ptr, f.len) ? f.len : support_utf8_invalid_at(f.ptr, f.len);
            if (bad != f.len) {
                char name[256];
                src->host->error_set(err, QUIRE_E_INVALID,
                                     "%s:%" PRId64 ": column '%s': invalid UTF-8 at byte %zu of "
                                     "the field",
                                     src->name, csv_lexer_line(src->lexer, rec->line),
                                     support_show(src->columns[c].name,
                                                  strlen(src->columns[c].name), name, sizeof(name)),
                                     bad + 1);
                return QUIRE_ERR;
            }
            if ((f.flags & CSV_FIELD_STABLE) || f.len == 0)
                col->v.str[row] = (quire_str){.ptr = f.len ? f.ptr : "", .len = f.len};
            else
                copy_bytes += f.len;
            break;
        }
        default: rc = support_parse_cell(col, row, f.ptr, f.len); break;
        }
        if (rc != 0)
            return bad_value(src, c, f.ptr, f.len, csv_lexer_line(src->lexer, rec->line), err);
        col->nulls[row] = 0;
    }
    return copy_bytes > 0 ? copy_strings(src, batch, row, rec, copy_bytes, err) : QUIRE_OK;
}
