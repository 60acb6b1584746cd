/*
 * conf_value.c - typed configuration values: turning the admin's text into
 * an int, a size in bytes, a duration in milliseconds, a resolved path, a
 * list..., with one-line reasons when the text does not fit the type, and
 * checking values against a key's bounds (see config.h and
 * docs/configuration.md for the accepted syntax).
 */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "path.h"

/* ============================== Helpers =================================== */

static int is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static int is_blank(char c)
{
    return c == ' ' || c == '\t';
}

static int fail(char *why, size_t why_len, const char *fmt, ...) QUIRE_PRINTF(3, 4);

/* Writes the reason into why[why_len] (if there is room) and returns
 * QUIRE_ERR. */
static int fail(char *why, size_t why_len, const char *fmt, ...)
{
    va_list ap;

    if (why != NULL && why_len > 0) {
        va_start(ap, fmt);
        vsnprintf(why, why_len, fmt, ap);
        va_end(ap);
    }
    return QUIRE_ERR;
}

/* Contract in config.h. Returns buf, which the caller owns. */
const char *conf_show(const char *text, char *buf, size_t len)
{
    size_t w = 0, n = 0;

    if (len < 8) {
        if (len > 0)
            buf[0] = '\0';
        return buf;
    }
    for (; text[n] != '\0' && n < 60; n++) {
        unsigned char c = (unsigned char)text[n];
        char esc[8];

        if (c == '\n')
            memcpy(esc, "\\n", 3);
        else if (c == '\t')
            memcpy(esc, "\\t", 3);
        else if (c == '\r')
            memcpy(esc, "\\r", 3);
        else if (c < 0x20 || c == 0x7f)
            snprintf(esc, sizeof(esc), "\\x%02x", c);
        else
            esc[0] = (char)c, esc[1] = '\0';
        if (w + strlen(esc) + 4 > len)
            break;
        memcpy(buf + w, esc, strlen(esc));
        w += strlen(esc);
    }
    if (text[n] != '\0') {
        /* Cut at a character boundary: drop a partial UTF-8 sequence. */
        while (n > 0 && w > 0 && ((unsigned char)text[n] & 0xc0) == 0x80)
            n--, w--;
        memcpy(buf + w, "...", 3);
        w += 3;
    }
    buf[w] = '\0';
    return buf;
}

/* Contract in config.h. */
const char *conf_type_name(uint32_t type)
{
    switch (type) {
    case QUIRE_CONF_STRING: return "string";
    case QUIRE_CONF_INT: return "int";
    case QUIRE_CONF_FLOAT: return "float";
    case QUIRE_CONF_BOOL: return "bool";
    case QUIRE_CONF_ENUM: return "enum";
    case QUIRE_CONF_SIZE: return "size";
    case QUIRE_CONF_DURATION: return "duration";
    case QUIRE_CONF_PATH: return "path";
    case QUIRE_CONF_LIST: return "list";
    default: return "unknown";
    }
}

/* ============================== Numbers =================================== */

/* Reads decimal digits at *p into *out, advancing *p. Returns 0 if at least
 * one digit was read (1 in *overflow if the value exceeds UINT64_MAX), -1 if
 * there was no digit. */
static int read_digits(const char **p, uint64_t *out, int *overflow)
{
    const char *s = *p;
    uint64_t n = 0;

    *overflow = 0;
    if (!is_digit(*s))
        return -1;
    for (; is_digit(*s); s++) {
        unsigned d = (unsigned)(*s - '0');
        if (n > (UINT64_MAX - d) / 10)
            *overflow = 1;
        else
            n = n * 10 + d;
    }
    *p = s;
    *out = n;
    return 0;
}

static int parse_int(const char *text, int64_t *out, const char *shown, char *why, size_t why_len)
{
    const char *p = text;
    int negative = 0, overflow;
    uint64_t n;

    if (*p == '+' || *p == '-')
        negative = *p++ == '-';
    if (read_digits(&p, &n, &overflow) != 0 || *p != '\0')
        return fail(why, why_len, "'%s' is not a valid int", shown);
    if (overflow || n > (uint64_t)INT64_MAX + (uint64_t)negative)
        return fail(why, why_len, "'%s' is out of range for an int", shown);
    if (negative)
        *out = n == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)n;
    else
        *out = (int64_t)n;
    return QUIRE_OK;
}

static int parse_float(const char *text, double *out, const char *shown, char *why, size_t why_len)
{
    char *end;
    double v;

    if (text[0] == '\0' || is_blank(text[0]) || text[0] == '\n' || text[0] == '\r' ||
        text[0] == '\v' || text[0] == '\f')
        return fail(why, why_len, "'%s' is not a valid float", shown);
    errno = 0;
    v = strtod(text, &end);
    if (*end != '\0' || !isfinite(v))
        return fail(why, why_len, "'%s' is not a valid float", shown);
    *out = v;
    return QUIRE_OK;
}

static int parse_bool(const char *text, int64_t *out, const char *shown, char *why, size_t why_len)
{
    static const char *const yes[] = {"yes", "true", "on", "1"};
    static const char *const no[] = {"no", "false", "off", "0"};

    for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
        if (strcasecmp(text, yes[i]) == 0) {
            *out = 1;
            return QUIRE_OK;
        }
        if (strcasecmp(text, no[i]) == 0) {
            *out = 0;
            return QUIRE_OK;
        }
    }
    return fail(why, why_len, "'%s' is not a valid bool (yes/no, true/false, on/off, 1/0)", shown);
}

/* A unit word after a number: the letters up to the end, lower-cased into
 * unit[unit_len]. Blanks may precede it. Returns -1 if anything but letters
 * follows. */
static int read_unit(const char *p, char *unit, size_t unit_len)
{
    size_t n = 0;

    while (is_blank(*p))
        p++;
    for (; *p != '\0'; p++) {
        char c = *p;
        if (c >= 'A' && c <= 'Z')
            c = (char)(c - 'A' + 'a');
        if (c < 'a' || c > 'z' || n + 1 >= unit_len)
            return -1;
        unit[n++] = c;
    }
    unit[n] = '\0';
    return 0;
}

static int parse_size(const char *text, int64_t *out, const char *shown, char *why, size_t why_len)
{
    static const struct {
        const char *unit;
        uint64_t factor;
    } units[] = {
        {"", 1},
        {"b", 1},
        {"k", 1000},
        {"kb", 1024},
        {"kib", 1024},
        {"m", 1000000},
        {"mb", 1024 * 1024},
        {"mib", 1024 * 1024},
        {"g", 1000000000},
        {"gb", 1024 * 1024 * 1024},
        {"gib", 1024 * 1024 * 1024},
        {"t", 1000000000000},
        {"tb", (uint64_t)1024 * 1024 * 1024 * 1024},
        {"tib", (uint64_t)1024 * 1024 * 1024 * 1024},
    };
    const char *p = text;
    char unit[8];
    uint64_t n;
    int overflow;

    if (read_digits(&p, &n, &overflow) != 0 || read_unit(p, unit, sizeof(unit)) != 0)
        goto fail_invalid;
    for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
        if (strcmp(unit, units[i].unit) != 0)
            continue;
        if (overflow || n > (uint64_t)INT64_MAX / units[i].factor)
            return fail(why, why_len, "'%s' is out of range for a size", shown);
        *out = (int64_t)(n * units[i].factor);
        return QUIRE_OK;
    }
fail_invalid:
    return fail(why, why_len, "'%s' is not a valid size (e.g. 512, 64kb, 16mb)", shown);
}

static int parse_duration(const char *text, int64_t *out, const char *shown, char *why,
                          size_t why_len)
{
    static const struct {
        const char *unit;
        int64_t ms;
    } units[] = {
        {"", 1000}, {"ms", 1}, {"s", 1000}, {"m", 60000}, {"h", 3600000}, {"d", 86400000},
    };
    const char *p = text;
    uint64_t whole = 0;
    double frac = 0, scale = 1;
    int overflow = 0, digits = 0;
    char unit[8];

    if (is_digit(*p)) {
        read_digits(&p, &whole, &overflow);
        digits = 1;
    }
    if (*p == '.') {
        for (p++; is_digit(*p); p++) {
            scale /= 10;
            frac += (*p - '0') * scale;
            digits = 1;
        }
    }
    if (!digits || read_unit(p, unit, sizeof(unit)) != 0)
        goto fail_invalid;
    for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
        int64_t part;

        if (strcmp(unit, units[i].unit) != 0)
            continue;
        if (overflow || whole > (uint64_t)(INT64_MAX - units[i].ms) / (uint64_t)units[i].ms)
            return fail(why, why_len, "'%s' is out of range for a duration", shown);
        /* frac < 1, so the rounded part is at most one unit: no overflow. */
        part = (int64_t)llround(frac * (double)units[i].ms);
        *out = (int64_t)whole * units[i].ms + part;
        return QUIRE_OK;
    }
fail_invalid:
    return fail(why, why_len, "'%s' is not a valid duration (e.g. 250ms, 30s, 5m, 2h)", shown);
}

/* ============================== Enums and lists =========================== */

static int parse_enum(const char *text, const char *choices, int64_t *out, const char *shown,
                      char *why, size_t why_len)
{
    char list[512];
    size_t w = 0;
    int64_t index = 0;

    if (choices == NULL)
        choices = "";
    for (const char *c = choices; *choices != '\0'; index++) {
        const char *bar = strchr(c, '|');
        size_t len = bar != NULL ? (size_t)(bar - c) : strlen(c);

        if (strlen(text) == len && memcmp(text, c, len) == 0) {
            *out = index;
            return QUIRE_OK;
        }
        if (bar == NULL)
            break;
        c = bar + 1;
    }
    /* "a|b|c" -> "a, b, c", cut to fit. */
    for (const char *c = choices; *c != '\0' && w + 3 < sizeof(list); c++) {
        if (*c == '|') {
            list[w++] = ',';
            list[w++] = ' ';
        } else {
            list[w++] = *c;
        }
    }
    list[w] = '\0';
    return fail(why, why_len, "'%s' is not one of %s", shown, list);
}

static int is_list_separator(char c)
{
    return c == ',' || c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* Splits `text` into out->list / out->nlist. QUIRE_ERR on allocation
 * failure (the items made so far stay in *out for conf_value_clear). */
static int split_list(const char *text, conf_value *out)
{
    size_t count = 0;

    for (const char *p = text; *p != '\0';) {
        while (is_list_separator(*p))
            p++;
        if (*p == '\0')
            break;
        count++;
        while (*p != '\0' && !is_list_separator(*p))
            p++;
    }
    if (count == 0)
        return QUIRE_OK;
    out->list = calloc(count, sizeof(char *));
    if (out->list == NULL)
        return QUIRE_ERR;
    for (const char *p = text; out->nlist < count;) {
        const char *start;
        char *item;

        while (is_list_separator(*p))
            p++;
        start = p;
        while (*p != '\0' && !is_list_separator(*p))
            p++;
        item = malloc((size_t)(p - start) + 1);
        if (item == NULL)
            return QUIRE_ERR;
        memcpy(item, start, (size_t)(p - start));
        item[p - start] = '\0';
        out->list[out->nlist++] = item;
    }
    return QUIRE_OK;
}

/* ============================== Parsing a value =========================== */

/* Contract in config.h. Ownership: out->text and out->list (and its items)
 * are malloc'd and belong to the caller, released by conf_value_clear();
 * on failure *out holds nothing to free. */
int conf_value_parse(uint32_t type, const char *text, const char *choices, const char *base_dir,
                     conf_value *out, char *why, size_t why_len)
{
    char shown[CONF_SHOW_MAX];
    int rc = QUIRE_OK;

    memset(out, 0, sizeof(*out));
    out->type = type;
    if (text == NULL)
        text = "";
    conf_show(text, shown, sizeof(shown));
    switch (type) {
    case QUIRE_CONF_STRING:
    case QUIRE_CONF_LIST: break;
    case QUIRE_CONF_INT: rc = parse_int(text, &out->i, shown, why, why_len); break;
    case QUIRE_CONF_FLOAT: rc = parse_float(text, &out->f, shown, why, why_len); break;
    case QUIRE_CONF_BOOL: rc = parse_bool(text, &out->i, shown, why, why_len); break;
    case QUIRE_CONF_ENUM: rc = parse_enum(text, choices, &out->i, shown, why, why_len); break;
    case QUIRE_CONF_SIZE: rc = parse_size(text, &out->i, shown, why, why_len); break;
    case QUIRE_CONF_DURATION: rc = parse_duration(text, &out->i, shown, why, why_len); break;
    case QUIRE_CONF_PATH:
        if (text[0] == '\0')
            return fail(why, why_len, "'' is not a valid path (empty)");
        out->text = path_resolve(base_dir, text);
        if (out->text == NULL)
            goto fail_oom;
        return QUIRE_OK;
    default: return fail(why, why_len, "unknown type %u", (unsigned)type);
    }
    if (rc != QUIRE_OK)
        return rc;
    out->text = strdup(text);
    if (out->text == NULL)
        goto fail_oom;
    if (type == QUIRE_CONF_LIST && split_list(text, out) != QUIRE_OK)
        goto fail_clear_value;
    return QUIRE_OK;

fail_clear_value:
    conf_value_clear(out);
fail_oom:
    return fail(why, why_len, "out of memory");
}

/* Contract in config.h. Leaves *value zeroed (type 0); NULL is a no-op. */
void conf_value_clear(conf_value *value)
{
    if (value == NULL)
        return;
    for (size_t i = 0; i < value->nlist; i++)
        free(value->list[i]);
    free(value->list);
    free(value->text);
    memset(value, 0, sizeof(*value));
}

/* ============================== Bounds ==================================== */

/* Compares a and b (parsed as the same bounded type): <0, 0 or >0. */
static int value_cmp(const conf_value *a, const conf_value *b)
{
    if (a->type == QUIRE_CONF_FLOAT)
        return (a->f > b->f) - (a->f < b->f);
    return (a->i > b->i) - (a->i < b->i);
}

/* Contract in config.h. */
int conf_value_check_bounds(const quire_config_key *key, const conf_value *value, const char *shown,
                            char *why, size_t why_len)
{
    const char *bounds[2] = {key->min, key->max};
    conf_value bound;

    if (key->type != QUIRE_CONF_INT && key->type != QUIRE_CONF_FLOAT &&
        key->type != QUIRE_CONF_SIZE && key->type != QUIRE_CONF_DURATION)
        return QUIRE_OK;
    for (int i = 0; i < 2; i++) {
        char shown_value[CONF_SHOW_MAX], shown_bound[CONF_SHOW_MAX];
        int cmp;

        if (bounds[i] == NULL ||
            conf_value_parse(key->type, bounds[i], NULL, NULL, &bound, NULL, 0) != QUIRE_OK)
            continue;
        cmp = value_cmp(value, &bound);
        conf_value_clear(&bound);
        if ((i == 0 && cmp < 0) || (i == 1 && cmp > 0))
            return fail(why, why_len, "%s is %s the %s %s",
                        conf_show(shown, shown_value, sizeof(shown_value)),
                        i == 0 ? "below" : "above", i == 0 ? "minimum" : "maximum",
                        conf_show(bounds[i], shown_bound, sizeof(shown_bound)));
    }
    return QUIRE_OK;
}
