/*
 * plan_filter.c - what a plan tells its source before reading: the
 * conjuncts of the filter a source may push down (`column op constant`),
 * and the columns the report reads at all (projection).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "decimal.h"
#include "kernel.h"
#include "plan_int.h"

/* ============================== Filter pushdown =========================== */

/* The constant value of a comparison operand: a literal (or a negated
 * number) or a parameter. 0 and *out, or -1. */
static int operand_value(const plan *p, const ast_expr *e, qv *out)
{
    int neg = 0;
    int i;
    memset(out, 0, sizeof(*out));
    if (e->kind == AST_NAME) {
        i = report_find_param(p->rep, e->name);
        if (i < 0)
            return -1;
        *out = p->params[i];
        return out->null ? -1 : 0;
    }
    if (e->kind == AST_UNARY && e->op == AST_OP_NEG && e->nargs == 1) {
        neg = 1;
        e = e->args[0];
    }
    switch (e->kind) {
    case AST_INT: *out = qv_int(neg ? -e->i : e->i); return 0;
    case AST_DECIMAL: *out = qv_decimal(neg ? -e->i : e->i, e->scale); return 0;
    case AST_FLOAT: *out = qv_float(neg ? -e->f : e->f); return 0;
    case AST_STRING:
        if (neg)
            return -1;
        *out = qv_string(e->s, e->slen);
        return 0;
    case AST_DATE:
    case AST_TIMESTAMP:
    case AST_BOOL:
        if (neg)
            return -1;
        out->type = e->kind == AST_DATE        ? QUIRE_TYPE_DATE
                    : e->kind == AST_TIMESTAMP ? QUIRE_TYPE_TIMESTAMP
                                               : QUIRE_TYPE_BOOL;
        out->u.i = e->i;
        return 0;
    default: return -1;
    }
}

/* Converts `v` to the column's type without losing anything, into `pred`.
 * -1 when that is not exact (the predicate is then not pushed). */
static int fit_value(const quire_column_info *col, const qv *v, quire_predicate *pred)
{
    pred->type = col->type;
    pred->scale = col->scale;
    switch (col->type) {
    case QUIRE_TYPE_INT:
    case QUIRE_TYPE_DATE:
    case QUIRE_TYPE_TIMESTAMP:
    case QUIRE_TYPE_BOOL:
        if (v->type != col->type)
            return -1;
        pred->i64 = v->u.i;
        return 0;
    case QUIRE_TYPE_DECIMAL: {
        int from = v->type == QUIRE_TYPE_DECIMAL ? v->scale : 0;
        /* Only widening is exact: a literal with more digits is not pushed. */
        if ((v->type != QUIRE_TYPE_INT && v->type != QUIRE_TYPE_DECIMAL) || from > col->scale)
            return -1;
        return dec_rescale(v->u.i, from, col->scale, &pred->i64) != 0 ? -1 : 0;
    }
    case QUIRE_TYPE_FLOAT:
        if (v->type != QUIRE_TYPE_FLOAT)
            return -1;
        pred->f64 = v->u.f;
        return 0;
    case QUIRE_TYPE_STRING:
        if (v->type != QUIRE_TYPE_STRING)
            return -1;
        pred->str = v->u.s;
        return 0;
    default: return -1;
    }
}

/* A name that is a column of the source (not a parameter or field). */
static int source_column_of(const plan *p, const ast_expr *e)
{
    if (e->kind != AST_NAME || report_find_param(p->rep, e->name) >= 0 ||
        report_find_field(p->rep, e->name) >= 0)
        return -1;
    return plan_find_column(p, e->name);
}

/* Collects the `column op constant` conjuncts of the filter. The kernel
 * still applies the whole filter, so missing one is only slower. */
static void collect_predicates(plan *p, const ast_expr *e, size_t max)
{
    static const uint32_t ops[] = {
        [AST_OP_EQ] = QUIRE_PRED_EQ, [AST_OP_NE] = QUIRE_PRED_NE, [AST_OP_LT] = QUIRE_PRED_LT,
        [AST_OP_LE] = QUIRE_PRED_LE, [AST_OP_GT] = QUIRE_PRED_GT, [AST_OP_GE] = QUIRE_PRED_GE,
    };
    static const uint32_t flipped[] = {
        [QUIRE_PRED_EQ] = QUIRE_PRED_EQ, [QUIRE_PRED_NE] = QUIRE_PRED_NE,
        [QUIRE_PRED_LT] = QUIRE_PRED_GT, [QUIRE_PRED_LE] = QUIRE_PRED_GE,
        [QUIRE_PRED_GT] = QUIRE_PRED_LT, [QUIRE_PRED_GE] = QUIRE_PRED_LE,
    };
    quire_predicate *pred;
    int col;
    if (e == NULL || p->npreds >= max)
        return;
    if (e->kind == AST_BINARY && e->op == AST_OP_AND) {
        collect_predicates(p, e->args[0], max);
        collect_predicates(p, e->args[1], max);
        return;
    }
    pred = &p->preds[p->npreds];
    memset(pred, 0, sizeof(*pred));
    if (e->kind == AST_IS_NULL && e->nargs == 1) {
        col = source_column_of(p, e->args[0]);
        if (col < 0)
            return;
        pred->column = p->schema[col].name;
        pred->op = e->negated ? QUIRE_PRED_IS_NOT_NULL : QUIRE_PRED_IS_NULL;
        pred->type = p->schema[col].type;
        p->npreds++;
        return;
    }
    if (e->kind == AST_BINARY && e->op >= AST_OP_EQ && e->op <= AST_OP_GE && e->nargs == 2) {
        qv v;
        int flip = 0;
        col = source_column_of(p, e->args[0]);
        if (col < 0) {
            col = source_column_of(p, e->args[1]);
            flip = 1;
        }
        if (col < 0 || operand_value(p, e->args[flip ? 0 : 1], &v) != 0 ||
            fit_value(&p->schema[col], &v, pred) != 0)
            return;
        pred->column = p->schema[col].name;
        pred->op = flip ? flipped[ops[e->op]] : ops[e->op];
        p->npreds++;
    }
}

int plan_build_predicates(plan *p)
{
    size_t max = 64;
    if (p->rep->filter == NULL || !(p->source->ops.source.caps & QUIRE_SOURCE_CAN_FILTER))
        return 0;
    p->preds = plan_zalloc(p, max * sizeof(*p->preds));
    if (p->preds == NULL)
        return -1;
    collect_predicates(p, p->rep->filter, max);
    return 0;
}

/* ============================== Columns read ============================== */

typedef struct need_ctx {
    plan *p;
} need_ctx;

static void mark_column(plan *p, uint32_t col);

static void need_ref(void *vctx, const expr_ref *ref)
{
    need_ctx *n = vctx;
    if (ref->kind == EXPR_REF_COLUMN)
        mark_column(n->p, ref->index);
}

static void mark_column(plan *p, uint32_t col)
{
    need_ctx n = {.p = p};
    if (col < p->nsource) {
        p->needed[col] = 1;
        return;
    }
    if (col < p->nwide && p->wide_expr[col] != NULL)
        expr_visit_refs(p->wide_expr[col], need_ref, &n);
}

void plan_mark_needed(plan *p)
{
    need_ctx n = {.p = p};
    if (p->filter != NULL)
        expr_visit_refs(p->filter, need_ref, &n);
    for (uint32_t g = 0; g < p->ngroups; g++)
        mark_column(p, p->group_column[g]);
    if (p->mode == PLAN_STREAM)
        for (size_t s = 0; s < p->nsort; s++)
            mark_column(p, p->sort[s].column);
    for (size_t v = 0; v < p->nvars; v++) {
        if (p->vars[v].arg != NULL)
            expr_visit_refs(p->vars[v].arg, need_ref, &n);
        if (p->vars[v].when != NULL)
            expr_visit_refs(p->vars[v].when, need_ref, &n);
    }
    for (size_t i = 0; p->datasets != NULL && i < p->rep->ndatasets; i++) {
        const plan_dataset *ds = &p->datasets[i];
        const expr *parts[3] = {ds->category, ds->series, ds->when};
        for (size_t k = 0; k < 3; k++)
            if (parts[k] != NULL)
                expr_visit_refs(parts[k], need_ref, &n);
        for (size_t m = 0; ds->args != NULL && m < ds->src->nmeasures; m++)
            if (ds->args[m] != NULL)
                expr_visit_refs(ds->args[m], need_ref, &n);
    }
    for (size_t i = 0; i < p->ndetails; i++) {
        plan_band *b = p->details[i];
        if (b->print_when != NULL)
            expr_visit_refs(b->print_when, need_ref, &n);
        for (size_t j = 0; j < b->nvalues; j++) {
            if (b->values[j].value != NULL)
                expr_visit_refs(b->values[j].value, need_ref, &n);
            if (b->values[j].print_when != NULL)
                expr_visit_refs(b->values[j].print_when, need_ref, &n);
            for (uint32_t k = 0; k < b->values[j].nconds; k++)
                if (b->values[j].cond_when[k] != NULL)
                    expr_visit_refs(b->values[j].cond_when[k], need_ref, &n);
        }
    }
}
