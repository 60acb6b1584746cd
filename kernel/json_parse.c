/*
 * json_parse.c - the strict RFC 8259 parser of json.h: bytes in, a tree in an
 * arena out, or one error with its line and column. Recursive descent; the
 * recursion is bounded by JSON_MAX_DEPTH. Member and item lists grow in
 * malloc'd scratch and are copied to the arena once complete, so the arena
 * holds only the final tree.
 */
#include "json.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct parser {
    quire_arena *arena;
    const unsigned char *start, *p, *end;
    json_error *err;
    int depth;
} parser;

/* ============================== Errors ==================================== */

/* Fills the error for the byte at `at`; always returns NULL. */
static json_value *fail_at(parser *ps, const unsigned char *at, const char *fmt, ...)
    QUIRE_PRINTF(3, 4);

static json_value *fail_at(parser *ps, const unsigned char *at, const char *fmt, ...)
{
    json_error *e = ps->err;
    const unsigned char *q;
    char text[112];
    va_list ap;
    int line = 1, column = 1;

    if (e == NULL)
        return NULL;
    /* Columns count characters: every byte but UTF-8 continuation bytes. */
    for (q = ps->start; q < at; q++) {
        if (*q == '\n') {
            line++;
            column = 1;
        } else if ((*q & 0xC0) != 0x80) {
            column++;
        }
    }
    va_start(ap, fmt);
    vsnprintf(text, sizeof(text), fmt, ap);
    va_end(ap);
    e->line = line;
    e->column = column;
    e->offset = (size_t)(at - ps->start);
    snprintf(e->msg, sizeof(e->msg), "line %d, column %d: %s", line, column, text);
    return NULL;
}

static json_value *fail_nomem(parser *ps)
{
    return fail_at(ps, ps->p, "out of memory");
}

/* Copies s[0..n) for a message: printable ASCII and UTF-8 stay, other bytes
 * become '?', and long text is cut to 32 characters followed by "...". */
static const char *shown(char *buf, size_t size, const char *s, size_t n)
{
    size_t i = 0, o = 0, chars = 0;

    while (i < n && o + 8 < size) {
        unsigned char c = (unsigned char)s[i];
        if ((c & 0xC0) != 0x80 && chars++ == 32) {
            memcpy(buf + o, "...", 3);
            o += 3;
            break;
        }
        buf[o++] = (c >= 0x20 && c != 0x7F && c != '"' && c != '\\') ? (char)c : '?';
        i++;
    }
    /* Never end inside a UTF-8 sequence cut by the size limit. */
    while (i < n && o > 0 && ((unsigned char)s[i] & 0xC0) == 0x80 &&
           ((unsigned char)buf[o - 1] & 0x80)) {
        o--;
        if (((unsigned char)buf[o] & 0xC0) != 0x80)
            break;
    }
    buf[o] = '\0';
    return buf;
}

/* ============================== Scanning helpers ========================== */

static void skip_blanks(parser *ps)
{
    while (ps->p < ps->end && (*ps->p == ' ' || *ps->p == '\t' || *ps->p == '\n' || *ps->p == '\r'))
        ps->p++;
}

/* What the byte at p is, for "unexpected ..." messages. */
static json_value *fail_unexpected(parser *ps, const char *what)
{
    unsigned char c;

    if (ps->p >= ps->end)
        return fail_at(ps, ps->p, "unexpected end of input, %s", what);
    c = *ps->p;
    if (c > 0x20 && c < 0x7F)
        return fail_at(ps, ps->p, "unexpected character '%c', %s", c, what);
    return fail_at(ps, ps->p, "unexpected byte 0x%02X, %s", c, what);
}

static json_value *new_value(parser *ps, json_type type)
{
    json_value *v = arena_alloc(ps->arena, sizeof(*v));

    if (v == NULL)
        return fail_nomem(ps);
    memset(v, 0, sizeof(*v));
    v->type = type;
    return v;
}

static int hex4(const unsigned char *s, unsigned *out)
{
    unsigned v = 0;
    int i;

    for (i = 0; i < 4; i++) {
        unsigned char c = s[i];
        v <<= 4;
        if (c >= '0' && c <= '9')
            v |= (unsigned)(c - '0');
        else if (c >= 'a' && c <= 'f')
            v |= (unsigned)(c - 'a' + 10);
        else if (c >= 'A' && c <= 'F')
            v |= (unsigned)(c - 'A' + 10);
        else
            return -1;
    }
    *out = v;
    return 0;
}

size_t json_utf8_len(const unsigned char *s, size_t avail)
{
    unsigned char c = s[0], lo = 0x80, hi = 0xBF;
    size_t n, i;

    if (c >= 0xC2 && c <= 0xDF)
        n = 2;
    else if (c >= 0xE0 && c <= 0xEF)
        n = 3;
    else if (c >= 0xF0 && c <= 0xF4)
        n = 4;
    else
        return 0;
    /* Overlong forms, surrogates and code points past U+10FFFF are excluded
     * by narrowing the range of the second byte. */
    if (c == 0xE0)
        lo = 0xA0;
    else if (c == 0xED)
        hi = 0x9F;
    else if (c == 0xF0)
        lo = 0x90;
    else if (c == 0xF4)
        hi = 0x8F;
    if (avail < n)
        return 0;
    if (s[1] < lo || s[1] > hi)
        return 0;
    for (i = 2; i < n; i++)
        if ((s[i] & 0xC0) != 0x80)
            return 0;
    return n;
}

static size_t put_utf8(char *o, unsigned cp)
{
    if (cp < 0x80) {
        o[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        o[0] = (char)(0xC0 | (cp >> 6));
        o[1] = (char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        o[0] = (char)(0xE0 | (cp >> 12));
        o[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        o[2] = (char)(0x80 | (cp & 0x3F));
        return 3;
    }
    o[0] = (char)(0xF0 | (cp >> 18));
    o[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
    o[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
    o[3] = (char)(0x80 | (cp & 0x3F));
    return 4;
}

/* ============================== Strings =================================== */

/*
 * Decodes the string whose opening quote is at ps->p into the arena. The
 * closing quote is found first so that one allocation of the raw length
 * suffices: every escape decodes to fewer bytes than it is written with.
 */
static int parse_string(parser *ps, const char **out, size_t *out_len)
{
    const unsigned char *open = ps->p, *s = ps->p + 1, *q;
    char *buf, *o;

    for (q = s; q < ps->end && *q != '"'; q++)
        if (*q == '\\' && q + 1 < ps->end)
            q++;
    if (q >= ps->end) {
        fail_at(ps, open, "unterminated string");
        return -1;
    }
    buf = arena_alloc(ps->arena, (size_t)(q - s) + 1);
    if (buf == NULL) {
        fail_nomem(ps);
        return -1;
    }
    o = buf;
    while (s < q) {
        unsigned char c = *s;
        if (c == '\\') {
            unsigned cp, lo;
            switch (s[1]) {
            case '"': *o++ = '"'; break;
            case '\\': *o++ = '\\'; break;
            case '/': *o++ = '/'; break;
            case 'b': *o++ = '\b'; break;
            case 'f': *o++ = '\f'; break;
            case 'n': *o++ = '\n'; break;
            case 'r': *o++ = '\r'; break;
            case 't': *o++ = '\t'; break;
            case 'u':
                if (q - s < 6 || hex4(s + 2, &cp) < 0) {
                    fail_at(ps, s, "invalid \\u escape in string");
                    return -1;
                }
                if (cp >= 0xDC00 && cp <= 0xDFFF) {
                    fail_at(ps, s, "lone surrogate \\u%04X in string", cp);
                    return -1;
                }
                if (cp >= 0xD800 && cp <= 0xDBFF) {
                    if (q - s < 12 || s[6] != '\\' || s[7] != 'u' || hex4(s + 8, &lo) < 0 ||
                        lo < 0xDC00 || lo > 0xDFFF) {
                        fail_at(ps, s, "lone surrogate \\u%04X in string", cp);
                        return -1;
                    }
                    cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
                    s += 6;
                }
                o += put_utf8(o, cp);
                s += 4;
                break;
            default:
                if (s[1] > 0x20 && s[1] < 0x7F)
                    fail_at(ps, s, "invalid escape '\\%c' in string", s[1]);
                else
                    fail_at(ps, s, "invalid escape in string");
                return -1;
            }
            s += 2;
        } else if (c < 0x20) {
            fail_at(ps, s, "control character 0x%02X in string", c);
            return -1;
        } else if (c < 0x80) {
            *o++ = (char)c;
            s++;
        } else {
            size_t n = json_utf8_len(s, (size_t)(q - s));
            if (n == 0) {
                fail_at(ps, s, "invalid UTF-8 byte 0x%02X in string", c);
                return -1;
            }
            memcpy(o, s, n);
            o += n;
            s += n;
        }
    }
    *o = '\0';
    *out = buf;
    *out_len = (size_t)(o - buf);
    ps->p = q + 1;
    return 0;
}

/* ============================== Numbers and literals ====================== */

static int is_digit(unsigned char c)
{
    return c >= '0' && c <= '9';
}

static json_value *parse_number(parser *ps)
{
    const unsigned char *s = ps->p, *q = s, *end;
    char shown_buf[48];
    json_value *v;
    char *text, *stop;
    int integral = 1;

    /* The whole run of number-like bytes, so "01" or "1.e5" is reported as
     * one bad number rather than as a good one followed by junk. */
    for (end = s; end < ps->end && (is_digit(*end) || *end == '-' || *end == '+' || *end == '.' ||
                                    *end == 'e' || *end == 'E');
         end++)
        ;
    if (q < end && *q == '-')
        q++;
    if (q < end && *q == '0')
        q++;
    else if (q < end && is_digit(*q))
        while (q < end && is_digit(*q))
            q++;
    else
        goto fail_invalid;
    if (q < end && *q == '.') {
        integral = 0;
        q++;
        if (q >= end || !is_digit(*q))
            goto fail_invalid;
        while (q < end && is_digit(*q))
            q++;
    }
    if (q < end && (*q == 'e' || *q == 'E')) {
        integral = 0;
        q++;
        if (q < end && (*q == '+' || *q == '-'))
            q++;
        if (q >= end || !is_digit(*q))
            goto fail_invalid;
        while (q < end && is_digit(*q))
            q++;
    }
    if (q != end)
        goto fail_invalid;

    v = new_value(ps, JSON_NUMBER);
    if (v == NULL)
        return NULL;
    text = arena_strndup(ps->arena, (const char *)s, (size_t)(end - s));
    if (text == NULL)
        return fail_nomem(ps);
    v->str = text;
    v->len = (size_t)(end - s);
    errno = 0;
    v->number = strtod(text, &stop);
    /* ERANGE also flags underflow, which rounds to 0 or a subnormal: only
     * overflow is refused. */
    if (errno == ERANGE && (v->number > 1.0 || v->number < -1.0))
        return fail_at(ps, s, "number %s is out of range",
                       shown(shown_buf, sizeof(shown_buf), text, v->len));
    if (integral) {
        const char *d = text + (text[0] == '-');
        uint64_t u = 0;
        int exact = 1;
        for (; *d != '\0'; d++) {
            u = u * 10 + (uint64_t)(*d - '0');
            if (u > ((uint64_t)1 << 53)) {
                exact = 0;
                break;
            }
        }
        if (exact) {
            v->is_integer = 1;
            v->integer = text[0] == '-' ? -(int64_t)u : (int64_t)u;
        }
    }
    ps->p = end;
    return v;

fail_invalid:
    return fail_at(ps, s, "invalid number \"%s\"",
                   shown(shown_buf, sizeof(shown_buf), (const char *)s, (size_t)(end - s)));
}

static json_value *parse_word(parser *ps)
{
    const unsigned char *s = ps->p, *end = s;
    size_t n;
    char shown_buf[48];
    json_value *v;

    while (end < ps->end && ((*end >= 'a' && *end <= 'z') || (*end >= 'A' && *end <= 'Z') ||
                             is_digit(*end) || *end == '_'))
        end++;
    n = (size_t)(end - s);
    if (n == 4 && memcmp(s, "null", 4) == 0) {
        v = new_value(ps, JSON_NULL);
    } else if (n == 4 && memcmp(s, "true", 4) == 0) {
        v = new_value(ps, JSON_BOOL);
        if (v != NULL)
            v->boolean = 1;
    } else if (n == 5 && memcmp(s, "false", 5) == 0) {
        v = new_value(ps, JSON_BOOL);
    } else {
        return fail_at(ps, s, "invalid literal \"%s\"",
                       shown(shown_buf, sizeof(shown_buf), (const char *)s, n));
    }
    if (v != NULL)
        ps->p = end;
    return v;
}

/* ============================== Containers ================================ */

static json_value *parse_value(parser *ps);

/* Scratch vector, malloc'd, grown by doubling. */
typedef struct vec {
    void *data;
    size_t count, cap, size;
} vec;

static void *vec_push(vec *v)
{
    if (v->count == v->cap) {
        size_t cap = v->cap ? v->cap * 2 : 8;
        void *d = realloc(v->data, cap * v->size);
        if (d == NULL)
            return NULL;
        v->data = d;
        v->cap = cap;
    }
    return (char *)v->data + v->count++ * v->size;
}

/* Copies the vector into the arena (NULL for an empty one). */
static int vec_finish(parser *ps, vec *v, void **out)
{
    *out = NULL;
    if (v->count == 0)
        return 0;
    *out = arena_alloc(ps->arena, v->count * v->size);
    if (*out == NULL)
        return -1;
    memcpy(*out, v->data, v->count * v->size);
    return 0;
}

static json_value *parse_array(parser *ps)
{
    vec items = {NULL, 0, 0, sizeof(json_value *)};
    json_value *arr = NULL, *item, **slot;
    void *copy;

    ps->p++;
    skip_blanks(ps);
    if (ps->p < ps->end && *ps->p == ']') {
        ps->p++;
        return new_value(ps, JSON_ARRAY);
    }
    for (;;) {
        item = parse_value(ps);
        if (item == NULL)
            goto fail_free_items;
        slot = vec_push(&items);
        if (slot == NULL) {
            fail_nomem(ps);
            goto fail_free_items;
        }
        *slot = item;
        skip_blanks(ps);
        if (ps->p < ps->end && *ps->p == ',') {
            ps->p++;
            continue;
        }
        if (ps->p < ps->end && *ps->p == ']') {
            ps->p++;
            break;
        }
        fail_unexpected(ps, "expected ',' or ']' in array");
        goto fail_free_items;
    }
    arr = new_value(ps, JSON_ARRAY);
    if (arr == NULL)
        goto fail_free_items;
    if (vec_finish(ps, &items, &copy) < 0) {
        arr = fail_nomem(ps);
        goto fail_free_items;
    }
    arr->items = copy;
    arr->count = items.count;
fail_free_items:
    free(items.data);
    return arr;
}

/*
 * Duplicate keys are found with an open-addressing table of member indexes
 * (malloc'd scratch, rebuilt when half full), so an object with many keys
 * stays linear.
 */
typedef struct key_table {
    size_t *slots; /* index + 1; 0 is empty */
    size_t cap;    /* power of two, or 0 */
} key_table;

static size_t key_hash(const char *s, size_t n)
{
    uint64_t h = 1469598103934665603u;
    size_t i;

    for (i = 0; i < n; i++)
        h = (h ^ (unsigned char)s[i]) * 1099511628211u;
    return (size_t)h;
}

/* Adds member `idx` of `m`; 1 if its key was there already, -1 on
 * allocation failure, 0 otherwise. */
static int key_table_add(key_table *t, const json_member *m, size_t idx)
{
    size_t i, mask;

    if ((idx + 1) * 2 > t->cap) {
        size_t cap = t->cap ? t->cap * 2 : 16, j;
        size_t *slots = calloc(cap, sizeof(*slots));
        if (slots == NULL)
            return -1;
        free(t->slots);
        t->slots = slots;
        t->cap = cap;
        for (j = 0; j < idx; j++) {
            i = key_hash(m[j].key, m[j].key_len) & (cap - 1);
            while (slots[i] != 0)
                i = (i + 1) & (cap - 1);
            slots[i] = j + 1;
        }
    }
    mask = t->cap - 1;
    for (i = key_hash(m[idx].key, m[idx].key_len) & mask; t->slots[i] != 0; i = (i + 1) & mask) {
        const json_member *o = &m[t->slots[i] - 1];
        if (o->key_len == m[idx].key_len && memcmp(o->key, m[idx].key, o->key_len) == 0)
            return 1;
    }
    t->slots[i] = idx + 1;
    return 0;
}

static json_value *parse_object(parser *ps)
{
    vec members = {NULL, 0, 0, sizeof(json_member)};
    key_table keys = {NULL, 0};
    json_value *obj = NULL;
    json_member *m;
    const unsigned char *key_at;
    char shown_buf[48];
    void *copy;
    int dup;

    ps->p++;
    skip_blanks(ps);
    if (ps->p < ps->end && *ps->p == '}') {
        ps->p++;
        return new_value(ps, JSON_OBJECT);
    }
    for (;;) {
        if (ps->p >= ps->end || *ps->p != '"') {
            fail_unexpected(ps, members.count ? "expected a string key after ','"
                                              : "expected a string key or '}'");
            goto fail_free_scratch;
        }
        m = vec_push(&members);
        if (m == NULL) {
            fail_nomem(ps);
            goto fail_free_scratch;
        }
        key_at = ps->p;
        if (parse_string(ps, &m->key, &m->key_len) < 0)
            goto fail_free_scratch;
        dup = key_table_add(&keys, members.data, members.count - 1);
        if (dup < 0) {
            fail_nomem(ps);
            goto fail_free_scratch;
        }
        if (dup) {
            fail_at(ps, key_at, "duplicate key \"%s\"",
                    shown(shown_buf, sizeof(shown_buf), m->key, m->key_len));
            goto fail_free_scratch;
        }
        skip_blanks(ps);
        if (ps->p >= ps->end || *ps->p != ':') {
            char what[96];
            snprintf(what, sizeof(what), "expected ':' after object key \"%s\"",
                     shown(shown_buf, sizeof(shown_buf), m->key, m->key_len));
            if (ps->p < ps->end)
                fail_at(ps, ps->p, "%s", what);
            else
                fail_unexpected(ps, what);
            goto fail_free_scratch;
        }
        ps->p++;
        m->value = parse_value(ps);
        if (m->value == NULL)
            goto fail_free_scratch;
        skip_blanks(ps);
        if (ps->p < ps->end && *ps->p == ',') {
            ps->p++;
            skip_blanks(ps);
            continue;
        }
        if (ps->p < ps->end && *ps->p == '}') {
            ps->p++;
            break;
        }
        fail_unexpected(ps, "expected ',' or '}' in object");
        goto fail_free_scratch;
    }
    obj = new_value(ps, JSON_OBJECT);
    if (obj == NULL)
        goto fail_free_scratch;
    if (vec_finish(ps, &members, &copy) < 0) {
        obj = fail_nomem(ps);
        goto fail_free_scratch;
    }
    obj->members = copy;
    obj->count = members.count;
fail_free_scratch:
    free(keys.slots);
    free(members.data);
    return obj;
}

/* ============================== Values ==================================== */

static json_value *parse_value(parser *ps)
{
    json_value *v;
    unsigned char c;

    skip_blanks(ps);
    if (ps->p >= ps->end)
        return fail_unexpected(ps, "expected a value");
    c = *ps->p;
    if (c == '{' || c == '[') {
        if (ps->depth == JSON_MAX_DEPTH)
            return fail_at(ps, ps->p, "nesting deeper than %d", JSON_MAX_DEPTH);
        ps->depth++;
        v = c == '{' ? parse_object(ps) : parse_array(ps);
        ps->depth--;
        return v;
    }
    if (c == '"') {
        v = new_value(ps, JSON_STRING);
        if (v == NULL || parse_string(ps, &v->str, &v->len) < 0)
            return NULL;
        return v;
    }
    if (c == '-' || is_digit(c))
        return parse_number(ps);
    if (c >= 'a' && c <= 'z')
        return parse_word(ps);
    return fail_unexpected(ps, "expected a value");
}

json_value *json_parse(quire_arena *a, const char *text, size_t len, json_error *e)
{
    parser ps;
    json_value *v;

    ps.arena = a;
    ps.start = ps.p = (const unsigned char *)text;
    ps.end = ps.start + len;
    ps.err = e;
    ps.depth = 0;
    if (e != NULL)
        memset(e, 0, sizeof(*e));
    if (text == NULL && len > 0)
        return fail_at(&ps, ps.p, "no input");
    v = parse_value(&ps);
    if (v == NULL)
        return NULL;
    skip_blanks(&ps);
    if (ps.p < ps.end)
        return fail_unexpected(&ps, "expected the end after the value");
    return v;
}
