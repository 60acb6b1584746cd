/*
 * params.c - typed report parameter values (see params.h).
 */
#include "params.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "batch.h"
#include "calendar.h"
#include "decimal.h"

/* ============================== Text to values ============================ */

/* Reads exactly `n` digits at *s. */
static int digits(const char **s, int n, int64_t *out)
{
    int64_t v = 0;
    for (int i = 0; i < n; i++) {
        if ((*s)[i] < '0' || (*s)[i] > '9')
            return -1;
        v = v * 10 + ((*s)[i] - '0');
    }
    *s += n;
    *out = v;
    return 0;
}

static int parse_date(const char **s, int64_t *days)
{
    int64_t y, m, d;
    if (digits(s, 4, &y) || **s != '-' || (++*s, digits(s, 2, &m)) || **s != '-' ||
        (++*s, digits(s, 2, &d)))
        return -1;
    if (m < 1 || m > 12 || d < 1 || d > (int64_t)cal_days_in_month(y, (unsigned)m))
        return -1;
    *days = cal_days_from_civil(y, (unsigned)m, (unsigned)d);
    return 0;
}

static int parse_timestamp(const char *s, int64_t *us)
{
    int64_t days, hh, mm, ss = 0, frac = 0, off = 0;
    int ndig = 0;
    if (parse_date(&s, &days) || (*s != 'T' && *s != ' '))
        return -1;
    s++;
    if (digits(&s, 2, &hh) || *s != ':' || (++s, digits(&s, 2, &mm)))
        return -1;
    if (*s == ':') {
        s++;
        if (digits(&s, 2, &ss))
            return -1;
        if (*s == '.') {
            s++;
            while (*s >= '0' && *s <= '9' && ndig < 6) {
                frac = frac * 10 + (*s++ - '0');
                ndig++;
            }
            if (ndig == 0 || (*s >= '0' && *s <= '9'))
                return -1;
            while (ndig++ < 6)
                frac *= 10;
        }
    }
    if (hh > 23 || mm > 59 || ss > 59)
        return -1;
    if (*s == 'Z') {
        s++;
    } else if (*s == '+' || *s == '-') {
        int sign = *s == '-' ? -1 : 1;
        int64_t oh, om;
        s++;
        if (digits(&s, 2, &oh) || *s != ':' || (++s, digits(&s, 2, &om)) || oh > 23 || om > 59)
            return -1;
        off = sign * (oh * 3600 + om * 60);
    }
    if (*s != '\0')
        return -1;
    *us = ((days * 86400 + hh * 3600 + mm * 60 + ss) - off) * 1000000 + frac;
    return 0;
}

/* "-12.345" to an integer scaled by 10^scale, rounding half away from zero
 * (dec_parse reads it exactly, dec_rescale rounds). */
static int parse_decimal(const char *s, int32_t scale, int64_t *out)
{
    char buf[64];
    int64_t v;
    int from;
    /* On the command line "+5" and ".25" are as good as "5" and "0.25". */
    if (*s == '+')
        s++;
    if (*s == '.' && strlen(s) < sizeof(buf) - 1) {
        snprintf(buf, sizeof(buf), "0%s", s);
        s = buf;
    } else if (s[0] == '-' && s[1] == '.' && strlen(s) < sizeof(buf) - 1) {
        snprintf(buf, sizeof(buf), "-0%s", s + 1);
        s = buf;
    }
    if (dec_parse(s, strlen(s), &v, &from) != 0)
        return -1;
    return dec_rescale(v, from, scale, out) != 0 ? -1 : 0;
}

int params_parse_value(const char *text, uint32_t type, int32_t scale, qv *out, char *why,
                       size_t len)
{
    char *end;
    memset(out, 0, sizeof(*out));
    out->type = (uint8_t)type;
    switch (type) {
    case QUIRE_TYPE_BOOL:
        if (!strcmp(text, "true") || !strcmp(text, "yes") || !strcmp(text, "1"))
            out->u.i = 1;
        else if (!strcmp(text, "false") || !strcmp(text, "no") || !strcmp(text, "0"))
            out->u.i = 0;
        else
            goto fail;
        return 0;
    case QUIRE_TYPE_INT:
        errno = 0;
        out->u.i = strtoll(text, &end, 10);
        if (errno != 0 || end == text || *end != '\0')
            goto fail;
        return 0;
    case QUIRE_TYPE_DECIMAL:
        out->scale = (int16_t)scale;
        if (parse_decimal(text, scale, &out->u.i) != 0)
            goto fail;
        return 0;
    case QUIRE_TYPE_FLOAT:
        errno = 0;
        out->u.f = strtod(text, &end);
        if (errno != 0 || end == text || *end != '\0')
            goto fail;
        return 0;
    case QUIRE_TYPE_STRING:
        out->u.s.ptr = text;
        out->u.s.len = strlen(text);
        return 0;
    case QUIRE_TYPE_DATE: {
        const char *s = text;
        if (parse_date(&s, &out->u.i) != 0 || *s != '\0')
            goto fail;
        return 0;
    }
    case QUIRE_TYPE_TIMESTAMP:
        if (parse_timestamp(text, &out->u.i) != 0)
            goto fail;
        return 0;
    default: break;
    }
fail : {
    char t[32];
    snprintf(why, len, "'%s' is not a valid %s", text, batch_type_text(type, scale, t, sizeof(t)));
    return -1;
}
}

/* ============================== Defaults ================================== */

/* The value of a default literal (validated by report_load) in the
 * parameter's type. */
static int literal_value(const ast_expr *e, const report_param *rp, qv *out)
{
    int neg = 0;
    memset(out, 0, sizeof(*out));
    out->type = (uint8_t)rp->type;
    out->scale = (int16_t)(rp->type == QUIRE_TYPE_DECIMAL ? rp->scale : 0);
    if (e->kind == AST_UNARY && e->op == AST_OP_NEG && e->nargs == 1) {
        neg = 1;
        e = e->args[0];
    }
    switch (e->kind) {
    case AST_NULL: out->null = 1; return 0;
    case AST_BOOL:
    case AST_DATE:
    case AST_TIMESTAMP: out->u.i = e->i; return 0;
    case AST_STRING:
        out->u.s.ptr = e->s;
        out->u.s.len = e->slen;
        return 0;
    case AST_INT:
    case AST_DECIMAL: {
        int32_t from = e->kind == AST_DECIMAL ? e->scale : 0;
        if (rp->type == QUIRE_TYPE_FLOAT)
            out->u.f = dec_to_double(e->i, from);
        else if (rp->type == QUIRE_TYPE_DECIMAL)
            return dec_rescale(neg ? -e->i : e->i, from, rp->scale, &out->u.i) != 0 ? -1 : 0;
        else
            out->u.i = e->i;
        break;
    }
    case AST_FLOAT: out->u.f = e->f; break;
    default: return -1;
    }
    if (neg) {
        if (rp->type == QUIRE_TYPE_FLOAT)
            out->u.f = -out->u.f;
        else
            out->u.i = -out->u.i;
    }
    return 0;
}


/* Where a given parameter came from, for messages: its position on the
 * command line ("command line argument 3: --param year"), or just its name
 * when it came from elsewhere (an API request: argi 0). */
static void param_where(const plan_arg *arg, char *buf, size_t cap)
{
    if (arg->argi > 0)
        snprintf(buf, cap, "command line argument %d: --param %s", arg->argi, arg->name);
    else
        snprintf(buf, cap, "parameter '%s'", arg->name);
}

/* ============================== params_bind =============================== */

int params_bind(const report *rep, const plan_arg *args, size_t nargs, quire_arena *arena, qv **out,
                diag *d)
{
    size_t errors = d->errors;
    char at[160];
    qv *values = arena_alloc(arena, (rep->nparams + 1) * sizeof(*values));
    if (values == NULL) {
        diag_error(d, "out of memory binding parameters");
        return -1;
    }
    for (size_t a = 0; a < nargs; a++) {
        if (report_find_param(rep, args[a].name) >= 0)
            continue;
        param_where(&args[a], at, sizeof(at));
        if (rep->nparams == 0) {
            diag_error(d, "%s: the report has no parameters", at);
        } else {
            char list[512] = "";
            for (size_t i = 0; i < rep->nparams; i++) {
                size_t used = strlen(list);
                snprintf(list + used, sizeof(list) - used, "%s%s", i ? ", " : "",
                         rep->params[i].name);
            }
            diag_error(d, "%s: the report has no parameter '%s' (its parameters: %s)", at,
                       args[a].name, list);
        }
    }
    for (size_t i = 0; i < rep->nparams; i++) {
        const report_param *rp = &rep->params[i];
        const plan_arg *given = NULL;
        for (size_t a = 0; a < nargs; a++)
            if (strcmp(args[a].name, rp->name) == 0)
                given = &args[a];
        if (given != NULL) {
            char why[300];
            if (params_parse_value(given->value, rp->type, rp->scale, &values[i], why,
                                   sizeof(why)) != 0)
            {
                param_where(given, at, sizeof(at));
                diag_error(d, "%s: %s", at, why);
            }
            else if (rp->type == QUIRE_TYPE_STRING)
                values[i].u.s.ptr = arena_strndup(arena, given->value, values[i].u.s.len);
        } else if (rp->default_value != NULL) {
            if (literal_value(rp->default_value, rp, &values[i]) != 0)
                diag_error_at(d, rep->path, rep->ast->text, rep->ast->len,
                              rp->default_value->loc.line, rp->default_value->loc.column,
                              "parameter '%s': the default must be a literal", rp->name);
        } else {
            diag_error_at(d, rep->path, rep->ast->text, rep->ast->len, rp->loc.line, rp->loc.column,
                          "parameter '%s' has no default and was not given: add --param %s=VALUE",
                          rp->name, rp->name);
        }
    }
    *out = values;
    return d->errors > errors ? -1 : 0;
}
