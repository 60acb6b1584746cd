/*
 * data.c - the data renderer plugin (QUIRE_KIND_RENDERER, "data"): the
 * formats csv and json, both QUIRE_FORMAT_DATA. Like JasperReports' data
 * exporters they take the report as a stream of band instances, with no
 * layout and no page furniture, and write only the named data values.
 *
 * A document: begin() opens the output (support_out.c: a temporary file next
 * to the destination, or standard output for "-") and starts the format
 * (data_csv.c writes the header row, data_json.c opens the root object);
 * band() writes one instance; end() finishes the format and renames the
 * temporary file over the destination; abort(), or an end() that fails,
 * removes it. Memory per document is bounded by the columns and the group
 * depth, never by the number of rows.
 */
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "data.h"

/* ============================== Configuration ============================= */

/* [renderer.data] */
static const quire_config_key data_config[] = {
    {.name = "csv_delimiter",
     .type = QUIRE_CONF_STRING,
     .default_value = ",",
     .help = "csv: the field delimiter, one ASCII character other than '\"' (or tab)."},
    {.name = "csv_header",
     .type = QUIRE_CONF_BOOL,
     .default_value = "true",
     .help = "csv: start with a row of the column names."},
    {.name = "csv_formatted",
     .type = QUIRE_CONF_BOOL,
     .default_value = "false",
     .help = "csv: write values as the report prints them (patterns, locale) instead of "
             "in machine form."},
    {.name = "csv_line_ending",
     .type = QUIRE_CONF_ENUM,
     .default_value = "lf",
     .choices = "lf|crlf",
     .help = "csv: end rows with LF or with CRLF."},
    {.name = "json_indent",
     .type = QUIRE_CONF_INT,
     .default_value = "2",
     .min = "0",
     .max = "8",
     .help = "json: spaces per nesting level; 0 writes the document on one line."},
    {0},
};

static const quire_format csv_format = {
    .size = sizeof(quire_format),
    .name = "csv",
    .extension = "csv",
    .mime_type = "text/csv",
    .description = "the report's data values, one CSV row per band (RFC 4180)",
    .flags = QUIRE_FORMAT_DATA,
};

static const quire_format json_format = {
    .size = sizeof(quire_format),
    .name = "json",
    .extension = "json",
    .mime_type = "application/json",
    .description = "the report's data values as one JSON document shaped like the report",
    .flags = QUIRE_FORMAT_DATA,
};

/* ============================== State ===================================== */

/* Shared by every document; read-only after init(). */
typedef struct data_plugin {
    const quire_host *host;
    data_settings settings;
} data_plugin;

/* One document being rendered; used by one render worker at a time. */
typedef struct data_doc {
    const data_plugin *plugin;
    const char *format; /* "csv" or "json" (static) */
    support_out *out;
    data_csv *csv;
    data_json *json;
} data_doc;

/* ============================== Band instances ============================ */

int data_value_is_data(const quire_band_value *value)
{
    return value->name != NULL && value->name[0] != '\0' && !value->is_static;
}

int data_band_skipped(uint32_t band)
{
    switch (band) {
    case QUIRE_BAND_TITLE:
    case QUIRE_BAND_GROUP_HEADER:
    case QUIRE_BAND_DETAIL:
    case QUIRE_BAND_GROUP_FOOTER:
    case QUIRE_BAND_SUMMARY:
    case QUIRE_BAND_NO_DATA: return 0;
    }
    return 1; /* page furniture, or a kind added after ABI 1.1 */
}

const char *data_band_name(uint32_t band)
{
    switch (band) {
    case QUIRE_BAND_TITLE: return "title";
    case QUIRE_BAND_GROUP_HEADER: return "group header";
    case QUIRE_BAND_DETAIL: return "detail";
    case QUIRE_BAND_GROUP_FOOTER: return "group footer";
    case QUIRE_BAND_SUMMARY: return "summary";
    case QUIRE_BAND_NO_DATA: return "no data";
    }
    return "unknown";
}

int data_value_error(const quire_host *host, quire_error *err, const char *band_name,
                     const char *name, const quire_value *value)
{
    if (value->type == QUIRE_TYPE_DECIMAL)
        host->error_set(err, QUIRE_E_INVALID,
                        "%s band value '%s': decimal scale %d is out of range (%d..%d)", band_name,
                        name, (int)value->scale, -DATA_MAX_SCALE, DATA_MAX_SCALE);
    else if (value->type == QUIRE_TYPE_DATE)
        host->error_set(err, QUIRE_E_INVALID,
                        "%s band value '%s': date %lld days from 1970-01-01 is out of range",
                        band_name, name, (long long)value->v.i64);
    else
        host->error_set(err, QUIRE_E_INTERNAL, "%s band value '%s': unknown type %u", band_name,
                        name, (unsigned)value->type);
    return QUIRE_ERR;
}

/* ============================== Column map ================================ */

/* Open addressing over a power-of-two table at most half full. */
struct data_columns {
    const quire_host *host;
    const char *const *names;
    size_t mask;
    size_t *slots; /* column index + 1; 0 = empty */
};

static size_t name_hash(const char *s)
{
    uint64_t h = UINT64_C(14695981039346656037); /* FNV-1a */

    for (; *s != '\0'; s++) {
        h ^= (unsigned char)*s;
        h *= UINT64_C(1099511628211);
    }
    return (size_t)h;
}

data_columns *data_columns_new(const quire_host *host, const char *const *names, size_t count)
{
    data_columns *map = host->calloc(1, sizeof(*map));
    size_t cap = 8;

    if (map == NULL)
        return NULL;
    while (cap / 2 < count) {
        if (cap > SIZE_MAX / 4)
            goto fail_free_map;
        cap *= 2;
    }
    map->host = host;
    map->names = names;
    map->mask = cap - 1;
    map->slots = host->calloc(cap, sizeof(*map->slots));
    if (map->slots == NULL)
        goto fail_free_map;
    for (size_t i = 0; i < count; i++) {
        size_t at;
        if (names[i] == NULL || data_columns_find(map, names[i]) >= 0)
            continue; /* a repeated name keeps its first column */
        at = name_hash(names[i]) & map->mask;
        while (map->slots[at] != 0)
            at = (at + 1) & map->mask;
        map->slots[at] = i + 1;
    }
    return map;

fail_free_map:
    host->free(map);
    return NULL;
}

ptrdiff_t data_columns_find(const data_columns *map, const char *name)
{
    size_t at = name_hash(name) & map->mask;

    while (map->slots[at] != 0) {
        size_t index = map->slots[at] - 1;
        if (strcmp(map->names[index], name) == 0)
            return (ptrdiff_t)index;
        at = (at + 1) & map->mask;
    }
    return -1;
}

void data_columns_free(data_columns *map)
{
    if (map == NULL)
        return;
    map->host->free(map->slots);
    map->host->free(map);
}

/* ============================== Lifecycle hooks =========================== */

/* The one-character delimiter from csv_delimiter, or -1 if it is not one:
 * a quote would make cells ambiguous, CR and LF end rows. */
static int parse_delimiter(const char *text)
{
    if (text == NULL)
        return -1;
    if (strcmp(text, "tab") == 0 || strcmp(text, "\t") == 0)
        return '\t';
    if (strlen(text) != 1 || text[0] < 0x20 || text[0] > 0x7e || text[0] == '"')
        return -1;
    return text[0];
}

/* init: main thread. Registers both formats and reads the settings. */
static int data_init(const quire_host *host, quire_plugin *self, const quire_config *config,
                     void **state, quire_error *err)
{
    data_plugin *p;
    int delimiter;
    mode_t mask;

    /* register_format fills `err` itself; the kernel withdraws a format
     * already registered if init fails later. */
    if (host->register_format(self, &csv_format, err) != QUIRE_OK ||
        host->register_format(self, &json_format, err) != QUIRE_OK)
        return QUIRE_ERR;
    delimiter = parse_delimiter(host->config_string(config, "csv_delimiter"));
    if (delimiter < 0) {
        const char *origin = host->config_origin(config, "csv_delimiter");
        const char *text = host->config_string(config, "csv_delimiter");
        host->error_set(err, QUIRE_E_CONFIG,
                        "%s: [renderer.data] csv_delimiter: '%.40s' is not one ASCII character "
                        "other than '\"' (write e.g. ; or | or tab)",
                        origin ? origin : "default", text ? text : "");
        return QUIRE_ERR;
    }
    p = host->calloc(1, sizeof(*p));
    if (p == NULL) {
        host->error_set(err, QUIRE_E_NOMEM, "out of memory");
        return QUIRE_ERR;
    }
    p->host = host;
    p->settings.delimiter = (char)delimiter;
    p->settings.header = host->config_bool(config, "csv_header");
    p->settings.formatted = host->config_bool(config, "csv_formatted");
    p->settings.crlf = strcmp(host->config_string(config, "csv_line_ending"), "crlf") == 0;
    p->settings.indent = (int)host->config_int(config, "json_indent");
    /* Output files get the mode a plain open() would give them. umask can
     * only be read by setting it: do it here, on the main thread, before
     * any render worker runs. */
    mask = umask(022);
    umask(mask);
    p->settings.file_mode = 0666 & ~mask;
    *state = p;
    return QUIRE_OK;
}

/* destroy: main thread, last hook. */
static void data_destroy(void *state)
{
    data_plugin *p = state;

    if (p != NULL)
        p->host->free(p);
}

/* ============================== Renderer ops ============================== */

/* Releases a document; on `failed` the output is discarded. */
static void doc_free(data_doc *d, int failed)
{
    const quire_host *host = d->plugin->host;

    data_csv_free(d->csv);
    data_json_free(d->json);
    if (failed)
        support_out_discard(d->out);
    host->free(d);
}

/* begin: render worker. Opens the output and starts the format. */
static int data_begin(void *state, const quire_document *doc, void **instance, quire_error *err)
{
    const data_plugin *p = state;
    const quire_host *host = p->host;
    quire_document view = {0};
    data_doc *d;

    if (doc->format == NULL ||
        (strcmp(doc->format, "csv") != 0 && strcmp(doc->format, "json") != 0)) {
        host->error_set(err, QUIRE_E_INTERNAL,
                        "format '%s' is not written by this plugin (csv, json)",
                        doc->format ? doc->format : "(null)");
        return QUIRE_ERR;
    }
    if (doc->output_path == NULL || doc->output_path[0] == '\0') {
        host->error_set(err, QUIRE_E_INTERNAL, "format '%s': no output path", doc->format);
        return QUIRE_ERR;
    }
    /* Read only the fields this kernel's document has (ABI 1.0 documents
     * end before data_columns: no columns, no report name). */
    memcpy(&view, doc, doc->size < sizeof(view) ? doc->size : sizeof(view));
    if (view.ndata_columns > 0 && view.data_columns == NULL)
        view.ndata_columns = 0;
    d = host->calloc(1, sizeof(*d));
    if (d == NULL) {
        host->error_set(err, QUIRE_E_NOMEM, "out of memory");
        return QUIRE_ERR;
    }
    d->plugin = p;
    d->format = strcmp(doc->format, "csv") == 0 ? "csv" : "json";
    d->out = support_out_open(host, doc->output_path, p->settings.file_mode, err);
    if (d->out == NULL)
        goto fail_free_doc;
    if (d->format[0] == 'c')
        d->csv = data_csv_new(host, &p->settings, &view, d->out, err);
    else
        d->json = data_json_new(host, &p->settings, &view, d->out, err);
    if (d->csv == NULL && d->json == NULL)
        goto fail_free_doc;
    *instance = d;
    return QUIRE_OK;

fail_free_doc:
    doc_free(d, 1);
    return QUIRE_ERR;
}

/* page: never called for a data format; say so if it is. */
static int data_page(void *instance, const quire_page *page, quire_error *err)
{
    const data_doc *d = instance;

    (void)page;
    d->plugin->host->error_set(err, QUIRE_E_INTERNAL,
                               "format '%s' is a data format and takes band instances, not pages",
                               d->format);
    return QUIRE_ERR;
}

/* band: render worker. One instance, valid only during the call. */
static int data_band(void *instance, const quire_band_instance *band, quire_error *err)
{
    data_doc *d = instance;
    const quire_host *host = d->plugin->host;
    size_t min = offsetof(quire_band_instance, values) + sizeof(band->values);

    if (band == NULL || band->size < min) {
        host->error_set(err, QUIRE_E_ABI, "band instance size %u, at least %zu required",
                        band ? (unsigned)band->size : 0u, min);
        return QUIRE_ERR;
    }
    if (band->nvalues > 0 && band->values == NULL) {
        host->error_set(err, QUIRE_E_INTERNAL, "%s band: %zu values but no array",
                        data_band_name(band->band), band->nvalues);
        return QUIRE_ERR;
    }
    if (data_band_skipped(band->band))
        return QUIRE_OK;
    if (d->csv != NULL)
        return data_csv_band(d->csv, band, err);
    return data_json_band(d->json, band, err);
}

/* end: render worker. Finishes the format and commits the output; on any
 * failure the temporary file is removed. Releases the instance. */
static int data_end(void *instance, quire_error *err)
{
    data_doc *d = instance;
    int rc = QUIRE_OK;

    if (d->json != NULL)
        rc = data_json_end(d->json, err);
    if (rc != QUIRE_OK) {
        doc_free(d, 1);
        return QUIRE_ERR;
    }
    rc = support_out_commit(d->out, err); /* frees the output either way */
    d->out = NULL;
    doc_free(d, 0);
    return rc;
}

/* abort: render worker, instead of end(). */
static void data_abort(void *instance)
{
    doc_free(instance, 1);
}

/* ============================== Descriptor ================================ */

static const quire_renderer_ops data_ops = {
    .size = sizeof(quire_renderer_ops),
    .begin = data_begin,
    .page = data_page,
    .end = data_end,
    .abort = data_abort,
    .band = data_band,
};

static const quire_plugin_desc data_desc = {
    QUIRE_PLUGIN_HEADER(QUIRE_KIND_RENDERER),
    .name = "data",
    .version = "1.0.0",
    .license = "MIT",
    .author = "The quire authors",
    .description = "Data exports csv and json: the report's values without layout",
    .config = data_config,
    .init = data_init,
    .destroy = data_destroy,
    .ops = &data_ops,
    .ops_size = sizeof(data_ops),
};

QUIRE_PLUGIN_DEFINE(data_desc)
