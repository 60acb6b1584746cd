/*
 * expr_func_string.c - text functions: upper lower trim ltrim rtrim substr
 * length replace contains starts_with ends_with.
 *
 * Strings are UTF-8; positions and lengths count characters (code points).
 * A byte that does not start a valid UTF-8 sequence counts as one
 * character and is kept as it is. Case mapping is simple one-to-one
 * mapping for ASCII, Latin-1, Latin Extended-A, Greek and Cyrillic (ß and
 * other characters whose upper case is two characters stay unchanged).
 * Results may point into the argument strings (substr, trim): they live as
 * long as the arguments do.
 */
#include "expr_impl.h"

#include <string.h>

/* ============================== UTF-8 ===================================== */

size_t expr_utf8_len(const unsigned char *s, size_t n)
{
    unsigned char c = s[0];

    if (c < 0x80)
        return 1;
    if (c >= 0xC2 && c <= 0xDF)
        return n >= 2 && (s[1] & 0xC0) == 0x80 ? 2 : 1;
    if (c >= 0xE0 && c <= 0xEF) {
        if (n < 3 || (s[1] & 0xC0) != 0x80 || (s[2] & 0xC0) != 0x80)
            return 1;
        if ((c == 0xE0 && s[1] < 0xA0) || (c == 0xED && s[1] >= 0xA0))
            return 1; /* overlong, or a surrogate */
        return 3;
    }
    if (c >= 0xF0 && c <= 0xF4) {
        if (n < 4 || (s[1] & 0xC0) != 0x80 || (s[2] & 0xC0) != 0x80 || (s[3] & 0xC0) != 0x80)
            return 1;
        if ((c == 0xF0 && s[1] < 0x90) || (c == 0xF4 && s[1] >= 0x90))
            return 1;
        return 4;
    }
    return 1;
}

/* The code point of a valid sequence of `len` bytes (len from expr_utf8_len;
 * an invalid byte gives 0xFFFFFFFF). */
static uint32_t utf8_decode(const unsigned char *s, size_t len)
{
    switch (len) {
    case 1: return s[0] < 0x80 ? s[0] : 0xFFFFFFFFu;
    case 2: return (uint32_t)(s[0] & 0x1F) << 6 | (s[1] & 0x3F);
    case 3: return (uint32_t)(s[0] & 0x0F) << 12 | (uint32_t)(s[1] & 0x3F) << 6 | (s[2] & 0x3F);
    default:
        return (uint32_t)(s[0] & 0x07) << 18 | (uint32_t)(s[1] & 0x3F) << 12 |
               (uint32_t)(s[2] & 0x3F) << 6 | (s[3] & 0x3F);
    }
}

static size_t utf8_encode(uint32_t cp, char *out)
{
    if (cp < 0x80) {
        out[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        out[0] = (char)(0xC0 | cp >> 6);
        out[1] = (char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        out[0] = (char)(0xE0 | cp >> 12);
        out[1] = (char)(0x80 | (cp >> 6 & 0x3F));
        out[2] = (char)(0x80 | (cp & 0x3F));
        return 3;
    }
    out[0] = (char)(0xF0 | cp >> 18);
    out[1] = (char)(0x80 | (cp >> 12 & 0x3F));
    out[2] = (char)(0x80 | (cp >> 6 & 0x3F));
    out[3] = (char)(0x80 | (cp & 0x3F));
    return 4;
}

/* ============================== Case mapping ============================== */

static uint32_t to_upper(uint32_t c)
{
    if (c >= 'a' && c <= 'z')
        return c - 32;
    if (c < 0xB5)
        return c;
    if (c == 0xB5)
        return 0x39C; /* micro sign -> capital mu */
    if (c >= 0xE0 && c <= 0xFE && c != 0xF7)
        return c - 32;
    if (c == 0xFF)
        return 0x178;
    if (c >= 0x100 && c <= 0x17F) {
        if (c == 0x131)
            return 'I';
        if (c == 0x17F)
            return 'S';
        if ((c >= 0x100 && c <= 0x12F) || (c >= 0x132 && c <= 0x137) || (c >= 0x14A && c <= 0x177))
            return c & ~1u;
        if ((c >= 0x139 && c <= 0x148) || (c >= 0x179 && c <= 0x17E))
            return (c & 1u) ? c : c - 1;
        return c;
    }
    if (c >= 0x3B1 && c <= 0x3C9)
        return c == 0x3C2 ? 0x3A3 : c - 32; /* final sigma -> sigma */
    if (c == 0x3AC)
        return 0x386;
    if (c >= 0x3AD && c <= 0x3AF)
        return c - 37;
    if (c == 0x3CC)
        return 0x38C;
    if (c == 0x3CD || c == 0x3CE)
        return c - 63;
    if (c >= 0x430 && c <= 0x44F)
        return c - 32;
    if (c >= 0x450 && c <= 0x45F)
        return c - 80;
    return c;
}

static uint32_t to_lower(uint32_t c)
{
    if (c >= 'A' && c <= 'Z')
        return c + 32;
    if (c < 0xC0)
        return c;
    if (c <= 0xDE && c != 0xD7)
        return c + 32;
    if (c >= 0x100 && c <= 0x17F) {
        if (c == 0x130)
            return 'i';
        if (c == 0x178)
            return 0xFF;
        if ((c >= 0x100 && c <= 0x12F) || (c >= 0x132 && c <= 0x137) || (c >= 0x14A && c <= 0x177))
            return c | 1u;
        if ((c >= 0x139 && c <= 0x148) || (c >= 0x179 && c <= 0x17E))
            return (c & 1u) ? c + 1 : c;
        return c;
    }
    if (c >= 0x391 && c <= 0x3A9 && c != 0x3A2)
        return c + 32;
    if (c == 0x386)
        return 0x3AC;
    if (c >= 0x388 && c <= 0x38A)
        return c + 37;
    if (c == 0x38C)
        return 0x3CC;
    if (c == 0x38E || c == 0x38F)
        return c + 63;
    if (c >= 0x410 && c <= 0x42F)
        return c + 32;
    if (c >= 0x400 && c <= 0x40F)
        return c + 80;
    return c;
}

/* The mapping never makes a character longer in UTF-8 (the only changes of
 * length are dotless i, dotted I and long s becoming ASCII), so the result
 * fits in the argument's length. */
static int map_case(const expr *e, const qv *args, const expr_ctx *ctx, qv *out, quire_error *err,
                    int upper)
{
    const unsigned char *s = (const unsigned char *)args[0].u.s.ptr;
    size_t n = args[0].u.s.len, len = 0;
    char *buf;

    buf = expr_alloc(ctx, e, n + 1, err);
    if (buf == NULL)
        return QUIRE_ERR;
    for (size_t i = 0; i < n;) {
        size_t l = expr_utf8_len(s + i, n - i);
        uint32_t cp = utf8_decode(s + i, l);
        uint32_t m = cp == 0xFFFFFFFFu ? cp : upper ? to_upper(cp) : to_lower(cp);
        if (m == cp) {
            memcpy(buf + len, s + i, l);
            len += l;
        } else {
            len += utf8_encode(m, buf + len);
        }
        i += l;
    }
    *out = qv_string(buf, len);
    return QUIRE_OK;
}

static int fn_upper(const expr *e, const qv *args, const expr_ctx *ctx, qv *out, quire_error *err)
{
    return map_case(e, args, ctx, out, err, 1);
}

static int fn_lower(const expr *e, const qv *args, const expr_ctx *ctx, qv *out, quire_error *err)
{
    return map_case(e, args, ctx, out, err, 0);
}

/* ============================== Trimming ================================== */

static int is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

/* Trims ASCII white space: left when `which` has 1, right when it has 2. */
static void trim(const qv *arg, qv *out, int which)
{
    const char *p = arg->u.s.ptr;
    size_t n = arg->u.s.len;

    while ((which & 1) && n > 0 && is_space(p[0])) {
        p++;
        n--;
    }
    while ((which & 2) && n > 0 && is_space(p[n - 1]))
        n--;
    *out = qv_string(p, n);
}

static int fn_trim(const expr *e, const qv *args, const expr_ctx *ctx, qv *out, quire_error *err)
{
    (void)e, (void)ctx, (void)err;
    trim(&args[0], out, 3);
    return QUIRE_OK;
}

static int fn_ltrim(const expr *e, const qv *args, const expr_ctx *ctx, qv *out, quire_error *err)
{
    (void)e, (void)ctx, (void)err;
    trim(&args[0], out, 1);
    return QUIRE_OK;
}

static int fn_rtrim(const expr *e, const qv *args, const expr_ctx *ctx, qv *out, quire_error *err)
{
    (void)e, (void)ctx, (void)err;
    trim(&args[0], out, 2);
    return QUIRE_OK;
}

/* ============================== Characters ================================ */

static int64_t char_count(const qv *s)
{
    const unsigned char *p = (const unsigned char *)s->u.s.ptr;
    size_t n = s->u.s.len;
    int64_t count = 0;

    for (size_t i = 0; i < n; count++)
        i += expr_utf8_len(p + i, n - i);
    return count;
}

static int fn_length(const expr *e, const qv *args, const expr_ctx *ctx, qv *out, quire_error *err)
{
    (void)e, (void)ctx, (void)err;
    *out = qv_int(char_count(&args[0]));
    return QUIRE_OK;
}

/* The byte offset `count` characters after offset i of s (at most its
 * length). */
static size_t skip_chars(const qv *s, size_t i, int64_t count)
{
    const unsigned char *p = (const unsigned char *)s->u.s.ptr;
    size_t n = s->u.s.len;

    for (int64_t c = 0; c < count && i < n; c++)
        i += expr_utf8_len(p + i, n - i);
    return i;
}

/* substr(s, start[, len]): the characters at 1-based positions
 * [start, start + len) that exist; a negative len gives "". */
static int fn_substr(const expr *e, const qv *args, const expr_ctx *ctx, qv *out, quire_error *err)
{
    int64_t start = args[1].u.i, end = INT64_MAX;
    size_t from, to;

    (void)ctx, (void)err;
    if (e->nargs == 3 && __builtin_add_overflow(start, args[2].u.i, &end))
        end = args[2].u.i < 0 ? INT64_MIN : INT64_MAX;
    if (start < 1)
        start = 1;
    if (end <= start) {
        *out = qv_string(args[0].u.s.ptr, 0);
        return QUIRE_OK;
    }
    from = skip_chars(&args[0], 0, start - 1);
    to = end == INT64_MAX ? args[0].u.s.len : skip_chars(&args[0], from, end - start);
    /* No offset on an empty string: its pointer may be NULL. */
    *out = qv_string(to > from ? args[0].u.s.ptr + from : args[0].u.s.ptr, to - from);
    return QUIRE_OK;
}

/* ============================== Searching ================================= */

/* The first occurrence of needle in hay at or after `from`, or SIZE_MAX. */
static size_t find(const char *hay, size_t hn, const char *needle, size_t nn, size_t from)
{
    if (nn == 0)
        return from <= hn ? from : SIZE_MAX;
    for (size_t i = from; i + nn <= hn; i++) {
        const char *p = memchr(hay + i, needle[0], hn - nn + 1 - i);
        if (p == NULL)
            return SIZE_MAX;
        i = (size_t)(p - hay);
        if (memcmp(p, needle, nn) == 0)
            return i;
    }
    return SIZE_MAX;
}

static int fn_contains(const expr *e, const qv *args, const expr_ctx *ctx, qv *out,
                       quire_error *err)
{
    (void)e, (void)ctx, (void)err;
    *out = qv_bool(find(args[0].u.s.ptr, args[0].u.s.len, args[1].u.s.ptr, args[1].u.s.len, 0) !=
                   SIZE_MAX);
    return QUIRE_OK;
}

static int fn_starts_with(const expr *e, const qv *args, const expr_ctx *ctx, qv *out,
                          quire_error *err)
{
    size_t n = args[1].u.s.len;

    (void)e, (void)ctx, (void)err;
    *out = qv_bool(n <= args[0].u.s.len &&
                   (n == 0 || memcmp(args[0].u.s.ptr, args[1].u.s.ptr, n) == 0));
    return QUIRE_OK;
}

static int fn_ends_with(const expr *e, const qv *args, const expr_ctx *ctx, qv *out,
                        quire_error *err)
{
    size_t n = args[1].u.s.len, len = args[0].u.s.len;

    (void)e, (void)ctx, (void)err;
    *out =
        qv_bool(n <= len && (n == 0 || memcmp(args[0].u.s.ptr + len - n, args[1].u.s.ptr, n) == 0));
    return QUIRE_OK;
}

/* replace(s, from, to): every non-overlapping occurrence, left to right;
 * an empty `from` changes nothing. */
static int fn_replace(const expr *e, const qv *args, const expr_ctx *ctx, qv *out, quire_error *err)
{
    const char *s = args[0].u.s.ptr, *f = args[1].u.s.ptr, *t = args[2].u.s.ptr;
    size_t sn = args[0].u.s.len, fn = args[1].u.s.len, tn = args[2].u.s.len;
    size_t count = 0, len, at, o = 0, i = 0;
    char *buf;

    if (fn == 0) {
        *out = args[0];
        return QUIRE_OK;
    }
    for (at = find(s, sn, f, fn, 0); at != SIZE_MAX; at = find(s, sn, f, fn, at + fn))
        count++;
    if (count == 0) {
        *out = args[0];
        return QUIRE_OK;
    }
    /* sn - count*fn + count*tn, which fits: count*fn <= sn, and tn is the
     * length of a string that exists, times at most sn. */
    if (tn > 0 && count > (SIZE_MAX - sn) / tn)
        return expr_fail(err, e, "out of memory in 'replace'");
    len = sn - count * fn + count * tn;
    buf = expr_alloc(ctx, e, len + 1, err);
    if (buf == NULL)
        return QUIRE_ERR;
    for (at = find(s, sn, f, fn, 0); at != SIZE_MAX; at = find(s, sn, f, fn, i)) {
        memcpy(buf + o, s + i, at - i);
        o += at - i;
        if (tn > 0)
            memcpy(buf + o, t, tn);
        o += tn;
        i = at + fn;
    }
    memcpy(buf + o, s + i, sn - i);
    *out = qv_string(buf, len);
    return QUIRE_OK;
}

/* ============================== Checks ==================================== */

static int check_str_to_str(expr_cc *cc, expr *e)
{
    e->type = QUIRE_TYPE_STRING;
    return expr_want_arg(cc, e, 0, QUIRE_TYPE_STRING, "a string");
}

static int check_length(expr_cc *cc, expr *e)
{
    e->type = QUIRE_TYPE_INT;
    return expr_want_arg(cc, e, 0, QUIRE_TYPE_STRING, "a string");
}

static int check_substr(expr_cc *cc, expr *e)
{
    int rc = expr_want_arg(cc, e, 0, QUIRE_TYPE_STRING, "a string");

    e->type = QUIRE_TYPE_STRING;
    for (uint32_t i = 1; i < e->nargs; i++) {
        if (expr_want_arg(cc, e, i, QUIRE_TYPE_INT, "an int") < 0)
            rc = -1;
    }
    return rc;
}

/* Every argument a string; the result `type`. */
static int check_all_strings(expr_cc *cc, expr *e, uint32_t type)
{
    int rc = 0;

    e->type = (uint8_t)type;
    for (uint32_t i = 0; i < e->nargs; i++) {
        if (expr_want_arg(cc, e, i, QUIRE_TYPE_STRING, "a string") < 0)
            rc = -1;
    }
    return rc;
}

static int check_str_pred(expr_cc *cc, expr *e)
{
    return check_all_strings(cc, e, QUIRE_TYPE_BOOL);
}

static int check_replace(expr_cc *cc, expr *e)
{
    return check_all_strings(cc, e, QUIRE_TYPE_STRING);
}

/* ============================== Table ===================================== */

#define NN FN_NULL_IN_NULL_OUT

const expr_fn expr_fns_string[] = {
    {"upper", 1, 1, NN, EOP_CALL, check_str_to_str, fn_upper},
    {"lower", 1, 1, NN, EOP_CALL, check_str_to_str, fn_lower},
    {"trim", 1, 1, NN, EOP_CALL, check_str_to_str, fn_trim},
    {"ltrim", 1, 1, NN, EOP_CALL, check_str_to_str, fn_ltrim},
    {"rtrim", 1, 1, NN, EOP_CALL, check_str_to_str, fn_rtrim},
    {"substr", 2, 3, NN, EOP_CALL, check_substr, fn_substr},
    {"length", 1, 1, NN, EOP_CALL, check_length, fn_length},
    {"replace", 3, 3, NN, EOP_CALL, check_replace, fn_replace},
    {"contains", 2, 2, NN, EOP_CALL, check_str_pred, fn_contains},
    {"starts_with", 2, 2, NN, EOP_CALL, check_str_pred, fn_starts_with},
    {"ends_with", 2, 2, NN, EOP_CALL, check_str_pred, fn_ends_with},
};

const size_t expr_nfns_string = sizeof(expr_fns_string) / sizeof(expr_fns_string[0]);
