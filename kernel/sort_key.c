/*
 * sort_key.c - the sorter's row encoding and key codes: a batch row written
 * as a record and decoded back, the order-preserving 64-bit code of one of
 * a record's keys (of a string key, of 7 of its bytes), and the key-by-key
 * comparison of two records (see sort.h for the order).
 *
 * A row is held as one record: a LEB128 body length, then the body
 *   null bitmap   one bit per column, in encoded column order
 *   values        the non-NULL cells in encoded column order: a FLOAT as
 *                 8 bytes (memcpy'd, host order), the other numeric types
 *                 as zigzag LEB128 (ids, dates, amounts and flags take 1 to
 *                 4 bytes, which keeps the records, the memory they fill
 *                 and the cache lines a sort touches small), a string as
 *                 its LEB128 length and bytes
 *   source line   zigzag LEB128
 * Encoded column order puts the key columns first, in key order, so a
 * comparison walks the keys from the front of the body and stops at the
 * first difference. Records live in large blocks in memory and are written
 * to spill files unchanged.
 *
 * The code of a numeric key is its whole value. The code of a string from
 * byte `off` is its next 7 bytes, zero-padded, and then min(remaining
 * length, 8): order is kept (of two strings equal in those 7 bytes, a
 * shorter one that ends there is a prefix of the other), and when at most 7
 * bytes remain the code holds all of them ("whole"); strings with equal
 * codes that are not whole go on at off + 7. Within one run the first key
 * is coded after the prefix that all the run's first keys share, so keys
 * like "customer-0042" differ in their first codes; merges code from the
 * first byte, as runs share less.
 */
#include "sort_int.h"

#include <math.h>
#include <string.h>

#include "arena.h"

/* ============================== Keys ====================================== */

/* Zigzag: small magnitudes, negative or not, get small codes (and short
 * LEB128 encodings). */
static inline uint64_t zigzag(int64_t v)
{
    return ((uint64_t)v << 1) ^ (v < 0 ? UINT64_MAX : 0);
}

static inline int64_t unzigzag(uint64_t v)
{
    return (int64_t)(v >> 1) ^ -(int64_t)(v & 1);
}

/* The cell after the non-NULL cell of type `type` at p. */
static inline const uint8_t *skip_cell(uint32_t type, const uint8_t *p)
{
    if (type == QUIRE_TYPE_STRING) {
        uint64_t len = srt_varint_read(&p);
        return p + len;
    }
    return type == QUIRE_TYPE_FLOAT ? p + 8 : p + srt_varint_skip(p);
}

/* The order-preserving code of an integer: flip the sign bit so that
 * unsigned comparison orders negatives first. */
static inline uint64_t code_i64(int64_t v)
{
    return (uint64_t)v ^ (UINT64_C(1) << 63);
}

/* The order-preserving code of a double: positives get the sign bit set,
 * negatives are inverted; -0.0 is coded as 0.0 and every NaN as the largest
 * code, above +inf. */
static inline uint64_t code_f64(double v)
{
    uint64_t bits;

    if (isnan(v))
        return UINT64_MAX;
    if (v == 0)
        return UINT64_C(1) << 63;
    memcpy(&bits, &v, sizeof(bits));
    return (bits >> 63) ? ~bits : bits ^ (UINT64_C(1) << 63);
}

/* The code of a string's bytes p[0..len): 7 bytes big-endian, zero-padded,
 * then min(len, 8) (see the top of the file). */
static inline uint64_t code_str(const uint8_t *p, uint64_t len)
{
    uint64_t code = len < 8 ? len : 8;
    size_t n = len < 7 ? (size_t)len : 7;

    for (size_t i = 0; i < n; i++)
        code |= (uint64_t)p[i] << (56 - 8 * i);
    return code;
}

static inline int cmp_f64(double a, double b)
{
    if (isnan(a) || isnan(b))
        return isnan(a) - isnan(b);
    return (a > b) - (a < b);
}

/* Fills in the rank and code of key `key` of e->rec; a string key is coded
 * from byte `off` on (every string compared with it shares the bytes
 * before, and has at least `off` of them). */
void srt_entry_code(const sorter *s, sort_entry *e, size_t key, size_t off)
{
    const uint8_t *body = e->rec + srt_varint_skip(e->rec);
    const uint8_t *v = body + s->nbitmap;
    uint64_t code;

    e->rank = 1;
    e->whole = 1;
    e->code = 0;
    if (key >= s->nkeys)
        return;
    if ((body[key >> 3] >> (key & 7)) & 1) {
        e->rank = s->nulls_first[key] ? 0 : 2;
        return;
    }
    /* Step over the keys before: they lead the body, in key order. */
    for (size_t k = 0; k < key; k++) {
        if ((body[k >> 3] >> (k & 7)) & 1)
            continue;
        v = skip_cell(s->type[k], v);
    }
    switch (s->type[key]) {
    case QUIRE_TYPE_STRING: {
        uint64_t len = srt_varint_read(&v);
        code = code_str(v + off, len - off);
        e->whole = len - off < 8;
        break;
    }
    case QUIRE_TYPE_FLOAT: {
        double d;
        memcpy(&d, v, sizeof(d));
        code = code_f64(d);
        break;
    }
    default: code = code_i64(unzigzag(srt_varint_read(&v))); break;
    }
    e->code = s->desc[key] ? ~code : code;
}

/* Compares two records key by key (keys before `from` are known equal).
 * Returns <0, 0 or >0. */
int srt_record_cmp(const sorter *s, const uint8_t *a, const uint8_t *b, size_t from)
{
    const uint8_t *ba = a + srt_varint_skip(a), *bb = b + srt_varint_skip(b);
    const uint8_t *pa = ba + s->nbitmap, *pb = bb + s->nbitmap;

    for (size_t k = 0; k < s->nkeys; k++) {
        int na = (ba[k >> 3] >> (k & 7)) & 1, nb = (bb[k >> 3] >> (k & 7)) & 1;
        int c = 0;

        if (na || nb) {
            if (na && nb)
                continue;
            /* A NULL and a value: no need to walk on, this decides. */
            return (na ? -1 : 1) * (s->nulls_first[k] ? 1 : -1);
        }
        switch (s->type[k]) {
        case QUIRE_TYPE_STRING: {
            uint64_t la = srt_varint_read(&pa), lb = srt_varint_read(&pb);
            if (k >= from) {
                c = memcmp(pa, pb, (size_t)(la < lb ? la : lb));
                if (c == 0)
                    c = (la > lb) - (la < lb);
            }
            pa += la;
            pb += lb;
            break;
        }
        case QUIRE_TYPE_FLOAT:
            if (k >= from) {
                double x, y;
                memcpy(&x, pa, sizeof(x));
                memcpy(&y, pb, sizeof(y));
                c = cmp_f64(x, y);
            }
            pa += 8;
            pb += 8;
            break;
        default: {
            int64_t x = unzigzag(srt_varint_read(&pa)), y = unzigzag(srt_varint_read(&pb));
            c = k >= from ? (x > y) - (x < y) : 0;
            break;
        }
        }
        if (c != 0)
            return s->desc[k] ? -c : c;
    }
    return 0;
}

/* ============================== Row encoding ============================== */

static inline int cell_null(const quire_column *c, uint32_t row)
{
    return c->type == QUIRE_TYPE_NULL || (c->nulls != NULL && c->nulls[row]);
}

/* Body bytes of row `row` of `b`. */
size_t srt_record_body_size(const sorter *s, const quire_batch *b, uint32_t row, int64_t line)
{
    size_t size = s->nbitmap + srt_varint_len(zigzag(line));

    for (size_t j = 0; j < s->ncolumns; j++) {
        const quire_column *c = &b->columns[s->perm[j]];

        if (cell_null(c, row))
            continue;
        if (c->type == QUIRE_TYPE_STRING)
            size += srt_varint_len(c->v.str[row].len) + c->v.str[row].len;
        else if (c->type == QUIRE_TYPE_FLOAT)
            size += 8;
        else
            size += srt_varint_len(zigzag(c->v.i64[row]));
    }
    return size;
}

void srt_record_write(const sorter *s, const quire_batch *b, uint32_t row, int64_t line,
                      size_t body, uint8_t *p)
{
    uint8_t *bitmap;

    p += sort_varint_put(p, body);
    bitmap = p;
    memset(bitmap, 0, s->nbitmap);
    p += s->nbitmap;
    for (size_t j = 0; j < s->ncolumns; j++) {
        const quire_column *c = &b->columns[s->perm[j]];

        if (cell_null(c, row)) {
            bitmap[j >> 3] |= (uint8_t)(1u << (j & 7));
            continue;
        }
        switch (c->type) {
        case QUIRE_TYPE_STRING: {
            const quire_str *str = &c->v.str[row];
            p += sort_varint_put(p, str->len);
            if (str->len > 0)
                memcpy(p, str->ptr, str->len);
            p += str->len;
            break;
        }
        case QUIRE_TYPE_FLOAT:
            memcpy(p, &c->v.f64[row], 8);
            p += 8;
            break;
        default: p += sort_varint_put(p, zigzag(c->v.i64[row])); break;
        }
    }
    sort_varint_put(p, zigzag(line));
}

/* Writes record `rec` as row `row` of `out`; strings go to out->arena. */
int srt_record_decode(const sorter *s, const uint8_t *rec, quire_batch *out, uint32_t row,
                      quire_error *err)
{
    const uint8_t *bitmap = rec + srt_varint_skip(rec);
    const uint8_t *p = bitmap + s->nbitmap;
    int64_t line;

    for (size_t j = 0; j < s->ncolumns; j++) {
        quire_column *c = &out->columns[s->perm[j]];
        int null = (bitmap[j >> 3] >> (j & 7)) & 1;

        if (c->nulls != NULL)
            c->nulls[row] = (uint8_t)null;
        switch (c->type) {
        case QUIRE_TYPE_STRING: {
            quire_str *str = &c->v.str[row];
            uint64_t len = null ? 0 : srt_varint_read(&p);
            char *copy = NULL;

            if (len > 0) {
                copy = arena_alloc(out->arena, (size_t)len);
                if (copy == NULL)
                    return srt_oom(err);
                memcpy(copy, p, (size_t)len);
            }
            str->ptr = copy != NULL ? copy : "";
            str->len = (size_t)len;
            p += len;
            break;
        }
        case QUIRE_TYPE_FLOAT:
            if (null)
                c->v.f64[row] = 0;
            else
                memcpy(&c->v.f64[row], p, 8);
            p += null ? 0 : 8;
            break;
        default: c->v.i64[row] = null ? 0 : unzigzag(srt_varint_read(&p)); break;
        }
    }
    line = unzigzag(srt_varint_read(&p));
    if (out->source_line != NULL)
        out->source_line[row] = line;
    return 0;
}

size_t srt_record_len(const uint8_t *rec)
{
    uint64_t body;
    size_t head = sort_varint_get(rec, 10, &body);

    return head + (size_t)body;
}
