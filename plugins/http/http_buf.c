/*
 * http_buf.c - growable byte buffers for connection input and output and
 * for the request parser's text. Memory comes from the host table.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "http.h"

int hbuf_reserve(const quire_host *host, hbuf *b, size_t extra)
{
    size_t need, cap;
    char *p;

    if (b->pos > 0 && b->pos == b->len)
        b->pos = b->len = 0;
    if (extra > SIZE_MAX - b->len - 1)
        return -1;
    need = b->len + extra + 1; /* room for a NUL terminator */
    if (need <= b->cap)
        return 0;
    /* Slide the pending bytes down before growing: output drains from
     * the front while more is appended. */
    if (b->pos > 0 && need - b->pos <= b->cap) {
        memmove(b->data, b->data + b->pos, b->len - b->pos);
        b->len -= b->pos;
        b->pos = 0;
        return 0;
    }
    cap = b->cap ? b->cap : 256;
    while (cap < need)
        cap = cap > SIZE_MAX / 2 ? need : cap * 2;
    p = host->realloc(b->data, cap);
    if (p == NULL)
        return -1;
    b->data = p;
    b->cap = cap;
    return 0;
}

int hbuf_append(const quire_host *host, hbuf *b, const void *data, size_t n)
{
    if (hbuf_reserve(host, b, n) != 0)
        return -1;
    if (n > 0)
        memcpy(b->data + b->len, data, n);
    b->len += n;
    b->data[b->len] = '\0';
    return 0;
}

int hbuf_printf(const quire_host *host, hbuf *b, const char *fmt, ...)
{
    va_list ap;
    int n;

    va_start(ap, fmt);
    n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0 || hbuf_reserve(host, b, (size_t)n) != 0)
        return -1;
    va_start(ap, fmt);
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
    return 0;
}

size_t hbuf_pending(const hbuf *b)
{
    return b->len - b->pos;
}

void hbuf_consume(hbuf *b, size_t n)
{
    b->pos += n;
    if (b->pos >= b->len)
        b->pos = b->len = 0;
}

void hbuf_free(const quire_host *host, hbuf *b)
{
    host->free(b->data);
    b->data = NULL;
    b->pos = b->len = b->cap = 0;
}
