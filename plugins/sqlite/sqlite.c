/*
 * sqlite.c - the sqlite data-source plugin (QUIRE_KIND_SOURCE, "sqlite"):
 * runs one SELECT on an SQLite database, opened read-only, and streams its
 * rows as typed columnar batches.
 *
 * How an instance works:
 *   open()     parses the options (sqlite_options.c), then sqlp_setup()
 *              (sqlite_prepare.c) opens the database read-only, learns the
 *              query's columns, types and parameters, and prepares the
 *              statement that runs, wrapped (sqlite_query.c) when the
 *              kernel asked for a sort or a filter that can be pushed down.
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
#include <inttypes.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

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

/* ============================== Source ops ================================ */

static void sqlp_close(void *instance);

static int sqlp_open(void *state, const quire_source_args *args, void **instance, quire_error *err)
{
    sqlp_plugin *plugin = state;
    const quire_host *host = plugin->host;
    sqlp_source *src;

    *instance = NULL;
    if (support_check_args(host, "sqlite", args, QUIRE_SOURCE_ARGS_1_0_SIZE, err) != QUIRE_OK)
        return QUIRE_ERR;
    src = host->calloc(1, sizeof(*src));
    if (src == NULL)
        return support_fail_nomem(host, "sqlite", "opening a source", err);
    src->plugin = plugin;
    src->host = host;
    src->estimated = -2;
    if (sqlp_options_parse(host, args, plugin->infer_rows, &src->opt, err) != QUIRE_OK)
        goto fail_close;
    src->name = host->strdup(src->opt.database);
    if (src->name == NULL) {
        support_fail_nomem(host, "sqlite", "opening a source", err);
        goto fail_close;
    }
    if (sqlp_setup(src, args, err) != QUIRE_OK)
        goto fail_close;
    *instance = src;
    return QUIRE_OK;

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
        sqlp_prepare(src, t.s, t.len, &stmt, NULL, &err) == QUIRE_OK &&
        sqlp_bind_all(src, stmt, args, nargs, w.first_arg) == SQLITE_OK &&
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
    return support_show(s ? s : "", (size_t)sqlite3_column_bytes(stmt, c), buf, len);
}

/* Fills *err for a value that does not fit column c. */
static int bad_value(const sqlp_source *src, size_t c, const char *value, quire_error *err)
{
    const sqlp_column *col = &src->cols[c];
    char name[256], have[32], want[32], where[256];

    support_show(src->columns[c].name, strlen(src->columns[c].name), name, sizeof(name));
    support_type_text(col->type, col->scale, have, sizeof(have));
    if (col->from == SQLP_TYPE_OVERRIDE) {
        src->host->error_set(
            err, QUIRE_E_INVALID,
            "%s: row %" PRId64 ": column '%s': '%s' is not a%s %s (set by types at %s)", src->name,
            src->row, name, value, col->type == QUIRE_TYPE_INT ? "n" : "", have,
            support_option_where(src->opt.types_option, where, sizeof(where)));
    } else if (col->from == SQLP_TYPE_DECLARED) {
        src->host->error_set(err, QUIRE_E_INVALID,
                             "%s: row %" PRId64 ": column '%s': '%s' is not a%s %s (declared "
                             "%s; set types = \"%s:string\" to read it as text)",
                             src->name, src->row, name, value,
                             col->type == QUIRE_TYPE_INT ? "n" : "", have, col->decltype, name);
    } else {
        /* The type the sample would have given with this value in it. */
        sqlp_seen joined = col->seen;
        sqlp_seen_add(&joined, src->stmt, (int)c);
        src->host->error_set(err, QUIRE_E_INVALID,
                             "%s: row %" PRId64 ": column '%s': '%s' is not a%s %s (inferred "
                             "from the first %" PRId64 " rows; set types = \"%s:%s\")",
                             src->name, src->row, name, value,
                             col->type == QUIRE_TYPE_INT ? "n" : "", have, src->opt.infer_rows,
                             name,
                             support_type_text(sqlp_seen_type(&joined), 0, want, sizeof(want)));
    }
    return QUIRE_ERR;
}

/* Copies n bytes of valid UTF-8 into the batch as a STRING cell. */
static int store_string(sqlp_source *src, quire_batch *batch, quire_column *col, uint32_t row,
                        const char *s, size_t n, quire_error *err)
{
    size_t bad = support_utf8_invalid_at(s, n);
    char *copy;

    if (bad != n) {
        char name[256];
        size_t c = (size_t)(col - batch->columns);
        src->host->error_set(
            err, QUIRE_E_INVALID, "%s: row %" PRId64 ": column '%s': invalid UTF-8 at byte %zu",
            src->name, src->row,
            support_show(src->columns[c].name, strlen(src->columns[c].name), name, sizeof(name)),
            bad + 1);
        return QUIRE_ERR;
    }
    if (n == 0) {
        col->v.str[row] = (quire_str){.ptr = "", .len = 0};
        return QUIRE_OK;
    }
    copy = src->host->arena_alloc(batch->arena, n);
    if (copy == NULL)
        return support_fail_nomem(src->host, "sqlite", "for a batch's strings", err);
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
    int storage = sqlite3_column_type(stmt, (int)c);
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
        return support_fail_nomem(src->host, "sqlite", "reading a value", err);
    if (col->type == QUIRE_TYPE_STRING)
        return store_string(src, batch, col, row, text, n, err);
    if (support_parse_cell(col, row, text, n) != 0)
        return bad_value(src, c, support_show(text, n, shown, sizeof(shown)), err);
    return QUIRE_OK;
}

static int sqlp_next(void *instance, quire_batch *batch, quire_error *err)
{
    sqlp_source *src = instance;
    int has_lines = support_batch_has_lines(batch);
    uint32_t rows = 0;

    if (src->failed) {
        *err = src->failure;
        return QUIRE_ERR;
    }
    if (support_check_batch(src->host, "sqlite", src->name, src->columns, src->ncols, batch, err) !=
        QUIRE_OK)
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
            sqlp_sql_error(src, QUIRE_E_IO, err);
            goto fail;
        }
        src->row++;
        for (size_t c = 0; c < src->ncols && !bad; c++) {
            if (src->needed != NULL && !src->needed[c])
                continue;
            if (convert_cell(src, batch, rows, c, err) != QUIRE_OK) {
                /* A bad row: the source fails, or it is dropped and counted. */
                if (err->code != QUIRE_E_INVALID ||
                    support_skip_row(src->host, src->plugin->self, src->opt.skip_bad_rows, 1,
                                     &src->skipped, err) != QUIRE_OK)
                    goto fail;
                bad = 1;
            }
        }
        if (bad)
            continue;
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

    if (support_check_project(src->host, "sqlite", src->name, ncolumns, src->ncols, err) !=
        QUIRE_OK)
        return QUIRE_ERR;
    if (src->row > 0)
        return QUIRE_OK; /* too late: rows have been read */
    if (src->needed == NULL) {
        src->needed = src->host->malloc(ncolumns);
        if (src->needed == NULL)
            return support_fail_nomem(src->host, "sqlite", "in project()", err);
    }
    memcpy(src->needed, needed, ncolumns);
    for (size_t c = 0; c < ncolumns; c++)
        all &= needed[c] != 0;
    /* Let SQLite skip what is not read; if the wrapper does not fit the
     * query, the running statement stays and only conversion is skipped. */
    if (!all && sqlp_prepare_run(src, src->needed, &stmt, &ignored) == QUIRE_OK) {
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

    /* No bytes: a query's input size is unknown. */
    support_stats_fill(out, src->delivered, src->skipped, -1, -1);
}

static void sqlp_close(void *instance)
{
    sqlp_source *src = instance;
    const quire_host *host;

    if (src == NULL)
        return;
    host = src->host;
    support_log_skipped(host, src->plugin->self, src->name, "row", src->skipped, src->delivered);
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
        return support_fail_nomem(host, "sqlite", "in init", err);
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
