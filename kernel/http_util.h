/*
 * http_util.h - request helpers for the REST API, on already-parsed HTTP
 * requests (no sockets here): query strings, percent-decoding, a path
 * router, Accept and Authorization headers, and Server-Sent Events framing.
 */
#ifndef QUIRE_HTTP_UTIL_H
#define QUIRE_HTTP_UTIL_H

#include <stddef.h>
#include <stdint.h>

#include <quire/common.h>

#include "arena.h"
#include "json.h"

/* ============================== Percent-decoding ========================== */

/* Decodes %XX escapes (hex digits of either case) of s[0..len) into the
 * arena; with plus_space, '+' becomes a space (query strings). The result is
 * NUL-terminated, its length in *out_len (may be NULL). Returns NULL on a
 * bad escape (a '%' not followed by two hex digits), on %00 (a NUL would cut
 * the value short) and on allocation failure; *bad_at (may be NULL) is then
 * the offset of the '%' in s, or len for allocation failure. */
char *http_pct_decode(quire_arena *a, const char *s, size_t len, int plus_space, size_t *out_len,
                      size_t *bad_at);

/* ============================== Query strings ============================= */

typedef struct http_param {
    const char *name;  /* decoded, NUL-terminated */
    const char *value; /* decoded, NUL-terminated; "" for "c" and "c=" */
    size_t name_len, value_len;
} http_param;

typedef struct http_query {
    http_param *params; /* in order; a name may repeat */
    size_t count;
} http_query;

/* Parses "a=1&b=x%20y&c" (without the '?') into decoded pairs in the arena;
 * empty pieces ("a=1&&b") are skipped. On a bad escape returns -1 with err
 * (QUIRE_E_INVALID) "query parameter \"b\": bad percent-escape \"%zz\"" (the
 * raw name, and the escape as written, up to 3 bytes); on allocation
 * failure -1 with QUIRE_E_NOMEM. 0 on success. */
int http_query_parse(quire_arena *a, const char *qs, size_t len, http_query *out, quire_error *err);

/* Value of the first parameter called `name`, or NULL when absent. */
const char *http_query_get(const http_query *q, const char *name);

/* ============================== Router ==================================== */

#define HTTP_ROUTE_MAX_CAPS 8

typedef struct http_route_caps {
    size_t count;
    struct {
        const char *name; /* points into the pattern, not NUL-terminated */
        size_t name_len;
        const char *value; /* decoded, NUL-terminated, in the arena */
        size_t value_len;
    } cap[HTTP_ROUTE_MAX_CAPS];
} http_route_caps;

/*
 * Matches path[0..len) (no query string) against a pattern such as
 * "/v1/jobs/{id}/events": literal segments compare byte for byte, each
 * {name} captures one whole non-empty segment (never a '/'), which is
 * percent-decoded ('+' stays '+'). A trailing '/' must match the pattern's.
 * Returns 1 on a match (caps filled, may be NULL), 0 when the path does not
 * match, -1 when it matches but a capture has a bad escape or decodes to
 * something holding '/' (err set, QUIRE_E_INVALID: "path segment \"a%zz\":
 * bad percent-escape") or on allocation failure (QUIRE_E_NOMEM).
 */
int http_route_match(const char *pattern, const char *path, size_t len, quire_arena *a,
                     http_route_caps *caps, quire_error *err);

/* The capture called `name` of a match, or NULL. */
const char *http_route_get(const http_route_caps *caps, const char *name);

/* ============================== Headers =================================== */

/* 1 when an Accept header value accepts `media_type` ("application/json"):
 * it lists the type, its "type/ *" or "* / *" without q=0. A NULL or empty
 * header accepts everything. Case-insensitive. */
int http_accepts(const char *accept, const char *media_type);

/* Finds the token of an Authorization value "Bearer <token>": the scheme is
 * case-insensitive, blanks (space, tab) around it and the token are allowed.
 * Returns 0 with *tok pointing into `value` (not NUL-terminated) and
 * *tok_len, or -1 when value is NULL, another scheme, or the token is
 * empty or contains a blank. */
int http_bearer_token(const char *value, size_t len, const char **tok, size_t *tok_len);

/* 1 when a[0..alen) equals b[0..blen). The time taken depends only on the
 * lengths, never on where the bytes differ: pass the secret as b. */
int http_token_equal(const char *a, size_t alen, const char *b, size_t blen);

/* ============================== Server-Sent Events ======================== */

/* Appends one event to `out`: "id: ID\n" (when id is not NULL), "event:
 * EVENT\n" (when not NULL), one "data: LINE\n" per line of data (split at
 * \n, \r\n and \r; NULL data is one empty line), then "\n". Returns -1
 * without writing when id or event holds a CR or LF (it would end the
 * field), 0 otherwise (check jbuf_failed() for allocation failure). */
int sse_event(jbuf *out, const char *id, const char *event, const char *data);

#endif /* QUIRE_HTTP_UTIL_H */
