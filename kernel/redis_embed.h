/*
 * redis_embed.h - a private redis-server for a node with no redis_url.
 *
 * The server listens only on DIR/redis.sock (mode 0700, no TCP port),
 * keeps its data in DIR with AOF on (appendfsync everysec, no RDB
 * snapshots) and logs to DIR/redis.log. It runs in its own process group
 * (a terminal's Ctrl-C reaches quire only, which stops it in order) and
 * gets SIGTERM from the kernel when the thread that started it dies, even
 * on kill -9 of quire (PR_SET_PDEATHSIG): start it from the main thread.
 *
 * Threading: start and stop block (up to about 5 s each); call them before
 * the loop runs and after it ends. Children: the owner must not reap every
 * child with waitpid(-1) while this runs if it can help it; if it does
 * (libev's default loop does), stop still notices the exit.
 */
#ifndef QUIRE_REDIS_EMBED_H
#define QUIRE_REDIS_EMBED_H

#include <stddef.h>
#include <sys/types.h>

typedef struct redis_embed redis_embed;

/* Creates dir (mode 0700, parents too) if missing and starts redis-server
 * there (redis_server_path NULL: "redis-server" looked up on PATH), then
 * waits at most 5 s until DIR/redis.sock answers PING. Refuses, without
 * starting anything, when a server already answers on DIR/redis.sock (a
 * previous node still running: "... already answers on
 * /var/lib/quire/redis/redis.sock ..."); a stale socket file nobody
 * listens on is removed. On failure returns NULL with the reason in err,
 * including the last lines of DIR/redis.log when the server ran; a server
 * that did not come up is killed. The caller owns the result and ends it
 * with redis_embed_stop(). */
redis_embed *redis_embed_start(const char *dir, const char *redis_server_path, char *err,
                               size_t errlen);

/* "unix:DIR/redis.sock" with DIR made absolute; valid until stop. */
const char *redis_embed_url(const redis_embed *e);

/* The server's process id (for tests and the log). */
pid_t redis_embed_pid(const redis_embed *e);

/* Sends SIGTERM (Redis flushes the AOF and exits), waits up to 5 s, then
 * SIGKILL; reaps the process, removes the socket file and frees e. The
 * data files stay. NULL is ignored. */
void redis_embed_stop(redis_embed *e);

#endif /* QUIRE_REDIS_EMBED_H */
