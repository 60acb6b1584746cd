/*
 * report_catalog.c - the reports in report_dirs (see report_catalog.h).
 */
#include "report_catalog.h"

#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "config.h"
#include "expr.h"
#include "kernel.h"
#include "path.h"
#include "report.h"

/* Files looked at in one directory, so a huge directory cannot stall a
 * request; what is beyond is skipped with a warning. */
#define CATALOG_MAX_FILES 10000
#define CATALOG_NAME_MAX  200
#define CATALOG_EXT       ".quire"

/* ============================== Names ===================================== */

int catalog_name_valid(const char *name)
{
    size_t n = 0;
    if (name == NULL || name[0] == '\0')
        return 0;
    for (const char *c = name; *c != '\0'; c++, n++) {
        int ok = (*c >= 'A' && *c <= 'Z') || (*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9') ||
                 *c == '_' || *c == '-';
        if (!ok || n >= CATALOG_NAME_MAX)
            return 0;
    }
    return 1;
}

/* ============================== Scanning ================================== */

/* One file found: its name and path, before any parsing. */
typedef struct found {
    char *name;
    char *path;
} found;

typedef struct scan {
    found *items;
    size_t count, cap;
    char **warnings;
    size_t nwarnings;
    int oom;
} scan;

static void scan_warn(scan *s, const char *fmt, ...) QUIRE_PRINTF(2, 3);
static void scan_warn(scan *s, const char *fmt, ...)
{
    char buf[1024];
    char **grown;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    grown = realloc(s->warnings, (s->nwarnings + 1) * sizeof(*grown));
    if (grown == NULL) {
        s->oom = 1;
        return;
    }
    s->warnings = grown;
    if ((grown[s->nwarnings] = strdup(buf)) == NULL)
        s->oom = 1;
    else
        s->nwarnings++;
}

static const found *scan_lookup(const scan *s, const char *name)
{
    for (size_t i = 0; i < s->count; i++)
        if (strcmp(s->items[i].name, name) == 0)
            return &s->items[i];
    return NULL;
}

static void scan_add(scan *s, const char *dir, const char *file)
{
    size_t stem = strlen(file) - strlen(CATALOG_EXT);
    char name[CATALOG_NAME_MAX + 2];
    char *path;
    const found *seen;
    struct stat st;

    if (stem > CATALOG_NAME_MAX) {
        scan_warn(s, "%s/%s: skipped: a report name has at most %d bytes", dir, file,
                  CATALOG_NAME_MAX);
        return;
    }
    memcpy(name, file, stem);
    name[stem] = '\0';
    if (!catalog_name_valid(name)) {
        scan_warn(s, "%s/%s: skipped: the name '%s' is not made of A-Z a-z 0-9 _ -", dir, file,
                  name);
        return;
    }
    path = path_resolve(dir, file);
    if (path == NULL) {
        s->oom = 1;
        return;
    }
    if (stat(path, &st) != 0 || !S_ISREG(st.st_mode)) {
        free(path);
        return; /* a directory or a dangling link named *.quire: not a report */
    }
    if ((seen = scan_lookup(s, name)) != NULL) {
        scan_warn(s, "%s: skipped: report '%s' is already %s (the first of report_dirs wins)", path,
                  name, seen->path);
        free(path);
        return;
    }
    if (s->count == s->cap) {
        size_t cap = s->cap ? 2 * s->cap : 16;
        found *grown = realloc(s->items, cap * sizeof(*grown));
        if (grown == NULL) {
            free(path);
            s->oom = 1;
            return;
        }
        s->items = grown;
        s->cap = cap;
    }
    s->items[s->count].path = path;
    if ((s->items[s->count].name = strdup(name)) == NULL) {
        free(path);
        s->oom = 1;
        return;
    }
    s->count++;
}

static void scan_dir(scan *s, const char *dir)
{
    DIR *dh = opendir(dir);
    struct dirent *de;
    size_t seen = 0;
    if (dh == NULL) {
        scan_warn(s, "report_dirs: %s: cannot read: %s", dir, strerror(errno));
        return;
    }
    while (!s->oom && (de = readdir(dh)) != NULL) {
        size_t len = strlen(de->d_name), ext = strlen(CATALOG_EXT);
        if (len <= ext || strcmp(de->d_name + len - ext, CATALOG_EXT) != 0)
            continue;
        if (++seen > CATALOG_MAX_FILES) {
            scan_warn(s, "report_dirs: %s: more than %d reports; the rest are skipped", dir,
                      CATALOG_MAX_FILES);
            break;
        }
        scan_add(s, dir, de->d_name);
    }
    closedir(dh);
}

static int found_cmp(const void *a, const void *b)
{
    return strcmp(((const found *)a)->name, ((const found *)b)->name);
}

static void scan_free(scan *s)
{
    for (size_t i = 0; i < s->count; i++) {
        free(s->items[i].name);
        free(s->items[i].path);
    }
    free(s->items);
    for (size_t i = 0; i < s->nwarnings; i++)
        free(s->warnings[i]);
    free(s->warnings);
    memset(s, 0, sizeof(*s));
}

/* Lists k's report_dirs in order, each relative item resolved against the
 * configuration file's directory. Returns 0, or -1 on out of memory. */
static int scan_all(kernel *k, scan *s)
{
    const char *base = k->conf != NULL && k->conf->dir != NULL ? k->conf->dir : ".";
    size_t n = config_list_count(k->kconf, "report_dirs");
    memset(s, 0, sizeof(*s));
    for (size_t i = 0; i < n && !s->oom; i++) {
        char *dir = path_resolve(base, config_list_item(k->kconf, "report_dirs", i));
        if (dir == NULL) {
            s->oom = 1;
            break;
        }
        scan_dir(s, dir);
        free(dir);
    }
    if (s->oom) {
        scan_free(s);
        return -1;
    }
    qsort(s->items, s->count, sizeof(*s->items), found_cmp);
    return 0;
}

/* ============================== Listing =================================== */

static char *dup_or_null(const char *s)
{
    return s != NULL ? strdup(s) : NULL;
}

int catalog_list_reports(kernel *k, catalog_list *out)
{
    scan s;
    memset(out, 0, sizeof(*out));
    if (scan_all(k, &s) != 0)
        return -1;
    out->items = calloc(s.count + 1, sizeof(*out->items));
    if (out->items == NULL)
        goto fail_free_scan;
    for (size_t i = 0; i < s.count; i++) {
        catalog_entry *ce = &out->items[i];
        ast_file *ast = NULL;
        report *rep = NULL;
        diag d = {0};
        /* The scan's strings move into the entry. */
        ce->name = s.items[i].name;
        ce->path = s.items[i].path;
        s.items[i].name = s.items[i].path = NULL;
        out->count++;
        if (ast_parse_file(ce->path, &ast, &d) == 0 && report_load(ast, &rep, &d) == 0) {
            ce->title = dup_or_null(rep->meta.title);
            ce->description = dup_or_null(rep->meta.subject);
        } else {
            ce->error = diag_to_string(&d);
        }
        report_free(rep);
        ast_free(ast);
        diag_clear(&d);
    }
    out->warnings = s.warnings;
    out->nwarnings = s.nwarnings;
    s.warnings = NULL;
    s.nwarnings = 0;
    scan_free(&s);
    return 0;

fail_free_scan:
    scan_free(&s);
    catalog_list_free(out);
    return -1;
}

void catalog_list_free(catalog_list *list)
{
    if (list == NULL)
        return;
    for (size_t i = 0; i < list->count; i++) {
        catalog_entry *ce = &list->items[i];
        free(ce->name);
        free(ce->path);
        free(ce->title);
        free(ce->description);
        free(ce->error);
    }
    free(list->items);
    for (size_t i = 0; i < list->nwarnings; i++)
        free(list->warnings[i]);
    free(list->warnings);
    memset(list, 0, sizeof(*list));
}

int catalog_find(kernel *k, const char *name, char **path, render_error *e)
{
    scan s;
    const found *f;
    *path = NULL;
    /* Checked before any file system access: the name is only ever
     * compared with the names the listing found. */
    if (!catalog_name_valid(name)) {
        char shown[CONF_SHOW_MAX];
        return render_error_setf(e, RENDER_E_NOT_FOUND, QUIRE_EXIT_USAGE,
                                 "unknown report '%s': not a name of report_dirs",
                                 conf_show(name != NULL ? name : "", shown, sizeof(shown)));
    }
    if (scan_all(k, &s) != 0)
        return render_error_setf(e, RENDER_E_FAILED, QUIRE_EXIT_FAILURE, "out of memory");
    f = scan_lookup(&s, name);
    if (f == NULL) {
        scan_free(&s);
        return render_error_setf(e, RENDER_E_NOT_FOUND, QUIRE_EXIT_USAGE,
                                 "unknown report '%s': not a name of report_dirs", name);
    }
    *path = strdup(f->path);
    scan_free(&s);
    if (*path == NULL)
        return render_error_setf(e, RENDER_E_FAILED, QUIRE_EXIT_FAILURE, "out of memory");
    return 0;
}

/* ============================== Describing ================================ */

/* A literal's text: strings unescaped, dates and timestamps without the
 * '@', anything else as written. */
static char *literal_text(const ast_file *ast, const ast_expr *e)
{
    const char *text;
    size_t len;
    char *out;
    if (e->kind == AST_STRING)
        return strndup(e->s, e->slen);
    if ((e->kind == AST_DATE || e->kind == AST_TIMESTAMP) && e->s != NULL)
        return strdup(e->s);
    len = ast_expr_text(ast, e, &text);
    out = malloc(len + 1);
    if (out != NULL) {
        memcpy(out, text, len);
        out[len] = '\0';
    }
    return out;
}

static int describe_param(const report *rep, const report_param *rp, catalog_param *cp)
{
    cp->name = strdup(rp->name);
    cp->type = expr_type_name(rp->type);
    cp->scale = rp->type == QUIRE_TYPE_DECIMAL ? rp->scale : 0;
    cp->required = rp->default_value == NULL;
    cp->label = dup_or_null(rp->label);
    if (cp->name == NULL || (rp->label != NULL && cp->label == NULL))
        return -1;
    if (rp->default_value != NULL &&
        (cp->default_text = literal_text(rep->ast, rp->default_value)) == NULL)
        return -1;
    if (rp->choices != NULL && rp->choices->nargs > 0) {
        cp->choices = calloc(rp->choices->nargs, sizeof(*cp->choices));
        if (cp->choices == NULL)
            return -1;
        for (uint32_t i = 0; i < rp->choices->nargs; i++) {
            if ((cp->choices[i] = literal_text(rep->ast, rp->choices->args[i])) == NULL)
                return -1;
            cp->nchoices++;
        }
    }
    return 0;
}

static int describe_source(const report_source *rs, catalog_source *cs)
{
    cs->name = strdup(rs->name);
    cs->plugin = dup_or_null(rs->plugin);
    for (size_t i = 0; i < rs->noptions; i++)
        if (strcmp(rs->options[i].key, "path") == 0 && cs->path == NULL)
            cs->path = dup_or_null(rs->options[i].value);
    return cs->name == NULL ? -1 : 0;
}

static int describe_format(const format_rec *f, catalog_format *cf)
{
    cf->name = strdup(f->name);
    cf->extension = dup_or_null(f->extension);
    cf->mime_type = dup_or_null(f->mime_type);
    cf->description = dup_or_null(f->description);
    cf->per_page = (f->flags & QUIRE_FORMAT_PER_PAGE) != 0;
    cf->data = (f->flags & QUIRE_FORMAT_DATA) != 0;
    return cf->name == NULL ? -1 : 0;
}

static int describe_report(kernel *k, const char *name, const report *rep, catalog_report *cr)
{
    const report_meta *m = &rep->meta;
    cr->name = strdup(name);
    cr->path = strdup(rep->path);
    cr->title = dup_or_null(m->title);
    cr->description = dup_or_null(m->subject);
    cr->author = dup_or_null(m->author);
    cr->locale = strdup(m->locale != NULL ? m->locale : "en-US");
    cr->page_width = m->page_width;
    cr->page_height = m->page_height;
    if (cr->name == NULL || cr->path == NULL || cr->locale == NULL)
        return -1;
    cr->params = calloc(rep->nparams + 1, sizeof(*cr->params));
    cr->sources = calloc(rep->nsources + 1, sizeof(*cr->sources));
    cr->formats = calloc(k->nformats + 1, sizeof(*cr->formats));
    if (cr->params == NULL || cr->sources == NULL || cr->formats == NULL)
        return -1;
    for (size_t i = 0; i < rep->nparams; i++, cr->nparams++)
        if (describe_param(rep, &rep->params[i], &cr->params[i]) != 0) {
            cr->nparams++; /* so catalog_report_free() frees its parts */
            return -1;
        }
    for (size_t i = 0; i < rep->nsources; i++, cr->nsources++)
        if (describe_source(&rep->sources[i], &cr->sources[i]) != 0) {
            cr->nsources++;
            return -1;
        }
    for (size_t i = 0; i < k->nformats; i++, cr->nformats++)
        if (describe_format(&k->formats[i], &cr->formats[i]) != 0) {
            cr->nformats++;
            return -1;
        }
    return 0;
}

int catalog_describe(kernel *k, const char *name, catalog_report **out, render_error *e)
{
    char *path = NULL;
    ast_file *ast = NULL;
    report *rep = NULL;
    catalog_report *cr = NULL;
    diag d = {0};
    int rc = -1;

    *out = NULL;
    if (catalog_find(k, name, &path, e) != 0)
        return -1;
    if (ast_parse_file(path, &ast, &d) != 0 || report_load(ast, &rep, &d) != 0) {
        render_error_diag(e, RENDER_E_INVALID, QUIRE_EXIT_INPUT, &d);
        goto done;
    }
    cr = calloc(1, sizeof(*cr));
    if (cr == NULL || describe_report(k, name, rep, cr) != 0) {
        catalog_report_free(cr);
        render_error_setf(e, RENDER_E_FAILED, QUIRE_EXIT_FAILURE, "out of memory");
        goto done;
    }
    *out = cr;
    rc = 0;
done:
    diag_clear(&d);
    report_free(rep);
    ast_free(ast);
    free(path);
    return rc;
}

void catalog_report_free(catalog_report *r)
{
    if (r == NULL)
        return;
    for (size_t i = 0; i < r->nparams; i++) {
        catalog_param *p = &r->params[i];
        free(p->name);
        free(p->default_text);
        free(p->label);
        for (size_t j = 0; j < p->nchoices; j++)
            free(p->choices[j]);
        free(p->choices);
    }
    for (size_t i = 0; i < r->nsources; i++) {
        free(r->sources[i].name);
        free(r->sources[i].plugin);
        free(r->sources[i].path);
    }
    for (size_t i = 0; i < r->nformats; i++) {
        free(r->formats[i].name);
        free(r->formats[i].extension);
        free(r->formats[i].mime_type);
        free(r->formats[i].description);
    }
    free(r->params);
    free(r->sources);
    free(r->formats);
    free(r->name);
    free(r->path);
    free(r->title);
    free(r->description);
    free(r->author);
    free(r->locale);
    free(r);
}
