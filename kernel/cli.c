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

/* ============================== Report options ============================ */

static const char *const report_options[] = {"--data",    "--param",  "--format", "-f",
                                             "-o",        "--output", "--quiet",  "-q",
                                             "--workers", "--stats",  "--pages"};

/* The option name of `a` ("--data" for "--data=x=y"), or NULL. */
static const char *report_option_name(const char *a)
{
    for (size_t i = 0; i < sizeof(report_options) / sizeof(report_options[0]); i++) {
        size_t n = strlen(report_options[i]);
        if (strncmp(a, report_options[i], n) == 0 && (a[n] == '\0' || (a[n] == '=' && a[1] == '-')))
            return report_options[i];
    }
    return NULL;
}

static int is_report_option(const char *a)
{
    return report_option_name(a) != NULL;
}

/* Reads one report option at argv[*i] (advancing *i past its value). */
static int report_option(int argc, char **argv, int *i, cli_opts *opts)
{
    const char *a = argv[*i];
    const char *name = report_option_name(a);
    size_t n = strlen(name);
    const char *value = NULL;
    int at = *i;

    if (!strcmp(name, "--quiet") || !strcmp(name, "-q") || !strcmp(name, "--stats")) {
        if (a[n] == '=') {
            fprintf(stderr, "quire: %s takes no value\n", name);
            return QUIRE_EXIT_USAGE;
        }
        if (name[2] == 's')
            opts->stats = 1;
        else
            opts->quiet = 1;
        return QUIRE_EXIT_OK;
    }
    if (a[n] == '=')
        value = a + n + 1;
    else if (*i + 1 < argc)
        value = argv[++*i];
    if (value == NULL || value[0] == '\0') {
        fprintf(stderr, "quire: %s needs a value\n", name);
        return QUIRE_EXIT_USAGE;
    }
    if (!strcmp(name, "--data") || !strcmp(name, "--param")) {
        int is_data = name[2] == 'd';
        const char *eq = strchr(value, '=');
        int *count = is_data ? &opts->ndata : &opts->nparams;
        if (eq == NULL || eq == value) {
            fprintf(stderr, "quire: %s '%s' is not NAME=%s\n", name, value,
                    is_data ? "PATH" : "VALUE");
            return QUIRE_EXIT_USAGE;
        }
        if (*count == CLI_MAX_ARGS) {
            fprintf(stderr, "quire: too many %s options\n", name);
            return QUIRE_EXIT_USAGE;
        }
        (is_data ? opts->data : opts->params)[*count] = value;
        (is_data ? opts->data_argi : opts->params_argi)[*count] = at;
        (*count)++;
    } else if (!strcmp(name, "--format") || !strcmp(name, "-f")) {
        opts->format = value;
    } else if (!strcmp(name, "-o") || !strcmp(name, "--output")) {
        opts->output = value;
    } else if (!strcmp(name, "--workers")) {
        char *end;
        long w = strtol(value, &end, 10);
        if (*end != '\0' || w < 0 || w > 256) {
            fprintf(stderr, "quire: --workers needs a whole number from 0 to 256\n");
            return QUIRE_EXIT_USAGE;
        }
        opts->workers = (int)w;
    } else if (!strcmp(name, "--pages")) {
        char *end;
        unsigned long first = strtoul(value, &end, 10), last = first;
        if (*end == '-')
            last = strtoul(end + 1, &end, 10);
        if (*end != '\0' || value[0] < '1' || value[0] > '9' || first == 0 || last < first ||
            last > 1000000000UL) {
            fprintf(stderr, "quire: --pages '%s' is not N or N-M with 1 <= N <= M\n", value);
            return QUIRE_EXIT_USAGE;
        }
        opts->first_page = (uint32_t)first;
        opts->last_page = (uint32_t)last;
    }
    return QUIRE_EXIT_OK;
}

int cli_only(const cli_opts *opts, const char *cmd, unsigned allowed)
{
    unsigned extra = opts->given & ~allowed;
    if (extra == 0)
        return QUIRE_EXIT_OK;
    fprintf(stderr, "quire: %s does not take %s\n", cmd,
            (extra & CLI_OPT_ROWS)
                ? "--rows"
                : "--data, --param, --format, -o, --quiet, --workers, --stats or --pages");
    return QUIRE_EXIT_USAGE;
}

int cli_parse(int argc, char **argv, cli_opts *opts)
{
    memset(opts, 0, sizeof(*opts));
    opts->rows = -1;
    opts->workers = -1;
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
            opts->given |= CLI_OPT_ROWS;
        } else if (is_report_option(a)) {
            int rc = report_option(argc, argv, &i, opts);
            if (rc != QUIRE_EXIT_OK)
                return rc;
            opts->given |= CLI_OPT_REPORT;
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
