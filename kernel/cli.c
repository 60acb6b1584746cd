/*
 * cli.c - option parsing and kernel opening shared by every command.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "kernel.h"

/* Parses the N of --rows N: a whole number >= 0. */
static int parse_rows(const char *text, long long *out)
{
    char *end;

    if (text[0] < '0' || text[0] > '9')
        return -1;
    *out = strtoll(text, &end, 10);
    return *end == '\0' && *out >= 0 ? 0 : -1;
}

int cli_parse(int argc, char **argv, cli_opts *opts)
{
    memset(opts, 0, sizeof(*opts));
    opts->rows = -1;
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "-c") == 0 || strcmp(a, "--config") == 0) {
            if (i + 1 >= argc) {
                fprintf(stderr, "quire: %s needs a file name\n", a);
                return QUIRE_EXIT_USAGE;
            }
            opts->conf_path = argv[++i];
            opts->conf_explicit = 1;
        } else if (strncmp(a, "--config=", 9) == 0) {
            opts->conf_path = a + 9;
            opts->conf_explicit = 1;
        } else if (strcmp(a, "--rows") == 0 || strncmp(a, "--rows=", 7) == 0) {
            const char *n = a[6] == '=' ? a + 7 : (i + 1 < argc ? argv[++i] : NULL);
            if (n == NULL || parse_rows(n, &opts->rows) != 0) {
                fprintf(stderr, "quire: --rows needs a whole number >= 0\n");
                return QUIRE_EXIT_USAGE;
            }
        } else if (a[0] == '-' && a[1] != '\0') {
            fprintf(stderr, "quire: unknown option '%s' (see quire help)\n", a);
            return QUIRE_EXIT_USAGE;
        } else if (opts->nargs == CLI_MAX_ARGS) {
            fprintf(stderr, "quire: too many arguments\n");
            return QUIRE_EXIT_USAGE;
        } else {
            opts->args[opts->nargs++] = a;
        }
    }
    if (opts->conf_path == NULL) {
        const char *env = getenv("QUIRE_CONF");
        if (env != NULL && env[0] != '\0') {
            opts->conf_path = env;
            opts->conf_explicit = 1;
        } else if (access(QUIRE_DEFAULT_CONF, F_OK) == 0) {
            opts->conf_path = QUIRE_DEFAULT_CONF;
        }
    }
    return QUIRE_EXIT_OK;
}

int cli_open_kernel(const cli_opts *opts, int load, kernel **out)
{
    diag d = {0};
    int code = QUIRE_EXIT_OK;

    *out = NULL;
    if (kernel_open(opts->conf_path, out, &d) != QUIRE_OK) {
        code = QUIRE_EXIT_CONFIG;
        goto done;
    }
    if (load && kernel_load_plugins(*out, &d, &code) != QUIRE_OK && code == QUIRE_EXIT_OK)
        code = QUIRE_EXIT_FAILURE;
done:
    diag_print(&d, stderr);
    diag_clear(&d);
    return code;
}
