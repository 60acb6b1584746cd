/*
 * sqlite.c - the sqlite data-source plugin (QUIRE_KIND_SOURCE, "sqlite"):
 * runs one SELECT on an SQLite database, opened read-only, and streams its
 * rows as typed columnar batches.
 *
 * How an instance works:
 *   open()     parses the options (sqlite_options.c), opens the database
 *              read-only with a busy timeout, starts a read transaction (one
 *              snapshot for everything below), prepares the query to learn
 *              its columns, declared types and parameters, checks every
 *              :NAME has a bind_NAME and every bind_NAME a :NAME, and types
 *              each column: `types`, else its declared type
 *              (sqlp_decltype_type), else the storage classes of the first
 *              infer_rows rows. It then prepares the statement that runs:
 *              the query, wrapped (sqlite_query.c) when the kernel asked
 *              for a sort or a filter that can be pushed down.
 *   project()  re-prepares the wrapper selecting NULL for unneeded columns.
 *   next()     steps the statement and converts each value exactly.
 *   close()    ends the transaction and closes the database.
 *
 * Conversions (a value that does not convert is a bad row):
 *   int        integer; a real with an integral value; text as an int
 *   float      integer or real; text as a float
 *   decimal(S) integer; a real as SQLite prints it (15 significant
 *              digits), exactly; text as a decimal
 *   string     text (valid UTF-8); numbers as SQLite prints them; a blob
 *              that is valid UTF-8
 *   date       text YYYY-MM-DD
 *   timestamp  text as the csv plugin reads it (YYYY-MM-DD HH:MM:SS, ...)
 *   bool       integer 0 or 1; text true/false, yes/no, ...
 * SQL NULL is NULL; nothing else is.
 */
#include <errno.h>
#include <inttypes.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "sqlite_plugin.h"

/* ============================== Configuration ============================= */

/* [source.sqlite]: what the admin sets for every SQLite source. */
static const quire_config_key sqlp_config[] = {
    {.name = "infer_rows",
     .type = QUIRE_CONF_INT,
     .default_value = "1000",
     .min = "1",
     .max = "1000000",
     .help = "Rows read to infer the types of columns without a declared type, unless a source "
             "sets its own infer_rows."},
    {0},
};

/* ============================== Instance ================================== */

/* Where a column's type came from. */
#define TYPE_INFERRED 0
#define TYPE_DECLARED 1
#define TYPE_OVERRIDE 2

/* Storage classes seen in a column's sample rows (inference). */
typedef struct sqlp_seen {
    uint64_t ints, reals, texts, blobs;
    unsigned text_fits; /* JSONL-style: 1 date, 2 timestamp, for every text */
} sqlp_seen;

#define FITS_DATE      1u
#define FITS_TIMESTAMP 2u

typedef struct sqlp_column {
    uint32_t type;
    int32_t scale;
    int from; /* TYPE_* */
    char *decltype;
    sqlp_seen seen;
} sqlp_column;

/* A parameter of the query and the bind_NAME option that gives its value. */
typedef struct sqlp_param {
    char *name; /* ":x", "@x" or "$x", owned */
    const sqlp_bind *bind;
} sqlp_param;

typedef struct sqlp_source {
    const sqlp_plugin *plugin;
    const quire_host *host;
    sqlp_options opt;
    char *name; /* the database, as messages name it */
    sqlite3 *db;
    int in_transaction;

    char *base; /* the query (its one statement, without ';') */
    size_t base_len;
    sqlp_param *params;
    size_t nparams;

    size_t ncols;
    quire_column_info *columns; /* the schema; names owned */
    sqlp_column *cols;

    /* Pushdown: what the running statement applies. */
    const quire_sort_key *sort;
    size_t nsort;
    quire_predicate *filter; /* copies of the pushable predicates */
    size_t nfilter;
    uint8_t *needed;
    sqlite3_stmt *stmt;

    int64_t estimated; /* -2: not counted yet */
    int64_t row;       /* rows stepped */
    int64_t delivered; /* rows handed out */
    int64_t skipped;   /* bad rows dropped (on_error = skip) */
    int done;
    int failed;
    quire_error failure;
} sqlp_source;

/* ============================== Messages ================================== */

static int fail_nomem(const quire_host *host, const char *what, quire_error *err)
{
    host->error_set(err, QUIRE_E_NOMEM, "sqlite: out of memory %s", what);
    return QUIRE_ERR;
}

/* "WHERE: sqlite: query: SQLITE'S MESSAGE", WHERE the query (or table)
 * option's location. */
static int sql_error(const sqlp_source *src, int code, quire_error *err)
{
    char where[256];

    src->host->error_set(err, code, "%s: sqlite: %s: %s",
                         jsonl_option_where(src->opt.sql_option, where, sizeof(where)),
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
                         jsonl_option_where(src->opt.sql_option, where, sizeof(where)),
                         src->opt.sql_option->key, msg);
    return QUIRE_ERR;
}

/* ============================== Opening the database ====================== */

/* database, or base_dir/database when relative and base_dir is set. */
static char *resolve_path(const quire_host *host, const quire_source_args *args, const char *path)
{
    const char *base = NULL;
    size_t blen;
    char *out;

    if (args->size >= offsetof(quire_source_args, base_dir) + sizeof(args->base_dir))
        base = args->base_dir;
    if (path[0] == '/' || base == NULL || base[0] == '\0')
        return host->strdup(path);
    blen = strlen(base);
    while (blen > 1 && base[blen - 1] == '/')
        blen--;
    out = host->malloc(blen + 1 + strlen(path) + 1);
    if (out != NULL)
        sprintf(out, "%.*s/%s", (int)blen, base, path);
    return out;
}

/* Opens the database read-only: a missing file is an error, not a new
 * empty database. */
static int open_database(sqlp_source *src, const quire_source_args *args, quire_error *err)
{
    const quire_host *host = src->host;
    char *path = resolve_path(host, args, src->opt.database), where[256];
    struct stat st;
    int why = 0, rc;

    if (path == NULL)
        return fail_nomem(host, "opening a source", err);
    if (stat(path, &st) != 0)
        why = errno;
    else if (S_ISDIR(st.st_mode))
        why = EISDIR;
    if (why != 0) {
        char text[128] = "unknown error";
        strerror_r(why, text, sizeof(text));
        if (strcmp(path, src->opt.database) != 0)
            host->error_set(err, QUIRE_E_IO, "%s: cannot open %s: %s", src->name, path, text);
        else
            host->error_set(err, QUIRE_E_IO, "%s: cannot open: %s", src->name, text);
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
                        jsonl_option_where(src->opt.database_option, where, sizeof(where)),
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
static int prepare(sqlp_source *src, const char *sql, size_t len, sqlite3_stmt **stmt,
                   const char **tail, quire_error *err)
{
    if (sqlite3_prepare_v2(src->db, sql, (int)len, stmt, tail) != SQLITE_OK) {
        sql_error(src, QUIRE_E_INVALID, err);
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
            return fail_nomem(src->host, "building the query", err);
        }
        src->base = t.s;
        src->base_len = t.len;
        return prepare(src, src->base, src->base_len, stmt, NULL, err);
    }
    if (prepare(src, src->opt.query, strlen(src->opt.query), stmt, &tail, err) != QUIRE_OK)
        return QUIRE_ERR;
    if (*stmt == NULL)
        return query_error(src, err, "has no statement (write a SELECT)");
    /* Anything after the first statement but blanks and comments? */
    if (prepare(src, tail, strlen(tail), &extra, NULL, err) != QUIRE_OK || extra != NULL) {
        char shown[256];
        sqlite3_finalize(extra);
        while (is_space(*tail))
            tail++;
        return query_error(src, err, "only one statement is allowed (found '%s' after the first)",
                           jsonl_show(tail, strlen(tail), shown, sizeof(shown)));
    }
    src->base_len = (size_t)(tail - src->opt.query);
    while (src->base_len > 0 && (is_space(src->opt.query[src->base_len - 1]) ||
                                 src->opt.query[src->base_len - 1] == ';'))
        src->base_len--;
    src->base = src->host->malloc(src->base_len + 1);
    if (src->base == NULL)
        return fail_nomem(src->host, "building the query", err);
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
        return fail_nomem(src->host, "reading the parameters", err);
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
            return fail_nomem(src->host, "reading the parameters", err);
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
            jsonl_option_where(src->opt.binds[b].option, where, sizeof(where)),
            src->opt.binds[b].option->key, src->opt.sql_option->key, src->opt.binds[b].name,
            src->nparams ? "its parameters: " : "it has none", list);
        return QUIRE_ERR;
    }
    return QUIRE_OK;
}

/* Binds the bind_NAME values, and the wrapper's arguments, to `stmt`. */
static int bind_all(sqlp_source *src, sqlite3_stmt *stmt, const sqlp_arg *args, size_t nargs,
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
static void seen_add(sqlp_seen *seen, sqlite3_stmt *stmt, int c)
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
        if (s != NULL && n == 10 && jsonl_parse_date(s, n, &i64) == 0)
            fits = FITS_DATE | FITS_TIMESTAMP;
        else if (s != NULL && jsonl_parse_timestamp(s, n, &i64) == 0)
            fits = FITS_TIMESTAMP;
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
static uint32_t seen_type(const sqlp_seen *seen)
{
    if (seen->texts == 0 && seen->blobs == 0 && seen->ints + seen->reals > 0)
        return seen->reals == 0 ? QUIRE_TYPE_INT : QUIRE_TYPE_FLOAT;
    if (seen->texts > 0 && seen->ints + seen->reals + seen->blobs == 0) {
        if (seen->text_fits & FITS_DATE)
            return QUIRE_TYPE_DATE;
        if (seen->text_fits & FITS_TIMESTAMP)
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
        return fail_nomem(host, "reading the columns", err);
    *need_inference = 0;
    for (size_t c = 0; c < src->ncols; c++) {
        const char *name = sqlite3_column_name(stmt, (int)c);
        const char *decl = sqlite3_column_decltype(stmt, (int)c);
        sqlp_column *col = &src->cols[c];

        if (name == NULL)
            return fail_nomem(host, "reading the columns", err);
        for (size_t d = 0; d < c; d++) {
            if (strcmp(src->columns[d].name, name) == 0) {
                char shown[256];
                return query_error(src, err,
                                   "column %zu has the same name as column %zu: '%s' (rename "
                                   "one with AS)",
                                   c + 1, d + 1,
                                   jsonl_show(name, strlen(name), shown, sizeof(shown)));
            }
        }
        src->columns[c].name = host->strdup(name);
        if (src->columns[c].name == NULL)
            return fail_nomem(host, "reading the columns", err);
        if (decl != NULL && (col->decltype = host->strdup(decl)) == NULL)
            return fail_nomem(host, "reading the columns", err);
        if (sqlp_decltype_type(decl, &col->type, &col->scale))
            col->from = TYPE_DECLARED;
        else
            col->from = TYPE_INFERRED;
    }
    for (size_t t = 0; t < src->opt.ntypes; t++) {
        jsonl_type_override *o = &src->opt.types[t];
        for (size_t c = 0; c < src->ncols && !o->used; c++) {
            if (strcmp(src->columns[c].name, o->name) == 0) {
                src->cols[c].type = o->type;
                src->cols[c].scale = o->scale;
                src->cols[c].from = TYPE_OVERRIDE;
                o->used = 1;
            }
        }
        if (!o->used) {
            char where[256], shown[256], list[320];
            size_t used = 0;
            for (size_t c = 0; c < src->ncols && used < sizeof(list); c++)
                used += (size_t)snprintf(list + used, sizeof(list) - used, "%s%s", c ? ", " : "",
                                         src->columns[c].name);
            if (used >= sizeof(list))
                memcpy(list + sizeof(list) - 4, "...", 4);
            host->error_set(err, QUIRE_E_INVALID,
                            "%s: sqlite: types: no column '%s' in the result (columns: %s)",
                            jsonl_option_where(src->opt.types_option, where, sizeof(where)),
                            jsonl_show(o->name, strlen(o->name), shown, sizeof(shown)), list);
            return QUIRE_ERR;
        }
    }
    for (size_t c = 0; c < src->ncols; c++)
        *need_inference |= src->cols[c].from == TYPE_INFERRED;
    return QUIRE_OK;
}

/* Steps the base statement through the first infer_rows rows and types the
 * columns that have no type yet by what they hold. */
static int infer_types(sqlp_source *src, sqlite3_stmt *stmt, quire_error *err)
{
    if (bind_all(src, stmt, NULL, 0, 0) != SQLITE_OK)
        return sql_error(src, QUIRE_E_INVALID, err);
    for (int64_t r = 0; r < src->opt.infer_rows; r++) {
        int rc = sqlite3_step(stmt);
        if (rc == SQLITE_DONE)
            break;
        if (rc != SQLITE_ROW)
            return sql_error(src, QUIRE_E_IO, err);
        for (size_t c = 0; c < src->ncols; c++)
            if (src->cols[c].from == TYPE_INFERRED)
                seen_add(&src->cols[c].seen, stmt, (int)c);
    }
    for (size_t c = 0; c < src->ncols; c++) {
        if (src->cols[c].from == TYPE_INFERRED) {
            src->cols[c].type = seen_type(&src->cols[c].seen);
            src->cols[c].scale = 0;
        }
    }
    return QUIRE_OK;
}

/* ============================== The running statement ===================== */

/* Prepares and binds the statement that runs: the base query, or the
 * wrapper when there is something to push down. Returns QUIRE_OK, or
 * QUIRE_ERR with *err (the caller may fall back to less pushdown). */
static int prepare_run(sqlp_source *src, const uint8_t *needed, sqlite3_stmt **out,
                       quire_error *err)
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
        rc = prepare(src, src->base, src->base_len, out, NULL, err);
    } else {
        args = src->host->calloc(src->nfilter * 2 + 1, sizeof(*args));
        if (args == NULL || sqlp_wrap_sql(src->base, src->base_len, &w, &t, args, &nargs) != 0) {
            src->host->free(args);
            sqlp_text_free(&t);
            return fail_nomem(src->host, "building the query", err);
        }
        rc = prepare(src, t.s, t.len, out, NULL, err);
    }
    if (rc == QUIRE_OK && bind_all(src, *out, args, nargs, w.first_arg) != SQLITE_OK) {
        rc = sql_error(src, QUIRE_E_INVALID, err);
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
            return fail_nomem(src->host, "pushing the filter down", err);
        for (size_t f = 0; f < args->nfilter; f++)
            if (sqlp_filter_pushable(src->columns, src->ncols, &args->filter[f]))
                src->filter[src->nfilter++] = args->filter[f];
    }
    return QUIRE_OK;
}

/* ============================== Source ops ================================ */

static void sqlp_close(void *instance);

static int sqlp_open(void *state, const quire_source_args *args, void **instance, quire_error *err)
{
    sqlp_plugin *plugin = state;
    const quire_host *host = plugin->host;
    sqlite3_stmt *base = NULL;
    int need_inference = 0;
    sqlp_source *src;

    *instance = NULL;
    if (args == NULL || args->size < QUIRE_SOURCE_ARGS_1_0_SIZE) {
        host->error_set(err, QUIRE_E_ABI, "sqlite: source args too small (%u bytes)",
                        args ? (unsigned)args->size : 0u);
        return QUIRE_ERR;
    }
    src = host->calloc(1, sizeof(*src));
    if (src == NULL)
        return fail_nomem(host, "opening a source", err);
    src->plugin = plugin;
    src->host = host;
    src->estimated = -2;
    if (sqlp_options_parse(host, args, plugin->infer_rows, &src->opt, err) != QUIRE_OK)
        goto fail_close;
    src->name = host->strdup(src->opt.database);
    if (src->name == NULL) {
        fail_nomem(host, "opening a source", err);
        goto fail_close;
    }
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
        goto fail_close;
    if (prepare_run(src, NULL, &src->stmt, err) != QUIRE_OK) {
        /* The wrapper does not fit this query (a PRAGMA, say): run it
         * as written and let the kernel sort and filter. */
        if (src->nsort == 0 && src->nfilter == 0)
            goto fail_close;
        src->nsort = src->nfilter = 0;
        src->sort = NULL;
        if (prepare_run(src, NULL, &src->stmt, err) != QUIRE_OK)
            goto fail_close;
    }
    *instance = src;
    return QUIRE_OK;

fail_finalize_base:
    sqlite3_finalize(base);
fail_close:
    sqlp_close(src);
    return QUIRE_ERR;
}

static int sqlp_schema(void *instance, const quire_column_info **columns, size_t *ncolumns,
                       quire_error *err)
{
    sqlp_source *src = instance;

    (void)err;
    *columns = src->columns;
    *ncolumns = src->ncols;
    return QUIRE_OK;
}

/* With estimate = yes: SELECT count(*) over the query and pushed filter,
 * once. -1 otherwise, or if counting fails. */
static int64_t sqlp_estimate(void *instance)
{
    sqlp_source *src = instance;
    sqlp_wrap w = {
        .columns = src->columns,
        .ncolumns = src->ncols,
        .filter = src->filter,
        .nfilter = src->nfilter,
        .first_arg = (int)src->nparams + 1,
        .count = 1,
    };
    sqlp_text t = {.host = src->host};
    sqlite3_stmt *stmt = NULL;
    sqlp_arg *args;
    size_t nargs = 0;
    quire_error err;

    if (!src->opt.estimate)
        return -1;
    if (src->estimated != -2)
        return src->estimated;
    src->estimated = -1;
    args = src->host->calloc(src->nfilter * 2 + 1, sizeof(*args));
    if (args != NULL && sqlp_wrap_sql(src->base, src->base_len, &w, &t, args, &nargs) == 0 &&
        prepare(src, t.s, t.len, &stmt, NULL, &err) == QUIRE_OK &&
        bind_all(src, stmt, args, nargs, w.first_arg) == SQLITE_OK &&
        sqlite3_step(stmt) == SQLITE_ROW)
        src->estimated = sqlite3_column_int64(stmt, 0);
    else if (src->plugin->self != NULL)
        src->host->log(src->plugin->self, QUIRE_LOG_WARN, "%s: estimate: cannot count the rows: %s",
                       src->name,
                       args == NULL || t.failed ? "out of memory" : sqlite3_errmsg(src->db));
    sqlite3_finalize(stmt);
    src->host->free(args);
    sqlp_text_free(&t);
    return src->estimated;
}

/* ============================== Rows ====================================== */

/* The value of cell c of the current row as text, for a message. */
static const char *cell_text(sqlite3_stmt *stmt, int c, char *buf, size_t len)
{
    const char *s;

    if (sqlite3_column_type(stmt, c) == SQLITE_BLOB)
        s = (const char *)sqlite3_column_blob(stmt, c);
    else
        s = (const char *)sqlite3_column_text(stmt, c);
    return jsonl_show(s ? s : "", (size_t)sqlite3_column_bytes(stmt, c), buf, len);
}

/* Fills *err for a value that does not fit column c. */
static int bad_value(const sqlp_source *src, size_t c, const char *value, quire_error *err)
{
    const sqlp_column *col = &src->cols[c];
    char name[256], have[32], want[32], where[256];

    jsonl_show(src->columns[c].name, strlen(src->columns[c].name), name, sizeof(name));
    jsonl_type_text(col->type, col->scale, have, sizeof(have));
    if (col->from == TYPE_OVERRIDE) {
        src->host->error_set(
            err, QUIRE_E_INVALID,
            "%s: row %" PRId64 ": column '%s': '%s' is not a%s %s (set by types at %s)", src->name,
            src->row, name, value, col->type == QUIRE_TYPE_INT ? "n" : "", have,
            jsonl_option_where(src->opt.types_option, where, sizeof(where)));
    } else if (col->from == TYPE_DECLARED) {
        src->host->error_set(err, QUIRE_E_INVALID,
                             "%s: row %" PRId64 ": column '%s': '%s' is not a%s %s (declared "
                             "%s; set types = \"%s:string\" to read it as text)",
                             src->name, src->row, name, value,
                             col->type == QUIRE_TYPE_INT ? "n" : "", have, col->decltype, name);
    } else {
        /* The type the sample would have given with this value in it. */
        sqlp_seen joined = col->seen;
        seen_add(&joined, src->stmt, (int)c);
        src->host->error_set(err, QUIRE_E_INVALID,
                             "%s: row %" PRId64 ": column '%s': '%s' is not a%s %s (inferred "
                             "from the first %" PRId64 " rows; set types = \"%s:%s\")",
                             src->name, src->row, name, value,
                             col->type == QUIRE_TYPE_INT ? "n" : "", have, src->opt.infer_rows,
                             name, jsonl_type_text(seen_type(&joined), 0, want, sizeof(want)));
    }
    return QUIRE_ERR;
}

/* Copies n bytes of valid UTF-8 into the batch as a STRING cell. */
static int store_string(sqlp_source *src, quire_batch *batch, quire_column *col, uint32_t row,
                        const char *s, size_t n, quire_error *err)
{
    char *copy;

    for (size_t i = 0; i < n;) {
        size_t len = jsonl_utf8_len((const unsigned char *)s + i, n - i);
        if (len == 0) {
            char name[256];
            size_t c = (size_t)(col - batch->columns);
            src->host->error_set(
                err, QUIRE_E_INVALID, "%s: row %" PRId64 ": column '%s': invalid UTF-8 at byte %zu",
                src->name, src->row,
                jsonl_show(src->columns[c].name, strlen(src->columns[c].name), name, sizeof(name)),
                i + 1);
            return QUIRE_ERR;
        }
        i += len;
    }
    if (n == 0) {
        col->v.str[row] = (quire_str){.ptr = "", .len = 0};
        return QUIRE_OK;
    }
    copy = src->host->arena_alloc(batch->arena, n);
    if (copy == NULL)
        return fail_nomem(src->host, "for a batch's strings", err);
    memcpy(copy, s, n);
    col->v.str[row] = (quire_str){.ptr = copy, .len = n};
    return QUIRE_OK;
}

/* Converts cell c of the current row into row `row` of the batch. */
static int convert_cell(sqlp_source *src, quire_batch *batch, uint32_t row, size_t c,
                        quire_error *err)
{
    sqlite3_stmt *stmt = src->stmt;
    quire_column *col = &batch->columns[c];
    int storage = sqlite3_column_type(stmt, (int)c), rc = -1;
    const char *text;
    size_t n;
    char shown[256];

    if (storage == SQLITE_NULL) {
        col->nulls[row] = 1;
        return QUIRE_OK;
    }
    col->nulls[row] = 0;
    if (storage == SQLITE_BLOB) {
        text = (const char *)sqlite3_column_blob(stmt, (int)c);
        n = (size_t)sqlite3_column_bytes(stmt, (int)c);
        if (col->type == QUIRE_TYPE_STRING)
            return store_string(src, batch, col, row, text ? text : "", n, err);
        return bad_value(src, c, cell_text(stmt, (int)c, shown, sizeof(shown)), err);
    }
    if (storage == SQLITE_INTEGER && col->type != QUIRE_TYPE_STRING &&
        col->type != QUIRE_TYPE_DECIMAL) {
        int64_t v = sqlite3_column_int64(stmt, (int)c);
        switch (col->type) {
        case QUIRE_TYPE_INT: col->v.i64[row] = v; return QUIRE_OK;
        case QUIRE_TYPE_FLOAT: col->v.f64[row] = (double)v; return QUIRE_OK;
        case QUIRE_TYPE_BOOL:
            if (v == 0 || v == 1) {
                col->v.i64[row] = v;
                return QUIRE_OK;
            }
            break;
        default: break;
        }
        return bad_value(src, c, cell_text(stmt, (int)c, shown, sizeof(shown)), err);
    }
    if (storage == SQLITE_FLOAT && (col->type == QUIRE_TYPE_FLOAT || col->type == QUIRE_TYPE_INT)) {
        double v = sqlite3_column_double(stmt, (int)c);
        if (col->type == QUIRE_TYPE_FLOAT) {
            col->v.f64[row] = v;
            return QUIRE_OK;
        }
        /* An integral real within int64 (2^63 itself is not). */
        if (v >= -9223372036854775808.0 && v < 9223372036854775808.0 && (double)(int64_t)v == v) {
            col->v.i64[row] = (int64_t)v;
            return QUIRE_OK;
        }
        return bad_value(src, c, cell_text(stmt, (int)c, shown, sizeof(shown)), err);
    }
    /* Text, or a number as SQLite prints it (a decimal from a real). */
    text = (const char *)sqlite3_column_text(stmt, (int)c);
    n = (size_t)sqlite3_column_bytes(stmt, (int)c);
    if (text == NULL)
        return fail_nomem(src->host, "reading a value", err);
    switch (col->type) {
    case QUIRE_TYPE_STRING: return store_string(src, batch, col, row, text, n, err);
    case QUIRE_TYPE_BOOL: rc = jsonl_parse_bool(text, n, &col->v.i64[row]); break;
    case QUIRE_TYPE_INT: rc = jsonl_parse_int(text, n, &col->v.i64[row]); break;
    case QUIRE_TYPE_DECIMAL: rc = jsonl_parse_decimal(text, n, col->scale, &col->v.i64[row]); break;
    case QUIRE_TYPE_FLOAT: rc = jsonl_parse_float(text, n, &col->v.f64[row]); break;
    case QUIRE_TYPE_DATE: rc = jsonl_parse_date(text, n, &col->v.i64[row]); break;
    case QUIRE_TYPE_TIMESTAMP: rc = jsonl_parse_timestamp(text, n, &col->v.i64[row]); break;
    default: break;
    }
    if (rc != 0)
        return bad_value(src, c, jsonl_show(text, n, shown, sizeof(shown)), err);
    return QUIRE_OK;
}

static int check_batch(const sqlp_source *src, const quire_batch *batch, quire_error *err)
{
    if (batch->ncolumns != src->ncols || batch->capacity == 0) {
        src->host->error_set(err, QUIRE_E_INTERNAL,
                             "sqlite: %s: batch has %u columns and room for %u rows; the schema "
                             "has %zu columns",
                             src->name, (unsigned)batch->ncolumns, (unsigned)batch->capacity,
                             src->ncols);
        return QUIRE_ERR;
    }
    for (size_t c = 0; c < src->ncols; c++) {
        const quire_column *col = &batch->columns[c];
        if (col->type != src->cols[c].type ||
            (col->type == QUIRE_TYPE_DECIMAL && col->scale != src->cols[c].scale)) {
            src->host->error_set(err, QUIRE_E_INTERNAL,
                                 "sqlite: %s: batch column %zu has type %u, the schema says %u",
                                 src->name, c + 1, (unsigned)col->type,
                                 (unsigned)src->cols[c].type);
            return QUIRE_ERR;
        }
    }
    return QUIRE_OK;
}

static int sqlp_next(void *instance, quire_batch *batch, quire_error *err)
{
    sqlp_source *src = instance;
    int has_lines = batch->size >= offsetof(quire_batch, source_line) + sizeof(int64_t *) &&
                    batch->source_line != NULL;
    uint32_t rows = 0;

    if (src->failed) {
        *err = src->failure;
        return QUIRE_ERR;
    }
    if (check_batch(src, batch, err) != QUIRE_OK)
        return QUIRE_ERR;
    batch->rows = 0;
    batch->first_row = src->delivered + 1;
    while (rows < batch->capacity && !src->done) {
        int rc = sqlite3_step(src->stmt), bad = 0;

        if (rc == SQLITE_DONE) {
            src->done = 1;
            break;
        }
        if (rc != SQLITE_ROW) {
            sql_error(src, QUIRE_E_IO, err);
            goto fail;
        }
        src->row++;
        for (size_t c = 0; c < src->ncols && !bad; c++) {
            if (src->needed != NULL && !src->needed[c])
                continue;
            if (convert_cell(src, batch, rows, c, err) != QUIRE_OK) {
                if (err->code != QUIRE_E_INVALID || !src->opt.skip_bad_rows)
                    goto fail;
                bad = 1;
            }
        }
        if (bad) {
            src->skipped++;
            if (src->plugin->self != NULL &&
                src->host->log_enabled(src->plugin->self, QUIRE_LOG_DEBUG))
                src->host->log(src->plugin->self, QUIRE_LOG_DEBUG, "skipped: %s", err->msg);
            err->code = QUIRE_E_NONE;
            err->msg[0] = '\0';
            continue;
        }
        /* Rows have no input line: 0, as the batch contract allows. */
        if (has_lines)
            batch->source_line[rows] = 0;
        rows++;
    }
    batch->rows = rows;
    src->delivered += rows;
    return src->done ? QUIRE_DONE : QUIRE_OK;

fail:
    batch->rows = 0;
    src->failed = 1;
    src->failure = *err;
    return QUIRE_ERR;
}

static int sqlp_project(void *instance, const uint8_t *needed, size_t ncolumns, quire_error *err)
{
    sqlp_source *src = instance;
    sqlite3_stmt *stmt = NULL;
    quire_error ignored;
    int all = 1;

    if (ncolumns != src->ncols) {
        src->host->error_set(err, QUIRE_E_INTERNAL,
                             "sqlite: %s: project() got %zu columns; the schema has %zu", src->name,
                             ncolumns, src->ncols);
        return QUIRE_ERR;
    }
    if (src->row > 0)
        return QUIRE_OK; /* too late: rows have been read */
    if (src->needed == NULL) {
        src->needed = src->host->malloc(ncolumns);
        if (src->needed == NULL)
            return fail_nomem(src->host, "in project()", err);
    }
    memcpy(src->needed, needed, ncolumns);
    for (size_t c = 0; c < ncolumns; c++)
        all &= needed[c] != 0;
    /* Let SQLite skip what is not read; if the wrapper does not fit the
     * query, the running statement stays and only conversion is skipped. */
    if (!all && prepare_run(src, src->needed, &stmt, &ignored) == QUIRE_OK) {
        sqlite3_finalize(src->stmt);
        src->stmt = stmt;
    }
    return QUIRE_OK;
}

static int sqlp_ordered(void *instance)
{
    const sqlp_source *src = instance;

    return src->nsort > 0;
}

static void sqlp_stats(void *instance, quire_source_stats *out)
{
    const sqlp_source *src = instance;

    if (out->size >= offsetof(quire_source_stats, rows) + sizeof(out->rows))
        out->rows = src->delivered;
    if (out->size >= offsetof(quire_source_stats, rows_skipped) + sizeof(out->rows_skipped))
        out->rows_skipped = src->skipped;
    if (out->size >= offsetof(quire_source_stats, bytes_read) + sizeof(out->bytes_read))
        out->bytes_read = -1;
    if (out->size >= offsetof(quire_source_stats, bytes_total) + sizeof(out->bytes_total))
        out->bytes_total = -1;
}

static void sqlp_close(void *instance)
{
    sqlp_source *src = instance;
    const quire_host *host;

    if (src == NULL)
        return;
    host = src->host;
    if (src->skipped > 0 && src->plugin->self != NULL)
        host->log(src->plugin->self, QUIRE_LOG_INFO,
                  "%s: skipped %" PRId64 " bad row%s of %" PRId64 " (on_error = skip)", src->name,
                  src->skipped, src->skipped == 1 ? "" : "s", src->skipped + src->delivered);
    sqlite3_finalize(src->stmt);
    if (src->in_transaction)
        sqlite3_exec(src->db, "COMMIT", NULL, NULL, NULL);
    sqlite3_close_v2(src->db);
    if (src->columns != NULL)
        for (size_t c = 0; c < src->ncols; c++)
            host->free((void *)src->columns[c].name);
    if (src->cols != NULL)
        for (size_t c = 0; c < src->ncols; c++)
            host->free(src->cols[c].decltype);
    for (size_t p = 0; p < src->nparams; p++)
        host->free(src->params[p].name);
    host->free(src->params);
    host->free(src->columns);
    host->free(src->cols);
    host->free(src->filter);
    host->free(src->needed);
    host->free(src->base);
    host->free(src->name);
    sqlp_options_free(host, &src->opt);
    host->free(src);
}

/* ============================== Lifecycle ================================= */

static int sqlp_init(const quire_host *host, quire_plugin *self, const quire_config *config,
                     void **state, quire_error *err)
{
    sqlp_plugin *plugin = host->calloc(1, sizeof(*plugin));

    if (plugin == NULL)
        return fail_nomem(host, "in init", err);
    plugin->host = host;
    plugin->self = self;
    plugin->infer_rows = host->config_int(config, "infer_rows");
    *state = plugin;
    return QUIRE_OK;
}

static void sqlp_destroy(void *state)
{
    sqlp_plugin *plugin = state;

    if (plugin != NULL)
        plugin->host->free(plugin);
}

/* ============================== Descriptor ================================ */

static const quire_source_ops sqlp_ops = {
    .size = sizeof(quire_source_ops),
    .open = sqlp_open,
    .schema = sqlp_schema,
    .estimate = sqlp_estimate,
    .next = sqlp_next,
    .close = sqlp_close,
    .caps = QUIRE_SOURCE_CAN_SORT | QUIRE_SOURCE_CAN_FILTER | QUIRE_SOURCE_CAN_PROJECT,
    .project = sqlp_project,
    .ordered = sqlp_ordered,
    .stats = sqlp_stats,
};

static const quire_plugin_desc sqlp_desc = {
    QUIRE_PLUGIN_HEADER(QUIRE_KIND_SOURCE),
    .name = "sqlite",
    .version = "1.0.0",
    .license = "MIT",
    .author = "The quire authors",
    .description = "SQLite databases: one read-only SELECT, with sort and filter pushed down",
    .config = sqlp_config,
    .init = sqlp_init,
    .destroy = sqlp_destroy,
    .ops = &sqlp_ops,
    .ops_size = sizeof(sqlp_ops),
};

QUIRE_PLUGIN_DEFINE(sqlp_desc)
