/*
 * probe_cache.h - the plugin probe cache: the plugin files whose probe
 * (loader.c, "Probing") succeeded, so that a file that has not changed
 * since is loaded without forking a probe child again. GStreamer keeps a
 * registry cache for its plugin scanner for the same reason.
 *
 * A file is known by its absolute path and its identity from stat():
 * device, inode, size, mtime and ctime, both to the nanosecond (ctime,
 * unlike mtime, cannot be set by a user). Any difference is a miss. Only
 * successful probes are recorded; a recorded file that changed is dropped
 * at lookup, so it is probed again and recorded again only if it passes.
 *
 * The file is text, one line each, the numbers in decimal:
 *   quire-probe-cache 1 quire VERSION abi MAJOR.MINOR
 *   DEV INO SIZE MTIME_S MTIME_NS CTIME_S CTIME_NS CONFIRMED PATH
 * CONFIRMED is the unix time the entry was last recorded or used. A file
 * with another first line (another format, quire version or plugin ABI) or
 * with any malformed line is ignored as a whole and rewritten. A file that
 * is not a regular file owned by the effective user, is writable by group
 * or others, or is larger than 1 MiB is ignored and left alone.
 *
 * The cache never fails the command that uses it: every problem reading or
 * writing it is logged at debug level, and the kernel probes as it would
 * without a cache. Not thread-safe; the registry uses it on the main thread
 * while it loads plugins.
 */
#ifndef QUIRE_PROBE_CACHE_H
#define QUIRE_PROBE_CACHE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>

/* Entries kept; the least recently confirmed ones go first. */
#define PROBE_CACHE_MAX_ENTRIES 256
/* Largest cache file read (and, by the limits below, ever written). */
#define PROBE_CACHE_MAX_BYTES (1024 * 1024)
/* Longest path recorded; longer ones are simply never cached. */
#define PROBE_CACHE_PATH_MAX 3072
/* A hit refreshes CONFIRMED in memory; the file is rewritten for that
 * alone only when the stored time is older than this. */
#define PROBE_CACHE_REFRESH_SECONDS (24 * 60 * 60)

typedef struct probe_cache probe_cache;

/* 1 if `setting` (the [kernel] plugin_probe_cache value) is acceptable:
 * "auto", "off", "" or an absolute path. */
int probe_cache_setting_valid(const char *setting);

/* Resolves a valid setting to the cache file's path: "auto" is
 * XDG_CACHE_HOME/quire/plugin-probes if `xdg_cache_home` is absolute, else
 * HOME/.cache/quire/plugin-probes if `home` is absolute, else no cache;
 * "off" and "" are no cache. The environment values are passed in (NULL:
 * unset). *levels is how many directories above the file saving may
 * create (1, or 2 under HOME: .cache too). Sets *path to a malloc'd string
 * the caller frees, or NULL for no cache. Returns 0, or -1 out of memory. */
int probe_cache_resolve(const char *setting, const char *xdg_cache_home, const char *home,
                        char **path, int *levels);

/* Reads the cache file at `path` (see the top of this file for what is
 * ignored); `levels` as probe_cache_resolve() gives it; `log_level` is the
 * threshold its debug lines are written with. A missing, refused or
 * malformed file gives an empty cache. Returns NULL only when out of
 * memory. The caller owns the cache: probe_cache_free(). */
probe_cache *probe_cache_open(const char *path, int levels, int log_level);

/* Replaces the entries of `c` with those of `text` (`len` bytes, need not
 * be NUL-terminated). Returns 0, or -1 with a one-line reason in `why`
 * ("line N: ...") and `c` left empty. Does not change whether `c` is
 * saved. probe_cache_open() uses it; public for the tests and the fuzzer. */
int probe_cache_parse(probe_cache *c, const char *text, size_t len, char *why, size_t why_len);

/* The cache as the file holds it, entries sorted by path, all of them
 * (saving drops the surplus first). Sets *len; returns a malloc'd string
 * the caller frees, or NULL out of memory. */
char *probe_cache_format(const probe_cache *c, size_t *len);

/* Entries held. */
size_t probe_cache_count(const probe_cache *c);

/* 1 if `path` (made absolute against the working directory when relative)
 * was recorded with the identity in `st`: its probe may be skipped. On a
 * hit its CONFIRMED becomes `now`. An entry whose identity differs is
 * dropped. 0 on a miss; `c` may be NULL (always a miss). */
int probe_cache_lookup(probe_cache *c, const char *path, const struct stat *st, int64_t now);

/* Records that `path`, with the identity `st` taken before its probe
 * started, passed its probe at `now`. A path longer than
 * PROBE_CACHE_PATH_MAX or holding a newline is not recorded. `c` may be
 * NULL. Returns 0, or -1 out of memory (the cache is unchanged). */
int probe_cache_record(probe_cache *c, const char *path, const struct stat *st, int64_t now);

/* Drops the entry of `path`, if any (its probe failed). `c` may be NULL. */
void probe_cache_forget(probe_cache *c, const char *path);

/* Writes the cache back if anything changed and the file may be written:
 * entries whose files no longer exist are dropped, then all but the
 * PROBE_CACHE_MAX_ENTRIES most recently confirmed; the directory (and its
 * parent, see `levels`) is created with mode 0700 if missing, and the file
 * is replaced by renaming a 0600 temporary file over it. Returns 0 if
 * written or nothing had to be, -1 otherwise (logged at debug level).
 * `c` may be NULL. */
int probe_cache_save(probe_cache *c);

/* Frees the cache without saving it. NULL is a no-op. */
void probe_cache_free(probe_cache *c);

#endif /* QUIRE_PROBE_CACHE_H */
