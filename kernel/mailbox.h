/*
 * mailbox.h - hands work from any thread to the event-loop thread.
 *
 * Render workers must not touch sockets or Redis connections: those belong
 * to the loop thread. A worker posts a function and its argument; the loop
 * runs them in the order posted, soon after (libev's ev_async wakes it).
 * This is the one place where threads meet the loop, so the rule stays
 * simple: everything else in the server runs on the loop thread.
 */
#ifndef QUIRE_MAILBOX_H
#define QUIRE_MAILBOX_H

struct ev_loop;

typedef struct mailbox mailbox;

typedef void mailbox_fn(void *arg);

/* Creates a mailbox on `loop` and starts its watcher. Loop thread, before
 * any post. NULL when out of memory. */
mailbox *mailbox_new(struct ev_loop *loop);

/* Queues fn(arg) to run on the loop thread. Any thread. Returns 0, or -1
 * when out of memory (nothing queued; the caller still owns arg). */
int mailbox_post(mailbox *mb, mailbox_fn *fn, void *arg);

/* Runs what is still queued, stops the watcher and frees. Loop thread,
 * after every poster has stopped. NULL is ignored. */
void mailbox_free(mailbox *mb);

#endif /* QUIRE_MAILBOX_H */
