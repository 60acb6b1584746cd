/*
 * csv_scan.c - the csv plugin's byte scanning (see csv.h): the structural
 * index the lexer's fast path reads records from, and the counts that
 * partitioning and lazy line numbers need.
 *
 * The index works on 64-byte blocks, one bit per byte, so the cost per
 * byte is a few vector instructions instead of a branch. For each block:
 *
 *   q, d, n, r   bits of the quote, delimiter, LF and CR bytes;
 *   inside       bits of bytes inside quotes: the prefix XOR of q (a quote
 *                toggles), carried across blocks;
 *   structural   (d | n) & ~inside: the ends of fields and records.
 *
 * The toggle model is exact for RFC 4180 input: a doubled quote toggles
 * twice, so delimiters and newlines inside a quoted field stay inside. It
 * is checked, block by block, by the rules the state machine in
 * csv_lexer.c enforces:
 *
 *   1. a quote that opens (q & inside) follows a field start (a structural
 *      byte or the scan start) or a closing quote (the second of "");
 *   2. a quote that closes (q & ~inside) is followed by a quote, the
 *      delimiter, LF or CR (or the end of the input);
 *   3. a CR outside quotes is followed by LF;
 *   4. the input does not end inside quotes or right after such a CR.
 *
 * A block that breaks one stops the index there: the lexer hands the
 * record to the state machine, which gives the exact error. So the index
 * never has to be right about bad input, only to notice it.
 *
 * Most blocks of most files have no quote and no CR: those take a short
 * path (structural = d | n) after one test.
 */
#include <string.h>

#include "csv.h"

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#define BLOCK 64

/* ============================== Bits ====================================== */

/* Bit i of the result: the XOR of bits 0..i of x (1 inside quotes). */
static uint64_t prefix_xor(uint64_t x)
{
    x ^= x << 1;
    x ^= x << 2;
    x ^= x << 4;
    x ^= x << 8;
    x ^= x << 16;
    x ^= x << 32;
    return x;
}

static unsigned lowest_bit(uint64_t x)
{
    return (unsigned)__builtin_ctzll(x);
}

/* ============================== Block masks =============================== */

typedef struct block_masks {
    uint64_t dn; /* delimiter or LF */
    uint64_t qr; /* not 0 if the block has a quote or a CR: it needs the full
                    rules (which bits are set depends on the platform) */
} block_masks;

#if defined(__SSE2__)

/* The bytes block_scan() compares with, broadcast once per index run. */
typedef struct scan_consts {
    __m128i d, n, q, r;
} scan_consts;

static void consts_init(const csv_scanner *s, scan_consts *k)
{
    k->d = _mm_set1_epi8((char)s->delimiter);
    k->n = _mm_set1_epi8('\n');
    /* No quoting: compare with CR twice rather than with a byte that may
     * occur in the data. */
    k->q = _mm_set1_epi8(s->quote >= 0 ? (char)s->quote : '\r');
    k->r = _mm_set1_epi8('\r');
}

static uint64_t eq_mask(__m128i v, __m128i a, __m128i b)
{
    return (uint64_t)(uint32_t)_mm_movemask_epi8(
        _mm_or_si128(_mm_cmpeq_epi8(v, a), _mm_cmpeq_epi8(v, b)));
}

static void block_scan(const scan_consts *k, const char *p, block_masks *m)
{
    uint64_t dn = 0;
    __m128i qr = _mm_setzero_si128();

    for (int i = 0; i < BLOCK; i += 16) {
        __m128i v = _mm_loadu_si128((const __m128i *)(const void *)(p + i));
        dn |= eq_mask(v, k->d, k->n) << i;
        qr = _mm_or_si128(qr, _mm_or_si128(_mm_cmpeq_epi8(v, k->q), _mm_cmpeq_epi8(v, k->r)));
    }
    m->dn = dn;
    /* Only whether there is any: the full rules find where. */
    m->qr = (uint64_t)(uint32_t)_mm_movemask_epi8(qr);
}

/* The bytes of the block equal to c. */
static uint64_t byte_mask(const char *p, unsigned char c)
{
    const __m128i v = _mm_set1_epi8((char)c);
    uint64_t m = 0;

    for (int i = 0; i < BLOCK; i += 16) {
        __m128i b = _mm_loadu_si128((const __m128i *)(const void *)(p + i));
        m |= (uint64_t)(uint32_t)_mm_movemask_epi8(_mm_cmpeq_epi8(b, v)) << i;
    }
    return m;
}

#else

typedef struct scan_consts {
    unsigned char delimiter;
    int quote;
} scan_consts;

static void consts_init(const csv_scanner *s, scan_consts *k)
{
    k->delimiter = s->delimiter;
    k->quote = s->quote;
}

static uint64_t byte_mask(const char *p, unsigned char c)
{
    uint64_t m = 0;

    for (int i = 0; i < BLOCK; i++)
        m |= (uint64_t)((unsigned char)p[i] == c) << i;
    return m;
}

static void block_scan(const scan_consts *k, const char *p, block_masks *m)
{
    m->dn = byte_mask(p, k->delimiter) | byte_mask(p, '\n');
    m->qr = byte_mask(p, '\r');
    if (k->quote >= 0)
        m->qr |= byte_mask(p, (unsigned char)k->quote);
}

#endif

/* ============================== The index ================================= */

void csv_scanner_init(csv_scanner *s, unsigned char delimiter, int quote)
{
    memset(s, 0, sizeof(*s));
    s->delimiter = delimiter;
    s->quote = quote;
    csv_scanner_reset(s);
}

void csv_scanner_reset(csv_scanner *s)
{
    s->inside = 0;
    s->after_struct = 1; /* a record starts here: a field start */
    s->after_close = 0;
    s->after_cr = 0;
}

int csv_scanner_can_end(const csv_scanner *s)
{
    return !s->inside && !s->after_cr;
}

/* A block with a quote or a CR, or carried state: the full rules. Returns
 * the structural bits and sets *quoted_lf to the LFs inside quotes, or sets
 * *bad if the block breaks a rule. `last` is the bit of the input's last
 * byte when the block holds it, else 0. */
static uint64_t block_full(csv_scanner *s, const char *p, uint64_t dn, uint64_t valid,
                           uint64_t last, uint64_t *quoted_lf, int *bad)
{
    uint64_t q = s->quote >= 0 ? byte_mask(p, (unsigned char)s->quote) & valid : 0;
    uint64_t r = byte_mask(p, '\r') & valid;
    uint64_t n = byte_mask(p, '\n') & valid;
    uint64_t inside = prefix_xor(q) ^ s->inside;
    uint64_t open = q & inside, close = q & ~inside;
    uint64_t structural = dn & ~inside;
    uint64_t cr_out = r & ~inside;
    uint64_t follows_struct = (structural << 1) | s->after_struct;
    uint64_t follows_close = (close << 1) | s->after_close;
    uint64_t follows_cr = (cr_out << 1) | s->after_cr;
    uint64_t broken = 0;

    /* Rule 1: an opening quote starts a field or is the second of "". */
    broken |= open & ~(follows_struct | follows_close);
    /* Rule 2: after a close, a quote, the delimiter, LF or CR (the
     * delimiter and LF there are outside quotes). */
    broken |= follows_close & valid & ~(open | dn | r);
    /* Rule 3: the byte after a CR outside quotes is LF. */
    broken |= follows_cr & valid & ~n;
    /* Rule 4: the input ends inside quotes or right after a bare CR. */
    broken |= (inside | cr_out) & last;
    if (broken) {
        *bad = 1;
        return 0;
    }
    s->inside = (inside >> 63) ? UINT64_MAX : 0;
    s->after_struct = structural >> 63;
    s->after_close = close >> 63;
    s->after_cr = cr_out >> 63;
    *quoted_lf = n & inside;
    return structural;
}

size_t csv_scan_index(csv_scanner *s, const char *data, size_t from, size_t to, int at_end,
                      uint32_t *out, size_t *next, int *blocked)
{
    size_t at = from, count = 0;
    scan_consts k;

    consts_init(s, &k);
    *blocked = 0;
    while (at < to) {
        const char *p = data + at;
        char tail[BLOCK];
        uint64_t valid = UINT64_MAX, last = 0, bits, quoted_lf = 0;
        size_t width = BLOCK;
        block_masks m;
        uint32_t rel = (uint32_t)(at - from);

        if (to - at < BLOCK) {
            /* A partial block only at the end of the input: more bytes
             * could change what the last ones mean. NUL is neither the
             * delimiter, the quote nor a line end, so it pads safely. */
            if (!at_end)
                break;
            width = to - at;
            memset(tail, 0, sizeof(tail));
            memcpy(tail, p, width);
            p = tail;
            valid = ((uint64_t)1 << width) - 1;
            last = (uint64_t)1 << (width - 1);
        }
        block_scan(&k, p, &m);
        m.dn &= valid;
        if (m.qr == 0 && !s->inside && !s->after_close && !s->after_cr) {
            bits = m.dn;
            s->after_struct = bits >> 63;
            while (bits) {
                out[count++] = rel + lowest_bit(bits);
                bits &= bits - 1;
            }
        } else {
            int bad = 0;
            bits = block_full(s, p, m.dn, valid, last, &quoted_lf, &bad);
            if (bad) {
                *blocked = 1;
                break;
            }
            bits |= quoted_lf;
            while (bits) {
                unsigned i = lowest_bit(bits);
                out[count++] = (rel + i) | ((uint32_t)((quoted_lf >> i) & 1) << 31);
                bits &= bits - 1;
            }
        }
        at += width;
    }
    /* An input that ends with a full block may end inside quotes or after
     * a bare CR too. */
    if (!*blocked && at_end && at == to && !csv_scanner_can_end(s))
        *blocked = 1;
    *next = at;
    return count;
}

/* ============================== Counting ================================== */

#if defined(__SSE2__)

/* Occurrences of c in s[0..n), 16 bytes at a time: byte-wide counters
 * (cmpeq gives -1 per hit) summed before they can wrap. */
static size_t count_dense(const char *s, size_t n, unsigned char c)
{
    const __m128i needle = _mm_set1_epi8((char)c), zero = _mm_setzero_si128();
    size_t count = 0, i = 0;

    while (n - i >= 16) {
        __m128i acc = zero, sums;
        for (int k = 0; k < 255 && n - i >= 16; k++, i += 16) {
            __m128i v = _mm_loadu_si128((const __m128i *)(const void *)(s + i));
            acc = _mm_sub_epi8(acc, _mm_cmpeq_epi8(v, needle));
        }
        sums = _mm_sad_epu8(acc, zero);
        count += (size_t)_mm_cvtsi128_si32(sums) +
                 (size_t)_mm_cvtsi128_si32(_mm_unpackhi_epi64(sums, sums));
    }
    for (; i < n; i++)
        count += (unsigned char)s[i] == c;
    return count;
}

#else

static size_t count_dense(const char *s, size_t n, unsigned char c)
{
    size_t count = 0;

    for (size_t i = 0; i < n; i++)
        count += (unsigned char)s[i] == c;
    return count;
}

#endif

size_t csv_count_byte(const char *s, size_t n, unsigned char c)
{
    const char *p = s, *end = s + n;
    size_t count = 0;

    /* memchr skips long runs without c (quotes in most files); where c is
     * frequent, count a stretch densely before looking again. */
    while (p < end) {
        const char *hit = memchr(p, c, (size_t)(end - p));
        size_t span;
        if (hit == NULL)
            break;
        span = (size_t)(end - hit) < 4096 ? (size_t)(end - hit) : 4096;
        count += count_dense(hit, span, c);
        p = hit + span;
    }
    return count;
}

size_t csv_row_start(const char *data, size_t size, size_t from, int inside, size_t target,
                     int quote)
{
    size_t j = target - 1;

    if (target <= from)
        return from;
    if (target > size)
        return size;
    /* A LF ends a row when an even number of quotes comes before it since
     * a row start; the byte at target - 1 ends one if target starts a row. */
    if (quote >= 0)
        inside ^= (int)(csv_count_byte(data + from, j - from, (unsigned char)quote) & 1);
    else
        inside = 0;
    while (j < size) {
        const char *lf, *q;
        size_t limit;
        if (inside) {
            q = memchr(data + j, quote, size - j);
            if (q == NULL)
                return size;
            inside = 0;
            j = (size_t)(q - data) + 1;
            continue;
        }
        lf = memchr(data + j, '\n', size - j);
        limit = lf != NULL ? (size_t)(lf - data) : size;
        q = quote >= 0 ? memchr(data + j, quote, limit - j) : NULL;
        if (q == NULL)
            return limit == size ? size : limit + 1;
        inside = 1;
        j = (size_t)(q - data) + 1;
    }
    return size;
}
