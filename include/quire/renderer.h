/*
 * quire/renderer.h - the renderer plugin kind (QUIRE_KIND_RENDERER).
 *
 * A renderer turns finished print-model pages (quire/print.h) into an output
 * format. It declares the formats it writes with quire_host.register_format()
 * from init(); a user picks a format, not a plugin (`--format pdf`).
 *
 * Threading: every op of one document instance runs on the render worker
 * that began it; different documents render concurrently.
 */
#ifndef QUIRE_RENDERER_H
#define QUIRE_RENDERER_H

#include "plugin.h"
#include "print.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Format flags. */
/* PER_PAGE: one file per page; for output_path "out/r.svg" page 3 is
 * "out/r-page-3.svg" (the kernel passes the base path, the renderer derives). */
#define QUIRE_FORMAT_PER_PAGE (1u << 0)
#define QUIRE_FORMAT_BINARY (1u << 1)   /* output is not text */

/* An output format, registered from init(). The kernel copies the struct
 * and the strings. */
struct quire_format {
    uint32_t size;           /* sizeof(quire_format) when built */
    const char *name;        /* [a-z][a-z0-9_]*: "pdf" */
    const char *extension;   /* without the dot: "pdf" */
    const char *mime_type;   /* "application/pdf" */
    const char *description; /* one line */
    uint32_t flags;          /* QUIRE_FORMAT_* */
};

/* The document being rendered. Valid until end() or abort(). */
typedef struct quire_document {
    uint32_t size;           /* sizeof(quire_document) as the kernel knows it */
    const char *format;      /* one of the plugin's registered format names */
    const char *output_path; /* where to write; per-page formats derive names */
    const char *title;
    const char *author;
    const char *locale;      /* BCP 47: "en-US", "ar-EG" */
    uint32_t rtl;            /* 1: right-to-left document */
} quire_document;

typedef struct quire_renderer_ops {
    uint32_t size; /* sizeof(quire_renderer_ops) when built */

    /* Start a document; *instance is passed to the other ops. */
    int (*begin)(void *state, const quire_document *doc, void **instance, quire_error *err);
    /* Render one page. Pages arrive in order; the page is only valid
     * during the call. */
    int (*page)(void *instance, const quire_page *page, quire_error *err);
    /* Finish and flush the output; release the instance. If it fails, the
     * renderer removes what it wrote (as abort() would) before returning. */
    int (*end)(void *instance, quire_error *err);
    /* Give up (cancel, error elsewhere): remove partial output, release
     * the instance. Called instead of end(). */
    void (*abort)(void *instance);
} quire_renderer_ops;

#define QUIRE_RENDERER_OPS_MIN_SIZE (offsetof(quire_renderer_ops, abort) + sizeof(void (*)(void)))

#ifdef __cplusplus
}
#endif

#endif /* QUIRE_RENDERER_H */
