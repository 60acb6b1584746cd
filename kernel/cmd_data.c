/*
 * cmd_data.c - `quire data preview`: opens a data-source plugin with options
 * given on the command line and prints the schema and the first rows it
 * streams, exactly as a report would receive them. The quickest way to see
 * what the csv plugin infers from a file, or why it refuses it.
 *
 *   quire data preview SOURCE [KEY=VALUE...] [-c CONF] [--rows N]
 *
 * Output: one header line of tab-separated `name:type`, then one line per row
 * of tab-separated cells in canonical form (batch_format_cell: NULL is \N,
 * decimals keep their scale, dates and timestamps are ISO 8601 UTC), then
 * "N rows" on stderr. An error prints "error: MESSAGE" on stderr; exit 5 for
 * bad options or data (and unreadable files), 4 if no such source plugin is
 * loaded, 1 for anything else.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "batch.h"
#include "cli.h"
#include "kernel.h"

#define PREVIEW_DEFAULT_ROWS 20
#define PREVIEW_BATCH_ROWS   1024

/* The exit code for a source error. */
static int exit_for(const quire_error *err)
{
    return err->code == QUIRE_E_INVALID || err->code == QUIRE_E_IO ? QUIRE_EXIT_INPUT
                                                                   : QUIRE_EXIT_FAILURE;
}

static void print_error(const quire_error *err)
{
    fflush(stdout);
    fprintf(stderr, "error: %s\n", err->msg[0] ? err->msg : "(no message)");
}

/* ============================== Options =================================== */

/* Builds the source options from the KEY=VALUE arguments (opts->args[2..]).
 * Each is located as "command line argument N", N its position after
 * `quire` (data = 1). Returns the array (keys are malloc'd copies, values
 * point into argv) or NULL with *code set. Free with options_free(). */
static quire_option *options_from_args(const cli_opts *opts, char **argv, int argc, size_t *count,
                                       int *code)
{
    size_t n = opts->nargs > 2 ? (size_t)opts->nargs - 2 : 0;
    quire_option *options = calloc(n ? n : 1, sizeof(*options));

    *count = 0;
    if (options == NULL) {
        fprintf(stderr, "error: out of memory\n");
        *code = QUIRE_EXIT_FAILURE;
        return NULL;
    }
    for (size_t i = 0; i < n; i++) {
        const char *arg = opts->args[i + 2];
        const char *eq = strchr(arg, '=');
        quire_option *o = &options[i];
        int position = 0;

        if (eq == NULL || eq == arg) {
            fprintf(stderr, "quire: data preview: '%s' is not KEY=VALUE\n", arg);
            *code = QUIRE_EXIT_USAGE;
            goto fail_free_options;
        }
        for (int j = 0; j < argc; j++)
            if (argv[j] == arg)
                position = j + 2; /* argv[0] is "preview", argument 2 */
        o->key = strndup(arg, (size_t)(eq - arg));
        if (o->key == NULL) {
            fprintf(stderr, "error: out of memory\n");
            *code = QUIRE_EXIT_FAILURE;
            goto fail_free_options;
        }
        o->value = eq + 1;
        o->file = "command line";
        o->line = 0;
        o->column = (uint32_t)position;
        (*count)++;
    }
    return options;

fail_free_options:
    for (size_t i = 0; i < *count; i++)
        free((char *)options[i].key);
    free(options);
    return NULL;
}

static void options_free(quire_option *options, size_t count)
{
    for (size_t i = 0; i < count; i++)
        free((char *)options[i].key);
    free(options);
}

/* ============================== Printing ================================== */

static void print_schema(const quire_column_info *columns, size_t ncolumns)
{
    char type[32];

    for (size_t c = 0; c < ncolumns; c++) {
        if (c > 0)
            fputc('\t', stdout);
        batch_write_text(columns[c].name, strlen(columns[c].name), stdout);
        fputc(':', stdout);
        fputs(batch_type_text(columns[c].type, columns[c].scale, type, sizeof(type)), stdout);
    }
    fputc('\n', stdout);
}

/* Prints rows [0, limit) of the batch. */
static void print_rows(const quire_batch *batch, uint32_t limit)
{
    for (uint32_t r = 0; r < limit; r++) {
        for (uint32_t c = 0; c < batch->ncolumns; c++) {
            if (c > 0)
                fputc('\t', stdout);
            batch_format_cell(batch, c, r, stdout);
        }
        fputc('\n', stdout);
    }
}

/* ============================== preview =================================== */

/* Streams the open instance, printing at most `max_rows` rows (0: all).
 * Returns the exit code. */
static int stream_rows(const quire_source_ops *ops, void *instance, long long max_rows)
{
    const quire_column_info *columns = NULL;
    size_t ncolumns = 0;
    quire_batch *batch;
    quire_error err = {0};
    long long printed = 0;
    int rc, code = QUIRE_EXIT_OK;

    if (ops->schema(instance, &columns, &ncolumns, &err) != QUIRE_OK) {
        print_error(&err);
        return exit_for(&err);
    }
    print_schema(columns, ncolumns);
    batch = batch_new(columns, ncolumns, PREVIEW_BATCH_ROWS, BATCH_LINES);
    if (batch == NULL) {
        fprintf(stderr, "error: out of memory allocating a batch of %d rows\n", PREVIEW_BATCH_ROWS);
        return QUIRE_EXIT_FAILURE;
    }
    do {
        uint32_t show;

        batch_reset(batch);
        rc = ops->next(instance, batch, &err);
        if (rc == QUIRE_ERR) {
            print_error(&err);
            code = exit_for(&err);
            break;
        }
        show = batch->rows;
        if (max_rows > 0 && printed + show > max_rows)
            show = (uint32_t)(max_rows - printed);
        print_rows(batch, show);
        printed += show;
    } while (rc == QUIRE_OK && (max_rows == 0 || printed < max_rows));
    batch_free(batch);
    if (fflush(stdout) != 0 || ferror(stdout)) {
        fprintf(stderr, "error: cannot write the rows to standard output\n");
        return QUIRE_EXIT_FAILURE;
    }
    if (code == QUIRE_EXIT_OK)
        fprintf(stderr, "%lld rows\n", printed);
    return code;
}

static int data_preview(const cli_opts *opts, int argc, char **argv)
{
    const char *name = opts->nargs > 1 ? opts->args[1] : NULL;
    long long max_rows = opts->rows >= 0 ? opts->rows : PREVIEW_DEFAULT_ROWS;
    quire_option *options;
    quire_source_args args;
    quire_error err = {0};
    const plugin_rec *rec;
    kernel *k = NULL;
    void *instance = NULL;
    size_t noptions = 0;
    int code = QUIRE_EXIT_OK;

    if (name == NULL) {
        cmd_help("data", stderr);
        return QUIRE_EXIT_USAGE;
    }
    options = options_from_args(opts, argv, argc, &noptions, &code);
    if (options == NULL)
        return code;
    code = cli_open_kernel(opts, 1, &k);
    if (k == NULL || code != QUIRE_EXIT_OK)
        goto done_close_kernel;
    rec = kernel_find_plugin(k, QUIRE_KIND_SOURCE, name);
    if (rec == NULL || rec->state != PLUGIN_READY) {
        fprintf(stderr, "error: no source plugin '%s' is loaded (see quire plugins list)\n", name);
        code = QUIRE_EXIT_PLUGIN;
        goto done_close_kernel;
    }
    memset(&args, 0, sizeof(args));
    args.size = sizeof(args);
    args.source_name = "data preview";
    args.options = options;
    args.noptions = noptions;
    args.batch_rows = PREVIEW_BATCH_ROWS;
    args.arena = arena_new(0);
    if (args.arena == NULL) {
        fprintf(stderr, "error: out of memory\n");
        code = QUIRE_EXIT_FAILURE;
        goto done_close_kernel;
    }
    if (rec->ops.source.open(rec->state_ptr, &args, &instance, &err) != QUIRE_OK) {
        print_error(&err);
        code = exit_for(&err);
        goto done_free_arena;
    }
    code = stream_rows(&rec->ops.source, instance, max_rows);
    rec->ops.source.close(instance);

done_free_arena:
    arena_free(args.arena);
done_close_kernel:
    kernel_close(k);
    options_free(options, noptions);
    return code;
}

/* ============================== Dispatch ================================== */

int cmd_data(int argc, char **argv)
{
    cli_opts opts;
    int code = cli_parse(argc, argv, &opts);

    if (code != QUIRE_EXIT_OK)
        return code;
    if (opts.nargs == 0) {
        cmd_help("data", stderr);
        return QUIRE_EXIT_USAGE;
    }
    if (strcmp(opts.args[0], "preview") == 0)
        return data_preview(&opts, argc, argv);
    fprintf(stderr, "quire: unknown data command '%s' (preview)\n", opts.args[0]);
    return QUIRE_EXIT_USAGE;
}
