/*
 * loader.c - opens a plugin shared object and checks its descriptor against
 * ABI v1 before the kernel trusts a single pointer in it.
 *
 * Order of checks (each failure is one stable, grep-able error line naming
 * the file and both values; see docs/plugin-authoring.md):
 *   file exists -> dlopen(RTLD_NOW | RTLD_LOCAL) -> entry symbol -> non-NULL
 *   descriptor -> magic -> ABI major -> ABI minor -> descriptor size -> kind
 *   -> name, version -> reserved slots -> ops table size and required ops
 *   -> config schema.
 * loader_probe() runs the same checks in a forked child first (see Probing).
 * Old (smaller) descriptors and ops tables are copied by their declared size
 * into zeroed kernel-sized structs, so hooks they predate read as NULL.
 */
#include <dlfcn.h>
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "kernel.h"
#include "registry.h"

/* Minimum ops-table size and the names of the ops a kind cannot do without. */
typedef struct kind_rule {
    uint32_t kind;
    size_t min_ops_size;
    size_t max_ops_size; /* the kernel's own sizeof */
} kind_rule;

static const kind_rule kind_rules[] = {
    {QUIRE_KIND_SOURCE, QUIRE_SOURCE_OPS_MIN_SIZE, sizeof(quire_source_ops)},
    {QUIRE_KIND_RENDERER, QUIRE_RENDERER_OPS_MIN_SIZE, sizeof(quire_renderer_ops)},
    {QUIRE_KIND_CHART, QUIRE_CHART_OPS_MIN_SIZE, sizeof(quire_chart_ops)},
    {QUIRE_KIND_TRANSPORT, QUIRE_TRANSPORT_OPS_MIN_SIZE, sizeof(quire_transport_ops)},
};

static const kind_rule *kind_rule_for(uint32_t kind)
{
    for (size_t i = 0; i < QUIRE_ARRAY_LEN(kind_rules); i++)
        if (kind_rules[i].kind == kind)
            return &kind_rules[i];
    return NULL;
}

/* A plugin name: a config word ([a-z][a-z0-9_]*, it names a section) of at
 * most 32 bytes. */
static int valid_plugin_name(const char *name)
{
    size_t len = strlen(name);
    return len <= 32 && conf_name_valid(name, len);
}

/* Checks that the ops a kind needs are present; returns the missing op's
 * name or NULL. */
static const char *missing_op(const plugin_rec *rec)
{
    switch (rec->desc.kind) {
    case QUIRE_KIND_SOURCE:
        if (!rec->ops.source.open) return "open";
        if (!rec->ops.source.schema) return "schema";
        if (!rec->ops.source.next) return "next";
        if (!rec->ops.source.close) return "close";
        return NULL;
    case QUIRE_KIND_RENDERER:
        if (!rec->ops.renderer.begin) return "begin";
        if (!rec->ops.renderer.page) return "page";
        if (!rec->ops.renderer.end) return "end";
        if (!rec->ops.renderer.abort) return "abort";
        return NULL;
    case QUIRE_KIND_CHART:
        if (!rec->ops.chart.draw) return "draw";
        return NULL;
    case QUIRE_KIND_TRANSPORT:
        if (!rec->ops.transport.scheme) return "scheme";
        if (!rec->ops.transport.listen) return "listen";
        /* 1.5: serving ops come as a group, announced by attach. */
        if (rec->ops.transport.attach) {
            const quire_transport_ops *t = &rec->ops.transport;
            if (!t->quiesce) return "quiesce";
            if (!t->respond) return "respond";
            if (!t->stream_begin) return "stream_begin";
            if (!t->stream_write) return "stream_write";
            if (!t->stream_end) return "stream_end";
            if (!t->ws_accept) return "ws_accept";
            if (!t->ws_send) return "ws_send";
            if (!t->ws_close) return "ws_close";
            if (!t->open_connections) return "open_connections";
        }
        return NULL;
    }
    return "?";
}

/* Copies the schema into a packed kernel-owned array (stride normalised). */
static int copy_schema(plugin_rec *rec, diag *d)
{
    char owner[4096];
    size_t nkeys = 0;
    size_t stride = rec->desc.config_key_size;
    const unsigned char *base = (const unsigned char *)rec->desc.config;

    if (base == NULL)
        return QUIRE_OK;
    snprintf(owner, sizeof(owner), "plugin %s", rec->path);
    if (conf_schema_check(rec->desc.config, stride, owner, &nkeys, d) != QUIRE_OK)
        return QUIRE_ERR;
    rec->schema = calloc(nkeys + 1, sizeof(quire_config_key));
    if (rec->schema == NULL) {
        diag_error(d, "plugin %s: out of memory copying the config schema", rec->path);
        return QUIRE_ERR;
    }
    for (size_t i = 0; i < nkeys; i++) {
        size_t n = stride < sizeof(quire_config_key) ? stride : sizeof(quire_config_key);
        memcpy(&rec->schema[i], base + i * stride, n);
    }
    rec->nkeys = nkeys;
    return QUIRE_OK;
}

int loader_open(plugin_rec *rec, diag *d)
{
    const char *path = rec->path;
    const quire_plugin_desc *(*entry)(void);
    const quire_plugin_desc *desc;
    const kind_rule *rule;
    struct stat st;
    uint32_t size;
    void *sym;

    if (stat(path, &st) != 0) {
        if (errno == ENOENT)
            diag_error(d, "plugin %s: file not found", path);
        else
            diag_error(d, "plugin %s: cannot stat: %s", path, strerror(errno));
        return QUIRE_ERR;
    }
    if (!S_ISREG(st.st_mode)) {
        diag_error(d, "plugin %s: not a regular file", path);
        return QUIRE_ERR;
    }

    /* RTLD_NOW: a missing symbol fails here, at load, not at first call.
     * RTLD_LOCAL: one plugin's symbols never satisfy another's. */
    dlerror();
    rec->handle = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (rec->handle == NULL) {
        const char *why = dlerror();
        diag_error(d, "plugin %s: cannot load: %s", path, why ? why : "unknown dlopen error");
        return QUIRE_ERR;
    }

    dlerror();
    sym = dlsym(rec->handle, QUIRE_PLUGIN_ENTRY);
    if (sym == NULL) {
        diag_error(d, "plugin %s: no entry symbol '%s' (define it with QUIRE_PLUGIN_DEFINE)",
                   path, QUIRE_PLUGIN_ENTRY);
        return QUIRE_ERR;
    }
    /* POSIX guarantees a dlsym'd function pointer round-trips through void *. */
    memcpy(&entry, &sym, sizeof(entry));
    desc = entry();
    if (desc == NULL) {
        diag_error(d, "plugin %s: %s() returned NULL", path, QUIRE_PLUGIN_ENTRY);
        return QUIRE_ERR;
    }

    /* Read only the fixed header before knowing the size is sane. */
    if (desc->magic != QUIRE_PLUGIN_MAGIC) {
        diag_error(d, "plugin %s: bad magic 0x%08x, expected 0x%08x (not a quire plugin descriptor)",
                   path, desc->magic, QUIRE_PLUGIN_MAGIC);
        return QUIRE_ERR;
    }
    if (desc->abi_major != QUIRE_ABI_MAJOR) {
        diag_error(d, "plugin %s: ABI major %u, kernel supports %u", path,
                   (unsigned)desc->abi_major, (unsigned)QUIRE_ABI_MAJOR);
        return QUIRE_ERR;
    }
    if (desc->abi_minor > QUIRE_ABI_MINOR) {
        diag_error(d, "plugin %s: ABI %u.%u is newer than the kernel's %u.%u", path,
                   (unsigned)desc->abi_major, (unsigned)desc->abi_minor,
                   (unsigned)QUIRE_ABI_MAJOR, (unsigned)QUIRE_ABI_MINOR);
        return QUIRE_ERR;
    }
    size = desc->size;
    if (size < QUIRE_PLUGIN_DESC_MIN_SIZE) {
        diag_error(d, "plugin %s: descriptor size %u, at least %zu required", path,
                   (unsigned)size, (size_t)QUIRE_PLUGIN_DESC_MIN_SIZE);
        return QUIRE_ERR;
    }
    /* A newer plugin of the same minor cannot be bigger than we know, but
     * be defensive: copy at most our own size. */
    memset(&rec->desc, 0, sizeof(rec->desc));
    memcpy(&rec->desc, desc, size < sizeof(rec->desc) ? size : sizeof(rec->desc));
    rec->built_abi_minor = desc->abi_minor;

    rule = kind_rule_for(rec->desc.kind);
    if (rule == NULL) {
        diag_error(d, "plugin %s: unknown kind %u (known: 1 source, 2 renderer, 3 chart, 4 transport)",
                   path, (unsigned)rec->desc.kind);
        return QUIRE_ERR;
    }
    if (rec->desc.name == NULL) {
        diag_error(d, "plugin %s: missing name", path);
        return QUIRE_ERR;
    }
    if (!valid_plugin_name(rec->desc.name)) {
        diag_error(d, "plugin %s: name '%.64s' is invalid (use [a-z][a-z0-9_]*, at most 32 bytes)",
                   path, rec->desc.name);
        return QUIRE_ERR;
    }
    if (rec->desc.version == NULL || rec->desc.version[0] == '\0') {
        diag_error(d, "plugin %s: missing version", path);
        return QUIRE_ERR;
    }
    for (size_t i = 0; i < QUIRE_ARRAY_LEN(rec->desc.reserved); i++) {
        if (rec->desc.reserved[i] != NULL) {
            diag_error(d, "plugin %s: reserved[%zu] is not NULL", path, i);
            return QUIRE_ERR;
        }
    }
    if (rec->desc.ops == NULL) {
        diag_error(d, "plugin %s: no %s ops table", path, kind_name(rec->desc.kind));
        return QUIRE_ERR;
    }
    if (rec->desc.ops_size < rule->min_ops_size) {
        diag_error(d, "plugin %s: %s ops table size %u, at least %zu required", path,
                   kind_name(rec->desc.kind), (unsigned)rec->desc.ops_size, rule->min_ops_size);
        return QUIRE_ERR;
    }
    memset(&rec->ops, 0, sizeof(rec->ops));
    memcpy(&rec->ops, rec->desc.ops,
           rec->desc.ops_size < rule->max_ops_size ? rec->desc.ops_size : rule->max_ops_size);
    {
        const char *op = missing_op(rec);
        if (op != NULL) {
            diag_error(d, "plugin %s: %s op '%s' is NULL", path, kind_name(rec->desc.kind), op);
            return QUIRE_ERR;
        }
    }

    if (copy_schema(rec, d) != QUIRE_OK)
        return QUIRE_ERR;

    free(rec->label);
    rec->label = malloc(strlen(kind_name(rec->desc.kind)) + strlen(rec->desc.name) + 2);
    if (rec->label == NULL) {
        diag_error(d, "plugin %s: out of memory", path);
        return QUIRE_ERR;
    }
    sprintf(rec->label, "%s.%s", kind_name(rec->desc.kind), rec->desc.name);
    rec->state = PLUGIN_LOADED;
    return QUIRE_OK;
}

/* ============================== Probing =================================== */

/*
 * A plugin whose constructor or entry function crashes or never returns would
 * take the kernel down with it. Before the real load, the kernel repeats the
 * checks above in a forked child (as GStreamer's plugin scanner does): a
 * crash or a hang there becomes an error line, and the kernel goes on. The
 * cost is one fork per plugin at start-up, and a plugin's constructors run
 * twice; the registry skips the probe of a file that passed it before and
 * has not changed since (probe_cache.h).
 * Starting and waiting are separate calls so that the registry can have the
 * children of the next few plugins run while it waits for (and then loads)
 * the first: a plugin is still loaded only after its own child said yes.
 */
static long elapsed_ms(const struct timespec *since)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (now.tv_sec - since->tv_sec) * 1000 + (now.tv_nsec - since->tv_nsec) / 1000000;
}

void loader_probe_start(const plugin_rec *rec, loader_probe_run *run)
{
    int fds[2];

    memset(run, 0, sizeof(*run));
    run->fd = -1;
    if (pipe(fds) != 0) {
        run->start_errno = errno;
        run->start_call = "pipe";
        return;
    }
    fflush(NULL); /* the child must not flush the parent's buffers again */
    run->pid = fork();
    if (run->pid < 0) {
        run->start_errno = errno;
        run->start_call = "fork";
        run->pid = 0;
        close(fds[0]);
        close(fds[1]);
        return;
    }
    if (run->pid == 0) {
        diag cd = {0};
        plugin_rec copy = *rec; /* loader_open fills it; the parent's stays as it is */
        int rc;
        close(fds[0]);
        rc = loader_open(&copy, &cd);
        for (size_t i = 0; rc != QUIRE_OK && i < cd.count; i++) {
            /* One line per diagnostic; the parent splits them again. */
            ssize_t w = write(fds[1], cd.items[i].text, strlen(cd.items[i].text));
            w = write(fds[1], "\n", 1);
            (void)w;
        }
        _exit(rc == QUIRE_OK ? 0 : 1);
    }
    close(fds[1]);
    run->fd = fds[0];
    clock_gettime(CLOCK_MONOTONIC, &run->started);
}

int loader_probe_finish(const plugin_rec *rec, loader_probe_run *run, int64_t timeout_ms, diag *d)
{
    char msg[QUIRE_ERROR_MSG_MAX + 4096];
    size_t got = 0;
    int status = 0, timed_out = 0;

    if (run->pid == 0) {
        diag_error(d, "plugin %s: cannot probe: %s: %s", rec->path,
                   run->start_call ? run->start_call : "not started", strerror(run->start_errno));
        return QUIRE_ERR;
    }
    for (;;) {
        struct pollfd pfd = {.fd = run->fd, .events = POLLIN};
        long left = (long)timeout_ms - elapsed_ms(&run->started);
        int ready;
        ssize_t n;
        /* Past the deadline the pipe is still looked at once: a child
         * started ahead may have finished while an earlier one was being
         * waited for. */
        ready = poll(&pfd, 1, left <= 0 ? 0 : (int)(left > 1000 ? 1000 : left));
        if (ready < 0 && errno != EINTR)
            break;
        if (ready > 0 && (pfd.revents & (POLLIN | POLLHUP | POLLERR))) {
            n = read(run->fd, msg + got, sizeof(msg) - 1 - got);
            if (n <= 0)
                break; /* EOF: the child exited (or closed the pipe) */
            got += (size_t)n;
            if (got == sizeof(msg) - 1)
                break;
            continue;
        }
        if (left <= 0) {
            timed_out = 1;
            break;
        }
    }
    close(run->fd);
    run->fd = -1;
    msg[got] = '\0';
    if (timed_out)
        kill(run->pid, SIGKILL);
    while (waitpid(run->pid, &status, 0) < 0 && errno == EINTR)
        ;
    run->pid = 0;
    if (timed_out) {
        diag_error(d, "plugin %s: did not finish loading within %lld ms (probe killed)", rec->path,
                   (long long)timeout_ms);
        return QUIRE_ERR;
    }
    if (WIFSIGNALED(status)) {
        diag_error(d, "plugin %s: crashed while loading (signal %d, %s)", rec->path,
                   WTERMSIG(status), strsignal(WTERMSIG(status)));
        return QUIRE_ERR;
    }
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
        return QUIRE_OK;
    if (got > 0) {
        char *save = NULL;
        for (char *line = strtok_r(msg, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
            diag_error(d, "%s", line);
    } else {
        diag_error(d, "plugin %s: failed while loading (exit status %d)", rec->path,
                   WIFEXITED(status) ? WEXITSTATUS(status) : -1);
    }
    return QUIRE_ERR;
}

int loader_probe(plugin_rec *rec, int64_t timeout_ms, diag *d)
{
    loader_probe_run run;

    loader_probe_start(rec, &run);
    return loader_probe_finish(rec, &run, timeout_ms, d);
}
