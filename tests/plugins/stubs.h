/*
 * stubs.h - what the purpose-built test plugins in this directory share, so
 * that each .c holds only what makes it distinct (the broken field, its
 * schema, its init).
 *
 * Most test plugins exist to provoke one load error (or, for the good_*
 * ones, to load and register something). The kernel still wants an ops
 * table of their kind, but what the ops do never matters to the tests. This
 * header has one such table per kind, full size, every required op set to a
 * function that does nothing and succeeds:
 *
 *   stub_source_ops     open (the instance is the state), schema (no
 *                       columns), next (no rows, QUIRE_DONE), close
 *   stub_renderer_ops   begin (the instance is the state), page, end, abort
 *   stub_chart_ops      draw
 *   stub_transport_ops  listen; scheme STUB_TRANSPORT_SCHEME, "stub" unless
 *                       the plugin defines it before including this file
 *
 * It also has a state for plugins whose destroy() the tests watch
 * (stub_state_new() in init, stub_state_destroy as .destroy: it logs
 * "destroyed" and frees), and two descriptor macros for the charts built
 * only to be refused (STUB_DESC_HEADER, STUB_REFUSED_CHART).
 *
 * Each test plugin is built alone from its single .c (tests/plugins/X.c ->
 * $(BUILD)/tests/plugins/X.so), so everything here is static: every .so gets
 * its own copy. Everything is also marked unused, so a plugin that takes one
 * table builds under -Wall -Wextra -Werror without warnings about the rest.
 *
 * Plugins whose point is an ops layout (small_ops.c, null_op.c, no_ops.c,
 * old_minor.c) keep their own tables; they may reuse the functions.
 *
 * The Makefile rule for a test plugin depends only on its .c and on the
 * headers in include/quire/: after editing this header (or env_clash_a.c or
 * dup_a.c, which env_clash_b.c and dup_b.c include), remove
 * $(BUILD)/tests/plugins so that every plugin is rebuilt.
 */
#ifndef QUIRE_TEST_PLUGIN_STUBS_H
#define QUIRE_TEST_PLUGIN_STUBS_H

#include <quire/quire.h>

#define STUB_UNUSED __attribute__((unused))

/* ---- source --------------------------------------------------------- */

STUB_UNUSED static int stub_source_open(void *state, const quire_source_args *args,
                                        void **instance, quire_error *err)
{
    (void)args;
    (void)err;
    *instance = state;
    return QUIRE_OK;
}

STUB_UNUSED static int stub_source_schema(void *instance, const quire_column_info **columns,
                                          size_t *ncolumns, quire_error *err)
{
    (void)instance;
    (void)err;
    *columns = NULL;
    *ncolumns = 0;
    return QUIRE_OK;
}

STUB_UNUSED static int stub_source_next(void *instance, quire_batch *batch, quire_error *err)
{
    (void)instance;
    (void)err;
    batch->rows = 0;
    return QUIRE_DONE;
}

STUB_UNUSED static void stub_source_close(void *instance)
{
    (void)instance;
}

STUB_UNUSED static const quire_source_ops stub_source_ops = {
    .size = sizeof(quire_source_ops),
    .open = stub_source_open,
    .schema = stub_source_schema,
    .next = stub_source_next,
    .close = stub_source_close,
};

/* ---- renderer ------------------------------------------------------- */

STUB_UNUSED static int stub_renderer_begin(void *state, const quire_document *doc,
                                           void **instance, quire_error *err)
{
    (void)doc;
    (void)err;
    *instance = state;
    return QUIRE_OK;
}

STUB_UNUSED static int stub_renderer_page(void *instance, const quire_page *page,
                                          quire_error *err)
{
    (void)instance;
    (void)page;
    (void)err;
    return QUIRE_OK;
}

STUB_UNUSED static int stub_renderer_end(void *instance, quire_error *err)
{
    (void)instance;
    (void)err;
    return QUIRE_OK;
}

STUB_UNUSED static void stub_renderer_abort(void *instance)
{
    (void)instance;
}

STUB_UNUSED static const quire_renderer_ops stub_renderer_ops = {
    .size = sizeof(quire_renderer_ops),
    .begin = stub_renderer_begin,
    .page = stub_renderer_page,
    .end = stub_renderer_end,
    .abort = stub_renderer_abort,
};

/* ---- chart ---------------------------------------------------------- */

STUB_UNUSED static int stub_chart_draw(void *state, const quire_chart_request *req,
                                       const quire_canvas_api *draw, quire_canvas *canvas,
                                       quire_error *err)
{
    (void)state;
    (void)req;
    (void)draw;
    (void)canvas;
    (void)err;
    return QUIRE_OK;
}

STUB_UNUSED static const quire_chart_ops stub_chart_ops = {
    .size = sizeof(quire_chart_ops),
    .draw = stub_chart_draw,
};

/* ---- transport ------------------------------------------------------ */

#ifndef STUB_TRANSPORT_SCHEME
#define STUB_TRANSPORT_SCHEME "stub"
#endif

STUB_UNUSED static int stub_transport_listen(void *state, const char *address, quire_error *err)
{
    (void)state;
    (void)address;
    (void)err;
    return QUIRE_OK;
}

STUB_UNUSED static const quire_transport_ops stub_transport_ops = {
    .size = sizeof(quire_transport_ops),
    .scheme = STUB_TRANSPORT_SCHEME,
    .listen = stub_transport_listen,
};

/* ---- state that logs its destruction -------------------------------- */

/* The state of the good_* plugins: just enough for destroy() to log
 * "destroyed", so the tests can see the lifecycle hooks run. */
typedef struct stub_state {
    const quire_host *host;
    quire_plugin *self;
} stub_state;

/* For init(): a new stub_state, or NULL with err set. */
STUB_UNUSED static stub_state *stub_state_new(const quire_host *host, quire_plugin *self,
                                              quire_error *err)
{
    stub_state *st = host->calloc(1, sizeof(*st));

    if (st == NULL) {
        host->error_set(err, QUIRE_E_NOMEM, "out of memory");
        return NULL;
    }
    st->host = host;
    st->self = self;
    return st;
}

/* For .destroy: logs "destroyed" and frees the stub_state. */
STUB_UNUSED static void stub_state_destroy(void *state)
{
    stub_state *st = state;

    st->host->log(st->self, QUIRE_LOG_INFO, "destroyed");
    st->host->free(st);
}

/* ---- descriptors of charts built to be refused ---------------------- */

/* The fixed header, as QUIRE_PLUGIN_HEADER writes it but with the fields the
 * loader checks first as arguments, so that a plugin can get exactly one of
 * them wrong in plain sight. */
#define STUB_DESC_HEADER(magic_, abi_major_, abi_minor_, kind_)                                    \
    .magic = (magic_), .abi_major = (abi_major_), .abi_minor = (abi_minor_),                       \
    .size = sizeof(quire_plugin_desc), .kind = (kind_), .config_key_size = sizeof(quire_config_key)

/* The rest of the descriptor of a chart whose only purpose is to be refused
 * (abi_major.c, bad_magic.c, bad_name.c, ...): all that differs is the name. */
#define STUB_REFUSED_CHART(name_)                                                                  \
    .name = (name_), .version = "1.0.0", .license = "MIT", .description = "Broken on purpose",    \
    .ops = &stub_chart_ops, .ops_size = sizeof(stub_chart_ops)

#endif /* QUIRE_TEST_PLUGIN_STUBS_H */
