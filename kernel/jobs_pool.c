/*
 * jobs_pool.c - the engine's worker threads and the job_run handle the
 * runner sees. The loop pushes runs on a work queue; a worker calls the
 * runner; job_run_finish() collects the output on that worker and moves
 * the run to the done list, then wakes the loop with ev_async.
 */
#include "jobs_int.h"

#include <stdlib.h>
#include <string.h>

#include "diag.h"

/* ============================== job_run =================================== */

const job_spec *job_run_spec(const job_run *run)
{
    return &run->spec;
}

const char *job_run_output_path(const job_run *run)
{
    return run->out_path;
}

void job_run_progress(job_run *run, int64_t rows, int64_t rows_total, int64_t pages, int percent)
{
    if (percent > 100)
        percent = 100;
    atomic_store(&run->rows, rows);
    atomic_store(&run->rows_total, rows_total);
    atomic_store(&run->pages, pages);
    atomic_store(&run->percent, percent < 0 ? -1 : percent);
}

int job_run_paused(const job_run *run)
{
    return atomic_load(&((job_run *)run)->paused);
}

int job_run_canceled(const job_run *run)
{
    return atomic_load(&((job_run *)run)->canceled);
}

void job_run_finish(job_run *run, int status, const char *mime, const char *error_text)
{
    jobs *j = run->j;
    run->status = status;
    run->mime = strdup(mime ? mime : "application/octet-stream");
    run->error = strdup(error_text ? error_text : "");
    if (atomic_load(&run->canceled) && status == JOB_OK)
        run->status = JOB_CANCELED;
    jobs_output_collect(run);
    pthread_mutex_lock(&j->mu);
    run->qnext = NULL;
    if (j->done_tail)
        j->done_tail->qnext = run;
    else
        j->done_head = run;
    j->done_tail = run;
    pthread_mutex_unlock(&j->mu);
    ev_async_send(j->loop, &j->wake);
}

/* ============================== Workers =================================== */

static void *worker_main(void *arg)
{
    jobs *j = arg;
    pthread_mutex_lock(&j->mu);
    for (;;) {
        while (!j->stopping && !j->work_head)
            pthread_cond_wait(&j->cv, &j->mu);
        if (j->stopping)
            break;
        struct job_run *r = j->work_head;
        j->work_head = r->qnext;
        if (!j->work_head)
            j->work_tail = NULL;
        pthread_mutex_unlock(&j->mu);
        j->runner.run(j->runner.ctx, r);
        pthread_mutex_lock(&j->mu);
    }
    pthread_mutex_unlock(&j->mu);
    return NULL;
}

int jobs_pool_start(jobs *j, quire_error *err)
{
    j->threads = calloc((size_t)j->o.slots, sizeof *j->threads);
    if (!j->threads) {
        error_setf(err, QUIRE_E_NOMEM, "jobs: out of memory");
        return -1;
    }
    for (int i = 0; i < j->o.slots; i++) {
        if (pthread_create(&j->threads[i], NULL, worker_main, j) != 0) {
            error_setf(err, QUIRE_E_IO, "jobs: cannot start worker thread %d of %d", i + 1,
                       j->o.slots);
            jobs_pool_stop(j);
            return -1;
        }
        j->nthreads++;
    }
    return 0;
}

/* Joins the workers. A runner in progress sees job_run_canceled() (set by
 * jobs_free) and finishes; runs still queued are left for the caller. */
void jobs_pool_stop(jobs *j)
{
    pthread_mutex_lock(&j->mu);
    j->stopping = 1;
    pthread_cond_broadcast(&j->cv);
    pthread_mutex_unlock(&j->mu);
    for (int i = 0; i < j->nthreads; i++)
        pthread_join(j->threads[i], NULL);
    j->nthreads = 0;
    free(j->threads);
    j->threads = NULL;
}

void jobs_pool_push(jobs *j, struct job_run *r)
{
    pthread_mutex_lock(&j->mu);
    r->qnext = NULL;
    if (j->work_tail)
        j->work_tail->qnext = r;
    else
        j->work_head = r;
    j->work_tail = r;
    pthread_cond_signal(&j->cv);
    pthread_mutex_unlock(&j->mu);
}

struct job_run *jobs_pool_pop_done(jobs *j)
{
    pthread_mutex_lock(&j->mu);
    struct job_run *r = j->done_head;
    if (r) {
        j->done_head = r->qnext;
        if (!j->done_head)
            j->done_tail = NULL;
    }
    pthread_mutex_unlock(&j->mu);
    return r;
}

void jobs_run_free(struct job_run *r)
{
    if (!r)
        return;
    for (size_t i = 0; i < r->nowned; i++)
        free(r->owned[i]);
    free(r->owned);
    free((void *)r->spec.params);
    if (r->out_path)
        remove(r->out_path);
    free(r->out_path);
    free(r->entry_id);
    free(r->job_id);
    free(r->mime);
    free(r->error);
    free(r->out_data);
    free(r->out_file);
    free(r->dead_error);
    free(r);
}
