/*
 * pdf.h - internal interfaces of the pdf renderer plugin (format pdf, drawn
 * with libharu), shared by its files:
 *
 *   pdf.c         the plugin: descriptor, config schema, renderer ops,
 *                 document metadata, outlines, libharu error handling
 *   pdf_pages.c   the page objects, sharing resources and media box
 *   pdf_draw.c    paints the elements of one print-model page
 *   pdf_content.c the page's content streams: written here, not by libharu's
 *                 operator functions, then deflated into the page; a page
 *                 with slots gets one stream per slot and per stretch between
 *   pdf_slot.c    the slots of the pages sent (ABI 1.3 LATE format): which
 *                 stream each fills, and which are still empty
 *   pdf_font.c    per-document caches of embedded fonts and alpha states
 *   pdf_latin1.c  each font's one-byte variant, for text that is all
 *                 Latin-1
 *   pdf_embed.c   the fonts' streams, deflated in parallel before saving
 *   pdf_sfnt.c    the embedded font program, completed without libharu's
 *                 four-byte copying
 *   pdf_writer.c  the output written on a second thread while saving
 *   pdf_image.c   per-document cache of images (PNG decoded with libpng,
 *                 JPEG passed through), each stored once in the file
 *   pdf_spool.c   the temporary file that holds page content until the
 *                 document is saved
 *   pdf_arena.c   the memory of libharu's objects, dropped at once
 *   the output    plugins/support/support_out.c (shared): a temporary file
 *                 renamed over the destination on success, or standard output
 *
 * Nothing here is part of the plugin ABI. The plugin uses only the
 * include/quire headers and the host table, plus libharu, libpng and
 * libdeflate.
 * libharu builds the document's objects (pages, fonts, images, outlines);
 * page content streams are written by pdf_draw.c through pdf_content.c,
 * because libharu's operator functions cost far more than the drawing
 * (README.md, "Speed"), and kept in a temporary file (pdf_spool.c), not in
 * libharu's memory, until the document is saved.
 */
#ifndef QUIRE_PDF_H
#define QUIRE_PDF_H

#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/types.h>

#include <hpdf.h>
#include <libdeflate.h>

#include <quire/types.h> /* before renderer.h, which uses quire_str without it */
#include <quire/renderer.h>

#include "support_out.h"

/* ============================== Settings (pdf.c) ========================== */

/* The admin's [renderer.pdf] section, read once by init(). */
typedef struct pdf_settings {
    int compress;     /* compress: deflate page content, fonts and images */
    mode_t file_mode; /* 0666 less the process umask, for the output file */
} pdf_settings;

/* ============================== Arena (pdf_arena.c) ======================= */

/* Where libharu's memory for one document comes from. */
typedef struct pdf_arena pdf_arena;

/* A new empty arena (host memory), or NULL when out of memory. */
pdf_arena *pdf_arena_new(const quire_host *host);

/* Frees every block the arena handed out, and the arena. NULL is a no-op.
 * libharu's objects in it are gone: the caller drops its HPDF_Doc without
 * HPDF_Free (after closing what libharu holds besides memory). */
void pdf_arena_free(pdf_arena *a);

/* Makes `a` the arena of libharu's allocations on this thread, until
 * pdf_arena_leave(the returned value). Every libharu call of a document
 * must be made between the two. */
pdf_arena *pdf_arena_enter(pdf_arena *a);
void pdf_arena_leave(pdf_arena *previous);

/* libharu's allocator callbacks (HPDF_NewEx): a block of `size` bytes,
 * aligned as malloc's, from the thread's current arena (NULL when out of
 * memory or no arena is entered); and its release back to that arena. */
void *pdf_arena_alloc(HPDF_UINT size);
void pdf_arena_release(void *p);

/* ============================== Spool (pdf_spool.c) ======================= */

#define PDF_SPOOL_WINDOWS 4

/* One stretch of the file read back while saving. */
typedef struct pdf_spool_window {
    uint64_t offset;
    size_t len;
    uint64_t used; /* clock of the last use */
    unsigned char *buf;
} pdf_spool_window;

/* The document's page content, on disk until saved. */
typedef struct pdf_spool {
    const quire_host *host;
    int fd;    /* unnamed: it disappears when closed */
    char *dir; /* where it is, for messages */
    unsigned char *wbuf;
    size_t wlen;      /* bytes in wbuf, after the `flushed` in the file */
    uint64_t flushed; /* bytes in the file */
    pdf_spool_window windows[PDF_SPOOL_WINDOWS];
    uint64_t clock;
    int failed; /* sticky: the first failure, returned by every call */
    quire_error failure;
} pdf_spool;

/* Creates the unnamed file in the directory of the file `near` (a path),
 * or in $TMPDIR (else /tmp) when `near` is NULL. QUIRE_OK, or QUIRE_ERR
 * with *err set: "cannot create the temporary file in 'DIR': REASON".
 * Either way pdf_spool_close() releases what was made. */
int pdf_spool_open(pdf_spool *s, const quire_host *host, const char *near, quire_error *err);

/* Appends len bytes; *offset gets where they start. QUIRE_OK, or
 * QUIRE_ERR with *err set ("cannot write the temporary file in 'DIR':
 * REASON"), now or for every call after a failure. */
int pdf_spool_append(pdf_spool *s, const void *bytes, size_t len, uint64_t *offset,
                     quire_error *err);

/* Points *bytes at the bytes from `offset` on (*got of them, 1..len),
 * valid until the next call; the caller asks again for the rest. QUIRE_OK,
 * or QUIRE_ERR with *err set (a read error, or an offset past the end). */
int pdf_spool_view(pdf_spool *s, uint64_t offset, size_t len, const void **bytes, size_t *got,
                   quire_error *err);

/* Closes (and so removes) the file and frees the buffers. A zeroed or
 * closed spool is a no-op. */
void pdf_spool_close(pdf_spool *s);

/* ============================== Content stream (pdf_content.c) ============ */

/* The content of the page (or slot) being painted, built in memory and
 * handed to a libharu stream object when a stretch of it is done. Writers
 * reserve room first, then append with the pc_* helpers below, which do not
 * check bounds. */
typedef struct pdf_content {
    char *buf;
    size_t len, cap;
    /* The page being painted (pdf_content_begin), and where its content
     * goes: `streams` is its /Contents array once it has a slot (else
     * NULL), `target` the stream the buffer goes to next (NULL: a new one
     * is appended to the array when there is something to write). */
    HPDF_Page page;
    HPDF_Array streams;
    HPDF_Dict target;
} pdf_content;

/* A content stream object whose bytes are in the spool: the `attr` of its
 * libharu dictionary, which has no libharu stream (pdf_content_adopt). */
typedef struct pdf_stream_rec {
    struct pdf_doc *d;
    uint64_t offset;    /* in d->spool */
    uint32_t len;       /* 0: an empty stream */
    int deflated;       /* gets /Filter /FlateDecode */
    HPDF_Number length; /* the indirect /Length libharu gave a page's own
                           stream, or NULL: /Length is written directly */
} pdf_stream_rec;

/* A compressor and its output buffer (pdf_content.c), one per thread that
 * deflates content. */
typedef struct pdf_deflate {
    struct libdeflate_compressor *c; /* NULL until first used */
    unsigned char *out;
    size_t cap;
} pdf_deflate;

/* A number written by pc_num takes at most this many bytes. */
#define PC_NUM_MAX 12

/* ============================== Fonts (pdf_font.c) ======================== */

/* One document font, loaded on first use. */
typedef struct pdf_font_rec {
    HPDF_Font font;    /* NULL until loaded; belongs to the document */
    HPDF_FontDef def;  /* its TrueType definition (glyph table) */
    uint8_t *used;     /* bit per UTF-16 code: its glyph is in the subset
                          (host memory, freed with the document) */
    const char *name;  /* resource name ("F1"), set when loaded: the font
                          whose codes are UTF-16, two bytes each */
    const char *name1; /* its one-byte variant's ("F3"), whose code c is
                          U+00c (pdf_latin1.c); NULL until first used */
    int no_one_byte;   /* the font can have no variant: all its text is
                          written two bytes a glyph */
} pdf_font_rec;

/* ============================== Slots (pdf_slot.c) ======================== */

/* One slot of a page sent: a place in the page's painting order whose
 * elements come later through the slot op. */
typedef struct pdf_slot_rec {
    uint32_t id;      /* 0: a free entry of the table */
    uint32_t page;    /* the number of the page that carries it */
    double height;    /* that page's height, to turn y around */
    HPDF_Page hpage;  /* that page (its resources get the slot's fonts) */
    HPDF_Dict stream; /* its content stream, empty; NULL once filled */
} pdf_slot_rec;

/* ============================== Document (pdf.c) ========================== */

/* One document being rendered; used by one render worker at a time. Every
 * libharu object hangs off `pdf` and lives in `arena`, freed with it. */
typedef struct pdf_doc {
    const quire_host *host;
    const pdf_settings *settings;
    quire_document doc; /* the kernel's document, fields it lacks zeroed */
    HPDF_Doc pdf;
    pdf_arena *arena; /* every libharu allocation of `pdf` */
    support_out *out;
    pdf_spool spool;    /* the page content written so far */
    HPDF_Stream writer; /* pdf.c, while saving: where libharu writes */
    /* While saving: the writer thread (pdf_writer.c), or NULL when
     * libharu's bytes are written directly. */
    struct pdf_writer *async;
    uint32_t npages;

    /* The first error libharu reported through the error handler. */
    HPDF_STATUS hpdf_error;
    HPDF_STATUS hpdf_detail;
    /* Sticky: once an op failed, the document is only good for abort(). */
    int failed;
    quire_error failure;
    /* pdf.c, while saving: the first failure to write the output. */
    int save_failed;
    quire_error save_error;

    /* pdf_pages.c: the resources every page inherits from the root of the
     * page tree, their kinds' dictionaries (by pdf_resource; NULL until
     * something of the kind is loaded), and the media box there (the first
     * page's size; 0 before the first page). */
    HPDF_Dict resources;
    HPDF_Dict kinds[3];
    HPDF_REAL box_width, box_height;

    /* pdf_font.c: loaded on first use. */
    pdf_font_rec *fonts; /* doc.nfonts */
    /* pdf_latin1.c: the encoding CMap and the ToUnicode map every one-byte
     * variant shares, NULL until the first variant is made. */
    HPDF_Dict latin1_cmap;
    HPDF_Dict latin1_to_unicode;
    HPDF_ExtGState alpha[256]; /* by alpha value: CA = ca = alpha / 255 */
    /* pdf_image.c: loaded on first use, NULL until then. */
    HPDF_Image *images; /* doc.nimages */

    /* The names of the alpha states and images in the shared resources
     * (pdf_resource_name), NULL until loaded. */
    const char *alpha_names[256];
    const char **image_names; /* doc.nimages */

    /* pdf.c: the outline entry last created at each level (index 0 is
     * level 1), so a level-2 anchor nests under the latest level 1. */
    HPDF_Outline *levels;
    size_t nlevels, levels_cap;

    /* pdf_content.c: the page being painted, and the compressor shared by
     * all pages (NULL until the first compressed stream). */
    pdf_content content;
    pdf_deflate deflate;
    struct pdf_zworker *zworker; /* deflates and spools content; NULL: done
                                    on the painting thread */
    int zworker_failed;          /* it could not be started: no retry */

    /* pdf_slot.c: every slot of the pages sent, by id (open addressing,
     * `slots_cap` a power of two or 0), and how many are not filled yet. */
    pdf_slot_rec *slots;
    size_t nslots, slots_cap, slots_pending;

    /* Scratch, reused by every page. */
    char *text; /* NUL-terminated copies of outline titles for libharu */
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

/* ============================== Pages (pdf_pages.c) ======================= */

/* Adds page `number` of `width` x `height` points to the document (it
 * belongs to d->pdf), its content stream adopted (pdf_content_adopt), its
 * resources and, when it has the first page's size, its media box
 * inherited from the root of the page tree. NULL with *err set: a size
 * outside 3..14400 points ("page 3: 20000 x 200 points is outside ...") or
 * libharu's failure. */
HPDF_Page pdf_page_add(pdf_doc *d, uint32_t number, double width, double height, quire_error *err);

/* Gives the root of the page tree the resource dictionary every page
 * inherits. QUIRE_OK or QUIRE_ERR with *err set. */
int pdf_pages_init(pdf_doc *d, quire_error *err);

/* The kinds of named resources. */
typedef enum pdf_resource { PDF_RES_FONT, PDF_RES_IMAGE, PDF_RES_ALPHA } pdf_resource;

/* Enters `object` (a font, image XObject or ExtGState of d->pdf) in the
 * shared resources and returns its name there ("F1", "X2", "E1"), owned
 * by the document; call once per object. NULL with *err set on failure. */
const char *pdf_resource_name(pdf_doc *d, pdf_resource kind, void *object, quire_error *err);

/* ============================== Fonts and alpha (pdf_font.c) ============== */

/* Document font `index` (UTF-8 encoding, embedded TrueType), loading it the
 * first time. The record belongs to d; the libharu objects to d->pdf. NULL
 * with *err set when the index is out of range or the file cannot be read
 * or embedded (the message names the file). */
pdf_font_rec *pdf_font(pdf_doc *d, uint32_t index, quire_error *err);

/* "'DejaVu Sans' bold italic": how messages name document font `f`. */
void pdf_font_label(const quire_font *f, char *buf, size_t len);

/* Makes the one-byte variant of `f` (loaded) the first time it is asked
 * for: a second font over the same glyphs whose code c, one byte, shows
 * U+00c. On QUIRE_OK f->name1 is its resource name (owned by the
 * document), or NULL with f->no_one_byte set when the font cannot have one
 * (its text stays two bytes a glyph). QUIRE_ERR with *err set ("font
 * 'DejaVu Sans': one-byte variant: out of memory") on failure. */
int pdf_font_one_byte(pdf_doc *d, pdf_font_rec *f, quire_error *err);

/* Adds the glyph of UTF-16 code `code` to the font's embedded subset (the
 * slow path of pdf_glyph_use). */
void pdf_glyph_add(pdf_font_rec *f, unsigned code);

/* Makes sure the glyph of `code` is embedded: text written without
 * libharu's text functions must say which glyphs it shows. The bitmap is
 * the plugin's cache of libharu's glyph lookup, which searches the font's
 * cmap: one lookup per character and font. */
static inline void pdf_glyph_use(pdf_font_rec *f, unsigned code)
{
    if (!(f->used[code >> 3] & (1u << (code & 7))))
        pdf_glyph_add(f, code);
}

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

/* Paints the elements of `qp` onto `page` (already sized), in order, and
 * gives the page its content (pdf_content_begin .. pdf_content_end). Each
 * SLOT element ends a stretch of content and gets an empty stream of its
 * own, registered with pdf_slot_add. A malformed element (path verbs
 * without points, unbalanced clips, an index out of range, a slot id
 * already used) fails with *err naming the page and the element; the
 * document is then only good for abort(). */
int pdf_draw_page(pdf_doc *d, HPDF_Page page, const quire_page *qp, quire_error *err);

/* Paints `elements` (n of them, in the page's coordinates) into the empty
 * stream of `slot`, wrapped in q ... Q and setting every colour, alpha and
 * font it uses, so the page's content after it finds the graphics state
 * as it was. n = 0 leaves the stream empty. Errors name the page, the slot
 * and the element. */
int pdf_draw_slot(pdf_doc *d, const pdf_slot_rec *slot, const quire_element *elements, size_t n,
                  quire_error *err);

/* ============================== Content stream (pdf_content.c) ============ */

/* Makes room for `extra` more bytes in d->content. QUIRE_OK, or QUIRE_ERR
 * with *err set (out of memory). */
int pdf_content_reserve(pdf_doc *d, size_t extra, quire_error *err);

/* Makes the stream dictionary `dict` (a page's own /Contents, or a new
 * dictionary in the cross-reference table) a content stream whose bytes
 * will be in the spool: libharu's memory stream, if any, is freed, and the
 * stream is empty until pdf_content_write. QUIRE_OK or QUIRE_ERR with *err
 * set (out of memory). */
int pdf_content_adopt(pdf_doc *d, HPDF_Dict dict, quire_error *err);

/* Starts the content of `page`: the buffer empty, its own content stream
 * (adopted) the target. */
void pdf_content_begin(pdf_doc *d, HPDF_Page page);

/* At a slot of the page being painted (number `number`, for messages):
 * hands the content so far to its stream, turns the page's /Contents into
 * an array if it is not one yet, and appends a new empty stream for the
 * slot, which is returned (it belongs to the document). The content after
 * the slot goes to another new stream. The caller has closed any text
 * object. NULL with *err set on failure. */
HPDF_Dict pdf_content_split(pdf_doc *d, uint32_t number, quire_error *err);

/* Ends the page: hands the rest of the buffer to its stream. QUIRE_OK or
 * QUIRE_ERR with *err naming the page. */
int pdf_content_end(pdf_doc *d, uint32_t number, quire_error *err);

/* Writes d->content into the spool as the bytes of the adopted stream
 * `stream`, deflated when the document compresses (its dictionary then
 * gets /Filter /FlateDecode) unless deflating would not make it smaller,
 * and empties the buffer, which d keeps for the next stretch. `what` names
 * the stream in messages ("page 3", "page 3, slot 7"). QUIRE_OK or
 * QUIRE_ERR with *err set. */
int pdf_content_write(pdf_doc *d, HPDF_Dict stream, const char *what, quire_error *err);

/* Gives the adopted stream `stream` (pdf_content_adopt) the `len` bytes at
 * `bytes`, deflated already (`deflated` set: its dictionary gets /Filter
 * /FlateDecode) or not, copying them into the spool. QUIRE_OK or
 * QUIRE_ERR with *err set. */
int pdf_content_put(pdf_doc *d, HPDF_Dict stream, const void *bytes, size_t len, int deflated,
                    quire_error *err);

/* Waits until every stream handed to pdf_content_write is in the spool
 * (the deflate thread, if any, is idle). QUIRE_OK, or QUIRE_ERR with *err
 * set to the first failure of that thread. Called before anything else
 * writes to or reads the spool (the fonts' streams, the save). */
int pdf_content_sync(pdf_doc *d, quire_error *err);

/* Stops the deflate thread (what it has not done is dropped) and releases
 * the content buffer and the compressor. */
void pdf_content_free(pdf_doc *d);

/* ============================== Writer thread (pdf_writer.c) ============== */

/* While the document is saved, one thread writes the output: the bytes
 * libharu formats and the page content it points at in the spool, in the
 * order given. The spool and d->out are the writer's from pdf_writer_start
 * to pdf_writer_finish. */
typedef struct pdf_writer pdf_writer;

/* Starts the writer thread for d (host memory). NULL when it cannot be
 * started (no memory, no thread): the caller writes by itself. */
pdf_writer *pdf_writer_start(pdf_doc *d);

/* Queues `len` bytes (copied), waiting for room. QUIRE_OK, or QUIRE_ERR
 * once the writer has failed (pdf_writer_finish says why). */
int pdf_writer_bytes(pdf_writer *w, const void *bytes, size_t len);

/* Queues `len` bytes of the spool from `offset`, as pdf_writer_bytes. */
int pdf_writer_spool(pdf_writer *w, uint64_t offset, size_t len);

/* Waits until everything queued is written, stops the thread and frees
 * w. QUIRE_OK, or QUIRE_ERR with *err set to the writer's first failure
 * (then the output is incomplete). */
int pdf_writer_finish(pdf_writer *w, quire_error *err);

/* ============================== Font streams (pdf_embed.c) ================ */

/* Before the document is saved: the embedded font files and the other
 * streams of the fonts loaded (CIDToGIDMap, encoding CMap), which libharu
 * would deflate one by one with zlib's default level while saving, are
 * made now and deflated with libdeflate, two at a time (the calling thread
 * and one helper), then handed to the spool like page content. Nothing is
 * done when the document does not compress. QUIRE_OK, or QUIRE_ERR with
 * *err set (out of memory, libharu's failure, the spool's). */
int pdf_embed_fonts(pdf_doc *d, quire_error *err);

/* ============================== Font program (pdf_sfnt.c) ================= */

/* A table of the font file that libharu's subset left empty: where it is
 * in the file. */
typedef struct pdf_sfnt_table {
    char tag[4];
    uint32_t offset, length;
} pdf_sfnt_table;

/* Completes libharu's subset `subset` (a TrueType font program whose tables
 * in `kept` are empty) with those tables read from the font file `path`,
 * post as format 3.0, every table aligned and the checksums recomputed.
 * On QUIRE_OK *out (host memory, the caller frees it) holds *out_len bytes;
 * QUIRE_ERR with *err set when the subset is malformed, the file cannot be
 * read or memory is short. */
int pdf_sfnt_complete(const quire_host *host, const unsigned char *subset, size_t subset_len,
                      const char *path, const pdf_sfnt_table *kept, size_t nkept,
                      unsigned char **out, size_t *out_len, quire_error *err);

/* ============================== Slots (pdf_slot.c) ======================== */

/* The slot with id `id`, or NULL if no page sent had it. The record
 * belongs to d (valid until the next pdf_slot_add). */
pdf_slot_rec *pdf_slot_find(pdf_doc *d, uint32_t id);

/* Registers `slot` (a copy is kept; its id is not 0 and not registered
 * yet) as pending. QUIRE_OK, or QUIRE_ERR with *err set (out of memory). */
int pdf_slot_add(pdf_doc *d, const pdf_slot_rec *slot, quire_error *err);

/* Marks `slot` (from pdf_slot_find) filled. */
void pdf_slot_filled(pdf_doc *d, pdf_slot_rec *slot);

/* The pending slot of the lowest id, or NULL when every slot is filled. */
const pdf_slot_rec *pdf_slot_first_pending(const pdf_doc *d);

/* Releases the table. */
void pdf_slot_free(pdf_doc *d);

/* Appends n bytes at p; returns the end. */
static inline char *pc_put(char *p, const char *s, size_t n)
{
    memcpy(p, s, n);
    return p + n;
}

/* Appends a string literal. */
#define pc_lit(p, literal) pc_put((p), (literal), sizeof(literal) - 1)

/* Appends the decimal digits of u. */
static inline char *pc_uint(char *p, uint64_t u)
{
    static const char pairs[] = "00010203040506070809101112131415161718192021222324"
                                "25262728293031323334353637383940414243444546474849"
                                "50515253545556575859606162636465666768697071727374"
                                "75767778798081828384858687888990919293949596979899";
    char digits[24];
    size_t n = sizeof(digits);

    while (u >= 100) {
        n -= 2;
        memcpy(digits + n, pairs + 2 * (u % 100), 2);
        u /= 100;
    }
    if (u >= 10) {
        n -= 2;
        memcpy(digits + n, pairs + 2 * u, 2);
    } else {
        digits[--n] = (char)('0' + u);
    }
    memcpy(p, digits + n, sizeof(digits) - n);
    return p + (sizeof(digits) - n);
}

/* Appends v / unit (unit 100 or 10000) in decimal, trailing zeros of the
 * fraction dropped: pc_scaled(p, -1250, 100) writes "-12.5". */
static inline char *pc_scaled(char *p, int64_t v, unsigned unit)
{
    uint64_t u, frac;

    if (v < 0) {
        *p++ = '-';
        u = (uint64_t)0 - (uint64_t)v;
    } else {
        u = (uint64_t)v;
    }
    frac = u % unit;
    p = pc_uint(p, u / unit);
    if (frac != 0) {
        *p++ = '.';
        if (unit == 100) { /* what positions use: a constant once inlined */
            *p++ = (char)('0' + frac / 10);
            if (frac % 10 != 0)
                *p++ = (char)('0' + frac % 10);
            return p;
        }
        for (unsigned place = unit / 10; frac != 0; place /= 10) {
            *p++ = (char)('0' + frac / place);
            frac %= place;
        }
    }
    return p;
}

/* Appends a number given in hundredths ("-12.5" for -1250). */
static inline char *pc_fixed(char *p, int64_t hundredths)
{
    return pc_scaled(p, hundredths, 100);
}

/* PDF 1.4 readers may not take reals beyond +-32767 (libharu clamps there
 * too). */
#define PC_NUM_LIMIT 32767.0

/* `v` within the limit, times `unit`, rounded. */
static inline int64_t pc_round(double v, double unit)
{
    if (v > PC_NUM_LIMIT)
        v = PC_NUM_LIMIT;
    else if (v < -PC_NUM_LIMIT)
        v = -PC_NUM_LIMIT;
    v *= unit;
    /* Half away from zero, without a branch on the sign. */
    return (int64_t)(v + copysign(0.5, v));
}

/* `v` rounded to hundredths: positions need no more than 2 decimals
 * (1/7200 inch). */
static inline int64_t pc_hundredths(double v)
{
    return pc_round(v, 100.0);
}

/* Appends `v` with at most 2 decimals (at most PC_NUM_MAX bytes). */
static inline char *pc_num(char *p, double v)
{
    return pc_fixed(p, pc_hundredths(v));
}

#endif /* QUIRE_PDF_H */
