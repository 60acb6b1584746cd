/*
 * cmd_plugins.c - `quire plugins list` and `quire plugins info`: what an admin
 * runs to see which plugins are loaded and how to configure them.
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "kernel.h"

/* ============================== list ====================================== */

static void print_list(const kernel *k)
{
    int w_name = 4, w_kind = 4, w_version = 7, w_abi = 3, w_path = 4;
    plugin_row row;

    for (size_t i = 0; i < k->nplugins; i++) {
        plugin_row_fill(k->plugins[i], &row);
#define WIDEN(w, s) if ((int)strlen(s) > (w)) (w) = (int)strlen(s)
        WIDEN(w_name, row.name);
        WIDEN(w_kind, row.kind);
        WIDEN(w_version, row.version);
        WIDEN(w_abi, row.abi);
        WIDEN(w_path, row.path);
#undef WIDEN
    }
    printf("%-*s  %-*s  %-*s  %-*s  %-*s  %s\n", w_name, "NAME", w_kind, "KIND", w_version,
           "VERSION", w_abi, "ABI", w_path, "PATH", "STATE");
    for (size_t i = 0; i < k->nplugins; i++) {
        plugin_row_fill(k->plugins[i], &row);
        printf("%-*s  %-*s  %-*s  %-*s  %-*s  %s\n", w_name, row.name, w_kind, row.kind,
               w_version, row.version, w_abi, row.abi, w_path, row.path, row.state);
    }
}

static int plugins_list(const cli_opts *opts)
{
    kernel *k = NULL;
    int code;

    if (opts->nargs > 1) {
        fprintf(stderr, "quire: plugins list takes no arguments\n");
        return QUIRE_EXIT_USAGE;
    }
    code = cli_open_kernel(opts, 1, &k);
    if (k != NULL)
        print_list(k);
    kernel_close(k);
    return code;
}

/* ============================== info ====================================== */

static void print_key(const plugin_rec *rec, const quire_config_key *key)
{
    printf("  %s (%s", key->name, conf_type_name(key->type));
    if (key->type == QUIRE_CONF_ENUM && key->choices)
        printf(": %s", key->choices);
    if (key->flags & QUIRE_CONF_REQUIRED)
        printf(", required");
    else if (key->default_value)
        printf(", default %s%s%s", key->default_value[0] ? "" : "\"",
               key->default_value[0] ? key->default_value : "",
               key->default_value[0] ? "" : "\"");
    if (key->min || key->max)
        printf(", %s..%s", key->min ? key->min : "", key->max ? key->max : "");
    printf(")\n");
    if (key->help)
        printf("      %s\n", key->help);
    if (rec->config != NULL) {
        int is_set = 0;
        const conf_value *v = config_value(rec->config, key->name, &is_set);
        if (v == NULL)
            printf("      value: unset\n");
        else if (key->flags & QUIRE_CONF_SECRET)
            printf("      value: (secret) (%s)\n", config_origin(rec->config, key->name));
        else if (v->text[0] == '\0')
            printf("      value: \"\" (%s)\n", config_origin(rec->config, key->name));
        else
            printf("      value: %s (%s)\n", v->text, config_origin(rec->config, key->name));
    }
}

static void print_info(const kernel *k, const plugin_rec *rec)
{
    int known = rec->label != NULL; /* descriptor accepted */
    plugin_row row;
    int any = 0;

    plugin_row_fill(rec, &row);
    printf("name:        %s\n", row.name);
    printf("kind:        %s\n", row.kind);
    printf("version:     %s\n", row.version);
    printf("ABI:         %s\n", row.abi);
    /* A refused descriptor is not trusted for anything, not even display:
     * the same plugin must look the same with the probe on or off. */
    printf("license:     %s\n", known && rec->desc.license ? rec->desc.license : "-");
    printf("author:      %s\n", known && rec->desc.author ? rec->desc.author : "-");
    printf("path:        %s\n", row.path);
    printf("state:       %s\n", row.state);
    if (rec->error)
        printf("error:       %s\n", rec->error);
    printf("description: %s\n",
           known && rec->desc.description ? rec->desc.description : "-");
    if (known && rec->desc.kind == QUIRE_KIND_TRANSPORT && rec->ops.transport.scheme)
        printf("scheme:      %s\n", rec->ops.transport.scheme);
    for (size_t i = 0; i < k->nformats; i++) {
        const format_rec *f = &k->formats[i];
        if (f->owner != rec)
            continue;
        printf("%s %s (.%s, %s)%s%s\n", any++ ? "            " : "formats:    ", f->name,
               f->extension, f->mime_type[0] ? f->mime_type : "-",
               f->description[0] ? ": " : "", f->description);
    }
    any = 0;
    for (size_t i = 0; i < k->nchart_types; i++) {
        const chart_type_rec *c = &k->chart_types[i];
        if (c->owner != rec)
            continue;
        printf("%s %s%s%s\n", any++ ? "            " : "chart types:", c->name,
               c->description[0] ? ": " : "", c->description);
    }
    if (rec->label)
        printf("section:     [%s]\n", rec->label);
    if (rec->nkeys == 0) {
        printf("config keys: none\n");
        return;
    }
    printf("config keys:\n");
    for (size_t i = 0; i < rec->nkeys; i++)
        print_key(rec, &rec->schema[i]);
}

static int plugins_info(const cli_opts *opts)
{
    const char *want = opts->nargs > 1 ? opts->args[1] : NULL;
    const plugin_rec *found = NULL;
    kernel *k = NULL;
    int code, matches = 0;

    if (want == NULL || opts->nargs > 2) {
        fprintf(stderr, "usage: quire plugins info NAME|PATH [-c CONF]\n");
        return QUIRE_EXIT_USAGE;
    }
    if (strchr(want, '/') != NULL) {
        /* The admin named a file: open just that one, outside the allow-list. */
        plugin_rec *rec = NULL;
        diag d = {0};
        code = cli_open_kernel(opts, 0, &k);
        if (k == NULL)
            return code;
        if (kernel_load_path(k, want, &rec, &d) != QUIRE_OK)
            code = QUIRE_EXIT_PLUGIN;
        diag_print(&d, stderr);
        diag_clear(&d);
        if (rec != NULL && rec->label != NULL)
            print_info(k, rec);
        kernel_close(k);
        return code;
    }
    code = cli_open_kernel(opts, 1, &k);
    if (k == NULL)
        return code;
    /* NAME, or KIND.NAME when two kinds share a name. */
    for (size_t i = 0; i < k->nplugins; i++) {
        const plugin_rec *rec = k->plugins[i];
        if ((rec->label && (strcmp(rec->desc.name, want) == 0 || strcmp(rec->label, want) == 0)) ||
            (!rec->label && strcmp(rec->file_stem, want) == 0)) {
            if (matches++ > 0)
                printf("\n");
            print_info(k, rec);
            found = rec;
        }
    }
    if (found == NULL) {
        fprintf(stderr, "quire: no plugin called '%s' (see quire plugins list)\n", want);
        if (code == QUIRE_EXIT_OK)
            code = QUIRE_EXIT_PLUGIN;
    }
    kernel_close(k);
    return code;
}

/* ============================== Dispatch ================================== */

int cmd_plugins(int argc, char **argv)
{
    cli_opts opts;
    int code = cli_parse(argc, argv, &opts);

    if (code != QUIRE_EXIT_OK)
        return code;
    if (opts.nargs == 0) {
        cmd_help("plugins", stderr);
        return QUIRE_EXIT_USAGE;
    }
    if (strcmp(opts.args[0], "list") == 0)
        return plugins_list(&opts);
    if (strcmp(opts.args[0], "info") == 0)
        return plugins_info(&opts);
    fprintf(stderr, "quire: unknown plugins command '%s' (list, info)\n", opts.args[0]);
    return QUIRE_EXIT_USAGE;
}
