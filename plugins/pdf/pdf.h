/*
 * pdf.h - internal interfaces of the pdf renderer plugin (format pdf, drawn
 * with libharu), shared by its files:
 *
 *   pdf.c        the plugin: descriptor, config schema, renderer ops,
 *                document metadata, outlines, libharu error handling
 *   pdf_draw.c   paints the elements of one print-model page
 *   pdf_font.c   per-document caches of embedded fonts and alpha states
 *   pdf_image.c  per-document cache of images (PNG decoded with libpng,
 *                JPEG passed through), each stored once in the file
 *   pdf_out.c    the output file: a temporary file renamed over the
 *                destination on success, or standard output
 *
 * Nothing here is part of the plugin ABI. The plugin uses only the
 * include/quire headers and the host table, plus libharu and libpng.
 */
#ifndef QUIRE_PDF_H
#define QUIRE_PDF_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <hpdf.h>

#include <quire/types.h> /* before renderer.h, which uses quire_str without it */
#include <quire/renderer.h>

/* ============================== Settings (pdf.c) ========================== */

/* The admin's [renderer.pdf] section, read once by init(). */
typedef struct pdf_settings {
    int compress;     /* compress: deflate page content, fonts and images */
    mode_t file_mode; /* 0666 less the process umask, for the output file */
} pdf_settings;

/* ============================== Output (pdf_out.c) ======================== */

typedef struct pdf_out pdf_out;

/* Opens the output for `path`: "-" is standard output; an existing path
 * that is not a regular file (a device, a FIFO) is written in place; any
 * other path gets a temporary file "PATH.tmp-XXXXXX" in the same directory,
 * created with `mode` (a symlink's target is what gets replaced). Returns a
 * new output, owned by the caller until pdf_out_commit() or
 * pdf_out_discard(), or NULL with *err set ("cannot create 'PATH': REASON"). */
pdf_out *pdf_out_open(const quire_host *host, const char *path, mode_t mode, quire_error *err);

/* Writes len bytes (unbuffered: callers write large blocks). Returns
 * QUIRE_OK or QUIRE_ERR with *err set ("cannot write 'PATH': REASON"). */
int pdf_out_write(pdf_out *out, const void *bytes, size_t len, quire_error *err);

/* Closes the output and renames the temporary file over the destination.
 * Frees `out` whatever happens; on failure the temporary file is removed
 * and *err says why. */
int pdf_out_commit(pdf_out *out, quire_error *err);

/* Closes the output, removes the temporary file and frees `out`. NULL is
 * accepted. */
void pdf_out_discard(pdf_out *out);

/* ============================== Document (pdf.c) ========================== */

/* One document being rendered; used by one render worker at a time. Every
 * libharu object hangs off `pdf` and is freed with it. */
typedef struct pdf_doc {
    const quire_host *host;
    const pdf_settings *settings;
    quire_document doc; /* the kernel's document, fields it lacks zeroed */
    HPDF_Doc pdf;
    pdf_out *out;
    uint32_t npages;

    /* The first error libharu reported through the error handler. */
    HPDF_STATUS hpdf_error;
    HPDF_STATUS hpdf_detail;
    /* Sticky: once an op failed, the document is only good for abort(). */
    int failed;
    quire_error failure;

    /* pdf_font.c: loaded on first use, NULL until then. */
    HPDF_Font *fonts;          /* doc.nfonts */
    HPDF_ExtGState alpha[256]; /* by alpha value: CA = ca = alpha / 255 */
    /* pdf_image.c: loaded on first use, NULL until then. */
    HPDF_Image *images; /* doc.nimages */

    /* pdf.c: the outline entry last created at each level (index 0 is
     * level 1), so a level-2 anchor nests under the latest level 1. */
    HPDF_Outline *levels;
    size_t nlevels, levels_cap;

    /* Scratch, reused by every page. */
    char *text; /* NUL-terminated copies of strings for libharu */
    size_t text_cap;
    double *clips; /* pdf_draw.c: the open clip boxes, 4 doubles each */
    size_t clips_cap;
} pdf_doc;

/* If libharu reported an error, sets *err to "WHAT: REASON (libharu error
 * 0xCODE)" and returns QUIRE_ERR; else QUIRE_OK. `what` names the thing
 * being done ("font 'DejaVu Sans': '/x.ttf'", "page 3"). */
int pdf_check(pdf_doc *d, quire_error *err, const char *what);

/* Ensures d->text holds at least `len` + 1 bytes. QUIRE_OK or QUIRE_ERR
 * with *err set (out of memory). */
int pdf_text_reserve(pdf_doc *d, size_t len, quire_error *err);

/* ============================== Fonts and alpha (pdf_font.c) ============== */

/* The libharu font (UTF-8 encoding, embedded TrueType) of document font
 * `index`, loading it the first time. The font belongs to d->pdf. NULL
 * with *err set when the index is out of range or the file cannot be read
 * or embedded (the message names the file). */
HPDF_Font pdf_font(pdf_doc *d, uint32_t index, quire_error *err);

/* The extended graphics state with fill and stroke alpha `alpha`/255,
 * created the first time (it also makes the file PDF 1.4). Belongs to
 * d->pdf. NULL with *err set on failure. */
HPDF_ExtGState pdf_alpha(pdf_doc *d, uint8_t alpha, quire_error *err);

/* ============================== Images (pdf_image.c) ====================== */

/* Images larger than this many pixels are refused: a PNG is decoded into
 * memory before libharu compresses it. */
#define PDF_MAX_IMAGE_PIXELS (64u * 1024u * 1024u)

/* The image XObject of document image `index`, loaded the first time and
 * shared by every page that draws it. Belongs to d->pdf. NULL with *err set
 * when the index is out of range or the image cannot be decoded (the
 * message names the file). */
HPDF_Image pdf_image(pdf_doc *d, uint32_t index, quire_error *err);

/* ============================== Painting (pdf_draw.c) ===================== */

/* Paints the elements of `qp` onto `page` (already sized), in order. A
 * malformed element (path verbs without points, unbalanced clips, an index
 * out of range) fails with *err naming the page and the element. */
int pdf_draw_page(pdf_doc *d, HPDF_Page page, const quire_page *qp, quire_error *err);

#endif /* QUIRE_PDF_H */
