/*
 * kernel_conf.c - the [kernel] section's schema (see kernel_conf.h and
 * docs/configuration.md, which lists these keys; keep both in step).
 */
#include "kernel_conf.h"

#include "kernel.h"

static const quire_config_key kernel_keys[] = {
    {.name = "plugin_dir", .type = QUIRE_CONF_PATH, .default_value = QUIRE_DEFAULT_PLUGIN_DIR,
     .help = "Directory plugins are loaded from; no plugin is loaded from anywhere else."},
    {.name = "plugins", .type = QUIRE_CONF_LIST, .default_value = "*",
     .help = "Allow-list: plugin file names in plugin_dir, without .so; * loads every .so there."},
    {.name = "strict", .type = QUIRE_CONF_BOOL, .default_value = "yes",
     .help = "yes: any plugin error stops quire; no: log it and go on without that plugin."},
    {.name = "plugin_probe", .type = QUIRE_CONF_BOOL, .default_value = "yes",
     .help = "Load each plugin in a child process first, so one that crashes or hangs "
             "while loading is reported instead of stopping quire."},
    {.name = "plugin_load_timeout", .type = QUIRE_CONF_DURATION, .default_value = "10s",
     .min = "100ms", .max = "10m", .help = "How long a plugin may take to load in the probe."},
    {.name = "log_level", .type = QUIRE_CONF_ENUM, .default_value = "info",
     .choices = "error|warn|info|debug", .help = "Least severe level that is logged."},
    {.name = "workers", .type = QUIRE_CONF_INT, .default_value = "0", .min = "0", .max = "256",
     .help = "Render worker threads; 0 means one per CPU."},
    {.name = "report_dirs", .type = QUIRE_CONF_LIST, .default_value = ".",
     .help = "Directories searched for report definitions, relative to this file."},
    {.name = "listen", .type = QUIRE_CONF_STRING, .default_value = "127.0.0.1:8080",
     .help = "Address `quire serve` listens on: HOST:PORT or unix:PATH."},
    {.name = "redis_url", .type = QUIRE_CONF_STRING, .default_value = "",
     .help = "Shared Redis (redis://host:port/db or unix:path); empty starts a private one."},
    {.name = "temp_dir", .type = QUIRE_CONF_PATH, .default_value = "/tmp",
     .help = "Directory for sort spill files and partial outputs."},
    {.name = "sort_memory", .type = QUIRE_CONF_SIZE, .default_value = "256mb", .min = "1mb",
     .help = "Memory a sort may use before it spills sorted runs to temp_dir."},
    {.name = "font_dir", .type = QUIRE_CONF_PATH,
     .default_value = "/usr/share/fonts/truetype/dejavu",
     .help = "Directory the font files in `fonts` are relative to."},
    {.name = "fonts", .type = QUIRE_CONF_LIST,
     .default_value = "DejaVuSans.ttf DejaVuSans-Bold.ttf DejaVuSans-Oblique.ttf "
                      "DejaVuSans-BoldOblique.ttf DejaVuSerif.ttf DejaVuSerif-Bold.ttf "
                      "DejaVuSerif-Italic.ttf DejaVuSerif-BoldItalic.ttf DejaVuSansMono.ttf "
                      "DejaVuSansMono-Bold.ttf DejaVuSansMono-Oblique.ttf "
                      "DejaVuSansMono-BoldOblique.ttf",
     .help = "TrueType files reports may use; each is known by the family and style its "
             "own name table gives (\"DejaVu Sans\" bold)."},
    {.name = "font_default", .type = QUIRE_CONF_STRING, .default_value = "DejaVu Sans",
     .help = "Family of text whose style names no font."},
    {.name = "page_memory", .type = QUIRE_CONF_SIZE, .default_value = "16mb", .min = "1mb",
     .help = "Memory for filled pages waiting for a value (Page X of Y, a total in a "
             "title) before they are written to temp_dir."},
    {.name = "default_chart_provider", .type = QUIRE_CONF_STRING, .default_value = "standard",
     .help = "Chart provider used when a chart does not name one."},
    {0},
};

const quire_config_key *kernel_schema(void) { return kernel_keys; }

size_t kernel_schema_count(void) { return QUIRE_ARRAY_LEN(kernel_keys) - 1; }
