/*
 * serve_runner.c - the jobs engine's runner: renders a job with
 * render_service.
 *
 * The engine calls run() on one of its worker threads. The render itself
 * runs on a second thread so this one can watch it: every 50 ms it copies
 * the job's pause and cancel flags (set by the engine from the job's
 * control field in Redis) into the render's control block, and the
 * render's progress into the job. Pause and cancel therefore take effect
 * between batches, as the render reads them there.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "done_flag.h"
#include "render_service.h"
#include "serve.h"

#define WATCH_MS 50

typedef struct job_render {
    kernel *k;
    render_req req;
    render_ctl ctl;
    render_result res;
    render_error err;
    int rc;
    done_flag finished; /* noticed by the watcher at once, not next round */
} job_render;

static void *render_thread(void *arg)
{
    job_render *jr = arg;
    jr->rc = render_run(jr->k, &jr->req, &jr->ctl, &jr->res, &jr->err);
    done_flag_set(&jr->finished);
    return NULL;
}

/* Percent done from what the render knows: rows against the source's
 * estimate, else bytes against the file size; -1 when neither is known. */
static int percent_of(const render_ctl *ctl)
{
    int64_t rows = atomic_load(&ctl->rows), est = atomic_load(&ctl->estimate);
    int64_t got = atomic_load(&ctl->bytes_read), total = atomic_load(&ctl->bytes_total);
    int phase = atomic_load(&ctl->phase);
    double pct = -1;

    if (phase >= RENDER_PHASE_FINISH)
        return 99;
    if (total > 0)
        pct = 100.0 * (double)got / (double)total;
    else if (est > 0)
        pct = 100.0 * (double)rows / (double)est;
    if (pct < 0)
        return -1;
    /* Reading is most of the work but not all of it: the last percent is
     * the renderer's end(). */
    return pct > 99 ? 99 : (int)pct;
}

static void report_progress(job_run *run, const render_ctl *ctl)
{
    int64_t est = atomic_load(&ctl->estimate);
    job_run_progress(run, atomic_load(&ctl->rows), est > 0 ? est : -1,
                     (int64_t)atomic_load(&ctl->pages), percent_of(ctl));
}

static void run_job(void *ctx, job_run *run)
{
    server *srv = ctx;
    const job_spec *spec = job_run_spec(run);
    job_render *jr = calloc(1, sizeof(*jr));
    render_param *params = NULL;
    pthread_t t;
    int status;

    if (jr == NULL || (spec->nparams && !(params = calloc(spec->nparams, sizeof(*params))))) {
        free(jr);
        job_run_finish(run, JOB_FAILED, NULL, "out of memory");
        return;
    }
    for (size_t i = 0; i < spec->nparams; i++) {
        params[i].name = spec->params[i].name;
        params[i].value = spec->params[i].value;
    }
    jr->k = srv->k;
    jr->req.report = spec->report;
    jr->req.format = spec->format;
    jr->req.params = params;
    jr->req.nparams = spec->nparams;
    jr->req.page = spec->page ? (uint32_t)strtoul(spec->page, NULL, 10) : 0;
    jr->req.output = job_run_output_path(run);
    render_ctl_init(&jr->ctl);
    render_error_init(&jr->err);
    if (done_flag_init(&jr->finished) != 0) {
        free(params);
        free(jr);
        job_run_finish(run, JOB_FAILED, NULL, "could not create a condition variable");
        return;
    }
    if (pthread_create(&t, NULL, render_thread, jr) != 0) {
        done_flag_destroy(&jr->finished);
        free(params);
        free(jr);
        job_run_finish(run, JOB_FAILED, NULL, "could not start a render thread");
        return;
    }
    while (!done_flag_wait(&jr->finished, WATCH_MS)) {
        atomic_store(&jr->ctl.pause, job_run_paused(run));
        if (job_run_canceled(run))
            atomic_store(&jr->ctl.cancel, 1);
        report_progress(run, &jr->ctl);
    }
    pthread_join(t, NULL);

    if (jr->rc == 0) {
        job_run_progress(run, jr->res.rows_read, jr->res.rows_read, jr->res.pages, 100);
        job_run_finish(run, JOB_OK, jr->res.mime_type, NULL);
    } else {
        const char *why = jr->err.text ? jr->err.text : "render failed";
        /* A bad definition, parameter or data fails again on every node:
         * no retry. I/O and plugin failures may not. */
        status = jr->err.cls == RENDER_E_CANCELED ? JOB_CANCELED
                 : jr->err.cls == RENDER_E_INVALID || jr->err.cls == RENDER_E_NOT_FOUND
                     ? JOB_FAILED_PERMANENT
                     : JOB_FAILED;
        job_run_finish(run, status, NULL, why);
    }
    render_result_free(&jr->res);
    render_error_clear(&jr->err);
    done_flag_destroy(&jr->finished);
    free(params);
    free(jr);
}

jobs_runner serve_job_runner(server *srv)
{
    jobs_runner r = {.ctx = srv, .run = run_job};
    return r;
}
