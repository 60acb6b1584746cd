/*
 * renderer_harness.h - what the renderer plugin tests share (data, pdf,
 * cairo, html): a host table whose allocator counts the blocks a plugin
 * holds, the plugin loaded into a kernel of its own the way the kernel
 * loads it (kernel_load_path, config_build from a config text, init through
 * the descriptor), and emptying a scratch directory.
 *
 * Header-only: include it from one test file (after cmocka.h).
 */
#ifndef QUIRE_RENDERER_HARNESS_H
#define QUIRE_RENDERER_HARNESS_H

#include <dirent.h>
#include <limits.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "kernel.h"
#include "registry.h"

/* ============================== Counting allocator ======================== */

/* Blocks the plugin holds. Test-only state: the host table's allocator has
 * no context argument to carry it. Atomic: some tests render on several
 * threads. */
static _Atomic long live_blocks;

static void *count_malloc(size_t size)
{
    void *p = malloc(size);
    if (p != NULL)
        live_blocks++;
    return p;
}

static void *count_calloc(size_t count, size_t size)
{
    void *p = calloc(count, size);
    if (p != NULL)
        live_blocks++;
    return p;
}

static void *count_realloc(void *ptr, size_t size)
{
    void *p = realloc(ptr, size);
    if (p != NULL && ptr == NULL)
        live_blocks++;
    return p;
}

static void count_free(void *ptr)
{
    if (ptr != NULL)
        live_blocks--;
    free(ptr);
}

static char *count_strdup(const char *s)
{
    char *p = strdup(s);
    if (p != NULL)
        live_blocks++;
    return p;
}

/* The kernel's host table with the counting allocator. */
static inline quire_host harness_counting_host(void)
{
    quire_host host = *host_api();
    host.malloc = count_malloc;
    host.calloc = count_calloc;
    host.realloc = count_realloc;
    host.free = count_free;
    host.strdup = count_strdup;
    return host;
}

/* ============================== The plugin ================================ */

/* The plugin under test, loaded into a kernel of its own. */
typedef struct plug {
    kernel *k;
    plugin_rec *rec;
    conf_file *conf;
    const quire_renderer_ops *ops;
} plug;

/* Loads the plugin at `so` and builds its config from `section` (the lines
 * of `[HEADER]`, e.g. "renderer.pdf"; NULL for the defaults), then runs its
 * init with `host`. A load or config failure fails the test; init's status
 * is returned with *err set. */
static inline int plug_load(plug *p, const char *so, const quire_host *host, const char *header,
                            const char *section, quire_error *err)
{
    diag d = {0};
    char text[2048];
    int rc;

    memset(p, 0, sizeof(*p));
    if (kernel_open(NULL, &p->k, &d) != QUIRE_OK ||
        kernel_load_path(p->k, so, &p->rec, &d) != QUIRE_OK)
        fail_msg("load: %s", d.count ? d.items[0].text : "?");
    if (section != NULL) {
        snprintf(text, sizeof(text), "[%s]\n%s", header, section);
        assert_int_equal(conf_file_parse_text("quire.conf", text, strlen(text), &p->conf, &d),
                         QUIRE_OK);
    }
    if (config_build(p->conf, p->rec->label, p->rec->schema, p->rec->nkeys, &p->rec->config, &d) !=
        QUIRE_OK)
        fail_msg("config_build: %s", d.count ? d.items[0].text : "?");
    diag_clear(&d);
    p->rec->in_init = 1; /* what init_plugins() does around init */
    rc = p->rec->desc.init(host, p->rec, p->rec->config, &p->rec->state_ptr, err);
    p->rec->in_init = 0;
    if (rc == QUIRE_OK)
        p->rec->state = PLUGIN_READY;
    p->ops = &p->rec->ops.renderer;
    return rc;
}

static inline void plug_close(plug *p)
{
    kernel_close(p->k); /* destroys the plugin, frees its config */
    conf_file_free(p->conf);
}

/* ============================== Scratch files ============================= */

/* Removes every file (and empty directory) in `path`. */
static inline void harness_remove_files(const char *path)
{
    DIR *dir = opendir(path);
    struct dirent *e;
    char name[PATH_MAX + 256];

    while (dir != NULL && (e = readdir(dir)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        snprintf(name, sizeof(name), "%s/%s", path, e->d_name);
        if (unlink(name) != 0)
            rmdir(name);
    }
    if (dir != NULL)
        closedir(dir);
}

#endif /* QUIRE_RENDERER_HARNESS_H */
