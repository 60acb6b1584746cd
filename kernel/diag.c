/*
 * diag.c - the diagnostics list (see diag.h).
 */
#include "diag.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

void diag_init(diag *d) { memset(d, 0, sizeof(*d)); }

static void diag_vadd(diag *d, int severity, const char *fmt, va_list ap)
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
    d->count++;
    return;

fail_free_text:
    free(text);
fail_oom:
    d->oom = 1;
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
    for (size_t i = 0; i < d->count; i++)
        fprintf(out, "%s: %s\n", d->items[i].severity == DIAG_ERROR ? "error" : "warning",
                d->items[i].text);
    if (d->oom)
        fprintf(out, "error: out of memory: some diagnostics were lost\n");
}

void diag_clear(diag *d)
{
    for (size_t i = 0; i < d->count; i++)
        free(d->items[i].text);
    free(d->items);
    diag_init(d);
}
