/*
 * ast_format.c - the canonical text of a report definition, as `quire fmt`
 * prints it (see report.h and docs/report-language.md, "Canonical form").
 *
 * The output depends only on the tree, never on how the input was spaced,
 * so formatting is idempotent; it prints exactly the syntax the tree holds
 * (operators, parentheses the author wrote, literals re-spelled in their
 * canonical form), so parsing it back gives the same tree.
 */
#include "report.h"

#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "decimal.h"

#define INDENT     4
#define LINE_WIDTH 100

/* ============================== Text buffer =============================== */

typedef struct sbuf {
    char *s;
    size_t len, cap;
    int oom;
} sbuf;

static void sb_add(sbuf *b, const char *s, size_t n)
{
    if (b->oom)
        return;
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 256;
        char *grown;
        while (cap < b->len + n + 1)
            cap *= 2;
        grown = realloc(b->s, cap);
        if (grown == NULL) {
            b->oom = 1;
            return;
        }
        b->s = grown;
        b->cap = cap;
    }
    memcpy(b->s + b->len, s, n);
    b->len += n;
    b->s[b->len] = '\0';
}

static void sb_str(sbuf *b, const char *s)
{
    sb_add(b, s, strlen(s));
}

static void sb_printf(sbuf *b, const char *fmt, ...) QUIRE_PRINTF(2, 3);
static void sb_printf(sbuf *b, const char *fmt, ...)
{
    char tmp[128];
    va_list ap;
    int n;

    va_start(ap, fmt);
    n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= sizeof(tmp)) {
        b->oom = 1;
        return;
    }
    sb_add(b, tmp, (size_t)n);
}

/* Display width: UTF-8 continuation bytes take no column. */
static size_t width_of(const char *s, size_t n)
{
    size_t w = 0;

    for (size_t k = 0; k < n; k++)
        w += ((unsigned char)s[k] & 0xC0) != 0x80;
    return w;
}

/* ============================== Literals ================================== */

/* A scaled integer as digits with `scale` of them after the point. */
static void put_scaled(sbuf *b, int64_t v, int32_t scale)
{
    char digits[48];

    sb_add(b, digits, dec_format(v, scale, digits, sizeof(digits)));
}

/* The shortest mantissa/exponent form that reads back as the same double,
 * always with an exponent so it reads back as a float: 1.5e3, 1e-5. */
static void put_float(sbuf *b, double f)
{
    char tmp[64];
    char *e;

    for (int prec = 0; prec <= 17; prec++) {
        snprintf(tmp, sizeof(tmp), "%.*e", prec, f);
        if (strtod(tmp, NULL) == f)
            break;
    }
    e = strchr(tmp, 'e');
    if (e == NULL) { /* not finite: the lexer never makes one */
        sb_str(b, "0e0");
        return;
    }
    sb_add(b, tmp, (size_t)(e - tmp));
    sb_add(b, "e", 1);
    e++;
    if (*e == '-')
        sb_add(b, e++, 1);
    else if (*e == '+')
        e++;
    while (*e == '0' && e[1] != '\0')
        e++;
    sb_str(b, e);
}

static void put_string(sbuf *b, const char *s, size_t n)
{
    sb_add(b, "\"", 1);
    for (size_t k = 0; k < n; k++) {
        unsigned char c = (unsigned char)s[k];
        switch (c) {
        case '"': sb_add(b, "\\\"", 2); break;
        case '\\': sb_add(b, "\\\\", 2); break;
        case '\n': sb_add(b, "\\n", 2); break;
        case '\t': sb_add(b, "\\t", 2); break;
        default:
            if (c < 0x20 || c == 0x7F)
                sb_printf(b, "\\u{%X}", c);
            else
                sb_add(b, (const char *)&c, 1);
            break;
        }
    }
    sb_add(b, "\"", 1);
}

/* ============================== Expressions =============================== */

static const char *op_text(ast_op op)
{
    switch (op) {
    case AST_OP_ADD: return "+";
    case AST_OP_SUB: return "-";
    case AST_OP_MUL: return "*";
    case AST_OP_DIV: return "/";
    case AST_OP_MOD: return "%";
    case AST_OP_CONCAT: return "||";
    case AST_OP_EQ: return "=";
    case AST_OP_NE: return "!=";
    case AST_OP_LT: return "<";
    case AST_OP_LE: return "<=";
    case AST_OP_GT: return ">";
    case AST_OP_GE: return ">=";
    case AST_OP_AND: return "and";
    case AST_OP_OR: return "or";
    default: return "?";
    }
}

static void put_expr(sbuf *b, const ast_expr *e);

static void put_args(sbuf *b, ast_expr *const *args, uint32_t n)
{
    for (uint32_t k = 0; k < n; k++) {
        if (k > 0)
            sb_add(b, ", ", 2);
        put_expr(b, args[k]);
    }
}

static void put_expr(sbuf *b, const ast_expr *e)
{
    if (e->parenthesised)
        sb_add(b, "(", 1);
    switch (e->kind) {
    case AST_NULL: sb_str(b, "null"); break;
    case AST_BOOL: sb_str(b, e->i ? "true" : "false"); break;
    case AST_INT: sb_printf(b, "%" PRId64, e->i); break;
    case AST_DECIMAL: put_scaled(b, e->i, e->scale); break;
    case AST_FLOAT: put_float(b, e->f); break;
    case AST_STRING: put_string(b, e->s, e->slen); break;
    case AST_DATE:
    case AST_TIMESTAMP:
        sb_add(b, "@", 1);
        sb_str(b, e->s != NULL ? e->s : "");
        break;
    case AST_LENGTH:
        put_scaled(b, e->i, e->scale);
        sb_str(b, e->s != NULL ? e->s : "pt");
        break;
    case AST_NAME: sb_str(b, e->name); break;
    case AST_UNARY:
        if (e->op == AST_OP_NOT) {
            sb_str(b, "not ");
            put_expr(b, e->args[0]);
        } else {
            size_t at = b->len;
            sb_add(b, "-", 1);
            put_expr(b, e->args[0]);
            /* "--x" reads back the same, but "- -x" is kinder to readers. */
            if (!b->oom && b->s[at + 1] == '-') {
                sb_add(b, " ", 1);
                if (!b->oom) {
                    memmove(b->s + at + 2, b->s + at + 1, b->len - at - 2);
                    b->s[at + 1] = ' ';
                }
            }
        }
        break;
    case AST_BINARY:
        put_expr(b, e->args[0]);
        sb_add(b, " ", 1);
        sb_str(b, op_text(e->op));
        sb_add(b, " ", 1);
        put_expr(b, e->args[1]);
        break;
    case AST_IS_NULL:
        put_expr(b, e->args[0]);
        sb_str(b, e->negated ? " is not null" : " is null");
        break;
    case AST_IN:
        put_expr(b, e->args[0]);
        sb_str(b, e->negated ? " not in [" : " in [");
        put_args(b, e->args + 1, e->nargs - 1);
        sb_add(b, "]", 1);
        break;
    case AST_CALL:
        sb_str(b, e->name);
        sb_add(b, "(", 1);
        put_args(b, e->args, e->nargs);
        sb_add(b, ")", 1);
        break;
    case AST_LIST:
        sb_add(b, "[", 1);
        put_args(b, e->args, e->nargs);
        sb_add(b, "]", 1);
        break;
    }
    if (e->parenthesised)
        sb_add(b, ")", 1);
}

/* ============================== Items ===================================== */

static void put_indent(sbuf *b, int indent)
{
    for (int k = 0; k < indent; k++)
        sb_add(b, " ", 1);
}

/* "#text" with trailing blanks removed (a lone \r too: the lexer drops one
 * before a newline, so keeping it would not read back the same). */
static void put_comment(sbuf *b, const char *text)
{
    size_t n = strlen(text);

    while (n > 0 && (text[n - 1] == ' ' || text[n - 1] == '\t' || text[n - 1] == '\r'))
        n--;
    sb_add(b, "#", 1);
    sb_add(b, text, n);
}

static void put_trailing(sbuf *b, const ast_item *it)
{
    if (it->comment != NULL) {
        sb_add(b, " ", 1);
        put_comment(b, it->comment);
    }
}

static void put_label(sbuf *b, const ast_label *l)
{
    sb_add(b, " ", 1);
    if (l->quoted)
        put_string(b, l->text, strlen(l->text));
    else
        sb_str(b, l->text);
}

static void put_attribute(sbuf *b, const ast_item *it)
{
    sb_str(b, it->name);
    sb_add(b, " = ", 3);
    put_expr(b, it->value);
}

/*
 * Whether a block stays on one line: the author wrote it on one line and its
 * body is attributes only, without comments. (A block written over several
 * lines keeps that form, so a short `report { ... }` is not squeezed; the
 * width check is done by the caller.)
 */
static int body_is_simple(const ast_item *it)
{
    if (it->close_loc.line != it->loc.line)
        return 0;
    for (uint32_t k = 0; k < it->nitems; k++) {
        const ast_item *c = it->items[k];
        if (c->kind != AST_ATTRIBUTE || c->comment != NULL)
            return 0;
    }
    return 1;
}

static void put_items(sbuf *b, ast_item *const *items, uint32_t n, int indent);

static void put_block(sbuf *b, const ast_item *it, int indent)
{
    size_t head = b->len;

    sb_str(b, it->name);
    for (uint32_t k = 0; k < it->nlabels; k++)
        put_label(b, &it->labels[k]);
    if (it->nitems == 0) {
        sb_str(b, " {}");
        put_trailing(b, it);
        return;
    }
    if (body_is_simple(it)) {
        size_t before = b->len;
        sb_str(b, " { ");
        for (uint32_t k = 0; k < it->nitems; k++) {
            if (k > 0)
                sb_add(b, "; ", 2);
            put_attribute(b, it->items[k]);
        }
        sb_str(b, " }");
        put_trailing(b, it);
        if (b->oom)
            return;
        if ((size_t)indent + width_of(b->s + head, b->len - head) <= LINE_WIDTH &&
            memchr(b->s + head, '\n', b->len - head) == NULL)
            return;
        b->len = before; /* too long: the multi-line form */
        b->s[b->len] = '\0';
    }
    sb_str(b, " {\n");
    put_items(b, it->items, it->nitems, indent + INDENT);
    put_indent(b, indent);
    sb_add(b, "}", 1);
    put_trailing(b, it);
}

static void put_items(sbuf *b, ast_item *const *items, uint32_t n, int indent)
{
    for (uint32_t k = 0; k < n; k++) {
        const ast_item *it = items[k];
        if (k > 0 && it->blank_before)
            sb_add(b, "\n", 1);
        put_indent(b, indent);
        switch (it->kind) {
        case AST_COMMENT: put_comment(b, it->comment != NULL ? it->comment : ""); break;
        case AST_ATTRIBUTE:
            put_attribute(b, it);
            put_trailing(b, it);
            break;
        case AST_BLOCK: put_block(b, it, indent); break;
        }
        sb_add(b, "\n", 1);
    }
}

int ast_format(const ast_file *file, FILE *out)
{
    sbuf b = {0};
    int rc = 0;

    put_items(&b, file->items, file->nitems, 0);
    if (b.oom)
        rc = -1;
    else if (b.len > 0 && fwrite(b.s, 1, b.len, out) != b.len)
        rc = -1;
    free(b.s);
    return rc;
}
