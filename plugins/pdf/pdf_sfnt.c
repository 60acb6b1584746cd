/*
 * pdf_sfnt.c - the embedded font program, completed without libharu's
 * byte-by-byte copying.
 *
 * libharu makes a TrueType subset (the FontFile2 stream) in its font hook:
 * it rebuilds head, glyf (the glyphs used, every other one empty, so glyph
 * numbers stay), loca and name (the subset tag added), and copies the nine
 * other tables it keeps (OS/2, cmap, cvt, fpgm, hhea, hmtx, maxp, post,
 * prep) from the font file four bytes at a time: a read from the FILE and
 * a write into its memory stream for every four bytes, then two more
 * passes of four-byte reads for the checksums. For DejaVu Sans that is
 * 96 KB a font and most of the 6 ms the two fonts of examples/sales.quire
 * took at the very end of the render.
 *
 * So pdf_embed.c lets the hook run with those nine tables' lengths set to
 * zero (it writes them empty), and pdf_sfnt_complete() puts them back:
 * the table directory of libharu's output is kept in its order, the tables
 * it made are taken from it, the nine from the font file (one read each),
 * each table starts on a four-byte boundary (libharu leaves them unaligned,
 * which the TrueType format does not allow), and the checksums and head's
 * checkSumAdjustment are computed again.
 *
 * post is written as format 3.0: its first 32 bytes (italic angle,
 * underline, fixed pitch, memory hints) without the glyph names, which a
 * PDF reader never uses (the text's codes are glyph numbers through the
 * CIDToGIDMap; names come from ToUnicode). That is 62 KB of DejaVu Sans's
 * 143 KB subset.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "pdf.h"

/* Bytes of the sfnt header and of one table record. */
#define SFNT_HEADER     12u
#define SFNT_RECORD     16u
#define POST_V3_LEN     32u
#define HEAD_ADJUST_AT  8u /* head: checkSumAdjustment */
#define SFNT_MAGIC_SUM  0xB1B0AFBAu
#define SFNT_MAX_TABLES 64u

static uint32_t get_u32(const unsigned char *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | (uint32_t)p[3];
}

static void put_u32(unsigned char *p, uint32_t v)
{
    p[0] = (unsigned char)(v >> 24);
    p[1] = (unsigned char)(v >> 16);
    p[2] = (unsigned char)(v >> 8);
    p[3] = (unsigned char)v;
}

/* The TrueType checksum of `len` bytes (a multiple of 4, zero padded). */
static uint32_t table_sum(const unsigned char *p, size_t len)
{
    uint32_t sum = 0;
    for (size_t i = 0; i < len; i += 4)
        sum += get_u32(p + i);
    return sum;
}

/* The kept table `tag` of the font file, or NULL. */
static const pdf_sfnt_table *find_kept(const pdf_sfnt_table *kept, size_t nkept, const char *tag)
{
    for (size_t i = 0; i < nkept; i++)
        if (memcmp(kept[i].tag, tag, 4) == 0)
            return &kept[i];
    return NULL;
}

/* Sets "font 'PATH': cannot read it again: REASON" for errno `errnum`. */
static void io_error(const quire_host *host, quire_error *err, const char *path, int errnum)
{
    char why[128];

    if (strerror_r(errnum, why, sizeof(why)) != 0)
        snprintf(why, sizeof(why), "error %d", errnum);
    host->error_set(err, QUIRE_E_IO, "font '%s': cannot read it again: %s", path, why);
}

/* Reads `len` bytes at `offset` of fd into buf; 0 or an errno. */
static int read_at(int fd, uint64_t offset, unsigned char *buf, size_t len)
{
    while (len > 0) {
        ssize_t n = pread(fd, buf, len, (off_t)offset);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return n < 0 ? errno : EIO;
        buf += n;
        len -= (size_t)n;
        offset += (uint64_t)n;
    }
    return 0;
}

int pdf_sfnt_complete(const quire_host *host, const unsigned char *subset, size_t subset_len,
                      const char *path, const pdf_sfnt_table *kept, size_t nkept,
                      unsigned char **out, size_t *out_len, quire_error *err)
{
    unsigned ntables;
    size_t total, at;
    unsigned char *font = NULL;
    uint32_t whole;
    int fd, head_at = -1, errnum;

    *out = NULL;
    *out_len = 0;
    if (subset_len < SFNT_HEADER)
        goto fail_format;
    ntables = (unsigned)subset[4] << 8 | subset[5];
    if (ntables == 0 || ntables > SFNT_MAX_TABLES ||
        subset_len < SFNT_HEADER + (size_t)ntables * SFNT_RECORD)
        goto fail_format;

    /* The size: each table from where it comes, padded to 4 bytes. */
    total = SFNT_HEADER + (size_t)ntables * SFNT_RECORD;
    for (unsigned i = 0; i < ntables; i++) {
        const unsigned char *rec = subset + SFNT_HEADER + i * SFNT_RECORD;
        const pdf_sfnt_table *k = find_kept(kept, nkept, (const char *)rec);
        uint64_t len = get_u32(rec + 12), off = get_u32(rec + 8);
        if (k != NULL)
            len = memcmp(rec, "post", 4) == 0 && k->length > POST_V3_LEN ? POST_V3_LEN : k->length;
        else if (off + len > subset_len)
            goto fail_format;
        total += (size_t)((len + 3) & ~(uint64_t)3);
    }
    if (total > UINT32_MAX)
        goto fail_format;
    font = host->calloc(1, total);
    if (font == NULL) {
        host->error_set(err, QUIRE_E_NOMEM, "out of memory");
        return QUIRE_ERR;
    }
    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        io_error(host, err, path, errno);
        goto fail_free_font;
    }

    memcpy(font, subset, SFNT_HEADER);
    at = SFNT_HEADER + (size_t)ntables * SFNT_RECORD;
    for (unsigned i = 0; i < ntables; i++) {
        const unsigned char *rec = subset + SFNT_HEADER + i * SFNT_RECORD;
        unsigned char *dst = font + SFNT_HEADER + i * SFNT_RECORD;
        const pdf_sfnt_table *k = find_kept(kept, nkept, (const char *)rec);
        size_t len;

        if (k != NULL) {
            int post = memcmp(rec, "post", 4) == 0 && k->length > POST_V3_LEN;
            len = post ? POST_V3_LEN : k->length;
            if ((errnum = read_at(fd, k->offset, font + at, len)) != 0) {
                io_error(host, err, path, errnum);
                goto fail_close_fd;
            }
            if (post)
                put_u32(font + at, 0x00030000u); /* version 3.0: no glyph names */
        } else {
            len = get_u32(rec + 12);
            memcpy(font + at, subset + get_u32(rec + 8), len);
        }
        if (memcmp(rec, "head", 4) == 0 && len >= HEAD_ADJUST_AT + 4) {
            head_at = (int)at;
            put_u32(font + at + HEAD_ADJUST_AT, 0); /* summed as zero */
        }
        memcpy(dst, rec, 4);
        put_u32(dst + 4, table_sum(font + at, (len + 3) & ~(size_t)3));
        put_u32(dst + 8, (uint32_t)at);
        put_u32(dst + 12, (uint32_t)len);
        at += (len + 3) & ~(size_t)3;
    }
    close(fd);
    whole = table_sum(font, total);
    if (head_at >= 0)
        put_u32(font + head_at + HEAD_ADJUST_AT, SFNT_MAGIC_SUM - whole);
    *out = font;
    *out_len = total;
    return QUIRE_OK;

fail_format:
    host->error_set(err, QUIRE_E_INTERNAL, "font '%s': libharu's subset is not a font program",
                    path);
    return QUIRE_ERR;
fail_close_fd:
    close(fd);
fail_free_font:
    host->free(font);
    return QUIRE_ERR;
}
