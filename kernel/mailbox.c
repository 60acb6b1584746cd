/*
 * mailbox.c - a mutex-protected FIFO of closures drained by an ev_async
 * watcher on the loop thread (see mailbox.h).
 */
#include "mailbox.h"

#include <ev.h>
#include <pthread.h>
#include <stdlib.h>

typedef struct letter {
    struct letter *next;
    mailbox_fn *fn;
    void *arg;
} letter;

struct mailbox {
    struct ev_loop *loop;
    ev_async wake;
    pthread_mutex_t lock;
    letter *head, *tail; /* guarded by lock */
};

/* Takes the whole queue under the lock and runs it outside the lock, so a
 * letter may post another without deadlock. */
static void mailbox_drain(mailbox *mb)
{
    letter *l;

    pthread_mutex_lock(&mb->lock);
    l = mb->head;
    mb->head = mb->tail = NULL;
    pthread_mutex_unlock(&mb->lock);
    while (l != NULL) {
        letter *next = l->next;
        l->fn(l->arg);
        free(l);
        l = next;
    }
}

static void on_wake(struct ev_loop *loop, ev_async *w, int revents)
{
    (void)loop;
    (void)revents;
    mailbox_drain(w->data);
}

mailbox *mailbox_new(struct ev_loop *loop)
{
    mailbox *mb = calloc(1, sizeof(*mb));

    if (mb == NULL)
        return NULL;
    if (pthread_mutex_init(&mb->lock, NULL) != 0) {
        free(mb);
        return NULL;
    }
    mb->loop = loop;
    ev_async_init(&mb->wake, on_wake);
    mb->wake.data = mb;
    ev_async_start(loop, &mb->wake);
    return mb;
}

int mailbox_post(mailbox *mb, mailbox_fn *fn, void *arg)
{
    letter *l = malloc(sizeof(*l));

    if (l == NULL)
        return -1;
    l->next = NULL;
    l->fn = fn;
    l->arg = arg;
    pthread_mutex_lock(&mb->lock);
    if (mb->tail)
        mb->tail->next = l;
    else
        mb->head = l;
    mb->tail = l;
    pthread_mutex_unlock(&mb->lock);
    ev_async_send(mb->loop, &mb->wake);
    return 0;
}

void mailbox_free(mailbox *mb)
{
    if (mb == NULL)
        return;
    mailbox_drain(mb);
    ev_async_stop(mb->loop, &mb->wake);
    pthread_mutex_destroy(&mb->lock);
    free(mb);
}
