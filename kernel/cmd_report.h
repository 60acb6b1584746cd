/*
 * cmd_report.h - what `quire render` and `quire check` share: loading a
 * report definition named on the command line and compiling it for a run.
 */
#ifndef QUIRE_CMD_REPORT_H
#define QUIRE_CMD_REPORT_H

#include "cli.h"
#include "plan.h"

typedef struct loaded {
    kernel *k;
    ast_file *ast;
    report *rep;
    plan *plan;
    plan_arg data[CLI_MAX_ARGS];
    plan_arg params[CLI_MAX_ARGS];
} loaded;

/* Opens the kernel, parses and loads opts->args[0], binds --data and
 * --param and compiles the plan, printing every problem to stderr.
 * Returns the exit code; on QUIRE_EXIT_OK *l is ready (loaded_free()). */
int load_report(const cli_opts *opts, loaded *l);

/* Frees what load_report() built (safe on a partly built one). */
void loaded_free(loaded *l);

/* Prints the usage of `cmd` ("render" or "check"); returns QUIRE_EXIT_USAGE. */
int report_usage(const char *cmd);

#endif /* QUIRE_CMD_REPORT_H */
