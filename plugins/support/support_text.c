/*
 * support_text.c - text checks and message helpers of the source plugins
 * (see support_value.h): UTF-8 validation, a value quoted on one line for
 * a message, and a column type spelled as the `types` option spells it.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "support_value.h"

/* ============================== UTF-8 ===================================== */

size_t support_utf8_len(const unsigned char *s, size_t n)
{
    unsigned char c = s[0];
    unsigned char lo = 0x80, hi = 0xbf;
    size_t len;

    if (c < 0x80)
        return 1;
    if (c >= 0xc2 && c <= 0xdf)
        len = 2;
    else if (c >= 0xe0 && c <= 0xef)
        len = 3;
    else if (c >= 0xf0 && c <= 0xf4)
        len = 4;
    else
        return 0; /* continuation byte, overlong lead C0/C1, or past U+10FFFF */
    if (c == 0xe0)
        lo = 0xa0; /* overlong */
    else if (c == 0xed)
        hi = 0x9f; /* surrogates */
    else if (c == 0xf0)
        lo = 0x90; /* overlong */
    else if (c == 0xf4)
        hi = 0x8f; /* past U+10FFFF */
    if (n < len || s[1] < lo || s[1] > hi)
        return 0;
    for (size_t i = 2; i < len; i++)
        if (s[i] < 0x80 || s[i] > 0xbf)
            return 0;
    return len;
}

size_t support_utf8_invalid_at(const char *str, size_t n)
{
    const unsigned char *s = (const unsigned char *)str;
    size_t i = 0;

    if (support_all_ascii(str, n))
        return n;

    while (i < n) {
        size_t len;
        /* Fast path: eight ASCII bytes at a time. */
        while (i + 8 <= n) {
            uint64_t word;
            memcpy(&word, s + i, 8);
            if (word & UINT64_C(0x8080808080808080))
                break;
            i += 8;
        }
        if (i >= n)
            break;
        len = support_utf8_len(s + i, n - i);
        if (len == 0)
            return i;
        i += len;
    }
    return n;
}

const char *support_show(const char *str, size_t n, char *buf, size_t len)
{
    const unsigned char *s = (const unsigned char *)str;
    size_t out = 0, i = 0;
    const size_t shown_max = 60;

    if (len == 0)
        return buf;
    while (i < n && i < shown_max) {
        char esc[8];
        size_t add, seq = support_utf8_len(s + i, n - i);

        if (s[i] == '\n')
            add = (size_t)snprintf(esc, sizeof(esc), "\\n");
        else if (s[i] == '\t')
            add = (size_t)snprintf(esc, sizeof(esc), "\\t");
        else if (s[i] == '\r')
            add = (size_t)snprintf(esc, sizeof(esc), "\\r");
        else if (s[i] < 0x20 || s[i] == 0x7f || seq == 0)
            add = (size_t)snprintf(esc, sizeof(esc), "\\x%02x", s[i]);
        else
            add = 0;
        if (add > 0) {
            if (out + add + 4 > len)
                break;
            memcpy(buf + out, esc, add);
            out += add;
            i++;
        } else {
            if (out + seq + 4 > len)
                break;
            memcpy(buf + out, s + i, seq);
            out += seq;
            i += seq;
        }
    }
    if (i < n && out + 4 <= len) {
        memcpy(buf + out, "...", 3);
        out += 3;
    }
    buf[out < len ? out : len - 1] = '\0';
    return buf;
}

/* ============================== Type names ================================ */

const char *support_type_text(uint32_t type, int32_t scale, char *buf, size_t len)
{
    static const char *const names[] = {"null",  "bool",   "int",  "decimal",
                                        "float", "string", "date", "timestamp"};

    if (type == QUIRE_TYPE_DECIMAL)
        snprintf(buf, len, "decimal(%" PRId32 ")", scale);
    else
        snprintf(buf, len, "%s", type < sizeof(names) / sizeof(names[0]) ? names[type] : "?");
    return buf;
}
