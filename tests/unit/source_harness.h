/*
 * source_harness.h - what the source plugin tests (test_csv.c, test_jsonl.c,
 * test_sqlite.c) share: the real build/plugins/NAME.so loaded with
 * kernel_load_path, configured with config_build and initialised through
 * its descriptor; a scratch directory that is the current directory while
 * the tests run; options written "key=value"; stderr captured into
 * stderr.log while a source runs (the plugin's host->log lines); and the
 * text a run prints: the schema line, the rows, "error: MESSAGE [code]"
 * and "log: ..." lines.
 *
 * QUIRE_BUILD (default "build") says where the plugin is. Include after
 * <cmocka.h>; every test file uses `fixture` as its group state:
 *
 *   static int group_setup(void **state)
 *   {
 *       return source_group_setup(state, "csv", "mmap = no\n");
 *   }
 *   ... cmocka_run_group_tests(tests, group_setup, group_teardown)
 *
 * Functions are static inline so that a test file that does not use one
 * does not warn.
 */
#ifndef QUIRE_TEST_SOURCE_HARNESS_H
#define QUIRE_TEST_SOURCE_HARNESS_H

#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "batch.h"
#include "config.h"
#include "kernel.h"
#include "registry.h"

/* ============================== Fixture =================================== */

/* The group state of a source plugin test. */
typedef struct fixture {
    kernel *k;
    plugin_rec *rec;
    const char *plugin; /* "csv": build/plugins/csv.so, section [source.csv] */
    conf_file *conf;    /* the [source.NAME] text of the current state, or NULL */
    /* With alt_lines set, a second plugin state is built from the same
     * section plus these lines (csv: "mmap = no\n"), for reading twice. */
    const char *alt_lines;
    conf_file *alt_conf;
    quire_config *alt_config;
    void *alt_state;
    char old_cwd[PATH_MAX];
    char dir[PATH_MAX]; /* scratch directory, the cwd during the tests */
    int saved_stderr;   /* stderr while a run captures it, else -1 */
} fixture;

#define FIX ((fixture *)*state)

/* Parses [source.NAME] text `conf_text` (NULL: none, the defaults) into
 * *conf, builds *config and runs init into *state_ptr; fails the test on
 * any error. */
static inline void plugin_state_init(fixture *f, const char *conf_text, conf_file **conf,
                                     quire_config **config, void **state_ptr)
{
    plugin_rec *rec = f->rec;
    quire_error err = {0};
    diag d = {0};

    if (conf_text != NULL)
        assert_int_equal(conf_file_parse_text("quire.conf", conf_text, strlen(conf_text), conf, &d),
                         QUIRE_OK);
    if (config_build(*conf, rec->label, rec->schema, rec->nkeys, config, &d) != QUIRE_OK)
        fail_msg("config_build: %s", d.count ? d.items[0].text : "?");
    diag_clear(&d);
    if (rec->desc.init(host_api(), rec, *config, state_ptr, &err) != QUIRE_OK)
        fail_msg("init: %s", err.msg);
}

/* Builds the plugin's state from `conf_text` (NULL: defaults), and the
 * alternative state when f->alt_lines is set. */
static inline void plugin_init(fixture *f, const char *conf_text)
{
    plugin_state_init(f, conf_text, &f->conf, &f->rec->config, &f->rec->state_ptr);
    f->rec->state = PLUGIN_READY;
    if (f->alt_lines != NULL) {
        /* The test sections are all [source.NAME]: the lines go at the end. */
        char alt[512];
        snprintf(alt, sizeof(alt), "%s%s%s%s", conf_text != NULL ? conf_text : "[source.",
                 conf_text != NULL ? "" : f->plugin, conf_text != NULL ? "" : "]\n", f->alt_lines);
        plugin_state_init(f, alt, &f->alt_conf, &f->alt_config, &f->alt_state);
    }
}

/* Undoes plugin_init (kernel_close would call destroy itself). */
static inline void plugin_fini(fixture *f)
{
    plugin_rec *rec = f->rec;

    if (rec->state == PLUGIN_READY && rec->desc.destroy) {
        rec->desc.destroy(rec->state_ptr);
        if (f->alt_state != NULL)
            rec->desc.destroy(f->alt_state);
    }
    f->alt_state = NULL;
    config_free(f->alt_config);
    f->alt_config = NULL;
    conf_file_free(f->alt_conf);
    f->alt_conf = NULL;
    rec->state = PLUGIN_LOADED;
    rec->state_ptr = NULL;
    config_free(rec->config);
    rec->config = NULL;
    conf_file_free(f->conf);
    f->conf = NULL;
}

/* Gives the plugin another [source.NAME] section for one test. */
static inline void plugin_reconfigure(fixture *f, const char *conf_text)
{
    plugin_fini(f);
    plugin_init(f, conf_text);
}

/* The group setup: loads build/plugins/PLUGIN.so, initialises it with the
 * defaults (and the alternative state with `alt_lines`, if not NULL) and
 * moves into a fresh scratch directory. Returns 0, or -1 (reasons on
 * stderr as "# ..."). */
static inline int source_group_setup(void **state, const char *plugin, const char *alt_lines)
{
    fixture *f = calloc(1, sizeof(*f));
    const char *build = getenv("QUIRE_BUILD");
    char so[PATH_MAX + 32], so_abs[PATH_MAX];
    diag d = {0};

    if (f == NULL)
        return -1;
    f->saved_stderr = -1;
    f->plugin = plugin;
    f->alt_lines = alt_lines;
    snprintf(so, sizeof(so), "%s/plugins/%s.so", build && build[0] ? build : "build", plugin);
    if (realpath(so, so_abs) == NULL) {
        fprintf(stderr, "# %s: not found (build it first)\n", so);
        return -1;
    }
    if (kernel_open(NULL, &f->k, &d) != QUIRE_OK ||
        kernel_load_path(f->k, so_abs, &f->rec, &d) != QUIRE_OK) {
        for (size_t i = 0; i < d.count; i++)
            fprintf(stderr, "# %s\n", d.items[i].text);
        return -1;
    }
    diag_clear(&d);
    plugin_init(f, NULL);
    if (getcwd(f->old_cwd, sizeof(f->old_cwd)) == NULL)
        return -1;
    snprintf(f->dir, sizeof(f->dir), "/tmp/quire-test-%s-XXXXXX", plugin);
    if (mkdtemp(f->dir) == NULL || chdir(f->dir) != 0)
        return -1;
    *state = f;
    return 0;
}

/* Removes a scratch directory and what it holds (subdirectories too). */
static inline void remove_tree(const char *path)
{
    DIR *dir = opendir(path);
    struct dirent *e;

    while (dir != NULL && (e = readdir(dir)) != NULL) {
        char child[PATH_MAX * 2];
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        if (snprintf(child, sizeof(child), "%s/%s", path, e->d_name) >= (int)sizeof(child))
            continue; /* cannot be one of ours */
        if (unlink(child) != 0)
            remove_tree(child);
    }
    if (dir != NULL)
        closedir(dir);
    rmdir(path);
}

/* The group teardown: back to the old directory, the scratch one removed,
 * the plugin destroyed and the kernel closed. */
static inline int group_teardown(void **state)
{
    fixture *f = *state;

    if (chdir(f->old_cwd) != 0)
        return -1;
    remove_tree(f->dir);
    plugin_fini(f);
    kernel_close(f->k);
    free(f);
    return 0;
}

/* Every test starts from the default configuration, with stderr back even
 * if the previous test failed while capturing it. */
static inline int test_setup(void **state)
{
    fixture *f = *state;

    if (f->saved_stderr >= 0) {
        dup2(f->saved_stderr, 2);
        close(f->saved_stderr);
        f->saved_stderr = -1;
    }
    if (f->conf != NULL)
        plugin_reconfigure(f, NULL);
    return 0;
}

/* ============================== Inputs and options ======================== */

/* Writes data[0..len) to file `name` in the current directory. */
static inline void write_file(const char *name, const char *data, size_t len)
{
    FILE *fp = fopen(name, "wb");

    assert_non_null(fp);
    assert_int_equal(fwrite(data, 1, len, fp), len);
    assert_int_equal(fclose(fp), 0);
}

/* Options "key=value" (NULL-terminated) become quire_options at
 * report.qr:LINE:5, LINE being their 1-based position; values point into
 * texts. The caller frees them with free_options(). */
static inline quire_option *make_options(const char *const *texts, size_t *count)
{
    size_t n = 0;
    quire_option *options;

    while (texts[n] != NULL)
        n++;
    options = calloc(n + 1, sizeof(*options));
    assert_non_null(options);
    for (size_t i = 0; i < n; i++) {
        const char *eq = strchr(texts[i], '=');
        assert_non_null(eq);
        options[i].key = strndup(texts[i], (size_t)(eq - texts[i]));
        options[i].value = eq + 1;
        options[i].file = "report.qr";
        options[i].line = (uint32_t)i + 1;
        options[i].column = 5;
    }
    *count = n;
    return options;
}

/* A test's option list: OPTS("key=value", ...), or NO_OPTS. */
#define OPTS(...) ((const char *const[]){__VA_ARGS__, NULL})
#define NO_OPTS   ((const char *const[]){NULL})

/* Fills all[0..cap) with `first` ("path=data.csv") then the NULL-terminated
 * texts, NULL-terminated. The strings are not copied. */
static inline void options_after(const char **all, size_t cap, const char *first,
                                 const char *const *texts)
{
    size_t n = 0;

    all[n++] = first;
    for (size_t i = 0; texts[i] != NULL; i++) {
        assert_true(n + 1 < cap);
        all[n++] = texts[i];
    }
    all[n] = NULL;
}

/* Frees what make_options() made. */
static inline void free_options(quire_option *options, size_t count)
{
    for (size_t i = 0; i < count; i++)
        free((char *)options[i].key);
    free(options);
}

/* ============================== Running a source ========================== */

/* The word a run's text gives an error code. */
static inline const char *code_name(int code)
{
    switch (code) {
    case QUIRE_E_INVALID: return "invalid";
    case QUIRE_E_IO: return "io";
    case QUIRE_E_NOMEM: return "nomem";
    case QUIRE_E_ABI: return "abi";
    case QUIRE_E_INTERNAL: return "internal";
    }
    return "?";
}

/* Prints "error: MESSAGE [code]". */
static inline void put_error(FILE *out, const quire_error *err)
{
    fprintf(out, "error: %s [%s]\n", err->msg, code_name(err->code));
}

/* Sends stderr to stderr.log until capture_end(). */
static inline void capture_begin(fixture *f)
{
    int fd;

    fflush(stderr);
    f->saved_stderr = dup(2);
    fd = open("stderr.log", O_WRONLY | O_CREAT | O_TRUNC, 0644);
    assert_true(fd >= 0);
    dup2(fd, 2);
    close(fd);
}

static inline void capture_end(fixture *f)
{
    fflush(stderr);
    dup2(f->saved_stderr, 2);
    close(f->saved_stderr);
    f->saved_stderr = -1;
}

/* Appends what the plugin logged (captured from stderr) as "log: " lines. */
static inline void append_log(FILE *out, const char *path)
{
    FILE *fp = fopen(path, "r");
    char line[4096];

    if (fp == NULL)
        return;
    while (fgets(line, sizeof(line), fp) != NULL)
        fprintf(out, "log: %s", line);
    fclose(fp);
}

/* The schema line: "name:type<TAB>name:type\n". */
static inline void print_schema(FILE *out, const quire_column_info *columns, size_t ncolumns)
{
    char type[32];

    for (size_t c = 0; c < ncolumns; c++)
        fprintf(out, "%s%s:%s", c ? "\t" : "", columns[c].name,
                batch_type_text(columns[c].type, columns[c].scale, type, sizeof(type)));
    fputc('\n', out);
}

/* How drain_rows() prints a row. */
#define ROWS_WITH_LINES 1 /* "LINE: cell<TAB>cell" (LINE 0 without source_line) */
#define ROWS_NO_LINES   0 /* "cell<TAB>cell"; every source line must be 0 */

/* Pulls every batch of an open instance into batches of `capacity` rows
 * made with batch_new `flags`, printing each row to `out` as `lines` says
 * (cells as batch_format_cell writes them, "-" for a column with
 * needed[c] == 0; needed may be NULL), and "error: ..." if next() fails.
 * Checks the batch contract on the way. Returns the rows delivered. */
static inline int64_t drain_rows(const quire_source_ops *ops, void *instance,
                                 const quire_column_info *columns, size_t ncolumns,
                                 uint32_t capacity, unsigned flags, const uint8_t *needed,
                                 int lines, FILE *out)
{
    int64_t delivered = 0;
    quire_error err = {0};
    quire_batch *batch = batch_new(columns, ncolumns, capacity, flags);
    int rc;

    assert_non_null(batch);
    do {
        batch_reset(batch);
        rc = ops->next(instance, batch, &err);
        if (rc == QUIRE_ERR) {
            put_error(out, &err);
            break;
        }
        assert_true(batch->rows <= capacity);
        assert_true(rc == QUIRE_DONE || batch->rows > 0);
        assert_int_equal(batch->first_row, delivered + 1);
        for (uint32_t r = 0; r < batch->rows; r++) {
            if (lines == ROWS_WITH_LINES)
                fprintf(out, "%lld:", batch->source_line ? (long long)batch->source_line[r] : 0LL);
            else
                assert_int_equal(batch->source_line[r], 0);
            for (uint32_t c = 0; c < batch->ncolumns; c++) {
                if (lines == ROWS_WITH_LINES)
                    fputc(c ? '\t' : ' ', out);
                else if (c > 0)
                    fputc('\t', out);
                if (needed == NULL || needed[c])
                    batch_format_cell(batch, c, r, out);
                else
                    fputc('-', out); /* not filled */
            }
            fputc('\n', out);
        }
        delivered += batch->rows;
    } while (rc == QUIRE_OK);
    batch_free(batch);
    return delivered;
}

/* One run of a source: the text it prints and what open() gets. */
typedef struct source_run {
    FILE *out;
    char *text;
    size_t len;
    quire_option *options;
    size_t noptions;
    quire_source_args args; /* size, source name, options, capacity, arena */
} source_run;

/* Starts a run: the text stream, the options from `texts`, args for a
 * source named `source_name` read into batches of `capacity` rows (the
 * caller may set more of them), and stderr captured. */
static inline void run_begin(fixture *f, source_run *run, const char *const *texts,
                             const char *source_name, uint32_t capacity)
{
    memset(run, 0, sizeof(*run));
    run->out = open_memstream(&run->text, &run->len);
    assert_non_null(run->out);
    run->options = make_options(texts, &run->noptions);
    run->args.size = sizeof(run->args);
    run->args.source_name = source_name;
    run->args.options = run->options;
    run->args.noptions = run->noptions;
    run->args.batch_rows = capacity;
    run->args.arena = host_api()->arena_new(0);
    capture_begin(f);
}

/* Ends a run: stderr back, the plugin's log appended, everything freed.
 * Returns the text (the caller frees it). */
static inline char *run_end(fixture *f, source_run *run)
{
    capture_end(f);
    append_log(run->out, "stderr.log");
    host_api()->arena_free(run->args.arena);
    free_options(run->options, run->noptions);
    fclose(run->out);
    return run->text;
}

/* Drops the row lines (those starting with a digit) of a failed run: how
 * many rows came before the error depends on the batch size (a failed
 * next() returns none of its batch). */
static inline void drop_rows_if_failed(char *text)
{
    char *src = text, *dst = text;

    if (strncmp(text, "error: ", 7) != 0 && strstr(text, "\nerror: ") == NULL)
        return;
    while (*src) {
        char *eol = strchr(src, '\n');
        size_t n = eol ? (size_t)(eol - src) + 1 : strlen(src);
        int is_row = src[0] >= '0' && src[0] <= '9';
        if (!is_row) {
            memmove(dst, src, n);
            dst += n;
        }
        src += n;
    }
    *dst = '\0';
}

#endif /* QUIRE_TEST_SOURCE_HARNESS_H */
