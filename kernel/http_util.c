/*
 * http_util.c - the request helpers of http_util.h: percent-decoding, query
 * strings, path routing, Accept and Authorization headers, Server-Sent
 * Events framing. Pure functions over bytes; the
 * sockets are the transport plugin's business.
 */
#include "http_util.h"

#include <string.h>
#include <strings.h>

#include "diag.h"

/* ============================== Percent-decoding ========================== */

static int hex_val(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

char *http_pct_decode(quire_arena *a, const char *s, size_t len, int plus_space, size_t *out_len,
                      size_t *bad_at)
{
    char *out = arena_alloc(a, len + 1), *o;
    size_t i;

    if (out == NULL) {
        if (bad_at != NULL)
            *bad_at = len;
        return NULL;
    }
    o = out;
    for (i = 0; i < len; i++) {
        if (s[i] == '%') {
            int hi = -1, lo = -1;
            if (len - i >= 3) {
                hi = hex_val(s[i + 1]);
                lo = hex_val(s[i + 2]);
            }
            if (hi < 0 || lo < 0 || (hi == 0 && lo == 0)) {
                if (bad_at != NULL)
                    *bad_at = i;
                return NULL;
            }
            *o++ = (char)(hi << 4 | lo);
            i += 2;
        } else if (s[i] == '+' && plus_space) {
            *o++ = ' ';
        } else {
            *o++ = s[i];
        }
    }
    *o = '\0';
    if (out_len != NULL)
        *out_len = (size_t)(o - out);
    return out;
}

/* ============================== Query strings ============================= */

int http_query_parse(quire_arena *a, const char *qs, size_t len, http_query *out, quire_error *err)
{
    const char *piece = qs, *eq, *val;
    size_t i, n = 1, start, bad, plen = 0, nlen = 0, vlen, off = 0;
    http_param *p;

    out->params = NULL;
    out->count = 0;
    if (len == 0)
        return 0;
    for (i = 0; i < len; i++)
        n += qs[i] == '&';
    out->params = arena_alloc(a, n * sizeof(*out->params));
    if (out->params == NULL)
        goto fail_nomem;
    for (start = 0; start <= len; start = i + 1) {
        piece = qs + start;
        for (i = start; i < len && qs[i] != '&'; i++)
            ;
        plen = i - start;
        if (plen == 0)
            continue;
        eq = memchr(piece, '=', plen);
        nlen = eq != NULL ? (size_t)(eq - piece) : plen;
        val = piece + nlen + (eq != NULL);
        vlen = plen - nlen - (eq != NULL);
        p = &out->params[out->count];
        p->name = http_pct_decode(a, piece, nlen, 1, &p->name_len, &bad);
        if (p->name == NULL) {
            if (bad == nlen)
                goto fail_nomem;
            off = bad;
            goto fail_bad_escape;
        }
        p->value = http_pct_decode(a, val, vlen, 1, &p->value_len, &bad);
        if (p->value == NULL) {
            if (bad == vlen)
                goto fail_nomem;
            off = (size_t)(val - piece) + bad;
            goto fail_bad_escape;
        }
        out->count++;
    }
    return 0;

fail_bad_escape:
    error_setf(err, QUIRE_E_INVALID, "query parameter \"%.*s\": bad percent-escape \"%.*s\"",
               (int)(nlen > 64 ? 64 : nlen), piece, (int)(plen - off < 3 ? plen - off : 3),
               piece + off);
    return -1;
fail_nomem:
    error_setf(err, QUIRE_E_NOMEM, "out of memory");
    return -1;
}

const char *http_query_get(const http_query *q, const char *name)
{
    size_t i, n = strlen(name);

    for (i = 0; i < q->count; i++)
        if (q->params[i].name_len == n && memcmp(q->params[i].name, name, n) == 0)
            return q->params[i].value;
    return NULL;
}

/* ============================== Router ==================================== */

int http_route_match(const char *pattern, const char *path, size_t len, quire_arena *a,
                     http_route_caps *caps, quire_error *err)
{
    const char *pp = pattern, *s = path, *end = path + len;
    http_route_caps local;

    if (caps == NULL)
        caps = &local;
    caps->count = 0;
    /* Pass one: structure only, so that a path that does not match costs
     * no allocation and never reports an escape error. */
    while (*pp != '\0') {
        if (*pp == '{') {
            const char *close = strchr(pp, '}');
            const char *seg = s;
            if (close == NULL || caps->count == HTTP_ROUTE_MAX_CAPS)
                return 0; /* a malformed pattern matches nothing */
            while (s < end && *s != '/')
                s++;
            if (s == seg)
                return 0;
            caps->cap[caps->count].name = pp + 1;
            caps->cap[caps->count].name_len = (size_t)(close - pp - 1);
            caps->cap[caps->count].value = seg; /* raw for now */
            caps->cap[caps->count].value_len = (size_t)(s - seg);
            caps->count++;
            pp = close + 1;
        } else {
            if (s >= end || *s != *pp)
                return 0;
            s++;
            pp++;
        }
    }
    if (s != end)
        return 0;
    /* Pass two: decode the captures. */
    for (size_t i = 0; i < caps->count; i++) {
        const char *raw = caps->cap[i].value;
        size_t raw_len = caps->cap[i].value_len, bad;
        char *dec = http_pct_decode(a, raw, raw_len, 0, &caps->cap[i].value_len, &bad);
        if (dec == NULL && bad == raw_len) {
            error_setf(err, QUIRE_E_NOMEM, "out of memory");
            return -1;
        }
        if (dec == NULL || memchr(dec, '/', caps->cap[i].value_len) != NULL) {
            error_setf(err, QUIRE_E_INVALID, "path segment \"%.*s\": bad percent-escape",
                       (int)(raw_len > 64 ? 64 : raw_len), raw);
            return -1;
        }
        caps->cap[i].value = dec;
    }
    return 1;
}

const char *http_route_get(const http_route_caps *caps, const char *name)
{
    size_t i, n = strlen(name);

    for (i = 0; i < caps->count; i++)
        if (caps->cap[i].name_len == n && memcmp(caps->cap[i].name, name, n) == 0)
            return caps->cap[i].value;
    return NULL;
}

/* ============================== Headers =================================== */

static int is_blank(char c)
{
    return c == ' ' || c == '\t';
}

/* Trims blanks off both ends of s[0..*n). */
static const char *trim(const char *s, size_t *n)
{
    while (*n > 0 && is_blank(*s)) {
        s++;
        (*n)--;
    }
    while (*n > 0 && is_blank(s[*n - 1]))
        (*n)--;
    return s;
}

/* 1 when the media range r[0..n) ("text/html", "text/ *", "* / *") covers
 * media type `want`. */
static int range_covers(const char *r, size_t n, const char *want)
{
    const char *slash = strchr(want, '/');
    size_t type_len = slash != NULL ? (size_t)(slash - want) : strlen(want);

    if (n == 3 && memcmp(r, "*/*", 3) == 0)
        return 1;
    if (n == type_len + 2 && strncasecmp(r, want, type_len) == 0 && r[type_len] == '/' &&
        r[type_len + 1] == '*')
        return 1;
    return n == strlen(want) && strncasecmp(r, want, n) == 0;
}

/* 1 when the parameters p[0..n) (after the range's first ';') hold q=0,
 * q=0.0, q=0.00 or q=0.000. */
static int has_q_zero(const char *p, size_t n)
{
    while (n > 0) {
        const char *semi = memchr(p, ';', n);
        size_t plen = semi != NULL ? (size_t)(semi - p) : n, t = plen;
        const char *param = trim(p, &t);
        if (t >= 2 && (param[0] == 'q' || param[0] == 'Q') && param[1] == '=') {
            size_t i = 2;
            if (i < t && param[i] == '0') {
                i++;
                if (i < t && param[i] == '.')
                    for (i++; i < t && param[i] == '0'; i++)
                        ;
                if (i == t)
                    return 1;
            }
        }
        if (semi == NULL)
            break;
        n -= plen + 1;
        p = semi + 1;
    }
    return 0;
}

int http_accepts(const char *accept, const char *media_type)
{
    const char *p = accept;

    if (accept == NULL)
        return 1;
    while (is_blank(*p))
        p++;
    if (*p == '\0')
        return 1;
    while (*p != '\0') {
        const char *comma = strchr(p, ',');
        size_t n = comma != NULL ? (size_t)(comma - p) : strlen(p), rlen;
        const char *semi = memchr(p, ';', n), *range;
        rlen = semi != NULL ? (size_t)(semi - p) : n;
        range = trim(p, &rlen);
        if (range_covers(range, rlen, media_type) &&
            !(semi != NULL && has_q_zero(semi + 1, (size_t)(p + n - semi - 1))))
            return 1;
        if (comma == NULL)
            break;
        p = comma + 1;
    }
    return 0;
}

int http_bearer_token(const char *value, size_t len, const char **tok, size_t *tok_len)
{
    const char *s;
    size_t n = len, i;

    if (value == NULL)
        return -1;
    s = trim(value, &n);
    if (n < 7 || strncasecmp(s, "bearer", 6) != 0 || !is_blank(s[6]))
        return -1;
    s += 7;
    n -= 7;
    s = trim(s, &n);
    if (n == 0)
        return -1;
    for (i = 0; i < n; i++)
        if (is_blank(s[i]))
            return -1;
    *tok = s;
    *tok_len = n;
    return 0;
}

int http_token_equal(const char *a, size_t alen, const char *b, size_t blen)
{
    /* Every byte of b is visited whatever a holds; a shorter a is read
     * cyclically so that no index depends on where the first difference is. */
    unsigned diff = alen != blen;
    size_t i;

    if (alen == 0)
        return blen == 0;
    for (i = 0; i < blen; i++)
        diff |= (unsigned char)(a[i % alen] ^ b[i]);
    return diff == 0;
}

/* ============================== Server-Sent Events ======================== */

int sse_event(jbuf *out, const char *id, const char *event, const char *data)
{
    const char *p = data != NULL ? data : "";

    if ((id != NULL && strpbrk(id, "\r\n") != NULL) ||
        (event != NULL && strpbrk(event, "\r\n") != NULL))
        return -1;
    if (id != NULL) {
        jbuf_puts(out, "id: ");
        jbuf_puts(out, id);
        jbuf_puts(out, "\n");
    }
    if (event != NULL) {
        jbuf_puts(out, "event: ");
        jbuf_puts(out, event);
        jbuf_puts(out, "\n");
    }
    for (;;) {
        size_t n = strcspn(p, "\r\n");
        jbuf_puts(out, "data: ");
        jbuf_put(out, p, n);
        jbuf_puts(out, "\n");
        p += n;
        if (*p == '\0')
            break;
        p += (p[0] == '\r' && p[1] == '\n') ? 2 : 1;
    }
    jbuf_puts(out, "\n");
    return 0;
}
