/*
 * quire/plugin.h - the versioned plugin ABI: the descriptor a plugin exports,
 * the host API table the kernel hands it, and the configuration schema.
 *
 * A plugin is a shared object that exports exactly one function,
 *
 *     const quire_plugin_desc *quire_plugin_v1(void);
 *
 * (write QUIRE_PLUGIN_DEFINE(my_desc) to get it), returning a pointer to a
 * constant descriptor. It includes only headers from include/quire/ and links
 * against no kernel symbol: everything the kernel offers arrives through the
 * quire_host table passed to init(). Kernel structs are opaque.
 *
 * ------------------------------------------------------------------------
 * Versioning
 * ------------------------------------------------------------------------
 * QUIRE_ABI_MAJOR changes when an existing field, hook or semantic changes;
 * the kernel refuses plugins built for another major. QUIRE_ABI_MINOR
 * changes when something is appended (a descriptor field, a host function, a
 * kind op); the kernel loads plugins whose minor is not newer than its own.
 * Every growing struct starts or ends with its size, so either side reads
 * only what the other knew about:
 *   - the kernel copies a plugin's descriptor and ops table into zeroed
 *     structs of its own size, so hooks an older plugin did not know about
 *     read as NULL;
 *   - a plugin checks QUIRE_HOST_HAS(host, fn) before calling a host
 *     function added after the minor it requires.
 *
 * ------------------------------------------------------------------------
 * Threading contract
 * ------------------------------------------------------------------------
 * The kernel has one main thread (configuration, loading, the event loop in
 * `quire serve`) and a pool of render workers. Unless a hook says otherwise:
 *   - Lifecycle hooks (init, start, stop, destroy) run on the main thread,
 *     one plugin at a time, never concurrently with any other hook of the
 *     same plugin. They may block on local I/O (reading a font, opening a
 *     file) but not on the network for longer than a configured timeout.
 *   - Kind ops (quire/source.h, renderer.h, chart.h, transport.h) run on
 *     render workers. One instance (an open source, a document being
 *     rendered) is only ever used by one thread at a time, but different
 *     instances of the same plugin run concurrently on different threads:
 *     state shared between instances (the `state` from init) is read-only
 *     after start() or protected by the plugin itself.
 *   - Every host function is thread-safe and may be called from any thread,
 *     including threads the plugin starts itself, except where noted.
 * stop() must join every thread the plugin started. The kernel never unloads
 * (dlclose) a plugin while the process runs, so code and static data stay
 * valid until exit.
 *
 * Loading runs twice: the kernel first opens each plugin in a forked probe
 * child (so a crash or hang while loading is reported, not fatal), then in
 * its own process. Constructors and quire_plugin_v1() must therefore be
 * free of side effects beyond the process (no files created, no sockets).
 *
 * A later minor may add element kinds, flags, config types and band kinds:
 * treat values you do not know as "skip" rather than as errors.
 */
#ifndef QUIRE_PLUGIN_H
#define QUIRE_PLUGIN_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include "common.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ============================== ABI version =============================== */

#define QUIRE_ABI_MAJOR 1
#define QUIRE_ABI_MINOR 5

/* "QUIR" read as a little-endian uint32: the first field of every descriptor. */
#define QUIRE_PLUGIN_MAGIC 0x52495551u

/* The one symbol the kernel looks up with dlsym(). A function, not data:
 * dlsym() on data is not portable and a function lets the plugin build its
 * descriptor lazily if it must. */
#define QUIRE_PLUGIN_ENTRY "quire_plugin_v1"

/* ============================== Plugin kinds ============================== */

#define QUIRE_KIND_SOURCE 1    /* data source: rows in (quire/source.h) */
#define QUIRE_KIND_RENDERER 2  /* renderer: pages out (quire/renderer.h) */
#define QUIRE_KIND_CHART 3     /* chart provider: draws datasets (quire/chart.h) */
#define QUIRE_KIND_TRANSPORT 4 /* transport: talks to clients (quire/transport.h) */

/* ============================== Opaque kernel types ======================= */

typedef struct quire_plugin quire_plugin; /* the kernel's record of one loaded plugin */
typedef struct quire_config quire_config; /* a validated configuration section */
typedef struct quire_format quire_format; /* an output format (quire/renderer.h) */

/* ============================== Configuration schema ===================== */

/* Value types a configuration key may have. The kernel parses and checks the
 * admin's text against them; docs/configuration.md gives the syntax. */
#define QUIRE_CONF_STRING 1   /* any text */
#define QUIRE_CONF_INT 2      /* 64-bit signed integer */
#define QUIRE_CONF_FLOAT 3    /* double */
#define QUIRE_CONF_BOOL 4     /* yes/no, true/false, on/off, 1/0 */
#define QUIRE_CONF_ENUM 5     /* one of `choices` */
#define QUIRE_CONF_SIZE 6     /* bytes: 512, 64kb, 16mb (k, m, g: 1000s; kb, mb, gb: 1024s) */
#define QUIRE_CONF_DURATION 7 /* 250ms, 30s, 5m, 2h, 1d; read in milliseconds */
#define QUIRE_CONF_PATH 8     /* a file or directory, relative to the config file */
#define QUIRE_CONF_LIST 9     /* words separated by commas and/or blanks */

/* Key flags. */
#define QUIRE_CONF_REQUIRED (1u << 0) /* the admin must set it; no default */
#define QUIRE_CONF_SECRET (1u << 1)   /* never printed or logged */

/*
 * One key of a plugin's configuration schema. A plugin declares an array of
 * these ending with an entry whose name is NULL. Bounds and defaults are
 * written as text in the same syntax the admin uses ("64kb", "30s"), so
 * `quire plugins info` can show them as they would be typed. The kernel
 * validates the schema itself when it loads the plugin.
 */
typedef struct quire_config_key {
    const char *name;          /* [a-z][a-z0-9_]*, unique in the schema */
    uint32_t type;             /* QUIRE_CONF_* */
    uint32_t flags;            /* QUIRE_CONF_REQUIRED | QUIRE_CONF_SECRET */
    const char *default_value; /* NULL: no default (the key reads as unset) */
    const char *min;           /* NULL or inclusive lower bound (int, float, size, duration) */
    const char *max;           /* NULL or inclusive upper bound */
    const char *choices;       /* enum only: "fail|skip" */
    const char *help;          /* one sentence for the admin */
} quire_config_key;

/* ============================== Host API ================================== */

#define QUIRE_LOG_ERROR 0
#define QUIRE_LOG_WARN 1
#define QUIRE_LOG_INFO 2
#define QUIRE_LOG_DEBUG 3

/*
 * The kernel's services, one append-only table. It starts with its size; a
 * plugin that needs a function added in a later minor tests QUIRE_HOST_HAS()
 * first. The table is valid from init() until the process exits.
 */
typedef struct quire_host {
    uint32_t size;              /* sizeof(quire_host) as the kernel knows it */
    uint16_t abi_major;         /* the kernel's QUIRE_ABI_MAJOR */
    uint16_t abi_minor;         /* the kernel's QUIRE_ABI_MINOR */
    const char *kernel_version; /* "0.1.0" */

    /* --- Logging (ABI 1.0) ---------------------------------------------
     * Writes one line, prefixed with the plugin's kind and name, if `level`
     * passes the configured log level. No trailing newline needed. */
    void (*log)(quire_plugin *self, int level, const char *fmt, ...) QUIRE_PRINTF(3, 4);
    /* 1 if a message at `level` would be written (skip costly formatting). */
    int (*log_enabled)(quire_plugin *self, int level);

    /* --- Memory (ABI 1.0) ----------------------------------------------
     * The kernel's allocator. Memory from malloc/calloc/realloc/strdup is
     * owned by the caller and released with free(). They return NULL on
     * failure, never abort. */
    void *(*malloc)(size_t size);
    void *(*calloc)(size_t count, size_t size);
    void *(*realloc)(void *ptr, size_t size);
    void (*free)(void *ptr);
    char *(*strdup)(const char *s);

    /* Arenas: many small allocations freed at once (per render, per batch).
     * An arena is owned by whoever created it and is not thread-safe: use
     * one per instance. arena_alloc returns memory aligned for any type,
     * valid until arena_reset() or arena_free(); NULL on failure. */
    quire_arena *(*arena_new)(size_t block_size);
    void *(*arena_alloc)(quire_arena *arena, size_t size);
    char *(*arena_strndup)(quire_arena *arena, const char *s, size_t len);
    void (*arena_reset)(quire_arena *arena);
    void (*arena_free)(quire_arena *arena);

    /* --- Errors (ABI 1.0) ----------------------------------------------
     * Formats a message into `err` (truncating safely) and sets its code. */
    void (*error_set)(quire_error *err, int code, const char *fmt, ...) QUIRE_PRINTF(3, 4);

    /* --- Configuration access (ABI 1.0) ---------------------------------
     * Read the plugin's validated section. `key` must be in the plugin's
     * schema; an unknown key is a plugin bug, logged, and reads as
     * 0/NULL. Unset keys without a default read as 0/NULL. Strings are
     * owned by the kernel and live as long as the configuration does (the
     * plugin's lifetime; copy them if a reconfigure could replace them).
     * config_int serves INT, SIZE (bytes) and DURATION (milliseconds);
     * config_string serves STRING, ENUM and PATH (PATH already resolved). */
    const char *(*config_string)(const quire_config *config, const char *key);
    int64_t (*config_int)(const quire_config *config, const char *key);
    double (*config_float)(const quire_config *config, const char *key);
    int (*config_bool)(const quire_config *config, const char *key);
    size_t (*config_list_count)(const quire_config *config, const char *key);
    const char *(*config_list_item)(const quire_config *config, const char *key, size_t index);
    /* 1 if the admin set the key (file or environment), 0 if defaulted. */
    int (*config_is_set)(const quire_config *config, const char *key);
    /* Where the key's value came from, for the plugin's own error messages:
     * "conf/quire.conf:12", "environment QUIRE_SOURCE_CSV_X" or "default";
     * NULL if unset. Owned by the kernel, lives as long as the config. */
    const char *(*config_origin)(const quire_config *config, const char *key);

    /* --- Registration (ABI 1.0) -----------------------------------------
     * Called from init() only. Everything a plugin registers is withdrawn
     * if its init() fails, so a plugin need not undo registrations on its
     * error paths. */

    /* A renderer declares an output format it writes ("pdf", "svg"). The
     * kernel copies *format. Fails if another plugin has the format. */
    int (*register_format)(quire_plugin *self, const quire_format *format, quire_error *err);
    /* A chart provider declares a chart type it draws ("bar", "gauge"). */
    int (*register_chart_type)(quire_plugin *self, const char *type, const char *description,
                               quire_error *err);

    /* --- Formatting (ABI 1.4) ------------------------------------------
     * Text for a number or a time as a report field with `pattern` prints
     * it in `locale` (BCP 47; NULL or unknown: en-US); patterns are those
     * of docs/report-language.md ("#,##0.00", "0%", "MMM yyyy"; NULL: the
     * canonical text). format_time takes microseconds since the epoch and
     * prints in UTC (a date is its midnight). They write at most cap - 1
     * bytes and a NUL (cap 0: nothing), like snprintf, and return the length
     * of the whole text, or (size_t)-1 with buf "" when the pattern is not
     * one for numbers (format_number) or times (format_time). Chart
     * providers label axes with them. */
    size_t (*format_number)(double value, const char *pattern, const char *locale, char *buf,
                            size_t cap);
    size_t (*format_time)(int64_t epoch_us, const char *pattern, const char *locale, char *buf,
                          size_t cap);

    /* Appended in later minors: the event loop, the Redis bus, metrics. */
} quire_host;

/* True if the kernel's host table has function `fn` (a member name). */
#define QUIRE_HOST_HAS(host, fn)                                              \
    ((host)->size >= offsetof(quire_host, fn) + sizeof((host)->fn) && (host)->fn != NULL)

/* ============================== Descriptor ================================ */

/*
 * What a plugin is and what it can do. Return a pointer to a constant,
 * statically allocated instance from quire_plugin_v1(); the kernel copies
 * it and never writes to it.
 */
typedef struct quire_plugin_desc {
    uint32_t magic;       /* QUIRE_PLUGIN_MAGIC */
    uint16_t abi_major;   /* QUIRE_ABI_MAJOR the plugin was built against */
    uint16_t abi_minor;   /* QUIRE_ABI_MINOR the plugin was built against */
    uint32_t size;        /* sizeof(quire_plugin_desc) when built */
    uint32_t kind;        /* QUIRE_KIND_* */
    uint32_t config_key_size; /* sizeof(quire_config_key) when built; see `config` */
    const char *name;     /* [a-z][a-z0-9_]*, at most 32 bytes; unique per kind */
    const char *version;  /* the plugin's own version, e.g. "1.2.0" */
    const char *license;  /* SPDX identifier, e.g. "MIT" */
    const char *author;   /* may be NULL */
    const char *description; /* one line for `quire plugins list/info` */

    /* Configuration schema: array ended by a key whose name is NULL, or
     * NULL for none. The kernel steps through it with config_key_size, so
     * keys declared by an older plugin read with their fields beyond that
     * size as zero. */
    const quire_config_key *config;

    /*
     * init: create the plugin's state from its validated configuration.
     *   host   - the host API table; keep the pointer.
     *   self   - the kernel's handle for this plugin: pass it to log() and
     *            the register_*() functions.
     *   config - the validated section; valid until destroy().
     *   state  - out: the plugin's state, passed to every other hook.
     *   err    - out: why init failed.
     * Returns QUIRE_OK or QUIRE_ERR. On failure the kernel withdraws every
     * registration made so far and never calls another hook (not even
     * destroy: free what init allocated before returning). NULL means no
     * state to build. Main thread; may block on local I/O.
     */
    int (*init)(const quire_host *host, quire_plugin *self, const quire_config *config,
                void **state, quire_error *err);
    /* start: begin serving (open listeners, start threads). Called once
     * after every plugin's init succeeded. NULL if nothing to start. */
    int (*start)(void *state, quire_error *err);
    /* stop: stop serving; join every thread start() created. Called once
     * before destroy if start succeeded. May block until work drains. */
    void (*stop)(void *state);
    /* destroy: free the state. The last hook called. */
    void (*destroy)(void *state);

    /* The kind's operations table (quire_source_ops, quire_renderer_ops, ...)
     * and its size when built. Required; the kernel checks ops_size against
     * the minimum for the kind and copies the table like the descriptor. */
    const void *ops;
    uint32_t ops_size;

    void *reserved[8]; /* must be NULL; room to grow without a size change */
} quire_plugin_desc;

/* The size of the first (1.0) descriptor; smaller descriptors are refused. */
#define QUIRE_PLUGIN_DESC_MIN_SIZE                                            \
    (offsetof(quire_plugin_desc, ops_size) + sizeof(uint32_t))

/* Fills the version fields of a descriptor initializer:
 *   static const quire_plugin_desc desc = {
 *       QUIRE_PLUGIN_HEADER(QUIRE_KIND_SOURCE),
 *       .name = "csv", ...
 *   };                                                                       */
/* The fields are in declaration order, so the macro also works in C++20. */
#define QUIRE_PLUGIN_HEADER(kind_)                                            \
    .magic = QUIRE_PLUGIN_MAGIC, .abi_major = QUIRE_ABI_MAJOR,                \
    .abi_minor = QUIRE_ABI_MINOR, .size = sizeof(quire_plugin_desc),          \
    .kind = (kind_), .config_key_size = sizeof(quire_config_key)

/* Defines the entry function returning &desc_. Use once per plugin, at file
 * scope. In C++ the function gets C linkage, so dlsym() finds it. */
#ifdef __cplusplus
#define QUIRE_PLUGIN_LINKAGE extern "C"
#else
#define QUIRE_PLUGIN_LINKAGE
#endif
#define QUIRE_PLUGIN_DEFINE(desc_)                                            \
    QUIRE_PLUGIN_LINKAGE QUIRE_EXPORT const quire_plugin_desc *quire_plugin_v1(void); \
    QUIRE_PLUGIN_LINKAGE QUIRE_EXPORT const quire_plugin_desc *quire_plugin_v1(void) \
    {                                                                         \
        return &(desc_);                                                      \
    }

#ifdef __cplusplus
}
#endif

#endif /* QUIRE_PLUGIN_H */
