/*
 * hello_source - an example data-source plugin (QUIRE_KIND_SOURCE).
 *
 * Copy this file to start a source plugin. It shows:
 *   - the descriptor and QUIRE_PLUGIN_DEFINE, the only exported symbol;
 *   - a configuration schema with typed keys, read once in init() through
 *     the host API (the kernel has already checked types and bounds);
 *   - per-render options from the report definition, refusing unknown ones
 *     with an error that names the option's file:line:column;
 *   - the source ops: open, schema, estimate, next, close, filling columnar
 *     batches without ever writing past batch->capacity;
 *   - strings in the batch arena, the instance in host->calloc/free memory;
 *   - error reporting through host->error_set.
 *
 * It emits `rows` rows with three columns:
 *   n      INT              1, 2, 3, ...
 *   label  STRING           "<prefix> <n>", e.g. "row 7"
 *   amount DECIMAL scale 2  n * 1.25, stored exactly as n * 125
 *
 * Build it out of tree with the Makefile next to this directory; it includes
 * nothing but <quire/...> headers and links against no kernel symbol.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <quire/source.h>

/* ============================== Configuration ============================= */

/*
 * The admin writes these in a [source.hello_source] section (or sets
 * QUIRE_SOURCE_HELLO_SOURCE_ROWS=...). Defaults and bounds are text in the
 * admin's syntax, so `quire plugins info hello_source` shows them as typed.
 * The kernel refuses a value that does not parse or is out of bounds before
 * init() runs, so init() never sees rows = -1 or rows = "many".
 */
static const quire_config_key hello_source_config[] = {
    {.name = "rows", .type = QUIRE_CONF_INT, .default_value = "10", .min = "0",
     .help = "Rows each render emits, unless the report's source block sets rows."},
    {.name = "prefix", .type = QUIRE_CONF_STRING, .default_value = "row",
     .help = "Text before the row number in the label column."},
    {.name = "log_batches", .type = QUIRE_CONF_BOOL, .default_value = "no",
     .help = "yes: log one debug line per batch filled."},
    {0}, /* a NULL name ends the schema */
};

/* ============================== State ===================================== */

/* Shared by every instance. Written only in init(); read-only afterwards,
 * so concurrent instances on different render workers need no lock. */
typedef struct hello_source {
    const quire_host *host; /* valid until the process exits */
    quire_plugin *self;     /* for host->log() */
    int64_t rows;
    char *prefix;           /* our own copy, from host->strdup */
    int log_batches;
} hello_source;

/* One open source: one render. Used by one thread at a time. */
typedef struct hello_instance {
    const hello_source *src;
    int64_t total;   /* rows this instance emits */
    int64_t emitted; /* rows handed out so far */
    quire_column_info columns[3];
} hello_instance;

/* ============================== Lifecycle hooks =========================== */

/* init: main thread, once, before any op. Reads the validated config and
 * builds the shared state. On QUIRE_ERR the kernel calls no other hook. */
static int hello_init(const quire_host *host, quire_plugin *self, const quire_config *config,
                      void **state, quire_error *err)
{
    hello_source *src = host->calloc(1, sizeof(*src));

    if (src == NULL) {
        host->error_set(err, QUIRE_E_NOMEM, "out of memory");
        return QUIRE_ERR;
    }
    src->host = host;
    src->self = self;
    src->rows = host->config_int(config, "rows");
    /* Config strings live as long as the config; copying them makes the
     * state independent of it (a later reconfigure may replace it). */
    src->prefix = host->strdup(host->config_string(config, "prefix"));
    src->log_batches = host->config_bool(config, "log_batches");
    if (src->prefix == NULL) {
        host->free(src);
        host->error_set(err, QUIRE_E_NOMEM, "out of memory");
        return QUIRE_ERR;
    }
    host->log(self, QUIRE_LOG_DEBUG, "%" PRId64 " rows per render, labels '%s N'", src->rows,
              src->prefix);
    *state = src;
    return QUIRE_OK;
}

/* destroy: main thread, last hook. No op is running any more. */
static void hello_destroy(void *state)
{
    hello_source *src = state;

    if (src == NULL)
        return;
    src->host->free(src->prefix);
    src->host->free(src);
}

/* ============================== Source ops ================================ */

/* Parses a whole non-negative decimal number; 0 if `text` is not one. */
static int parse_count(const char *text, int64_t *out)
{
    int64_t v = 0;

    if (*text == '\0')
        return 0;
    for (; *text; text++) {
        if (*text < '0' || *text > '9' || v > (INT64_MAX - 9) / 10)
            return 0;
        v = v * 10 + (*text - '0');
    }
    *out = v;
    return 1;
}

/* open: render worker. Checks the report's options, allocates the instance.
 * Reads no data: the kernel may open a source just to learn its schema. */
static int hello_open(void *state, const quire_source_args *args, void **instance,
                      quire_error *err)
{
    const hello_source *src = state;
    const quire_host *host = src->host;
    hello_instance *inst;
    int64_t total = src->rows;

    /* Options come from the report definition's source block. Every error
     * names where the option was written, so the report author can fix it
     * without guessing which file or line. */
    for (size_t i = 0; i < args->noptions; i++) {
        const quire_option *o = &args->options[i];
        if (strcmp(o->key, "rows") == 0) {
            if (!parse_count(o->value, &total)) {
                host->error_set(err, QUIRE_E_INVALID,
                                "%s:%u:%u: source '%s': rows: '%s' is not a whole number >= 0",
                                o->file, (unsigned)o->line, (unsigned)o->column,
                                args->source_name, o->value);
                return QUIRE_ERR;
            }
        } else {
            host->error_set(err, QUIRE_E_INVALID,
                            "%s:%u:%u: source '%s': unknown option '%s' (hello_source knows: rows)",
                            o->file, (unsigned)o->line, (unsigned)o->column, args->source_name,
                            o->key);
            return QUIRE_ERR;
        }
    }

    inst = host->calloc(1, sizeof(*inst));
    if (inst == NULL) {
        host->error_set(err, QUIRE_E_NOMEM, "source '%s': out of memory", args->source_name);
        return QUIRE_ERR;
    }
    inst->src = src;
    inst->total = total;
    /* The column names are string literals: they outlive the instance, as
     * schema() requires. Computed names would go in args->arena. */
    inst->columns[0] = (quire_column_info){.name = "n", .type = QUIRE_TYPE_INT};
    inst->columns[1] = (quire_column_info){.name = "label", .type = QUIRE_TYPE_STRING};
    inst->columns[2] = (quire_column_info){.name = "amount", .type = QUIRE_TYPE_DECIMAL, .scale = 2};
    *instance = inst;
    return QUIRE_OK;
}

/* schema: render worker, same thread as open(). The array stays owned by
 * the instance and valid until close(). */
static int hello_schema(void *instance, const quire_column_info **columns, size_t *ncolumns,
                        quire_error *err)
{
    hello_instance *inst = instance;

    (void)err; /* cannot fail */
    *columns = inst->columns;
    *ncolumns = sizeof(inst->columns) / sizeof(inst->columns[0]);
    return QUIRE_OK;
}

/* estimate: optional (may be NULL in the ops table). Render worker. Used
 * for progress only; -1 means unknown. We know exactly. */
static int64_t hello_estimate(void *instance)
{
    const hello_instance *inst = instance;
    return inst->total;
}

/* next: render worker, same thread as open(). Fills at most
 * batch->capacity rows, sets batch->rows, and answers QUIRE_DONE on the call
 * that hands out the last row (or on the first call if there are none). */
static int hello_next(void *instance, quire_batch *batch, quire_error *err)
{
    hello_instance *inst = instance;
    const hello_source *src = inst->src;
    const quire_host *host = src->host;
    quire_column *n_col, *label_col, *amount_col;
    uint32_t filled = 0;

    /* The kernel built the batch from our schema; anything else is a bug
     * worth a clear message rather than a write out of bounds. */
    if (batch->ncolumns != 3) {
        host->error_set(err, QUIRE_E_INTERNAL, "hello_source: batch has %u columns, schema has 3",
                        (unsigned)batch->ncolumns);
        return QUIRE_ERR;
    }
    n_col = &batch->columns[0];
    label_col = &batch->columns[1];
    amount_col = &batch->columns[2];
    /* The kernel reuses one batch for every fill: it resets rows and the
     * arena but leaves first_row (the stream ordinal of row 0) to the
     * source, and does not clear old values or null flags. source_line
     * may be NULL; a source that reads lines of text would fill it. */
    batch->first_row = inst->emitted + 1;

    while (filled < batch->capacity && inst->emitted < inst->total) {
        int64_t n = inst->emitted + 1;
        char text[96];
        int len = snprintf(text, sizeof(text), "%s %" PRId64, src->prefix, n);
        char *copy;

        if (len < 0)
            len = 0;
        if ((size_t)len >= sizeof(text))
            len = (int)sizeof(text) - 1; /* a long prefix is cut, never overrun */
        /* String bytes go in the batch arena: the kernel resets it before
         * the next fill, so nothing here is ever freed by the plugin. */
        copy = host->arena_strndup(batch->arena, text, (size_t)len);
        if (copy == NULL) {
            host->error_set(err, QUIRE_E_NOMEM, "hello_source: out of memory at row %" PRId64, n);
            return QUIRE_ERR;
        }

        /* Write the null flag of every cell: nulls[i] != 0 means NULL,
         * and a flag left from the previous fill would still be there. */
        n_col->nulls[filled] = 0;
        n_col->v.i64[filled] = n;
        label_col->nulls[filled] = 0;
        label_col->v.str[filled] = (quire_str){.ptr = copy, .len = (size_t)len};
        amount_col->nulls[filled] = 0;
        amount_col->v.i64[filled] = n * 125; /* scale 2: 1.25 per row, exact */

        filled++;
        inst->emitted++;
    }
    batch->rows = filled;
    if (src->log_batches && host->log_enabled(src->self, QUIRE_LOG_DEBUG))
        host->log(src->self, QUIRE_LOG_DEBUG, "batch of %u rows, %" PRId64 " of %" PRId64,
                  (unsigned)filled, inst->emitted, inst->total);
    return inst->emitted >= inst->total ? QUIRE_DONE : QUIRE_OK;
}

/* close: render worker, exactly once per successful open(). */
static void hello_close(void *instance)
{
    hello_instance *inst = instance;
    inst->src->host->free(inst);
}

/* ============================== Descriptor ================================ */

static const quire_source_ops hello_source_ops = {
    .size = sizeof(quire_source_ops), /* lets the kernel read an older table */
    .open = hello_open,
    .schema = hello_schema,
    .estimate = hello_estimate,
    .next = hello_next,
    .close = hello_close,
};

static const quire_plugin_desc hello_source_desc = {
    QUIRE_PLUGIN_HEADER(QUIRE_KIND_SOURCE), /* magic, ABI version, sizes, kind */
    .name = "hello_source",
    .version = "0.1.0",
    .license = "MIT",
    .author = "The quire authors",
    .description = "Example source: N rows of n, label and amount",
    .config = hello_source_config,
    .init = hello_init,
    .destroy = hello_destroy, /* start/stop: NULL, nothing runs in the background */
    .ops = &hello_source_ops,
    .ops_size = sizeof(hello_source_ops),
};

QUIRE_PLUGIN_DEFINE(hello_source_desc)
