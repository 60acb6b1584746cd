/*
 * pdf_latin1.c - the one-byte variant of each embedded font: text whose
 * characters are all U+0000..U+00FF (nearly every report's) is written one
 * byte a glyph instead of two.
 *
 * libharu makes each font a Type0 font with Identity-H codes, the
 * characters' UTF-16 values, two bytes each (pdf_font.c). Half of every
 * string byte was then a zero that deflate had to compress: the page
 * content of examples/sales.quire at 100k rows was 23 MB, and deflating it
 * a quarter of the render's CPU. A Type0 font may take its codes from any
 * CMap (PDF 32000-1 9.7.5), so the variant is a second Type0 dictionary
 * over the SAME CIDFontType2 dictionary: one font program (FontFile2), one
 * CIDToGIDMap, one /W array serve both, and the glyphs either shows are in
 * the one subset. Its encoding maps the one-byte code c to CID c, and the
 * CIDs of the two-byte font are the characters' code points too, so code c
 * shows the glyph of U+00c with the width of U+00c. /W and the
 * CIDToGIDMap libharu writes cover every code the font has a glyph for,
 * 32..126 and 160..255 included.
 *
 * Shared by every variant of the document, made with the first: the
 * encoding, an embedded CMap (codespace <00>..<FF>, one cidrange to CID 0
 * upwards; PDF 32000-1 9.7.5.3 asks the stream's dictionary for /Type,
 * /CMapName and /CIDSystemInfo, which must be the CIDFont's), and the
 * ToUnicode map (the identity on <00>..<FF>), so text is searched and
 * copied as with the two-byte font.
 *
 * A variant is made the first time a text in its font is all Latin-1, not
 * when the font is loaded: a font that shows only other scripts gets no
 * font dictionary nobody uses (pdffonts would list it), and a document
 * without Latin-1 text is what it was before the variants existed.
 *
 * The objects are built with libharu's object API (its installed internal
 * headers), as pdf_font.c does for the ToUnicode fix.
 */
#include <stdio.h>
#include <string.h>

#include <hpdf_font.h>
#include <hpdf_fontdef.h>

#include "pdf.h"

/* The encoding's name; "-H": horizontal writing. */
#define CMAP_NAME "Quire-Latin1-H"

/* ============================== CIDSystemInfo ============================= */

/* A CIDFont's character collection. */
typedef struct system_info {
    char registry[64];
    char ordering[64];
    int supplement;
} system_info;

/* Copies the string `s` to buf (len bytes); -1 unless it is short and
 * plain (letters, digits, '-', '_', '.'): it is written into the CMap's
 * PostScript text unescaped. */
static int plain_string(HPDF_String s, char *buf, size_t len)
{
    if (s == NULL || s->len == 0 || s->len >= len)
        return -1;
    for (HPDF_UINT i = 0; i < s->len; i++) {
        unsigned char ch = s->value[i];
        if (!((ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') ||
              ch == '-' || ch == '_' || ch == '.'))
            return -1;
    }
    memcpy(buf, s->value, s->len);
    buf[s->len] = '\0';
    return 0;
}

/* The /CIDSystemInfo of `dict` (a CIDFont, or the CMap stream's
 * dictionary) in *info; -1 when it has none this file can copy. */
static int read_system(HPDF_Dict dict, system_info *info)
{
    HPDF_Dict sys = HPDF_Dict_GetItem(dict, "CIDSystemInfo", HPDF_OCLASS_DICT);
    HPDF_Number supplement;

    if (sys == NULL ||
        plain_string(HPDF_Dict_GetItem(sys, "Registry", HPDF_OCLASS_STRING), info->registry,
                     sizeof(info->registry)) != 0 ||
        plain_string(HPDF_Dict_GetItem(sys, "Ordering", HPDF_OCLASS_STRING), info->ordering,
                     sizeof(info->ordering)) != 0)
        return -1;
    supplement = HPDF_Dict_GetItem(sys, "Supplement", HPDF_OCLASS_NUMBER);
    if (supplement == NULL || supplement->value < 0)
        return -1;
    info->supplement = supplement->value;
    return 0;
}

/* ============================== Shared streams ============================ */

/* A new stream object of d->pdf holding `text`, deflated when the document
 * compresses. NULL on failure (libharu's error handler has it). */
static HPDF_Dict text_stream(pdf_doc *d, const char *text)
{
    HPDF_Dict dict = HPDF_DictStream_New(d->pdf->mmgr, d->pdf->xref);

    if (dict == NULL || HPDF_Stream_WriteStr(dict->stream, text) != HPDF_OK)
        return NULL;
    /* As libharu does for the fonts' own maps (HPDF_COMP_METADATA): a few
     * hundred bytes, left to its zlib. */
    if (d->settings->compress)
        dict->filter = HPDF_STREAM_FILTER_FLATE_DECODE;
    return dict;
}

/* The encoding: one-byte codes, code c is CID c. PostScript as Adobe's CMap
 * files write it (technical note 5014), which is what viewers parse. */
static HPDF_Dict make_cmap(pdf_doc *d, const system_info *info)
{
    char text[1024];
    HPDF_MMgr mmgr = d->pdf->mmgr;
    HPDF_Dict cmap, sys;
    HPDF_STATUS ret = HPDF_OK;

    snprintf(text, sizeof(text),
             "/CIDInit /ProcSet findresource begin\n"
             "12 dict begin\n"
             "begincmap\n"
             "/CIDSystemInfo 3 dict dup begin\n"
             "/Registry (%s) def\n"
             "/Ordering (%s) def\n"
             "/Supplement %d def\n"
             "end def\n"
             "/CMapName /" CMAP_NAME " def\n"
             "/CMapVersion 1 def\n"
             "/CMapType 1 def\n"
             "/WMode 0 def\n"
             "1 begincodespacerange\n<00> <FF>\nendcodespacerange\n"
             "1 begincidrange\n<00> <FF> 0\nendcidrange\n"
             "endcmap\n"
             "CMapName currentdict /CMap defineresource pop\n"
             "end\n"
             "end\n",
             info->registry, info->ordering, info->supplement);
    cmap = text_stream(d, text);
    sys = HPDF_Dict_New(mmgr);
    if (cmap == NULL || sys == NULL)
        return NULL;
    ret += HPDF_Dict_AddName(cmap, "Type", "CMap");
    ret += HPDF_Dict_AddName(cmap, "CMapName", CMAP_NAME);
    ret += HPDF_Dict_Add(cmap, "CIDSystemInfo", sys);
    ret += HPDF_Dict_Add(sys, "Registry", HPDF_String_New(mmgr, info->registry, NULL));
    ret += HPDF_Dict_Add(sys, "Ordering", HPDF_String_New(mmgr, info->ordering, NULL));
    ret += HPDF_Dict_AddNumber(sys, "Supplement", info->supplement);
    ret += HPDF_Dict_AddNumber(cmap, "WMode", 0);
    return ret == HPDF_OK ? cmap : NULL;
}

/* The ToUnicode map: code c is U+00c. One bfrange does it (a range may
 * vary only in its last byte, and these codes have one). */
static HPDF_Dict make_to_unicode(pdf_doc *d)
{
    return text_stream(d, "/CIDInit /ProcSet findresource begin\n"
                          "12 dict begin\n"
                          "begincmap\n"
                          "/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) "
                          "/Supplement 0 >> def\n"
                          "/CMapName /Quire-Latin1-UCS def\n"
                          "/CMapType 2 def\n"
                          "1 begincodespacerange\n<00> <FF>\nendcodespacerange\n"
                          "1 beginbfrange\n<00> <FF> <0000>\nendbfrange\n"
                          "endcmap\n"
                          "CMapName currentdict /CMap defineresource pop\n"
                          "end\n"
                          "end\n");
}

/* ============================== Variants ================================== */

/* Builds f's variant as a new indirect object of d->pdf: NULL when libharu
 * failed (its handler recorded why) or when the font does not fit the
 * shared encoding, whose CIDSystemInfo must be the CIDFont's (*unfit set).
 */
static HPDF_Dict make_variant(pdf_doc *d, pdf_font_rec *f, int *unfit)
{
    HPDF_FontAttr attr = f->font->attr;
    HPDF_Dict cid_font = attr->descendant_font;
    HPDF_TTFontDefAttr tt = f->def->attr;
    system_info mine, shared;
    HPDF_Dict variant;
    HPDF_Array descendants;
    HPDF_STATUS ret = HPDF_OK;

    *unfit = cid_font == NULL || f->def->type != HPDF_FONTDEF_TYPE_TRUETYPE || tt == NULL ||
             read_system(cid_font, &mine) != 0;
    if (*unfit)
        return NULL;
    if (d->latin1_cmap == NULL) {
        d->latin1_cmap = make_cmap(d, &mine);
        if (d->latin1_cmap == NULL)
            return NULL;
    }
    if (d->latin1_to_unicode == NULL) {
        d->latin1_to_unicode = make_to_unicode(d);
        if (d->latin1_to_unicode == NULL)
            return NULL;
    }
    /* Every font of the document comes from libharu's one UTF-8 encoder,
     * so this holds; a font it did not hold for keeps its two-byte codes. */
    *unfit = read_system(d->latin1_cmap, &shared) != 0 ||
             strcmp(mine.registry, shared.registry) != 0 ||
             strcmp(mine.ordering, shared.ordering) != 0 || mine.supplement != shared.supplement;
    if (*unfit)
        return NULL;
    variant = HPDF_Dict_New(d->pdf->mmgr);
    descendants = HPDF_Array_New(d->pdf->mmgr);
    if (variant == NULL || descendants == NULL || HPDF_Xref_Add(d->pdf->xref, variant) != HPDF_OK)
        return NULL;
    ret += HPDF_Dict_AddName(variant, "Type", "Font");
    ret += HPDF_Dict_AddName(variant, "Subtype", "Type0");
    /* The subset's name, tag included ("HPDFAA+DejaVuSans,Book"): what the
     * font's before-write hook puts in the two-byte font when it is saved.
     * Its /BaseFont until then, the font definition's, lacks the tag. */
    ret += HPDF_Dict_AddName(variant, "BaseFont", tt->base_font);
    ret += HPDF_Dict_Add(variant, "Encoding", d->latin1_cmap);
    ret += HPDF_Dict_Add(variant, "DescendantFonts", descendants);
    ret += HPDF_Array_Add(descendants, cid_font);
    ret += HPDF_Dict_Add(variant, "ToUnicode", d->latin1_to_unicode);
    return ret == HPDF_OK ? variant : NULL;
}

int pdf_font_one_byte(pdf_doc *d, pdf_font_rec *f, quire_error *err)
{
    HPDF_Dict variant;
    int unfit = 0;
    char label[160], what[QUIRE_ERROR_MSG_MAX];

    if (f->name1 != NULL || f->no_one_byte)
        return QUIRE_OK;
    variant = make_variant(d, f, &unfit);
    pdf_font_label(&d->doc.fonts[f - d->fonts], label, sizeof(label));
    snprintf(what, sizeof(what), "font %s: one-byte variant", label);
    if (pdf_check(d, err, what) != QUIRE_OK)
        return QUIRE_ERR;
    if (unfit) {
        f->no_one_byte = 1;
        return QUIRE_OK;
    }
    if (variant == NULL) { /* libharu failed without saying why */
        d->host->error_set(err, QUIRE_E_NOMEM, "%s: out of memory", what);
        return QUIRE_ERR;
    }
    f->name1 = pdf_resource_name(d, PDF_RES_FONT, variant, err);
    return f->name1 != NULL ? QUIRE_OK : QUIRE_ERR;
}
