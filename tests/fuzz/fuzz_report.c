/*
 * fuzz_report.c - libFuzzer target for the report language front end: the
 * input is parsed as a definition (ast_parse); a tree that parses is loaded
 * (report_load) and formatted (ast_format). The formatted text must parse
 * again to a tree with the same meaning, and formatting it again must give
 * the same bytes (fmt is a fixed point). Any crash, leak, sanitizer report
 * or broken invariant (a trap) is a bug. Built and run by `make fuzz`.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../unit/ast_equal.h"
#include "ast.h"
#include "report.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond)                                                                                \
    do {                                                                                           \
        if (!(cond))                                                                               \
            __builtin_trap();                                                                      \
    } while (0)

/* The canonical text of f in a malloc'd buffer. */
static char *format_text(const ast_file *f, size_t *len)
{
    char *out = NULL;
    FILE *mem = open_memstream(&out, len);

    CHECK(mem != NULL);
    CHECK(ast_format(f, mem) == 0);
    CHECK(fclose(mem) == 0);
    return out;
}

/* Every located message is one line and names a position in the file. */
static void check_diag(const diag *d)
{
    for (size_t k = 0; k < d->count; k++) {
        CHECK(d->items[k].text != NULL && strchr(d->items[k].text, '\n') == NULL);
        CHECK(d->items[k].where == NULL || strchr(d->items[k].where, '\n') == NULL);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    ast_file *a = NULL, *b = NULL;
    report *r = NULL;
    diag d = {0};
    char *once, *twice;
    size_t once_len, twice_len;
    int rc;

    rc = ast_parse("fuzz.quire", (const char *)data, size, &a, &d);
    CHECK((rc == 0) == (a != NULL));
    CHECK((rc == 0) == (d.errors == 0));
    check_diag(&d);
    if (a == NULL) {
        diag_clear(&d);
        return 0;
    }

    rc = report_load(a, &r, &d);
    CHECK((rc == 0) == (r != NULL));
    CHECK((rc == 0) == (d.errors == 0));
    check_diag(&d);
    report_free(r);
    diag_clear(&d);

    once = format_text(a, &once_len);
    CHECK(ast_parse("fuzz.quire", once, once_len, &b, &d) == 0);
    CHECK(trees_equal(a, b));
    twice = format_text(b, &twice_len);
    CHECK(once_len == twice_len && memcmp(once, twice, once_len) == 0);

    free(once);
    free(twice);
    ast_free(a);
    ast_free(b);
    diag_clear(&d);
    return 0;
}
