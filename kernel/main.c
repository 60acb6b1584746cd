/*
 * main.c - the `quire` command: dispatches to a subcommand.
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "commands_lang.h"
#include "kernel.h"
#include "serve.h"

int main(int argc, char **argv)
{
    const char *cmd = argc > 1 ? argv[1] : NULL;

    if (cmd == NULL) {
        cmd_help(NULL, stderr);
        return QUIRE_EXIT_USAGE;
    }
    if (strcmp(cmd, "--version") == 0 || strcmp(cmd, "-V") == 0 || strcmp(cmd, "version") == 0) {
        printf("quire %s (plugin ABI %d.%d)\n", QUIRE_VERSION, QUIRE_ABI_MAJOR, QUIRE_ABI_MINOR);
        return QUIRE_EXIT_OK;
    }
    if (strcmp(cmd, "help") == 0 || strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0) {
        return cmd_help(argc > 2 ? argv[2] : NULL, stdout);
    }
    if (strcmp(cmd, "plugins") == 0)
        return cmd_plugins(argc - 2, argv + 2);
    if (strcmp(cmd, "config") == 0)
        return cmd_config(argc - 2, argv + 2);
    if (strcmp(cmd, "data") == 0)
        return cmd_data(argc - 2, argv + 2);
    if (strcmp(cmd, "render") == 0)
        return cmd_render(argc - 1, argv + 1);
    if (strcmp(cmd, "check") == 0)
        return cmd_check(argc - 1, argv + 1);
    if (strcmp(cmd, "serve") == 0)
        return cmd_serve(argc - 2, argv + 2);
    if (strcmp(cmd, "fmt") == 0)
        return cmd_fmt(argc - 1, argv + 1);
    fprintf(stderr, "quire: unknown command '%s' (see quire help)\n", cmd);
    return QUIRE_EXIT_USAGE;
}
