/*
 * cli.h - what the command-line front end shares between commands: option
 * parsing common to all of them and opening a kernel from a config path.
 */
#ifndef QUIRE_CLI_H
#define QUIRE_CLI_H

#include <stdio.h>

#include "diag.h"
#include "registry.h"

#define CLI_MAX_ARGS 64

typedef struct cli_opts {
    const char *conf_path;          /* -c/--config, else $QUIRE_CONF, else default */
    int conf_explicit;              /* the user named the file: it must exist */
    const char *args[CLI_MAX_ARGS]; /* positional arguments after the command */
    int nargs;
    long long rows; /* --rows N (data preview); -1 if not given */

    /* Report options (render, check). Each NAME=VALUE argument keeps its
     * position (argv index after the command) for error messages. */
    const char *data[CLI_MAX_ARGS]; /* --data NAME=PATH */
    int data_argi[CLI_MAX_ARGS];
    int ndata;
    const char *params[CLI_MAX_ARGS]; /* --param NAME=VALUE */
    int params_argi[CLI_MAX_ARGS];
    int nparams;
    const char *format; /* --format FMT / -f FMT */
    const char *output; /* -o OUT / --output OUT ("-": stdout) */
    int quiet;          /* --quiet / -q: no progress bar */
    int workers;        /* --workers N; -1 if not given */
    uint32_t first_page, last_page; /* --pages N[-M]; 0 if not given */
    int stats;          /* --stats: print the run's statistics to stderr */
    unsigned given;     /* CLI_OPT_* bits of the options on the command line */
} cli_opts;

#define CLI_OPT_ROWS   (1u << 0)
#define CLI_OPT_REPORT (1u << 1) /* any of --data --param --format -o --quiet --workers --stats */

/* Refuses the options `cmd` does not take (allowed: CLI_OPT_* bits):
 * prints "quire: CMD does not take OPTION" and returns QUIRE_EXIT_USAGE. */
int cli_only(const cli_opts *opts, const char *cmd, unsigned allowed);

/* Parses options common to every command (-c CONF, --config CONF,
 * --config=CONF, and --rows N / --rows=N with N >= 0 for data preview) and
 * collects the rest as positional arguments. Prints a usage error and
 * returns QUIRE_EXIT_USAGE, or returns QUIRE_EXIT_OK. */
int cli_parse(int argc, char **argv, cli_opts *opts);

/* Opens a kernel from opts (the default config is used only if it exists)
 * and, if `load`, loads its plugins. Prints every diagnostic to stderr.
 * Returns the exit code; *out is the kernel (NULL if it could not open).
 * The caller closes *out. */
int cli_open_kernel(const cli_opts *opts, int load, kernel **out);

/* Commands: each returns a process exit code. */
int cmd_plugins(int argc, char **argv);
int cmd_config(int argc, char **argv);
int cmd_data(int argc, char **argv);
int cmd_render(int argc, char **argv);
int cmd_check(int argc, char **argv);
/* Prints the general usage (topic NULL) or a command's ("plugins",
 * "config", "data") to `out`. An unknown topic is a usage error: returns
 * QUIRE_EXIT_USAGE, else QUIRE_EXIT_OK. */
int cmd_help(const char *topic, FILE *out);

#endif /* QUIRE_CLI_H */
