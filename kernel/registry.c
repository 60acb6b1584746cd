/*
 * registry.c - the kernel registry: configuration, plugin records, their
 * registrations and their lifecycle (see registry.h).
 *
 * Loading runs in phases so that an admin sees every problem at once and no
 * plugin is initialised on a configuration that will be refused:
 *   1. resolve the allow-list against plugin_dir;
 *   2. open and check every listed plugin (loader.c; probed in a child
 *      first unless the probe cache knows the file unchanged), refuse
 *      duplicates;
 *   3. validate every plugin's [kind.name] section against its schema;
 *   4. report sections nobody consumed;
 *   5. init() each plugin; a failed init withdraws its registrations.
 * In strict mode any problem in 1-4 stops before 5, and a failed init stops 5.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "kernel.h"
#include "kernel_conf.h"
#include "log.h"
#include "path.h"
#include "probe_cache.h"
#include "registry.h"

/* ============================== Kinds ===================================== */

static const char *const kind_names[] = {NULL, "source", "renderer", "chart", "transport"};

const char *kind_name(uint32_t kind)
{
    if (kind == 0 || kind >= QUIRE_ARRAY_LEN(kind_names))
        return NULL;
    return kind_names[kind];
}

uint32_t kind_parse(const char *name)
{
    for (uint32_t i = 1; i < QUIRE_ARRAY_LEN(kind_names); i++)
        if (strcmp(name, kind_names[i]) == 0)
            return i;
    return 0;
}

/* ============================== Plugin records ============================ */

static plugin_rec *plugin_new(kernel *k, const char *path, diag *d)
{
    plugin_rec *rec = calloc(1, sizeof(*rec));
    plugin_rec **grown;
    const char *base;
    size_t stem_len;

    if (rec == NULL)
        goto fail_oom;
    rec->kernel = k;
    rec->path = path_normalize(path);
    if (rec->path == NULL)
        goto fail_free_rec;
    if (strchr(rec->path, '/') == NULL) {
        /* dlopen() searches the system library path for a name without a
         * slash; a plugin must come from exactly the file named. */
        char *dotted = malloc(strlen(rec->path) + 3);
        if (dotted == NULL)
            goto fail_free_path;
        sprintf(dotted, "./%s", rec->path);
        free(rec->path);
        rec->path = dotted;
    }
    base = path_basename(rec->path);
    stem_len = strlen(base);
    if (stem_len > 3 && strcmp(base + stem_len - 3, ".so") == 0)
        stem_len -= 3;
    rec->file_stem = strndup(base, stem_len);
    if (rec->file_stem == NULL)
        goto fail_free_path;
    grown = realloc(k->plugins, (k->nplugins + 1) * sizeof(*grown));
    if (grown == NULL)
        goto fail_free_stem;
    k->plugins = grown;
    k->plugins[k->nplugins++] = rec;
    return rec;

fail_free_stem:
    free(rec->file_stem);
fail_free_path:
    free(rec->path);
fail_free_rec:
    free(rec);
fail_oom:
    diag_error(d, "plugin %s: out of memory", path);
    return NULL;
}

/* A record for plugin_dir/STEM.so, the file an allow-list entry names. */
static plugin_rec *plugin_new_in_dir(kernel *k, const char *stem, diag *d)
{
    size_t len = strlen(k->plugin_dir) + strlen(stem) + 5;
    char *path = malloc(len);
    plugin_rec *rec;

    if (path == NULL) {
        diag_error(d, "plugin %s/%s.so: out of memory", k->plugin_dir, stem);
        return NULL;
    }
    snprintf(path, len, "%s/%s.so", k->plugin_dir, stem);
    rec = plugin_new(k, path, d);
    free(path);
    return rec;
}

/* Sets rec->error (first failure only) and rec->state = PLUGIN_FAILED. */
static void plugin_fail(plugin_rec *rec, const char *message)
{
    rec->state = PLUGIN_FAILED;
    if (rec->error == NULL)
        rec->error = strdup(message);
}

/* Marks `rec` failed with diagnostic number `first` (the first problem found
 * with it, the most specific one) as its reason. */
static void plugin_fail_from(plugin_rec *rec, const diag *d, size_t first)
{
    plugin_fail(rec, first < d->count ? d->items[first].text : "failed");
}

static void plugin_free(plugin_rec *rec)
{
    config_free(rec->config);
    free(rec->schema);
    free(rec->label);
    free(rec->error);
    free(rec->file_stem);
    free(rec->path);
    free(rec);
}

plugin_rec *kernel_find_plugin(const kernel *k, uint32_t kind, const char *name)
{
    for (size_t i = 0; i < k->nplugins; i++) {
        plugin_rec *rec = k->plugins[i];
        if (rec->state != PLUGIN_DISABLED && rec->state != PLUGIN_FAILED &&
            rec->desc.kind == kind && rec->desc.name && strcmp(rec->desc.name, name) == 0)
            return rec;
    }
    return NULL;
}

/* ============================== Registrations ============================= */

/* Names users type (formats, chart types): [a-z][a-z0-9_]*, <= 32 bytes. */
static int valid_short_name(const char *s)
{
    size_t n = s ? strlen(s) : 0;
    return n <= 32 && conf_name_valid(s, n);
}

static char *dup_or_empty(const char *s)
{
    return strdup(s ? s : "");
}

const format_rec *kernel_find_format(const kernel *k, const char *name)
{
    for (size_t i = 0; i < k->nformats; i++)
        if (strcmp(k->formats[i].name, name) == 0)
            return &k->formats[i];
    return NULL;
}

static void format_free(format_rec *f)
{
    free(f->name);
    free(f->extension);
    free(f->mime_type);
    free(f->description);
}

int registry_register_format(plugin_rec *self, const quire_format *format, quire_error *err)
{
    kernel *k = self->kernel;
    quire_format copy;
    format_rec *grown, *f;
    const format_rec *other;

    if (!self->in_init) {
        host_api()->error_set(err, QUIRE_E_INVALID, "register_format called outside init()");
        return QUIRE_ERR;
    }
    if (self->desc.kind != QUIRE_KIND_RENDERER) {
        host_api()->error_set(err, QUIRE_E_INVALID,
                              "register_format: plugin kind is %s, not renderer",
                              kind_name(self->desc.kind));
        return QUIRE_ERR;
    }
    if (format == NULL || format->size < offsetof(quire_format, flags) + sizeof(uint32_t)) {
        host_api()->error_set(
            err, QUIRE_E_ABI, "register_format: format struct size %u, at least %zu required",
            format ? (unsigned)format->size : 0u, offsetof(quire_format, flags) + sizeof(uint32_t));
        return QUIRE_ERR;
    }
    memset(&copy, 0, sizeof(copy));
    memcpy(&copy, format, format->size < sizeof(copy) ? format->size : sizeof(copy));
    if (!valid_short_name(copy.name)) {
        host_api()->error_set(
            err, QUIRE_E_INVALID,
            "register_format: format name '%.64s' is invalid (use [a-z][a-z0-9_]*)",
            copy.name ? copy.name : "(null)");
        return QUIRE_ERR;
    }
    if ((copy.flags & QUIRE_FORMAT_LATE) && self->ops.renderer.slot == NULL) {
        host_api()->error_set(err, QUIRE_E_ABI,
                              "register_format: format '%s' is LATE (QUIRE_FORMAT_LATE) but the "
                              "plugin's renderer ops have no slot op",
                              copy.name);
        return QUIRE_ERR;
    }
    other = kernel_find_format(k, copy.name);
    if (other != NULL) {
        host_api()->error_set(err, QUIRE_E_INVALID, "format '%s' already registered by plugin %s",
                              copy.name, other->owner->path);
        return QUIRE_ERR;
    }
    grown = realloc(k->formats, (k->nformats + 1) * sizeof(*grown));
    if (grown == NULL)
        goto fail_oom;
    k->formats = grown;
    f = &k->formats[k->nformats];
    memset(f, 0, sizeof(*f));
    f->name = strdup(copy.name);
    f->extension = dup_or_empty(copy.extension ? copy.extension : copy.name);
    f->mime_type = dup_or_empty(copy.mime_type);
    f->description = dup_or_empty(copy.description);
    f->flags = copy.flags;
    f->owner = self;
    if (!f->name || !f->extension || !f->mime_type || !f->description) {
        format_free(f);
        goto fail_oom;
    }
    k->nformats++;
    return QUIRE_OK;

fail_oom:
    host_api()->error_set(err, QUIRE_E_NOMEM, "register_format: out of memory");
    return QUIRE_ERR;
}

int registry_register_chart_type(plugin_rec *self, const char *type, const char *description,
                                 quire_error *err)
{
    kernel *k = self->kernel;
    chart_type_rec *grown, *c;

    if (!self->in_init) {
        host_api()->error_set(err, QUIRE_E_INVALID, "register_chart_type called outside init()");
        return QUIRE_ERR;
    }
    if (self->desc.kind != QUIRE_KIND_CHART) {
        host_api()->error_set(err, QUIRE_E_INVALID,
                              "register_chart_type: plugin kind is %s, not chart",
                              kind_name(self->desc.kind));
        return QUIRE_ERR;
    }
    if (!valid_short_name(type)) {
        host_api()->error_set(err, QUIRE_E_INVALID,
                              "register_chart_type: type '%.64s' is invalid (use [a-z][a-z0-9_]*)",
                              type ? type : "(null)");
        return QUIRE_ERR;
    }
    /* Providers may share type names (two providers can both draw "bar");
     * the same provider registering a type twice is a bug. */
    for (size_t i = 0; i < k->nchart_types; i++) {
        if (k->chart_types[i].owner == self && strcmp(k->chart_types[i].name, type) == 0) {
            host_api()->error_set(err, QUIRE_E_INVALID, "chart type '%s' registered twice", type);
            return QUIRE_ERR;
        }
    }
    grown = realloc(k->chart_types, (k->nchart_types + 1) * sizeof(*grown));
    if (grown == NULL)
        goto fail_oom;
    k->chart_types = grown;
    c = &k->chart_types[k->nchart_types];
    c->name = strdup(type);
    c->description = dup_or_empty(description);
    c->owner = self;
    if (!c->name || !c->description) {
        free(c->name);
        free(c->description);
        goto fail_oom;
    }
    k->nchart_types++;
    return QUIRE_OK;

fail_oom:
    host_api()->error_set(err, QUIRE_E_NOMEM, "register_chart_type: out of memory");
    return QUIRE_ERR;
}

/* Withdraws everything `rec` registered (a failed init, or teardown). */
static void registry_rollback(kernel *k, const plugin_rec *rec)
{
    size_t j = 0;

    for (size_t i = 0; i < k->nformats; i++) {
        if (k->formats[i].owner == rec)
            format_free(&k->formats[i]);
        else
            k->formats[j++] = k->formats[i];
    }
    k->nformats = j;
    j = 0;
    for (size_t i = 0; i < k->nchart_types; i++) {
        if (k->chart_types[i].owner == rec) {
            free(k->chart_types[i].name);
            free(k->chart_types[i].description);
        } else {
            k->chart_types[j++] = k->chart_types[i];
        }
    }
    k->nchart_types = j;
}

/* ============================== Opening =================================== */

int kernel_open(const char *conf_path, kernel **out, diag *d)
{
    kernel *k = calloc(1, sizeof(*k));
    size_t nkeys = 0;

    *out = NULL;
    if (k == NULL) {
        diag_error(d, "out of memory");
        return QUIRE_ERR;
    }
    k->log_level = QUIRE_LOG_INFO;
    if (conf_path != NULL) {
        k->conf_path = strdup(conf_path);
        if (k->conf_path == NULL || conf_file_parse(conf_path, &k->conf, d) != QUIRE_OK)
            goto fail_close;
    }
    if (conf_schema_check(kernel_schema(), sizeof(quire_config_key), "kernel", &nkeys, d) !=
        QUIRE_OK)
        goto fail_close;
    if (config_build(k->conf, "kernel", kernel_schema(), nkeys, &k->kconf, d) != QUIRE_OK)
        goto fail_close;
    /* [server] is validated by every command, not only `serve`: `config
     * check` must catch its errors before a node is started with them. */
    if (conf_schema_check(server_schema(), sizeof(quire_config_key), "server", &nkeys, d) !=
            QUIRE_OK ||
        config_build(k->conf, "server", server_schema(), nkeys, &k->sconf, d) != QUIRE_OK)
        goto fail_close;
    k->plugin_dir = config_get_string(k->kconf, "plugin_dir");
    k->strict = config_get_bool(k->kconf, "strict");
    k->probe = config_get_bool(k->kconf, "plugin_probe");
    k->load_timeout_ms = config_get_int(k->kconf, "plugin_load_timeout");
    k->probe_cache = config_get_string(k->kconf, "plugin_probe_cache");
    k->log_level = log_level_parse(config_get_string(k->kconf, "log_level"));
    /* Relative to the config file or to the working directory, a cache
     * path would differ between commands run from different places. */
    if (!probe_cache_setting_valid(k->probe_cache)) {
        char shown[CONF_SHOW_MAX];
        diag_error(d,
                   "%s: [kernel] plugin_probe_cache: '%s' is not an absolute path (use an "
                   "absolute path, auto or off)",
                   config_origin(k->kconf, "plugin_probe_cache"),
                   conf_show(k->probe_cache, shown, sizeof(shown)));
        goto fail_close;
    }
    *out = k;
    return QUIRE_OK;

fail_close:
    kernel_close(k);
    return QUIRE_ERR;
}

/* ============================== Loading =================================== */

static int compare_strings(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The .so file stems in plugin_dir, sorted. *out is malloc'd strings. */
static int scan_plugin_dir(const char *dir, char ***out, size_t *count, int *dir_errno)
{
    DIR *dp = opendir(dir);
    struct dirent *ent;
    char **names = NULL;
    size_t n = 0;

    *out = NULL;
    *count = 0;
    if (dp == NULL) {
        *dir_errno = errno;
        return QUIRE_ERR;
    }
    while ((ent = readdir(dp)) != NULL) {
        size_t len = strlen(ent->d_name);
        char **grown;
        if (len <= 3 || ent->d_name[0] == '.' || strcmp(ent->d_name + len - 3, ".so") != 0)
            continue;
        grown = realloc(names, (n + 1) * sizeof(*names));
        if (grown == NULL)
            goto fail_oom;
        names = grown;
        names[n] = strndup(ent->d_name, len - 3);
        if (names[n] == NULL)
            goto fail_oom;
        n++;
    }
    closedir(dp);
    if (n > 1)
        qsort(names, n, sizeof(*names), compare_strings);
    *out = names;
    *count = n;
    return QUIRE_OK;

fail_oom:
    closedir(dp);
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
    *dir_errno = ENOMEM;
    return QUIRE_ERR;
}

/* An allow-list entry must name a file in plugin_dir and nothing else. */
static int valid_file_stem(const char *s)
{
    if (s[0] == '\0' || s[0] == '.')
        return 0;
    for (; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') ||
              *s == '_' || *s == '-' || *s == '.'))
            return 0;
    return 1;
}

/* Appends `stem` to the load order unless it is already there. */
static int stems_add(char ***stems, size_t *n, const char *stem)
{
    char **grown;

    for (size_t i = 0; i < *n; i++)
        if (strcmp((*stems)[i], stem) == 0)
            return QUIRE_OK; /* listed twice, or by name and by "*" */
    grown = realloc(*stems, (*n + 1) * sizeof(**stems));
    if (grown == NULL)
        return QUIRE_ERR;
    *stems = grown;
    (*stems)[*n] = strdup(stem);
    if ((*stems)[*n] == NULL)
        return QUIRE_ERR;
    (*n)++;
    return QUIRE_OK;
}

static void stems_free(char **stems, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(stems[i]);
    free(stems);
}

/* Opens `rec` through the loader, after its probe (`run`, started by the
 * caller; NULL when there is none: probing is off, or the file passed its
 * probe before and has not changed), and refuses duplicates of the plugins
 * before it. A probe's verdict goes to `cache` (NULL: none) under the
 * identity `st` the file had before the probe started (NULL: unknown). */
static void load_one(kernel *k, plugin_rec *rec, int listed_by_name, loader_probe_run *run,
                     probe_cache *cache, const struct stat *st, diag *d, int *plugin_errors)
{
    size_t first = d->count;
    int probe_failed =
        run != NULL && loader_probe_finish(rec, run, k->load_timeout_ms, d) != QUIRE_OK;

    if (probe_failed)
        probe_cache_forget(cache, rec->path);
    else if (run != NULL && st != NULL &&
             probe_cache_record(cache, rec->path, st, (int64_t)time(NULL)) != 0)
        log_write(k->log_level, QUIRE_LOG_DEBUG, NULL,
                  "plugin %s: not recorded in the probe cache: out of memory", rec->path);
    if (probe_failed || loader_open(rec, d) != QUIRE_OK) {
        plugin_fail_from(rec, d, first);
        if (listed_by_name && strstr(rec->error, ": file not found") != NULL)
            diag_error(d, "plugin %s: listed in the allow-list at %s", rec->path,
                       config_origin(k->kconf, "plugins"));
        (*plugin_errors)++;
        return;
    }
    for (size_t p = 0; p < k->nplugins && k->plugins[p] != rec; p++) {
        const plugin_rec *other = k->plugins[p];
        if (other->state == PLUGIN_LOADED && other->desc.kind == rec->desc.kind &&
            strcmp(other->desc.name, rec->desc.name) == 0) {
            diag_error(d, "plugin %s: duplicate %s name '%s', already loaded from %s", rec->path,
                       kind_name(rec->desc.kind), rec->desc.name, other->path);
            plugin_fail_from(rec, d, d->count - 1);
            (*plugin_errors)++;
            break;
        }
    }
}

/* Probe children running beyond the one being waited for: while the
 * registry waits for a plugin's verdict and then loads it, the next
 * plugins' children are checking theirs on the other cores. */
#define PROBES_AHEAD 3

/* How one allow-listed file is loaded. */
typedef struct load_plan {
    struct stat st; /* its identity before its probe started */
    int have_st;    /* st is set (there is a probe cache and stat() succeeded) */
    int probe;      /* a child probes it first (else probing is off, or a cache hit) */
} load_plan;

/* The probe cache plugin_probe_cache names, or NULL: none, or out of
 * memory (the plugins are then probed as without a cache). */
static probe_cache *open_probe_cache(const kernel *k)
{
    char *path = NULL;
    int levels = 1;
    probe_cache *cache;

    if (probe_cache_resolve(k->probe_cache, getenv("XDG_CACHE_HOME"), getenv("HOME"), &path,
                            &levels) != 0)
        return NULL;
    if (path == NULL) {
        log_write(k->log_level, QUIRE_LOG_DEBUG, NULL, "plugin probe cache: none (%s)",
                  strcmp(k->probe_cache, "auto") == 0
                      ? "neither XDG_CACHE_HOME nor HOME is an absolute path"
                      : "plugin_probe_cache is off");
        return NULL;
    }
    cache = probe_cache_open(path, levels, k->log_level);
    free(path);
    return cache;
}

/* Decides whether each record is probed: with probing on, every file is,
 * except one whose identity the cache recorded after a successful probe
 * (`config check` sets probe_refresh to probe those too). */
static void plan_probes(const kernel *k, probe_cache *cache, plugin_rec **recs, size_t n,
                        load_plan *plans)
{
    int64_t now = (int64_t)time(NULL);

    for (size_t i = 0; i < n; i++) {
        load_plan *plan = &plans[i];

        plan->probe = k->probe;
        if (cache == NULL)
            continue;
        /* A file that cannot be stat()ed is probed; the probe says why. */
        plan->have_st = stat(recs[i]->path, &plan->st) == 0;
        if (plan->have_st && !k->probe_refresh &&
            probe_cache_lookup(cache, recs[i]->path, &plan->st, now)) {
            plan->probe = 0;
            log_write(k->log_level, QUIRE_LOG_DEBUG, NULL,
                      "plugin %s: unchanged since it passed its probe; loaded without one",
                      recs[i]->path);
        }
    }
}

/* Phases 1 and 2: expand the allow-list against plugin_dir, open each
 * listed file, and record the unlisted ones as disabled. */
static int load_allow_list(kernel *k, diag *d, int *config_errors, int *plugin_errors)
{
    const char *origin = config_origin(k->kconf, "plugins");
    size_t nallow = config_list_count(k->kconf, "plugins");
    char **files = NULL, **stems = NULL;
    size_t nfiles = 0, nstems = 0;
    plugin_rec **recs = NULL;
    loader_probe_run *runs = NULL;
    load_plan *plans = NULL;
    probe_cache *cache = NULL;
    int dir_errno = 0, rc = QUIRE_ERR;

    if (scan_plugin_dir(k->plugin_dir, &files, &nfiles, &dir_errno) != QUIRE_OK) {
        if (dir_errno == ENOMEM)
            goto fail_oom;
        if (nallow > 0) {
            const char *where = config_origin(k->kconf, "plugin_dir");
            if (strcmp(where, "default") == 0)
                diag_error(d,
                           "%s: [kernel] plugin_dir: cannot read the built-in default '%s': %s "
                           "(set plugin_dir in [kernel])",
                           k->conf_path ? k->conf_path : "quire", k->plugin_dir,
                           strerror(dir_errno));
            else
                diag_error(d, "%s: [kernel] plugin_dir: cannot read '%s': %s", where, k->plugin_dir,
                           strerror(dir_errno));
            (*config_errors)++;
        }
        return nallow > 0 ? QUIRE_ERR : QUIRE_OK;
    }
    for (size_t i = 0; i < nallow; i++) {
        const char *name = config_list_item(k->kconf, "plugins", i);
        if (strcmp(name, "*") == 0) {
            for (size_t j = 0; j < nfiles; j++)
                if (stems_add(&stems, &nstems, files[j]) != QUIRE_OK)
                    goto fail_oom;
        } else if (!valid_file_stem(name)) {
            diag_error(d,
                       "%s: [kernel] plugins: '%s' is not a plugin file name "
                       "(a file in plugin_dir, without .so)",
                       origin, name);
            (*config_errors)++;
        } else if (strlen(name) > 3 && strcmp(name + strlen(name) - 3, ".so") == 0) {
            diag_error(d, "%s: [kernel] plugins: '%s': write it without .so ('%.*s')", origin, name,
                       (int)(strlen(name) - 3), name);
            (*config_errors)++;
        } else if (stems_add(&stems, &nstems, name) != QUIRE_OK) {
            goto fail_oom;
        }
    }
    /* The records first, in load order, so that probes can start ahead. */
    recs = calloc(nstems + 1, sizeof(*recs));
    runs = calloc(nstems + 1, sizeof(*runs));
    plans = calloc(nstems + 1, sizeof(*plans));
    if (recs == NULL || runs == NULL || plans == NULL)
        goto fail_oom;
    for (size_t i = 0; i < nstems; i++)
        if ((recs[i] = plugin_new_in_dir(k, stems[i], d)) == NULL)
            goto done;
    if (k->probe && nstems > 0)
        cache = open_probe_cache(k);
    plan_probes(k, cache, recs, nstems, plans);
    for (size_t i = 0, next = 0, running = 0; i < nstems; i++) {
        int by_name = 0;
        for (size_t j = 0; j < nallow; j++)
            if (strcmp(config_list_item(k->kconf, "plugins", j), stems[i]) == 0)
                by_name = 1;
        /* Up to PROBES_AHEAD children beyond this record's own run while
         * it is waited for and loaded; cache hits need none. */
        for (; next < nstems && (next <= i || running <= PROBES_AHEAD); next++) {
            if (plans[next].probe) {
                loader_probe_start(recs[next], &runs[next]);
                running++;
            }
        }
        load_one(k, recs[i], by_name, plans[i].probe ? &runs[i] : NULL, cache,
                 plans[i].have_st ? &plans[i].st : NULL, d, plugin_errors);
        if (plans[i].probe)
            running--;
    }
    /* Files the allow-list leaves out: listed as disabled, never opened. */
    for (size_t j = 0; j < nfiles; j++) {
        int listed = 0;
        for (size_t i = 0; i < nstems; i++)
            if (strcmp(stems[i], files[j]) == 0)
                listed = 1;
        if (!listed) {
            plugin_rec *rec = plugin_new_in_dir(k, files[j], d);
            if (rec == NULL)
                goto done;
            rec->state = PLUGIN_DISABLED;
        }
    }
    rc = QUIRE_OK;
    goto done;

fail_oom:
    diag_error(d, "out of memory while reading the allow-list");
done:
    /* Once, after every probe: nothing is written when nothing changed. */
    probe_cache_save(cache);
    probe_cache_free(cache);
    free(plans);
    free(recs);
    free(runs);
    stems_free(files, nfiles);
    stems_free(stems, nstems);
    return rc;
}

/* Phase 3: each loaded plugin's section against its schema. */
static void validate_plugin_configs(kernel *k, diag *d, int *config_errors)
{
    for (size_t i = 0; i < k->nplugins; i++) {
        plugin_rec *rec = k->plugins[i];
        size_t first = d->count;

        if (rec->state != PLUGIN_LOADED)
            continue;
        if (config_build(k->conf, rec->label, rec->schema, rec->nkeys, &rec->config, d) !=
            QUIRE_OK) {
            diag_error(d, "plugin %s: configuration [%s] refused", rec->path, rec->label);
            plugin_fail_from(rec, d, first);
            (*config_errors)++;
        }
    }
}

/* Two keys whose override variables have the same name ([source.a_b] c and
 * [source.a] b_c both read QUIRE_SOURCE_A_B_C) cannot be told apart from the
 * environment: warn so the admin does not configure the wrong plugin. */
static void check_env_collisions(const kernel *k, diag *d)
{
    size_t n = 0, cap = 0;
    char **names = NULL;

    for (size_t i = 0; i <= k->nplugins + 1; i++) {
        const plugin_rec *rec = i < k->nplugins ? k->plugins[i] : NULL;
        int server = i == k->nplugins + 1;
        const char *section = rec ? rec->label : server ? "server" : "kernel";
        const quire_config_key *keys = rec ? rec->schema : server ? server_schema() : kernel_schema();
        size_t nkeys = rec ? rec->nkeys : server ? server_schema_count() : kernel_schema_count();

        if (rec != NULL && (rec->state != PLUGIN_LOADED || rec->label == NULL))
            continue;
        for (size_t j = 0; j < nkeys; j++) {
            char *name = config_env_name(section, keys[j].name);
            if (name == NULL)
                goto done;
            for (size_t m = 0; m < n; m++)
                if (strcmp(names[m], name) == 0)
                    diag_warning(d,
                                 "environment variable %s overrides two keys: [%s] %s and "
                                 "another plugin's key of the same upper-cased name",
                                 name, section, keys[j].name);
            if (n == cap) {
                char **grown = realloc(names, (cap ? cap * 2 : 32) * sizeof(*names));
                if (grown == NULL) {
                    free(name);
                    goto done;
                }
                names = grown;
                cap = cap ? cap * 2 : 32;
            }
            names[n++] = name;
        }
    }
done:
    for (size_t m = 0; m < n; m++)
        free(names[m]);
    free(names);
}

/* Phase 4: sections that configure nothing are typos until proven otherwise. */
static void check_unused_sections(kernel *k, diag *d, int *config_errors)
{
    char known[2048];
    size_t used;

    if (k->conf == NULL)
        return;
    /* Every section that names a plugin whose descriptor was read. */
    used = (size_t)snprintf(known, sizeof(known), "kernel, server");
    for (size_t p = 0; p < k->nplugins && used < sizeof(known); p++)
        if (k->plugins[p]->label)
            used +=
                (size_t)snprintf(known + used, sizeof(known) - used, ", %s", k->plugins[p]->label);
    for (size_t i = 0; i < k->conf->count; i++) {
        const conf_section *s = &k->conf->sections[i];
        const char *dot = strchr(s->name, '.');
        int explained = 0;

        if (s->used)
            continue;
        /* A plugin that failed to load never consumed its section (its own
         * error says why), and a disabled plugin keeps its section so it
         * can be enabled again by the allow-list alone. */
        for (size_t p = 0; p < k->nplugins && dot; p++) {
            const plugin_rec *rec = k->plugins[p];
            if ((rec->state == PLUGIN_FAILED || rec->state == PLUGIN_DISABLED) &&
                ((rec->label && strcmp(rec->label, s->name) == 0) ||
                 strcmp(rec->file_stem, dot + 1) == 0))
                explained = 1;
        }
        if (explained)
            continue;
        if (k->strict) {
            diag_error(d, "%s:%d: unknown section [%s]; known sections: %s", k->conf->path, s->line,
                       s->name, known);
            (*config_errors)++;
        } else {
            diag_warning(d, "%s:%d: unknown section [%s] ignored; known sections: %s",
                         k->conf->path, s->line, s->name, known);
        }
    }
}

/* Phase 5: init, withdrawing the registrations of a plugin whose init fails. */
static int init_plugins(kernel *k, diag *d, int *plugin_errors)
{
    for (size_t i = 0; i < k->nplugins; i++) {
        plugin_rec *rec = k->plugins[i];
        quire_error err = {0};
        void *state = NULL;
        int rc = QUIRE_OK;

        if (rec->state != PLUGIN_LOADED)
            continue;
        if (rec->desc.init != NULL) {
            rec->in_init = 1;
            rc = rec->desc.init(host_api(), rec, rec->config, &state, &err);
            rec->in_init = 0;
        }
        if (rc != QUIRE_OK) {
            registry_rollback(k, rec);
            diag_error(d, "plugin %s: init failed: %s", rec->path,
                       err.msg[0] ? err.msg : "(no message)");
            plugin_fail_from(rec, d, d->count - 1);
            (*plugin_errors)++;
            if (k->strict)
                return QUIRE_ERR;
            continue;
        }
        rec->state_ptr = state;
        rec->state = PLUGIN_READY;
        log_write(k->log_level, QUIRE_LOG_DEBUG, rec->label, "initialised from %s", rec->path);
    }
    return QUIRE_OK;
}

int kernel_load_plugins(kernel *k, diag *d, int *exit_code)
{
    int kernel_errors = 0, config_errors = 0, plugin_errors = 0;

    *exit_code = QUIRE_EXIT_OK;
    if (load_allow_list(k, d, &kernel_errors, &plugin_errors) != QUIRE_OK && kernel_errors == 0) {
        *exit_code = QUIRE_EXIT_FAILURE; /* out of memory */
        return QUIRE_ERR;
    }
    if (kernel_errors) {
        /* No plugin could be read: every plugin section would look unknown,
         * which is noise on top of the one real problem. */
        *exit_code = QUIRE_EXIT_CONFIG;
        return QUIRE_ERR;
    }
    validate_plugin_configs(k, d, &config_errors);
    check_unused_sections(k, d, &config_errors);
    check_env_collisions(k, d);
    k->problem_exit = config_errors   ? QUIRE_EXIT_CONFIG
                      : plugin_errors ? QUIRE_EXIT_PLUGIN
                                      : QUIRE_EXIT_OK;

    /* Plugin problems are fatal only in strict mode (a bad [kernel] section
     * is fatal in either). Nothing is initialised on a refused config. */
    if (k->strict && (config_errors || plugin_errors)) {
        *exit_code = config_errors ? QUIRE_EXIT_CONFIG : QUIRE_EXIT_PLUGIN;
        return QUIRE_ERR;
    }
    if (init_plugins(k, d, &plugin_errors) != QUIRE_OK) {
        *exit_code = QUIRE_EXIT_PLUGIN;
        return QUIRE_ERR;
    }
    if (plugin_errors && k->problem_exit == QUIRE_EXIT_OK)
        k->problem_exit = QUIRE_EXIT_PLUGIN;
    if (!k->strict) {
        for (size_t i = 0; i < k->nplugins; i++)
            if (k->plugins[i]->state == PLUGIN_FAILED)
                diag_warning(d, "plugin %s: skipped (strict = no)", k->plugins[i]->path);
    }
    return QUIRE_OK;
}

int kernel_load_path(kernel *k, const char *path, plugin_rec **out, diag *d)
{
    size_t first = d->count;
    plugin_rec *rec = plugin_new(k, path, d);

    *out = rec;
    if (rec == NULL)
        return QUIRE_ERR;
    if ((k->probe && loader_probe(rec, k->load_timeout_ms, d) != QUIRE_OK) ||
        loader_open(rec, d) != QUIRE_OK) {
        plugin_fail_from(rec, d, first);
        return QUIRE_ERR;
    }
    return QUIRE_OK;
}

/* ============================== Start and stop ============================ */

void kernel_close(kernel *k)
{
    if (k == NULL)
        return;
    /* Reverse load order, like a stack of resources. */
    for (size_t i = k->nplugins; i-- > 0;) {
        plugin_rec *rec = k->plugins[i];
        if (rec->state == PLUGIN_READY && rec->desc.destroy)
            rec->desc.destroy(rec->state_ptr);
        registry_rollback(k, rec);
        /* The shared object stays mapped (no dlclose): threads or atexit
         * handlers a plugin leaked must not jump into unmapped code. */
        plugin_free(rec);
    }
    free(k->plugins);
    free(k->formats);
    free(k->chart_types);
    config_free(k->kconf);
    config_free(k->sconf);
    conf_file_free(k->conf);
    free(k->conf_path);
    free(k);
}

/* ============================== Display =================================== */

const char *plugin_state_name(plugin_state state)
{
    switch (state) {
    case PLUGIN_DISABLED: return "disabled";
    case PLUGIN_LOADED: return "loaded";
    case PLUGIN_READY: return "ready";
    case PLUGIN_FAILED: return "failed";
    }
    return "?";
}

void plugin_row_fill(const plugin_rec *rec, plugin_row *row)
{
    int known = rec->label != NULL; /* descriptor accepted */

    row->name = known ? rec->desc.name : rec->file_stem;
    row->kind = known ? kind_name(rec->desc.kind) : "-";
    row->version = known ? rec->desc.version : "-";
    row->path = rec->path;
    row->state = plugin_state_name(rec->state);
    if (known)
        snprintf(row->abi, sizeof(row->abi), "%u.%u", (unsigned)rec->desc.abi_major,
                 (unsigned)rec->built_abi_minor);
    else
        snprintf(row->abi, sizeof(row->abi), "-");
}
