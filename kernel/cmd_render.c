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
 * The render itself is render_service.h's render_run(), the same path the
 * server's workers take; this file is the command line around it: options,
 * the progress line, signals, messages and exit codes.
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
#include "done_flag.h"
#include "cmd_report.h"
#include "format.h"
#include "kernel.h"
#include "render_service.h"

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
    const render_ctl *ctl;
    struct timespec start; /* when rows started to be read */
    int started;
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
    int64_t rows = atomic_load(&pl->ctl->rows);
    int64_t bytes = atomic_load(&pl->ctl->bytes_read);
    int64_t total = atomic_load(&pl->ctl->bytes_total);
    int64_t estimate = atomic_load(&pl->ctl->estimate);
    int phase = atomic_load(&pl->ctl->phase);
    double pct = -1;
    char a[32], b[32];

    if (total > 0)
        pct = 100.0 * (double)bytes / (double)total;
    else if (estimate > 0)
        pct = 100.0 * (double)rows / (double)estimate;
    if (pct > 100)
        pct = 100;
    fprintf(stderr, "\r\033[K%s rows", grouped(rows, a, sizeof(a)));
    if (estimate > 0)
        fprintf(stderr, " of ~%s", grouped(estimate, b, sizeof(b)));
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
            phase == RENDER_PHASE_SORT   ? "  sorting"
            : phase == RENDER_PHASE_EMIT ? "  writing"
                                         : "");
    pl->shown = 1;
}

/* ============================== render ==================================== */

typedef struct render_job {
    kernel *k;
    const render_req *req;
    render_ctl ctl;
    render_result res;
    render_error err;
    int rc;
    done_flag finished; /* wakes the watcher at once: no render ends late */
} render_job;

static void *render_thread(void *arg)
{
    render_job *job = arg;
    job->rc = render_run(job->k, job->req, &job->ctl, &job->res, &job->err);
    done_flag_set(&job->finished);
    return NULL;
}

/* Renders on a second thread while this one passes a Ctrl-C on to the
 * render (the signal handler can only set a flag) and, when asked, draws
 * the progress line every 100 ms once rows are being read. */
static void render_with_progress(render_job *job, int show)
{
    pthread_t thread;
    progress_line pl = {.ctl = &job->ctl};
    if (done_flag_init(&job->finished) != 0) {
        job->rc = render_run(job->k, job->req, &job->ctl, &job->res, &job->err);
        return;
    }
    if (pthread_create(&thread, NULL, render_thread, job) != 0) {
        render_thread(job); /* no thread to spare: no progress, no Ctrl-C */
        done_flag_destroy(&job->finished);
        return;
    }
    /* Ctrl-C only sets a flag, seen here within 100 ms. */
    while (!done_flag_wait(&job->finished, 100)) {
        if (atomic_load(&render_cancel))
            atomic_store(&job->ctl.cancel, 1);
        if (!pl.started && atomic_load(&job->ctl.phase) >= RENDER_PHASE_READ) {
            clock_gettime(CLOCK_MONOTONIC, &pl.start);
            pl.started = 1;
        }
        if (show && pl.started && seconds_since(&pl.start) >= 0.5)
            progress_draw(&pl);
    }
    pthread_join(thread, NULL);
    done_flag_destroy(&job->finished);
    if (pl.shown)
        fprintf(stderr, "\r\033[K");
}

static void print_stats(const render_result *st)
{
    fprintf(stderr,
            "stats: rows read %lld, kept %lld, skipped %lld; groups %lld; band instances %lld; "
            "mode %s, partitions %d; sorted by %s",
            (long long)st->rows_read, (long long)st->rows_kept, (long long)st->rows_skipped,
            (long long)st->groups, (long long)st->instances, st->stream_mode ? "stream" : "hash",
            st->partitions,
            st->sorted_by == 0   ? "nothing (not needed)"
            : st->sorted_by == 1 ? "the source"
                                 : "the kernel");
    if (st->sorted_by == 2)
        fprintf(stderr, " (%lld runs spilled, %lld bytes)", (long long)st->sort_runs,
                (long long)st->sort_bytes_spilled);
    fprintf(stderr, "; held back at most %zu instances", st->peak_held);
    /* Page formats: how many pages waited at once and what went to disk. */
    if (st->paged)
        fprintf(stderr, "; pages %u, sent %u, waiting at most %zu, spilled %llu bytes", st->pages,
                st->pages_sent, st->peak_waiting, (unsigned long long)st->bytes_spilled);
    fprintf(stderr, "; %.3f s\n", (double)st->elapsed_ms / 1000.0);
}

/* Splits NAME=VALUE arguments (cli_parse checked the '=') into pairs whose
 * names are copied into *names (the caller frees). */
static int split_pairs(const char *const *raw, int n, render_param *out, char **names)
{
    size_t total = 1, at = 0;
    char *buf;
    for (int i = 0; i < n; i++)
        total += strlen(raw[i]) + 1;
    if ((buf = malloc(total)) == NULL)
        return -1;
    for (int i = 0; i < n; i++) {
        const char *eq = strchr(raw[i], '=');
        size_t len = (size_t)(eq - raw[i]);
        memcpy(buf + at, raw[i], len);
        buf[at + len] = '\0';
        out[i].name = buf + at;
        out[i].value = eq + 1;
        at += len + 1;
    }
    *names = buf;
    return 0;
}

int cmd_render(int argc, char **argv)
{
    cli_opts opts = {0};
    kernel *k = NULL;
    render_param data[CLI_MAX_ARGS], params[CLI_MAX_ARGS];
    int data_argi[CLI_MAX_ARGS], params_argi[CLI_MAX_ARGS];
    char *data_names = NULL, *param_names = NULL;
    render_req req;
    render_job *job = NULL;
    struct sigaction sa, old_int, old_term;
    int code;

    code = cli_parse(argc - 1, argv + 1, &opts);
    if (code != QUIRE_EXIT_OK)
        return code;
    if (opts.nargs != 1)
        return report_usage("render");
    code = cli_only(&opts, "render", CLI_OPT_REPORT);
    if (code != QUIRE_EXIT_OK)
        return code;
    code = cli_open_kernel(&opts, 1, &k);
    if (code != QUIRE_EXIT_OK)
        goto done;
    job = calloc(1, sizeof(*job));
    if (job == NULL || split_pairs(opts.data, opts.ndata, data, &data_names) != 0 ||
        split_pairs(opts.params, opts.nparams, params, &param_names) != 0) {
        fprintf(stderr, "error: out of memory\n");
        code = QUIRE_EXIT_FAILURE;
        goto done;
    }
    for (int i = 0; i < opts.ndata; i++)
        data_argi[i] = opts.data_argi[i] + 2; /* after `quire`: render = 1, REPORT = 2 */
    for (int i = 0; i < opts.nparams; i++)
        params_argi[i] = opts.params_argi[i] + 2;

    memset(&req, 0, sizeof(req));
    req.path = opts.args[0];
    req.data = data;
    req.ndata = (size_t)opts.ndata;
    req.data_argi = data_argi;
    req.params = params;
    req.nparams = (size_t)opts.nparams;
    req.params_argi = params_argi;
    req.format = opts.format;
    req.output = opts.output;
    req.first_page = opts.first_page;
    req.last_page = opts.last_page;
    req.every_page = 1;
    req.workers = opts.workers;
    if (req.workers == 0) { /* --workers 0: one per CPU, whatever the config says */
        long n = sysconf(_SC_NPROCESSORS_ONLN);
        req.workers = n > 0 ? (int)n : 1;
    }
    job->k = k;
    job->req = &req;
    render_ctl_init(&job->ctl);
    render_error_init(&job->err);

    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, &old_int);
    sigaction(SIGTERM, &sa, &old_term);
    /* A closed pipe (`quire render ... -o - | head`) is a write error the
     * renderer reports, not a reason to die silently. */
    signal(SIGPIPE, SIG_IGN);
    render_with_progress(job, !opts.quiet && isatty(STDERR_FILENO));
    sigaction(SIGINT, &old_int, NULL);
    sigaction(SIGTERM, &old_term, NULL);

    for (size_t i = 0; i < job->res.nwarnings; i++)
        fprintf(stderr, "warning: %s\n", job->res.warnings[i]);
    if (job->rc != 0) {
        const char *text = job->err.text != NULL ? job->err.text : "error: out of memory\n";
        /* Choosing the format is a usage problem, worded as usage errors are. */
        if (job->err.exit_code == QUIRE_EXIT_USAGE && strncmp(text, "error: ", 7) == 0)
            fprintf(stderr, "quire: %s", text + 7);
        else
            fputs(text, stderr);
        code = job->err.text != NULL ? job->err.exit_code : QUIRE_EXIT_FAILURE;
        goto done;
    }
    /* Skipped rows are not warned about here: each source logs one info
     * line naming its input and the count when it closes (the convention
     * in docs/plugin-authoring.md), and --stats shows the total. */
    if (opts.stats)
        print_stats(&job->res);
    code = QUIRE_EXIT_OK;
done:
    if (job != NULL) {
        render_result_free(&job->res);
        render_error_clear(&job->err);
        free(job);
    }
    free(data_names);
    free(param_names);
    kernel_close(k);
    return code;
}
