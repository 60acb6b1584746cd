/*
 * pdf_embed.c - the streams of the embedded fonts, deflated before saving.
 *
 * libharu makes a TrueType font's subset (its FontFile2 stream) only while
 * it saves the document, in the font's before-write hook, and deflates it
 * and the font's other streams (CIDToGIDMap, encoding CMap) there, one after
 * the other, with zlib's default level: for the two fonts of
 * examples/sales.quire about 12 ms at the very end of the render, while the
 * second core has nothing left to do.
 *
 * pdf_embed_fonts() calls that hook itself first. The hook makes the font
 * descriptor and the subset once (fontdef->descriptor is set), so libharu's
 * own call while saving only sets the same entries again. The bytes of each
 * stream are then copied out of libharu's memory stream and deflated with
 * libdeflate at level 6 (2 ms a font, and smaller than zlib's default) on
 * this thread and one helper thread, which make no libharu call. What comes
 * out goes to the spool as page content does (pdf_content_put). A stream
 * whose deflating fails (out of memory) or does not shrink it is left to
 * libharu, which writes it as before.
 */
#include <pthread.h>
#include <stdatomic.h>

#include <hpdf_font.h>
#include <hpdf_fontdef.h>
#include <hpdf_streams.h>

#include "pdf.h"

/* libdeflate's level for font streams: level 6 is as fast as zlib's
 * level 1 on a font subset and writes 10% less than zlib's default. */
#define EMBED_LEVEL 6

/* The streams of one font: CIDToGIDMap, encoding CMap, font file. */
#define STREAMS_PER_FONT 3

/* The entry a deflated stream's dictionary gets ("/Filter /FlateDecode\n"):
 * a result must be shorter than the raw bytes by more than that. */
#define FILTER_ENTRY_LEN 21

/* ============================== Deflating ================================= */

typedef struct embed_job {
    HPDF_Dict dict;     /* the stream's dictionary */
    unsigned char *raw; /* its bytes (host memory) */
    size_t raw_len;
    int ours;         /* raw is not what libharu's stream holds (a font
                         program pdf_sfnt.c completed): written even if
                         deflate fails or does not shrink it */
    unsigned char *z; /* deflated (host memory), or NULL */
    size_t z_len;     /* 0: left to libharu */
} embed_job;

typedef struct embed_work {
    const quire_host *host;
    embed_job *jobs;
    size_t njobs;
    atomic_size_t next; /* the next job not taken by a thread */
} embed_work;

/* Deflates the jobs not taken yet, one at a time, until none is left. A
 * job this thread has no memory for stays with z_len 0. */
static void *deflate_jobs(void *arg)
{
    embed_work *w = arg;
    struct libdeflate_compressor *c = libdeflate_alloc_compressor(EMBED_LEVEL);
    size_t i;

    while ((i = atomic_fetch_add(&w->next, 1)) < w->njobs) {
        embed_job *job = &w->jobs[i];
        size_t bound;

        if (c == NULL)
            continue;
        bound = libdeflate_zlib_compress_bound(c, job->raw_len);
        job->z = w->host->malloc(bound);
        if (job->z != NULL)
            job->z_len = libdeflate_zlib_compress(c, job->raw, job->raw_len, job->z, bound);
    }
    if (c != NULL)
        libdeflate_free_compressor(c);
    return NULL;
}

/* ============================== Collecting ================================ */

/* Adds `dict` as a job if it is a stream libharu would deflate itself, with
 * its bytes copied out. QUIRE_OK (added or not), or QUIRE_ERR with *err set
 * (out of memory). */
static int add_job(pdf_doc *d, embed_work *w, HPDF_Dict dict, quire_error *err)
{
    embed_job *job;
    HPDF_UINT len;

    if (dict == NULL || dict->stream == NULL || dict->filter != HPDF_STREAM_FILTER_FLATE_DECODE ||
        dict->write_fn != NULL || dict->after_write_fn != NULL || dict->attr != NULL)
        return QUIRE_OK;
    for (size_t i = 0; i < w->njobs; i++)
        if (w->jobs[i].dict == dict) /* a stream two fonts share */
            return QUIRE_OK;
    len = HPDF_Stream_Size(dict->stream);
    if (len == 0)
        return QUIRE_OK;
    job = &w->jobs[w->njobs];
    memset(job, 0, sizeof(*job));
    job->raw = d->host->malloc(len);
    if (job->raw == NULL) {
        d->host->error_set(err, QUIRE_E_NOMEM, "out of memory");
        return QUIRE_ERR;
    }
    if (HPDF_Stream_Seek(dict->stream, 0, HPDF_SEEK_SET) != HPDF_OK ||
        HPDF_Stream_Read(dict->stream, job->raw, &len) != HPDF_OK ||
        len != HPDF_Stream_Size(dict->stream)) {
        /* Nothing was changed: libharu writes this one itself. */
        d->host->free(job->raw);
        return QUIRE_OK;
    }
    job->dict = dict;
    job->raw_len = len;
    w->njobs++;
    return QUIRE_OK;
}

/* The font program of `file` (FontFile2), made by libharu's hook with the
 * tables in `kept` empty, completed from the font file (pdf_sfnt.c) and
 * added as a job that is written whatever deflate gives; its Length1 is
 * the new length. QUIRE_OK, or QUIRE_ERR with *err set. */
static int add_font_program(pdf_doc *d, embed_work *w, HPDF_Dict file, const char *path,
                            const pdf_sfnt_table *kept, size_t nkept, quire_error *err)
{
    embed_job *job;
    unsigned char *font;
    size_t font_len;
    int rc;

    if (file == NULL || file->stream == NULL)
        goto fail_libharu;
    rc = add_job(d, w, file, err);
    if (rc != QUIRE_OK)
        return rc;
    if (w->njobs == 0 || w->jobs[w->njobs - 1].dict != file)
        goto fail_libharu;
    job = &w->jobs[w->njobs - 1];
    if (pdf_sfnt_complete(d->host, job->raw, job->raw_len, path, kept, nkept, &font, &font_len,
                          err) != QUIRE_OK)
        return QUIRE_ERR;
    d->host->free(job->raw);
    job->raw = font;
    job->raw_len = font_len;
    job->ours = 1;
    if (HPDF_Dict_AddNumber(file, "Length1", (HPDF_INT32)font_len) != HPDF_OK)
        goto fail_libharu;
    return QUIRE_OK;

fail_libharu:
    /* The hook wrote the program without the kept tables: it must not be
     * saved as it is. */
    d->host->error_set(err, QUIRE_E_INTERNAL, "font '%s': libharu made no font program to complete",
                       path);
    return QUIRE_ERR;
}

/* A font loaded, and the file it came from. */
typedef struct loaded_font {
    HPDF_Font font;
    const char *path;
} loaded_font;

/* The fonts loaded, in the order libharu made them (object number), so
 * the objects the hook adds come in the order libharu's saving adds them. */
static size_t loaded_fonts(const pdf_doc *d, loaded_font *out)
{
    size_t n = 0;

    for (size_t i = 0; i < d->doc.nfonts; i++) {
        HPDF_Font font = d->fonts[i].font;
        size_t at = n;
        if (font == NULL)
            continue;
        while (at > 0 && out[at - 1].font->header.obj_id > font->header.obj_id) {
            out[at] = out[at - 1];
            at--;
        }
        out[at].font = font;
        out[at].path = d->doc.fonts[i].path;
        n++;
    }
    return n;
}

/* The tables libharu's subset copies from the font file unchanged, four
 * bytes at a time (pdf_sfnt.c does it instead). */
static const char *const kept_tags[] = {"OS/2", "cmap", "cvt ", "fpgm", "hhea",
                                        "hmtx", "maxp", "post", "prep"};
#define NKEPT (sizeof(kept_tags) / sizeof(kept_tags[0]))

/* Sets the length of the kept tables of `attr` to 0, remembering them in
 * kept[] (NKEPT entries); returns how many the font has. */
static size_t hide_kept(HPDF_TTFontDefAttr attr, pdf_sfnt_table *kept)
{
    size_t n = 0;

    for (HPDF_UINT i = 0; i < attr->offset_tbl.num_tables; i++) {
        HPDF_TTFTable *t = &attr->offset_tbl.table[i];
        for (size_t k = 0; k < NKEPT; k++) {
            if (memcmp(t->tag, kept_tags[k], 4) != 0 || n == NKEPT)
                continue;
            memcpy(kept[n].tag, t->tag, 4);
            kept[n].offset = t->offset;
            kept[n].length = t->length;
            n++;
            t->length = 0;
        }
    }
    return n;
}

/* Puts back the lengths hide_kept() zeroed. */
static void show_kept(HPDF_TTFontDefAttr attr, const pdf_sfnt_table *kept, size_t nkept)
{
    for (HPDF_UINT i = 0; i < attr->offset_tbl.num_tables; i++)
        for (size_t k = 0; k < nkept; k++)
            if (memcmp(attr->offset_tbl.table[i].tag, kept[k].tag, 4) == 0 &&
                attr->offset_tbl.table[i].offset == kept[k].offset)
                attr->offset_tbl.table[i].length = kept[k].length;
}

/* Runs the before-write hook of each font (making its descriptor and
 * subset) and collects its streams. A TrueType font of a file the kernel
 * names gets its font program from pdf_sfnt.c: the hook runs with the
 * tables libharu would copy four bytes at a time hidden. QUIRE_OK, or
 * QUIRE_ERR with *err set (the hook failed, out of memory). */
static int collect(pdf_doc *d, embed_work *w, const loaded_font *fonts, size_t nfonts,
                   quire_error *err)
{
    for (size_t i = 0; i < nfonts; i++) {
        HPDF_Font font = fonts[i].font;
        HPDF_FontAttr attr = font->attr;
        HPDF_TTFontDefAttr tt = NULL;
        pdf_sfnt_table kept[NKEPT];
        size_t nkept = 0;
        HPDF_Dict file = NULL;
        HPDF_STATUS ret;

        if (font->filter != HPDF_STREAM_FILTER_FLATE_DECODE || font->before_write_fn == NULL ||
            attr == NULL || attr->fontdef == NULL)
            continue;
        /* Only a descriptor not made yet has a subset still to make. */
        if (attr->fontdef->type == HPDF_FONTDEF_TYPE_TRUETYPE && attr->fontdef->attr != NULL &&
            attr->fontdef->descriptor == NULL && fonts[i].path != NULL) {
            tt = attr->fontdef->attr;
            nkept = hide_kept(tt, kept);
        }
        ret = font->before_write_fn(font);
        if (tt != NULL)
            show_kept(tt, kept, nkept);
        if (ret != HPDF_OK) {
            d->host->error_set(err,
                               ret == HPDF_FAILD_TO_ALLOC_MEM ? QUIRE_E_NOMEM : QUIRE_E_INVALID,
                               "font '%s': cannot embed it (libharu error 0x%04X)",
                               attr->fontdef->base_font, (unsigned)ret);
            return QUIRE_ERR;
        }
        if (attr->fontdef->descriptor != NULL)
            file = HPDF_Dict_GetItem(attr->fontdef->descriptor, "FontFile2", HPDF_OCLASS_DICT);
        if (add_job(d, w, attr->map_stream, err) != QUIRE_OK ||
            add_job(d, w, attr->cmap_stream, err) != QUIRE_OK)
            return QUIRE_ERR;
        if ((tt != NULL ? add_font_program(d, w, file, fonts[i].path, kept, nkept, err)
                        : add_job(d, w, file, err)) != QUIRE_OK)
            return QUIRE_ERR;
    }
    /* Those are libharu's internal calls: what they recorded must not
     * reach the save, which reports any error left over. */
    HPDF_ResetError(d->pdf);
    return QUIRE_OK;
}

/* ============================== Embedding ================================= */

int pdf_embed_fonts(pdf_doc *d, quire_error *err)
{
    embed_work w = {.host = d->host};
    loaded_font *fonts = NULL;
    size_t nfonts;
    pthread_t helper;
    int helped = 0, rc = QUIRE_ERR;

    if (!d->settings->compress || d->doc.nfonts == 0)
        return QUIRE_OK;
    fonts = d->host->calloc(d->doc.nfonts, sizeof(*fonts));
    w.jobs = d->host->calloc(d->doc.nfonts * STREAMS_PER_FONT, sizeof(*w.jobs));
    if (fonts == NULL || w.jobs == NULL) {
        d->host->error_set(err, QUIRE_E_NOMEM, "out of memory");
        goto cleanup;
    }
    nfonts = loaded_fonts(d, fonts);
    if (collect(d, &w, fonts, nfonts, err) != QUIRE_OK)
        goto cleanup;
    atomic_init(&w.next, 0);
    /* One helper is all there is work for: sales.quire has two fonts. */
    if (w.njobs > 1 && pthread_create(&helper, NULL, deflate_jobs, &w) == 0)
        helped = 1;
    deflate_jobs(&w);
    if (helped)
        pthread_join(helper, NULL);
    for (size_t i = 0; i < w.njobs; i++) {
        embed_job *job = &w.jobs[i];
        int deflated = job->z_len != 0 && job->z_len + FILTER_ENTRY_LEN < job->raw_len;
        if (!deflated && !job->ours)
            continue; /* libharu writes it */
        if (pdf_content_adopt(d, job->dict, err) != QUIRE_OK ||
            pdf_content_put(d, job->dict, deflated ? job->z : job->raw,
                            deflated ? job->z_len : job->raw_len, deflated, err) != QUIRE_OK)
            goto cleanup;
    }
    rc = QUIRE_OK;

cleanup:
    if (w.jobs != NULL) {
        for (size_t i = 0; i < w.njobs; i++) {
            d->host->free(w.jobs[i].raw);
            if (w.jobs[i].z != NULL)
                d->host->free(w.jobs[i].z);
        }
        d->host->free(w.jobs);
    }
    if (fonts != NULL)
        d->host->free(fonts);
    return rc;
}
