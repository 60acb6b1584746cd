/*
 * cmd_report.c - loading a report named on the command line (shared by
 * render and check, see cmd_report.h) and `quire check`.
 *
 *   quire check REPORT [--data NAME=PATH]... [--param K=V]... [-c CONF]
 *
 * check does everything render does before reading rows: syntax, the
 * model, the source's schema, every expression's types, the parameters.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd_report.h"
#include "fill.h"
#include "kernel.h"

/* ============================== Shared set-up ============================= */

void loaded_free(loaded *l)
{
    plan_free(l->plan);
    report_free(l->rep);
    ast_free(l->ast);
    kernel_close(l->k);
}

/* Splits NAME=VALUE arguments into plan_args (names copied into *names). */
static int split_args(const char *const *raw, const int *argi, int n, plan_arg *out, char **names)
{
    size_t total = 0, at = 0;
    char *buf;
    for (int i = 0; i < n; i++)
        total += strlen(raw[i]) + 1;
    buf = malloc(total + 1);
    if (buf == NULL)
        return -1;
    for (int i = 0; i < n; i++) {
        const char *eq = strchr(raw[i], '=');
        size_t len = (size_t)(eq - raw[i]);
        memcpy(buf + at, raw[i], len);
        buf[at + len] = '\0';
        out[i].name = buf + at;
        out[i].value = eq + 1;
        out[i].argi = argi[i] + 2; /* positions after `quire`: render = 1, REPORT = 2 */
        at += len + 1;
    }
    *names = buf;
    return 0;
}

/* Parses, loads and compiles the report named by the command line.
 * Returns the exit code; on success *l is ready to run. */
int load_report(const cli_opts *opts, loaded *l)
{
    diag d = {0};
    int code;
    char *names_data = NULL, *names_params = NULL;

    memset(l, 0, sizeof(*l));
    code = cli_open_kernel(opts, 1, &l->k);
    if (code != QUIRE_EXIT_OK)
        return code;
    if (ast_parse_file(opts->args[0], &l->ast, &d) != 0 || report_load(l->ast, &l->rep, &d) != 0) {
        code = QUIRE_EXIT_INPUT;
        goto done;
    }
    if (split_args(opts->data, opts->data_argi, opts->ndata, l->data, &names_data) != 0 ||
        split_args(opts->params, opts->params_argi, opts->nparams, l->params, &names_params) != 0) {
        diag_error(&d, "out of memory");
        code = QUIRE_EXIT_FAILURE;
        goto done;
    }
    if (plan_build(l->rep, l->k, l->data, (size_t)opts->ndata, l->params, (size_t)opts->nparams,
                   &l->plan, &d, &code) != 0)
        goto done;
    code = QUIRE_EXIT_OK;
done:
    diag_print(&d, stderr);
    diag_clear(&d);
    /* plan_build copied what it keeps of the arguments. */
    free(names_data);
    free(names_params);
    return code;
}

int report_usage(const char *cmd)
{
    fprintf(stderr, "usage: quire %s REPORT [--data NAME=PATH]... [--param NAME=VALUE]...%s\n", cmd,
            strcmp(cmd, "render") == 0
                ? " [--format FMT] [-o OUT|-] [--workers N] [--quiet] [--stats]"
                : "");
    return QUIRE_EXIT_USAGE;
}

/* ============================== check ===================================== */

int cmd_check(int argc, char **argv)
{
    cli_opts opts = {0};
    loaded l;
    int code = cli_parse(argc - 1, argv + 1, &opts);
    if (code != QUIRE_EXIT_OK)
        return code;
    if (opts.nargs != 1)
        return report_usage("check");
    if (opts.format || opts.output || opts.workers >= 0 || opts.stats || opts.quiet) {
        fprintf(stderr, "quire: check takes only --data and --param\n");
        return QUIRE_EXIT_USAGE;
    }
    code = cli_only(&opts, "check", CLI_OPT_REPORT);
    if (code != QUIRE_EXIT_OK)
        return code;
    code = load_report(&opts, &l);
    if (code == QUIRE_EXIT_OK) {
        /* What page formats need too: the fonts it names, its images. */
        fill_resources *res = NULL;
        diag d;
        diag_init(&d);
        if (fill_resources_load(l.rep, l.k->kconf, &res, &d) != 0) {
            diag_print(&d, stderr);
            code = QUIRE_EXIT_INPUT;
        }
        diag_clear(&d);
        fill_resources_free(res);
    }
    if (code == QUIRE_EXIT_OK)
        printf("%s: ok: source '%s' (%u columns), %zu groups, %zu variables, %zu bands, %s\n",
               opts.args[0], l.plan->source_name, l.plan->nsource, l.rep->ngroups,
               l.rep->nvariables, l.rep->nbands,
               l.plan->mode == PLAN_HASH ? "aggregated without sorting" : "streamed in order");
    loaded_free(&l);
    return code;
}
