/*
 * help.c - the text of `quire help` and of each command's usage. Kept apart
 * from main.c so every command (and the unit tests) can link it.
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "kernel.h"

static const char usage_text[] =
    "usage: quire <command> [options]\n"
    "\n"
    "commands:\n"
    "  plugins list [-c CONF]        list plugins: name, kind, version, ABI, path, state\n"
    "  plugins info NAME|PATH [-c CONF]\n"
    "                                a plugin's description and configuration keys\n"
    "  config check [-c CONF]        validate the configuration and every plugin\n"
    "  data preview SOURCE [KEY=VALUE...] [-c CONF] [--rows N]\n"
    "                                a source's schema and first N rows (default 20)\n"
    "  render REPORT [--data NAME=PATH]... [--param NAME=VALUE]... --format FMT [-o OUT|-]\n"
    "                                run a report definition and write FMT (csv, json, ...)\n"
    "  check REPORT [--data NAME=PATH]... [--param NAME=VALUE]...\n"
    "                                validate a definition against its data's schema\n"
    "  fmt FILE|- [-w] [--check]     print a definition in canonical form\n"
    "  serve [-c CONF] [--listen HOST:PORT]\n"
    "                                run a server node: REST API, jobs, events\n"
    "  help [COMMAND]                this text, or a command's\n"
    "  --version                     kernel and plugin ABI versions\n"
    "\n"
    "The configuration is CONF, else $QUIRE_CONF, else " QUIRE_DEFAULT_CONF " if it exists.\n"
    "Exit codes: 0 ok, 1 failure, 2 usage, 3 configuration refused, 4 plugin refused,\n"
    "5 input refused. See quire(1).\n";

static const char plugins_help[] =
    "usage: quire plugins list [-c CONF]\n"
    "       quire plugins info NAME|PATH [-c CONF]\n"
    "\n"
    "list: one line per plugin in plugin_dir: NAME KIND VERSION ABI PATH STATE.\n"
    "  STATE is ready (initialised), failed (refused: see the errors printed\n"
    "  before the list), disabled (in plugin_dir but not in the allow-list;\n"
    "  never opened) or loaded (accepted, but not initialised because strict\n"
    "  mode stopped on another plugin's error).\n"
    "info: the plugin's description, what it registered, and every configuration\n"
    "  key with its type, default, bounds, current value and help. NAME is a\n"
    "  loaded plugin's name; a PATH (containing '/') opens that file directly.\n";

static const char config_help[] =
    "usage: quire config check [-c CONF]\n"
    "\n"
    "Validates the whole configuration: the [kernel] section, every allow-listed\n"
    "plugin, each plugin's section against its schema, and sections nobody uses.\n"
    "Every problem is printed, one line each. Exits 0 only if there is none,\n"
    "in lenient mode too (3: configuration problems, 4: plugin problems).\n"
    "Every plugin is probed, even one the probe cache would spare, and the\n"
    "cache is updated (plugin_probe_cache in docs/configuration.md).\n";

static const char data_help[] =
    "usage: quire data preview SOURCE [KEY=VALUE...] [-c CONF] [--rows N]\n"
    "\n"
    "Opens the source plugin SOURCE (e.g. csv) with the options KEY=VALUE, as a\n"
    "report's source block would, and prints its schema (name:type) and its first\n"
    "N rows (default 20; --rows 0 prints all), tab-separated, NULL as \\N.\n"
    "Example: quire data preview csv path=sales.csv types=\"amount:decimal(2)\"\n";

static const char render_help[] =
    "usage: quire render REPORT [--data NAME=PATH]... [--param NAME=VALUE]...\n"
    "                    [--format FMT] [-o OUT|-] [--pages N[-M]] [--workers N] [--quiet]\n"
    "                    [--stats] [-c CONF]\n"
    "\n"
    "Runs the report definition REPORT (a .quire file, see docs/report-language.md)\n"
    "and writes it in format FMT to OUT (\"-\": standard output; default: the\n"
    "report's name with the format's extension). Without --format the format\n"
    "comes from OUT's extension: pdf, html, svg, png (laid out in pages) or csv,\n"
    "json (the data).\n"
    "  --data NAME=PATH    read source NAME from PATH instead of the file the\n"
    "                      definition names (relative to the working directory)\n"
    "  --param NAME=VALUE  set a parameter (text converted to its type)\n"
    "  --pages N[-M]       page formats: send only pages N to M to the renderer (the\n"
    "                      whole report is still laid out, so Page X of Y stays right)\n"
    "  --workers N         threads reading partitions of the source (default: the\n"
    "                      [kernel] workers key; 0 = one per CPU)\n"
    "  --quiet             no progress line (it only shows on a terminal anyway)\n"
    "  --stats             print rows read, kept and skipped, groups and timings\n"
    "A failed or cancelled render (Ctrl-C) leaves no partial output.\n";

static const char serve_help[] =
    "usage: quire serve [-c CONF] [--listen HOST:PORT|[V6]:PORT|unix:PATH]\n"
    "\n"
    "Runs one node of the render service: the REST API (docs/api.md) on the\n"
    "[server] transport, render jobs shared with every node of the same Redis,\n"
    "progress events over Server-Sent Events and WebSocket. Without a\n"
    "[server] redis_url the node starts a private redis-server and stops it on\n"
    "exit. SIGTERM or SIGINT drain (running jobs finish, up to drain_timeout)\n"
    "and stop; SIGHUP reloads the configuration, keeping the old one if the new\n"
    "one is refused.\n";

static const char check_help[] =
    "usage: quire check REPORT [--data NAME=PATH]... [--param NAME=VALUE]... [-c CONF]\n"
    "\n"
    "Checks everything render checks before reading rows: syntax, blocks and\n"
    "attributes, names, the source's schema (the source is opened), the type of\n"
    "every expression and the parameters. Prints \"REPORT: ok: ...\" or every\n"
    "problem as FILE:LINE:COL: error: MESSAGE with the line; exits 0 or 5.\n";

static const char fmt_help[] =
    "usage: quire fmt FILE|- [-w] [--check]\n"
    "\n"
    "Prints the definition in canonical form (comments kept). -w rewrites FILE\n"
    "in place; --check prints nothing and exits 1 when FILE is not canonical.\n";

int cmd_help(const char *topic, FILE *out)
{
    if (topic == NULL) {
        fputs(usage_text, out);
    } else if (strcmp(topic, "plugins") == 0) {
        fputs(plugins_help, out);
    } else if (strcmp(topic, "config") == 0) {
        fputs(config_help, out);
    } else if (strcmp(topic, "data") == 0) {
        fputs(data_help, out);
    } else if (strcmp(topic, "render") == 0) {
        fputs(render_help, out);
    } else if (strcmp(topic, "serve") == 0) {
        fputs(serve_help, out);
    } else if (strcmp(topic, "check") == 0) {
        fputs(check_help, out);
    } else if (strcmp(topic, "fmt") == 0) {
        fputs(fmt_help, out);
    } else {
        fprintf(stderr,
                "quire: no help for '%s' (topics: plugins, config, data, render, check, fmt, serve)\n",
                topic);
        return QUIRE_EXIT_USAGE;
    }
    return QUIRE_EXIT_OK;
}
