/*
 * pdf_font.c - the per-document caches of fonts and alpha states.
 *
 * Fonts: each quire_font is loaded the first time a text element uses it,
 * from the TrueType file the kernel measured with, embedded (libharu keeps
 * only the glyphs the document shows) and bound to libharu's UTF-8
 * encoder, which makes it a Type0 font with Identity-H codes and a
 * ToUnicode map, so text can be searched and copied. A font no text uses
 * is not loaded and not embedded.
 *
 * The codes of that encoding are the characters' UTF-16 values, and the
 * CIDToGIDMap libharu writes covers all 65536 of them, so pdf_draw.c
 * writes text as those codes itself; Latin-1 text goes to the font's
 * one-byte variant instead (pdf_latin1.c), which shares its glyphs. libharu embeds only the glyphs
 * its own text functions measured; pdf_glyph_add() does that measuring once per character and font,
 * which marks the glyph (and the parts of a composite glyph) for the subset.
 *
 * libharu's ToUnicode map for these fonts is a copy of its encoding CMap,
 * written with cidrange, which a ToUnicode map may not use: poppler warns
 * about every such font and guesses. The codes libharu writes for the
 * UTF-8 encoding are the characters' UTF-16 values, so the right map is
 * the identity; fix_to_unicode() writes that instead, through libharu's
 * object API (its headers are installed and the symbols exported).
 *
 * Making the font (HPDF_GetFont) looks every one of the 65536 codes up in
 * the font's cmap, each a linear search of its segments: 5 ms a font for
 * DejaVu Sans, on the renderer thread the run waits for. make_font() works
 * the whole table out in one pass first and lets libharu read it from
 * there; what libharu writes is the same.
 *
 * Alpha: one ExtGState per alpha value, shared by every page; it sets the
 * fill and the stroke alpha alike, and the painter selects the one it needs
 * before each fill or stroke.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <hpdf_font.h>
#include <hpdf_fontdef.h>

#include "pdf.h"

/* ============================== Fonts ===================================== */

/* Replaces the ToUnicode stream of a UTF-8 font with the identity map:
 * 256 bfranges, one per high byte (a range may vary only in its last
 * byte), at most 100 per block. */
static void fix_to_unicode(HPDF_Font font)
{
    static const char head[] = "/CIDInit /ProcSet findresource begin\n"
                               "12 dict begin\n"
                               "begincmap\n"
                               "/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) "
                               "/Supplement 0 >> def\n"
                               "/CMapName /Adobe-Identity-UCS def\n"
                               "/CMapType 2 def\n"
                               "1 begincodespacerange\n<0000> <FFFF>\nendcodespacerange\n";
    static const char tail[] = "endcmap\n"
                               "CMapName currentdict /CMap defineresource pop\n"
                               "end\n"
                               "end\n";
    HPDF_Dict map = HPDF_Dict_GetItem(font, "ToUnicode", HPDF_OCLASS_DICT);
    char line[32];

    if (map == NULL || map->stream == NULL)
        return;
    HPDF_MemStream_FreeData(map->stream);
    HPDF_Stream_WriteStr(map->stream, head);
    for (unsigned hi = 0; hi < 256; hi++) {
        if (hi % 100 == 0) {
            snprintf(line, sizeof(line), "%u beginbfrange\n", 256 - hi < 100 ? 256 - hi : 100);
            HPDF_Stream_WriteStr(map->stream, line);
        }
        snprintf(line, sizeof(line), "<%02X00> <%02XFF> <%02X00>\n", hi, hi, hi);
        HPDF_Stream_WriteStr(map->stream, line);
        if (hi % 100 == 99 || hi == 255)
            HPDF_Stream_WriteStr(map->stream, "endbfrange\n");
    }
    HPDF_Stream_WriteStr(map->stream, tail);
}

/* The glyph libharu's HPDF_TTFontDef_GetGlyphid gives `code`, worked out
 * the same way from a format 4 cmap whose segment ends are in order and
 * whose last segment ends at 0xFFFF: the first segment ending at or after
 * the code, 0 before its start, else the code plus the segment's delta, or
 * the glyph array entry its range offset points at (0 past the array's
 * end). Returns -1 where libharu would read past the array (an index equal
 * to its length): then only libharu's own search may answer. */
static long cmap_glyph(const HPDF_TTF_CmapRange *cmap, unsigned seg, unsigned code)
{
    unsigned nseg = cmap->seg_count_x2 / 2u;
    unsigned idx;

    if (cmap->start_count[seg] > code)
        return 0;
    if (cmap->id_range_offset[seg] == 0)
        return (HPDF_UINT16)(code + (unsigned)cmap->id_delta[seg]);
    /* unsigned arithmetic, as libharu's HPDF_UINT: a negative index wraps
     * past the array's end */
    idx = cmap->id_range_offset[seg] / 2u + (code - cmap->start_count[seg]) - (nseg - seg);
    if (idx > cmap->glyph_id_array_count)
        return 0;
    if (idx == cmap->glyph_id_array_count)
        return -1;
    return (HPDF_UINT16)(cmap->glyph_id_array[idx] + (unsigned)cmap->id_delta[seg]);
}

/* Fills table[code] (65536 entries) with the glyph of every code, in one
 * pass over the cmap's segments. Returns 0 for a cmap whose search this
 * does not reproduce (not format 4, segments out of order, codes past the
 * last segment, an index at the array's end). */
static int cmap_table(const HPDF_TTF_CmapRange *cmap, HPDF_UINT16 *table)
{
    unsigned nseg = cmap->seg_count_x2 / 2u, seg = 0;

    if (cmap->format != 4 || nseg == 0 || cmap->end_count == NULL || cmap->start_count == NULL ||
        cmap->id_delta == NULL || cmap->id_range_offset == NULL ||
        cmap->end_count[nseg - 1] != 0xFFFF)
        return 0;
    for (unsigned i = 1; i < nseg; i++)
        if (cmap->end_count[i] < cmap->end_count[i - 1])
            return 0;
    for (unsigned code = 0; code < 65536; code++) {
        long gid;
        while (cmap->end_count[seg] < code) /* the last segment ends at 0xFFFF */
            seg++;
        gid = cmap_glyph(cmap, seg, code);
        if (gid < 0)
            return 0;
        table[code] = (HPDF_UINT16)gid;
    }
    return 1;
}

/* HPDF_GetFont(font `loaded`, "UTF-8"). It builds the CIDToGIDMap by asking
 * HPDF_TTFontDef_GetGlyphid for all 65536 codes, a linear search of the
 * cmap's segments each time (5 ms a font for DejaVu Sans). For the call,
 * the font's cmap is replaced by one segment covering every code whose
 * glyph array is the table cmap_table() computed, indexed by the code
 * itself (range offset 2, delta 0: index = 2/2 + code - 0 - (1 - 0)), so
 * each answer is the same and immediate; the cmap is put back after. On
 * any doubt, or without memory for the table, it is the plain call. */
static HPDF_Font make_font(pdf_doc *d, const char *loaded)
{
    static const HPDF_UINT16 one_end = 0xFFFF, one_start = 0, one_offset = 2;
    static const HPDF_INT16 one_delta = 0;
    HPDF_FontDef def = HPDF_GetFontDef(d->pdf, loaded);
    HPDF_TTFontDefAttr attr = NULL;
    HPDF_TTF_CmapRange saved = {0};
    HPDF_UINT16 *table = NULL;
    HPDF_Font font;

    if (def != NULL && def->type == HPDF_FONTDEF_TYPE_TRUETYPE && def->attr != NULL &&
        (table = d->host->malloc(65536 * sizeof(*table))) != NULL) {
        attr = (HPDF_TTFontDefAttr)def->attr;
        if (cmap_table(&attr->cmap, table)) {
            saved = attr->cmap;
            attr->cmap.seg_count_x2 = 2;
            attr->cmap.end_count = (HPDF_UINT16 *)&one_end;
            attr->cmap.start_count = (HPDF_UINT16 *)&one_start;
            attr->cmap.id_delta = (HPDF_INT16 *)&one_delta;
            attr->cmap.id_range_offset = (HPDF_UINT16 *)&one_offset;
            attr->cmap.glyph_id_array = table;
            attr->cmap.glyph_id_array_count = 65536;
        } else {
            attr = NULL;
        }
    }
    font = HPDF_GetFont(d->pdf, loaded, "UTF-8");
    if (attr != NULL)
        attr->cmap = saved;
    if (table != NULL)
        d->host->free(table);
    return font;
}

void pdf_font_label(const quire_font *f, char *buf, size_t len)
{
    snprintf(buf, len, "'%s'%s%s", f->family ? f->family : "?",
             (f->style & QUIRE_FONT_BOLD) ? " bold" : "",
             (f->style & QUIRE_FONT_ITALIC) ? " italic" : "");
}

/* Bytes of a font's bitmap of used codes: one bit per UTF-16 code. */
#define USED_BYTES (65536 / 8)

pdf_font_rec *pdf_font(pdf_doc *d, uint32_t index, quire_error *err)
{
    const quire_host *host = d->host;
    const quire_font *f;
    pdf_font_rec *rec;
    const char *loaded;
    char name[160], what[QUIRE_ERROR_MSG_MAX];
    HPDF_Font font;
    int fd;

    if (index >= d->doc.nfonts) {
        host->error_set(err, QUIRE_E_INTERNAL, "font %u does not exist (the document has %zu)",
                        (unsigned)index, d->doc.nfonts);
        return NULL;
    }
    rec = &d->fonts[index];
    if (rec->font != NULL)
        return rec;
    f = &d->doc.fonts[index];
    pdf_font_label(f, name, sizeof(name));
    if (f->path == NULL || f->path[0] == '\0') {
        host->error_set(err, QUIRE_E_INVALID, "font %s: no file", name);
        return NULL;
    }
    /* libharu's own failure to open says only "file open error"; opening
     * the file here first gives the reason. */
    fd = open(f->path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        char why[128];
        if (strerror_r(errno, why, sizeof(why)) != 0)
            snprintf(why, sizeof(why), "error %d", errno);
        host->error_set(err, QUIRE_E_IO, "font %s: cannot open '%s': %s", name, f->path, why);
        return NULL;
    }
    close(fd);
    if (rec->used == NULL && (rec->used = host->calloc(1, USED_BYTES)) == NULL) {
        host->error_set(err, QUIRE_E_NOMEM, "out of memory");
        return NULL;
    }
    snprintf(what, sizeof(what), "font %s: cannot embed '%s'", name, f->path);
    loaded = HPDF_LoadTTFontFromFile(d->pdf, f->path, HPDF_TRUE);
    font = loaded ? make_font(d, loaded) : NULL;
    if (pdf_check(d, err, what) != QUIRE_OK)
        return NULL;
    if (font == NULL) { /* libharu failed without saying why */
        host->error_set(err, QUIRE_E_INVALID, "%s", what);
        return NULL;
    }
    fix_to_unicode(font);
    if (pdf_check(d, err, what) != QUIRE_OK)
        return NULL;
    rec->name = pdf_resource_name(d, PDF_RES_FONT, font, err);
    if (rec->name == NULL)
        return NULL;
    rec->font = font;
    rec->def = ((HPDF_FontAttr)font->attr)->fontdef;
    return rec;
}

void pdf_glyph_add(pdf_font_rec *f, unsigned code)
{
    f->used[code >> 3] |= (uint8_t)(1u << (code & 7));
    /* Marks the glyph and its components used; the width is not needed. */
    (void)HPDF_TTFontDef_GetCharWidth(f->def, (HPDF_UINT16)code);
}

/* ============================== Alpha ===================================== */

HPDF_ExtGState pdf_alpha(pdf_doc *d, uint8_t alpha, quire_error *err)
{
    HPDF_ExtGState gs = d->alpha[alpha];

    if (gs != NULL)
        return gs;
    gs = HPDF_CreateExtGState(d->pdf);
    if (gs != NULL) {
        HPDF_ExtGState_SetAlphaFill(gs, (HPDF_REAL)(alpha / 255.0));
        HPDF_ExtGState_SetAlphaStroke(gs, (HPDF_REAL)(alpha / 255.0));
    }
    if (pdf_check(d, err, "transparency") != QUIRE_OK)
        return NULL;
    if (gs == NULL) {
        d->host->error_set(err, QUIRE_E_NOMEM, "transparency: out of memory");
        return NULL;
    }
    d->alpha_names[alpha] = pdf_resource_name(d, PDF_RES_ALPHA, gs, err);
    if (d->alpha_names[alpha] == NULL)
        return NULL;
    d->alpha[alpha] = gs;
    return gs;
}
