/*
 * std_opts.c - the chart options of the standard provider: which keys each
 * chart type takes, parsing their values, and the error texts check() and
 * draw() report ("FILE:LINE:COL: chart option 'KEY': ...").
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "std.h"

/* ============================== The key table ============================= */

#define T_BAR     (1u << STD_BAR)
#define T_LINE    (1u << STD_LINE)
#define T_AREA    (1u << STD_AREA)
#define T_PIE     (1u << STD_PIE)
#define T_DONUT   (1u << STD_DONUT)
#define T_SCATTER (1u << STD_SCATTER)
#define T_SPARK   (1u << STD_SPARKLINE)
#define T_CART    (T_BAR | T_LINE | T_AREA | T_SCATTER)
#define T_ALL     (T_CART | T_PIE | T_DONUT | T_SPARK)

enum { V_ENUM, V_BOOL, V_NUMBER, V_TEXT, V_COLORS, V_NUMFMT, V_DATEFMT };

typedef struct opt_key {
    const char *name;
    unsigned types;      /* T_* bits of the chart types that take it */
    int kind;            /* V_* */
    const char *choices; /* V_ENUM: "a|b|c" */
    double min, max;     /* V_NUMBER */
} opt_key;

static const opt_key keys[] = {
    {"theme", T_ALL, V_ENUM, "default|corporate|minimal|vibrant", 0, 0},
    {"legend", T_ALL & ~T_SPARK, V_ENUM, "auto|right|bottom|top|none", 0, 0},
    {"grid", T_CART, V_BOOL, NULL, 0, 0},
    {"x_title", T_CART, V_TEXT, NULL, 0, 0},
    {"y_title", T_CART, V_TEXT, NULL, 0, 0},
    {"number_format", T_ALL, V_NUMFMT, NULL, 0, 0},
    {"date_format", T_CART, V_DATEFMT, NULL, 0, 0},
    {"y_min", T_CART | T_SPARK, V_NUMBER, NULL, -HUGE_VAL, HUGE_VAL},
    {"y_max", T_CART | T_SPARK, V_NUMBER, NULL, -HUGE_VAL, HUGE_VAL},
    {"colors", T_ALL, V_COLORS, NULL, 0, 0},
    {"orientation", T_BAR, V_ENUM, "vertical|horizontal", 0, 0},
    {"stacking", T_BAR | T_AREA, V_ENUM, "none|stacked|percent", 0, 0},
    {"labels", T_BAR | T_LINE | T_PIE | T_DONUT, V_BOOL, NULL, 0, 0},
    {"markers", T_LINE, V_BOOL, NULL, 0, 0},
    {"hole", T_DONUT, V_NUMBER, NULL, 0.3, 0.8},
    {"trend", T_SCATTER, V_BOOL, NULL, 0, 0},
    {"points", T_SPARK, V_ENUM, "last|minmax|none", 0, 0},
};
#define NKEYS (sizeof(keys) / sizeof(keys[0]))

static const char *const type_names[STD_NTYPES] = {"bar",   "line",    "area",     "pie",
                                                   "donut", "scatter", "sparkline"};

int std_type_find(const char *name)
{
    for (int t = 0; name != NULL && t < STD_NTYPES; t++)
        if (strcmp(type_names[t], name) == 0)
            return t;
    return -1;
}

const char *std_type_name(int t)
{
    return t >= 0 && t < STD_NTYPES ? type_names[t] : "?";
}

/* ============================== Value parsers ============================= */

int std_parse_color(const char *text, size_t len, quire_color *out)
{
    unsigned v[3];
    char hex[8];

    if (len != 7 || text[0] != '#')
        return 0;
    for (size_t i = 1; i < 7; i++)
        if (strchr("0123456789abcdefABCDEF", text[i]) == NULL || text[i] == '\0')
            return 0;
    memcpy(hex, text + 1, 6);
    hex[6] = '\0';
    if (sscanf(hex, "%2x%2x%2x", &v[0], &v[1], &v[2]) != 3)
        return 0;
    *out = (quire_color){(uint8_t)v[0], (uint8_t)v[1], (uint8_t)v[2], 255};
    return 1;
}

/* The index of `value` among the '|'-separated choices, or -1. */
static int choice_index(const char *choices, const char *value)
{
    size_t vlen = strlen(value);
    int i = 0;

    for (const char *p = choices;; i++) {
        const char *bar = strchr(p, '|');
        size_t len = bar ? (size_t)(bar - p) : strlen(p);
        if (len == vlen && strncmp(p, value, len) == 0)
            return i;
        if (bar == NULL)
            return -1;
        p = bar + 1;
    }
}

/* "a, b or c" from "a|b|c". */
static void choices_text(const char *choices, char *buf, size_t cap)
{
    size_t n = 0, count = 1, k = 0;

    for (const char *p = choices; *p; p++)
        count += *p == '|';
    buf[0] = '\0';
    for (const char *p = choices; *p && n + 8 < cap; k++) {
        const char *bar = strchr(p, '|');
        size_t len = bar ? (size_t)(bar - p) : strlen(p);
        const char *sep = k == 0 ? "" : (k + 1 == count ? " or " : ", ");
        n += (size_t)snprintf(buf + n, cap - n, "%s%.*s", sep, (int)len, p);
        if (n >= cap)
            n = cap - 1;
        if (bar == NULL)
            break;
        p = bar + 1;
    }
}

/* Parses a whole number text; 1 on success. */
static int parse_number(const char *text, double *out)
{
    char *end;
    double v;

    if (text[0] == '\0')
        return 0;
    v = strtod(text, &end);
    if (*end != '\0' || !isfinite(v))
        return 0;
    *out = v;
    return 1;
}

/* Parses "#0072B2,#E69F00" (blanks around commas allowed). */
static int parse_colors(const char *text, quire_color *out, size_t *n)
{
    const char *p = text;

    *n = 0;
    for (;;) {
        const char *start, *end;
        while (*p == ' ')
            p++;
        start = p;
        while (*p && *p != ',')
            p++;
        end = p;
        while (end > start && end[-1] == ' ')
            end--;
        if (*n == STD_MAX_COLORS || !std_parse_color(start, (size_t)(end - start), &out[*n]))
            return 0;
        (*n)++;
        if (*p == '\0')
            return 1;
        p++;
    }
}

/* ============================== Parsing =================================== */

/* The keys chart type `type` takes, comma-separated. */
static void known_keys(int type, char *buf, size_t cap)
{
    size_t n = 0;

    buf[0] = '\0';
    for (size_t i = 0; i < NKEYS; i++) {
        if (!(keys[i].types & (1u << type)))
            continue;
        n += (size_t)snprintf(buf + n, cap - n, "%s%s", n ? ", " : "", keys[i].name);
        if (n >= cap)
            return;
    }
}

/* The types taking key k, as "donut" or "bar, area". */
static void key_types(const opt_key *k, char *buf, size_t cap)
{
    size_t n = 0;

    buf[0] = '\0';
    for (int t = 0; t < STD_NTYPES; t++) {
        if (!(k->types & (1u << t)))
            continue;
        n += (size_t)snprintf(buf + n, cap - n, "%s%s", n ? ", " : "", type_names[t]);
        if (n >= cap)
            return;
    }
}

static void defaults(std_opts *o)
{
    memset(o, 0, sizeof(*o));
    o->stacking = -1;
    o->labels = -1;
    o->markers = -1;
    o->grid = -1;
    o->legend = STD_LEGEND_AUTO;
    o->points = STD_POINTS_LAST;
    o->hole = 0.55;
    o->y_min = NAN;
    o->y_max = NAN;
}

/* Stores the parsed value of key k into o. */
static void store(std_opts *o, const opt_key *k, const char *value, int choice, double num,
                  int flag)
{
    const char *name = k->name;

    if (strcmp(name, "theme") == 0)
        o->theme = value;
    else if (strcmp(name, "legend") == 0)
        o->legend = choice;
    else if (strcmp(name, "grid") == 0)
        o->grid = flag;
    else if (strcmp(name, "x_title") == 0)
        o->x_title = value;
    else if (strcmp(name, "y_title") == 0)
        o->y_title = value;
    else if (strcmp(name, "number_format") == 0)
        o->number_format = value;
    else if (strcmp(name, "date_format") == 0)
        o->date_format = value;
    else if (strcmp(name, "y_min") == 0)
        o->y_min = num;
    else if (strcmp(name, "y_max") == 0)
        o->y_max = num;
    else if (strcmp(name, "orientation") == 0)
        o->horizontal = choice == 1;
    else if (strcmp(name, "stacking") == 0)
        o->stacking = choice;
    else if (strcmp(name, "labels") == 0)
        o->labels = flag;
    else if (strcmp(name, "markers") == 0)
        o->markers = flag;
    else if (strcmp(name, "hole") == 0)
        o->hole = num;
    else if (strcmp(name, "trend") == 0)
        o->trend = flag;
    else if (strcmp(name, "points") == 0)
        o->points = choice;
}

/* Checks one option's value against key k and stores it; QUIRE_ERR with
 * err set names the option's place. */
static int parse_one(const quire_host *host, const quire_option *op, const opt_key *k, std_opts *o,
                     quire_error *err)
{
    const char *v = op->value ? op->value : "";
    int choice = -1, flag = 0;
    double num = 0;
    char buf[256];

    switch (k->kind) {
    case V_ENUM:
        choice = choice_index(k->choices, v);
        if (choice < 0) {
            choices_text(k->choices, buf, sizeof(buf));
            host->error_set(err, QUIRE_E_INVALID,
                            "%s:%u:%u: chart option '%s': unknown value '%s'; expected %s",
                            op->file, (unsigned)op->line, (unsigned)op->column, k->name, v, buf);
            return QUIRE_ERR;
        }
        break;
    case V_BOOL:
        if (strcmp(v, "true") == 0)
            flag = 1;
        else if (strcmp(v, "false") != 0) {
            host->error_set(err, QUIRE_E_INVALID,
                            "%s:%u:%u: chart option '%s': '%s' is not a boolean; expected true or "
                            "false",
                            op->file, (unsigned)op->line, (unsigned)op->column, k->name, v);
            return QUIRE_ERR;
        }
        break;
    case V_NUMBER:
        if (!parse_number(v, &num)) {
            host->error_set(err, QUIRE_E_INVALID,
                            "%s:%u:%u: chart option '%s': '%s' is not a number", op->file,
                            (unsigned)op->line, (unsigned)op->column, k->name, v);
            return QUIRE_ERR;
        }
        if (num < k->min || num > k->max) {
            host->error_set(err, QUIRE_E_INVALID,
                            "%s:%u:%u: chart option '%s': %s is out of range; expected %g to %g",
                            op->file, (unsigned)op->line, (unsigned)op->column, k->name, v, k->min,
                            k->max);
            return QUIRE_ERR;
        }
        break;
    case V_COLORS:
        if (!parse_colors(v, o->colors, &o->ncolors)) {
            host->error_set(err, QUIRE_E_INVALID,
                            "%s:%u:%u: chart option 'colors': '%s' is not a list of colours; "
                            "expected up to %d comma-separated #rrggbb values, e.g. "
                            "#0072B2,#E69F00",
                            op->file, (unsigned)op->line, (unsigned)op->column, v, STD_MAX_COLORS);
            return QUIRE_ERR;
        }
        break;
    case V_NUMFMT:
        if (v[0] == '\0' || host->format_number(1.0, v, NULL, buf, sizeof(buf)) == (size_t)-1) {
            host->error_set(err, QUIRE_E_INVALID,
                            "%s:%u:%u: chart option 'number_format': '%s' is not a number "
                            "pattern (e.g. \"#,##0.00\")",
                            op->file, (unsigned)op->line, (unsigned)op->column, v);
            return QUIRE_ERR;
        }
        break;
    case V_DATEFMT:
        if (v[0] == '\0' || host->format_time(0, v, NULL, buf, sizeof(buf)) == (size_t)-1) {
            host->error_set(err, QUIRE_E_INVALID,
                            "%s:%u:%u: chart option 'date_format': '%s' is not a date pattern "
                            "(e.g. \"MMM yyyy\")",
                            op->file, (unsigned)op->line, (unsigned)op->column, v);
            return QUIRE_ERR;
        }
        break;
    default: break;
    }
    store(o, k, v, choice, num, flag);
    return QUIRE_OK;
}

int std_opts_parse(const quire_host *host, int type, const quire_option *options, size_t n,
                   std_opts *out, quire_error *err)
{
    const quire_option *ymax_op = NULL;
    char buf[512];

    defaults(out);
    for (size_t i = 0; i < n; i++) {
        const quire_option *op = &options[i];
        const opt_key *k = NULL;

        for (size_t j = 0; j < NKEYS && k == NULL; j++)
            if (op->key != NULL && strcmp(keys[j].name, op->key) == 0)
                k = &keys[j];
        if (k == NULL) {
            known_keys(type, buf, sizeof(buf));
            host->error_set(err, QUIRE_E_INVALID,
                            "%s:%u:%u: unknown chart option '%s' for a %s chart; known: %s",
                            op->file, (unsigned)op->line, (unsigned)op->column,
                            op->key ? op->key : "", type_names[type], buf);
            return QUIRE_ERR;
        }
        if (!(k->types & (1u << type))) {
            key_types(k, buf, sizeof(buf));
            host->error_set(err, QUIRE_E_INVALID,
                            "%s:%u:%u: chart option '%s' does not apply to a %s chart (only to: "
                            "%s)",
                            op->file, (unsigned)op->line, (unsigned)op->column, k->name,
                            type_names[type], buf);
            return QUIRE_ERR;
        }
        for (size_t j = 0; j < i; j++)
            if (strcmp(options[j].key, op->key) == 0) {
                host->error_set(err, QUIRE_E_INVALID,
                                "%s:%u:%u: chart option '%s' is set twice (first at line %u)",
                                op->file, (unsigned)op->line, (unsigned)op->column, k->name,
                                (unsigned)options[j].line);
                return QUIRE_ERR;
            }
        if (parse_one(host, op, k, out, err) != QUIRE_OK)
            return QUIRE_ERR;
        if (strcmp(k->name, "y_max") == 0)
            ymax_op = op;
    }
    if (ymax_op != NULL && !isnan(out->y_min) && !(out->y_max > out->y_min)) {
        host->error_set(err, QUIRE_E_INVALID,
                        "%s:%u:%u: chart option 'y_max': %g is not above y_min %g", ymax_op->file,
                        (unsigned)ymax_op->line, (unsigned)ymax_op->column, out->y_max, out->y_min);
        return QUIRE_ERR;
    }
    return QUIRE_OK;
}
