/*
 * plan_chart.h - chart elements compiled for a run: which provider draws
 * each one, its options as the provider reads them, and when it is drawn
 * (plan_chart.c). The filler draws them through fill_chart.c.
 */
#ifndef QUIRE_PLAN_CHART_H
#define QUIRE_PLAN_CHART_H

#include "plan.h"

/* One chart element of a band. Lives in the plan's arena. */
typedef struct plan_chart {
    const report_element *el;
    plugin_rec *provider;  /* a ready chart plugin that registered `type` */
    const char *type;      /* "bar" */
    const char *title;     /* the `title` attribute, or NULL */
    const char *theme;     /* the `theme` attribute, or NULL: the provider's default */
    quire_option *options; /* every other attribute, as text */
    size_t noptions;
    int dataset; /* index into report->datasets */
    int scope;   /* the dataset's: PLAN_SCOPE_REPORT, a group level, or PAGE */
} plan_chart;

/*
 * Compiles every chart element of every band (after plan_build_bands()):
 * finds its provider (the `provider` attribute, else the kernel's
 * default_chart_provider, else the one provider that draws the type),
 * turns its other attributes into options (constants and parameters; a
 * list becomes its items joined with commas), lets the provider check
 * them (quire_chart_ops.check), and decides when it is drawn: at once
 * when its dataset's scope ends where the band prints (a group's footer
 * for a group dataset, the summary for a report one), else delayed until
 * that scope ends; a page dataset's chart belongs in page furniture and
 * is drawn when its page ends. Sets plan_value.chart, delayed and
 * resolve_scope. Problems go to `d` at the element. Returns 0, or -1 when
 * out of memory.
 */
int plan_build_charts(plan *p, diag *d);

#endif /* QUIRE_PLAN_CHART_H */
