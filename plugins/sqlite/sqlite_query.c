/*
 * sqlite_query.c - the SQL text the sqlite plugin runs (see
 * sqlite_plugin.h): declared types, bind values, and the wrapper
 *
 *     SELECT <columns> FROM (
 *     <the query>
 *     ) WHERE <pushed predicates> ORDER BY <pushed sort keys>
 *
 * The query goes on lines of its own so that a trailing -- comment in it
 * cannot swallow the closing parenthesis. Values are bound (?NNN numbered
 * after the query's own parameters), never written into the text.
 *
 * What is pushed is what SQL computes exactly as the kernel would on the
 * converted values, so the rows that come back are a superset of those the
 * kernel keeps (filters) and in its order (sort):
 *
 *   - a row whose storage class the comparison cannot judge (text in a
 *     number column, NULL) is let through: the kernel converts and judges
 *     it, and the kernel's NULL semantics are its own;
 *   - strings compare as CAST(col AS TEXT) COLLATE BINARY: byte order,
 *     whatever collation the column declares, numbers as their text;
 *   - numbers compare as numbers; a decimal, stored as a REAL, is compared
 *     with a margin of half a unit of its scale (plus rounding), and not
 *     pushed for <>;
 *   - dates compare as 'YYYY-MM-DD' text, the only form they convert from;
 *   - timestamps are never pushed: their text forms (T or blank, offsets,
 *     fractions) do not sort as time.
 */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "sqlite_plugin.h"

/* ============================== Text ====================================== */

void sqlp_text_append(sqlp_text *t, const char *s, size_t n)
{
    if (t->failed)
        return;
    if (t->len + n + 1 > t->cap) {
        size_t cap = t->cap ? t->cap : 256;
        char *grown;
        while (cap < t->len + n + 1)
            cap *= 2;
        grown = t->host->realloc(t->s, cap);
        if (grown == NULL) {
            t->failed = 1;
            return;
        }
        t->s = grown;
        t->cap = cap;
    }
    memcpy(t->s + t->len, s, n);
    t->len += n;
    t->s[t->len] = '\0';
}

void sqlp_text_puts(sqlp_text *t, const char *s)
{
    sqlp_text_append(t, s, strlen(s));
}

void sqlp_text_ident(sqlp_text *t, const char *name)
{
    sqlp_text_puts(t, "\"");
    for (const char *q; (q = strchr(name, '"')) != NULL; name = q + 1) {
        sqlp_text_append(t, name, (size_t)(q - name));
        sqlp_text_puts(t, "\"\"");
    }
    sqlp_text_puts(t, name);
    sqlp_text_puts(t, "\"");
}

void sqlp_text_free(sqlp_text *t)
{
    t->host->free(t->s);
    t->s = NULL;
    t->len = t->cap = 0;
}

/* ============================== Declared types ============================ */

int sqlp_decltype_type(const char *decl, uint32_t *type, int32_t *scale)
{
    char up[64];
    size_t n = 0;
    const char *open;

    *scale = 0;
    if (decl == NULL)
        return 0;
    /* Upper case without blanks: "numeric ( 10, 2 )" -> "NUMERIC(10,2)". */
    for (const char *p = decl; *p && n + 1 < sizeof(up); p++)
        if (*p != ' ' && *p != '\t')
            up[n++] = (char)(*p >= 'a' && *p <= 'z' ? *p - ('a' - 'A') : *p);
    up[n] = '\0';
    if (strncmp(up, "BOOL", 4) == 0) {
        *type = QUIRE_TYPE_BOOL;
        return 1;
    }
    if (strcmp(up, "DATE") == 0) {
        *type = QUIRE_TYPE_DATE;
        return 1;
    }
    if (strcmp(up, "DATETIME") == 0 || strncmp(up, "TIMESTAMP", 9) == 0) {
        *type = QUIRE_TYPE_TIMESTAMP;
        return 1;
    }
    if ((strncmp(up, "DECIMAL", 7) == 0 || strncmp(up, "NUMERIC", 7) == 0) &&
        (open = strchr(up, '(')) != NULL) {
        unsigned long precision = 0, digits = 0;
        int used = 0;
        if (sscanf(open, "(%lu,%lu)%n", &precision, &digits, &used) == 2 && open[used] == '\0')
            ;
        else if (sscanf(open, "(%lu)%n", &precision, &used) == 1 && open[used] == '\0')
            digits = 0;
        else
            return 0;
        if (digits > SUPPORT_DECIMAL_DIGITS) {
            *type = QUIRE_TYPE_FLOAT; /* no int64 holds that scale */
            return 1;
        }
        *type = QUIRE_TYPE_DECIMAL;
        *scale = (int32_t)digits;
        return 1;
    }
    /* SQLite's affinity rules, in its order. */
    if (strstr(up, "INT") != NULL)
        *type = QUIRE_TYPE_INT;
    else if (strstr(up, "CHAR") != NULL || strstr(up, "CLOB") != NULL || strstr(up, "TEXT") != NULL)
        *type = QUIRE_TYPE_STRING;
    else if (strstr(up, "REAL") != NULL || strstr(up, "FLOA") != NULL || strstr(up, "DOUB") != NULL)
        *type = QUIRE_TYPE_FLOAT;
    else
        return 0;
    return 1;
}

/* ============================== Bind values =============================== */

int sqlp_bind_kind(const char *value, int64_t *i64, double *f64)
{
    size_t n = strlen(value), sign = n > 0 && (value[0] == '-' || value[0] == '+');

    /* 007 is an identifier (a zip code), not 7: text, as inference says. */
    if (n - sign >= 2 && value[sign] == '0' && value[sign + 1] >= '0' && value[sign + 1] <= '9')
        return SQLP_BIND_TEXT;
    if (support_parse_int(value, n, i64) == 0)
        return SQLP_BIND_INT;
    /* A number, not inf or nan: those are words. */
    if (n > sign && ((value[sign] >= '0' && value[sign] <= '9') || value[sign] == '.') &&
        support_parse_float(value, n, f64) == 0)
        return SQLP_BIND_FLOAT;
    return SQLP_BIND_TEXT;
}

/* ============================== Pushdown ================================== */

int sqlp_column_index(const quire_column_info *columns, size_t ncolumns, const char *name)
{
    if (name == NULL)
        return -1;
    for (size_t c = 0; c < ncolumns; c++)
        if (strcmp(columns[c].name, name) == 0)
            return (int)c;
    return -1;
}

int sqlp_sort_pushable(const quire_column_info *columns, size_t ncolumns, const quire_sort_key *key)
{
    int c = sqlp_column_index(columns, ncolumns, key->column);

    return c >= 0 && columns[c].type != QUIRE_TYPE_TIMESTAMP;
}

int sqlp_filter_pushable(const quire_column_info *columns, size_t ncolumns,
                         const quire_predicate *pred)
{
    int c = sqlp_column_index(columns, ncolumns, pred->column);
    uint32_t type;

    if (c < 0 || pred->op < QUIRE_PRED_EQ || pred->op > QUIRE_PRED_IS_NOT_NULL)
        return 0;
    if (pred->op == QUIRE_PRED_IS_NULL || pred->op == QUIRE_PRED_IS_NOT_NULL)
        return 1;
    type = columns[c].type;
    if (pred->type != type)
        return 0;
    switch (type) {
    case QUIRE_TYPE_BOOL:
    case QUIRE_TYPE_INT:
    case QUIRE_TYPE_FLOAT:
    case QUIRE_TYPE_DATE: return 1;
    case QUIRE_TYPE_STRING: return pred->str.ptr != NULL || pred->str.len == 0;
    case QUIRE_TYPE_DECIMAL:
        return pred->op != QUIRE_PRED_NE && pred->scale >= 0 &&
               pred->scale <= SUPPORT_DECIMAL_DIGITS;
    default: return 0;
    }
}

/* Civil date of `days` since 1970-01-01 as YYYY-MM-DD into buf[16]; 0, or
 * -1 if the year is not 0000..9999 (no such text can be in the column). */
static int date_text(int64_t days, char *buf)
{
    int64_t z = days + 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    int64_t day = doy - (153 * mp + 2) / 5 + 1;
    int64_t month = mp < 10 ? mp + 3 : mp - 9;
    int64_t year = yoe + era * 400 + (month <= 2);

    if (year < 0 || year > 9999)
        return -1;
    snprintf(buf, 16, "%04d-%02d-%02d", (int)year, (int)month, (int)day);
    return 0;
}

static const char *op_text(uint32_t op)
{
    static const char *const ops[] = {"", "=", "<>", "<", "<=", ">", ">="};
    return op <= QUIRE_PRED_GE ? ops[op] : "";
}

/* Appends "?N" for a new argument; returns its slot in args. */
static sqlp_arg *new_arg(sqlp_text *t, const sqlp_wrap *w, sqlp_arg *args, size_t *nargs)
{
    char num[32];

    snprintf(num, sizeof(num), "?%d", w->first_arg + (int)*nargs);
    sqlp_text_puts(t, num);
    memset(&args[*nargs], 0, sizeof(sqlp_arg));
    return &args[(*nargs)++];
}

static void float_arg(sqlp_text *t, const sqlp_wrap *w, sqlp_arg *args, size_t *nargs, double v)
{
    sqlp_arg *a = new_arg(t, w, args, nargs);

    a->kind = SQLP_BIND_FLOAT;
    a->f64 = v;
}

/* Appends one predicate's condition (see the top of the file). */
static void append_predicate(sqlp_text *t, const sqlp_wrap *w, const quire_predicate *pred,
                             sqlp_arg *args, size_t *nargs)
{
    const char *name = pred->column;
    sqlp_arg *a;

    if (pred->op == QUIRE_PRED_IS_NULL || pred->op == QUIRE_PRED_IS_NOT_NULL) {
        sqlp_text_ident(t, name);
        sqlp_text_puts(t, pred->op == QUIRE_PRED_IS_NULL ? " IS NULL" : " IS NOT NULL");
        return;
    }
    sqlp_text_puts(t, "(");
    switch (pred->type) {
    case QUIRE_TYPE_STRING:
        sqlp_text_ident(t, name);
        sqlp_text_puts(t, " IS NULL OR CAST(");
        sqlp_text_ident(t, name);
        sqlp_text_puts(t, " AS TEXT) COLLATE BINARY ");
        sqlp_text_puts(t, op_text(pred->op));
        sqlp_text_puts(t, " ");
        a = new_arg(t, w, args, nargs);
        a->kind = SQLP_BIND_TEXT;
        a->str = pred->str.ptr ? pred->str.ptr : "";
        a->len = pred->str.len;
        break;
    case QUIRE_TYPE_DATE:
        sqlp_text_puts(t, "typeof(");
        sqlp_text_ident(t, name);
        sqlp_text_puts(t, ") <> 'text' OR length(");
        sqlp_text_ident(t, name);
        sqlp_text_puts(t, ") <> 10 OR ");
        sqlp_text_ident(t, name);
        sqlp_text_puts(t, " COLLATE BINARY ");
        sqlp_text_puts(t, op_text(pred->op));
        sqlp_text_puts(t, " ");
        a = new_arg(t, w, args, nargs);
        a->kind = SQLP_BIND_TEXT;
        if (date_text(pred->i64, a->text) != 0) {
            /* Outside 0000..9999: compare with the nearest possible text. */
            snprintf(a->text, sizeof(a->text), "%s", pred->i64 < 0 ? "0000-00-00" : "9999-99-99");
        }
        a->str = a->text;
        a->len = strlen(a->text);
        break;
    default: {
        /* Numbers: only integer and real storage is judged here. */
        double margin, v, unit = 1;
        sqlp_text_puts(t, "typeof(");
        sqlp_text_ident(t, name);
        sqlp_text_puts(t, pred->type == QUIRE_TYPE_BOOL ? ") <> 'integer' OR "
                                                        : ") NOT IN ('integer', 'real') OR ");
        sqlp_text_ident(t, name);
        if (pred->type != QUIRE_TYPE_DECIMAL) {
            sqlp_text_puts(t, " ");
            sqlp_text_puts(t, op_text(pred->op));
            sqlp_text_puts(t, " ");
            a = new_arg(t, w, args, nargs);
            a->kind = pred->type == QUIRE_TYPE_FLOAT ? SQLP_BIND_FLOAT : SQLP_BIND_INT;
            a->i64 = pred->i64;
            a->f64 = pred->f64;
            break;
        }
        for (int32_t i = 0; i < pred->scale; i++)
            unit *= 10; /* exact: 10^18 fits a double's mantissa */
        v = (double)pred->i64 / unit;
        margin = 0.5 / unit + fabs(v) * 1e-12;
        if (pred->op == QUIRE_PRED_EQ) {
            sqlp_text_puts(t, " BETWEEN ");
            float_arg(t, w, args, nargs, v - margin);
            sqlp_text_puts(t, " AND ");
            float_arg(t, w, args, nargs, v + margin);
        } else if (pred->op == QUIRE_PRED_LT || pred->op == QUIRE_PRED_LE) {
            sqlp_text_puts(t, " < ");
            float_arg(t, w, args, nargs, v + margin);
        } else {
            sqlp_text_puts(t, " > ");
            float_arg(t, w, args, nargs, v - margin);
        }
        break;
    }
    }
    sqlp_text_puts(t, ")");
}

/* Appends one sort key's expression (see the top of the file). */
static void append_sort_key(sqlp_text *t, const sqlp_wrap *w, const quire_sort_key *key)
{
    int c = sqlp_column_index(w->columns, w->ncolumns, key->column);

    switch (w->columns[c].type) {
    case QUIRE_TYPE_STRING:
        sqlp_text_puts(t, "CAST(");
        sqlp_text_ident(t, key->column);
        sqlp_text_puts(t, " AS TEXT) COLLATE BINARY");
        break;
    case QUIRE_TYPE_DATE:
        sqlp_text_ident(t, key->column);
        sqlp_text_puts(t, " COLLATE BINARY");
        break;
    case QUIRE_TYPE_BOOL:
        /* Text as the plugin reads it (support_parse_bool), numbers as such. */
        sqlp_text_puts(t, "CASE WHEN typeof(");
        sqlp_text_ident(t, key->column);
        sqlp_text_puts(t, ") = 'text' THEN lower(");
        sqlp_text_ident(t, key->column);
        sqlp_text_puts(t, ") IN ('true', 't', 'yes', 'y', '1') ELSE ");
        sqlp_text_ident(t, key->column);
        sqlp_text_puts(t, " END");
        break;
    default:
        /* Numbers; text that converts is put among them. */
        sqlp_text_puts(t, "CAST(");
        sqlp_text_ident(t, key->column);
        sqlp_text_puts(t, " AS NUMERIC)");
        break;
    }
    sqlp_text_puts(t, key->desc ? " DESC" : " ASC");
    sqlp_text_puts(t, key->nulls_first ? " NULLS FIRST" : " NULLS LAST");
}

int sqlp_wrap_sql(const char *base, size_t base_len, const sqlp_wrap *w, sqlp_text *t,
                  sqlp_arg *args, size_t *nargs)
{
    *nargs = 0;
    sqlp_text_puts(t, "SELECT ");
    if (w->count) {
        sqlp_text_puts(t, "count(*)");
    } else if (w->needed == NULL) {
        sqlp_text_puts(t, "*");
    } else {
        for (size_t c = 0; c < w->ncolumns; c++) {
            if (c > 0)
                sqlp_text_puts(t, ", ");
            if (w->needed[c])
                sqlp_text_ident(t, w->columns[c].name);
            else
                sqlp_text_puts(t, "NULL");
        }
    }
    sqlp_text_puts(t, " FROM (\n");
    sqlp_text_append(t, base, base_len);
    sqlp_text_puts(t, "\n)");
    for (size_t i = 0; i < w->nfilter; i++) {
        sqlp_text_puts(t, i == 0 ? " WHERE " : " AND ");
        append_predicate(t, w, &w->filter[i], args, nargs);
    }
    for (size_t i = 0; i < w->nsort && !w->count; i++) {
        sqlp_text_puts(t, i == 0 ? " ORDER BY " : ", ");
        append_sort_key(t, w, &w->sort[i]);
    }
    return t->failed ? -1 : 0;
}
