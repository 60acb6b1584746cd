/*
 * fill.h - the filler: turns the band instances of a run (emit.h) into
 * pages of the print model (quire/print.h) and hands finished pages to a
 * renderer, as JasperReports' filler turns a report into a JasperPrint.
 *
 * Text is measured once, here, with the TrueType files the renderers embed
 * (font.h), so every format breaks lines at the same places. Values that
 * are not known when their band is placed (a group total in its header, a
 * report total in the title, page_count(), evaluation = page) get a box of
 * the element's fixed size and are filled when their scope ends. A LATE
 * renderer (PDF) gets each page as soon as it is laid out, with a slot for
 * every value not known yet, and the slot's text when it is. For the
 * others pages wait for their placeholders and go to the renderer in order
 * as soon as they are complete; waiting pages beyond `page_memory` bytes
 * are written to a temporary file in temp_dir and read back when they can
 * go, so memory does not grow with the number of rows or pages.
 *
 * Threading: one filler belongs to one render on one thread; it draws
 * finished pages through the renderer on a second thread of its own (so
 * layout and drawing use two cores), stopped by fill_stop().
 */
#ifndef QUIRE_FILL_H
#define QUIRE_FILL_H

#include <quire/renderer.h>

#include "emit.h"
#include "font.h"
#include "plan.h"

/* Fonts and images a report uses, loaded once per render. */
typedef struct fill_resources {
    quire_font *fonts; /* every configured font (quire_document.fonts) */
    font_face **faces; /* the same order */
    size_t nfonts;
    quire_image *images; /* every image element's file, once each */
    size_t nimages;
    const report_element **image_elements; /* per image element: its element */
    uint32_t *image_index;                 /* ... and its image */
    size_t nimage_elements;
    int default_font;        /* index of the default family's regular face */
    uint8_t *ascii_complete; /* per font: 1 if it has every printable ASCII glyph */
} fill_resources;

/*
 * Loads the fonts listed by the kernel's configuration (keys font_dir,
 * fonts, font_default) and the images the report's elements name; checks
 * every font family the report's styles and elements name against them.
 * Every problem goes to `d` (an element's image or font at the element's
 * line and column; a font file at the configuration key). Returns 0 and
 * *out (fill_resources_free()), or -1.
 */
int fill_resources_load(const report *rep, const quire_config *kconf, fill_resources **out,
                        diag *d);
void fill_resources_free(fill_resources *res);

/* The font for `family` (NULL: the default) in QUIRE_FONT_* `style`: the
 * exact face, else the family's regular one, else the default family's. */
int fill_font_find(const fill_resources *res, const char *family, uint32_t style);

typedef struct fill_options {
    const char *temp_dir;           /* spill file for waiting pages */
    size_t page_memory;             /* bytes of waiting pages kept in memory */
    uint32_t first_page, last_page; /* pages sent to the renderer; 0, 0: all */
} fill_options;

typedef struct filler filler;

/* Page output: the renderer's page op and its instance, and for a LATE
 * format (quire/renderer.h) its slot op: then pages go out at once, with
 * slots for the values not known yet, and none waits. NULL slot: pages
 * wait until complete. */
typedef struct fill_output {
    int (*page)(void *instance, const quire_page *page, quire_error *err);
    void *instance;
    int (*slot)(void *instance, uint32_t page, uint32_t id, const quire_element *elements,
                size_t nelements, quire_error *err);
} fill_output;

/* A filler for plan `p`. Its emit_sink (fill_sink()) is what run_plan()
 * takes. NULL on out of memory. */
filler *fill_new(const plan *p, const fill_resources *res, const fill_options *opt,
                 fill_output out);
void fill_free(filler *f);

/* The emit_sink to give run_plan(). Its finish hook, which run_plan()
 * calls after the last band, prints the last page's footer, numbers the
 * pages and sends the ones still waiting; a render is complete when
 * run_plan() returns QUIRE_OK. */
emit_sink fill_sink(filler *f);

/* Waits for the renderer thread to finish the pages it was given and
 * stops it: call before the renderer's end() or abort(). Idempotent. */
void fill_stop(filler *f);

/* Pages filled so far and sent to the renderer; most waiting at once. */
uint32_t fill_pages(const filler *f);
uint32_t fill_pages_sent(const filler *f);
size_t fill_peak_waiting(const filler *f);
uint64_t fill_bytes_spilled(const filler *f);
/* Warnings met (glyphs a font lacks), for the command to print. */
size_t fill_nwarnings(const filler *f);
const char *fill_warning(const filler *f, size_t i);

#endif /* QUIRE_FILL_H */
