/*
 * json.h - strict RFC 8259 JSON for the REST API: a parser that builds a tree
 * in an arena, typed getters whose errors are ready to send to a client, and
 * a writer (jbuf) that manages commas and always produces valid JSON.
 *
 * Parser rules beyond the RFC: nesting deeper than JSON_MAX_DEPTH, duplicate
 * object keys, lone surrogate escapes, invalid UTF-8 and numbers that
 * overflow a double are refused. Text is taken as bytes with a length, so
 * NUL bytes in the input are errors rather than the end.
 */
#ifndef QUIRE_JSON_H
#define QUIRE_JSON_H

#include <stddef.h>
#include <stdint.h>

#include "arena.h"
#include <quire/common.h>

/* Containers nested deeper than this are refused by the parser and by jbuf. */
#define JSON_MAX_DEPTH 64

/* ============================== Tree ====================================== */

typedef enum json_type {
    JSON_NULL,
    JSON_BOOL,
    JSON_NUMBER,
    JSON_STRING,
    JSON_ARRAY,
    JSON_OBJECT
} json_type;

typedef struct json_value json_value;

/* One object member. `key` is decoded UTF-8, NUL-terminated, and may hold
 * NUL bytes (from \u0000): key_len is authoritative. */
typedef struct json_member {
    const char *key;
    size_t key_len;
    json_value *value;
} json_member;

/*
 * One parsed value; everything it points to lives in the parser's arena.
 *   JSON_BOOL    boolean is 0 or 1.
 *   JSON_NUMBER  number is the value (correctly rounded); str/len is the
 *                original text. is_integer is 1 when the text has no fraction
 *                or exponent and |value| <= 2^53, and then integer holds it
 *                exactly ("-0" is an integer, 0). Larger integers keep
 *                is_integer 0: use the text.
 *   JSON_STRING  str/len is the decoded UTF-8, NUL-terminated (len is
 *                authoritative: \u0000 decodes to a NUL byte).
 *   JSON_ARRAY   items[0..count).
 *   JSON_OBJECT  members[0..count) in document order, keys unique.
 */
struct json_value {
    json_type type;
    int boolean;
    int is_integer;
    double number;
    int64_t integer;
    const char *str;
    size_t len;
    size_t count;
    json_value **items;
    json_member *members;
};

/* A parse error. msg is complete and starts with the position, e.g.
 * "line 1, column 14: expected ':' after object key \"format\"". line and
 * column are 1-based; column counts characters (UTF-8 sequences), offset is
 * the byte offset of the error. */
typedef struct json_error {
    int line, column;
    size_t offset;
    char msg[160];
} json_error;

/* Parses exactly one JSON text of `len` bytes (blanks around it allowed).
 * The tree is allocated in `a` and lives as long as the arena. Returns NULL
 * with *e filled on a syntax error or on allocation failure ("out of
 * memory"). `e` may be NULL. */
json_value *json_parse(quire_arena *a, const char *text, size_t len, json_error *e);

/* The member `key` of object `obj`, or NULL when obj is NULL, not an object
 * or has no such key. Linear in the member count. */
const json_value *json_get(const json_value *obj, const char *key);

/* Item i of array `arr`, or NULL when arr is not an array or i is out of
 * range. */
const json_value *json_index(const json_value *arr, size_t i);

/* "null", "boolean", "number", "string", "array" or "object" (static). */
const char *json_type_name(json_type t);

/* Deep equality: same types, equal numbers (by value), equal strings and
 * keys (by bytes), objects equal member by member in the same order. */
int json_equal(const json_value *a, const json_value *b);

/* ============================== Typed getters ============================= */

/*
 * Read field `key` of object `obj` (a request body). Each returns 1 when the
 * field is present and has the right type (result in *out), 0 when it is
 * absent or null and `required` is 0 (*out untouched), -1 otherwise with err
 * set (QUIRE_E_INVALID) to one of:
 *   field "KEY" is required
 *   field "KEY": expected a string, got a number
 *   field "KEY": expected an integer, got 1.5          (json_get_int)
 *   field "KEY": integer 99999999999999999999 is out of range
 *   expected an object, got an array                   (obj is not an object)
 * Strings point into the tree (NUL-terminated; *len may be NULL).
 * json_get_int accepts numbers whose is_integer is set.
 */
int json_get_str(const json_value *obj, const char *key, int required, const char **out,
                 size_t *len, quire_error *err);
int json_get_int(const json_value *obj, const char *key, int required, int64_t *out,
                 quire_error *err);
int json_get_num(const json_value *obj, const char *key, int required, double *out,
                 quire_error *err);
int json_get_bool(const json_value *obj, const char *key, int required, int *out, quire_error *err);
/* An object or array field: `type` is JSON_OBJECT or JSON_ARRAY. */
int json_get_typed(const json_value *obj, const char *key, json_type type, int required,
                   const json_value **out, quire_error *err);

/* Length of the valid UTF-8 sequence at s[0..avail) (s[0] >= 0x80), or 0
 * for an invalid, overlong, surrogate or truncated one. The parser refuses
 * what gives 0; the writer replaces it with U+FFFD. */
size_t json_utf8_len(const unsigned char *s, size_t avail);

/* ============================== Writer ==================================== */

/*
 * A growable byte buffer plus the state of a JSON builder. Allocation
 * failures (and builder misuse: nesting deeper than JSON_MAX_DEPTH) only set
 * `failed`; every call after that does nothing, so callers check once at the
 * end with jbuf_failed(). data is always NUL-terminated when not NULL.
 * Initialise with jbuf_init() (or zero it); owner frees with jbuf_free().
 */
typedef struct jbuf {
    char *data;
    size_t len, cap;
    int failed;
    int depth;      /* open containers */
    int after_key;  /* the next value completes a member */
    uint64_t objs;  /* bit d-1: the container at depth d is an object */
    uint64_t items; /* bit d-1: the container at depth d has a value already */
} jbuf;

void jbuf_init(jbuf *b);
/* Frees the bytes; the buffer is empty and usable again. */
void jbuf_free(jbuf *b);
/* Empties the buffer (keeps its memory) and the builder state and clears
 * `failed`. */
void jbuf_reset(jbuf *b);
/* 1 when an allocation failed or the builder was misused. */
int jbuf_failed(const jbuf *b);
/* Hands the bytes to the caller (free() them), NUL-terminated, length in
 * *len (may be NULL), and leaves b empty as after jbuf_init(). Returns NULL
 * (and frees the bytes) when the buffer failed. An empty buffer gives "". */
char *jbuf_detach(jbuf *b, size_t *len);
/* Appends raw bytes with no JSON logic (for SSE framing, headers...). */
void jbuf_put(jbuf *b, const char *s, size_t n);
/* Appends a NUL-terminated string with no JSON logic. */
void jbuf_puts(jbuf *b, const char *s);

/* Builder. A value inside an object must follow jb_key(); commas are
 * inserted as needed. Strings are escaped per RFC 8259 (", \, and control
 * characters; \b \f \n \r \t short forms, others \u00XX; "/" left alone),
 * and invalid UTF-8 is replaced by U+FFFD so the output is always valid. */
void jb_obj_begin(jbuf *b);
void jb_obj_end(jbuf *b);
void jb_arr_begin(jbuf *b);
void jb_arr_end(jbuf *b);
void jb_key(jbuf *b, const char *key);
void jb_keyn(jbuf *b, const char *key, size_t n);
void jb_str(jbuf *b, const char *s); /* NULL writes null */
void jb_strn(jbuf *b, const char *s, size_t n);
void jb_int(jbuf *b, int64_t v);
void jb_uint(jbuf *b, uint64_t v);
/* Shortest text that reads back as the same double; NaN and infinities
 * write null. */
void jb_double(jbuf *b, double v);
void jb_bool(jbuf *b, int v);
void jb_null(jbuf *b);
/* Already-encoded JSON text written as one value (not checked). */
void jb_raw(jbuf *b, const char *json, size_t n);
/* Writes a parsed tree (numbers as their original text). */
void jb_value(jbuf *b, const json_value *v);

#endif /* QUIRE_JSON_H */
