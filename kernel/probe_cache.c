/*
 * probe_cache.c - the plugin probe cache (see probe_cache.h for the file
 * format and for what is trusted).
 *
 * The cache is advisory: the worst a lost or refused cache costs is one
 * probe per plugin, as without it. So every problem here is a debug line
 * and an empty cache, never an error; and the file is only written where
 * it was found valid, garbled by ourselves, or absent.
 */
#include "probe_cache.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kernel.h"
#include "log.h"
#include "path.h"

#define STRINGIFY_(x) #x
#define STRINGIFY(x)  STRINGIFY_(x)

/* The first line: format 1, this quire, this plugin ABI. Anything else was
 * written by another build and says nothing about this one's checks. */
#define PROBE_CACHE_HEADER                                                                         \
    "quire-probe-cache 1 quire " QUIRE_VERSION                                                     \
    " abi " STRINGIFY(QUIRE_ABI_MAJOR) "." STRINGIFY(QUIRE_ABI_MINOR)

/* Eight numbers of at most 20 characters, their spaces and the newline: the
 * longest entry, so that a full cache always fits the size it may be read
 * at (a bigger file is refused and never rewritten). */
#define PROBE_ENTRY_MAX_BYTES (PROBE_CACHE_PATH_MAX + 8 * 21 + 1)
_Static_assert(sizeof(PROBE_CACHE_HEADER) + 1 +
                       (size_t)PROBE_CACHE_MAX_ENTRIES * PROBE_ENTRY_MAX_BYTES <=
                   PROBE_CACHE_MAX_BYTES,
               "a full probe cache must fit in the size it is read at");

/* What stat() says about a file, as far as a change to it shows. */
typedef struct file_id {
    uint64_t dev, ino, size;
    int64_t mtime_s, mtime_ns, ctime_s, ctime_ns;
} file_id;

typedef struct probe_entry {
    char *path; /* absolute */
    file_id id;
    int64_t confirmed; /* unix time of the last record or hit */
} probe_entry;

struct probe_cache {
    char *path;    /* the cache file; NULL: no file (a parser-only cache) */
    int levels;    /* directories above the file that saving may create */
    int log_level; /* threshold of the debug lines */
    int writable;  /* the file was absent, valid or malformed, and ours */
    int dirty;     /* the entries differ from the file's */
    probe_entry *entries;
    size_t count, cap;
};

/* ============================== Helpers =================================== */

static void cache_log(const probe_cache *c, const char *fmt, ...) QUIRE_PRINTF(2, 3);
static void cache_log(const probe_cache *c, const char *fmt, ...)
{
    char line[1536];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(line, sizeof(line), fmt, ap);
    va_end(ap);
    log_write(c->log_level, QUIRE_LOG_DEBUG, NULL, "plugin probe cache %s: %s",
              c->path ? c->path : "(none)", line);
}

static void id_from_stat(const struct stat *st, file_id *id)
{
    id->dev = (uint64_t)st->st_dev;
    id->ino = (uint64_t)st->st_ino;
    id->size = (uint64_t)st->st_size;
    id->mtime_s = (int64_t)st->st_mtim.tv_sec;
    id->mtime_ns = (int64_t)st->st_mtim.tv_nsec;
    id->ctime_s = (int64_t)st->st_ctim.tv_sec;
    id->ctime_ns = (int64_t)st->st_ctim.tv_nsec;
}

static int id_equal(const file_id *a, const file_id *b)
{
    return a->dev == b->dev && a->ino == b->ino && a->size == b->size && a->mtime_s == b->mtime_s &&
           a->mtime_ns == b->mtime_ns && a->ctime_s == b->ctime_s && a->ctime_ns == b->ctime_ns;
}

/* The key of `path`: absolute and normalised. Returns 0 with *key
 * malloc'd, 1 if the path cannot be cached (too long, a newline, no
 * working directory), -1 out of memory. */
static int make_key(const char *path, char **key)
{
    char cwd[4096];

    *key = NULL;
    if (path[0] == '/') {
        *key = path_normalize(path);
    } else {
        if (getcwd(cwd, sizeof(cwd)) == NULL)
            return 1;
        *key = path_resolve(cwd, path);
    }
    if (*key == NULL)
        return -1;
    if (strlen(*key) > PROBE_CACHE_PATH_MAX || strchr(*key, '\n') != NULL) {
        free(*key);
        *key = NULL;
        return 1;
    }
    return 0;
}

static long find_entry(const probe_cache *c, const char *key)
{
    for (size_t i = 0; i < c->count; i++)
        if (strcmp(c->entries[i].path, key) == 0)
            return (long)i;
    return -1;
}

static void remove_entry(probe_cache *c, size_t i)
{
    free(c->entries[i].path);
    c->entries[i] = c->entries[--c->count];
}

static void clear_entries(probe_cache *c)
{
    for (size_t i = 0; i < c->count; i++)
        free(c->entries[i].path);
    c->count = 0;
}

/* Appends an entry taking ownership of `key` (freed on failure). */
static int append_entry(probe_cache *c, char *key, const file_id *id, int64_t confirmed)
{
    if (c->count == c->cap) {
        size_t cap = c->cap ? c->cap * 2 : 16;
        probe_entry *grown = realloc(c->entries, cap * sizeof(*grown));
        if (grown == NULL) {
            free(key);
            return -1;
        }
        c->entries = grown;
        c->cap = cap;
    }
    c->entries[c->count].path = key;
    c->entries[c->count].id = *id;
    c->entries[c->count].confirmed = confirmed;
    c->count++;
    return 0;
}

/* A used entry is confirmed now; the file is rewritten for that alone only
 * when the stored time is a day off (either way: a clock set back must not
 * pin an entry in the future). */
static void confirm(probe_cache *c, probe_entry *e, int64_t now)
{
    if (now - e->confirmed >= PROBE_CACHE_REFRESH_SECONDS ||
        e->confirmed - now >= PROBE_CACHE_REFRESH_SECONDS)
        c->dirty = 1;
    e->confirmed = now;
}

/* ============================== Settings ================================== */

int probe_cache_setting_valid(const char *setting)
{
    return setting[0] == '\0' || setting[0] == '/' || strcmp(setting, "auto") == 0 ||
           strcmp(setting, "off") == 0;
}

int probe_cache_resolve(const char *setting, const char *xdg_cache_home, const char *home,
                        char **path, int *levels)
{
    const char *base = NULL, *tail = NULL;

    *path = NULL;
    *levels = 1;
    if (setting[0] == '/') {
        *path = path_normalize(setting);
        return *path == NULL ? -1 : 0;
    }
    if (strcmp(setting, "auto") != 0)
        return 0; /* "off", "" */
    if (xdg_cache_home != NULL && xdg_cache_home[0] == '/') {
        base = xdg_cache_home;
        tail = "quire/plugin-probes";
    } else if (home != NULL && home[0] == '/') {
        /* ~/.cache may not exist yet on a fresh account. */
        base = home;
        tail = ".cache/quire/plugin-probes";
        *levels = 2;
    } else {
        return 0;
    }
    *path = path_resolve(base, tail);
    return *path == NULL ? -1 : 0;
}

/* ============================== Parsing =================================== */

/* Reads decimal digits at *p (at most 20 of them, value <= max) followed by
 * one space; advances *p past the space. */
static int parse_uint(const char **p, const char *end, uint64_t max, uint64_t *out)
{
    const char *s = *p;
    uint64_t v = 0;
    int digits = 0;

    while (s < end && *s >= '0' && *s <= '9') {
        unsigned d = (unsigned)(*s - '0');
        if (++digits > 20 || v > (max - d) / 10)
            return -1;
        v = v * 10 + d;
        s++;
    }
    if (digits == 0 || s == end || *s != ' ')
        return -1;
    *out = v;
    *p = s + 1;
    return 0;
}

/* As parse_uint() with an optional '-' (a file time before 1970). */
static int parse_int(const char **p, const char *end, int64_t *out)
{
    int neg = *p < end && **p == '-';
    uint64_t v;

    if (neg)
        (*p)++;
    if (parse_uint(p, end, (uint64_t)INT64_MAX, &v) != 0)
        return -1;
    *out = neg ? -(int64_t)v : (int64_t)v;
    return 0;
}

/* One entry line (without its newline). Returns 0, or -1 naming the bad
 * field in `why`. The path is copied. */
static int parse_entry(const char *line, size_t len, probe_entry *e, char *why, size_t why_len)
{
    const char *p = line, *end = line + len;
    uint64_t v;
    file_id *id = &e->id;
    const char *field;

    field = "device";
    if (parse_uint(&p, end, UINT64_MAX, &id->dev) != 0)
        goto fail;
    field = "inode";
    if (parse_uint(&p, end, UINT64_MAX, &id->ino) != 0)
        goto fail;
    field = "size";
    if (parse_uint(&p, end, (uint64_t)INT64_MAX, &id->size) != 0)
        goto fail;
    field = "mtime seconds";
    if (parse_int(&p, end, &id->mtime_s) != 0)
        goto fail;
    field = "mtime nanoseconds";
    if (parse_uint(&p, end, 999999999, &v) != 0)
        goto fail;
    id->mtime_ns = (int64_t)v;
    field = "ctime seconds";
    if (parse_int(&p, end, &id->ctime_s) != 0)
        goto fail;
    field = "ctime nanoseconds";
    if (parse_uint(&p, end, 999999999, &v) != 0)
        goto fail;
    id->ctime_ns = (int64_t)v;
    field = "confirmed time";
    if (parse_uint(&p, end, (uint64_t)INT64_MAX, &v) != 0)
        goto fail;
    e->confirmed = (int64_t)v;
    if (p == end || *p != '/' || (size_t)(end - p) > PROBE_CACHE_PATH_MAX) {
        snprintf(why, why_len, "the path is not absolute or longer than %d bytes",
                 PROBE_CACHE_PATH_MAX);
        return -1;
    }
    e->path = strndup(p, (size_t)(end - p));
    if (e->path == NULL) {
        snprintf(why, why_len, "out of memory");
        return -1;
    }
    return 0;

fail:
    snprintf(why, why_len, "bad %s field", field);
    return -1;
}

int probe_cache_parse(probe_cache *c, const char *text, size_t len, char *why, size_t why_len)
{
    const char *p = text, *end = text + len;
    size_t lineno = 0;
    char reason[256];

    clear_entries(c);
    if (memchr(text, '\0', len) != NULL) {
        snprintf(why, why_len, "holds a NUL byte");
        return -1;
    }
    if (len == 0 || text[len - 1] != '\n') {
        snprintf(why, why_len, "%s", len == 0 ? "empty" : "the last line has no newline");
        return -1;
    }
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t n = (size_t)(nl - p);
        probe_entry e = {0};

        lineno++;
        if (lineno == 1) {
            if (n != sizeof(PROBE_CACHE_HEADER) - 1 || memcmp(p, PROBE_CACHE_HEADER, n) != 0) {
                snprintf(why, why_len,
                         "line 1: written by another quire or plugin ABI ('%.*s'; this one "
                         "writes '%s')",
                         (int)(n < 80 ? n : 80), p, PROBE_CACHE_HEADER);
                return -1;
            }
        } else if (c->count == PROBE_CACHE_MAX_ENTRIES) {
            snprintf(why, why_len, "line %zu: more than %d entries", lineno,
                     PROBE_CACHE_MAX_ENTRIES);
            goto fail_clear;
        } else if (parse_entry(p, n, &e, reason, sizeof(reason)) != 0) {
            snprintf(why, why_len, "line %zu: %s", lineno, reason);
            goto fail_clear;
        } else if (find_entry(c, e.path) >= 0) {
            snprintf(why, why_len, "line %zu: a second entry for %.200s", lineno, e.path);
            free(e.path);
            goto fail_clear;
        } else if (append_entry(c, e.path, &e.id, e.confirmed) != 0) {
            snprintf(why, why_len, "line %zu: out of memory", lineno);
            goto fail_clear;
        }
        p = nl + 1;
    }
    return 0;

fail_clear:
    clear_entries(c);
    return -1;
}

/* ============================== Formatting ================================ */

static int by_path(const void *a, const void *b)
{
    const probe_entry *x = *(const probe_entry *const *)a, *y = *(const probe_entry *const *)b;
    return strcmp(x->path, y->path);
}

char *probe_cache_format(const probe_cache *c, size_t *len)
{
    const probe_entry **order = calloc(c->count + 1, sizeof(*order));
    size_t cap = sizeof(PROBE_CACHE_HEADER) + 1, used;
    char *text;

    *len = 0;
    if (order == NULL)
        return NULL;
    for (size_t i = 0; i < c->count; i++) {
        order[i] = &c->entries[i];
        cap += strlen(c->entries[i].path) + PROBE_ENTRY_MAX_BYTES - PROBE_CACHE_PATH_MAX;
    }
    qsort(order, c->count, sizeof(*order), by_path);
    text = malloc(cap);
    if (text == NULL) {
        free(order);
        return NULL;
    }
    used = (size_t)snprintf(text, cap, "%s\n", PROBE_CACHE_HEADER);
    for (size_t i = 0; i < c->count; i++) {
        const probe_entry *e = order[i];
        used += (size_t)snprintf(
            text + used, cap - used, "%llu %llu %llu %lld %lld %lld %lld %lld %s\n",
            (unsigned long long)e->id.dev, (unsigned long long)e->id.ino,
            (unsigned long long)e->id.size, (long long)e->id.mtime_s, (long long)e->id.mtime_ns,
            (long long)e->id.ctime_s, (long long)e->id.ctime_ns, (long long)e->confirmed, e->path);
    }
    free(order);
    *len = used;
    return text;
}

/* ============================== Reading =================================== */

/* Reads the file behind `fd` (at most PROBE_CACHE_MAX_BYTES) into c;
 * decides whether the file may be rewritten. */
static void read_cache(probe_cache *c, int fd)
{
    struct stat st;
    char *buf;
    size_t got = 0, want;
    char why[512];

    if (fstat(fd, &st) != 0) {
        cache_log(c, "ignored: cannot stat: %s", strerror(errno));
        return;
    }
    if (!S_ISREG(st.st_mode)) {
        cache_log(c, "ignored: not a regular file");
        return;
    }
    if (st.st_uid != geteuid()) {
        cache_log(c, "ignored: owned by uid %u, not by uid %u", (unsigned)st.st_uid,
                  (unsigned)geteuid());
        return;
    }
    if (st.st_mode & (S_IWGRP | S_IWOTH)) {
        cache_log(c, "ignored: writable by group or others (mode %04o)",
                  (unsigned)(st.st_mode & 07777));
        return;
    }
    if (st.st_size > PROBE_CACHE_MAX_BYTES) {
        cache_log(c, "ignored: larger than %d bytes (%lld)", PROBE_CACHE_MAX_BYTES,
                  (long long)st.st_size);
        return;
    }
    /* One byte more than fstat said, to notice a file growing meanwhile. */
    want = (size_t)st.st_size + 1;
    buf = malloc(want);
    if (buf == NULL) {
        cache_log(c, "ignored: out of memory");
        return;
    }
    while (got < want) {
        ssize_t n = read(fd, buf + got, want - got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            cache_log(c, "ignored: cannot read: %s", strerror(errno));
            goto done;
        }
        if (n == 0)
            break;
        got += (size_t)n;
    }
    if (got == want) {
        cache_log(c, "ignored: it changed while being read");
        goto done;
    }
    /* Ours, and what it holds is known: it may be rewritten. */
    c->writable = 1;
    if (probe_cache_parse(c, buf, got, why, sizeof(why)) != 0) {
        cache_log(c, "ignored: %s; it will be rewritten", why);
        c->dirty = 1;
    }
done:
    free(buf);
}

probe_cache *probe_cache_open(const char *path, int levels, int log_level)
{
    probe_cache *c = calloc(1, sizeof(*c));
    int fd;

    if (c == NULL)
        return NULL;
    c->levels = levels;
    c->log_level = log_level;
    if (path == NULL)
        return c;
    c->path = strdup(path);
    if (c->path == NULL) {
        free(c);
        return NULL;
    }
    /* O_NOFOLLOW: a symbolic link planted here is not followed. O_NONBLOCK:
     * a FIFO planted here does not block the open. */
    fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) {
        if (errno == ENOENT) {
            c->writable = 1;
            cache_log(c, "none yet");
        } else if (errno == ELOOP) {
            cache_log(c, "ignored: a symbolic link");
        } else {
            cache_log(c, "ignored: cannot open: %s", strerror(errno));
        }
        return c;
    }
    read_cache(c, fd);
    close(fd);
    return c;
}

/* ============================== Using ===================================== */

size_t probe_cache_count(const probe_cache *c)
{
    return c != NULL ? c->count : 0;
}

int probe_cache_lookup(probe_cache *c, const char *path, const struct stat *st, int64_t now)
{
    file_id id;
    char *key;
    long i;

    if (c == NULL || make_key(path, &key) != 0)
        return 0;
    i = find_entry(c, key);
    free(key);
    if (i < 0)
        return 0;
    id_from_stat(st, &id);
    if (!id_equal(&c->entries[i].id, &id)) {
        /* Changed since: probed again, and recorded again only if it passes. */
        remove_entry(c, (size_t)i);
        c->dirty = 1;
        return 0;
    }
    confirm(c, &c->entries[i], now);
    return 1;
}

int probe_cache_record(probe_cache *c, const char *path, const struct stat *st, int64_t now)
{
    file_id id;
    char *key;
    long i;
    int rc;

    if (c == NULL)
        return 0;
    rc = make_key(path, &key);
    if (rc != 0)
        return rc < 0 ? -1 : 0;
    id_from_stat(st, &id);
    i = find_entry(c, key);
    if (i >= 0) {
        probe_entry *e = &c->entries[i];
        free(key);
        if (id_equal(&e->id, &id)) {
            confirm(c, e, now);
        } else {
            e->id = id;
            e->confirmed = now;
            c->dirty = 1;
        }
        return 0;
    }
    if (append_entry(c, key, &id, now) != 0)
        return -1;
    c->dirty = 1;
    return 0;
}

void probe_cache_forget(probe_cache *c, const char *path)
{
    char *key;
    long i;

    if (c == NULL || make_key(path, &key) != 0)
        return;
    i = find_entry(c, key);
    free(key);
    if (i >= 0) {
        remove_entry(c, (size_t)i);
        c->dirty = 1;
    }
}

/* ============================== Saving ==================================== */

static int by_recency(const void *a, const void *b)
{
    const probe_entry *x = a, *y = b;
    if (x->confirmed != y->confirmed)
        return x->confirmed > y->confirmed ? -1 : 1;
    return strcmp(x->path, y->path);
}

/* Drops entries of files that are gone, then the least recently confirmed
 * beyond the limit. */
static void prune(probe_cache *c)
{
    for (size_t i = c->count; i-- > 0;) {
        struct stat st;
        if (stat(c->entries[i].path, &st) != 0 && (errno == ENOENT || errno == ENOTDIR))
            remove_entry(c, i);
    }
    if (c->count > PROBE_CACHE_MAX_ENTRIES) {
        qsort(c->entries, c->count, sizeof(*c->entries), by_recency);
        while (c->count > PROBE_CACHE_MAX_ENTRIES)
            free(c->entries[--c->count].path);
    }
}

/* Creates the cache file's directory, and its parent when levels is 2;
 * existing ones are fine. */
static int make_dirs(probe_cache *c)
{
    char *dir = path_dirname(c->path);
    char *parent = dir != NULL && c->levels > 1 ? path_dirname(dir) : NULL;
    int rc = -1;

    if (dir == NULL || (c->levels > 1 && parent == NULL)) {
        cache_log(c, "not saved: out of memory");
        goto done;
    }
    if (parent != NULL && mkdir(parent, 0700) != 0 && errno != EEXIST) {
        cache_log(c, "not saved: cannot create %s: %s", parent, strerror(errno));
        goto done;
    }
    if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
        cache_log(c, "not saved: cannot create %s: %s", dir, strerror(errno));
        goto done;
    }
    rc = 0;
done:
    free(parent);
    free(dir);
    return rc;
}

static int write_all(int fd, const char *text, size_t len)
{
    while (len > 0) {
        ssize_t n = write(fd, text, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return -1;
        text += n;
        len -= (size_t)n;
    }
    return 0;
}

int probe_cache_save(probe_cache *c)
{
    char *text = NULL, *tmp = NULL;
    size_t len;
    int fd, rc = -1;

    if (c == NULL || c->path == NULL || !c->writable || !c->dirty)
        return 0;
    prune(c);
    text = probe_cache_format(c, &len);
    tmp = malloc(strlen(c->path) + 8);
    if (text == NULL || tmp == NULL) {
        cache_log(c, "not saved: out of memory");
        goto done;
    }
    if (make_dirs(c) != 0)
        goto done;
    /* A temporary file in the same directory, renamed over the cache: a
     * reader sees the old file or the new one, never half of one. */
    sprintf(tmp, "%s.XXXXXX", c->path);
    fd = mkstemp(tmp);
    if (fd < 0) {
        cache_log(c, "not saved: cannot create %s: %s", tmp, strerror(errno));
        goto done;
    }
    if (fchmod(fd, 0600) != 0 || write_all(fd, text, len) != 0) {
        cache_log(c, "not saved: cannot write %s: %s", tmp, strerror(errno));
        close(fd);
        goto fail_unlink_tmp;
    }
    if (close(fd) != 0) {
        cache_log(c, "not saved: cannot write %s: %s", tmp, strerror(errno));
        goto fail_unlink_tmp;
    }
    if (rename(tmp, c->path) != 0) {
        cache_log(c, "not saved: cannot rename %s: %s", tmp, strerror(errno));
        goto fail_unlink_tmp;
    }
    c->dirty = 0;
    cache_log(c, "saved %zu entries", c->count);
    rc = 0;
    goto done;

fail_unlink_tmp:
    unlink(tmp);
done:
    free(tmp);
    free(text);
    return rc;
}

void probe_cache_free(probe_cache *c)
{
    if (c == NULL)
        return;
    clear_entries(c);
    free(c->entries);
    free(c->path);
    free(c);
}
