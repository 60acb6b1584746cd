/*
 * sqlite_prepare.c - everything the sqlite plugin's open() does after its
 * options (see sqlite_plugin.h): opens the database read-only with a busy
 * timeout inside one read transaction (one snapshot for inference, rows and
 * the count), prepares the query to learn its columns, declared types and
 * parameters, checks that every :NAME has a bind_NAME and every bind_NAME a
 * :NAME, types each column (`types`, else its declared type, else the
 * storage classes of the first infer_rows rows), picks what to push down
 * and prepares the statement that runs.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "sqlite_plugin.h"

/* ============================== Messages ================================== */

/* "WHERE: sqlite: query: SQLITE'S MESSAGE", WHERE the query (or table)
 * option's location. */
int sqlp_sql_error(const sqlp_source *src, int code, quire_error *err)
{
    char where[256];

    src->host->error_set(err, code, "%s: sqlite: %s: %s",
                         support_option_where(src->opt.sql_option, where, sizeof(where)),
                         src->opt.sql_option->key, sqlite3_errmsg(src->db));
    return QUIRE_ERR;
}

/* "WHERE: sqlite: query: MESSAGE" for a problem the plugin finds. */
static int query_error(const sqlp_source *src, quire_error *err, const char *fmt, ...)
    QUIRE_PRINTF(3, 4);
static int query_error(const sqlp_source *src, quire_error *err, const char *fmt, ...)
{
    char where[256], msg[QUIRE_ERROR_MSG_MAX];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    src->host->error_set(err, QUIRE_E_INVALID, "%s: sqlite: %s: %s",
                         support_option_where(src->opt.sql_option, where, sizeof(where)),
                         src->opt.sql_option->key, msg);
    return QUIRE_ERR;
}

/* ============================== Opening the database ====================== */

/* Opens the database read-only: a missing file is an error, not a new
 * empty database. */
static int open_database(sqlp_source *src, const quire_source_args *args, quire_error *err)
{
    const quire_host *host = src->host;
    char *path = support_resolve_path(host, src->opt.database, support_base_dir(args));
    char where[256];
    struct stat st;
    int why = 0, rc;

    if (path == NULL)
        return support_fail_nomem(host, "sqlite", "opening a source", err);
    if (stat(path, &st) != 0)
        why = errno;
    else if (S_ISDIR(st.st_mode))
        why = EISDIR;
    if (why != 0) {
        support_cannot_open(host, src->name, src->opt.database, path, why, err);
        host->free(path);
        return QUIRE_ERR;
    }
    rc = sqlite3_open_v2(path, &src->db, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, NULL);
    host->free(path);
    if (rc == SQLITE_OK) {
        sqlite3_busy_timeout(src->db, (int)src->opt.busy_timeout_ms);
        sqlite3_db_config(src->db, SQLITE_DBCONFIG_DEFENSIVE, 1, (int *)NULL);
        /* Reads the header: "file is not a database" shows up here. One
         * transaction keeps inference and streaming on one snapshot. */
        rc = sqlite3_exec(src->db, "BEGIN; PRAGMA schema_version", NULL, NULL, NULL);
        src->in_transaction = sqlite3_get_autocommit(src->db) == 0;
    }
    if (rc != SQLITE_OK) {
        host->error_set(err, QUIRE_E_IO, "%s: sqlite: database: %s: %s",
                        support_option_where(src->opt.database_option, where, sizeof(where)),
                        src->name, src->db ? sqlite3_errmsg(src->db) : sqlite3_errstr(rc));
        return QUIRE_ERR;
    }
    return QUIRE_OK;
}

/* ============================== The query ================================= */

static int is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

/* Prepares `sql`; on failure fills *err with SQLite's message. */
int sqlp_prepare(sqlp_source *src, const char *sql, size_t len, sqlite3_stmt **stmt,
                 const char **tail, quire_error *err)
{
    if (sqlite3_prepare_v2(src->db, sql, (int)len, stmt, tail) != SQLITE_OK) {
        sqlp_sql_error(src, QUIRE_E_INVALID, err);
        sqlite3_finalize(*stmt);
        *stmt = NULL;
        return QUIRE_ERR;
    }
    return QUIRE_OK;
}

/* Builds the base text: the query's first statement without its ';', or
 * SELECT * FROM "table". Prepares it into *stmt. */
static int prepare_base(sqlp_source *src, sqlite3_stmt **stmt, quire_error *err)
{
    const char *tail = NULL;
    sqlp_text t = {.host = src->host};
    sqlite3_stmt *extra = NULL;

    if (src->opt.table != NULL) {
        sqlp_text_puts(&t, "SELECT * FROM ");
        sqlp_text_ident(&t, src->opt.table);
        if (t.failed) {
            sqlp_text_free(&t);
            return support_fail_nomem(src->host, "sqlite", "building the query", err);
        }
        src->base = t.s;
        src->base_len = t.len;
        return sqlp_prepare(src, src->base, src->base_len, stmt, NULL, err);
    }
    if (sqlp_prepare(src, src->opt.query, strlen(src->opt.query), stmt, &tail, err) != QUIRE_OK)
        return QUIRE_ERR;
    if (*stmt == NULL)
        return query_error(src, err, "has no statement (write a SELECT)");
    /* Anything after the first statement but blanks and comments? */
    if (sqlp_prepare(src, tail, strlen(tail), &extra, NULL, err) != QUIRE_OK || extra != NULL) {
        char shown[256];
        sqlite3_finalize(extra);
        while (is_space(*tail))
            tail++;
        return query_error(src, err, "only one statement is allowed (found '%s' after the first)",
                           support_show(tail, strlen(tail), shown, sizeof(shown)));
    }
    src->base_len = (size_t)(tail - src->opt.query);
    while (src->base_len > 0 && (is_space(src->opt.query[src->base_len - 1]) ||
                                 src->opt.query[src->base_len - 1] == ';'))
        src->base_len--;
    src->base = src->host->malloc(src->base_len + 1);
    if (src->base == NULL)
        return support_fail_nomem(src->host, "sqlite", "building the query", err);
    memcpy(src->base, src->opt.query, src->base_len);
    src->base[src->base_len] = '\0';
    if (!sqlite3_stmt_readonly(*stmt))
        return query_error(src, err, "is not read-only (write a SELECT)");
    if (sqlite3_column_count(*stmt) == 0)
        return query_error(src, err, "returns no columns (write a SELECT)");
    return QUIRE_OK;
}

/* Matches the query's parameters with the bind_NAME options. */
static int match_params(sqlp_source *src, sqlite3_stmt *stmt, quire_error *err)
{
    int count = sqlite3_bind_parameter_count(stmt);
    char where[256];

    src->params = src->host->calloc(count > 0 ? (size_t)count : 1, sizeof(sqlp_param));
    if (src->params == NULL)
        return support_fail_nomem(src->host, "sqlite", "reading the parameters", err);
    for (int i = 1; i <= count; i++) {
        const char *name = sqlite3_bind_parameter_name(stmt, i);
        const sqlp_bind *bind = NULL;

        if (name == NULL || name[0] == '?')
            return query_error(src, err, "parameter %d has no name (write :NAME and set bind_NAME)",
                               i);
        for (size_t b = 0; b < src->opt.nbinds; b++) {
            if (strcmp(src->opt.binds[b].name, name + 1) == 0) {
                bind = &src->opt.binds[b];
                src->opt.binds[b].used = 1;
            }
        }
        if (bind == NULL)
            return query_error(src, err, "parameter %s has no value (set bind_%s)", name, name + 1);
        src->params[src->nparams].name = src->host->strdup(name);
        if (src->params[src->nparams].name == NULL)
            return support_fail_nomem(src->host, "sqlite", "reading the parameters", err);
        src->params[src->nparams++].bind = bind;
    }
    for (size_t b = 0; b < src->opt.nbinds; b++) {
        char list[256] = "";
        size_t used = 0;
        if (src->opt.binds[b].used)
            continue;
        for (size_t p = 0; p < src->nparams && used < sizeof(list); p++)
            used += (size_t)snprintf(list + used, sizeof(list) - used, "%s%s", p ? ", " : "",
                                     src->params[p].name);
        src->host->error_set(
            err, QUIRE_E_INVALID, "%s: sqlite: %s: the %s has no parameter :%s (%s%s)",
            support_option_where(src->opt.binds[b].option, where, sizeof(where)),
            src->opt.binds[b].option->key, src->opt.sql_option->key, src->opt.binds[b].name,
            src->nparams ? "its parameters: " : "it has none", list);
        return QUIRE_ERR;
    }
    return QUIRE_OK;
}

/* Binds the bind_NAME values, and the wrapper's arguments, to `stmt`. */
int sqlp_bind_all(sqlp_source *src, sqlite3_stmt *stmt, const sqlp_arg *args, size_t nargs,
                  int first_arg)
{
    int rc = SQLITE_OK;

    for (size_t p = 0; p < src->nparams && rc == SQLITE_OK; p++) {
        int index = sqlite3_bind_parameter_index(stmt, src->params[p].name);
        const char *value = src->params[p].bind->option->value;
        int64_t i64;
        double f64;
        if (value == NULL)
            value = "";
        switch (sqlp_bind_kind(value, &i64, &f64)) {
        case SQLP_BIND_INT: rc = sqlite3_bind_int64(stmt, index, i64); break;
        case SQLP_BIND_FLOAT: rc = sqlite3_bind_double(stmt, index, f64); break;
        default: rc = sqlite3_bind_text(stmt, index, value, -1, SQLITE_STATIC); break;
        }
    }
    for (size_t a = 0; a < nargs && rc == SQLITE_OK; a++) {
        int index = first_arg + (int)a;
        switch (args[a].kind) {
        case SQLP_BIND_INT: rc = sqlite3_bind_int64(stmt, index, args[a].i64); break;
        case SQLP_BIND_FLOAT: rc = sqlite3_bind_double(stmt, index, args[a].f64); break;
        default:
            /* The text may live in args[], which goes away: let SQLite copy. */
            rc = sqlite3_bind_text(stmt, index, args[a].str, (int)args[a].len, SQLITE_TRANSIENT);
            break;
        }
    }
    return rc;
}

/* ============================== Columns and types ========================= */

/* Counts the storage class of one sample value. */
void sqlp_seen_add(sqlp_seen *seen, sqlite3_stmt *stmt, int c)
{
    int64_t i64;

    switch (sqlite3_column_type(stmt, c)) {
    case SQLITE_INTEGER: seen->ints++; break;
    case SQLITE_FLOAT: seen->reals++; break;
    case SQLITE_BLOB: seen->blobs++; break;
    case SQLITE_TEXT: {
        const char *s = (const char *)sqlite3_column_text(stmt, c);
        size_t n = (size_t)sqlite3_column_bytes(stmt, c);
        unsigned fits = 0;
        if (s != NULL && n == 10 && support_parse_date(s, n, &i64) == 0)
            fits = SQLP_FITS_DATE | SQLP_FITS_TIMESTAMP;
        else if (s != NULL && support_parse_timestamp(s, n, &i64) == 0)
            fits = SQLP_FITS_TIMESTAMP;
        seen->text_fits = seen->texts == 0 ? fits : (seen->text_fits & fits);
        seen->texts++;
        break;
    }
    default: break;
    }
}

/* The type the storage classes seen say: integers only -> int; numbers ->
 * float; texts that are all dates -> date, dates and timestamps ->
 * timestamp; anything else (or nothing) -> string. */
uint32_t sqlp_seen_type(const sqlp_seen *seen)
{
    if (seen->texts == 0 && seen->blobs == 0 && seen->ints + seen->reals > 0)
        return seen->reals == 0 ? QUIRE_TYPE_INT : QUIRE_TYPE_FLOAT;
    if (seen->texts > 0 && seen->ints + seen->reals + seen->blobs == 0) {
        if (seen->text_fits & SQLP_FITS_DATE)
            return QUIRE_TYPE_DATE;
        if (seen->text_fits & SQLP_FITS_TIMESTAMP)
            return QUIRE_TYPE_TIMESTAMP;
    }
    return QUIRE_TYPE_STRING;
}

/* Names the columns and types them from `types` and declared types. */
static int make_columns(sqlp_source *src, sqlite3_stmt *stmt, int *need_inference, quire_error *err)
{
    const quire_host *host = src->host;

    src->ncols = (size_t)sqlite3_column_count(stmt);
    src->columns = host->calloc(src->ncols, sizeof(*src->columns));
    src->cols = host->calloc(src->ncols, sizeof(*src->cols));
    if (src->columns == NULL || src->cols == NULL)
        return support_fail_nomem(host, "sqlite", "reading the columns", err);
    *need_inference = 0;
    for (size_t c = 0; c < src->ncols; c++) {
        const char *name = sqlite3_column_name(stmt, (int)c);
        const char *decl = sqlite3_column_decltype(stmt, (int)c);
        sqlp_column *col = &src->cols[c];

        if (name == NULL)
            return support_fail_nomem(host, "sqlite", "reading the columns", err);
        for (size_t d = 0; d < c; d++) {
            if (strcmp(src->columns[d].name, name) == 0) {
                char shown[256];
                return query_error(src, err,
                                   "column %zu has the same name as column %zu: '%s' (rename "
                                   "one with AS)",
                                   c + 1, d + 1,
                                   support_show(name, strlen(name), shown, sizeof(shown)));
            }
        }
        src->columns[c].name = host->strdup(name);
        if (src->columns[c].name == NULL)
            return support_fail_nomem(host, "sqlite", "reading the columns", err);
        if (decl != NULL && (col->decltype = host->strdup(decl)) == NULL)
            return support_fail_nomem(host, "sqlite", "reading the columns", err);
        if (sqlp_decltype_type(decl, &col->type, &col->scale))
            col->from = SQLP_TYPE_DECLARED;
        else
            col->from = SQLP_TYPE_INFERRED;
    }
    for (size_t c = 0; c < src->ncols; c++) {
        if (support_types_lookup(src->opt.types, src->opt.ntypes, src->columns[c].name,
                                 &src->cols[c].type, &src->cols[c].scale))
            src->cols[c].from = SQLP_TYPE_OVERRIDE;
        *need_inference |= src->cols[c].from == SQLP_TYPE_INFERRED;
    }
    return support_types_check_used(host, "sqlite", src->opt.types, src->opt.ntypes,
                                    src->opt.types_option, "the result", src->columns, src->ncols,
                                    err);
}

/* Steps the base statement through the first infer_rows rows and types the
 * columns that have no type yet by what they hold. */
static int infer_types(sqlp_source *src, sqlite3_stmt *stmt, quire_error *err)
{
    if (sqlp_bind_all(src, stmt, NULL, 0, 0) != SQLITE_OK)
        return sqlp_sql_error(src, QUIRE_E_INVALID, err);
    for (int64_t r = 0; r < src->opt.infer_rows; r++) {
        int rc = sqlite3_step(stmt);
        if (rc == SQLITE_DONE)
            break;
        if (rc != SQLITE_ROW)
            return sqlp_sql_error(src, QUIRE_E_IO, err);
        for (size_t c = 0; c < src->ncols; c++)
            if (src->cols[c].from == SQLP_TYPE_INFERRED)
                sqlp_seen_add(&src->cols[c].seen, stmt, (int)c);
    }
    for (size_t c = 0; c < src->ncols; c++) {
        if (src->cols[c].from == SQLP_TYPE_INFERRED) {
            src->cols[c].type = sqlp_seen_type(&src->cols[c].seen);
            src->cols[c].scale = 0;
        }
    }
    return QUIRE_OK;
}

/* ============================== The running statement ===================== */

/* Prepares and binds the statement that runs: the base query, or the
 * wrapper when there is something to push down. Returns QUIRE_OK, or
 * QUIRE_ERR with *err (the caller may fall back to less pushdown). */
int sqlp_prepare_run(sqlp_source *src, const uint8_t *needed, sqlite3_stmt **out, quire_error *err)
{
    sqlp_wrap w = {
        .columns = src->columns,
        .ncolumns = src->ncols,
        .needed = needed,
        .sort = src->sort,
        .nsort = src->nsort,
        .filter = src->filter,
        .nfilter = src->nfilter,
        .first_arg = (int)src->nparams + 1,
    };
    sqlp_text t = {.host = src->host};
    sqlp_arg *args = NULL;
    size_t nargs = 0;
    int rc;

    *out = NULL;
    if (needed == NULL && src->nsort == 0 && src->nfilter == 0) {
        rc = sqlp_prepare(src, src->base, src->base_len, out, NULL, err);
    } else {
        args = src->host->calloc(src->nfilter * 2 + 1, sizeof(*args));
        if (args == NULL || sqlp_wrap_sql(src->base, src->base_len, &w, &t, args, &nargs) != 0) {
            src->host->free(args);
            sqlp_text_free(&t);
            return support_fail_nomem(src->host, "sqlite", "building the query", err);
        }
        rc = sqlp_prepare(src, t.s, t.len, out, NULL, err);
    }
    if (rc == QUIRE_OK && sqlp_bind_all(src, *out, args, nargs, w.first_arg) != SQLITE_OK) {
        rc = sqlp_sql_error(src, QUIRE_E_INVALID, err);
        sqlite3_finalize(*out);
        *out = NULL;
    }
    src->host->free(args);
    sqlp_text_free(&t);
    return rc;
}

/* Takes what the kernel asked to push down (ABI 1.1 args) that can be. */
static int choose_pushdown(sqlp_source *src, const quire_source_args *args, quire_error *err)
{
    if (args->size < offsetof(quire_source_args, nfilter) + sizeof(args->nfilter))
        return QUIRE_OK;
    if (args->nsort > 0 && args->sort != NULL) {
        int all = 1;
        for (size_t k = 0; k < args->nsort; k++)
            all &= sqlp_sort_pushable(src->columns, src->ncols, &args->sort[k]);
        if (all) {
            src->sort = args->sort;
            src->nsort = args->nsort;
        }
    }
    if (args->nfilter > 0 && args->filter != NULL) {
        src->filter = src->host->calloc(args->nfilter, sizeof(*src->filter));
        if (src->filter == NULL)
            return support_fail_nomem(src->host, "sqlite", "pushing the filter down", err);
        for (size_t f = 0; f < args->nfilter; f++)
            if (sqlp_filter_pushable(src->columns, src->ncols, &args->filter[f]))
                src->filter[src->nfilter++] = args->filter[f];
    }
    return QUIRE_OK;
}

/* ============================== Setup ===================================== */

int sqlp_setup(sqlp_source *src, const quire_source_args *args, quire_error *err)
{
    sqlite3_stmt *base = NULL;
    int need_inference = 0;

    if (open_database(src, args, err) != QUIRE_OK || prepare_base(src, &base, err) != QUIRE_OK ||
        match_params(src, base, err) != QUIRE_OK ||
        make_columns(src, base, &need_inference, err) != QUIRE_OK ||
        (need_inference && infer_types(src, base, err) != QUIRE_OK))
        goto fail_finalize_base;
    sqlite3_finalize(base);
    for (size_t c = 0; c < src->ncols; c++) {
        src->columns[c].type = src->cols[c].type;
        src->columns[c].scale = src->cols[c].scale;
    }
    if (choose_pushdown(src, args, err) != QUIRE_OK)
        return QUIRE_ERR;
    if (sqlp_prepare_run(src, NULL, &src->stmt, err) == QUIRE_OK)
        return QUIRE_OK;
    /* The wrapper does not fit this query (a PRAGMA, say): run it as
     * written and let the kernel sort and filter. */
    if (src->nsort == 0 && src->nfilter == 0)
        return QUIRE_ERR;
    src->nsort = src->nfilter = 0;
    src->sort = NULL;
    return sqlp_prepare_run(src, NULL, &src->stmt, err);

fail_finalize_base:
    sqlite3_finalize(base);
    return QUIRE_ERR;
}
