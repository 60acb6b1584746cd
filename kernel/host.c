/*
 * host.c - the host API table (quire_host) handed to every plugin.
 *
 * The table is a constant: its functions reach kernel state only through
 * the quire_plugin handle or the object they are given, so there is no
 * global mutable state here. New functions are appended at the end of
 * quire_host, never inserted (see include/quire/plugin.h, Versioning).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "format.h"
#include "kernel.h"
#include "log.h"
#include "registry.h"

/* ============================== Logging =================================== */

static void host_log(quire_plugin *self, int level, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    log_vwrite(self->kernel->log_level, level, self->label, fmt, ap);
    va_end(ap);
}

static int host_log_enabled(quire_plugin *self, int level)
{
    return level <= self->kernel->log_level;
}

/* ============================== Memory ==================================== */

static void *host_malloc(size_t size) { return malloc(size); }
static void *host_calloc(size_t count, size_t size) { return calloc(count, size); }
static void *host_realloc(void *ptr, size_t size) { return realloc(ptr, size); }
static void host_free(void *ptr) { free(ptr); }
static char *host_strdup(const char *s) { return s ? strdup(s) : NULL; }

/* ============================== Errors ==================================== */

static void host_error_set(quire_error *err, int code, const char *fmt, ...)
{
    va_list ap;

    if (err == NULL)
        return;
    err->code = code;
    va_start(ap, fmt);
    vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
    va_end(ap);
}

/* ============================== Configuration ============================= */

/* A plugin asking for a key its schema lacks has a bug; say so once per
 * call rather than letting it run on a silent zero. */
static int known_key(const quire_config *config, const char *key)
{
    if (config != NULL && config_has_key(config, key))
        return 1;
    log_write(QUIRE_LOG_WARN, QUIRE_LOG_WARN, config ? config_section(config) : "plugin",
              "config key '%s' is not in the plugin's schema (plugin bug)", key ? key : "(null)");
    return 0;
}

static const char *host_config_string(const quire_config *config, const char *key)
{
    return known_key(config, key) ? config_get_string(config, key) : NULL;
}

static int64_t host_config_int(const quire_config *config, const char *key)
{
    return known_key(config, key) ? config_get_int(config, key) : 0;
}

static double host_config_float(const quire_config *config, const char *key)
{
    return known_key(config, key) ? config_get_float(config, key) : 0.0;
}

static int host_config_bool(const quire_config *config, const char *key)
{
    return known_key(config, key) ? config_get_bool(config, key) : 0;
}

static size_t host_config_list_count(const quire_config *config, const char *key)
{
    return known_key(config, key) ? config_list_count(config, key) : 0;
}

static const char *host_config_list_item(const quire_config *config, const char *key, size_t i)
{
    return known_key(config, key) ? config_list_item(config, key, i) : NULL;
}

static int host_config_is_set(const quire_config *config, const char *key)
{
    return known_key(config, key) ? config_is_set(config, key) : 0;
}

static const char *host_config_origin(const quire_config *config, const char *key)
{
    return known_key(config, key) ? config_origin(config, key) : NULL;
}

/* ============================== Formatting ================================ */

/* Shared by both: a pattern of the wrong kind prints nothing. */
static size_t host_format(const qv *v, const char *pattern, const char *locale, char *buf,
                          size_t cap)
{
    char why[8];
    if (pattern != NULL && pattern[0] != '\0' &&
        fmt_pattern_check(pattern, v->type, why, sizeof(why)) != 0) {
        if (cap > 0)
            buf[0] = '\0';
        return (size_t)-1;
    }
    return fmt_value(v, pattern, fmt_locale_get(locale), buf, cap);
}

static size_t host_format_number(double value, const char *pattern, const char *locale, char *buf,
                                 size_t cap)
{
    qv v = qv_float(value);
    return host_format(&v, pattern, locale, buf, cap);
}

static size_t host_format_time(int64_t epoch_us, const char *pattern, const char *locale,
                               char *buf, size_t cap)
{
    qv v = {.type = QUIRE_TYPE_TIMESTAMP, .u.i = epoch_us};
    return host_format(&v, pattern, locale, buf, cap);
}

/* ============================== The table ================================= */

static const quire_host host_table = {
    .size = sizeof(quire_host),
    .abi_major = QUIRE_ABI_MAJOR,
    .abi_minor = QUIRE_ABI_MINOR,
    .kernel_version = QUIRE_VERSION,

    .log = host_log,
    .log_enabled = host_log_enabled,

    .malloc = host_malloc,
    .calloc = host_calloc,
    .realloc = host_realloc,
    .free = host_free,
    .strdup = host_strdup,

    .arena_new = arena_new,
    .arena_alloc = arena_alloc,
    .arena_strndup = arena_strndup,
    .arena_reset = arena_reset,
    .arena_free = arena_free,

    .error_set = host_error_set,

    .config_string = host_config_string,
    .config_int = host_config_int,
    .config_float = host_config_float,
    .config_bool = host_config_bool,
    .config_list_count = host_config_list_count,
    .config_list_item = host_config_list_item,
    .config_is_set = host_config_is_set,
    .config_origin = host_config_origin,

    .register_format = registry_register_format,
    .register_chart_type = registry_register_chart_type,

    .format_number = host_format_number,
    .format_time = host_format_time,
};

const quire_host *host_api(void) { return &host_table; }
