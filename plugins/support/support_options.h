/*
 * support_options.h - the per-source options of a report definition, as the
 * source plugins (csv, jsonl, sqlite) read them: where an option was
 * written, the words and numbers options take, the errors every plugin
 * gives in the same words (support_options.c), and the `types` option,
 * "name:type, name:type", with its matching against the columns
 * (support_types.c).
 *
 * Every message starts with where the option was written and the plugin's
 * name ("report.qr:3:5: csv: ..."); `plugin` is that name. Memory comes
 * from the host table.
 */
#ifndef QUIRE_SUPPORT_OPTIONS_H
#define QUIRE_SUPPORT_OPTIONS_H

#include <stddef.h>
#include <stdint.h>

#include <quire/source.h>

#include "support_value.h"

/* infer_rows: the largest sample a source may ask for. */
#define SUPPORT_INFER_ROWS_MAX 1000000

/* ============================== Options (support_options.c) =============== */

/* Formats where an option was written into buf[len]: "FILE:LINE:COL", or
 * "FILE argument COL" when LINE is 0 (command lines), or "FILE" ("options"
 * when the file is NULL). Returns buf. */
const char *support_option_where(const quire_option *option, char *buf, size_t len);

/* The index of option->key (NULL reads as "") in keys[0..nkeys), or -1 if
 * it is none of them. */
int support_option_find(const quire_option *option, const char *const *keys, int nkeys);

/* Fills *err with "WHERE: PLUGIN: unknown option 'KEY'; allowed: NAMES"
 * (QUIRE_E_INVALID) and returns QUIRE_ERR. */
int support_option_unknown(const quire_host *host, const char *plugin, const quire_option *option,
                           const char *names, quire_error *err);

/* Fills *err with "WHERE: PLUGIN: option 'KEY' is given twice (first at
 * FIRST'S WHERE)" (QUIRE_E_INVALID) and returns QUIRE_ERR. */
int support_option_twice(const quire_host *host, const char *plugin, const quire_option *option,
                         const quire_option *first, quire_error *err);

/* Parses one option, option->key being keys[id] of support_options_each;
 * `opts` is the plugin's options struct. QUIRE_OK, or QUIRE_ERR with *err. */
typedef int (*support_option_fn)(const quire_host *host, int id, const quire_option *option,
                                 void *opts, quire_error *err);

/* Goes through args->options in order: each key must be one of
 * keys[0..nkeys) (else support_option_unknown, listing `names`) and given
 * once (else support_option_twice); seen[id] (nkeys entries, NULL at the
 * start) records where it was written, then parse() reads it. Returns
 * QUIRE_OK, or QUIRE_ERR with *err at the first failure. */
int support_options_each(const quire_host *host, const char *plugin, const quire_source_args *args,
                         const char *const *keys, int nkeys, const char *names,
                         const quire_option **seen, support_option_fn parse, void *opts,
                         quire_error *err);

/* Fills *err with "WHERE: PLUGIN: KEY: 'VALUE' WHY" (QUIRE_E_INVALID; the
 * value shown on one line, NULL as "") and returns QUIRE_ERR. */
int support_option_bad(const quire_host *host, const char *plugin, const quire_option *option,
                       const char *why, quire_error *err);

/* Fills *err with "PLUGIN: source 'NAME': WHAT", or "PLUGIN: WHAT" when
 * args has no source name (QUIRE_E_INVALID), and returns QUIRE_ERR. For an
 * option the source cannot do without ("missing option 'path' (...)"). */
int support_option_missing(const quire_host *host, const char *plugin,
                           const quire_source_args *args, const char *what, quire_error *err);

/* Fills *err with "PLUGIN: out of memory WHAT" (QUIRE_E_NOMEM) and returns
 * QUIRE_ERR. */
int support_fail_nomem(const quire_host *host, const char *plugin, const char *what,
                       quire_error *err);

/* yes/no in the words the config file accepts (yes, true, on, 1 / no,
 * false, off, 0): 1 or 0, or -1 if v is neither. */
int support_parse_yes_no(const char *v);

/* v as a whole number in [min, max] (digits only, no sign): 0 with *out
 * set, or -1. */
int support_parse_count(const char *v, int64_t min, int64_t max, int64_t *out);

/* infer_rows = N (1..SUPPORT_INFER_ROWS_MAX) into *out; else "WHERE:
 * PLUGIN: infer_rows: 'V' is not a whole number from 1 to 1000000". */
int support_option_infer_rows(const quire_host *host, const char *plugin,
                              const quire_option *option, int64_t *out, quire_error *err);

/* on_error = fail|skip: *skip 0 or 1; else "WHERE: PLUGIN: on_error: 'V'
 * is not fail or skip". */
int support_option_on_error(const quire_host *host, const char *plugin, const quire_option *option,
                            int *skip, quire_error *err);

/* 1 for a blank inside an option value: space or tab. */
int support_is_blank(char c);

/* Trims blanks around s[0..*n): returns the new start, *n the new length. */
const char *support_trim(const char *s, size_t *n);

/* Items in the comma-separated list v: its commas plus one (an upper bound
 * of the non-empty items, for sizing an array). */
size_t support_count_items(const char *v);

/* A host-allocated NUL-terminated copy of s[0..n), or NULL if memory ran
 * out. The caller frees it with host->free. */
char *support_strndup(const quire_host *host, const char *s, size_t n);

/* ============================== types (support_types.c) =================== */

/* A column type set by the `types` option. */
typedef struct support_type_override {
    char *name;    /* column name, owned */
    uint32_t type; /* QUIRE_TYPE_* */
    int32_t scale;
    int used; /* matched a column */
} support_type_override;

/* Parses a `types` option, "name:type, name:type" (types as `bool, int,
 * decimal(SCALE), float, string, date, timestamp`; blanks around names and
 * types ignored, empty items skipped, the last ':' splits an item), into a
 * host-allocated array *out of *count entries. Returns QUIRE_OK, or
 * QUIRE_ERR with *err: "WHERE: PLUGIN: types: ..." (QUIRE_E_INVALID) or
 * QUIRE_E_NOMEM. Either way the caller frees *out with
 * support_types_free() (*out may be NULL). */
int support_types_parse(const quire_host *host, const char *plugin, const quire_option *option,
                        support_type_override **out, size_t *count, quire_error *err);

/* Frees types[0..count) and their names. NULL is a no-op. */
void support_types_free(const quire_host *host, support_type_override *types, size_t count);

/* If an override names column `name`: marks it used, sets *type and *scale
 * from it and returns 1; else returns 0 and leaves them alone. */
int support_types_lookup(support_type_override *types, size_t count, const char *name,
                         uint32_t *type, int32_t *scale);

/* QUIRE_OK if every override matched a column (support_types_lookup), else
 * fills *err for the first that did not: "WHERE: PLUGIN: types: no column
 * 'NAME' in IN (columns: C1, C2, ...)" (QUIRE_E_INVALID; WHERE is where
 * `option` was written, IN the input, the list cut at about 320 bytes) and
 * returns QUIRE_ERR. */
int support_types_check_used(const quire_host *host, const char *plugin,
                             const support_type_override *types, size_t count,
                             const quire_option *option, const char *in,
                             const quire_column_info *columns, size_t ncolumns, quire_error *err);

/* Applies the overrides to the columns of a source that infers types
 * (support_column): a column an override names takes its type and is
 * `overridden`. Then as support_types_check_used(). */
int support_types_apply(const quire_host *host, const char *plugin, support_type_override *types,
                        size_t count, const quire_option *option, const char *in,
                        const quire_column_info *columns, support_column *cols, size_t ncolumns,
                        quire_error *err);

#endif /* QUIRE_SUPPORT_OPTIONS_H */
