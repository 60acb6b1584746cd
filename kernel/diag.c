/*
 * diag.c - the diagnostics list (see diag.h).
 */
#include "diag.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

void diag_init(diag *d)
{
    memset(d, 0, sizeof(*d));
}

/* A diagnostic is one line whatever it quotes (a label with a newline in
 * it, a value from a data file): control bytes other than tab become \n,
 * \r or \xNN. Takes `text` over; returns it or its replacement, NULL when
 * out of memory. */
static char *one_line(char *text)
{
    size_t extra = 0, n = 0;
    char *out;
    for (const unsigned char *c = (const unsigned char *)text; *c; c++)
        if ((*c < 0x20 && *c != '\t') || *c == 0x7f)
            extra += 3;
    if (extra == 0)
        return text;
    out = malloc(strlen(text) + extra + 1);
    if (out != NULL) {
        for (const unsigned char *c = (const unsigned char *)text; *c; c++) {
            if (*c == '\n' || *c == '\r') {
                out[n++] = '\\';
                out[n++] = *c == '\n' ? 'n' : 'r';
            } else if ((*c < 0x20 && *c != '\t') || *c == 0x7f) {
                n += (size_t)sprintf(out + n, "\\x%02x", *c);
            } else {
                out[n++] = (char)*c;
            }
        }
        out[n] = '\0';
    }
    free(text);
    return out;
}

/* Appends an item; `where` and `detail` (malloc'd or NULL) are taken over. */
static void diag_vadd_at(diag *d, int severity, char *where, char *detail, const char *fmt,
                         va_list ap)
{
    char *text = NULL;
    va_list copy;
    int len;

    if (severity == DIAG_ERROR)
        d->errors++;
    va_copy(copy, ap);
    len = vsnprintf(NULL, 0, fmt, copy);
    va_end(copy);
    if (len < 0)
        goto fail_oom;
    text = malloc((size_t)len + 1);
    if (text == NULL)
        goto fail_oom;
    vsnprintf(text, (size_t)len + 1, fmt, ap);
    text = one_line(text);
    if (text == NULL)
        goto fail_oom;
    if (d->count == d->cap) {
        size_t cap = d->cap ? d->cap * 2 : 8;
        diag_item *items = realloc(d->items, cap * sizeof(*items));
        if (items == NULL)
            goto fail_free_text;
        d->items = items;
        d->cap = cap;
    }
    d->items[d->count].severity = severity;
    d->items[d->count].text = text;
    d->items[d->count].where = where;
    d->items[d->count].detail = detail;
    d->count++;
    return;

fail_free_text:
    free(text);
fail_oom:
    free(where);
    free(detail);
    d->oom = 1;
}

static void diag_vadd(diag *d, int severity, const char *fmt, va_list ap)
{
    diag_vadd_at(d, severity, NULL, NULL, fmt, ap);
}

/* "PATH:LINE:COL", malloc'd (NULL on failure: the item is still added). */
static char *where_text(const char *path, uint32_t line, uint32_t column)
{
    int n = snprintf(NULL, 0, "%s:%u:%u", path, line, column);
    char *s = n < 0 ? NULL : malloc((size_t)n + 1);
    if (s != NULL)
        snprintf(s, (size_t)n + 1, "%s:%u:%u", path, line, column);
    return s;
}

/* The source line `line` of text[0..len) and a caret under `column`, as two
 * lines indented by four spaces; NULL if there is no such line. Control bytes
 * other than tab are shown as '?' so the output stays one line each. */
static char *detail_text(const char *text, size_t len, uint32_t line, uint32_t column)
{
    size_t start = 0, end, width, out_len;
    uint32_t at = 1;
    char *s, *p;

    if (text == NULL || line == 0)
        return NULL;
    while (at < line && start < len) {
        const char *nl = memchr(text + start, '\n', len - start);
        if (nl == NULL)
            return NULL;
        start = (size_t)(nl - text) + 1;
        at++;
    }
    if (at != line || start > len)
        return NULL;
    end = start;
    while (end < len && text[end] != '\n' && end - start < 240)
        end++;
    if (end > start && text[end - 1] == '\r')
        end--;
    width = end - start;
    if (column == 0)
        column = 1;
    if ((size_t)column - 1 > width)
        column = (uint32_t)width + 1;
    out_len = 4 + width + 1 + 4 + column + 1;
    s = malloc(out_len);
    if (s == NULL)
        return NULL;
    p = s;
    memcpy(p, "    ", 4);
    p += 4;
    for (size_t i = start; i < end; i++) {
        unsigned char c = (unsigned char)text[i];
        *p++ = (c < 0x20 && c != '\t') || c == 0x7f ? '?' : (char)c;
    }
    *p++ = '\n';
    memcpy(p, "    ", 4);
    p += 4;
    for (uint32_t i = 1; i < column; i++)
        *p++ = text[start + i - 1] == '\t' ? '\t' : ' ';
    *p++ = '^';
    *p = '\0';
    return s;
}

void diag_error_at(diag *d, const char *path, const char *text, size_t len, uint32_t line,
                   uint32_t column, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    diag_vadd_at(d, DIAG_ERROR, where_text(path, line, column),
                 detail_text(text, len, line, column), fmt, ap);
    va_end(ap);
}

void diag_warning_at(diag *d, const char *path, const char *text, size_t len, uint32_t line,
                     uint32_t column, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    diag_vadd_at(d, DIAG_WARNING, where_text(path, line, column),
                 detail_text(text, len, line, column), fmt, ap);
    va_end(ap);
}

void diag_error(diag *d, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    diag_vadd(d, DIAG_ERROR, fmt, ap);
    va_end(ap);
}

void diag_warning(diag *d, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    diag_vadd(d, DIAG_WARNING, fmt, ap);
    va_end(ap);
}

void diag_print(const diag *d, FILE *out)
{
    for (size_t i = 0; i < d->count; i++) {
        const diag_item *it = &d->items[i];
        const char *sev = it->severity == DIAG_ERROR ? "error" : "warning";
        if (it->where != NULL)
            fprintf(out, "%s: %s: %s\n", it->where, sev, it->text);
        else
            fprintf(out, "%s: %s\n", sev, it->text);
        if (it->detail != NULL)
            fprintf(out, "%s\n", it->detail);
    }
    if (d->oom)
        fprintf(out, "error: out of memory: some diagnostics were lost\n");
}

char *diag_to_string(const diag *d)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&buf, &len);
    if (out == NULL)
        return NULL;
    diag_print(d, out);
    if (fclose(out) != 0) {
        free(buf);
        return NULL;
    }
    return buf;
}

void diag_clear(diag *d)
{
    for (size_t i = 0; i < d->count; i++) {
        free(d->items[i].text);
        free(d->items[i].where);
        free(d->items[i].detail);
    }
    free(d->items);
    diag_init(d);
}

void error_setf(quire_error *err, int code, const char *fmt, ...)
{
    va_list ap;
    if (err == NULL)
        return;
    err->code = code;
    va_start(ap, fmt);
    vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
    va_end(ap);
}
