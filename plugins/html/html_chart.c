/*
 * html_chart.c - charts (CHART ... CHART_END on a page) as accessible,
 * interactive figures.
 *
 * A chart provider draws through the kernel's canvas, so a chart reaches
 * the renderer as ordinary print-model elements between a CHART and its
 * CHART_END, with MARK ... MARK_END around the shapes of each data point,
 * series line and legend entry. Here each chart becomes:
 *
 *   <figure class="q-chart">
 *     <svg role="img" aria-labelledby=TITLE aria-describedby=DESC>
 *       <title>, <desc>, then every element as SVG (html_svg.c), texts
 *       included; a POINT mark is a focusable <g class="q-mark"> with an
 *       aria-label and a <title> (a native tooltip with no script), a
 *       SERIES mark a <g class="q-series">, a LEGEND mark a toggle button
 *       <g class="q-legend">
 *     </svg>
 *     <details class="q-chart-data"> the dataset as a table </details>
 *   </figure>
 *
 * The chart reads, prints and is navigable by screen readers with scripts
 * off; the one script (written once, after the last page) adds a tooltip
 * on hover and focus, legend toggling and arrow keys between marks.
 */
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <quire/chart.h>

#include "html_page.h"

/* 1 if struct `s` (whose first member is its size as the kernel knows it)
 * has member `f`: a kernel of an earlier minor sends shorter structs. */
#define HAS_FIELD(s, type, f) ((s)->size >= offsetof(type, f) + sizeof((s)->f))

/* Most series names listed in a chart's description. */
#define DESC_MAX_SERIES 10

/* ============================== What the kernel told ====================== */

/* The chart's accessible name: the kernel's label, else its title. */
static const char *chart_label(const quire_chart_info *info)
{
    if (info != NULL && HAS_FIELD(info, quire_chart_info, label) && info->label != NULL &&
        info->label[0] != '\0')
        return info->label;
    if (info != NULL && HAS_FIELD(info, quire_chart_info, title) && info->title != NULL &&
        info->title[0] != '\0')
        return info->title;
    return "Chart";
}

static const char *chart_type(const quire_chart_info *info)
{
    if (info != NULL && HAS_FIELD(info, quire_chart_info, type) && info->type != NULL &&
        info->type[0] != '\0')
        return info->type;
    return NULL;
}

/* The dataset when it is whole enough for a table (arrays present for its
 * counts), else NULL. */
static const quire_dataset *chart_data(const quire_chart_info *info)
{
    const quire_dataset *data;

    if (info == NULL || !HAS_FIELD(info, quire_chart_info, data) || info->data == NULL)
        return NULL;
    data = info->data;
    if (!HAS_FIELD(data, quire_dataset, values))
        return NULL;
    if ((data->ncategories > 0 && data->categories == NULL) ||
        (data->nseries > 0 && data->series == NULL))
        return NULL;
    if (data->nseries > 0 && data->ncategories > SIZE_MAX / data->nseries)
        return NULL;
    return data;
}

static const quire_str *value_texts(const quire_dataset *data)
{
    return HAS_FIELD(data, quire_dataset, value_text) ? data->value_text : NULL;
}

static const char *dataset_name(const quire_dataset *data)
{
    if (data != NULL && HAS_FIELD(data, quire_dataset, name) && data->name != NULL &&
        data->name[0] != '\0')
        return data->name;
    return NULL;
}

static void out_str(html_out *out, quire_str s)
{
    if (s.ptr != NULL)
        html_out_text(out, s.ptr, s.len);
}

/* ============================== SVG ======================================= */

/* "Bar chart of by_region: 3 categories, 2 series: Sales, Cost." */
static void write_desc(html_out *out, const quire_chart_info *info, const quire_dataset *data)
{
    const char *type = chart_type(info), *name = dataset_name(data);

    if (type != NULL) {
        /* It opens a sentence: "Bar chart", not "bar chart". */
        size_t skip = type[0] >= 'a' && type[0] <= 'z' ? 1 : 0;
        if (skip)
            html_out_fmt(out, "%c", type[0] - 'a' + 'A');
        html_out_text(out, type + skip, strlen(type + skip));
        html_out_puts(out, " chart");
    } else {
        html_out_puts(out, "Chart");
    }
    if (name != NULL) {
        html_out_puts(out, " of ");
        html_out_text(out, name, strlen(name));
    }
    if (data == NULL) {
        html_out_puts(out, ".");
        return;
    }
    html_out_fmt(out, ": %zu %s, %zu series", data->ncategories,
                 data->ncategories == 1 ? "category" : "categories", data->nseries);
    for (size_t s = 0; s < data->nseries && s < DESC_MAX_SERIES; s++) {
        html_out_puts(out, s == 0 ? ": " : ", ");
        out_str(out, data->series[s]);
    }
    html_out_puts(out, data->nseries > DESC_MAX_SERIES ? ", \xe2\x80\xa6." : ".");
}

/* <g ...> opening one mark; "Toggle NAME" names a legend entry's action. */
static void open_mark(html_out *out, const quire_element *e)
{
    const char *label = e->u.mark.label;
    size_t len = e->u.mark.len;

    switch (e->u.mark.role) {
    case QUIRE_MARK_POINT:
        html_out_fmt(out,
                     "<g class=\"q-mark\" data-s=\"%u\" data-c=\"%u\" tabindex=\"0\" role=\"img\" "
                     "aria-label=\"",
                     (unsigned)e->u.mark.series, (unsigned)e->u.mark.category);
        html_out_text(out, label, len);
        html_out_puts(out, "\"><title>");
        html_out_text(out, label, len);
        html_out_puts(out, "</title>");
        return;
    case QUIRE_MARK_SERIES:
        html_out_fmt(out, "<g class=\"q-series\" data-s=\"%u\">", (unsigned)e->u.mark.series);
        return;
    case QUIRE_MARK_LEGEND:
    case QUIRE_MARK_LEGEND_CATEGORY:
        /* A series' entry toggles its marks; a slice's (pie, donut) the
         * marks of its category. */
        html_out_fmt(out,
                     "<g class=\"q-legend\" %s=\"%u\" tabindex=\"0\" role=\"button\" "
                     "aria-pressed=\"true\" aria-label=\"Toggle ",
                     e->u.mark.role == QUIRE_MARK_LEGEND ? "data-s" : "data-c",
                     (unsigned)(e->u.mark.role == QUIRE_MARK_LEGEND ? e->u.mark.series
                                                                     : e->u.mark.category));
        html_out_text(out, label, len);
        html_out_puts(out, "\">");
        return;
    }
    html_out_puts(out, "<g>"); /* a role from a later minor: drawn, not interactive */
}

static void write_svg(page_ctx *pc, const chart_ref *c, const char *id)
{
    html_out *out = pc->out;
    const char *label = chart_label(c->info);
    html_rect v = c->box;

    html_out_puts(out, "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"");
    html_out_num(out, v.x0);
    html_out_puts(out, " ");
    html_out_num(out, v.y0);
    html_out_puts(out, " ");
    html_out_num(out, v.x1 - v.x0);
    html_out_puts(out, " ");
    html_out_num(out, v.y1 - v.y0);
    html_out_puts(out, "\" width=\"");
    html_out_num(out, v.x1 - v.x0);
    html_out_puts(out, "\" height=\"");
    html_out_num(out, v.y1 - v.y0);
    html_out_fmt(out, "\" role=\"img\" aria-labelledby=\"%s-t\" aria-describedby=\"%s-d\">", id,
                 id);
    html_out_fmt(out, "<title id=\"%s-t\">", id);
    html_out_text(out, label, strlen(label));
    html_out_fmt(out, "</title><desc id=\"%s-d\">", id);
    write_desc(out, c->info, chart_data(c->info));
    html_out_puts(out, "</desc>\n");
    for (size_t i = c->start + 1; i < c->end; i++) {
        const quire_element *e = &pc->page->elements[i];
        if (e->kind == QUIRE_EL_MARK)
            open_mark(out, e);
        else if (e->kind == QUIRE_EL_MARK_END)
            html_out_puts(out, "</g>\n");
        else
            html_svg_element(&pc->sp, i, HTML_SVG_TEXT | HTML_SVG_ANCHOR);
    }
    html_out_puts(out, "</svg>\n");
}

/* ============================== Data table ================================ */

/* The dataset as a table: categories down, series across, each value as
 * the report's locale printed it (the tooltips' text), empty when
 * missing. */
static void write_table(page_ctx *pc, const chart_ref *c)
{
    html_out *out = pc->out;
    const quire_dataset *data = chart_data(c->info);
    const quire_str *texts;
    const char *label = chart_label(c->info), *name;

    if (data == NULL || data->ncategories == 0 || data->nseries == 0)
        return;
    texts = value_texts(data);
    name = dataset_name(data);
    html_out_puts(out, "<details class=\"q-chart-data\"><summary>Data table: ");
    html_out_text(out, label, strlen(label));
    html_out_puts(out, "</summary><div class=\"tablewrap\"><table>\n<thead><tr><th scope=\"col\">");
    if (name != NULL)
        html_out_text(out, name, strlen(name));
    else
        html_out_puts(out, "Category");
    html_out_puts(out, "</th>");
    for (size_t s = 0; s < data->nseries; s++) {
        html_out_puts(out, "<th scope=\"col\" class=\"num\">");
        /* One unnamed series still needs a heading to read the column by. */
        if (data->series[s].len == 0 || data->series[s].ptr == NULL)
            html_out_puts(out, "Value");
        else
            out_str(out, data->series[s]);
        html_out_puts(out, "</th>");
    }
    html_out_puts(out, "</tr></thead>\n<tbody>\n");
    for (size_t k = 0; k < data->ncategories; k++) {
        html_out_puts(out, "<tr><th scope=\"row\">");
        out_str(out, data->categories[k]);
        html_out_puts(out, "</th>");
        for (size_t s = 0; s < data->nseries; s++) {
            size_t at = s * data->ncategories + k;
            html_out_puts(out, "<td class=\"num\">");
            if (texts != NULL)
                out_str(out, texts[at]);
            else if (data->values != NULL && isfinite(data->values[at]))
                html_out_num(out, data->values[at]); /* an older kernel: no texts */
            html_out_puts(out, "</td>");
        }
        html_out_puts(out, "</tr>\n");
    }
    html_out_puts(out, "</tbody></table></div></details>\n");
}

/* ============================== Figures =================================== */

/* One figure. Alone on its line it keeps its horizontal place on the page
 * where the screen is wide enough, and moves left (right in RTL) on a
 * narrow one. */
static void write_figure(page_ctx *pc, const chart_ref *c, int alone)
{
    html_out *out = pc->out;
    double w = c->box.x1 - c->box.x0;
    double offset = pc->rtl ? (pc->page->width - pc->left) - c->box.x1 : c->box.x0 - pc->left;
    char id[48];

    snprintf(id, sizeof(id), "qc%u-%zu", (unsigned)pc->page->number, c->number);
    html_out_fmt(out, "<figure class=\"q-chart\" id=\"%s\" style=\"width:", id);
    html_out_num(out, w);
    html_out_puts(out, "pt");
    if (alone && offset >= 0.5) {
        html_out_puts(out, ";margin-inline-start:max(0pt,min(");
        html_out_num(out, offset);
        html_out_puts(out, "pt,100% - ");
        html_out_num(out, w);
        html_out_puts(out, "pt))");
    }
    html_out_puts(out, "\">\n");
    write_svg(pc, c, id);
    write_table(pc, c);
    html_out_puts(out, "</figure>\n");
    pc->d->ncharts++;
}

void html_chart_write(page_ctx *pc, const chart_ref *const *charts, size_t n)
{
    if (n > 1)
        html_out_puts(pc->out, "<div class=\"q-charts\">\n");
    for (size_t i = 0; i < n; i++)
        write_figure(pc, charts[i], n == 1);
    if (n > 1)
        html_out_puts(pc->out, "</div>\n");
}

/* ============================== Script ==================================== */

/* The charts' behaviour, for every chart of the document through event
 * delegation. Data only ever reaches the page through textContent and
 * attributes the markup already holds. */
static const char chart_script[] =
    "(function () {\n"
    "  'use strict';\n"
    "  var rtl = document.documentElement.dir === 'rtl';\n"
    "  var tip = document.createElement('div');\n"
    "  tip.className = 'q-tip';\n"
    "  tip.setAttribute('aria-hidden', 'true');\n"
    "  tip.hidden = true;\n"
    "  document.body.appendChild(tip);\n"
    "  /* The tooltip replaces the native one: two would show at once. */\n"
    "  document.querySelectorAll('.q-chart .q-mark > title').forEach(function (t) {\n"
    "    t.remove();\n"
    "  });\n"
    "  function within(e, sel) {\n"
    "    return e.target && e.target.closest ? e.target.closest(sel) : null;\n"
    "  }\n"
    "  function show(m) {\n"
    "    var r = m.getBoundingClientRect(), doc = document.documentElement;\n"
    "    tip.textContent = m.getAttribute('aria-label');\n"
    "    tip.hidden = false;\n"
    "    var x = r.left + r.width / 2 - tip.offsetWidth / 2, y = r.top - tip.offsetHeight - 6;\n"
    "    if (y < 0) y = r.bottom + 6;\n"
    "    x = Math.max(2, Math.min(x, doc.clientWidth - tip.offsetWidth - 2));\n"
    "    tip.style.left = x + window.scrollX + 'px';\n"
    "    tip.style.top = y + window.scrollY + 'px';\n"
    "  }\n"
    "  function hide() {\n"
    "    tip.hidden = true;\n"
    "  }\n"
    "  function toggle(l) {\n"
    "    var on = l.getAttribute('aria-pressed') !== 'true';\n"
    "    var key = l.hasAttribute('data-c') ? 'data-c' : 'data-s', v = l.getAttribute(key);\n"
    "    l.setAttribute('aria-pressed', on ? 'true' : 'false');\n"
    "    l.closest('.q-chart').querySelectorAll('.q-mark, .q-series').forEach(function (m) {\n"
    "      if (m.getAttribute(key) === v) m.classList.toggle('q-off', !on);\n"
    "    });\n"
    "    hide();\n"
    "  }\n"
    "  function step(m, by) {\n"
    "    var all = Array.prototype.filter.call(\n"
    "      m.closest('.q-chart').querySelectorAll('.q-mark'),\n"
    "      function (x) { return !x.classList.contains('q-off'); });\n"
    "    var next = all[all.indexOf(m) + by];\n"
    "    if (next) next.focus();\n"
    "  }\n"
    "  document.addEventListener('mouseover', function (e) {\n"
    "    var m = within(e, '.q-chart .q-mark');\n"
    "    if (m) show(m);\n"
    "  });\n"
    "  document.addEventListener('mouseout', function (e) {\n"
    "    var m = within(e, '.q-chart .q-mark');\n"
    "    if (m && !m.contains(e.relatedTarget)) hide();\n"
    "  });\n"
    "  document.addEventListener('focusin', function (e) {\n"
    "    var m = within(e, '.q-chart .q-mark');\n"
    "    if (m) show(m);\n"
    "  });\n"
    "  document.addEventListener('focusout', function (e) {\n"
    "    if (within(e, '.q-chart .q-mark')) hide();\n"
    "  });\n"
    "  document.addEventListener('click', function (e) {\n"
    "    var l = within(e, '.q-chart .q-legend');\n"
    "    if (l) toggle(l);\n"
    "  });\n"
    "  document.addEventListener('keydown', function (e) {\n"
    "    var l = within(e, '.q-chart .q-legend'), m = within(e, '.q-chart .q-mark');\n"
    "    var k = e.key, fwd = rtl ? 'ArrowLeft' : 'ArrowRight', back = rtl ? 'ArrowRight' : "
    "'ArrowLeft';\n"
    "    if (k === 'Escape') {\n"
    "      hide();\n"
    "    } else if (l && (k === 'Enter' || k === ' ')) {\n"
    "      e.preventDefault();\n"
    "      toggle(l);\n"
    "    } else if (m && (k === fwd || k === 'ArrowDown' || k === back || k === 'ArrowUp')) {\n"
    "      e.preventDefault();\n"
    "      step(m, k === fwd || k === 'ArrowDown' ? 1 : -1);\n"
    "    }\n"
    "  });\n"
    "})();\n";

void html_chart_script(html_out *out)
{
    html_out_puts(out, "<script>\n");
    html_out_puts(out, chart_script);
    html_out_puts(out, "</script>\n");
}
