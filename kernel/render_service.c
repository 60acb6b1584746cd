/*
 * render_service.c - one render as a library call (see render_service.h):
 * preparing (parse, load, compile, format, fonts), then running the plan
 * into the format's renderer.
 *
 * Shared state, audited for concurrent renders on one kernel:
 *   - the registry and the configuration: read-only after loading;
 *   - plugin states (state_ptr): handed to begin() and open(); the bundled
 *     plugins keep only their configuration there, every render opens its
 *     own instance;
 *   - fonts and images: loaded per render (fill_resources_load), so no
 *     face is shared between threads;
 *   - format locale tables (fmt_locale_get): static const data.
 */
#include "render_service.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "fill.h"
#include "kernel.h"
#include "path.h"
#include "plan.h"
#include "report_catalog.h"
#include "run.h"

/* ============================== Errors ==================================== */

void render_error_init(render_error *e)
{
    memset(e, 0, sizeof(*e));
}

void render_error_clear(render_error *e)
{
    if (e == NULL)
        return;
    free(e->text);
    render_error_init(e);
}

const char *render_class_name(render_class cls)
{
    switch (cls) {
    case RENDER_OK: return "ok";
    case RENDER_E_NOT_FOUND: return "not_found";
    case RENDER_E_INVALID: return "invalid";
    case RENDER_E_FAILED: return "failed";
    case RENDER_E_CANCELED: return "canceled";
    }
    return "failed";
}

int render_error_setf(render_error *e, render_class cls, int exit_code, const char *fmt, ...)
{
    char buf[2048];
    size_t n;
    va_list ap;
    if (e == NULL)
        return -1;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    free(e->text);
    e->cls = cls;
    e->exit_code = exit_code;
    n = strlen(buf) + sizeof("error: \n");
    if ((e->text = malloc(n)) != NULL)
        snprintf(e->text, n, "error: %s\n", buf);
    return -1;
}

int render_error_diag(render_error *e, render_class cls, int exit_code, const diag *d)
{
    if (e == NULL)
        return -1;
    free(e->text);
    e->cls = cls;
    e->exit_code = exit_code;
    e->text = diag_to_string(d);
    return -1;
}

/* ============================== Control and result ======================== */

void render_ctl_init(render_ctl *ctl)
{
    memset(ctl, 0, sizeof(*ctl));
    atomic_store(&ctl->estimate, -1);
}

void render_result_free(render_result *res)
{
    if (res == NULL)
        return;
    for (size_t i = 0; i < res->nwarnings; i++)
        free(res->warnings[i]);
    free(res->warnings);
    free(res->output);
    memset(res, 0, sizeof(*res));
}

static int result_warn(render_result *res, const char *text)
{
    char **grown = realloc(res->warnings, (res->nwarnings + 1) * sizeof(*grown));
    if (grown == NULL)
        return -1;
    res->warnings = grown;
    if ((grown[res->nwarnings] = strdup(text)) == NULL)
        return -1;
    res->nwarnings++;
    return 0;
}

/* ============================== Preparing ================================= */

/* Everything a render needs before the renderer opens. */
typedef struct job {
    char *path; /* the definition */
    ast_file *ast;
    report *rep;
    plan *plan;
    const format_rec *fmt;
    fill_resources *res; /* page formats only */
    char *output;
    char report_name[256];
} job;

static void job_free(job *j)
{
    fill_resources_free(j->res);
    plan_free(j->plan);
    report_free(j->rep);
    ast_free(j->ast);
    free(j->path);
    free(j->output);
    memset(j, 0, sizeof(*j));
}

/* "a, b, c": every format name, for messages. */
static void format_names(const kernel *k, char *buf, size_t len)
{
    size_t at = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < k->nformats && at < len; i++) {
        int n = snprintf(buf + at, len - at, "%s%s", i ? ", " : "", k->formats[i].name);
        if (n < 0)
            break;
        at += (size_t)n;
    }
}

/* The format named by the request, else the one whose extension `output`
 * ends in. */
static int pick_format(kernel *k, const render_req *r, job *j, render_error *e)
{
    char names[1024];
    if (r->format == NULL && r->output != NULL && strcmp(r->output, "-") != 0) {
        const char *dot = strrchr(path_basename(r->output), '.');
        if (dot != NULL)
            for (size_t i = 0; i < k->nformats && j->fmt == NULL; i++)
                if (strcmp(k->formats[i].extension, dot + 1) == 0)
                    j->fmt = &k->formats[i];
        if (j->fmt != NULL)
            return 0;
    }
    format_names(k, names, sizeof(names));
    if (r->format == NULL)
        return render_error_setf(e, RENDER_E_INVALID, QUIRE_EXIT_USAGE,
                                 "render needs --format FMT (or -o with a known extension); "
                                 "formats: %s",
                                 names);
    j->fmt = kernel_find_format(k, r->format);
    if (j->fmt == NULL) {
        char shown[CONF_SHOW_MAX];
        return render_error_setf(e, RENDER_E_INVALID, QUIRE_EXIT_USAGE,
                                 "unknown format '%s'; formats: %s",
                                 conf_show(r->format, shown, sizeof(shown)), names);
    }
    return 0;
}

/* NAME=VALUE pairs as plan_args (borrowed strings). */
static plan_arg *make_args(const render_param *in, const int *argi, size_t n)
{
    plan_arg *out = calloc(n + 1, sizeof(*out));
    if (out == NULL)
        return NULL;
    for (size_t i = 0; i < n; i++) {
        out[i].name = in[i].name;
        out[i].value = in[i].value;
        out[i].argi = argi != NULL ? argi[i] : 0;
    }
    return out;
}

static int compile(kernel *k, const render_req *r, job *j, render_error *e)
{
    diag d = {0};
    plan_arg *data = make_args(r->data, r->data_argi, r->ndata);
    plan_arg *params = make_args(r->params, r->params_argi, r->nparams);
    int code = QUIRE_EXIT_INPUT, rc = -1;

    if (data == NULL || params == NULL) {
        render_error_setf(e, RENDER_E_FAILED, QUIRE_EXIT_FAILURE, "out of memory");
        goto done;
    }
    if (ast_parse_file(j->path, &j->ast, &d) != 0 || report_load(j->ast, &j->rep, &d) != 0) {
        render_error_diag(e, RENDER_E_INVALID, QUIRE_EXIT_INPUT, &d);
        goto done;
    }
    if (plan_build(j->rep, k, data, r->ndata, params, r->nparams, &j->plan, &d, &code) != 0) {
        /* A source plugin that is not loaded is the server's problem, not
         * the request's; everything else plan_build refuses is the
         * definition's, the parameters' or the data's. */
        render_error_diag(e, code == QUIRE_EXIT_INPUT ? RENDER_E_INVALID : RENDER_E_FAILED, code,
                          &d);
        goto done;
    }
    rc = 0;
done:
    diag_clear(&d);
    free(data);
    free(params);
    return rc;
}

static int prepare(kernel *k, const render_req *r, job *j, render_error *e)
{
    memset(j, 0, sizeof(*j));
    if (r->report != NULL) {
        if (catalog_find(k, r->report, &j->path, e) != 0)
            return -1;
    } else if (r->path != NULL) {
        if ((j->path = strdup(r->path)) == NULL)
            return render_error_setf(e, RENDER_E_FAILED, QUIRE_EXIT_FAILURE, "out of memory");
    } else {
        return render_error_setf(e, RENDER_E_INVALID, QUIRE_EXIT_USAGE, "no report to render");
    }
    if (compile(k, r, j, e) != 0 || pick_format(k, r, j, e) != 0)
        return -1;
    if (!(j->fmt->flags & QUIRE_FORMAT_DATA) && j->fmt->owner->built_abi_minor < 2)
        /* 1.0 and 1.1 declared a first print model that 1.2 replaced. */
        return render_error_setf(e, RENDER_E_FAILED, QUIRE_EXIT_PLUGIN,
                                 "format '%s': plugin %s (%s) was built for ABI 1.%u, and pages "
                                 "need 1.2; rebuild it against the current include/quire headers",
                                 j->fmt->name, j->fmt->owner->label, j->fmt->owner->path,
                                 (unsigned)j->fmt->owner->built_abi_minor);
    if (!(j->fmt->flags & QUIRE_FORMAT_DATA)) {
        diag d = {0};
        int rc = fill_resources_load(j->rep, k->kconf, &j->res, &d);
        if (rc != 0)
            render_error_diag(e, RENDER_E_INVALID, QUIRE_EXIT_INPUT, &d);
        diag_clear(&d);
        if (rc != 0)
            return -1;
    }
    {
        const char *base = path_basename(j->rep->path);
        const char *dot = strrchr(base, '.');
        int n = (int)(dot ? dot - base : (long)strlen(base));
        snprintf(j->report_name, sizeof(j->report_name), "%.*s", n, base);
    }
    if (r->output != NULL) {
        j->output = strdup(r->output);
    } else {
        size_t n = strlen(j->report_name) + strlen(j->fmt->extension) + 2;
        if ((j->output = malloc(n)) != NULL)
            snprintf(j->output, n, "%s.%s", j->report_name, j->fmt->extension);
    }
    if (j->output == NULL)
        return render_error_setf(e, RENDER_E_FAILED, QUIRE_EXIT_FAILURE, "out of memory");
    return 0;
}

int render_validate(kernel *k, const render_req *r, render_error *e)
{
    job j;
    int rc = prepare(k, r, &j, e);
    job_free(&j);
    return rc;
}

/* ============================== Running =================================== */

/* What the run's hooks see. */
typedef struct run_ctx {
    render_ctl *ctl;
    run_progress prog;
    filler *fl;
    emit_sink inner; /* the filler's sink, which tap_* forward to */
    const quire_renderer_ops *ops;
    void *instance;
} run_ctx;

static void publish(run_ctx *rc)
{
    int phase = atomic_load(&rc->prog.phase);
    atomic_store(&rc->ctl->rows, atomic_load(&rc->prog.rows));
    atomic_store(&rc->ctl->estimate, atomic_load(&rc->prog.estimate));
    atomic_store(&rc->ctl->bytes_read, atomic_load(&rc->prog.bytes_read));
    atomic_store(&rc->ctl->bytes_total, atomic_load(&rc->prog.bytes_total));
    atomic_store(&rc->ctl->phase, phase == RUN_PHASE_SORT   ? RENDER_PHASE_SORT
                                  : phase == RUN_PHASE_EMIT ? RENDER_PHASE_EMIT
                                                            : RENDER_PHASE_READ);
}

/* Before each batch, on the thread reading it (several at once for a
 * partitioned source): progress out, and the pause. The wait sleeps and
 * holds nothing, so the other renders of the process go on; it ends when
 * pause is cleared or cancel set (run_plan then stops). */
static void between_batches(void *arg)
{
    run_ctx *rc = arg;
    publish(rc);
    while (atomic_load(&rc->ctl->pause) && !atomic_load(&rc->ctl->cancel)) {
        struct timespec nap = {0, 5 * 1000 * 1000};
        nanosleep(&nap, NULL);
    }
}

/* Data formats: band instances straight to the renderer. */
static int sink_band(void *ctx, const quire_band_instance *band, quire_error *err)
{
    run_ctx *rc = ctx;
    return rc->ops->band(rc->instance, band, err);
}

/* Page formats: the filler's sink, counting the pages it lays out. These
 * run on the thread that lays pages out, the only one that changes the
 * count, so fill_pages() is read safely here. */
static int tap_fill(void *ctx, const emit_band *band, quire_error *err)
{
    run_ctx *rc = ctx;
    int r = rc->inner.fill(rc->inner.ctx, band, err);
    atomic_store(&rc->ctl->pages, fill_pages(rc->fl));
    return r;
}

static int tap_resolve(void *ctx, uint32_t id, const quire_band_value *value, int omitted,
                       quire_error *err)
{
    run_ctx *rc = ctx;
    return rc->inner.resolve(rc->inner.ctx, id, value, omitted, err);
}

static void tap_attach(void *ctx, emitter *em)
{
    run_ctx *rc = ctx;
    if (rc->inner.attach != NULL)
        rc->inner.attach(rc->inner.ctx, em);
}

static int tap_finish(void *ctx, quire_error *err)
{
    run_ctx *rc = ctx;
    int r = rc->inner.finish != NULL ? rc->inner.finish(rc->inner.ctx, err) : QUIRE_OK;
    atomic_store(&rc->ctl->pages, fill_pages(rc->fl));
    return r;
}

static int64_t ms_since(const struct timespec *t0)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (int64_t)(now.tv_sec - t0->tv_sec) * 1000 + (now.tv_nsec - t0->tv_nsec) / 1000000;
}

/* begin(), end() and the run's errors: the plugin's and the data's
 * problems are the input's (exit 5), the rest a failure. */
static int exit_for(const quire_error *err)
{
    return err->code == QUIRE_E_INVALID || err->code == QUIRE_E_IO ? QUIRE_EXIT_INPUT
                                                                   : QUIRE_EXIT_FAILURE;
}

static void fill_document(const render_req *r, const job *j, quire_document *doc)
{
    const report_meta *m = &j->rep->meta;
    memset(doc, 0, sizeof(*doc));
    doc->size = sizeof(*doc);
    doc->format = j->fmt->name;
    doc->output_path = j->output;
    doc->title = m->title;
    doc->author = m->author;
    doc->locale = m->locale ? m->locale : "en-US";
    doc->rtl = (uint32_t)m->rtl;
    doc->data_columns = j->plan->data_columns;
    doc->ndata_columns = j->plan->ndata_columns;
    doc->subject = m->subject;
    doc->creator = "quire " QUIRE_VERSION;
    doc->page_width = m->page_width;
    doc->page_height = m->page_height;
    doc->report_name = j->report_name;
    if (r->first_page != 0 || r->last_page != 0) {
        doc->first_page = r->first_page;
        doc->last_page = r->last_page;
    } else if ((j->fmt->flags & QUIRE_FORMAT_PER_PAGE) && !r->every_page) {
        doc->first_page = doc->last_page = r->page != 0 ? r->page : 1;
    }
    if (j->res != NULL) {
        doc->fonts = j->res->fonts;
        doc->nfonts = j->res->nfonts;
        doc->images = j->res->images;
        doc->nimages = j->res->nimages;
    }
}

static int run_workers(kernel *k, const render_req *r)
{
    int n = r->workers > 0 ? r->workers : (int)config_get_int(k->kconf, "workers");
    if (n <= 0) {
        long cpus = sysconf(_SC_NPROCESSORS_ONLN);
        n = cpus > 0 ? (int)cpus : 1;
    }
    return n;
}

int render_run(kernel *k, const render_req *r, render_ctl *ctl, render_result *res, render_error *e)
{
    render_ctl own_ctl;
    render_result own_res;
    job j;
    run_ctx rc;
    quire_document doc;
    run_options opt;
    run_stats stats;
    quire_error err;
    struct timespec t0;
    int status = -1, run_rc;

    clock_gettime(CLOCK_MONOTONIC, &t0);
    if (ctl == NULL) {
        render_ctl_init(&own_ctl);
        ctl = &own_ctl;
    }
    if (res == NULL)
        res = &own_res;
    memset(res, 0, sizeof(*res));
    memset(&rc, 0, sizeof(rc));
    memset(&err, 0, sizeof(err));
    rc.ctl = ctl;
    atomic_store(&rc.prog.estimate, -1);
    atomic_store(&ctl->phase, RENDER_PHASE_PREPARE);

    if (prepare(k, r, &j, e) != 0)
        goto done;
    if (atomic_load(&ctl->cancel)) {
        render_error_setf(e, RENDER_E_CANCELED, QUIRE_EXIT_FAILURE,
                          "render cancelled: no output was written");
        goto done;
    }
    rc.ops = &j.fmt->owner->ops.renderer;
    fill_document(r, &j, &doc);
    if (rc.ops->begin(j.fmt->owner->state_ptr, &doc, &rc.instance, &err) != QUIRE_OK) {
        render_error_setf(e, RENDER_E_FAILED, exit_for(&err), "%s", err.msg);
        goto done;
    }

    if (j.res != NULL) {
        fill_options fo;
        memset(&fo, 0, sizeof(fo));
        fo.temp_dir = config_get_string(k->kconf, "temp_dir");
        fo.page_memory = (size_t)config_get_int(k->kconf, "page_memory");
        fo.first_page = doc.first_page;
        fo.last_page = doc.last_page;
        rc.fl = fill_new(j.plan, j.res, &fo,
                         (fill_output){rc.ops->page, rc.instance,
                                       j.fmt->flags & QUIRE_FORMAT_LATE ? rc.ops->slot : NULL});
        if (rc.fl == NULL) {
            rc.ops->abort(rc.instance);
            render_error_setf(e, RENDER_E_FAILED, QUIRE_EXIT_FAILURE, "out of memory");
            goto done;
        }
        rc.inner = fill_sink(rc.fl);
    }

    memset(&opt, 0, sizeof(opt));
    opt.workers = run_workers(k, r);
    opt.sort_memory = (size_t)config_get_int(k->kconf, "sort_memory");
    opt.temp_dir = config_get_string(k->kconf, "temp_dir");
    opt.cancel = &ctl->cancel;
    opt.between_batches = between_batches;
    opt.between_ctx = &rc;
    atomic_store(&ctl->phase, RENDER_PHASE_READ);
    {
        emit_sink sink = {0};
        sink.ctx = &rc;
        if (rc.fl != NULL) {
            sink.fill = tap_fill;
            sink.resolve = tap_resolve;
            sink.attach = tap_attach;
            sink.finish = tap_finish;
        } else {
            sink.band = sink_band;
        }
        run_rc = run_plan(j.plan, sink, &opt, &rc.prog, &stats, &err);
    }
    publish(&rc);

    fill_stop(rc.fl); /* no page() may run during end() or abort() */
    if (rc.fl != NULL)
        for (size_t i = 0; i < fill_nwarnings(rc.fl); i++)
            if (result_warn(res, fill_warning(rc.fl, i)) != 0) {
                /* Losing a warning must not pass silently. */
                err.code = QUIRE_E_NOMEM;
                snprintf(err.msg, sizeof(err.msg), "out of memory");
                run_rc = QUIRE_ERR;
                break;
            }
    if (run_rc != QUIRE_OK) {
        rc.ops->abort(rc.instance);
        if (err.code == QUIRE_E_CANCELED)
            render_error_setf(e, RENDER_E_CANCELED, QUIRE_EXIT_FAILURE, "%s", err.msg);
        else
            render_error_setf(e, RENDER_E_FAILED, exit_for(&err), "%s", err.msg);
        goto done;
    }
    atomic_store(&ctl->phase, RENDER_PHASE_FINISH);
    if (rc.ops->end(rc.instance, &err) != QUIRE_OK) {
        render_error_setf(e, RENDER_E_FAILED, QUIRE_EXIT_FAILURE, "%s", err.msg);
        goto done;
    }
    res->pages = rc.fl != NULL ? fill_pages(rc.fl) : 0;
    res->pages_sent = rc.fl != NULL ? fill_pages_sent(rc.fl) : 0;
    if (rc.fl != NULL && (j.fmt->flags & QUIRE_FORMAT_PER_PAGE) && !r->every_page &&
        r->first_page == 0 && r->last_page == 0 && res->pages_sent == 0) {
        /* Nothing was written: the one page asked for is not there. */
        render_error_setf(e, RENDER_E_INVALID, QUIRE_EXIT_INPUT,
                          "page %u does not exist: the report has %u pages", doc.first_page,
                          res->pages);
        goto done;
    }

    res->rows_read = stats.rows_read;
    res->rows_kept = stats.rows_kept;
    res->rows_skipped = stats.rows_skipped;
    res->mime_type = j.fmt->mime_type;
    res->format = j.fmt->name;
    res->groups = stats.groups;
    res->instances = stats.instances;
    res->partitions = stats.partitions;
    res->sorted_by = stats.sorted_by;
    res->sort_runs = stats.sort_runs;
    res->sort_bytes_spilled = stats.sort_bytes_spilled;
    res->peak_held = stats.peak_held;
    res->stream_mode = j.plan->mode == PLAN_STREAM;
    res->paged = rc.fl != NULL;
    if (rc.fl != NULL) {
        res->peak_waiting = fill_peak_waiting(rc.fl);
        res->bytes_spilled = fill_bytes_spilled(rc.fl);
    }
    if (strcmp(j.output, "-") != 0) {
        struct stat st;
        if (stat(j.output, &st) == 0 && S_ISREG(st.st_mode))
            res->output_bytes = (uint64_t)st.st_size;
    }
    res->output = j.output;
    j.output = NULL;
    status = 0;
done:
    fill_free(rc.fl);
    job_free(&j);
    res->elapsed_ms = ms_since(&t0);
    if (res == &own_res)
        render_result_free(&own_res);
    atomic_store(&ctl->phase, RENDER_PHASE_DONE);
    return status;
}
