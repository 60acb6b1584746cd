/*
 * cmd_config.c - `quire config check`: validate a configuration and every
 * plugin it names, listing every problem, before an admin deploys it.
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "kernel.h"
#include "redis_conn.h"
#include "serve_auth.h"

static int config_check(const cli_opts *opts)
{
    kernel *k = NULL;
    size_t ready = 0, failed = 0, disabled = 0;
    int code;

    if (opts->nargs > 1) {
        fprintf(stderr, "quire: config check takes no arguments\n");
        return QUIRE_EXIT_USAGE;
    }
    /* Opened and loaded in two steps: in between, the probe cache is told
     * to probe every plugin, cached or not, and to record what it finds.
     * That is the admin's way to re-probe after a change the cache cannot
     * see (a library a plugin links). */
    code = cli_open_kernel(opts, 0, &k);
    if (k != NULL) {
        diag d = {0};
        k->probe_refresh = 1;
        if (kernel_load_plugins(k, &d, &code) != QUIRE_OK && code == QUIRE_EXIT_OK)
            code = QUIRE_EXIT_FAILURE;
        diag_print(&d, stderr);
        diag_clear(&d);
    }
    /* A validator fails on every error, whether or not a lenient kernel
     * would run with it. */
    if (code == QUIRE_EXIT_OK && k != NULL)
        code = k->problem_exit;
    /* [server] values whose syntax the schema cannot express: a bad token
     * entry or Redis URL would otherwise surface only at `quire serve`. */
    if (k != NULL && k->sconf != NULL) {
        char err[1024];
        const char *url = config_get_string(k->sconf, "redis_url");
        auth_table *auth = auth_load(k->sconf, config_get_string(k->sconf, "listen"), err,
                                     sizeof(err));
        if (auth == NULL) {
            fprintf(stderr, "error: %s\n", err);
            code = QUIRE_EXIT_CONFIG;
        }
        auth_free(auth);
        if (url != NULL && url[0] != '\0' && rconn_url_check(url, err, sizeof(err)) != 0) {
            fprintf(stderr, "error: [server] %s\n", err);
            code = QUIRE_EXIT_CONFIG;
        }
    }
    if (k != NULL) {
        for (size_t i = 0; i < k->nplugins; i++) {
            plugin_state s = k->plugins[i]->state;
            ready += s == PLUGIN_READY;
            failed += s == PLUGIN_FAILED;
            disabled += s == PLUGIN_DISABLED;
        }
    }
    if (k != NULL)
        printf("%s: %s: plugins: %zu ready, %zu failed, %zu disabled\n",
               opts->conf_path ? opts->conf_path : "(built-in defaults)",
               code == QUIRE_EXIT_OK ? "ok" : "refused", ready, failed, disabled);
    kernel_close(k);
    return code;
}

int cmd_config(int argc, char **argv)
{
    cli_opts opts;
    int code = cli_parse(argc, argv, &opts);

    if (code != QUIRE_EXIT_OK)
        return code;
    if (opts.nargs == 0) {
        cmd_help("config", stderr);
        return QUIRE_EXIT_USAGE;
    }
    if (strcmp(opts.args[0], "check") == 0)
        return config_check(&opts);
    fprintf(stderr, "quire: unknown config command '%s' (check)\n", opts.args[0]);
    return QUIRE_EXIT_USAGE;
}
