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
    {.name = "plugin_probe_cache", .type = QUIRE_CONF_STRING, .default_value = "auto",
     .help = "File of the plugin files whose probe passed, so an unchanged one is not probed "
             "again: an absolute path; auto: $XDG_CACHE_HOME/quire/plugin-probes, else "
             "$HOME/.cache/quire/plugin-probes; off or empty: no cache."},
    {.name = "log_level", .type = QUIRE_CONF_ENUM, .default_value = "info",
     .choices = "error|warn|info|debug", .help = "Least severe level that is logged."},
    {.name = "workers", .type = QUIRE_CONF_INT, .default_value = "0", .min = "0", .max = "256",
     .help = "Render worker threads; 0 means one per CPU."},
    {.name = "report_dirs", .type = QUIRE_CONF_LIST, .default_value = ".",
     .help = "Directories searched for report definitions, relative to this file."},
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

/* [server]: what `quire serve` reads. Every key has a default, so a node
 * starts with no [server] section at all (a private redis-server, anonymous
 * access from loopback only). */
static const quire_config_key server_keys[] = {
    {.name = "listen", .type = QUIRE_CONF_STRING, .default_value = "127.0.0.1:8080",
     .help = "Address `quire serve` listens on: HOST:PORT, [V6]:PORT or unix:PATH."},
    {.name = "transport", .type = QUIRE_CONF_STRING, .default_value = "http",
     .help = "Transport plugin that serves the API."},
    {.name = "node_id", .type = QUIRE_CONF_STRING, .default_value = "",
     .help = "This node's name in the cluster; empty: HOSTNAME-PID."},
    {.name = "redis_url", .type = QUIRE_CONF_STRING, .flags = QUIRE_CONF_SECRET,
     .default_value = "",
     .help = "Shared Redis (redis://[:password@]host:port[/db] or unix:PATH); empty starts a "
             "private redis-server."},
    {.name = "redis_dir", .type = QUIRE_CONF_PATH, .default_value = NULL,
     .help = "Data directory of the private redis-server; empty: "
             "TEMP_DIR/quire-redis-PORT."},
    {.name = "redis_server", .type = QUIRE_CONF_STRING, .default_value = "redis-server",
     .help = "The redis-server program started when redis_url is empty."},
    {.name = "redis_prefix", .type = QUIRE_CONF_STRING, .default_value = "quire",
     .help = "Prefix of every Redis key quire writes."},
    {.name = "redis_connect_timeout", .type = QUIRE_CONF_DURATION, .default_value = "2s",
     .min = "10ms", .max = "1m", .help = "How long a connect to Redis may take."},
    {.name = "redis_command_timeout", .type = QUIRE_CONF_DURATION, .default_value = "5s",
     .min = "10ms", .max = "5m",
     .help = "A Redis command unanswered this long drops the connection (it is re-opened)."},
    {.name = "job_slots", .type = QUIRE_CONF_INT, .default_value = "0", .min = "0", .max = "256",
     .help = "Jobs this node renders at once; 0 means one per CPU."},
    {.name = "reclaim_idle", .type = QUIRE_CONF_DURATION, .default_value = "30s",
     .min = "300ms", .max = "1d",
     .help = "A job whose node has not shown life for this long is taken over by another node."},
    {.name = "sweep_interval", .type = QUIRE_CONF_DURATION, .default_value = "1s",
     .min = "50ms", .max = "1h", .help = "How often a node looks for jobs of dead nodes."},
    {.name = "max_attempts", .type = QUIRE_CONF_INT, .default_value = "3", .min = "1",
     .max = "100", .help = "Attempts before a failing job goes to the dead-letter stream."},
    {.name = "output_max_redis", .type = QUIRE_CONF_SIZE, .default_value = "8mb", .min = "1kb",
     .max = "512mb", .help = "Outputs up to this size are stored in Redis."},
    {.name = "output_dir", .type = QUIRE_CONF_PATH, .default_value = NULL,
     .help = "Shared directory for larger outputs (every node must see the same one)."},
    {.name = "result_ttl", .type = QUIRE_CONF_DURATION, .default_value = "7d", .min = "1s",
     .max = "3650d",
     .help = "How long a finished job, its events and its output are kept."},
    {.name = "progress_interval", .type = QUIRE_CONF_DURATION, .default_value = "250ms",
     .min = "10ms", .max = "1m", .help = "Longest time between two progress events of a job."},
    {.name = "sync_timeout", .type = QUIRE_CONF_DURATION, .default_value = "30s",
     .min = "100ms", .max = "1h",
     .help = "A synchronous render taking longer is cancelled with 504 (use a job)."},
    {.name = "drain_timeout", .type = QUIRE_CONF_DURATION, .default_value = "30s", .min = "0",
     .max = "1h",
     .help = "On SIGTERM, how long running jobs may finish before they are left to other "
             "nodes."},
    {.name = "session_ttl", .type = QUIRE_CONF_DURATION, .default_value = "1h", .min = "1s",
     .help = "A session not used for this long is forgotten."},
    {.name = "tokens", .type = QUIRE_CONF_LIST, .flags = QUIRE_CONF_SECRET, .default_value = "",
     .help = "Bearer tokens as NAME:ROLE:TOKEN (roles admin, editor, viewer); empty: "
             "anonymous admin access, allowed only on a loopback address."},
    {0},
};

const quire_config_key *kernel_schema(void) { return kernel_keys; }

const quire_config_key *server_schema(void) { return server_keys; }

size_t server_schema_count(void) { return QUIRE_ARRAY_LEN(server_keys) - 1; }

size_t kernel_schema_count(void) { return QUIRE_ARRAY_LEN(kernel_keys) - 1; }
