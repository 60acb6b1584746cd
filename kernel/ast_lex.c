/*
 * ast_lex.c - the tokenizer of the report language (see ast_lex.h and
 * docs/report-language.md). Literals are decoded and checked here, with
 * messages that quote the literal and say what is wrong with it.
 */
#include "ast_lex.h"
#include "calendar.h"
#include "decimal.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Longest literal text quoted in a message before it is cut with "...". */
#define QUOTE_MAX 40

/* ============================== Errors ==================================== */

void ast_lex_error(ast_lexer *lx, ast_loc loc, const char *fmt, ...)
{
    char msg[512];
    va_list ap;

    if (lx->gave_up)
        return;
    if (lx->errors >= AST_MAX_ERRORS) {
        diag_error_at(lx->d, lx->path, lx->text, lx->len, loc.line, loc.column,
                      "too many errors (%d); stopping here", AST_MAX_ERRORS);
        lx->gave_up = 1;
        return;
    }
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    lx->errors++;
    diag_error_at(lx->d, lx->path, lx->text, lx->len, loc.line, loc.column, "%s", msg);
}

static ast_loc loc_at(const ast_lexer *lx, size_t pos)
{
    ast_loc loc;

    loc.line = lx->line;
    loc.column = (uint32_t)(pos - lx->line_start + 1);
    return loc;
}

/* Number of bytes of text[start..end) to quote and whether it was cut. */
static int quote_len(size_t start, size_t end, int *cut)
{
    size_t n = end - start;

    *cut = n > QUOTE_MAX;
    return (int)(n > QUOTE_MAX ? QUOTE_MAX : n);
}

/* ============================== Setup ===================================== */

void ast_lex_init(ast_lexer *lx, const char *path, const char *text, size_t len, quire_arena *arena,
                  diag *d)
{
    memset(lx, 0, sizeof(*lx));
    lx->path = path;
    lx->text = text;
    lx->len = len;
    lx->line = 1;
    lx->arena = arena;
    lx->d = d;
    if (len >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0)
        lx->pos = 3;
}

static int is_digit(int c)
{
    return c >= '0' && c <= '9';
}

static int is_name_start(int c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

static int is_name_char(int c)
{
    return is_name_start(c) || is_digit(c);
}

/* The byte at pos, or -1 past the end. */
static int at(const ast_lexer *lx, size_t pos)
{
    return pos < lx->len ? (unsigned char)lx->text[pos] : -1;
}

/* ============================== UTF-8 ===================================== */

/* Length of the valid UTF-8 sequence at s[0..n), or 0 if it is invalid
 * (overlong forms, surrogates and code points past U+10FFFF are invalid). */
static size_t utf8_valid_len(const unsigned char *s, size_t n)
{
    unsigned c = s[0];
    size_t need;
    uint32_t cp;

    if (c < 0x80)
        return 1;
    if (c >= 0xC2 && c <= 0xDF) {
        need = 2;
        cp = c & 0x1F;
    } else if (c >= 0xE0 && c <= 0xEF) {
        need = 3;
        cp = c & 0x0F;
    } else if (c >= 0xF0 && c <= 0xF4) {
        need = 4;
        cp = c & 0x07;
    } else {
        return 0;
    }
    if (n < need)
        return 0;
    for (size_t k = 1; k < need; k++) {
        if ((s[k] & 0xC0) != 0x80)
            return 0;
        cp = (cp << 6) | (s[k] & 0x3F);
    }
    if ((need == 3 && cp < 0x800) || (need == 4 && (cp < 0x10000 || cp > 0x10FFFF)))
        return 0;
    if (cp >= 0xD800 && cp <= 0xDFFF)
        return 0;
    return need;
}

/* Appends the UTF-8 form of code point cp (valid) to out; returns bytes. */
static size_t utf8_put(char *out, uint32_t cp)
{
    if (cp < 0x80) {
        out[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        out[0] = (char)(0xC0 | (cp >> 6));
        out[1] = (char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        out[0] = (char)(0xE0 | (cp >> 12));
        out[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        out[2] = (char)(0x80 | (cp & 0x3F));
        return 3;
    }
    out[0] = (char)(0xF0 | (cp >> 18));
    out[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
    out[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
    out[3] = (char)(0x80 | (cp & 0x3F));
    return 4;
}

/* ============================== Strings =================================== */

/*
 * Reads a "string" starting at the quote. The decoded text is never longer
 * than the source, so one arena buffer of the source length is enough.
 * Reports the first problem only (one per string keeps the list readable)
 * but always skips to the closing quote or the end of the line.
 */
static void lex_string(ast_lexer *lx, ast_token *tok)
{
    size_t open = lx->pos, p = lx->pos + 1, end = p;
    int bad = 0;
    char *buf;
    size_t n = 0;

    while (end < lx->len && lx->text[end] != '"' && lx->text[end] != '\n') {
        if (lx->text[end] == '\\' && end + 1 < lx->len && lx->text[end + 1] != '\n')
            end++;
        end++;
    }
    if (end >= lx->len || lx->text[end] != '"') {
        ast_lex_error(lx, loc_at(lx, open), "unterminated string");
        lx->pos = end;
        if (lx->pos > open + 1 && lx->text[lx->pos - 1] == '\r')
            lx->pos--;
        tok->kind = TOK_ERROR;
        return;
    }
    buf = arena_alloc(lx->arena, end - p + 1);
    if (buf == NULL) {
        ast_lex_error(lx, loc_at(lx, open), "out of memory");
        lx->pos = end + 1;
        tok->kind = TOK_ERROR;
        return;
    }
    while (p < end && !bad) {
        unsigned char c = (unsigned char)lx->text[p];
        if (c == '\\') {
            int e = at(lx, p + 1);
            switch (e) {
            case '"':
                buf[n++] = '"';
                p += 2;
                continue;
            case '\\':
                buf[n++] = '\\';
                p += 2;
                continue;
            case 'n':
                buf[n++] = '\n';
                p += 2;
                continue;
            case 't':
                buf[n++] = '\t';
                p += 2;
                continue;
            case 'u': break;
            default:
                if (e >= 0x21 && e < 0x7F)
                    ast_lex_error(lx, loc_at(lx, p), "unknown escape '\\%c' in string", e);
                else
                    ast_lex_error(lx, loc_at(lx, p),
                                  "unknown escape in string (a '\\' must be followed by "
                                  "\", \\, n, t or u{...})");
                bad = 1;
                continue;
            }
            /* \u{XXXX}: 1 to 6 hex digits */
            size_t q = p + 2;
            uint32_t cp = 0;
            int digits = 0;
            if (at(lx, q) != '{') {
                ast_lex_error(lx, loc_at(lx, p), "invalid \\u escape: expected \\u{XXXX}");
                bad = 1;
                continue;
            }
            q++;
            while (q < end && digits <= 6) {
                int h = (unsigned char)lx->text[q];
                int v = is_digit(h)              ? h - '0'
                        : (h >= 'a' && h <= 'f') ? h - 'a' + 10
                        : (h >= 'A' && h <= 'F') ? h - 'A' + 10
                                                 : -1;
                if (v < 0)
                    break;
                cp = cp * 16 + (uint32_t)v;
                digits++;
                q++;
            }
            if (digits == 0 || digits > 6 || at(lx, q) != '}') {
                ast_lex_error(lx, loc_at(lx, p),
                              "invalid \\u escape: expected 1 to 6 hex digits in \\u{...}");
                bad = 1;
                continue;
            }
            if (cp == 0 || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
                ast_lex_error(lx, loc_at(lx, p), "\\u{%X} is not an allowed code point", cp);
                bad = 1;
                continue;
            }
            n += utf8_put(buf + n, cp);
            p = q + 1;
        } else if (c == 0) {
            ast_lex_error(lx, loc_at(lx, p), "NUL byte in input");
            bad = 1;
        } else {
            size_t k = utf8_valid_len((const unsigned char *)lx->text + p, end - p);
            if (k == 0) {
                ast_lex_error(lx, loc_at(lx, p), "invalid UTF-8 in string (byte 0x%02X)", c);
                bad = 1;
                continue;
            }
            memcpy(buf + n, lx->text + p, k);
            n += k;
            p += k;
        }
    }
    buf[n] = '\0';
    lx->pos = end + 1;
    if (bad) {
        tok->kind = TOK_ERROR;
        return;
    }
    tok->kind = TOK_STRING;
    tok->s = buf;
    tok->slen = n;
}

/* ============================== Numbers and lengths ======================= */

/* Points per unit for a length suffix, or 0 if `unit` is not one. */
static double unit_points(const char *unit, size_t n)
{
    if (n != 2)
        return 0;
    if (memcmp(unit, "mm", 2) == 0)
        return 72.0 / 25.4;
    if (memcmp(unit, "cm", 2) == 0)
        return 72.0 / 2.54;
    if (memcmp(unit, "in", 2) == 0)
        return 72.0;
    if (memcmp(unit, "pt", 2) == 0)
        return 1.0;
    return 0;
}

/*
 * Reads a number: digits ["." digits] [("e"|"E") ["+"|"-"] digits] [unit].
 * An exponent makes a float; a point without one a decimal (its scale is the
 * digits after the point); mm/cm/in/pt right after an int or decimal make a
 * length.
 */
static void lex_number(ast_lexer *lx, ast_token *tok)
{
    size_t start = lx->pos, p = start, int_start, frac_start = 0, frac_end = 0;
    int has_point = 0, has_exp = 0, cut;
    size_t sig = 0; /* digits after leading zeros of the integer part */
    int64_t v = 0;
    int overflow = 0;
    ast_loc loc = loc_at(lx, start);

    int_start = p;
    while (is_digit(at(lx, p)))
        p++;
    if (at(lx, p) == '.') {
        if (!is_digit(at(lx, p + 1))) {
            int n = quote_len(start, p + 1, &cut);
            ast_lex_error(lx, loc, "expected a digit after '.' in '%.*s%s'", n, lx->text + start,
                          cut ? "..." : "");
            lx->pos = p + 1;
            tok->kind = TOK_ERROR;
            return;
        }
        has_point = 1;
        frac_start = p + 1;
        p++;
        while (is_digit(at(lx, p)))
            p++;
        frac_end = p;
    }
    if ((at(lx, p) == 'e' || at(lx, p) == 'E') &&
        (is_digit(at(lx, p + 1)) ||
         ((at(lx, p + 1) == '+' || at(lx, p + 1) == '-') && is_digit(at(lx, p + 2))))) {
        has_exp = 1;
        p += 2;
        while (is_digit(at(lx, p)))
            p++;
    }
    size_t num_end = p;
    size_t unit_start = p;
    while (is_name_char(at(lx, p)))
        p++;
    lx->pos = p;
    tok->kind = TOK_ERROR;

    if (p > unit_start) {
        double factor = unit_points(lx->text + unit_start, p - unit_start);
        int n = quote_len(start, p, &cut);
        if (factor == 0) {
            ast_lex_error(lx, loc, "unknown unit '%.*s' in '%.*s%s' (units: mm, cm, in, pt)",
                          (int)(p - unit_start > QUOTE_MAX ? QUOTE_MAX : p - unit_start),
                          lx->text + unit_start, n, lx->text + start, cut ? "..." : "");
            return;
        }
        if (has_exp) {
            ast_lex_error(lx, loc, "a length cannot have an exponent: '%.*s%s'", n,
                          lx->text + start, cut ? "..." : "");
            return;
        }
    }
    if (has_exp) {
        size_t n = num_end - start;
        char small[64];
        char *buf = n < sizeof(small) ? small : arena_strndup(lx->arena, lx->text + start, n);
        int qn = quote_len(start, num_end, &cut);
        if (buf == NULL) {
            ast_lex_error(lx, loc, "out of memory");
            return;
        }
        if (buf == small) {
            memcpy(small, lx->text + start, n);
            small[n] = '\0';
        }
        errno = 0;
        tok->f = strtod(buf, NULL);
        if (!isfinite(tok->f) || (errno == ERANGE && fabs(tok->f) > 1.0)) {
            ast_lex_error(lx, loc, "float literal %.*s%s is out of range", qn, lx->text + start,
                          cut ? "..." : "");
            return;
        }
        tok->kind = TOK_FLOAT;
        return;
    }

    /* Integer or decimal: accumulate every digit as one scaled integer. */
    size_t int_end = has_point ? frac_start - 1 : num_end;
    for (size_t k = int_start; k < int_end; k++) {
        int dgt = lx->text[k] - '0';
        if (sig == 0 && dgt == 0)
            continue;
        sig++;
        if (v > (INT64_MAX - dgt) / 10)
            overflow = 1;
        else
            v = v * 10 + dgt;
    }
    if (has_point) {
        for (size_t k = frac_start; k < frac_end; k++) {
            int dgt = lx->text[k] - '0';
            sig++;
            if (sig > 18)
                continue;
            v = v * 10 + dgt;
        }
        if (sig > 18) {
            ast_lex_error(lx, loc, "decimal literal has more than 18 digits");
            return;
        }
        tok->scale = (int32_t)(frac_end - frac_start);
    } else if (overflow) {
        int qn = quote_len(start, num_end, &cut);
        ast_lex_error(lx, loc, "integer literal %.*s%s is out of range", qn, lx->text + start,
                      cut ? "..." : "");
        return;
    }
    tok->i = v;
    if (p > unit_start) {
        tok->kind = TOK_LENGTH;
        tok->f = dec_to_double(v, tok->scale) * unit_points(lx->text + unit_start, p - unit_start);
        tok->s = arena_strndup(lx->arena, lx->text + unit_start, p - unit_start);
        tok->slen = 2;
        if (tok->s == NULL) {
            ast_lex_error(lx, loc, "out of memory");
            tok->kind = TOK_ERROR;
        }
        return;
    }
    tok->kind = has_point ? TOK_DECIMAL : TOK_INT;
}

/* ============================== Dates and timestamps ====================== */

/* Reads `n` digits at s as a number, or -1 if they are not all digits. */
static int digits_at(const char *s, size_t avail, size_t n)
{
    int v = 0;

    if (avail < n)
        return -1;
    for (size_t k = 0; k < n; k++) {
        if (!is_digit((unsigned char)s[k]))
            return -1;
        v = v * 10 + (s[k] - '0');
    }
    return v;
}

/*
 * Reads @YYYY-MM-DD or @YYYY-MM-DDTHH:MM:SS[.ffffff][Z|+HH:MM|-HH:MM]. The
 * literal is the run of [0-9A-Za-z:.+-] after '@'; anything in it that does
 * not fit the form is an error naming the whole literal.
 */
static void lex_date(ast_lexer *lx, ast_token *tok)
{
    size_t at_pos = lx->pos, s0 = at_pos + 1, e = s0;
    ast_loc loc = loc_at(lx, at_pos);
    const char *s;
    size_t n;
    int y, mo, d, cut, qn;
    const char *what = "date";
    const char *why = NULL;

    while (e < lx->len) {
        int c = (unsigned char)lx->text[e];
        if (!(is_name_char(c) || c == ':' || c == '.' || c == '+' || c == '-'))
            break;
        e++;
    }
    lx->pos = e;
    tok->kind = TOK_ERROR;
    s = lx->text + s0;
    n = e - s0;
    qn = quote_len(s0, e, &cut);
    if (n == 0) {
        ast_lex_error(lx, loc, "expected a date after '@' (@YYYY-MM-DD)");
        return;
    }
    if (n > 10)
        what = "timestamp";
    y = digits_at(s, n, 4);
    mo = n >= 7 ? digits_at(s + 5, n - 5, 2) : -1;
    d = n >= 10 ? digits_at(s + 8, n - 8, 2) : -1;
    if (y < 0 || mo < 0 || d < 0 || s[4] != '-' || s[7] != '-' || (n > 10 && s[10] != 'T')) {
        ast_lex_error(lx, loc, "invalid %s @%.*s%s: expected @YYYY-MM-DD%s", what, qn, s,
                      cut ? "..." : "", n > 10 ? "THH:MM:SS" : "");
        return;
    }
    if (y < 1)
        why = "year out of range";
    else if (mo < 1 || mo > 12)
        why = "month out of range";
    else if (d < 1 || d > (int)cal_days_in_month(y, (unsigned)mo))
        why = "day out of range";
    if (why != NULL) {
        ast_lex_error(lx, loc, "invalid %s @%.*s%s: %s", what, qn, s, cut ? "..." : "", why);
        return;
    }
    int64_t days = cal_days_from_civil(y, (unsigned)mo, (unsigned)d);
    tok->s = arena_strndup(lx->arena, s, n);
    tok->slen = n;
    if (tok->s == NULL) {
        ast_lex_error(lx, loc, "out of memory");
        return;
    }
    if (n == 10) {
        tok->kind = TOK_DATE;
        tok->i = days;
        return;
    }

    /* The time of day, then an optional fraction and zone. */
    size_t p = 11;
    int hh = digits_at(s + p, n - p, 2);
    int mi = n >= p + 5 && s[p + 2] == ':' ? digits_at(s + p + 3, n - p - 3, 2) : -1;
    int ss = n >= p + 8 && s[p + 5] == ':' ? digits_at(s + p + 6, n - p - 6, 2) : -1;
    int64_t frac = 0;
    int fdigits = 0, offset = 0;
    const char *form = "expected @YYYY-MM-DDTHH:MM:SS[.ffffff][Z|+HH:MM]";

    if (hh < 0 || mi < 0 || ss < 0) {
        ast_lex_error(lx, loc, "invalid timestamp @%.*s%s: %s", qn, s, cut ? "..." : "", form);
        return;
    }
    p += 8;
    if (p < n && s[p] == '.') {
        p++;
        while (p < n && is_digit((unsigned char)s[p])) {
            if (fdigits < 6)
                frac = frac * 10 + (s[p] - '0');
            fdigits++;
            p++;
        }
        if (fdigits == 0) {
            ast_lex_error(lx, loc, "invalid timestamp @%.*s%s: %s", qn, s, cut ? "..." : "", form);
            return;
        }
        if (fdigits > 6) {
            ast_lex_error(lx, loc, "invalid timestamp @%.*s%s: more than 6 fraction digits", qn, s,
                          cut ? "..." : "");
            return;
        }
        for (int k = fdigits; k < 6; k++)
            frac *= 10;
    }
    if (p < n && s[p] == 'Z') {
        p++;
    } else if (p < n && (s[p] == '+' || s[p] == '-')) {
        int sign = s[p] == '-' ? -1 : 1;
        int oh = digits_at(s + p + 1, n - p - 1, 2);
        int om = n >= p + 6 && s[p + 3] == ':' ? digits_at(s + p + 4, n - p - 4, 2) : -1;
        if (oh < 0 || om < 0) {
            ast_lex_error(lx, loc, "invalid timestamp @%.*s%s: %s", qn, s, cut ? "..." : "", form);
            return;
        }
        if (oh > 23 || om > 59) {
            ast_lex_error(lx, loc, "invalid timestamp @%.*s%s: zone offset out of range", qn, s,
                          cut ? "..." : "");
            return;
        }
        offset = sign * (oh * 60 + om);
        p += 6;
    }
    if (p != n) {
        ast_lex_error(lx, loc, "invalid timestamp @%.*s%s: %s", qn, s, cut ? "..." : "", form);
        return;
    }
    why = hh > 23   ? "hour out of range"
          : mi > 59 ? "minute out of range"
          : ss > 59 ? "second out of range"
                    : NULL;
    if (why != NULL) {
        ast_lex_error(lx, loc, "invalid timestamp @%.*s%s: %s", qn, s, cut ? "..." : "", why);
        return;
    }
    tok->kind = TOK_TIMESTAMP;
    tok->i = ((days * 86400 + hh * 3600 + mi * 60 + ss) - (int64_t)offset * 60) * 1000000 + frac;
}

/* ============================== Names ===================================== */

static ast_keyword keyword_of(const char *s, size_t n)
{
    static const struct {
        const char *word;
        ast_keyword kw;
    } words[] = {
        {"and", KW_AND},   {"or", KW_OR},       {"not", KW_NOT}, {"null", KW_NULL},
        {"true", KW_TRUE}, {"false", KW_FALSE}, {"is", KW_IS},   {"in", KW_IN},
    };

    if (n > 5)
        return KW_NONE;
    for (size_t k = 0; k < sizeof(words) / sizeof(words[0]); k++) {
        const char *w = words[k].word;
        size_t j = 0;
        if (strlen(w) != n)
            continue;
        while (j < n && (s[j] | 0x20) == w[j])
            j++;
        if (j == n)
            return words[k].kw;
    }
    return KW_NONE;
}

/* ============================== Tokens ==================================== */

/* Sets tok to a punctuation token of `n` bytes. */
static void punct(ast_lexer *lx, ast_token *tok, ast_tok_kind kind, size_t n)
{
    tok->kind = kind;
    lx->pos += n;
}

void ast_lex_next(ast_lexer *lx, ast_token *tok)
{
    memset(tok, 0, sizeof(*tok));
    for (;;) {
        int c = at(lx, lx->pos);
        if (c == ' ' || c == '\t' || c == '\r') {
            lx->pos++;
            continue;
        }
        if (c == 0) {
            ast_lex_error(lx, loc_at(lx, lx->pos), "NUL byte in input");
            lx->pos++;
            continue;
        }
        break;
    }
    tok->loc = loc_at(lx, lx->pos);
    tok->start = (uint32_t)lx->pos;
    int c = at(lx, lx->pos);
    int c2 = at(lx, lx->pos + 1);

    if (lx->gave_up || c < 0) {
        tok->kind = TOK_EOF;
        lx->pos = lx->len;
    } else if (c == '\n') {
        tok->kind = TOK_NEWLINE;
        lx->pos++;
        lx->line++;
        lx->line_start = lx->pos;
    } else if (c == '#') {
        size_t p = lx->pos + 1;
        while (p < lx->len && lx->text[p] != '\n') {
            if (lx->text[p] == '\0')
                ast_lex_error(lx, loc_at(lx, p), "NUL byte in input");
            p++;
        }
        size_t e = p;
        if (e > lx->pos + 1 && lx->text[e - 1] == '\r')
            e--;
        tok->kind = TOK_COMMENT;
        tok->s = lx->text + lx->pos + 1;
        tok->slen = e - (lx->pos + 1);
        lx->pos = p;
    } else if (is_name_start(c)) {
        size_t p = lx->pos;
        while (is_name_char(at(lx, p)))
            p++;
        tok->kind = TOK_NAME;
        tok->s = lx->text + lx->pos;
        tok->slen = p - lx->pos;
        tok->kw = keyword_of(tok->s, tok->slen);
        lx->pos = p;
    } else if (is_digit(c)) {
        lex_number(lx, tok);
    } else if (c == '"') {
        lex_string(lx, tok);
    } else if (c == '@') {
        lex_date(lx, tok);
    } else {
        switch (c) {
        case '(': punct(lx, tok, TOK_LPAREN, 1); break;
        case ')': punct(lx, tok, TOK_RPAREN, 1); break;
        case '[': punct(lx, tok, TOK_LBRACKET, 1); break;
        case ']': punct(lx, tok, TOK_RBRACKET, 1); break;
        case '{': punct(lx, tok, TOK_LBRACE, 1); break;
        case '}': punct(lx, tok, TOK_RBRACE, 1); break;
        case ',': punct(lx, tok, TOK_COMMA, 1); break;
        case ';': punct(lx, tok, TOK_SEMI, 1); break;
        case '+': punct(lx, tok, TOK_PLUS, 1); break;
        case '-': punct(lx, tok, TOK_MINUS, 1); break;
        case '*': punct(lx, tok, TOK_STAR, 1); break;
        case '/': punct(lx, tok, TOK_SLASH, 1); break;
        case '%': punct(lx, tok, TOK_PERCENT, 1); break;
        case '=':
            if (c2 == '=')
                punct(lx, tok, TOK_EQ, 2);
            else
                punct(lx, tok, TOK_ASSIGN, 1);
            break;
        case '<':
            if (c2 == '=')
                punct(lx, tok, TOK_LE, 2);
            else if (c2 == '>')
                punct(lx, tok, TOK_NE, 2);
            else
                punct(lx, tok, TOK_LT, 1);
            break;
        case '>':
            if (c2 == '=')
                punct(lx, tok, TOK_GE, 2);
            else
                punct(lx, tok, TOK_GT, 1);
            break;
        case '!':
            if (c2 == '=') {
                punct(lx, tok, TOK_NE, 2);
            } else {
                ast_lex_error(lx, tok->loc, "unexpected '!' (write 'not' or '!=')");
                punct(lx, tok, TOK_ERROR, 1);
            }
            break;
        case '|':
            if (c2 == '|') {
                punct(lx, tok, TOK_CONCAT, 2);
            } else {
                ast_lex_error(lx, tok->loc, "unexpected '|' (write '||' or 'or')");
                punct(lx, tok, TOK_ERROR, 1);
            }
            break;
        case '.':
            if (is_digit(c2))
                ast_lex_error(lx, tok->loc, "a number must start with a digit: write 0.%c", c2);
            else
                ast_lex_error(lx, tok->loc, "unexpected '.'");
            punct(lx, tok, TOK_ERROR, 1);
            while (is_name_char(at(lx, lx->pos)))
                lx->pos++;
            break;
        default: {
            size_t k = utf8_valid_len((const unsigned char *)lx->text + lx->pos, lx->len - lx->pos);
            if (c >= 0x21 && c < 0x7F)
                ast_lex_error(lx, tok->loc, "unexpected character '%c'", c);
            else if (k > 1)
                ast_lex_error(lx, tok->loc, "unexpected character '%.*s' outside a string", (int)k,
                              lx->text + lx->pos);
            else
                ast_lex_error(lx, tok->loc, "unexpected byte 0x%02X", c);
            punct(lx, tok, TOK_ERROR, k > 1 ? k : 1);
            break;
        }
        }
    }
    tok->end = (uint32_t)lx->pos;
}

/* ============================== Describing tokens ========================= */

const char *ast_tok_describe(const ast_lexer *lx, const ast_token *tok, char *buf, size_t cap)
{
    int cut;
    int n;

    switch (tok->kind) {
    case TOK_EOF: snprintf(buf, cap, "end of file"); break;
    case TOK_NEWLINE: snprintf(buf, cap, "end of line"); break;
    case TOK_COMMENT: snprintf(buf, cap, "a comment"); break;
    case TOK_STRING: snprintf(buf, cap, "a string"); break;
    default:
        n = quote_len(tok->start, tok->end, &cut);
        snprintf(buf, cap, "'%.*s%s'", n, lx->text + tok->start, cut ? "..." : "");
        break;
    }
    return buf;
}
