/*
 * serve_reload.c - SIGHUP and POST /v1/admin/reload: the configuration file
 * is read and validated as a start would validate it ([kernel], [server],
 * every plugin and its section, the tokens); when it is refused the node
 * keeps the one it runs with. What can change under a running node changes
 * at once (tokens, log_level, sync_timeout); every other changed key is
 * logged as taking effect after a restart, since sockets, Redis, the job
 * engine and loaded plugins are not rebuilt under running work.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kernel.h"
#include "kernel_conf.h"
#include "serve.h"

/* Logs every key of a section whose value changed and that only takes
 * effect after a restart (all but the `live` ones). */
static void note_restart_keys(server *srv, const quire_config *old_c, const quire_config *new_c,
                              const char *section, const quire_config_key *keys,
                              const char *const *live)
{
    for (const quire_config_key *key = keys; key->name != NULL; key++) {
        const conf_value *a = config_value(old_c, key->name, NULL);
        const conf_value *b = config_value(new_c, key->name, NULL);
        const char *ta = a && a->text ? a->text : "";
        const char *tb = b && b->text ? b->text : "";
        int is_live = 0;
        for (const char *const *l = live; *l != NULL; l++)
            is_live |= strcmp(*l, key->name) == 0;
        if (!is_live && strcmp(ta, tb) != 0)
            serve_log(srv, QUIRE_LOG_WARN,
                      "serve: reload: [%s] %s changed; it takes effect after a restart", section,
                      key->name);
    }
}

int serve_reload(server *srv, char *err, size_t errlen)
{
    kernel *nk = NULL;
    diag d;
    int code = 0;
    auth_table *auth;
    char why[1024];
    static const char *const live_server[] = {"tokens", "sync_timeout", NULL};
    static const char *const live_kernel[] = {"log_level", NULL};

    diag_init(&d);
    /* The whole configuration is validated as a start would: [kernel],
     * [server], every plugin and its section. */
    if (kernel_open(srv->k->conf_path, &nk, &d) != QUIRE_OK ||
        kernel_load_plugins(nk, &d, &code) != QUIRE_OK || nk->problem_exit != QUIRE_EXIT_OK) {
        char *text = diag_to_string(&d);
        snprintf(err, errlen, "%s", text ? text : "the configuration was refused");
        free(text);
        diag_clear(&d);
        kernel_close(nk);
        return -1;
    }
    diag_clear(&d);
    auth = auth_load(nk->sconf, srv->listen, why, sizeof(why));
    if (auth == NULL) {
        snprintf(err, errlen, "%s", why);
        kernel_close(nk);
        return -1;
    }
    note_restart_keys(srv, srv->k->sconf, nk->sconf, "server", server_schema(), live_server);
    note_restart_keys(srv, srv->k->kconf, nk->kconf, "kernel", kernel_schema(), live_kernel);
    /* What changes live: tokens, the log level and the synchronous limits. */
    auth_free(srv->auth);
    srv->auth = auth;
    srv->log_level = nk->log_level;
    srv->sync_timeout_ms = config_get_int(nk->sconf, "sync_timeout");
    serve_log(srv, QUIRE_LOG_INFO, "serve: configuration reloaded from %s (%zu tokens)",
              srv->k->conf_path ? srv->k->conf_path : "(defaults)", auth_count(auth));
    kernel_close(nk);
    return 0;
}
