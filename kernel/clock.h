/*
 * clock.h - milliseconds, the way the server and the job engine count
 * them: monotonic for intervals and deadlines, wall (Unix epoch) for what
 * is stored in Redis and shown to clients.
 */
#ifndef QUIRE_CLOCK_H
#define QUIRE_CLOCK_H

#include <stdint.h>

/* CLOCK_MONOTONIC in ms: for intervals only. Any thread. */
int64_t clock_mono_ms(void);

/* CLOCK_REALTIME in ms since the Unix epoch. Any thread. */
int64_t clock_wall_ms(void);

#endif /* QUIRE_CLOCK_H */
