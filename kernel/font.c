/*
 * font.c - reading a TrueType font (see font.h): the sfnt table directory
 * and the tables that decide widths (head, hhea, maxp, hmtx, cmap, name,
 * OS/2), each offset and length checked against the bytes there are, and
 * the tables precomputed at load so that measuring BMP text is one lookup
 * per code point (font_int.h). Measuring and breaking are font_break.c.
 */
#include "font_int.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "diag.h"

#define TAG(a, b, c, d) (((uint32_t)(a) << 24) | ((uint32_t)(b) << 16) | ((uint32_t)(c) << 8) | (d))

#define SFNT_TRUETYPE 0x00010000u
#define SFNT_APPLE    TAG('t', 'r', 'u', 'e')
#define SFNT_CFF      TAG('O', 'T', 'T', 'O')
#define SFNT_TTC      TAG('t', 't', 'c', 'f')
#define HEAD_MAGIC    0x5F0F3CF5u
#define MIN_UNITS_EM  16
#define MAX_UNITS_EM  16384
#define MAX_PS_NAME   63

/* ============================== Byte reading ============================== */

/* Callers check the bounds first: these only assemble big-endian bytes. */
static uint16_t be16(const uint8_t *p)
{
    return (uint16_t)((p[0] << 8) | p[1]);
}

static int16_t be16s(const uint8_t *p)
{
    return (int16_t)be16(p);
}

static uint32_t be32(const uint8_t *p)
{
    return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
}

/* ============================== Table directory =========================== */

/* The font being read: the whole file and where its directory is. */
typedef struct sfnt {
    const uint8_t *data;
    size_t len;
    const char *name; /* for messages */
    size_t dir;       /* offset of the offset table of the (first) font */
    uint16_t ntables;
} sfnt;

typedef struct table {
    const uint8_t *p;
    size_t len;
} table;

/* Rejects sfnt versions other than TrueType outlines. */
static int check_version(const sfnt *s, uint32_t version, quire_error *err)
{
    if (version == SFNT_TRUETYPE || version == SFNT_APPLE)
        return 0;
    if (version == SFNT_CFF)
        error_setf(err, QUIRE_E_INVALID,
                   "%s: not a TrueType font (CFF outlines, sfnt version 'OTTO')", s->name);
    else
        error_setf(err, QUIRE_E_INVALID, "%s: not a TrueType font (bad sfnt version 0x%08X)",
                   s->name, (unsigned)version);
    return -1;
}

/* Finds the table directory: at the start of the file, or where a
 * collection's first font says it is. */
static int read_directory(sfnt *s, quire_error *err)
{
    uint32_t version;
    uint64_t need;

    if (s->len == 0) {
        error_setf(err, QUIRE_E_INVALID, "%s: not a TrueType font (empty file)", s->name);
        return -1;
    }
    if (s->len < 12) {
        error_setf(err, QUIRE_E_INVALID,
                   "%s: not a TrueType font (%zu bytes, too short for an sfnt header)", s->name,
                   s->len);
        return -1;
    }
    version = be32(s->data);
    s->dir = 0;
    if (version == SFNT_TTC) {
        if (s->len < 16) {
            error_setf(err, QUIRE_E_INVALID,
                       "%s: font collection header is truncated (%zu bytes, needs 16)", s->name,
                       s->len);
            return -1;
        }
        if (be32(s->data + 8) == 0) {
            error_setf(err, QUIRE_E_INVALID, "%s: font collection holds no font", s->name);
            return -1;
        }
        s->dir = be32(s->data + 12);
        if (s->dir > s->len - 12) {
            error_setf(err, QUIRE_E_INVALID,
                       "%s: font collection's first font is outside the file (offset %zu, the "
                       "file has %zu bytes)",
                       s->name, s->dir, s->len);
            return -1;
        }
        version = be32(s->data + s->dir);
    }
    if (check_version(s, version, err) != 0)
        return -1;
    s->ntables = be16(s->data + s->dir + 4);
    need = (uint64_t)s->dir + 12 + (uint64_t)s->ntables * 16;
    if (need > s->len) {
        error_setf(err, QUIRE_E_INVALID,
                   "%s: table directory is truncated (%u tables need %llu bytes, the file has "
                   "%zu)",
                   s->name, (unsigned)s->ntables, (unsigned long long)need, s->len);
        return -1;
    }
    return 0;
}

/*
 * Finds table `tag` (e.g. "cmap") and checks that it lies inside the file
 * and is at least `min_len` bytes. A missing table is an error when
 * `required`; otherwise it returns 0 with t->p NULL.
 */
static int find_table(const sfnt *s, const char *tag, int required, size_t min_len, table *t,
                      quire_error *err)
{
    uint32_t want = TAG(tag[0], tag[1], tag[2], tag[3]);

    t->p = NULL;
    t->len = 0;
    for (uint16_t i = 0; i < s->ntables; i++) {
        const uint8_t *rec = s->data + s->dir + 12 + (size_t)i * 16;
        uint32_t off, len;

        if (be32(rec) != want)
            continue;
        off = be32(rec + 8);
        len = be32(rec + 12);
        if (off > s->len) {
            error_setf(err, QUIRE_E_INVALID,
                       "%s: table '%s' is outside the file (offset %u, the file has %zu bytes)",
                       s->name, tag, (unsigned)off, s->len);
            return -1;
        }
        if (len > s->len - off) {
            error_setf(err, QUIRE_E_INVALID,
                       "%s: table '%s' is truncated (%u bytes at offset %u, the file has %zu)",
                       s->name, tag, (unsigned)len, (unsigned)off, s->len);
            return -1;
        }
        if (len < min_len) {
            error_setf(err, QUIRE_E_INVALID, "%s: table '%s' is truncated (%u bytes, needs %zu)",
                       s->name, tag, (unsigned)len, min_len);
            return -1;
        }
        t->p = s->data + off;
        t->len = len;
        return 0;
    }
    if (required) {
        error_setf(err, QUIRE_E_INVALID, "%s: table '%s' is missing", s->name, tag);
        return -1;
    }
    return 0;
}

/* ============================== Metrics tables ============================ */

static int read_head(const sfnt *s, font_face *f, quire_error *err)
{
    table t;

    if (find_table(s, "head", 1, 54, &t, err) != 0)
        return -1;
    if (be32(t.p + 12) != HEAD_MAGIC) {
        error_setf(err, QUIRE_E_INVALID,
                   "%s: table 'head' has magic number 0x%08X, expected 0x%08X", s->name,
                   (unsigned)be32(t.p + 12), HEAD_MAGIC);
        return -1;
    }
    f->units_per_em = be16(t.p + 18);
    f->mac_style = be16(t.p + 44);
    if (f->units_per_em < MIN_UNITS_EM || f->units_per_em > MAX_UNITS_EM) {
        error_setf(err, QUIRE_E_INVALID, "%s: table 'head' has unitsPerEm %u, expected %d to %d",
                   s->name, (unsigned)f->units_per_em, MIN_UNITS_EM, MAX_UNITS_EM);
        return -1;
    }
    return 0;
}

static int read_maxp(const sfnt *s, font_face *f, quire_error *err)
{
    table t;

    if (find_table(s, "maxp", 1, 6, &t, err) != 0)
        return -1;
    f->num_glyphs = be16(t.p + 4);
    if (f->num_glyphs == 0) {
        error_setf(err, QUIRE_E_INVALID, "%s: table 'maxp' has numGlyphs 0", s->name);
        return -1;
    }
    return 0;
}

/* hhea's vertical metrics, then the advances of hmtx. Needs maxp read. */
static int read_hhea_hmtx(const sfnt *s, font_face *f, quire_error *err)
{
    table hhea, hmtx;

    if (find_table(s, "hhea", 1, 36, &hhea, err) != 0)
        return -1;
    f->ascender = be16s(hhea.p + 4);
    f->descender = be16s(hhea.p + 6);
    f->line_gap = be16s(hhea.p + 8);
    f->num_hmetrics = be16(hhea.p + 34);
    if (f->num_hmetrics == 0) {
        error_setf(err, QUIRE_E_INVALID, "%s: table 'hhea' has numberOfHMetrics 0", s->name);
        return -1;
    }
    /* Metrics for glyphs the font does not have are never looked up. */
    if (f->num_hmetrics > f->num_glyphs)
        f->num_hmetrics = f->num_glyphs;
    if (find_table(s, "hmtx", 1, (size_t)f->num_hmetrics * 4, &hmtx, err) != 0)
        return -1;
    f->hmtx = malloc(f->num_hmetrics * sizeof(*f->hmtx));
    if (f->hmtx == NULL) {
        error_setf(err, QUIRE_E_NOMEM, "%s: out of memory reading table 'hmtx'", s->name);
        return -1;
    }
    for (uint32_t g = 0; g < f->num_hmetrics; g++)
        f->hmtx[g] = be16(hmtx.p + (size_t)g * 4);
    return 0;
}

/* Some fonts leave hhea's ascender and descender at zero and keep their
 * vertical metrics in OS/2 only: fall back to its typographic values, then
 * to its Windows ones. A short or absent OS/2 leaves hhea's zeros. */
static int read_os2_fallback(const sfnt *s, font_face *f, quire_error *err)
{
    table t;

    if (f->ascender != 0 || f->descender != 0)
        return 0;
    if (find_table(s, "OS/2", 0, 0, &t, err) != 0)
        return -1;
    if (t.p == NULL || t.len < 78)
        return 0;
    f->ascender = be16s(t.p + 68);
    f->descender = be16s(t.p + 70);
    f->line_gap = be16s(t.p + 72);
    if (f->ascender == 0 && f->descender == 0) {
        f->ascender = be16(t.p + 74);
        f->descender = -(int32_t)be16(t.p + 76);
        f->line_gap = 0;
    }
    return 0;
}

/* ============================== name ====================================== */

/* Keeps the printable ASCII of a name record (PostScript names are ASCII;
 * anything else is dropped rather than trusted). `wide`: UTF-16BE. */
static void copy_ps_name(font_face *f, const uint8_t *p, size_t len, int wide)
{
    size_t n = 0, step = wide ? 2 : 1;

    for (size_t i = 0; i + step <= len && n < MAX_PS_NAME; i += step) {
        uint32_t c = wide ? be16(p + i) : p[i];
        if (c > 32 && c < 127)
            f->ps_name[n++] = (char)c;
    }
    f->ps_name[n] = '\0';
}

/* The family name (name ID 1): like copy_ps_name, spaces kept. */
static void copy_family(font_face *f, const uint8_t *p, size_t len, int wide)
{
    size_t n = 0, step = wide ? 2 : 1;

    for (size_t i = 0; i + step <= len && n < sizeof(f->family) - 1; i += step) {
        uint32_t c = wide ? be16(p + i) : p[i];
        if (c >= 32 && c < 127)
            f->family[n++] = (char)c;
    }
    f->family[n] = '\0';
}

/* The PostScript name (name ID 6), from a Unicode record if there is one,
 * else a Macintosh Roman one. The name is only shown to people, so a
 * damaged name table gives "" rather than an error. */
static void read_name(const sfnt *s, font_face *f)
{
    table t;
    quire_error ignored;
    uint16_t count, strings;
    int found_mac = 0;

    f->ps_name[0] = '\0';
    f->family[0] = '\0';
    if (find_table(s, "name", 0, 6, &t, &ignored) != 0 || t.p == NULL)
        return;
    count = be16(t.p + 2);
    strings = be16(t.p + 4);
    for (uint16_t i = 0; i < count; i++) {
        const uint8_t *rec = t.p + 6 + (size_t)i * 12;
        uint16_t platform, id, len, off;

        if ((size_t)(rec - t.p) + 12 > t.len)
            break;
        platform = be16(rec);
        id = be16(rec + 6);
        len = be16(rec + 8);
        off = be16(rec + 10);
        if ((size_t)strings + off + len > t.len)
            continue;
        if (id == 1 && (platform == 3 || (platform == 1 && f->family[0] == '\0'))) {
            copy_family(f, t.p + strings + off, len, platform == 3);
            continue;
        }
        if (id != 6)
            continue;
        if (platform == 0 || platform == 3) {
            copy_ps_name(f, t.p + strings + off, len, 1);
            continue;
        }
        if (platform == 1 && !found_mac && f->ps_name[0] == '\0') {
            copy_ps_name(f, t.p + strings + off, len, 0);
            found_mac = 1;
        }
    }
}

/* ============================== cmap ====================================== */

/* Format 4 field arrays, each seg_count uint16s; the subtable starts at
 * f->cmap. */
#define F4_END(i)      (14 + 2 * (size_t)(i))
#define F4_START(n, i) (16 + 2 * (size_t)(n) + 2 * (size_t)(i))
#define F4_DELTA(n, i) (16 + 4 * (size_t)(n) + 2 * (size_t)(i))
#define F4_RANGE(n, i) (16 + 6 * (size_t)(n) + 2 * (size_t)(i))

/* Glyph of `cp` in format 4 segment `i` (cp <= its end). */
static uint32_t fmt4_glyph(const font_face *f, uint32_t i, uint32_t cp)
{
    const uint8_t *c = f->cmap;
    uint32_t n = f->cmap_count;
    uint32_t start = be16(c + F4_START(n, i));
    uint16_t delta = be16(c + F4_DELTA(n, i));
    uint16_t range = be16(c + F4_RANGE(n, i));
    uint32_t g;

    if (cp < start)
        return 0;
    if (range == 0) {
        g = (cp + delta) & 0xFFFFu;
    } else {
        /* idRangeOffset counts bytes from its own position. */
        size_t at = F4_RANGE(n, i) + range + 2 * (size_t)(cp - start);
        if (at + 2 > f->cmap_len)
            return 0;
        g = be16(c + at);
        if (g != 0)
            g = (g + delta) & 0xFFFFu;
    }
    return g < f->num_glyphs ? g : 0;
}

static uint32_t fmt12_glyph(const font_face *f, uint32_t i, uint32_t cp)
{
    const uint8_t *grp = f->cmap + 16 + (size_t)i * 12;
    uint64_t g = (uint64_t)be32(grp + 8) + (cp - be32(grp));

    return g < f->num_glyphs ? (uint32_t)g : 0;
}

uint32_t font_cmap_lookup(const font_face *f, uint32_t cp)
{
    uint32_t lo = 0, hi = f->cmap_count;

    if (f->cmap_format == 4) {
        if (cp > 0xFFFF)
            return 0;
        /* The first segment whose end is >= cp (the ends are sorted). */
        while (lo < hi) {
            uint32_t mid = lo + (hi - lo) / 2;
            if (be16(f->cmap + F4_END(mid)) < cp)
                lo = mid + 1;
            else
                hi = mid;
        }
        return lo < f->cmap_count ? fmt4_glyph(f, lo, cp) : 0;
    }
    /* Format 12: the group holding cp (groups are sorted, disjoint). */
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        const uint8_t *grp = f->cmap + 16 + (size_t)mid * 12;
        if (be32(grp + 4) < cp)
            lo = mid + 1;
        else if (be32(grp) > cp)
            hi = mid;
        else
            return fmt12_glyph(f, mid, cp);
    }
    return 0;
}

/* Checks a format 4 subtable of `len` bytes: its arrays fit and the segment
 * ends ascend (so a binary search finds the first segment that ends at or
 * after a code point, as the format defines). */
static int check_fmt4(const sfnt *s, const uint8_t *p, size_t len, uint32_t *count,
                      quire_error *err)
{
    uint32_t n;

    if (len < 16) {
        error_setf(err, QUIRE_E_INVALID,
                   "%s: table 'cmap' format 4 subtable is truncated (%zu bytes, needs 16)", s->name,
                   len);
        return -1;
    }
    n = be16(p + 6) / 2;
    if (n == 0 || F4_RANGE(n, n) > len) {
        error_setf(err, QUIRE_E_INVALID,
                   "%s: table 'cmap' format 4 subtable is truncated (%u segments need %zu "
                   "bytes, it has %zu)",
                   s->name, (unsigned)n, F4_RANGE(n, n), len);
        return -1;
    }
    for (uint32_t i = 1; i < n; i++) {
        if (be16(p + F4_END(i)) < be16(p + F4_END(i - 1))) {
            error_setf(err, QUIRE_E_INVALID,
                       "%s: table 'cmap' format 4 segment %u ends at U+%04X, before segment "
                       "%u (U+%04X)",
                       s->name, (unsigned)i, (unsigned)be16(p + F4_END(i)), (unsigned)(i - 1),
                       (unsigned)be16(p + F4_END(i - 1)));
            return -1;
        }
    }
    *count = n;
    return 0;
}

/* Checks a format 12 subtable: its groups fit, each is a valid range of
 * code points and they ascend without overlapping. */
static int check_fmt12(const sfnt *s, const uint8_t *p, size_t len, uint32_t *count,
                       quire_error *err)
{
    uint32_t n;

    if (len < 16) {
        error_setf(err, QUIRE_E_INVALID,
                   "%s: table 'cmap' format 12 subtable is truncated (%zu bytes, needs 16)",
                   s->name, len);
        return -1;
    }
    n = be32(p + 12);
    if ((uint64_t)n * 12 + 16 > len) {
        error_setf(err, QUIRE_E_INVALID,
                   "%s: table 'cmap' format 12 subtable is truncated (%u groups need %llu "
                   "bytes, it has %zu)",
                   s->name, (unsigned)n, (unsigned long long)n * 12 + 16, len);
        return -1;
    }
    for (uint32_t i = 0; i < n; i++) {
        const uint8_t *grp = p + 16 + (size_t)i * 12;
        uint32_t start = be32(grp), end = be32(grp + 4);
        if (start > end || end > 0x10FFFF || (i > 0 && start <= be32(grp - 8))) {
            error_setf(err, QUIRE_E_INVALID,
                       "%s: table 'cmap' format 12 group %u (U+%04X..U+%04X) is out of order "
                       "or out of range",
                       s->name, (unsigned)i, (unsigned)start, (unsigned)end);
            return -1;
        }
    }
    *count = n;
    return 0;
}

/* Rank of an encoding record as a Unicode mapping: 3/10 (full Unicode on
 * Windows) before 3/1 (BMP) before the Unicode platform 0 (higher
 * encodings there cover more); 0 for anything else (symbol, Mac Roman). */
static int cmap_rank(uint16_t platform, uint16_t encoding)
{
    if (platform == 3 && encoding == 10)
        return 20;
    if (platform == 3 && encoding == 1)
        return 19;
    if (platform == 0 && encoding <= 6)
        return 10 + encoding;
    return 0;
}

/* Chooses the best Unicode subtable in a format we read, checks it and
 * copies it (up to the end of the cmap table: the 16-bit length of big
 * format 4 subtables often overflows, so it is not trusted). */
static int read_cmap(const sfnt *s, font_face *f, quire_error *err)
{
    table t;
    uint16_t count;
    int best_rank = 0;
    size_t best_off = 0;
    size_t len;

    if (find_table(s, "cmap", 1, 4, &t, err) != 0)
        return -1;
    count = be16(t.p + 2);
    if (4 + (size_t)count * 8 > t.len) {
        error_setf(err, QUIRE_E_INVALID,
                   "%s: table 'cmap' is truncated (%u encoding records need %zu bytes, it has "
                   "%zu)",
                   s->name, (unsigned)count, 4 + (size_t)count * 8, t.len);
        return -1;
    }
    for (uint16_t i = 0; i < count; i++) {
        const uint8_t *rec = t.p + 4 + (size_t)i * 8;
        int rank = cmap_rank(be16(rec), be16(rec + 2));
        uint32_t off = be32(rec + 4);
        uint16_t format;

        if (rank <= best_rank || off > t.len - 2)
            continue;
        format = be16(t.p + off);
        if (format == 4 || format == 12) {
            best_rank = rank;
            best_off = off;
        }
    }
    if (best_rank == 0) {
        error_setf(err, QUIRE_E_INVALID,
                   "%s: table 'cmap' has no Unicode subtable of format 4 or 12", s->name);
        return -1;
    }
    len = t.len - best_off;
    f->cmap_format = be16(t.p + best_off);
    if (f->cmap_format == 4 ? check_fmt4(s, t.p + best_off, len, &f->cmap_count, err)
                            : check_fmt12(s, t.p + best_off, len, &f->cmap_count, err))
        return -1;
    f->cmap = malloc(len);
    if (f->cmap == NULL) {
        error_setf(err, QUIRE_E_NOMEM, "%s: out of memory reading table 'cmap'", s->name);
        return -1;
    }
    memcpy(f->cmap, t.p + best_off, len);
    f->cmap_len = len;
    return 0;
}

/* ============================== BMP tables ================================ */

static uint16_t glyph_advance(const font_face *f, uint32_t g)
{
    return f->hmtx[g < f->num_hmetrics ? g : f->num_hmetrics - 1];
}

static void map_bmp(font_face *f, uint32_t cp, uint32_t g)
{
    if (g == 0)
        return;
    f->bmp_advance[cp] = glyph_advance(f, g);
    f->bmp_missing[cp >> 3] &= (uint8_t) ~(1u << (cp & 7));
}

/* Fills bmp_advance and bmp_missing by walking the cmap's ranges once
 * (not 65536 searches), giving each code point the glyph font_glyph()
 * finds for it. */
static void build_bmp(font_face *f)
{
    uint16_t notdef = glyph_advance(f, 0), space;

    for (uint32_t cp = 0; cp < FONT_BMP; cp++)
        f->bmp_advance[cp] = notdef;
    memset(f->bmp_missing, 0xFF, sizeof(f->bmp_missing));
    if (f->cmap_format == 4) {
        /* A code point belongs to the first segment ending at or after it. */
        uint32_t next = 0;
        for (uint32_t i = 0; i < f->cmap_count; i++) {
            uint32_t end = be16(f->cmap + F4_END(i));
            for (; next <= end; next++)
                map_bmp(f, next, fmt4_glyph(f, i, next));
        }
    } else {
        for (uint32_t i = 0; i < f->cmap_count; i++) {
            const uint8_t *grp = f->cmap + 16 + (size_t)i * 12;
            uint32_t start = be32(grp), end = be32(grp + 4);
            if (start >= FONT_BMP)
                break;
            if (end >= FONT_BMP)
                end = FONT_BMP - 1;
            for (uint32_t cp = start; cp <= end; cp++)
                map_bmp(f, cp, fmt12_glyph(f, i, cp));
        }
    }
    space = f->bmp_advance[' '];
    for (uint32_t cp = 0x09; cp <= 0x0D; cp++) {
        f->bmp_advance[cp] = space;
        f->bmp_missing[cp >> 3] &= (uint8_t) ~(1u << (cp & 7));
    }
}

/* ============================== Loading =================================== */

int font_face_load_mem(const uint8_t *data, size_t len, const char *name, font_face **out,
                       quire_error *err)
{
    sfnt s = {data, len, name != NULL ? name : "font", 0, 0};
    font_face *f;

    *out = NULL;
    if (data == NULL)
        s.len = 0;
    if (read_directory(&s, err) != 0)
        return QUIRE_ERR;
    f = calloc(1, sizeof(*f));
    if (f == NULL) {
        error_setf(err, QUIRE_E_NOMEM, "%s: out of memory loading the font", s.name);
        return QUIRE_ERR;
    }
    if (read_head(&s, f, err) != 0 || read_maxp(&s, f, err) != 0 ||
        read_hhea_hmtx(&s, f, err) != 0 || read_os2_fallback(&s, f, err) != 0 ||
        read_cmap(&s, f, err) != 0)
        goto fail_free_face;
    read_name(&s, f);
    build_bmp(f);
    *out = f;
    return QUIRE_OK;

fail_free_face:
    font_face_free(f);
    return QUIRE_ERR;
}

/* Reads the whole regular file at `path` into a malloc'd buffer. */
static int read_file(const char *path, uint8_t **data, size_t *len, quire_error *err)
{
    struct stat st;
    uint8_t *buf = NULL;
    size_t size, got = 0;
    int fd = open(path, O_RDONLY | O_CLOEXEC);

    if (fd < 0) {
        error_setf(err, QUIRE_E_IO, "%s: cannot open: %s", path, strerror(errno));
        return -1;
    }
    if (fstat(fd, &st) != 0) {
        error_setf(err, QUIRE_E_IO, "%s: cannot read: %s", path, strerror(errno));
        goto fail_close;
    }
    if (!S_ISREG(st.st_mode)) {
        error_setf(err, QUIRE_E_IO, "%s: cannot read: not a regular file", path);
        goto fail_close;
    }
    size = (size_t)st.st_size;
    buf = malloc(size > 0 ? size : 1);
    if (buf == NULL) {
        error_setf(err, QUIRE_E_NOMEM, "%s: out of memory reading %zu bytes", path, size);
        goto fail_close;
    }
    while (got < size) {
        ssize_t n = read(fd, buf + got, size - got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            error_setf(err, QUIRE_E_IO, "%s: cannot read: %s", path, strerror(errno));
            goto fail_free_buffer;
        }
        if (n == 0)
            break; /* shrunk since fstat: parse what there is */
        got += (size_t)n;
    }
    close(fd);
    *data = buf;
    *len = got;
    return 0;

fail_free_buffer:
    free(buf);
fail_close:
    close(fd);
    return -1;
}

/* Reads `len` bytes at `off` of fd into buf + off; 0, or -1 on any error
 * or short read. */
static int pread_all(int fd, uint8_t *buf, size_t off, size_t len)
{
    while (len > 0) {
        ssize_t n = pread(fd, buf + off, len, (off_t)off);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return -1;
        off += (size_t)n;
        len -= (size_t)n;
    }
    return 0;
}

/* Below this size a font is read whole: the saving is not worth a call. */
#define SPARSE_MIN ((size_t)256 * 1024)

/* The tables font_face_load_mem reads; the others (glyf, most of a font's
 * bytes, loca, GPOS...) only a renderer embedding the font needs. */
static int table_needed(uint32_t tag)
{
    return tag == TAG('h', 'e', 'a', 'd') || tag == TAG('m', 'a', 'x', 'p') ||
           tag == TAG('h', 'h', 'e', 'a') || tag == TAG('h', 'm', 't', 'x') ||
           tag == TAG('O', 'S', '/', '2') || tag == TAG('n', 'a', 'm', 'e') ||
           tag == TAG('c', 'm', 'a', 'p');
}

/*
 * Reads the parts of the plain TrueType file at `path` that loading
 * needs into a zeroed buffer of the file's size, at their offsets: the
 * offset table and table directory, then each table of table_needed()
 * within the file. The rest stays zero (calloc'd pages never touched), so
 * the 12 configured DejaVu files cost 0.9 MB of reads instead of 5.5 MB
 * at every render. Returns 1 when done; 0 when the file should be read
 * whole instead (small, a collection, a directory that does not fit, a
 * read error): read_file() then decides and reports what is wrong.
 */
static int read_tables(const char *path, uint8_t **data, size_t *len)
{
    struct stat st;
    uint8_t *buf = NULL;
    size_t size, dir_end;
    uint16_t ntables;
    int fd = open(path, O_RDONLY | O_CLOEXEC);

    if (fd < 0)
        return 0;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || (size_t)st.st_size < SPARSE_MIN)
        goto fail_close;
    size = (size_t)st.st_size;
    buf = calloc(1, size);
    if (buf == NULL || pread_all(fd, buf, 0, 12) != 0)
        goto fail_free_buffer;
    if (be32(buf) == SFNT_TTC)
        goto fail_free_buffer;
    ntables = be16(buf + 4);
    dir_end = 12 + (size_t)ntables * 16;
    if (dir_end > size || pread_all(fd, buf, 12, dir_end - 12) != 0)
        goto fail_free_buffer;
    for (uint16_t i = 0; i < ntables; i++) {
        const uint8_t *rec = buf + 12 + (size_t)i * 16;
        uint32_t off = be32(rec + 8), tlen = be32(rec + 12);
        if (!table_needed(be32(rec)) || off >= size)
            continue; /* the parser reports a table outside the file */
        if (tlen > size - off)
            tlen = (uint32_t)(size - off);
        if (pread_all(fd, buf, off, tlen) != 0)
            goto fail_free_buffer;
    }
    close(fd);
    *data = buf;
    *len = size;
    return 1;

fail_free_buffer:
    free(buf);
fail_close:
    close(fd);
    return 0;
}

int font_face_load(const char *path, font_face **out, quire_error *err)
{
    uint8_t *data;
    size_t len;
    int rc;

    *out = NULL;
    if (!read_tables(path, &data, &len) && read_file(path, &data, &len, err) != 0)
        return QUIRE_ERR;
    rc = font_face_load_mem(data, len, path, out, err);
    free(data);
    return rc;
}

void font_face_free(font_face *f)
{
    if (f == NULL)
        return;
    free(f->hmtx);
    free(f->cmap);
    free(f);
}

/* ============================== Accessors ================================= */

double font_ascent(const font_face *f)
{
    return (double)f->ascender / f->units_per_em;
}

double font_descent(const font_face *f)
{
    return (double)-f->descender / f->units_per_em;
}

double font_line_gap(const font_face *f)
{
    return (double)f->line_gap / f->units_per_em;
}

double font_line_height(const font_face *f)
{
    return (double)(f->ascender - f->descender + f->line_gap) / f->units_per_em;
}

const char *font_family_name(const font_face *f)
{
    return f->family;
}

uint32_t font_style_bits(const font_face *f)
{
    return f->mac_style & 3u;
}

const char *font_postscript_name(const font_face *f)
{
    return f->ps_name;
}

uint32_t font_glyph(const font_face *f, uint32_t cp)
{
    return cp <= 0x10FFFF ? font_cmap_lookup(f, cp) : 0;
}

uint32_t font_advance_units(const font_face *f, uint32_t cp)
{
    return glyph_advance(f, font_glyph(f, cp));
}

uint32_t font_units_per_em(const font_face *f)
{
    return f->units_per_em;
}
