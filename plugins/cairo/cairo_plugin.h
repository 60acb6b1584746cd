/*
 * cairo_plugin.h - internal interfaces of the cairo renderer plugin
 * (formats svg and png, one file per page), shared by its files:
 *
 *   cairo.c        the plugin: descriptor, config schema, renderer ops,
 *                  one page surface per page
 *   cairo_out.c    where pages go: a temporary file per page, renamed to
 *                  NAME-page-N.EXT (or to the output path itself for a
 *                  one-page document) by end(); standard output
 *   cairo_draw.c   painting the print-model elements of one page
 *   cairo_font.c   the document's fonts: one FreeType library per
 *                  document, faces opened lazily, cairo font faces
 *   cairo_image.c  the document's images decoded once (PNG by cairo,
 *                  JPEG by libjpeg) and cached
 *
 * The header is not called cairo.h: that name is the library's. Every
 * name here starts with qcairo_ for the same reason (cairo_ is the
 * library's namespace). Nothing here is part of the plugin ABI.
 */
#ifndef QUIRE_CAIRO_PLUGIN_H
#define QUIRE_CAIRO_PLUGIN_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <cairo.h>

#include <quire/types.h> /* before renderer.h, which uses quire_str without it */
#include <quire/renderer.h>

/* cairo's image surfaces are at most this many pixels on a side. */
#define QCAIRO_MAX_SIDE 32767
/* A PNG page, or a decoded image, holds at most this many pixels (4 bytes
 * each): an admin's dpi or a report's image cannot ask for gigabytes. */
#define QCAIRO_MAX_PIXELS (100u * 1000u * 1000u)

/* ============================== Settings (cairo.c) ======================== */

/* The admin's [renderer.cairo] section, read once by init(). */
typedef struct qcairo_settings {
    double dpi;           /* png: pixels per inch, 18..600 */
    double background[4]; /* png: r, g, b, a in 0..1; a = 0: transparent */
    mode_t file_mode;     /* 0666 less the process umask, for output files */
} qcairo_settings;

/* ============================== Output (cairo_out.c) ====================== */

/* Where one document's pages go. The first failure is kept. */
typedef struct qcairo_out qcairo_out;

/*
 * Prepares the output of a document for `path` in format `format` (whose
 * file extension is `extension`): "-" is standard output, an existing path
 * that is not a regular file (a device, a FIFO) is written in place; both
 * take one page. Any other path gets one temporary file per page next to
 * it; the first one is created now, so a path that cannot be written
 * fails here ("cannot create 'PATH': REASON"). `pages_expected` is the
 * number of pages the kernel will send when it knows it, else 0.
 * Returns the output (the caller owns it: qcairo_out_commit() or
 * qcairo_out_discard()) or NULL with *err set.
 */
qcairo_out *qcairo_out_open(const quire_host *host, const char *path, const char *format,
                            const char *extension, mode_t mode, uint32_t pages_expected,
                            quire_error *err);

/*
 * Starts page `number` (pages come in increasing order). Fails for the
 * second page of a standard output or device ("format svg writes one file
 * per page; '-o -' takes a one-page document (use --pages N)"), for a
 * number not above the previous one, or when no temporary file can be
 * created. Bytes then go through qcairo_out_write until
 * qcairo_out_end_page.
 */
int qcairo_out_begin_page(qcairo_out *out, uint32_t number, quire_error *err);

/* A cairo_write_func_t: appends bytes to the current page. On failure it
 * returns CAIRO_STATUS_WRITE_ERROR and keeps the reason for
 * qcairo_out_end_page. `closure` is the qcairo_out. */
cairo_status_t qcairo_out_write(void *closure, const unsigned char *data, unsigned int length);

/* Finishes the current page: flushes and closes its file. Returns QUIRE_OK,
 * or QUIRE_ERR with *err set ("cannot write page 2 of 'out/r.svg': No
 * space left on device") for this or any earlier write failure. */
int qcairo_out_end_page(qcairo_out *out, quire_error *err);

/* The error of the current page's writes, if one failed ("cannot write
 * ..."), for a caller whose cairo call reported CAIRO_STATUS_WRITE_ERROR.
 * Returns QUIRE_ERR with *err set, or QUIRE_OK if nothing failed. */
int qcairo_out_failure(const qcairo_out *out, quire_error *err);

/*
 * Puts every page in its place: a single page becomes the output path
 * itself, several become NAME-page-N.EXT ("out/r.svg" page 3:
 * "out/r-page-3.svg"); standard output and devices get their one page
 * written now. Frees `out` in every case; on failure nothing of this
 * document is left behind (files already renamed are removed).
 */
int qcairo_out_commit(qcairo_out *out, quire_error *err);

/* Removes every file of this document and frees `out`. NULL is a no-op. */
void qcairo_out_discard(qcairo_out *out);

/* ============================== Fonts (cairo_font.c) ====================== */

/* The fonts of one document. Used by one render worker at a time. */
typedef struct qcairo_fonts qcairo_fonts;

/* Prepares the document's `nfonts` fonts (nothing is opened yet). The
 * array must stay valid until qcairo_fonts_free. Returns NULL with *err
 * set when memory or FreeType cannot be had. Caller owns the result. */
qcairo_fonts *qcairo_fonts_new(const quire_host *host, const quire_font *fonts, size_t nfonts,
                               quire_error *err);

/* The cairo font face of font `index`, opened on first use. Borrowed: it
 * lives until qcairo_fonts_free. NULL with *err set when the index is out
 * of range or the file cannot be read ("cannot open font 'PATH': No such
 * file or directory"). */
cairo_font_face_t *qcairo_fonts_face(qcairo_fonts *fonts, uint32_t index, quire_error *err);

/* Releases the document's references. The FreeType faces live on while
 * cairo's font caches still hold them, and are closed by cairo. NULL is a
 * no-op. */
void qcairo_fonts_free(qcairo_fonts *fonts);

/* ============================== Images (cairo_image.c) ==================== */

/* The images of one document, each decoded at most once. */
typedef struct qcairo_images qcairo_images;

/* Prepares the document's `nimages` images (nothing is decoded yet). For
 * `for_svg`, a JPEG is not decoded: it is embedded as it is, through an
 * empty surface of its size carrying the file as CAIRO_MIME_TYPE_JPEG,
 * and a PNG carries its own file the same way. `self` is for warnings
 * (libjpeg's "corrupt data" messages). The images must stay valid until
 * qcairo_images_free. Returns NULL with *err set on memory failure. */
qcairo_images *qcairo_images_new(const quire_host *host, quire_plugin *self,
                                 const quire_image *images, size_t nimages, int for_svg,
                                 quire_error *err);

/* The surface of image `index`, decoded on first use. Borrowed: it lives
 * until qcairo_images_free. NULL with *err set when the index is out of
 * range or the image cannot be decoded ("cannot decode image
 * 'tests/data/images/photo.jpg': not a JPEG (libjpeg: ...)"). */
cairo_surface_t *qcairo_images_surface(qcairo_images *images, uint32_t index, quire_error *err);

/* Releases every decoded image. NULL is a no-op. */
void qcairo_images_free(qcairo_images *images);

/* ============================== Painting (cairo_draw.c) =================== */

/* What painting a page needs from the document. */
typedef struct qcairo_painter {
    const quire_host *host;
    qcairo_fonts *fonts;
    qcairo_images *images;
    cairo_font_options_t *font_options; /* no metric hinting, no outline hinting */
    int pad_images;                     /* png: pad image edges instead of fading them out */
} qcairo_painter;

/*
 * Paints the elements of `page` in order onto `cr`, whose user space is
 * the page's (points, origin top-left). Leaves cr's state as it found it
 * (unbalanced clips are undone). Returns QUIRE_OK, or QUIRE_ERR with *err
 * set naming the page and element ("page 1, element 4: font index 7 is
 * out of range (the document has 3 fonts)") or cairo's failure.
 */
int qcairo_draw_page(const qcairo_painter *painter, cairo_t *cr, const quire_page *page,
                     quire_error *err);

#endif /* QUIRE_CAIRO_PLUGIN_H */
