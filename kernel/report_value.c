/*
 * report_value.c - the readers report_load() uses to give one attribute its
 * meaning: strings, booleans, lengths, numbers, enumerations, colours,
 * scopes, aggregates; plus the attribute lookup (unknown, given twice, did
 * you mean) and the name table. Every failure is one message that names the
 * attribute and says what it expected and what it got.
 */
#include "report_int.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "decimal.h"

/* ============================== Messages ================================== */

void rl_error(loader *L, ast_loc loc, const char *fmt, ...)
{
    char msg[768];
    va_list ap;

    if (L->gave_up)
        return;
    if (L->errors >= AST_MAX_ERRORS) {
        diag_error_at(L->d, L->ast->path, L->ast->text, L->ast->len, loc.line, loc.column,
                      "too many errors (%d); stopping here", AST_MAX_ERRORS);
        L->gave_up = 1;
        return;
    }
    L->errors++;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    diag_error_at(L->d, L->ast->path, L->ast->text, L->ast->len, loc.line, loc.column, "%s", msg);
}

const char *rl_kind_name(const ast_expr *e)
{
    switch (e->kind) {
    case AST_NULL: return "null";
    case AST_BOOL: return "a boolean";
    case AST_INT: return "an integer";
    case AST_DECIMAL: return "a decimal";
    case AST_FLOAT: return "a float";
    case AST_STRING: return "a string";
    case AST_DATE: return "a date";
    case AST_TIMESTAMP: return "a timestamp";
    case AST_LENGTH: return "a length";
    case AST_NAME: return "a name";
    case AST_CALL: return "a function call";
    case AST_LIST: return "a list";
    case AST_UNARY:
        if (e->op == AST_OP_NEG && e->args[0]->kind >= AST_INT && e->args[0]->kind <= AST_FLOAT)
            return "a negative number";
        if (e->op == AST_OP_NEG && e->args[0]->kind == AST_LENGTH)
            return "a negative length";
        return "an expression";
    default: return "an expression";
    }
}

const char *rl_text(loader *L, const ast_expr *e, char *buf, size_t cap)
{
    size_t n = e->end - e->start;
    int cut = n > 40;

    snprintf(buf, cap, "%.*s%s", (int)(cut ? 40 : n), L->ast->text + e->start, cut ? "..." : "");
    return buf;
}

/* Levenshtein distance between a[0..la) and b, giving up (returning 3)
 * past 2 or on long words. Row minima never decrease, so the first row with
 * no cell within 2 settles it: an unknown reference is compared with every
 * name of its kind, and a report may have many. */
static int edit_distance(const char *a, size_t la, const char *b)
{
    size_t lb = strnlen(b, 66);
    int row[65];

    if (la > 64 || lb > 64 || (la > lb ? la - lb : lb - la) > 2)
        return 3;
    for (size_t j = 0; j <= lb; j++)
        row[j] = (int)j;
    for (size_t i = 1; i <= la; i++) {
        int prev = row[0];
        int low = (int)i;
        row[0] = (int)i;
        for (size_t j = 1; j <= lb; j++) {
            int cur = row[j];
            int best = prev + (a[i - 1] != b[j - 1]);
            if (row[j] + 1 < best)
                best = row[j] + 1;
            if (row[j - 1] + 1 < best)
                best = row[j - 1] + 1;
            row[j] = best;
            prev = cur;
            if (best < low)
                low = best;
        }
        if (low > 2)
            return 3;
    }
    return row[lb];
}

const char *rl_suggest(const char *word, const char *const *names, size_t n)
{
    size_t len = strnlen(word, 66);
    const char *best = NULL;
    int best_d = 3;

    for (size_t k = 0; k < n && best_d > 1; k++) {
        int dist = edit_distance(word, len, names[k]);
        if (dist < best_d) {
            best_d = dist;
            best = names[k];
        }
    }
    return best;
}

void rl_join(char *buf, size_t cap, const char *const *names, size_t n)
{
    size_t len = 0;

    buf[0] = '\0';
    for (size_t k = 0; k < n && len + 1 < cap; k++) {
        int w = snprintf(buf + len, cap - len, "%s%s", k > 0 ? ", " : "", names[k]);
        if (w < 0 || (size_t)w >= cap - len) {
            if (cap > 4)
                memcpy(buf + cap - 4, "...", 4);
            return;
        }
        len += (size_t)w;
    }
}

/* ============================== Names ===================================== */

static size_t name_hash(int ns, const char *name)
{
    uint64_t h = 1469598103934665603u ^ (uint64_t)ns;

    for (const unsigned char *p = (const unsigned char *)name; *p != '\0'; p++) {
        h ^= *p;
        h *= 1099511628211u;
    }
    return (size_t)(h ^ (h >> 29));
}

static rl_name *name_slot(rl_name *t, size_t cap, int ns, const char *name)
{
    size_t i = name_hash(ns, name) & (cap - 1);

    while (t[i].name != NULL && !(t[i].ns == ns && strcmp(t[i].name, name) == 0))
        i = (i + 1) & (cap - 1);
    return &t[i];
}

const rl_name *rl_name_find(const loader *L, int ns, const char *name)
{
    const rl_name *slot;

    if (L->names_cap == 0)
        return NULL;
    slot = name_slot(L->names, L->names_cap, ns, name);
    return slot->name != NULL ? slot : NULL;
}

int rl_name_add(loader *L, int ns, const char *what, const char *name, int index, ast_loc loc)
{
    const rl_name *old = rl_name_find(L, ns, name);
    rl_name *slot;

    if (old != NULL) {
        if (strcmp(old->what, what) == 0)
            rl_error(L, loc, "duplicate %s '%s' (first defined at line %u)", what, name,
                     old->loc.line);
        else
            rl_error(L, loc, "%s '%s' has the same name as %s '%s' (line %u)", what, name,
                     old->what, name, old->loc.line);
        return -1;
    }
    if ((L->names_count + 1) * 2 > L->names_cap) {
        size_t cap = L->names_cap ? L->names_cap * 2 : 64;
        rl_name *t = calloc(cap, sizeof(*t));
        if (t == NULL) {
            L->oom = 1;
            return -1;
        }
        for (size_t k = 0; k < L->names_cap; k++) {
            if (L->names[k].name != NULL)
                *name_slot(t, cap, L->names[k].ns, L->names[k].name) = L->names[k];
        }
        free(L->names);
        L->names = t;
        L->names_cap = cap;
    }
    slot = name_slot(L->names, L->names_cap, ns, name);
    slot->name = name;
    slot->ns = ns;
    slot->what = what;
    slot->index = index;
    slot->loc = loc;
    L->names_count++;
    return 0;
}

int rl_option_add(loader *L, int ns, const ast_item *a)
{
    const rl_name *old = rl_name_find(L, ns, a->name);

    if (old != NULL) {
        rl_error(L, a->loc, "'%s' is given twice (first at line %u)", a->name, old->loc.line);
        return -1;
    }
    return rl_name_add(L, ns, "option", a->name, 0, a->loc);
}

int rl_resolve(loader *L, int ns, const char *what, const char *name, ast_loc loc,
               const char *const *all, size_t n)
{
    const rl_name *e = rl_name_find(L, ns, name);
    const char *near;
    char list[256];

    if (e != NULL)
        return e->index;
    if (L->gave_up) /* no message will be shown: skip the search */
        return -1;
    near = rl_suggest(name, all, n);
    if (near != NULL) {
        rl_error(L, loc, "unknown %s '%s' (did you mean '%s'?)", what, name, near);
    } else if (n == 0) {
        rl_error(L, loc, "unknown %s '%s' (the report defines no %ss)", what, name, what);
    } else {
        rl_join(list, sizeof(list), all, n);
        rl_error(L, loc, "unknown %s '%s' (%ss: %s)", what, name, what, list);
    }
    return -1;
}

/* The names of r's groups, styles or datasets for a suggestion (malloc'd,
 * NULL when there are none or memory is short). */
static const char **names_of(const void *base, size_t count, size_t stride)
{
    const char **v;

    if (count == 0)
        return NULL;
    v = malloc(count * sizeof(*v));
    if (v == NULL)
        return NULL;
    for (size_t k = 0; k < count; k++) {
        /* every report part starts with its `const char *name` */
        const char *const *name = (const char *const *)((const char *)base + k * stride);
        v[k] = *name != NULL ? *name : "";
    }
    return v;
}

static int resolve_in(loader *L, int ns, const char *what, const char *name, ast_loc loc,
                      const void *base, size_t count, size_t stride)
{
    const rl_name *e = rl_name_find(L, ns, name);
    const char **all;
    int rc;

    if (e != NULL)
        return e->index;
    if (L->gave_up)
        return -1;
    all = names_of(base, count, stride);
    rc = rl_resolve(L, ns, what, name, loc, all, all != NULL ? count : 0);
    free(all);
    return rc;
}

int rl_resolve_group(loader *L, const char *name, ast_loc loc)
{
    return resolve_in(L, NS_GROUP, "group", name, loc, L->r->groups, L->r->ngroups,
                      sizeof(report_group));
}

int rl_resolve_style(loader *L, const char *name, ast_loc loc)
{
    return resolve_in(L, NS_STYLE, "style", name, loc, L->r->styles, L->r->nstyles,
                      sizeof(report_style));
}

int rl_resolve_dataset(loader *L, const char *name, ast_loc loc)
{
    return resolve_in(L, NS_DATASET, "dataset", name, loc, L->r->datasets, L->r->ndatasets,
                      sizeof(report_dataset));
}

/* ============================== Attributes ================================ */

void rl_attrs_add(rl_attrs *a, const char *const *names)
{
    for (size_t k = 0; names[k] != NULL && a->n + 1 < sizeof(a->names) / sizeof(a->names[0]); k++)
        a->names[a->n++] = names[k];
    a->names[a->n] = NULL;
}

int rl_attr_index(loader *L, rl_attrs *a, const ast_item *it, const char *where)
{
    const char *near;
    char list[512];

    for (size_t k = 0; k < a->n; k++) {
        if (strcmp(a->names[k], it->name) != 0)
            continue;
        if (a->seen[k] != NULL) {
            rl_error(L, it->loc, "'%s' is given twice (first at line %u)", it->name,
                     a->seen[k]->loc.line);
            return -1;
        }
        a->seen[k] = it;
        return (int)k;
    }
    near = rl_suggest(it->name, a->names, a->n);
    if (near != NULL) {
        rl_error(L, it->loc, "unknown attribute '%s' in %s (did you mean '%s'?)", it->name, where,
                 near);
    } else {
        rl_join(list, sizeof(list), a->names, a->n);
        rl_error(L, it->loc, "unknown attribute '%s' in %s; expected one of: %s", it->name, where,
                 list);
    }
    return -1;
}

void rl_unexpected_block(loader *L, const ast_item *it, const char *where)
{
    rl_error(L, it->loc, "unexpected block '%s' in %s (it takes only attributes: name = value)",
             it->name, where);
}

const ast_item *rl_next_attr(loader *L, const ast_item *block, uint32_t *k, const char *where)
{
    while (*k < block->nitems) {
        const ast_item *a = block->items[(*k)++];
        if (a->kind == AST_ATTRIBUTE)
            return a;
        if (a->kind == AST_BLOCK)
            rl_unexpected_block(L, a, where);
    }
    return NULL;
}

const char *rl_one_name(loader *L, const ast_item *it, const char *what)
{
    if (it->nlabels == 0) {
        rl_error(L, it->loc, "%s needs a name: %s NAME { ... }", what, what);
        return NULL;
    }
    if (it->labels[0].quoted) {
        rl_error(L, it->labels[0].loc, "%s name must be a plain name, not a string", what);
        return NULL;
    }
    if (it->nlabels > 1) {
        rl_error(L, it->labels[1].loc, "unexpected label '%s': %s takes one name",
                 it->labels[1].text, what);
        return NULL;
    }
    return it->labels[0].text;
}

int rl_no_labels(loader *L, const ast_item *it, const char *what)
{
    if (it->nlabels == 0)
        return 0;
    rl_error(L, it->labels[0].loc, "unexpected label '%s': %s takes no name", it->labels[0].text,
             what);
    return -1;
}

void rl_missing(loader *L, const ast_item *block, const char *attr, const char *where)
{
    rl_error(L, block->loc, "missing required attribute '%s' in %s", attr, where);
}

/* ============================== Literals ================================== */

int rl_number_literal(const ast_expr *e, double *out)
{
    int neg = 0;
    double v;

    if (e->kind == AST_UNARY && e->op == AST_OP_NEG) {
        neg = 1;
        e = e->args[0];
    }
    switch (e->kind) {
    case AST_INT: v = (double)e->i; break;
    case AST_FLOAT: v = e->f; break;
    case AST_DECIMAL: v = dec_to_double(e->i, e->scale); break;
    default: return -1;
    }
    *out = neg ? -v : v;
    return 0;
}

int rl_string(loader *L, const ast_item *it, const char **out)
{
    const ast_expr *e = it->value;

    if (e->kind != AST_STRING) {
        rl_error(L, e->loc, "'%s' expects a string, got %s", it->name, rl_kind_name(e));
        return -1;
    }
    *out = e->s;
    return 0;
}

int rl_bool(loader *L, const ast_item *it, int *out)
{
    const ast_expr *e = it->value;

    if (e->kind != AST_BOOL) {
        rl_error(L, e->loc, "'%s' expects true or false, got %s", it->name, rl_kind_name(e));
        return -1;
    }
    *out = (int)e->i;
    return 0;
}

int rl_name_value(loader *L, const ast_item *it, const char **out)
{
    const ast_expr *e = it->value;

    if (e->kind != AST_NAME) {
        rl_error(L, e->loc, "'%s' expects a name, got %s", it->name, rl_kind_name(e));
        return -1;
    }
    *out = e->name;
    return 0;
}

int rl_length_expr(loader *L, const char *what, const ast_expr *e, double *out)
{
    char buf[64];
    const ast_expr *inner = e;
    double v;

    if (inner->kind == AST_UNARY && inner->op == AST_OP_NEG)
        inner = inner->args[0];
    if (inner->kind == AST_LENGTH) {
        v = inner != e ? -inner->f : inner->f;
    } else if (rl_number_literal(e, &v) < 0) {
        rl_error(L, e->loc, "%s expects a length, got %s", what, rl_kind_name(e));
        return -1;
    }
    if (v < 0) {
        rl_error(L, e->loc, "%s must not be negative, got %s", what,
                 rl_text(L, e, buf, sizeof(buf)));
        return -1;
    }
    *out = v;
    return 0;
}

int rl_length(loader *L, const ast_item *it, double *out)
{
    char what[96];

    snprintf(what, sizeof(what), "'%s'", it->name);
    return rl_length_expr(L, what, it->value, out);
}

int rl_positive(loader *L, const ast_item *it, double *out)
{
    char buf[64];
    double v;

    if (rl_number_literal(it->value, &v) < 0) {
        rl_error(L, it->value->loc, "'%s' expects a number, got %s", it->name,
                 rl_kind_name(it->value));
        return -1;
    }
    if (!(v > 0)) {
        rl_error(L, it->value->loc, "'%s' must be greater than 0, got %s", it->name,
                 rl_text(L, it->value, buf, sizeof(buf)));
        return -1;
    }
    *out = v;
    return 0;
}

int rl_int(loader *L, const ast_item *it, int64_t min, int64_t max, int64_t *out)
{
    char buf[64];
    const ast_expr *e = it->value;
    int64_t v;

    if (e->kind == AST_INT)
        v = e->i;
    else if (e->kind == AST_UNARY && e->op == AST_OP_NEG && e->args[0]->kind == AST_INT)
        v = -e->args[0]->i;
    else {
        rl_error(L, e->loc, "'%s' expects an integer, got %s", it->name, rl_kind_name(e));
        return -1;
    }
    if (v < min || v > max) {
        if (max == INT64_MAX)
            rl_error(L, e->loc, "'%s' must be at least %lld, got %s", it->name, (long long)min,
                     rl_text(L, e, buf, sizeof(buf)));
        else
            rl_error(L, e->loc, "'%s' must be between %lld and %lld, got %s", it->name,
                     (long long)min, (long long)max, rl_text(L, e, buf, sizeof(buf)));
        return -1;
    }
    *out = v;
    return 0;
}

/* "a, b or c" */
static void join_or(char *buf, size_t cap, const char *const *names)
{
    size_t n = 0, len = 0;

    while (names[n] != NULL)
        n++;
    buf[0] = '\0';
    for (size_t k = 0; k < n; k++) {
        int w = snprintf(buf + len, cap - len, "%s%s",
                         k == 0       ? ""
                         : k + 1 == n ? " or "
                                      : ", ",
                         names[k]);
        if (w < 0 || (size_t)w >= cap - len)
            return;
        len += (size_t)w;
    }
}

int rl_enum(loader *L, const ast_item *it, const char *const *names, int *out)
{
    const ast_expr *e = it->value;
    char list[256];

    if (e->kind == AST_NAME) {
        for (int k = 0; names[k] != NULL; k++) {
            if (strcmp(names[k], e->name) == 0) {
                *out = k;
                return 0;
            }
        }
    }
    join_or(list, sizeof(list), names);
    if (e->kind == AST_NAME)
        rl_error(L, e->loc, "'%s' expects %s, got '%s'", it->name, list, e->name);
    else
        rl_error(L, e->loc, "'%s' expects %s, got %s", it->name, list, rl_kind_name(e));
    return -1;
}

/* ============================== Colours =================================== */

static const struct {
    const char *name;
    uint8_t r, g, b, a;
} colour_names[] = {
    {"black", 0x00, 0x00, 0x00, 0xff},  {"white", 0xff, 0xff, 0xff, 0xff},
    {"red", 0xff, 0x00, 0x00, 0xff},    {"green", 0x00, 0x80, 0x00, 0xff},
    {"blue", 0x00, 0x00, 0xff, 0xff},   {"gray", 0x80, 0x80, 0x80, 0xff},
    {"grey", 0x80, 0x80, 0x80, 0xff},   {"silver", 0xc0, 0xc0, 0xc0, 0xff},
    {"maroon", 0x80, 0x00, 0x00, 0xff}, {"navy", 0x00, 0x00, 0x80, 0xff},
    {"teal", 0x00, 0x80, 0x80, 0xff},   {"orange", 0xff, 0xa5, 0x00, 0xff},
    {"purple", 0x80, 0x00, 0x80, 0xff}, {"yellow", 0xff, 0xff, 0x00, 0xff},
    {"transparent", 0, 0, 0, 0},
};

static int hex_digit(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

int rl_color(loader *L, const ast_item *it, report_color *out)
{
    const ast_expr *e = it->value;
    const size_t ncolours = sizeof(colour_names) / sizeof(colour_names[0]);

    if (e->kind == AST_NAME) {
        const char *names[sizeof(colour_names) / sizeof(colour_names[0])];
        const char *near;
        for (size_t k = 0; k < ncolours; k++) {
            names[k] = colour_names[k].name;
            if (strcmp(e->name, colour_names[k].name) == 0) {
                out->r = colour_names[k].r;
                out->g = colour_names[k].g;
                out->b = colour_names[k].b;
                out->a = colour_names[k].a;
                return 0;
            }
        }
        near = rl_suggest(e->name, names, ncolours);
        if (near != NULL)
            rl_error(L, e->loc, "unknown colour '%s' in '%s' (did you mean '%s'?)", e->name,
                     it->name, near);
        else
            rl_error(L, e->loc,
                     "unknown colour '%s' in '%s' (write \"#rrggbb\" or one of: black, white, "
                     "red, green, blue, gray, grey, silver, maroon, navy, teal, orange, purple, "
                     "yellow, transparent)",
                     e->name, it->name);
        return -1;
    }
    if (e->kind == AST_STRING) {
        size_t n = e->slen;
        int v[8];
        int ok = e->s[0] == '#' && (n == 4 || n == 7 || n == 9);
        for (size_t k = 1; ok && k < n; k++) {
            v[k - 1] = hex_digit(e->s[k]);
            ok = v[k - 1] >= 0;
        }
        if (ok && n == 4) {
            out->r = (uint8_t)(v[0] * 17);
            out->g = (uint8_t)(v[1] * 17);
            out->b = (uint8_t)(v[2] * 17);
            out->a = 0xff;
            return 0;
        }
        if (ok) {
            out->r = (uint8_t)(v[0] * 16 + v[1]);
            out->g = (uint8_t)(v[2] * 16 + v[3]);
            out->b = (uint8_t)(v[4] * 16 + v[5]);
            out->a = n == 9 ? (uint8_t)(v[6] * 16 + v[7]) : 0xff;
            return 0;
        }
        char buf[64];
        rl_error(L, e->loc,
                 "invalid colour %s in '%s': expected \"#rgb\", \"#rrggbb\" or \"#rrggbbaa\"",
                 rl_text(L, e, buf, sizeof(buf)), it->name);
        return -1;
    }
    rl_error(L, e->loc, "'%s' expects a colour (\"#rrggbb\" or a name), got %s", it->name,
             rl_kind_name(e));
    return -1;
}

/* ============================== Expressions =============================== */

static const struct {
    const char *name;
    report_calc calc;
    int min_args, max_args;
} aggregates[] = {
    {"count", CALC_COUNT, 0, 1},
    {"count_distinct", CALC_COUNT_DISTINCT, 1, 1},
    {"sum", CALC_SUM, 1, 1},
    {"avg", CALC_AVG, 1, 1},
    {"min", CALC_MIN, 1, 1},
    {"max", CALC_MAX, 1, 1},
    {"first", CALC_FIRST, 1, 1},
    {"last", CALC_LAST, 1, 1},
    {"var_samp", CALC_VAR_SAMP, 1, 1},
    {"variance", CALC_VAR_SAMP, 1, 1},
    {"var_pop", CALC_VAR_POP, 1, 1},
    {"stddev_samp", CALC_STDDEV_SAMP, 1, 1},
    {"stddev", CALC_STDDEV_SAMP, 1, 1},
    {"stddev_pop", CALC_STDDEV_POP, 1, 1},
    {"median", CALC_MEDIAN, 1, 1},
    {"percentile", CALC_PERCENTILE, 2, 2},
    {"running_sum", CALC_RUNNING_SUM, 1, 1},
};

static int aggregate_index(const char *name)
{
    for (size_t k = 0; k < sizeof(aggregates) / sizeof(aggregates[0]); k++) {
        if (strcmp(aggregates[k].name, name) == 0)
            return (int)k;
    }
    return -1;
}

int rl_no_aggregates(loader *L, const ast_expr *e)
{
    int rc = 0;

    if (e->kind == AST_CALL && aggregate_index(e->name) >= 0) {
        rl_error(L, e->loc,
                 "aggregate function '%s' is only allowed at the top of a variable's or "
                 "dataset's value",
                 e->name);
        rc = -1;
    }
    for (uint32_t k = 0; k < e->nargs; k++) {
        if (rl_no_aggregates(L, e->args[k]) < 0)
            rc = -1;
    }
    return rc;
}

int rl_expr(loader *L, const ast_item *it, const ast_expr **out)
{
    *out = it->value;
    return rl_no_aggregates(L, it->value);
}

int rl_aggregate(loader *L, const ast_expr *e, report_calc *calc, const ast_expr **arg, double *p)
{
    char buf[64];
    int k;
    int rc = 1;

    if (e->kind != AST_CALL || (k = aggregate_index(e->name)) < 0)
        return 0;
    if ((int)e->nargs < aggregates[k].min_args || (int)e->nargs > aggregates[k].max_args) {
        if (aggregates[k].calc == CALC_COUNT)
            rl_error(L, e->loc, "'count' takes 0 or 1 arguments, got %u", e->nargs);
        else if (aggregates[k].calc == CALC_PERCENTILE)
            rl_error(L, e->loc, "'percentile' takes 2 arguments (x, p), got %u", e->nargs);
        else
            rl_error(L, e->loc, "'%s' takes 1 argument, got %u", e->name, e->nargs);
        return -1;
    }
    *calc = aggregates[k].calc;
    *arg = e->nargs > 0 ? e->args[0] : NULL;
    *p = *calc == CALC_MEDIAN ? 0.5 : 0;
    if (*arg != NULL && rl_no_aggregates(L, *arg) < 0)
        rc = -1;
    if (*calc == CALC_PERCENTILE) {
        double v;
        if (rl_number_literal(e->args[1], &v) < 0 || v < 0 || v > 1) {
            rl_error(L, e->args[1]->loc,
                     "percentile p must be a number literal between 0 and 1, got %s",
                     rl_text(L, e->args[1], buf, sizeof(buf)));
            return -1;
        }
        *p = v;
    }
    return rc;
}

/* group(NAME): the group's index, or -1 after an error; -2 if e is not a
 * group(...) call at all. */
static int group_call(loader *L, const ast_item *it, const ast_expr *e)
{
    if (e->kind != AST_CALL || strcmp(e->name, "group") != 0)
        return -2;
    if (e->nargs != 1 || e->args[0]->kind != AST_NAME) {
        rl_error(L, e->loc, "'%s' expects group(NAME) with one group name", it->name);
        return -1;
    }
    return rl_resolve_group(L, e->args[0]->name, e->args[0]->loc);
}

int rl_scope(loader *L, const ast_item *it, int allow_none, report_scope *scope, int *group)
{
    const ast_expr *e = it->value;
    int g = group_call(L, it, e);

    *group = -1;
    if (g >= 0) {
        *scope = SCOPE_GROUP;
        *group = g;
        return 0;
    }
    if (g == -1)
        return -1;
    if (e->kind == AST_NAME) {
        if (strcmp(e->name, "report") == 0) {
            *scope = SCOPE_REPORT;
            return 0;
        }
        if (strcmp(e->name, "page") == 0) {
            *scope = SCOPE_PAGE;
            return 0;
        }
        if (allow_none && strcmp(e->name, "none") == 0) {
            *scope = SCOPE_NONE;
            return 0;
        }
    }
    if (e->kind == AST_NAME)
        rl_error(L, e->loc, "'%s' expects report, page, %sgroup(NAME), got '%s'", it->name,
                 allow_none ? "none or " : "or ", e->name);
    else
        rl_error(L, e->loc, "'%s' expects report, page, %sgroup(NAME), got %s", it->name,
                 allow_none ? "none or " : "or ", rl_kind_name(e));
    return -1;
}

int rl_evaluation(loader *L, const ast_item *it, int *eval, int *group)
{
    static const char *const names[] = {"now", "report", "page", NULL, "auto"};
    const ast_expr *e = it->value;
    int g = group_call(L, it, e);

    *group = -1;
    if (g >= 0) {
        *eval = EVAL_GROUP;
        *group = g;
        return 0;
    }
    if (g == -1)
        return -1;
    if (e->kind == AST_NAME) {
        for (int k = 0; k < 5; k++) {
            if (names[k] != NULL && strcmp(names[k], e->name) == 0) {
                *eval = k;
                return 0;
            }
        }
        rl_error(L, e->loc, "'%s' expects now, report, page, auto or group(NAME), got '%s'",
                 it->name, e->name);
        return -1;
    }
    rl_error(L, e->loc, "'%s' expects now, report, page, auto or group(NAME), got %s", it->name,
             rl_kind_name(e));
    return -1;
}
