/*
 * pdf_pages.c - the page objects: one libharu page per print-model page,
 * with what the pages have in common stored once.
 *
 * libharu gives every page its own resource dictionary (a /ProcSet array
 * of five names, a /Font, /XObject and /ExtGState dictionary, each entry
 * 136 bytes of libharu memory), its own /MediaBox, a graphics state for its
 * operator functions and a memory stream for its content: 7.6 KB a page of
 * sales.quire, 150 MB at 1M rows, all written again for every page. Both
 * /Resources and /MediaBox are inheritable (PDF 32000-1 7.7.3.4), so the
 * document keeps one resource dictionary and the first page's media box on
 * the root of the page tree, and a page keeps a /MediaBox of its own only
 * when its size differs. A font, image or alpha state is named once for
 * the document (/F1, /X1, /E1), the first time it is loaded: libharu's
 * own naming (HPDF_Page_GetLocalFontName and the like) makes a dictionary
 * per page, and cannot find an inherited one (HPDF_Page_GetInheritableItem
 * looks at the page again instead of its parents). The graphics state and the memory stream are
 * never used (pdf_draw.c writes the content, pdf_spool.c keeps it) and are
 * freed at once. What is freed goes back to the arena's free lists, where
 * the next page's objects come from (pdf_arena.c).
 */
#include <stdio.h>

#include <hpdf_doc.h>
#include <hpdf_gstate.h>
#include <hpdf_pages.h>
#include <hpdf_utils.h>

#include "pdf.h"

int pdf_pages_init(pdf_doc *d, quire_error *err)
{
    /* libharu's ProcSet, kept for old readers as libharu keeps it. */
    static const char *const procs[] = {"PDF", "Text", "ImageB", "ImageC", "ImageI"};
    HPDF_Array procset;
    HPDF_STATUS ret = HPDF_OK;

    d->resources = HPDF_Dict_New(d->pdf->mmgr);
    procset = HPDF_Array_New(d->pdf->mmgr);
    if (d->resources != NULL && procset != NULL) {
        ret += HPDF_Dict_Add(d->pdf->root_pages, "Resources", d->resources);
        ret += HPDF_Dict_Add(d->resources, "ProcSet", procset);
        for (size_t i = 0; i < sizeof(procs) / sizeof(procs[0]); i++)
            ret += HPDF_Array_AddName(procset, procs[i]);
    }
    if (d->resources == NULL || procset == NULL || ret != HPDF_OK) {
        if (pdf_check(d, err, "document") == QUIRE_OK)
            d->host->error_set(err, QUIRE_E_NOMEM, "document: out of memory");
        return QUIRE_ERR;
    }
    return QUIRE_OK;
}

/* The root of the page tree gets the media box of the first page, with
 * the same reals libharu's page functions would have set. */
static int box_on_root(pdf_doc *d, HPDF_REAL width, HPDF_REAL height)
{
    HPDF_Array box = HPDF_Box_Array_New(d->pdf->mmgr, HPDF_ToBox(0, 0, 0, 0));
    HPDF_Real w, h;

    if (box == NULL || HPDF_Dict_Add(d->pdf->root_pages, "MediaBox", box) != HPDF_OK)
        return -1;
    w = HPDF_Array_GetItem(box, 2, HPDF_OCLASS_REAL);
    h = HPDF_Array_GetItem(box, 3, HPDF_OCLASS_REAL);
    if (w == NULL || h == NULL)
        return -1;
    w->value = width;
    h->value = height;
    d->box_width = width;
    d->box_height = height;
    return 0;
}

HPDF_Page pdf_page_add(pdf_doc *d, uint32_t number, double width, double height, quire_error *err)
{
    HPDF_REAL w = (HPDF_REAL)width, h = (HPDF_REAL)height;
    HPDF_PageAttr attr;
    HPDF_Page page;
    char what[32];

    if (!(width >= HPDF_MIN_PAGE_SIZE && width <= HPDF_MAX_PAGE_SIZE &&
          height >= HPDF_MIN_PAGE_SIZE && height <= HPDF_MAX_PAGE_SIZE)) {
        d->host->error_set(err, QUIRE_E_INVALID,
                           "page %u: %g x %g points is outside the %d..%d a PDF page may have",
                           (unsigned)number, width, height, HPDF_MIN_PAGE_SIZE, HPDF_MAX_PAGE_SIZE);
        return NULL;
    }
    snprintf(what, sizeof(what), "page %u", (unsigned)number);
    if (d->box_width == 0 && box_on_root(d, w, h) != 0)
        goto fail_libharu;
    page = HPDF_AddPage(d->pdf);
    if (page == NULL)
        goto fail_libharu;
    attr = page->attr;
    /* What libharu made for its own operator functions. */
    HPDF_GState_Free(page->mmgr, attr->gstate);
    attr->gstate = NULL;
    if (pdf_content_adopt(d, attr->contents, err) != QUIRE_OK)
        return NULL;
    attr->stream = NULL;
    /* Inherited from the root instead. */
    if (HPDF_Dict_RemoveElement(page, "Resources") != HPDF_OK)
        goto fail_libharu;
    if (w == d->box_width && h == d->box_height) {
        if (HPDF_Dict_RemoveElement(page, "MediaBox") != HPDF_OK)
            goto fail_libharu;
    } else {
        HPDF_Page_SetWidth(page, w);
        HPDF_Page_SetHeight(page, h);
    }
    if (d->hpdf_error != 0)
        goto fail_libharu;
    return page;

fail_libharu:
    if (pdf_check(d, err, what) == QUIRE_OK)
        d->host->error_set(err, QUIRE_E_NOMEM, "%s: out of memory", what);
    return NULL;
}

/* ============================== Resource names ============================ */

const char *pdf_resource_name(pdf_doc *d, pdf_resource kind, void *object, quire_error *err)
{
    static const char *const keys[] = {"Font", "XObject", "ExtGState"};
    static const char prefixes[] = {'F', 'X', 'E'};
    HPDF_Dict *dict = &d->kinds[kind];
    const char *name = NULL;
    char key[16];

    if (*dict == NULL) {
        *dict = HPDF_Dict_New(d->pdf->mmgr);
        if (*dict != NULL && HPDF_Dict_Add(d->resources, keys[kind], *dict) != HPDF_OK)
            *dict = NULL;
    }
    if (*dict != NULL) {
        snprintf(key, sizeof(key), "%c%u", prefixes[kind], (unsigned)(*dict)->list->count + 1);
        if (HPDF_Dict_Add(*dict, key, object) == HPDF_OK)
            name = HPDF_Dict_GetKeyByObj(*dict, object);
    }
    if (name == NULL && pdf_check(d, err, keys[kind]) == QUIRE_OK)
        d->host->error_set(err, QUIRE_E_NOMEM, "%s: out of memory", keys[kind]);
    return name;
}
