/*
 * json_write.c - jbuf, the growable output buffer of json.h, and the JSON
 * builder on top of it: commas, string escaping with invalid UTF-8 replaced,
 * shortest round-trip doubles. Errors are sticky (jbuf.failed) so that
 * callers build a whole document and check once.
 */
#include "json.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ============================== Buffer ==================================== */

void jbuf_init(jbuf *b)
{
    memset(b, 0, sizeof(*b));
}

void jbuf_free(jbuf *b)
{
    free(b->data);
    jbuf_init(b);
}

void jbuf_reset(jbuf *b)
{
    char *data = b->data;
    size_t cap = b->cap;

    jbuf_init(b);
    b->data = data;
    b->cap = cap;
    if (data != NULL)
        data[0] = '\0';
}

int jbuf_failed(const jbuf *b)
{
    return b->failed;
}

char *jbuf_detach(jbuf *b, size_t *len)
{
    char *s;

    if (b->failed) {
        jbuf_free(b);
        return NULL;
    }
    s = b->data;
    if (s == NULL)
        s = calloc(1, 1);
    if (len != NULL)
        *len = b->len;
    jbuf_init(b);
    return s;
}

/* Makes room for n more bytes plus the NUL; 0 or -1 (failed set). */
static int reserve(jbuf *b, size_t n)
{
    size_t cap;
    char *data;

    if (b->failed)
        return -1;
    if (n < b->cap - b->len && b->data != NULL)
        return 0;
    if (n > SIZE_MAX / 2 - b->len - 1) {
        b->failed = 1;
        return -1;
    }
    cap = b->cap ? b->cap : 256;
    while (cap - b->len <= n)
        cap *= 2;
    data = realloc(b->data, cap);
    if (data == NULL) {
        b->failed = 1;
        return -1;
    }
    b->data = data;
    b->cap = cap;
    return 0;
}

void jbuf_put(jbuf *b, const char *s, size_t n)
{
    if (reserve(b, n) < 0)
        return;
    if (n > 0)
        memcpy(b->data + b->len, s, n);
    b->len += n;
    b->data[b->len] = '\0';
}

void jbuf_puts(jbuf *b, const char *s)
{
    jbuf_put(b, s, strlen(s));
}

static void put_char(jbuf *b, char c)
{
    jbuf_put(b, &c, 1);
}

/* ============================== Builder state ============================= */

#define LEVEL_BIT(d) ((uint64_t)1 << ((d)-1))

/* Called before every value: writes the comma and checks that a value may
 * go here (after a key in an object, anywhere in an array or at the top). */
static int begin_value(jbuf *b)
{
    if (b->failed)
        return -1;
    if (b->depth > 0) {
        int in_obj = (b->objs & LEVEL_BIT(b->depth)) != 0;
        if (in_obj != b->after_key) {
            b->failed = 1; /* a value without a key, or a key in an array */
            return -1;
        }
        if (!in_obj && (b->items & LEVEL_BIT(b->depth)))
            put_char(b, ',');
        b->items |= LEVEL_BIT(b->depth);
    }
    b->after_key = 0;
    return b->failed ? -1 : 0;
}

static void open_container(jbuf *b, char c, int is_obj)
{
    if (begin_value(b) < 0)
        return;
    if (b->depth == JSON_MAX_DEPTH) {
        b->failed = 1;
        return;
    }
    b->depth++;
    b->items &= ~LEVEL_BIT(b->depth);
    if (is_obj)
        b->objs |= LEVEL_BIT(b->depth);
    else
        b->objs &= ~LEVEL_BIT(b->depth);
    put_char(b, c);
}

static void close_container(jbuf *b, char c, int is_obj)
{
    if (b->failed)
        return;
    if (b->depth == 0 || b->after_key || ((b->objs & LEVEL_BIT(b->depth)) != 0) != is_obj) {
        b->failed = 1;
        return;
    }
    b->depth--;
    put_char(b, c);
}

void jb_obj_begin(jbuf *b)
{
    open_container(b, '{', 1);
}

void jb_obj_end(jbuf *b)
{
    close_container(b, '}', 1);
}

void jb_arr_begin(jbuf *b)
{
    open_container(b, '[', 0);
}

void jb_arr_end(jbuf *b)
{
    close_container(b, ']', 0);
}

/* ============================== Strings =================================== */

/* Writes s[0..n) as a quoted JSON string. Runs of bytes that need no
 * escaping are copied in one piece. */
static void put_string(jbuf *b, const char *str, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    const unsigned char *s = (const unsigned char *)str;
    size_t i = 0, run = 0;

    put_char(b, '"');
    while (i < n) {
        unsigned char c = s[i];
        char esc[8];
        size_t esc_len = 2, len;

        if (c >= 0x20 && c != '"' && c != '\\' && c < 0x80) {
            i++;
            continue;
        }
        if (c >= 0x80) {
            len = json_utf8_len(s + i, n - i);
            if (len > 0) {
                i += len;
                continue;
            }
        }
        jbuf_put(b, (const char *)s + run, i - run);
        esc[0] = '\\';
        switch (c) {
        case '"': esc[1] = '"'; break;
        case '\\': esc[1] = '\\'; break;
        case '\b': esc[1] = 'b'; break;
        case '\f': esc[1] = 'f'; break;
        case '\n': esc[1] = 'n'; break;
        case '\r': esc[1] = 'r'; break;
        case '\t': esc[1] = 't'; break;
        default:
            if (c < 0x20) {
                memcpy(esc, "\\u00", 4);
                esc[4] = hex[c >> 4];
                esc[5] = hex[c & 15];
                esc_len = 6;
            } else {
                memcpy(esc, "\xEF\xBF\xBD", 3); /* U+FFFD for a bad byte */
                esc_len = 3;
            }
        }
        jbuf_put(b, esc, esc_len);
        i++;
        run = i;
    }
    jbuf_put(b, (const char *)s + run, i - run);
    put_char(b, '"');
}

void jb_keyn(jbuf *b, const char *key, size_t n)
{
    if (b->failed)
        return;
    if (b->depth == 0 || !(b->objs & LEVEL_BIT(b->depth)) || b->after_key) {
        b->failed = 1;
        return;
    }
    if (b->items & LEVEL_BIT(b->depth))
        put_char(b, ',');
    put_string(b, key, n);
    put_char(b, ':');
    b->after_key = 1;
}

void jb_key(jbuf *b, const char *key)
{
    jb_keyn(b, key, strlen(key));
}

void jb_strn(jbuf *b, const char *s, size_t n)
{
    if (begin_value(b) == 0)
        put_string(b, s, n);
}

void jb_str(jbuf *b, const char *s)
{
    if (s == NULL)
        jb_null(b);
    else
        jb_strn(b, s, strlen(s));
}

/* ============================== Scalars =================================== */

void jb_int(jbuf *b, int64_t v)
{
    char buf[32];
    int n = snprintf(buf, sizeof(buf), "%" PRId64, v);

    if (begin_value(b) == 0)
        jbuf_put(b, buf, (size_t)n);
}

void jb_uint(jbuf *b, uint64_t v)
{
    char buf[32];
    int n = snprintf(buf, sizeof(buf), "%" PRIu64, v);

    if (begin_value(b) == 0)
        jbuf_put(b, buf, (size_t)n);
}

void jb_double(jbuf *b, double v)
{
    char buf[40];
    int n = 0, prec;

    if (!isfinite(v)) {
        jb_null(b);
        return;
    }
    /* 15 significant digits give the shortest form of any double that has
     * one of 15 digits or fewer; 17 always read back exactly. */
    for (prec = 15; prec <= 17; prec++) {
        n = snprintf(buf, sizeof(buf), "%.*g", prec, v);
        if (strtod(buf, NULL) == v)
            break;
    }
    if (begin_value(b) == 0)
        jbuf_put(b, buf, (size_t)n);
}

void jb_bool(jbuf *b, int v)
{
    if (begin_value(b) == 0)
        jbuf_puts(b, v ? "true" : "false");
}

void jb_null(jbuf *b)
{
    if (begin_value(b) == 0)
        jbuf_puts(b, "null");
}

void jb_raw(jbuf *b, const char *json, size_t n)
{
    if (begin_value(b) == 0)
        jbuf_put(b, json, n);
}

/* ============================== Trees ===================================== */

void jb_value(jbuf *b, const json_value *v)
{
    size_t i;

    switch (v->type) {
    case JSON_NULL: jb_null(b); break;
    case JSON_BOOL: jb_bool(b, v->boolean); break;
    case JSON_NUMBER:
        if (v->str != NULL)
            jb_raw(b, v->str, v->len);
        else
            jb_double(b, v->number);
        break;
    case JSON_STRING: jb_strn(b, v->str, v->len); break;
    case JSON_ARRAY:
        jb_arr_begin(b);
        for (i = 0; i < v->count && !b->failed; i++)
            jb_value(b, v->items[i]);
        jb_arr_end(b);
        break;
    case JSON_OBJECT:
        jb_obj_begin(b);
        for (i = 0; i < v->count && !b->failed; i++) {
            jb_keyn(b, v->members[i].key, v->members[i].key_len);
            jb_value(b, v->members[i].value);
        }
        jb_obj_end(b);
        break;
    }
}
