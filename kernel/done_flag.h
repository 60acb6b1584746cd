/*
 * done_flag.h - "the other thread has finished", waited for with a
 * timeout.
 *
 * A render runs on its own thread while another one watches it: the
 * command line passes Ctrl-C on and draws progress, a server worker passes
 * pause and cancel on and reports progress. The watcher wakes every so
 * often for that work, but must also wake the moment the render ends, or
 * every render would finish up to one period late.
 */
#ifndef QUIRE_DONE_FLAG_H
#define QUIRE_DONE_FLAG_H

#include <pthread.h>

typedef struct done_flag {
    pthread_mutex_t lock;
    pthread_cond_t wake; /* on CLOCK_MONOTONIC */
    int done;            /* guarded by lock */
} done_flag;

/* Initialises f (not done). Returns 0, or -1 when the mutex or condition
 * cannot be created. */
int done_flag_init(done_flag *f);

/* Marks f done and wakes a waiter. Any thread. */
void done_flag_set(done_flag *f);

/* Waits until f is done or `ms` milliseconds have passed; returns 1 when
 * done. */
int done_flag_wait(done_flag *f, long ms);

void done_flag_destroy(done_flag *f);

#endif /* QUIRE_DONE_FLAG_H */
