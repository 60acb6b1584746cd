/*
 * trace_renderer.c - a page renderer that writes what it is given as text,
 * so tests/integration/late.sh can compare how the kernel delivers pages to
 * a LATE renderer (quire/renderer.h: slots now, their elements later) with
 * how it delivers them to an ordinary one (pages held until complete).
 *
 * Formats: "trace" (QUIRE_FORMAT_LATE) and "trace_wait" (no flag), both
 * written by the same code. The output, one line per call or element:
 *
 *   page NUMBER DISPLAY          a page() call
 *   slot PAGE ID COUNT           a slot() call with COUNT elements
 *   T X Y SIZE FONT TEXT         a text element (X, Y of its box, 2 decimals)
 *   S ID                         a slot element
 *   C TYPE PROVIDER LABEL        a chart begins (1.4), followed by its dataset:
 *   H NAME SERIES...             the dataset's name and series (tab-separated)
 *   D CATEGORY VALUE_TEXT...     one line per category (tab-separated)
 *   /C                           the chart ends
 *   M ROLE SERIES CATEGORY LABEL a mark begins;  /M  it ends
 *   E KIND X Y W H               any other element
 *
 * Everything is written with plain stdio to output_path; the plugin
 * checks nothing itself, the test reads the trace.
 */
#include <stdio.h>
#include <stdlib.h>

#include <quire/quire.h>

typedef struct trace_doc {
    const quire_host *host;
    FILE *out;
} trace_doc;

static const quire_format trace_late = {
    .size = sizeof(quire_format),
    .name = "trace",
    .extension = "trace",
    .mime_type = "text/plain",
    .description = "Test: the pages and slots a LATE renderer receives",
    .flags = QUIRE_FORMAT_LATE,
};

static const quire_format trace_wait = {
    .size = sizeof(quire_format),
    .name = "trace_wait",
    .extension = "trace",
    .mime_type = "text/plain",
    .description = "Test: the complete pages an ordinary renderer receives",
    .flags = 0,
};

static int trace_init(const quire_host *host, quire_plugin *self, const quire_config *config,
                      void **state, quire_error *err)
{
    (void)config;
    if (host->register_format(self, &trace_late, err) != QUIRE_OK ||
        host->register_format(self, &trace_wait, err) != QUIRE_OK)
        return QUIRE_ERR;
    *state = (void *)host;
    return QUIRE_OK;
}

static int trace_begin(void *state, const quire_document *doc, void **instance, quire_error *err)
{
    const quire_host *host = state;
    trace_doc *d = host->calloc(1, sizeof(*d));

    if (d == NULL) {
        host->error_set(err, QUIRE_E_NOMEM, "out of memory");
        return QUIRE_ERR;
    }
    d->host = host;
    d->out = fopen(doc->output_path, "w");
    if (d->out == NULL) {
        host->error_set(err, QUIRE_E_IO, "cannot write %s", doc->output_path);
        host->free(d);
        return QUIRE_ERR;
    }
    *instance = d;
    return QUIRE_OK;
}

static void put_chart(FILE *out, const quire_chart_info *info)
{
    const quire_dataset *d = info->data;
    fprintf(out, "C %s %s %s\n", info->type, info->provider, info->label);
    fprintf(out, "H %s", d->name);
    for (size_t s = 0; s < d->nseries; s++)
        fprintf(out, "\t%.*s", (int)d->series[s].len, d->series[s].ptr);
    fprintf(out, "\n");
    for (size_t c = 0; c < d->ncategories; c++) {
        fprintf(out, "D %.*s", (int)d->categories[c].len, d->categories[c].ptr);
        for (size_t s = 0; s < d->nseries; s++) {
            const quire_str *t = &d->value_text[s * d->ncategories + c];
            fprintf(out, "\t%.*s", (int)t->len, t->ptr);
        }
        fprintf(out, "\n");
    }
}

static void put_elements(FILE *out, const quire_element *els, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        const quire_element *e = &els[i];
        if (e->kind == QUIRE_EL_TEXT)
            fprintf(out, "T %.2f %.2f %.2f %u %.*s\n", e->x, e->y, e->u.text.size,
                    (unsigned)e->u.text.font, (int)e->u.text.len, e->u.text.utf8);
        else if (e->kind == QUIRE_EL_SLOT)
            fprintf(out, "S %u\n", (unsigned)e->u.slot.id);
        else if (e->kind == QUIRE_EL_CHART)
            put_chart(out, e->u.chart.info);
        else if (e->kind == QUIRE_EL_CHART_END)
            fprintf(out, "/C\n");
        else if (e->kind == QUIRE_EL_MARK)
            fprintf(out, "M %u %u %u %.*s\n", (unsigned)e->u.mark.role, (unsigned)e->u.mark.series,
                    (unsigned)e->u.mark.category, (int)e->u.mark.len, e->u.mark.label);
        else if (e->kind == QUIRE_EL_MARK_END)
            fprintf(out, "/M\n");
        else
            fprintf(out, "E %u %.2f %.2f %.2f %.2f\n", (unsigned)e->kind, e->x, e->y, e->width,
                    e->height);
    }
}

static int trace_page(void *instance, const quire_page *page, quire_error *err)
{
    trace_doc *d = instance;

    (void)err;
    fprintf(d->out, "page %u %u\n", (unsigned)page->number, (unsigned)page->display_number);
    put_elements(d->out, page->elements, page->nelements);
    return QUIRE_OK;
}

static int trace_slot(void *instance, uint32_t page, uint32_t id, const quire_element *elements,
                      size_t nelements, quire_error *err)
{
    trace_doc *d = instance;

    (void)err;
    fprintf(d->out, "slot %u %u %zu\n", (unsigned)page, (unsigned)id, nelements);
    put_elements(d->out, elements, nelements);
    return QUIRE_OK;
}

static int trace_end(void *instance, quire_error *err)
{
    trace_doc *d = instance;
    int bad = fclose(d->out) != 0;

    if (bad)
        d->host->error_set(err, QUIRE_E_IO, "cannot finish the trace");
    d->host->free(d);
    return bad ? QUIRE_ERR : QUIRE_OK;
}

static void trace_abort(void *instance)
{
    trace_doc *d = instance;

    fclose(d->out);
    d->host->free(d);
}

static const quire_renderer_ops trace_ops = {
    .size = sizeof(quire_renderer_ops),
    .begin = trace_begin,
    .page = trace_page,
    .end = trace_end,
    .abort = trace_abort,
    .slot = trace_slot,
};

static const quire_plugin_desc desc = {
    QUIRE_PLUGIN_HEADER(QUIRE_KIND_RENDERER),
    .name = "trace",
    .version = "1.0.0",
    .license = "Apache-2.0",
    .author = "quire tests",
    .description = "Test renderer that writes the pages and slots it receives",
    .init = trace_init,
    .ops = &trace_ops,
    .ops_size = sizeof(trace_ops),
};

QUIRE_PLUGIN_DEFINE(desc)
