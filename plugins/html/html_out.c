/*
 * html_out.c - writing markup to the document's file (support_out.h: a
 * temporary file renamed into place at the end) and the small encoders
 * markup needs: escaped text, numbers, colours, base64.
 *
 * Writes never fail to their caller: the file keeps the first write(2)
 * failure and drops later writes, so markup is written without a check per
 * tag and the failure surfaces from support_out_error() or
 * support_out_commit() as "cannot write 'x.html': No space left on device".
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "html.h"

/* ============================== Writing =================================== */

/* Failures stick in the file (support_out): they surface from
 * support_out_error() and support_out_commit(), so markup is written without a
 * check per tag. */
void html_out_write(html_out *out, const void *bytes, size_t len)
{
    quire_error ignored;
    support_out_write(out, bytes, len, &ignored);
}

void html_out_puts(html_out *out, const char *s)
{
    html_out_write(out, s, strlen(s));
}

void html_out_fmt(html_out *out, const char *fmt, ...)
{
    char buf[512];
    va_list ap;
    int n;

    va_start(ap, fmt);
    n = vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    if (n > 0)
        html_out_write(out, buf, (size_t)n < sizeof(buf) ? (size_t)n : sizeof(buf) - 1);
}

/* ============================== Encoders ================================== */

/* Length of the valid UTF-8 sequence at s[0..len) and its code point, or 0
 * when the bytes there are not one (overlong, surrogate, > U+10FFFF,
 * truncated). s[0] is not ASCII. */
static size_t utf8_decode(const unsigned char *s, size_t len, uint32_t *cp)
{
    size_t n;
    uint32_t c, min;

    if (s[0] >= 0xc2 && s[0] <= 0xdf) {
        n = 2, c = s[0] & 0x1fu, min = 0x80;
    } else if (s[0] >= 0xe0 && s[0] <= 0xef) {
        n = 3, c = s[0] & 0x0fu, min = 0x800;
    } else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
        n = 4, c = s[0] & 0x07u, min = 0x10000;
    } else {
        return 0;
    }
    if (len < n)
        return 0;
    for (size_t i = 1; i < n; i++) {
        if ((s[i] & 0xc0) != 0x80)
            return 0;
        c = (c << 6) | (s[i] & 0x3fu);
    }
    if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
        return 0;
    *cp = c;
    return n;
}

/* Code points HTML calls parse errors in text: C1 controls and
 * noncharacters (C0 and DEL are handled as bytes). */
static int html_forbidden(uint32_t cp)
{
    return (cp >= 0x80 && cp <= 0x9f) || (cp >= 0xfdd0 && cp <= 0xfdef) || (cp & 0xfffe) == 0xfffe;
}

void html_out_text(html_out *out, const char *utf8, size_t len)
{
    static const char replacement[] = "\xef\xbf\xbd"; /* U+FFFD */
    const unsigned char *s = (const unsigned char *)utf8;
    size_t run = 0, i = 0;

    if (s == NULL)
        return;
    /* Copies runs of plain bytes and stops at each byte needing care. */
    while (i < len) {
        unsigned char c = s[i];
        const char *rep = NULL;
        size_t skip = 1;
        uint32_t cp;

        if (c >= 0x80) {
            size_t n = utf8_decode(s + i, len - i, &cp);
            if (n > 0 && !html_forbidden(cp)) {
                i += n;
                continue;
            }
            rep = replacement;
            skip = n > 0 ? n : 1;
        } else if (c == '&') {
            rep = "&amp;";
        } else if (c == '<') {
            rep = "&lt;";
        } else if (c == '>') {
            rep = "&gt;";
        } else if (c == '"') {
            rep = "&quot;";
        } else if (c == '\'') {
            rep = "&#39;";
        } else if (c == '\t') {
            rep = " ";
        } else if (c < 0x20 || c == 0x7f) {
            rep = replacement;
        } else {
            i++;
            continue;
        }
        html_out_write(out, s + run, i - run);
        html_out_puts(out, rep);
        i += skip;
        run = i;
    }
    html_out_write(out, s + run, len - run);
}

void html_out_num(html_out *out, double v)
{
    char buf[40];
    long long hundredths, whole;
    int frac, n;

    /* Coordinates beyond a kilometre of paper are bugs upstream; clamping
     * keeps the integer conversion defined. */
    if (!isfinite(v))
        v = 0;
    if (v > 1e12)
        v = 1e12;
    if (v < -1e12)
        v = -1e12;
    hundredths = llround(v * 100.0);
    whole = (hundredths < 0 ? -hundredths : hundredths) / 100;
    frac = (int)((hundredths < 0 ? -hundredths : hundredths) % 100);
    n = snprintf(buf, sizeof(buf), "%s%lld", hundredths < 0 ? "-" : "", whole);
    if (frac != 0 && n > 0 && (size_t)n < sizeof(buf) - 4) {
        buf[n++] = '.';
        buf[n++] = (char)('0' + frac / 10);
        if (frac % 10 != 0)
            buf[n++] = (char)('0' + frac % 10);
        buf[n] = '\0';
    }
    html_out_puts(out, buf);
}

void html_out_color(html_out *out, quire_color c)
{
    if (c.a == 255)
        html_out_fmt(out, "#%02x%02x%02x", c.r, c.g, c.b);
    else
        html_out_fmt(out, "#%02x%02x%02x%02x", c.r, c.g, c.b, c.a);
}

void html_out_base64(html_out *out, const uint8_t *data, size_t len)
{
    static const char digits[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    char chunk[4096];
    size_t used = 0;

    for (size_t i = 0; i < len; i += 3) {
        uint32_t v = (uint32_t)data[i] << 16;
        size_t rest = len - i;
        if (rest > 1)
            v |= (uint32_t)data[i + 1] << 8;
        if (rest > 2)
            v |= data[i + 2];
        chunk[used++] = digits[(v >> 18) & 63];
        chunk[used++] = digits[(v >> 12) & 63];
        chunk[used++] = rest > 1 ? digits[(v >> 6) & 63] : '=';
        chunk[used++] = rest > 2 ? digits[v & 63] : '=';
        if (used == sizeof(chunk)) {
            html_out_write(out, chunk, used);
            used = 0;
        }
    }
    html_out_write(out, chunk, used);
}
