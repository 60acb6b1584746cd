/*
 * registry.h - the kernel registry: the one place that holds the kernel's
 * mutable state: the configuration, the loaded plugins, and what each plugin
 * registered (output formats, chart types).
 *
 * Lifecycle of a kernel:
 *   kernel_open()          parse the config file, validate [kernel]
 *   kernel_load_plugins()  load the allow-list, validate each plugin's
 *                          section, init each plugin (rolling back a failed one)
 *   kernel_close()         destroy; shared objects stay mapped
 *
 * Threading: the registry is built and torn down on the main thread. Between
 * kernel_load_plugins() and kernel_close() it is read-only, so render
 * workers may read it without locks.
 */
#ifndef QUIRE_REGISTRY_H
#define QUIRE_REGISTRY_H

#include <sys/types.h>
#include <time.h>

#include <quire/quire.h>

#include "config.h"
#include "diag.h"

/* ============================== Plugin records ============================ */

typedef enum plugin_state {
    PLUGIN_DISABLED = 0, /* in the plugin directory, not in the allow-list */
    PLUGIN_LOADED,       /* descriptor accepted, not initialised */
    PLUGIN_READY,        /* init succeeded */
    PLUGIN_FAILED        /* refused or failed; `error` says why */
} plugin_state;

/* The kernel's record of one plugin; plugins see it as opaque quire_plugin. */
struct quire_plugin {
    struct kernel *kernel;
    char *path;         /* normalised path of the .so */
    char *file_stem;    /* allow-list name: file name without .so */
    char *label;        /* "renderer.pdf" once the descriptor is known */
    void *handle;       /* dlopen handle; never closed */
    plugin_state state;
    char *error;        /* first failure, for `plugins list` */

    /* Copies of what the plugin declared, zero-extended to the kernel's sizes. */
    quire_plugin_desc desc;
    uint16_t built_abi_minor;
    union {
        quire_source_ops source;
        quire_renderer_ops renderer;
        quire_chart_ops chart;
        quire_transport_ops transport;
    } ops;
    quire_config_key *schema; /* packed copy, nkeys + 1 entries */
    size_t nkeys;

    quire_config *config; /* validated [kind.name] section, NULL until then */
    void *state_ptr;      /* what init() returned */
    int in_init;          /* register_*() accepted only while set */
};

typedef struct quire_plugin plugin_rec;

/* One registered output format. */
typedef struct format_rec {
    char *name, *extension, *mime_type, *description;
    uint32_t flags;
    plugin_rec *owner;
} format_rec;

/* One registered chart type. */
typedef struct chart_type_rec {
    char *name, *description;
    plugin_rec *owner;
} chart_type_rec;

/* ============================== The kernel ================================ */

typedef struct kernel {
    char *conf_path;       /* NULL: no file, built-in defaults */
    conf_file *conf;
    quire_config *kconf;   /* validated [kernel] */
    quire_config *sconf;   /* validated [server] */

    /* Copied out of kconf for the hot paths. */
    const char *plugin_dir;
    int strict;
    int log_level;
    int probe;               /* load each plugin in a child first */
    int64_t load_timeout_ms; /* for that child */
    const char *probe_cache; /* plugin_probe_cache: "auto", "off", "" or an absolute path */
    int probe_refresh;       /* probe every plugin, cached or not, and record the results
                              * (`config check` sets it between open and load) */

    plugin_rec **plugins;
    size_t nplugins;
    /* What strict mode would exit with for the problems loading found
     * (QUIRE_EXIT_OK if none), so `config check` fails on them in lenient
     * mode too. */
    int problem_exit;

    format_rec *formats;
    size_t nformats;
    chart_type_rec *chart_types;
    size_t nchart_types;
} kernel;

/* Opens a kernel: parses `conf_path` (NULL: no file, defaults and
 * environment only) and validates its [kernel] section. Problems go to `d`.
 * Returns QUIRE_OK with *out set, or QUIRE_ERR (then *out is NULL). The
 * caller owns *out: kernel_close(). */
int kernel_open(const char *conf_path, kernel **out, diag *d);

/* Loads every allow-listed plugin, validates its section and calls init().
 * In strict mode the first plugin problem stops loading and returns
 * QUIRE_ERR; in lenient mode failed plugins are recorded as
 * PLUGIN_FAILED, their problems go to `d` as errors, and loading goes on.
 * Also reports config sections that no plugin consumed. Returns QUIRE_OK
 * if the kernel can run. *exit_code gets the suggested exit status.
 * With plugin_probe, a file the probe cache (probe_cache.h) recorded
 * unchanged is not probed again (unless k->probe_refresh is set); the
 * cache is written back once, after the last probe, if it changed. */
int kernel_load_plugins(kernel *k, diag *d, int *exit_code);

/* Loads one plugin from an explicit path, for `quire plugins info PATH`
 * (the admin named the file, so the allow-list does not apply). */
int kernel_load_path(kernel *k, const char *path, plugin_rec **out, diag *d);

/* Destroys initialised plugins and frees the registry. (Starting and
 * stopping plugins belongs to `quire serve`, which adds kernel_start.)
 * Shared objects are never dlclose()d. NULL is a no-op. */
void kernel_close(kernel *k);

/* Lookups; NULL if absent. */
plugin_rec *kernel_find_plugin(const kernel *k, uint32_t kind, const char *name);
const format_rec *kernel_find_format(const kernel *k, const char *name);

/* "disabled", "loaded", "ready", "failed". */
const char *plugin_state_name(plugin_state state);

/* A record's display fields for `plugins list` and the admin API; "-" where
 * the descriptor was never read. Strings point into the record. */
typedef struct plugin_row {
    const char *name, *kind, *version, *path, *state;
    char abi[16];
} plugin_row;
void plugin_row_fill(const plugin_rec *rec, plugin_row *row);

/* Kind names: "source", "renderer", "chart", "transport"; NULL if unknown. */
const char *kind_name(uint32_t kind);
/* Parses a kind name; 0 if unknown. */
uint32_t kind_parse(const char *name);

/* Registrations behind quire_host.register_format / register_chart_type:
 * accepted only during the plugin's init(), withdrawn if init fails. */
int registry_register_format(plugin_rec *self, const quire_format *format, quire_error *err);
int registry_register_chart_type(plugin_rec *self, const char *type, const char *description,
                                 quire_error *err);

/* The host API table handed to every plugin (host.c). */
const quire_host *host_api(void);

/* Loader (loader.c): opens `rec->path`, checks the descriptor and copies it,
 * its ops table and its schema into `rec`. Appends one error line to `d`
 * and returns QUIRE_ERR on any problem. */
int loader_open(plugin_rec *rec, diag *d);

/* Runs loader_open() in a forked child first, so a plugin that crashes or
 * hangs while loading is reported ("crashed while loading", "did not finish
 * loading within N ms") instead of taking the kernel down. Returns QUIRE_OK
 * if the child's checks passed; otherwise appends the child's error line (or
 * the crash/timeout line) to `d`. Does not change `rec`. */
int loader_probe(plugin_rec *rec, int64_t timeout_ms, diag *d);

/* loader_probe() in two calls, so that several children run at once: start
 * forks the child (a failure to fork is kept in `run` and reported by
 * finish); finish waits for it (at most timeout_ms from its start), reaps
 * it and returns as loader_probe() does. Every started run must be
 * finished. Neither changes `rec`. */
typedef struct loader_probe_run {
    pid_t pid; /* 0: no child (not started, or finished) */
    int fd;    /* the child's error lines, or -1 */
    struct timespec started;
    int start_errno;
    const char *start_call; /* "pipe" or "fork" when starting failed */
} loader_probe_run;
void loader_probe_start(const plugin_rec *rec, loader_probe_run *run);
int loader_probe_finish(const plugin_rec *rec, loader_probe_run *run, int64_t timeout_ms, diag *d);

#endif /* QUIRE_REGISTRY_H */
