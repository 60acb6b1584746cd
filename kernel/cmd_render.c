/*
 * cmd_render.c - `quire render`: the command-line front of a report run.
 *
 *   quire render REPORT [--data NAME=PATH]... [--param K=V]... [--format FMT]
 *                       [-o OUT|-] [--workers N] [--quiet] [--stats] [-c CONF]
 *
 * render parses and compiles the definition, runs it and hands the band
 * instances to the renderer plugin of the format. On a terminal a progress
 * line on stderr shows rows read against the source's estimate (or bytes
 * against the file size) and the rate; it stays quiet when stderr is not a
 * terminal or with --quiet. Ctrl-C (SIGINT) or SIGTERM cancel the run: the
 * renderer removes its partial output.
 *
 * Exit codes: 0 ok, 1 failure (I/O, cancelled), 2 usage, 3 config,
 * 4 plugin missing, 5 bad definition, parameters or data.
 */
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "cmd_report.h"
#include "fill.h"
#include "kernel.h"
#include "path.h"
#include "plan.h"
#include "run.h"

/* The one piece of process-wide state here: a signal handler can reach
 * nothing else. It only ever goes from 0 to 1. */
static _Atomic int render_cancel;

static void on_signal(int sig)
{
    (void)sig;
    atomic_store(&render_cancel, 1);
}

/* ============================== Progress ================================== */

typedef struct progress_line {
    run_progress *prog;
    struct timespec start;
    int shown;
} progress_line;

static double seconds_since(const struct timespec *t0)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (double)(now.tv_sec - t0->tv_sec) + (double)(now.tv_nsec - t0->tv_nsec) / 1e9;
}

/* n with thousands separators, as the report formatter writes them. */
static const char *grouped(int64_t n, char *buf, size_t len)
{
    qv v = qv_int(n);
    fmt_value(&v, "#,##0", fmt_locale_get("en-US"), buf, len);
    return buf;
}

static void progress_draw(progress_line *pl)
{
    double secs = seconds_since(&pl->start);
    int64_t rows = atomic_load(&pl->prog->rows);
    int64_t bytes = atomic_load(&pl->prog->bytes_read);
    int64_t total = atomic_load(&pl->prog->bytes_total);
    int phase = atomic_load(&pl->prog->phase);
    double pct = -1;
    char a[32], b[32];

    if (total > 0)
        pct = 100.0 * (double)bytes / (double)total;
    else if (pl->prog->estimate > 0)
        pct = 100.0 * (double)rows / (double)pl->prog->estimate;
    if (pct > 100)
        pct = 100;
    fprintf(stderr, "\r\033[K%s rows", grouped(rows, a, sizeof(a)));
    if (pl->prog->estimate > 0)
        fprintf(stderr, " of ~%s", grouped(pl->prog->estimate, b, sizeof(b)));
    if (pct >= 0)
        fprintf(stderr, "  %3.0f%%", pct);
    if (secs > 0) {
        double rate = (double)rows / secs;
        if (rate >= 1e6)
            fprintf(stderr, "  %.1fM rows/s", rate / 1e6);
        else if (rate >= 1e3)
            fprintf(stderr, "  %.0fk rows/s", rate / 1e3);
        else
            fprintf(stderr, "  %.0f rows/s", rate);
    }
    fprintf(stderr, "  %.1fs%s", secs,
            phase == RUN_PHASE_SORT   ? "  sorting"
            : phase == RUN_PHASE_EMIT ? "  writing"
                                      : "");
    pl->shown = 1;
}

/* ============================== render ==================================== */

typedef struct renderer_sink {
    const quire_renderer_ops *ops;
    void *instance;
} renderer_sink;

static int sink_band(void *ctx, const quire_band_instance *band, quire_error *err)
{
    renderer_sink *rs = ctx;
    return rs->ops->band(rs->instance, band, err);
}

typedef struct run_job {
    plan *p;
    emit_sink sink;
    run_options opt;
    run_progress prog;
    run_stats stats;
    quire_error err;
    int rc;
    _Atomic int done;
} run_job;

static void *run_thread(void *arg)
{
    run_job *job = arg;
    job->rc = run_plan(job->p, job->sink, &job->opt, &job->prog, &job->stats, &job->err);
    atomic_store(&job->done, 1);
    return NULL;
}

/* Runs the job, drawing progress on stderr every 100 ms when asked. */
static void run_with_progress(run_job *job, int show)
{
    pthread_t thread;
    progress_line pl = {.prog = &job->prog};
    clock_gettime(CLOCK_MONOTONIC, &pl.start);
    if (!show || pthread_create(&thread, NULL, run_thread, job) != 0) {
        run_thread(job);
        return;
    }
    while (!atomic_load(&job->done)) {
        struct timespec nap = {0, 100 * 1000 * 1000};
        nanosleep(&nap, NULL);
        if (seconds_since(&pl.start) >= 0.5)
            progress_draw(&pl);
    }
    pthread_join(thread, NULL);
    if (pl.shown)
        fprintf(stderr, "\r\033[K");
}

static int exit_for(const quire_error *err)
{
    return err->code == QUIRE_E_INVALID || err->code == QUIRE_E_IO ? QUIRE_EXIT_INPUT
                                                                   : QUIRE_EXIT_FAILURE;
}

/* The format from --format, else the extension of -o. */
static const format_rec *pick_format(kernel *k, const cli_opts *opts)
{
    const char *name = opts->format;
    const format_rec *f;
    if (name == NULL && opts->output != NULL && strcmp(opts->output, "-") != 0) {
        const char *dot = strrchr(path_basename(opts->output), '.');
        if (dot != NULL)
            for (size_t i = 0; i < k->nformats; i++)
                if (strcmp(k->formats[i].extension, dot + 1) == 0)
                    return &k->formats[i];
    }
    if (name == NULL) {
        fprintf(stderr, "quire: render needs --format FMT (or -o with a known extension); "
                        "formats: ");
        for (size_t i = 0; i < k->nformats; i++)
            fprintf(stderr, "%s%s", i ? ", " : "", k->formats[i].name);
        fprintf(stderr, "\n");
        return NULL;
    }
    f = kernel_find_format(k, name);
    if (f == NULL) {
        fprintf(stderr, "quire: unknown format '%s'; formats: ", name);
        for (size_t i = 0; i < k->nformats; i++)
            fprintf(stderr, "%s%s", i ? ", " : "", k->formats[i].name);
        fprintf(stderr, "\n");
    }
    return f;
}

static void print_stats(const run_stats *st, const plan *p, const filler *fl, double secs)
{
    fprintf(stderr,
            "stats: rows read %lld, kept %lld, skipped %lld; groups %lld; band instances %lld; "
            "mode %s, partitions %d; sorted by %s",
            (long long)st->rows_read, (long long)st->rows_kept, (long long)st->rows_skipped,
            (long long)st->groups, (long long)st->instances,
            p->mode == PLAN_HASH ? "hash" : "stream", st->partitions,
            st->sorted_by == 0   ? "nothing (not needed)"
            : st->sorted_by == 1 ? "the source"
                                 : "the kernel");
    if (st->sorted_by == 2)
        fprintf(stderr, " (%lld runs spilled, %lld bytes)", (long long)st->sort_runs,
                (long long)st->sort_bytes_spilled);
    fprintf(stderr, "; held back at most %zu instances", st->peak_held);
    /* Page formats: how many pages waited at once and what went to disk. */
    if (fl != NULL)
        fprintf(stderr, "; pages %u, sent %u, waiting at most %zu, spilled %llu bytes",
                fill_pages(fl), fill_pages_sent(fl), fill_peak_waiting(fl),
                (unsigned long long)fill_bytes_spilled(fl));
    fprintf(stderr, "; %.3f s\n", secs);
}

int cmd_render(int argc, char **argv)
{
    cli_opts opts = {0};
    loaded l;
    const format_rec *fmt;
    const quire_renderer_ops *ops;
    quire_document doc;
    renderer_sink rs = {0};
    fill_resources *res = NULL;
    filler *fl = NULL;
    run_job job;
    char *output = NULL;
    char report_name[256];
    struct sigaction sa, old_int, old_term;
    struct timespec t0;
    int code;

    code = cli_parse(argc - 1, argv + 1, &opts);
    if (code != QUIRE_EXIT_OK)
        return code;
    if (opts.nargs != 1)
        return report_usage("render");
    code = cli_only(&opts, "render", CLI_OPT_REPORT);
    if (code != QUIRE_EXIT_OK)
        return code;
    code = load_report(&opts, &l);
    if (code != QUIRE_EXIT_OK)
        goto done;
    fmt = pick_format(l.k, &opts);
    if (fmt == NULL) {
        code = QUIRE_EXIT_USAGE;
        goto done;
    }
    ops = &fmt->owner->ops.renderer;
    if (!(fmt->flags & QUIRE_FORMAT_DATA) && fmt->owner->built_abi_minor < 2) {
        /* 1.0 and 1.1 declared a first print model that 1.2 replaced. */
        fprintf(stderr,
                "error: format '%s': plugin %s (%s) was built for ABI 1.%u, and pages need "
                "1.2; rebuild it against the current include/quire headers\n",
                fmt->name, fmt->owner->label, fmt->owner->path,
                (unsigned)fmt->owner->built_abi_minor);
        code = QUIRE_EXIT_PLUGIN;
        goto done;
    }
    if (!(fmt->flags & QUIRE_FORMAT_DATA)) {
        diag d;
        diag_init(&d);
        if (fill_resources_load(l.rep, l.k->kconf, &res, &d) != 0) {
            diag_print(&d, stderr);
            diag_clear(&d);
            code = QUIRE_EXIT_INPUT;
            goto done;
        }
        diag_clear(&d);
    }
    if (opts.output != NULL) {
        output = strdup(opts.output);
    } else {
        const char *base = path_basename(l.rep->path);
        const char *dot = strrchr(base, '.');
        size_t n = dot ? (size_t)(dot - base) : strlen(base);
        output = malloc(n + strlen(fmt->extension) + 2);
        if (output != NULL)
            snprintf(output, n + strlen(fmt->extension) + 2, "%.*s.%s", (int)n, base,
                     fmt->extension);
    }
    if (output == NULL) {
        fprintf(stderr, "error: out of memory\n");
        code = QUIRE_EXIT_FAILURE;
        goto done;
    }

    memset(&doc, 0, sizeof(doc));
    doc.size = sizeof(doc);
    doc.format = fmt->name;
    doc.output_path = output;
    doc.title = l.rep->meta.title;
    doc.author = l.rep->meta.author;
    doc.locale = l.rep->meta.locale ? l.rep->meta.locale : "en-US";
    doc.rtl = (uint32_t)l.rep->meta.rtl;
    doc.data_columns = l.plan->data_columns;
    doc.ndata_columns = l.plan->ndata_columns;
    doc.subject = l.rep->meta.subject;
    doc.creator = "quire " QUIRE_VERSION;
    doc.first_page = opts.first_page;
    doc.last_page = opts.last_page;
    doc.page_width = l.rep->meta.page_width;
    doc.page_height = l.rep->meta.page_height;
    if (res != NULL) {
        doc.fonts = res->fonts;
        doc.nfonts = res->nfonts;
        doc.images = res->images;
        doc.nimages = res->nimages;
    }
    {
        const char *base = path_basename(l.rep->path);
        const char *dot = strrchr(base, '.');
        snprintf(report_name, sizeof(report_name), "%.*s",
                 (int)(dot ? dot - base : (long)strlen(base)), base);
        doc.report_name = report_name;
    }

    memset(&job, 0, sizeof(job));
    if (ops->begin(fmt->owner->state_ptr, &doc, &rs.instance, &job.err) != QUIRE_OK) {
        fprintf(stderr, "error: %s\n", job.err.msg);
        code = exit_for(&job.err);
        goto done;
    }
    rs.ops = ops;
    job.p = l.plan;
    if (res != NULL) {
        fill_options fo;
        memset(&fo, 0, sizeof(fo));
        fo.temp_dir = config_get_string(l.k->kconf, "temp_dir");
        fo.page_memory = (size_t)config_get_int(l.k->kconf, "page_memory");
        fo.first_page = opts.first_page;
        fo.last_page = opts.last_page;
        fl = fill_new(l.plan, res, &fo,
                      (fill_output){ops->page, rs.instance,
                                    fmt->flags & QUIRE_FORMAT_LATE ? ops->slot : NULL});
        if (fl == NULL) {
            ops->abort(rs.instance);
            fprintf(stderr, "error: out of memory\n");
            code = QUIRE_EXIT_FAILURE;
            goto done;
        }
        job.sink = fill_sink(fl);
    } else {
        job.sink.band = sink_band;
        job.sink.ctx = &rs;
    }
    job.opt.workers = opts.workers >= 0 ? opts.workers : (int)config_get_int(l.k->kconf, "workers");
    if (job.opt.workers <= 0) {
        long n = sysconf(_SC_NPROCESSORS_ONLN);
        job.opt.workers = n > 0 ? (int)n : 1;
    }
    job.opt.sort_memory = (size_t)config_get_int(l.k->kconf, "sort_memory");
    job.opt.temp_dir = config_get_string(l.k->kconf, "temp_dir");
    job.opt.cancel = &render_cancel;

    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, &old_int);
    sigaction(SIGTERM, &sa, &old_term);
    /* A closed pipe (`quire render ... -o - | head`) is a write error the
     * renderer reports, not a reason to die silently. */
    signal(SIGPIPE, SIG_IGN);
    clock_gettime(CLOCK_MONOTONIC, &t0);
    run_with_progress(&job, !opts.quiet && isatty(STDERR_FILENO));
    sigaction(SIGINT, &old_int, NULL);
    sigaction(SIGTERM, &old_term, NULL);

    fill_stop(fl); /* no page() may run during end() or abort() */
    if (fl != NULL)
        for (size_t i = 0; i < fill_nwarnings(fl); i++)
            fprintf(stderr, "warning: %s\n", fill_warning(fl, i));
    if (job.rc != QUIRE_OK) {
        ops->abort(rs.instance);
        fprintf(stderr, "error: %s\n", job.err.msg);
        code = job.err.code == QUIRE_E_CANCELED ? QUIRE_EXIT_FAILURE : exit_for(&job.err);
        goto done;
    }
    if (ops->end(rs.instance, &job.err) != QUIRE_OK) {
        fprintf(stderr, "error: %s\n", job.err.msg);
        code = QUIRE_EXIT_FAILURE;
        goto done;
    }
    /* Skipped rows are not warned about here: each source logs one info
     * line naming its input and the count when it closes (the convention
     * in docs/plugin-authoring.md), and --stats shows the total. */
    if (opts.stats)
        print_stats(&job.stats, l.plan, fl, seconds_since(&t0));
    code = QUIRE_EXIT_OK;
done:
    fill_free(fl);
    fill_resources_free(res);
    free(output);
    loaded_free(&l);
    return code;
}
