/*
 * fill_pack.c - a page's elements and text bytes packed into a short byte
 * string while the page waits (for Page X of Y), and unpacked exactly when
 * it is sent (see elbuf_pack() in fill_int.h).
 *
 * A waiting page is mostly rows of the same band: each element is very
 * nearly the element of the same band item one row up, moved down by the
 * row's height. So every element is written against a reference, the last
 * element of its slot (a hash of band, item and kind), one 64-bit word at a
 * time (quire_element is 21 words):
 *
 *   0  the reference's word
 *   1  the reference's word plus the slot's last difference for this word
 *      (the row pitch: y, baseline, instance)
 *   2  the reference's word plus a difference (zigzag LEB128), which
 *      becomes the slot's last difference
 *   3  the word itself, 8 bytes (the difference is remembered too)
 *
 * Differences are taken on the words' bits as unsigned integers, so any
 * word (doubles, pointers, padding) comes back bit for bit. The text bytes
 * follow the elements as they are.
 *
 * Layout: "QP1", nels and blob_len (LEB128), then per element its slot
 * byte, the 42 bits of codes in 6 bytes (word k in bits 2k, 2k+1), the
 * payloads in word order, and at the end the blob.
 */
#include <stdlib.h>
#include <string.h>

#include "fill_int.h"

#define WORDS 21
#define SLOTS 64

_Static_assert(sizeof(quire_element) == WORDS * 8, "quire_element is 21 words");
_Static_assert(WORDS % 3 == 0, "elbuf_pack() compares three words at a time");

/* What packing and unpacking both remember: per slot, its last element
 * and the last difference of each word. */
typedef struct pack_state {
    uint64_t used; /* bit s: slot s has been met (else it is all zero) */
    uint64_t ref[SLOTS][WORDS];
    uint64_t delta[SLOTS][WORDS];
} pack_state;

/* The state of slot s, zeroed when first met: a page uses a few slots,
 * and clearing all of them would cost more than packing a short page. */
static unsigned use_slot(pack_state *ps, unsigned s)
{
    if (!(ps->used >> s & 1)) {
        ps->used |= (uint64_t)1 << s;
        memset(ps->ref[s], 0, sizeof(ps->ref[s]));
        memset(ps->delta[s], 0, sizeof(ps->delta[s]));
    }
    return s;
}

static const char MAGIC[3] = {'Q', 'P', '1'};

/* ============================== Bytes ===================================== */

static uint8_t *put_leb(uint8_t *p, uint64_t v)
{
    while (v >= 0x80) {
        *p++ = (uint8_t)(v | 0x80);
        v >>= 7;
    }
    *p++ = (uint8_t)v;
    return p;
}

/* Reads a LEB128 number at *p (< end); NULL when it runs past end or
 * past 64 bits. */
static const uint8_t *get_leb(const uint8_t *p, const uint8_t *end, uint64_t *v)
{
    uint64_t r = 0;

    if (p < end && *p < 0x80) { /* most differences are small */
        *v = *p;
        return p + 1;
    }
    for (unsigned shift = 0; p < end && shift < 64; shift += 7) {
        uint8_t c = *p++;
        r |= (uint64_t)(c & 0x7f) << shift;
        if (c < 0x80) {
            *v = r;
            return p;
        }
    }
    return NULL;
}

static uint64_t zigzag(uint64_t d)
{
    return (d << 1) ^ (0 - (d >> 63)); /* all ones when negative */
}

static uint64_t unzigzag(uint64_t z)
{
    return (z >> 1) ^ (0 - (z & 1));
}

/* The slot of an element: elements of one band item follow each other
 * row after row. */
static unsigned slot_of(const quire_element *e)
{
    return (e->item * 7u + e->band * 3u + e->kind) % SLOTS;
}

/* ============================== Packing =================================== */

int elbuf_pack(const el_buf *b, uint8_t **out, size_t *len)
{
    /* Worst case: every word raw. */
    size_t cap = 3 + 2 * 10 + b->nels * (1 + 6 + WORDS * 8) + b->blob_len;
    pack_state *ps = malloc(sizeof(*ps));
    uint8_t *buf = malloc(cap), *p, *shrunk;

    if (ps == NULL || buf == NULL)
        goto fail_free_buf;
    ps->used = 0;
    memcpy(buf, MAGIC, sizeof(MAGIC));
    p = put_leb(buf + sizeof(MAGIC), b->nels);
    p = put_leb(p, b->blob_len);
    for (size_t i = 0; i < b->nels; i++) {
        const char *e = (const char *)&b->els[i];
        uint64_t codes = 0, *ref;
        uint32_t changed = 0;
        unsigned s = use_slot(ps, slot_of(&b->els[i]));
        uint8_t *head;
        *p++ = (uint8_t)s;
        head = p;
        p += 6;
        ref = ps->ref[s];
        /* Most words are the reference's: find the others at once. The
         * words are read where they are (a copy would cost more). */
        for (unsigned k = 0; k < WORDS; k += 3) { /* three chains, not one */
            uint64_t x0, x1, x2;
            memcpy(&x0, e + 8 * k, 8);
            memcpy(&x1, e + 8 * k + 8, 8);
            memcpy(&x2, e + 8 * k + 16, 8);
            changed |= ((uint32_t)(x0 != ref[k]) | (uint32_t)(x1 != ref[k + 1]) << 1 |
                        (uint32_t)(x2 != ref[k + 2]) << 2)
                       << k;
        }
        while (changed != 0) {
            unsigned k = (unsigned)__builtin_ctz(changed);
            uint64_t x, d, z;
            changed &= changed - 1;
            memcpy(&x, e + 8 * k, 8);
            d = x - ref[k];
            ref[k] = x;
            if (d == ps->delta[s][k]) {
                codes |= (uint64_t)1 << (2 * k);
                continue;
            }
            ps->delta[s][k] = d;
            z = zigzag(d);
            if (z < ((uint64_t)1 << 49)) { /* at most 7 bytes of LEB128 */
                codes |= (uint64_t)2 << (2 * k);
                p = put_leb(p, z);
            } else {
                codes |= (uint64_t)3 << (2 * k);
                memcpy(p, &x, 8);
                p += 8;
            }
        }
        for (int k = 0; k < 6; k++)
            head[k] = (uint8_t)(codes >> (8 * k));
    }
    if (b->blob_len > 0)
        memcpy(p, b->blob, b->blob_len);
    p += b->blob_len;
    free(ps);
    *len = (size_t)(p - buf);
    /* Give back what the worst case did not use (it was never touched). */
    shrunk = realloc(buf, *len);
    *out = shrunk != NULL ? shrunk : buf;
    return 0;

fail_free_buf:
    free(buf);
    free(ps);
    return -1;
}

/* ============================== Unpacking ================================= */

/* Makes room for n elements and blob_len bytes in b (keeping nothing). */
static int reserve(el_buf *b, size_t n, size_t blob_len)
{
    if (n > b->cap) {
        quire_element *els = realloc(b->els, n * sizeof(*els));
        if (els == NULL)
            return -1;
        b->els = els;
        b->cap = n;
    }
    if (blob_len > b->blob_cap) {
        char *blob = realloc(b->blob, blob_len);
        if (blob == NULL)
            return -1;
        b->blob = blob;
        b->blob_cap = blob_len;
    }
    return 0;
}

int elbuf_unpack(el_buf *b, const uint8_t *bytes, size_t len)
{
    const uint8_t *p = bytes, *end = bytes + len;
    uint64_t nels, blob_len;
    pack_state *ps;

    b->nels = 0;
    b->blob_len = 0;
    if (len < sizeof(MAGIC) || memcmp(bytes, MAGIC, sizeof(MAGIC)) != 0)
        return -1;
    p += sizeof(MAGIC);
    if ((p = get_leb(p, end, &nels)) == NULL || (p = get_leb(p, end, &blob_len)) == NULL ||
        blob_len > len || nels > len / 7) /* every element takes 7 bytes at least */
        return -1;
    if (reserve(b, (size_t)nels, (size_t)blob_len) != 0 || (ps = malloc(sizeof(*ps))) == NULL)
        return -1;
    ps->used = 0;
    for (size_t i = 0; i < nels; i++) {
        char *e = (char *)&b->els[i];
        uint64_t codes = 0, *ref;
        unsigned s;
        if (end - p < 7 || p[0] >= SLOTS)
            goto fail_free_state;
        s = use_slot(ps, *p++);
        for (int k = 0; k < 6; k++)
            codes |= (uint64_t)p[k] << (8 * k);
        p += 6;
        ref = ps->ref[s];
        /* The reference, then the words that differ from it. */
        memcpy(e, ref, WORDS * 8);
        while (codes != 0) {
            unsigned k = (unsigned)__builtin_ctzll(codes) / 2;
            uint64_t z, code = codes >> (2 * k) & 3;
            codes &= ~((uint64_t)3 << (2 * k));
            if (k >= WORDS)
                goto fail_free_state;
            switch (code) {
            case 1: ref[k] += ps->delta[s][k]; break;
            case 2:
                if ((p = get_leb(p, end, &z)) == NULL)
                    goto fail_free_state;
                ps->delta[s][k] = unzigzag(z);
                ref[k] += ps->delta[s][k];
                break;
            default: {
                uint64_t x;
                if (end - p < 8)
                    goto fail_free_state;
                memcpy(&x, p, 8);
                p += 8;
                ps->delta[s][k] = x - ref[k];
                ref[k] = x;
                break;
            }
            }
            memcpy(e + 8 * k, &ref[k], 8);
        }
    }
    if ((uint64_t)(end - p) != blob_len)
        goto fail_free_state;
    if (blob_len > 0)
        memcpy(b->blob, p, (size_t)blob_len);
    free(ps);
    b->nels = (size_t)nels;
    b->blob_len = (size_t)blob_len;
    return 0;

fail_free_state:
    free(ps);
    return -1;
}
