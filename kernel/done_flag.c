/*
 * done_flag.c - a mutex, a monotonic condition variable and a flag (see
 * done_flag.h).
 */
#include "done_flag.h"

#include <time.h>

int done_flag_init(done_flag *f)
{
    pthread_condattr_t ca;

    f->done = 0;
    if (pthread_mutex_init(&f->lock, NULL) != 0)
        return -1;
    if (pthread_condattr_init(&ca) != 0)
        goto fail_destroy_lock;
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    if (pthread_cond_init(&f->wake, &ca) != 0) {
        pthread_condattr_destroy(&ca);
        goto fail_destroy_lock;
    }
    pthread_condattr_destroy(&ca);
    return 0;

fail_destroy_lock:
    pthread_mutex_destroy(&f->lock);
    return -1;
}

void done_flag_set(done_flag *f)
{
    pthread_mutex_lock(&f->lock);
    f->done = 1;
    pthread_cond_signal(&f->wake);
    pthread_mutex_unlock(&f->lock);
}

int done_flag_wait(done_flag *f, long ms)
{
    struct timespec until;
    int done;

    clock_gettime(CLOCK_MONOTONIC, &until);
    until.tv_sec += ms / 1000;
    until.tv_nsec += (ms % 1000) * 1000000L;
    if (until.tv_nsec >= 1000000000L) {
        until.tv_sec++;
        until.tv_nsec -= 1000000000L;
    }
    pthread_mutex_lock(&f->lock);
    while (!f->done && pthread_cond_timedwait(&f->wake, &f->lock, &until) == 0)
        ;
    done = f->done;
    pthread_mutex_unlock(&f->lock);
    return done;
}

void done_flag_destroy(done_flag *f)
{
    pthread_cond_destroy(&f->wake);
    pthread_mutex_destroy(&f->lock);
}
