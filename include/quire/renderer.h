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
#include "types.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Format flags. */
/* PER_PAGE: one file per page; for output_path "out/r.svg" page 3 is
 * "out/r-page-3.svg" (the kernel passes the base path, the renderer derives). */
#define QUIRE_FORMAT_PER_PAGE (1u << 0)
#define QUIRE_FORMAT_BINARY (1u << 1)   /* output is not text */
/* DATA (1.1): a data export. The renderer is fed band instances (band())
 * instead of pages, like JasperReports' data exporters: no layout, page
 * furniture (page and column headers and footers, background) dropped. */
#define QUIRE_FORMAT_DATA (1u << 2)
/* LATE (1.3): a page format whose renderer can paint a page before all of
 * its text is known, and fill the gaps afterwards (PDF: a content stream of
 * its own per gap, written later). The kernel then sends every page as soon
 * as it is laid out, with a QUIRE_EL_SLOT element (quire/print.h) for each
 * delayed value, and the slot's elements through slot() once the value is
 * known; no page waits, so "Page X of Y" costs no memory. Without the flag,
 * pages wait for their delayed values (kept in memory up to page_memory,
 * then in a temporary file) and arrive complete. A plugin that registers a
 * LATE format must have a slot op. */
#define QUIRE_FORMAT_LATE (1u << 3)

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

/* ============================== Band instances (1.1) ===================== */

/* One typed value (the scalar form of a quire_column cell, quire/types.h). */
typedef struct quire_value {
    uint32_t type;  /* QUIRE_TYPE_* */
    int32_t scale;  /* DECIMAL */
    uint32_t null;  /* 1: NULL */
    union {
        int64_t i64; /* BOOL, INT, DECIMAL (scaled), DATE, TIMESTAMP */
        double f64;  /* FLOAT */
        quire_str str;
    } v;
} quire_value;

/* One element of a band instance that carries data: a field (its value and
 * its text formatted with the element's pattern and the report's locale), or
 * a static text (value is a STRING equal to text). */
typedef struct quire_band_value {
    const char *name;  /* the element's name: the column name in exports */
    quire_value value;
    quire_str text;    /* as a visual renderer would print it */
    uint32_t is_static; /* 1: a static text element */
} quire_band_value;

/*
 * One band as filled for the data: a title, a group header for one group
 * value, a detail for one row, ... Instances arrive in report order; a
 * group's header, its details and nested groups, then its footer. A value
 * whose scope ends later (a group total shown in the group's header) is
 * already final: the kernel holds instances back until it is known.
 */
typedef struct quire_band_instance {
    uint32_t size;        /* sizeof(quire_band_instance) as the kernel knows it */
    uint32_t band;        /* QUIRE_BAND_* (quire/print.h) */
    uint32_t group_level; /* GROUP_HEADER/FOOTER: 1 = outermost; details: the
                             number of groups (their nesting depth); else 0 */
    const char *group;    /* GROUP_HEADER/FOOTER: the group's name, else NULL */
    quire_value group_value; /* GROUP_HEADER/FOOTER: the group's key */
    int64_t row;          /* DETAIL: 1-based ordinal of the row, else 0 */
    size_t nvalues;
    const quire_band_value *values; /* in the order the elements are written */
} quire_band_instance;

/* The document being rendered. Valid until end() or abort(). */
typedef struct quire_document {
    uint32_t size;           /* sizeof(quire_document) as the kernel knows it */
    const char *format;      /* one of the plugin's registered format names */
    const char *output_path; /* where to write; per-page formats derive names */
    const char *title;
    const char *author;
    const char *locale;      /* BCP 47: "en-US", "ar-EG" */
    uint32_t rtl;            /* 1: right-to-left document */

    /* 1.1: for DATA formats. The names of the named data elements of every
     * band that is not page furniture, each once, in the order first
     * written: the columns of a tabular export. */
    const char *const *data_columns;
    size_t ndata_columns;
    const char *report_name; /* the definition's file name without extension */

    /* 1.2: for page formats. Every font text elements may name (indexed by
     * quire_element.u.text.font) and every image (u.image.image); load
     * them lazily or up front. */
    const quire_font *fonts;
    size_t nfonts;
    const quire_image *images;
    size_t nimages;
    const char *subject;  /* report metadata, or NULL */
    const char *keywords; /* or NULL */
    const char *creator;  /* "quire 0.4.0" */
    double page_width, page_height; /* of the report's pages, in points */
    /* PER_PAGE formats: the page numbers that will be sent when known
     * (a --pages selection), else 0 and 0. A per-page renderer writes
     * output_path itself when exactly one page arrives, and
     * NAME-page-N.EXT for each page otherwise. */
    uint32_t first_page, last_page;
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

    /* 1.1, DATA formats: one band instance, valid only during the call. */
    int (*band)(void *instance, const quire_band_instance *band, quire_error *err);

    /* 1.3, LATE formats: the elements of slot `id`, which page number
     * `page` carried as a QUIRE_EL_SLOT element, in that page's
     * coordinates, to be painted where the slot stands. Called exactly
     * once for every slot of every page sent, after that page's page()
     * call and before end(), on the same thread as page(); slots of
     * different pages may come in any order. nelements may be 0 (the value
     * prints nothing). The elements are valid only during the call. */
    int (*slot)(void *instance, uint32_t page, uint32_t id, const quire_element *elements,
                size_t nelements, quire_error *err);
} quire_renderer_ops;

#define QUIRE_RENDERER_OPS_MIN_SIZE (offsetof(quire_renderer_ops, abort) + sizeof(void (*)(void)))

#ifdef __cplusplus
}
#endif

#endif /* QUIRE_RENDERER_H */
