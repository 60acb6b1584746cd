/*
 * config.h - the configuration file: parsing the text, and validating one
 * section against a schema (the kernel's own or a plugin's).
 *
 * Two stages, so that every problem is reported:
 *   1. conf_file_parse() reads the text into sections of `key = value`
 *      entries, remembering each one's line. Syntax errors only.
 *   2. config_build() takes one section and a schema (quire_config_key[]),
 *      applies defaults, the file's entries and QUIRE_<SECTION>_<KEY>
 *      environment overrides, and checks types, ranges, enums, required
 *      keys and unknown keys. The result is a quire_config, the opaque type
 *      plugins read through quire_host.config_*().
 * Both append one line per problem to a diag list and keep going.
 *
 * Message formats (stable; tests and admins grep for them):
 *   FILE:LINE: expected '[section]' or 'key = value'
 *   FILE:LINE: [SECTION] unknown key 'K'; allowed keys: a, b, c
 *   FILE:LINE: [SECTION] K: 'V' is not a valid TYPE (HINT)
 *   FILE:LINE: [SECTION] K: V is below the minimum MIN
 *   FILE:LINE: [SECTION] K: V is above the maximum MAX
 *   FILE:LINE: [SECTION] K: 'V' is not one of a, b, c
 *   FILE:LINE: [SECTION] missing required key 'K'
 *   environment QUIRE_S_K: [SECTION] K: ...       (for overrides)
 */
#ifndef QUIRE_CONFIG_H
#define QUIRE_CONFIG_H

#include <stddef.h>
#include <stdint.h>

#include <quire/plugin.h>

#include "diag.h"

/* ============================== Parsed file =============================== */

typedef struct conf_entry {
    char *key;   /* as written, lower case [a-z0-9_]+ */
    char *value; /* unquoted, escapes resolved, surrounding blanks trimmed */
    int line;
} conf_entry;

typedef struct conf_section {
    char *name; /* "kernel", "renderer.pdf" */
    int line;   /* line of the [header] */
    conf_entry *entries;
    size_t count;
    int used;   /* set by the kernel when a schema consumed the section */
} conf_section;

typedef struct conf_file {
    char *path; /* as given (for messages) */
    char *dir;  /* directory of path: relative PATH values resolve against it */
    conf_section *sections;
    size_t count;
} conf_file;

/* Reads and parses the file at `path`. On success *out is a new conf_file
 * the caller frees with conf_file_free(). Every syntax error is appended to
 * `d`; returns QUIRE_ERR if there was any (or the file cannot be read:
 * "FILE: cannot read: REASON"), and *out is then NULL. */
int conf_file_parse(const char *path, conf_file **out, diag *d);

/* Same, from memory: `name` is used in messages and its directory for
 * relative paths. `text` need not be NUL-terminated. */
int conf_file_parse_text(const char *name, const char *text, size_t len, conf_file **out,
                         diag *d);

/* Returns the section called `name`, or NULL. */
conf_section *conf_file_section(const conf_file *file, const char *name);

/* Frees a conf_file. NULL is a no-op. */
void conf_file_free(conf_file *file);

/* ============================== Schemas =================================== */

/* Checks a schema declared by `owner` (e.g. "plugin build/plugins/x.so"):
 * names valid and unique, known types, enum choices present, defaults and
 * bounds parse as the key's type, min <= max, default within bounds,
 * REQUIRED keys without defaults. `key_size` is the stride of the array
 * (the plugin's sizeof(quire_config_key)); fields beyond it read as zero.
 * Errors: "OWNER: config schema key 'K': PROBLEM". Returns QUIRE_OK or
 * QUIRE_ERR. On success *out_count is the number of keys. */
int conf_schema_check(const quire_config_key *schema, size_t key_size, const char *owner,
                      size_t *out_count, diag *d);

/* Name of a QUIRE_CONF_* type ("int", "size", ...), or "unknown". */
const char *conf_type_name(uint32_t type);

/* ============================== Values ==================================== */

/* One typed value. */
typedef struct conf_value {
    uint32_t type;
    char *text;     /* the text it was parsed from (canonical for PATH) */
    int64_t i;      /* INT; SIZE in bytes; DURATION in ms; BOOL 0/1 */
    double f;       /* FLOAT */
    char **list;    /* LIST items */
    size_t nlist;
} conf_value;

/* Parses `text` as `type` into *out (owning copies). For ENUM, `choices`
 * is "a|b|c". For PATH, relative text is resolved against `base_dir`.
 * On failure writes the reason into why[why_len] without FILE/KEY
 * context, e.g. "'12x' is not a valid size (e.g. 512, 64kb, 16mb)",
 * and returns QUIRE_ERR. Free with conf_value_clear(). */
int conf_value_parse(uint32_t type, const char *text, const char *choices, const char *base_dir,
                     conf_value *out, char *why, size_t why_len);

void conf_value_clear(conf_value *value);

/* ============================== Validated sections ======================= */

/* Builds the validated configuration of section `section_name` from `file`
 * (which may be NULL: defaults and environment only) against `schema` of
 * `nkeys` keys (already checked by conf_schema_check, packed with stride
 * sizeof(quire_config_key)). Environment variables
 * QUIRE_<SECTION>_<KEY> (section and key upper-cased, '.' and '-' as '_')
 * override the file. Marks the section used. Appends every problem to `d`
 * and returns QUIRE_ERR if any; *out is then NULL. The caller frees *out
 * with config_free(). The schema must outlive the config. */
int config_build(const conf_file *file, const char *section_name,
                 const quire_config_key *schema, size_t nkeys, quire_config **out, diag *d);

void config_free(quire_config *config);

/* The value of `key`, or NULL if the schema has no such key or the key is
 * unset with no default. *is_set (if not NULL) is 1 when the admin set it. */
const conf_value *config_value(const quire_config *config, const char *key, int *is_set);

/* Accessors behind quire_host.config_*(). Unknown or unset keys read as
 * 0/NULL. */
const char *config_get_string(const quire_config *config, const char *key);
int64_t config_get_int(const quire_config *config, const char *key);
double config_get_float(const quire_config *config, const char *key);
int config_get_bool(const quire_config *config, const char *key);
size_t config_list_count(const quire_config *config, const char *key);
const char *config_list_item(const quire_config *config, const char *key, size_t index);
int config_is_set(const quire_config *config, const char *key);

/* The environment variable that overrides `key` of `section`:
 * "QUIRE_" + upper(section) + "_" + upper(key), '.' and '-' as '_'.
 * malloc'd (the caller frees); NULL on allocation failure. */
char *config_env_name(const char *section, const char *key);

/* 1 if `key` is in the schema the config was built from. */
int config_has_key(const quire_config *config, const char *key);

/* Where the value of `key` came from: "FILE:LINE", "environment NAME" or
 * "default". Owned by the config. NULL if the schema has no such key or
 * the key has no value (unset, no default). */
const char *config_origin(const quire_config *config, const char *key);

/* The section name the config was built for. */
const char *config_section(const quire_config *config);

/* ============================== Shared by kernel/conf_*.c ================ */

/* Limits of the text format (see docs/configuration.md). */
#define CONF_FILE_MAX   ((size_t)16 * 1024 * 1024) /* bytes in one file */
#define CONF_LINE_MAX   ((size_t)65536)            /* bytes in one line */
#define CONF_SCHEMA_MAX 256                        /* keys in one schema */

/* 1 if s[0..len) is a valid key name, [a-z][a-z0-9_]*; 0 otherwise. */
int conf_name_valid(const char *s, size_t len);

/* Copies `text` into buf[len] for a one-line message: control bytes are
 * escaped (\n, \t, \xNN) and text longer than 60 bytes is cut with "...".
 * Returns buf. `len` should be at least CONF_SHOW_MAX. */
#define CONF_SHOW_MAX 256
const char *conf_show(const char *text, char *buf, size_t len);

/* Checks `value` (already parsed as key->type) against key->min and
 * key->max, which are parsed as the same type; a bound that does not parse
 * is ignored (conf_schema_check reports it). On failure writes
 * "SHOWN is below the minimum MIN" or "SHOWN is above the maximum MAX"
 * (SHOWN as given, the bound as written in the schema) into why[why_len]
 * and returns QUIRE_ERR. Only INT, FLOAT, SIZE and DURATION have bounds;
 * other types always pass. */
int conf_value_check_bounds(const quire_config_key *key, const conf_value *value, const char *shown,
                            char *why, size_t why_len);

#endif /* QUIRE_CONFIG_H */
