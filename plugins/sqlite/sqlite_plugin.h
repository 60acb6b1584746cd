/*
 * sqlite_plugin.h - internal interfaces of the sqlite source plugin, shared
 * by its files:
 *
 *   sqlite_options.c  the per-source options of a report definition
 *   sqlite_prepare.c  what open() does: the database, the query, its
 *                     parameters and column types, the running statement
 *   sqlite_query.c    SQL text: the base query, the wrapper that applies
 *                     pushed-down filters, sort keys and projection, bind
 *                     values, declared types
 *   sqlite.c          the plugin: descriptor, config schema, source ops
 *
 * The exact text parsers (the csv and jsonl plugins' syntax), the `types`
 * option and the source-op helpers are in plugins/support (compiled in:
 * plugin.mk sets sqlite_SUPPORT).
 *
 * Nothing here is part of the plugin ABI. The plugin links libsqlite3 and no
 * kernel symbol.
 */
#ifndef QUIRE_SQLITE_PLUGIN_H
#define QUIRE_SQLITE_PLUGIN_H

#include <stddef.h>
#include <stdint.h>

#include <sqlite3.h>

#include <quire/source.h>

#include "support_options.h"
#include "support_source.h"
#include "support_value.h"

/* ============================== Options (sqlite_options.c) ================ */

/* One bind_NAME option: the value for parameter :NAME (or @NAME, $NAME). */
typedef struct sqlp_bind {
    const char *name; /* NAME, points into the option's key */
    const quire_option *option;
    int used; /* the query has the parameter */
} sqlp_bind;

/* A source's options, parsed and checked. Strings are owned copies unless
 * said otherwise. */
typedef struct sqlp_options {
    char *database; /* as written */
    const quire_option *database_option;
    char *query;                    /* NULL if table is set */
    char *table;                    /* NULL if query is set */
    const quire_option *sql_option; /* where query or table was written */
    sqlp_bind *binds;
    size_t nbinds;
    support_type_override *types;
    size_t ntypes;
    const quire_option *types_option;
    int64_t infer_rows;
    int skip_bad_rows; /* on_error = skip */
    int estimate;      /* estimate = yes: count the rows for progress */
    int64_t busy_timeout_ms;
} sqlp_options;

/* The option names, for messages. */
extern const char sqlp_option_names[];

/* Parses args->options into *opts (zeroed first); `default_infer_rows` is
 * the admin's. On failure fills *err (QUIRE_E_INVALID, naming the option's
 * location) and returns QUIRE_ERR; *opts then needs no freeing. On success
 * the caller frees with sqlp_options_free(). The options array must outlive
 * *opts (binds point into it). */
int sqlp_options_parse(const quire_host *host, const quire_source_args *args,
                       int64_t default_infer_rows, sqlp_options *opts, quire_error *err);

void sqlp_options_free(const quire_host *host, sqlp_options *opts);

/* ============================== SQL text (sqlite_query.c) ================= */

/* A growing string (host memory). `failed` is set once an append could not
 * grow it; the text is then incomplete and must not be used. */
typedef struct sqlp_text {
    const quire_host *host;
    char *s;
    size_t len, cap;
    int failed;
} sqlp_text;

void sqlp_text_append(sqlp_text *t, const char *s, size_t n);
void sqlp_text_puts(sqlp_text *t, const char *s);
/* Appends `name` as an SQL identifier: "name" with " doubled. */
void sqlp_text_ident(sqlp_text *t, const char *name);
void sqlp_text_free(sqlp_text *t);

/* The column type for a declared type (sqlite3_column_decltype), by
 * SQLite's own affinity rules plus the names quire knows: BOOL*, DATE,
 * DATETIME / TIMESTAMP*, DECIMAL(p,s) / NUMERIC(p,s) -> decimal(s), *INT*
 * -> int, *CHAR* / *CLOB* / *TEXT* -> string, *REAL* / *FLOA* / *DOUB* ->
 * float. Returns 1 and sets *type, *scale; 0 if the declared type says
 * nothing (NULL, BLOB, NUMERIC without digits, unknown): infer it. */
int sqlp_decltype_type(const char *decltype, uint32_t *type, int32_t *scale);

/* What a bind value binds as: an integer without leading zeros that fits
 * int64 -> SQLP_BIND_INT; another decimal number (with a point or an
 * exponent) -> SQLP_BIND_FLOAT; anything else -> SQLP_BIND_TEXT. */
#define SQLP_BIND_INT   1
#define SQLP_BIND_FLOAT 2
#define SQLP_BIND_TEXT  3
int sqlp_bind_kind(const char *value, int64_t *i64, double *f64);

/* A value a pushed-down predicate binds (at ?index in the wrapper). */
typedef struct sqlp_arg {
    int kind; /* SQLP_BIND_* */
    int64_t i64;
    double f64;
    char text[16]; /* dates as YYYY-MM-DD; other strings point elsewhere */
    const char *str;
    size_t len;
} sqlp_arg;

/* What the wrapper around the base query applies. */
typedef struct sqlp_wrap {
    const quire_column_info *columns; /* the schema */
    size_t ncolumns;
    const uint8_t *needed;      /* NULL, or 0: select NULL for the column */
    const quire_sort_key *sort; /* NULL unless every key is pushable */
    size_t nsort;
    const quire_predicate *filter; /* those sqlp_filter_pushable() took */
    size_t nfilter;
    int first_arg; /* ?NNN numbering starts here (after the query's own) */
    int count;     /* SELECT count(*) instead of the columns (no sort) */
} sqlp_wrap;

/* The schema column named `name`, or -1. */
int sqlp_column_index(const quire_column_info *columns, size_t ncolumns, const char *name);

/* 1 if the key can be pushed down exactly: its column is in the schema and
 * of a type whose SQL order is the kernel's (not timestamp). */
int sqlp_sort_pushable(const quire_column_info *columns, size_t ncolumns,
                       const quire_sort_key *key);

/* 1 if the predicate can be pushed down without dropping a row the kernel
 * would keep: its column is in the schema, its value has the column's type,
 * and the type and operator have a safe SQL form. */
int sqlp_filter_pushable(const quire_column_info *columns, size_t ncolumns,
                         const quire_predicate *pred);

/* Builds "SELECT list FROM (\nbase\n) WHERE ... ORDER BY ..." into *out and
 * the values its ?NNN parameters take into args[] (nfilter * 2 entries at
 * most; *nargs set). Returns 0, or -1 if memory ran out. */
int sqlp_wrap_sql(const char *base, size_t base_len, const sqlp_wrap *wrap, sqlp_text *out,
                  sqlp_arg *args, size_t *nargs);

/* ============================== Plugin glue (sqlite.c) ==================== */

/* The plugin state built by init() from the admin's [source.sqlite]. */
typedef struct sqlp_plugin {
    const quire_host *host;
    quire_plugin *self;
    int64_t infer_rows;
} sqlp_plugin;

/* ============================== Instance (sqlite.c, sqlite_prepare.c) ===== */

/* Where a column's type came from. */
#define SQLP_TYPE_INFERRED 0
#define SQLP_TYPE_DECLARED 1
#define SQLP_TYPE_OVERRIDE 2

/* Storage classes seen in a column's sample rows (inference). */
typedef struct sqlp_seen {
    uint64_t ints, reals, texts, blobs;
    unsigned text_fits; /* SQLP_FITS_* true of every text */
} sqlp_seen;

#define SQLP_FITS_DATE      1u
#define SQLP_FITS_TIMESTAMP 2u

typedef struct sqlp_column {
    uint32_t type;
    int32_t scale;
    int from;       /* SQLP_TYPE_* */
    char *decltype; /* as declared, owned; NULL if none */
    sqlp_seen seen;
} sqlp_column;

/* A parameter of the query and the bind_NAME option that gives its value. */
typedef struct sqlp_param {
    char *name; /* ":x", "@x" or "$x", owned */
    const sqlp_bind *bind;
} sqlp_param;

/* One open source: the plugin's instance, owned by open() until close(). */
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

/* ============================== Setup (sqlite_prepare.c) ================== */

/* "WHERE: sqlite: query: SQLITE'S MESSAGE" into *err (WHERE: where the
 * query or table option was written); returns QUIRE_ERR. */
int sqlp_sql_error(const sqlp_source *src, int code, quire_error *err);

/* Everything open() does after parsing the options: opens the database,
 * prepares and checks the query, types the columns (src->columns and
 * src->cols), takes the pushdown args->sort and args->filter allow, and
 * prepares src->stmt. Returns QUIRE_OK, or QUIRE_ERR with *err; either way
 * the caller frees src (sqlite.c's close). */
int sqlp_setup(sqlp_source *src, const quire_source_args *args, quire_error *err);

/* Prepares `sql` (len bytes) into *stmt, *tail after its first statement
 * (tail may be NULL). On failure fills *err with SQLite's message. */
int sqlp_prepare(sqlp_source *src, const char *sql, size_t len, sqlite3_stmt **stmt,
                 const char **tail, quire_error *err);

/* Binds the bind_NAME values, and the wrapper's nargs arguments (numbered
 * from first_arg), to `stmt`. Returns SQLite's code. */
int sqlp_bind_all(sqlp_source *src, sqlite3_stmt *stmt, const sqlp_arg *args, size_t nargs,
                  int first_arg);

/* Prepares and binds the statement that runs: the query, or the wrapper
 * applying src's sort and filter and, if `needed` is not NULL, selecting
 * NULL for the columns it marks 0. QUIRE_OK with *out (the caller
 * finalizes it), or QUIRE_ERR with *err. */
int sqlp_prepare_run(sqlp_source *src, const uint8_t *needed, sqlite3_stmt **out, quire_error *err);

/* Inference: counts the storage class of cell c of the current row. */
void sqlp_seen_add(sqlp_seen *seen, sqlite3_stmt *stmt, int c);

/* The type the storage classes seen say: integers only -> int; numbers ->
 * float; texts that are all dates -> date, dates and timestamps ->
 * timestamp; anything else (or nothing) -> string. */
uint32_t sqlp_seen_type(const sqlp_seen *seen);

#endif /* QUIRE_SQLITE_PLUGIN_H */
