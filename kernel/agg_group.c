/*
 * agg_group.c - the group table of hash aggregation (see agg.h).
 *
 * A group's key is stored as one 64-bit word per key column plus a byte of
 * NULL flags. Fixed-width keys are their value (floats canonical: one zero,
 * one NaN); a string key is its id + 1 in a per-column dictionary that
 * holds each distinct string once, in the table's arena (0 is NULL). So the
 * composite key hashes and compares as a few integers however long the
 * strings are.
 *
 * group_table_find works a column at a time: each key column of the batch
 * is turned into key words (for strings: one dictionary probe per row),
 * then every row's words are looked up in the group index. Both tables are
 * open addressing with linear probing. A group index slot holds the upper
 * half of the hash and gid + 1 (at most half full), so most probes never
 * touch the keys. A dictionary slot holds the string's two hash words,
 * which for up to 16 bytes are the string itself (agg_hash_words), so a
 * probe compares within the slot (at most a quarter full: the first probe
 * nearly always decides). Nothing is allocated per row: the scratch arrays
 * grow to the largest batch seen.
 *
 * When every key is a string and the dictionaries are small (the usual
 * report: region x category), the key words themselves (id + 1, 0 for
 * NULL) are packed into an index of a dense array of gid + 1, so a row
 * finds its group with a shift, an or and one load. The array is rebuilt
 * when a dictionary outgrows its bits and given up past DENSE_MAX_BITS;
 * the hash index is always kept complete, so it can take over.
 */
#include "agg.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "batch.h"

#define GROUP_MAX_COUNT (UINT32_MAX - 1) /* gid + 1 fits a slot's 32 bits */
#define MIN_SLOTS       64
#define MIN_DICT_SLOTS  256 /* 6 KiB: few collisions among a handful of strings */
#define DENSE_MAX_BITS  16  /* 64 Ki entries, 256 KiB: stays in the L2 cache */
#define DENSE_MIN_BITS  4

/* ============================== Dictionaries ============================== */

/* A dictionary slot keeps the string's hash words (agg_hash_words), which
 * for up to 16 bytes are the string itself: the usual probe then compares
 * in the slot, without following the id to the bytes. */
typedef struct dict_slot {
    uint64_t wa, wb;
    uint32_t len; /* saturated at UINT32_MAX; longer strings compare bytes */
    uint32_t id1; /* id + 1; 0: empty */
} dict_slot;

#define DICT_WORDS_EXACT 16 /* strings up to this long are their words */

typedef struct str_dict {
    dict_slot *slots;
    size_t mask;
    uint32_t count;
    uint32_t cap;
    quire_str *strs;      /* by id: bytes in the table's arena */
    const char *last_ptr; /* the last string looked up, to skip repeats of */
    size_t last_len;      /* the very same bytes (sources that share them) */
    uint32_t last_id;
} str_dict;

struct group_table {
    const agg_layout *layout;
    size_t state_size;
    uint32_t nkeys;
    uint32_t key_types[GROUP_MAX_KEYS];
    int32_t key_scales[GROUP_MAX_KEYS];
    str_dict dicts[GROUP_MAX_KEYS]; /* used for string keys */
    quire_arena *arena;             /* dictionary strings */

    uint32_t count; /* groups */
    uint32_t cap;   /* groups the arrays below have room for */
    uint64_t *keys; /* cap * nkeys words */
    uint8_t *nulls; /* cap: bit k set when key k is NULL */
    char *states;   /* cap * state_size */

    uint64_t *slots; /* (hash >> 32) << 32 | (gid + 1); 0: empty */
    size_t mask;

    /* Dense index for all-string keys (see the top of the file). */
    int dense_off;                    /* not all strings, or too many: hash only */
    uint32_t *dense;                  /* 1 << dense_bits entries of gid + 1; 0: not known */
    uint32_t dense_bits;              /* sum of key_bits */
    uint8_t key_bits[GROUP_MAX_KEYS]; /* bits of key k's words in a dense index */
    uint8_t key_shift[GROUP_MAX_KEYS];

    uint64_t *kw; /* scratch: key words of a batch, row-major */
    uint8_t *nm;  /* scratch: NULL flags per row */
    uint32_t scratch_rows;
};

static uint64_t tag_of(uint64_t h)
{
    return h & 0xffffffff00000000ull;
}

static uint32_t len32(size_t len)
{
    return len > UINT32_MAX ? UINT32_MAX : (uint32_t)len;
}

static int dict_grow_slots(str_dict *d)
{
    size_t cap = d->slots ? (d->mask + 1) * 2 : MIN_DICT_SLOTS;
    dict_slot *slots;

    if (cap > SIZE_MAX / sizeof(dict_slot))
        return -1;
    slots = calloc(cap, sizeof(dict_slot));
    if (slots == NULL)
        return -1;
    for (size_t i = 0; d->slots != NULL && i <= d->mask; i++) {
        const dict_slot *o = &d->slots[i];
        size_t j;
        if (o->id1 == 0)
            continue;
        j = agg_hash_final(o->wa, o->wb, d->strs[o->id1 - 1].len) & (cap - 1);
        while (slots[j].id1 != 0)
            j = (j + 1) & (cap - 1);
        slots[j] = *o;
    }
    free(d->slots);
    d->slots = slots;
    d->mask = cap - 1;
    return 0;
}

/* Adds p[0..len) with hash words (wa, wb) as a new string in the empty
 * slot i. Returns 0 and *id, or -1 when memory runs out or the column has
 * more than UINT32_MAX - 1 distinct strings. */
static int dict_add(str_dict *d, quire_arena *arena, const char *p, size_t len, uint64_t wa,
                    uint64_t wb, size_t i, uint32_t *id)
{
    char *copy;

    if (d->count == GROUP_MAX_COUNT)
        return -1;
    if (d->count == d->cap) {
        uint32_t cap = d->cap ? (d->cap > UINT32_MAX / 2 ? UINT32_MAX : d->cap * 2) : 16;
        quire_str *strs = realloc(d->strs, (size_t)cap * sizeof(quire_str));
        if (strs == NULL)
            return -1;
        d->strs = strs;
        d->cap = cap;
    }
    copy = arena_alloc(arena, len > 0 ? len : 1);
    if (copy == NULL)
        return -1;
    if (len > 0)
        memcpy(copy, p, len);
    *id = d->count;
    d->strs[d->count++] = (quire_str){.ptr = copy, .len = len};
    d->slots[i] = (dict_slot){.wa = wa, .wb = wb, .len = len32(len), .id1 = *id + 1};
    /* A quarter full at most: the first probe nearly always decides. */
    if ((size_t)d->count * 4 > d->mask + 1 && dict_grow_slots(d) != 0)
        return -1; /* the string is in; only the index failed to grow */
    return 0;
}

static inline int slot_is(const str_dict *d, const dict_slot *s, const char *p, size_t len,
                          uint64_t wa, uint64_t wb)
{
    return s->wa == wa && s->wb == wb && s->len == len32(len) &&
           (len <= DICT_WORDS_EXACT ||
            (d->strs[s->id1 - 1].len == len && memcmp(d->strs[s->id1 - 1].ptr, p, len) == 0));
}

/* Continues dict_id's probe from slot i: later slots, then a new entry. */
static int dict_id_slow(str_dict *d, quire_arena *arena, const char *p, size_t len, uint64_t wa,
                        uint64_t wb, size_t i, uint32_t *id)
{
    while (d->slots[i].id1 != 0) {
        if (slot_is(d, &d->slots[i], p, len, wa, wb)) {
            *id = d->slots[i].id1 - 1;
            return 0;
        }
        i = (i + 1) & d->mask;
    }
    return dict_add(d, arena, p, len, wa, wb, i, id);
}

/* The id of p[0..len) in the dictionary, added (bytes copied into arena)
 * when new. Returns 0 and *id, or -1 (dict_add). The first probe is here
 * so it inlines into the row loop. */
static inline __attribute__((always_inline)) int dict_id(str_dict *d, quire_arena *arena,
                                                         const char *p, size_t len, uint32_t *id)
{
    uint64_t wa, wb;
    const dict_slot *s;

    if (p == d->last_ptr && len == d->last_len && p != NULL) {
        *id = d->last_id;
        return 0;
    }
    agg_hash_words(p, len, &wa, &wb);
    if (d->slots == NULL && dict_grow_slots(d) != 0)
        return -1;
    s = &d->slots[agg_hash_final(wa, wb, len) & d->mask];
    if (s->id1 != 0 && slot_is(d, s, p, len, wa, wb))
        *id = s->id1 - 1;
    else if (dict_id_slow(d, arena, p, len, wa, wb, (size_t)(s - d->slots), id) != 0)
        return -1;
    d->last_ptr = p;
    d->last_len = len;
    d->last_id = *id;
    return 0;
}

static void dict_free(str_dict *d)
{
    free(d->slots);
    free(d->strs);
}

/* ============================== Table ===================================== */

group_table *group_table_new(const agg_layout *l, const uint32_t *key_types,
                             const int32_t *key_scales, uint32_t nkeys)
{
    group_table *g;

    if (nkeys > GROUP_MAX_KEYS)
        return NULL;
    for (uint32_t k = 0; k < nkeys; k++) {
        if (key_types[k] > QUIRE_TYPE_TIMESTAMP)
            return NULL;
        if (key_types[k] == QUIRE_TYPE_DECIMAL &&
            (key_scales == NULL || key_scales[k] < 0 || key_scales[k] > QV_MAX_SCALE))
            return NULL;
    }
    g = calloc(1, sizeof(*g));
    if (g == NULL)
        return NULL;
    g->arena = arena_new(0);
    if (g->arena == NULL) {
        free(g);
        return NULL;
    }
    g->layout = l;
    g->state_size = agg_state_size(l);
    g->nkeys = nkeys;
    g->dense_off = nkeys == 0 || nkeys * DENSE_MIN_BITS > DENSE_MAX_BITS;
    for (uint32_t k = 0; k < nkeys; k++) {
        g->key_types[k] = key_types[k];
        g->key_scales[k] = key_types[k] == QUIRE_TYPE_DECIMAL ? key_scales[k] : 0;
        if (key_types[k] != QUIRE_TYPE_STRING)
            g->dense_off = 1;
    }
    return g;
}

void group_table_free(group_table *g)
{
    if (g == NULL)
        return;
    if (agg_layout_owns_memory(g->layout)) {
        for (uint32_t i = 0; i < g->count; i++)
            agg_state_destroy(g->layout, g->states + (size_t)i * g->state_size);
    }
    for (uint32_t k = 0; k < g->nkeys; k++)
        dict_free(&g->dicts[k]);
    arena_free(g->arena);
    free(g->keys);
    free(g->nulls);
    free(g->states);
    free(g->slots);
    free(g->dense);
    free(g->kw);
    free(g->nm);
    free(g);
}

uint32_t group_table_count(const group_table *g)
{
    return g->count;
}

void *group_table_state(group_table *g, uint32_t gid)
{
    if (g->states == NULL || gid >= g->count)
        return NULL;
    return g->states + (size_t)gid * g->state_size;
}

const void *group_table_state_const(const group_table *g, uint32_t gid)
{
    if (g->states == NULL || gid >= g->count)
        return NULL;
    return g->states + (size_t)gid * g->state_size;
}

size_t group_table_memory(const group_table *g)
{
    size_t total = sizeof(*g) + arena_reserved(g->arena);

    total += (size_t)g->cap * ((size_t)g->nkeys * sizeof(uint64_t) + 1 + g->state_size);
    total += g->slots ? (g->mask + 1) * sizeof(uint64_t) : 0;
    total += g->dense ? ((size_t)1 << g->dense_bits) * sizeof(uint32_t) : 0;
    total += (size_t)g->scratch_rows * ((size_t)g->nkeys * sizeof(uint64_t) + 1);
    for (uint32_t k = 0; k < g->nkeys; k++) {
        const str_dict *d = &g->dicts[k];
        total += (d->slots ? (d->mask + 1) * sizeof(dict_slot) : 0) + d->cap * sizeof(quire_str);
    }
    if (agg_layout_owns_memory(g->layout)) {
        for (uint32_t i = 0; i < g->count; i++)
            total += agg_state_memory(g->layout, g->states + (size_t)i * g->state_size);
    }
    return total;
}

qv group_table_key(const group_table *g, uint32_t gid, uint32_t k)
{
    uint32_t type = k < g->nkeys ? g->key_types[k] : QUIRE_TYPE_NULL;
    qv v = qv_null(type);
    uint64_t w;

    v.scale = (int16_t)(k < g->nkeys ? g->key_scales[k] : 0);
    if (gid >= g->count || k >= g->nkeys || type == QUIRE_TYPE_NULL || (g->nulls[gid] >> k & 1))
        return v;
    v.null = 0;
    w = g->keys[(size_t)gid * g->nkeys + k];
    switch (type) {
    case QUIRE_TYPE_STRING: v.u.s = g->dicts[k].strs[w - 1]; break;
    case QUIRE_TYPE_FLOAT: memcpy(&v.u.f, &w, sizeof(double)); break;
    default: v.u.i = (int64_t)w; break;
    }
    return v;
}

/* ============================== Group index =============================== */

static uint64_t key_hash(const uint64_t *kw, uint32_t nkeys, uint8_t nulls)
{
    uint64_t h = AGG_HASH_K2 ^ nulls;

    for (uint32_t k = 0; k < nkeys; k++)
        h = agg_mix(h ^ kw[k] ^ AGG_HASH_K0, AGG_HASH_K1);
    return agg_mix(h, AGG_HASH_K0);
}

static int grow_slots(group_table *g)
{
    size_t cap = g->slots ? (g->mask + 1) * 2 : MIN_SLOTS;
    uint64_t *slots;

    if (cap > SIZE_MAX / sizeof(uint64_t))
        return -1;
    slots = calloc(cap, sizeof(uint64_t));
    if (slots == NULL)
        return -1;
    for (uint32_t gid = 0; gid < g->count; gid++) {
        uint64_t h = key_hash(g->keys + (size_t)gid * g->nkeys, g->nkeys, g->nulls[gid]);
        size_t i = h & (cap - 1);
        while (slots[i] != 0)
            i = (i + 1) & (cap - 1);
        slots[i] = tag_of(h) | ((uint64_t)gid + 1);
    }
    free(g->slots);
    g->slots = slots;
    g->mask = cap - 1;
    return 0;
}

/* Room for one more group in the per-group arrays. */
static int grow_groups(group_table *g)
{
    uint32_t cap;
    size_t kbytes;
    void *p;

    if (g->count < g->cap)
        return 0;
    cap = g->cap ? (g->cap > UINT32_MAX / 2 ? UINT32_MAX : g->cap * 2) : 16;
    kbytes = (size_t)g->nkeys * sizeof(uint64_t);
    if (kbytes > 0) {
        if ((size_t)cap > SIZE_MAX / kbytes)
            return -1;
        p = realloc(g->keys, (size_t)cap * kbytes);
        if (p == NULL)
            return -1;
        g->keys = p;
    }
    p = realloc(g->nulls, cap);
    if (p == NULL)
        return -1;
    g->nulls = p;
    if (g->state_size > 0) {
        if ((size_t)cap > SIZE_MAX / g->state_size)
            return -1;
        p = realloc(g->states, (size_t)cap * g->state_size);
        if (p == NULL)
            return -1;
        g->states = p;
    }
    g->cap = cap;
    return 0;
}

/* The gid of the key (kw, nulls) whose key_hash is h, created when new.
 * Returns 0, or -1 with err. */
static int find_or_add(group_table *g, const uint64_t *kw, uint8_t nulls, uint64_t h, uint32_t *gid,
                       quire_error *err)
{
    const uint32_t nkeys = g->nkeys;
    uint64_t tag = tag_of(h), s;
    size_t i = h & g->mask;

    while ((s = g->slots[i]) != 0) {
        if (tag_of(s) == tag) {
            uint32_t cand = (uint32_t)s - 1;
            const uint64_t *ck = g->keys + (size_t)cand * nkeys;
            uint32_t k = 0;
            while (k < nkeys && ck[k] == kw[k])
                k++;
            if (k == nkeys && g->nulls[cand] == nulls) {
                *gid = cand;
                return 0;
            }
        }
        i = (i + 1) & g->mask;
    }
    if (g->count == GROUP_MAX_COUNT) {
        error_setf(err, QUIRE_E_INVALID, "more than %" PRIu32 " groups", (uint32_t)GROUP_MAX_COUNT);
        return -1;
    }
    if (grow_groups(g) != 0)
        goto fail_nomem;
    *gid = g->count;
    if (nkeys > 0)
        memcpy(g->keys + (size_t)*gid * nkeys, kw, nkeys * sizeof(uint64_t));
    g->nulls[*gid] = nulls;
    if (g->state_size > 0)
        agg_state_init(g->layout, g->states + (size_t)*gid * g->state_size);
    g->slots[i] = tag | ((uint64_t)*gid + 1);
    g->count++;
    if ((size_t)g->count * 2 > g->mask + 1 && grow_slots(g) != 0)
        goto fail_nomem;
    return 0;
fail_nomem:
    error_setf(err, QUIRE_E_NOMEM, "out of memory growing the group table past %" PRIu32 " groups",
               g->count);
    return -1;
}

static int ensure_scratch(group_table *g, uint32_t n, quire_error *err)
{
    uint64_t *kw;
    uint8_t *nm;

    if (n <= g->scratch_rows)
        return 0;
    kw = realloc(g->kw, (size_t)n * (g->nkeys > 0 ? g->nkeys : 1) * sizeof(uint64_t));
    if (kw == NULL)
        goto fail_nomem;
    g->kw = kw;
    nm = realloc(g->nm, n);
    if (nm == NULL)
        goto fail_nomem;
    g->nm = nm;
    g->scratch_rows = n;
    return 0;
fail_nomem:
    error_setf(err, QUIRE_E_NOMEM, "out of memory for a batch of %" PRIu32 " group keys", n);
    return -1;
}

static int check_key(const group_table *g, uint32_t k, const quire_column *c, quire_error *err)
{
    char want[32], got[32];

    if (c != NULL && (c->type == QUIRE_TYPE_NULL ||
                      (c->type == g->key_types[k] &&
                       (c->type != QUIRE_TYPE_DECIMAL || c->scale == g->key_scales[k]))))
        return 0;
    if (c == NULL) {
        error_setf(err, QUIRE_E_INTERNAL, "group key %" PRIu32 " has no column", k + 1);
        return -1;
    }
    error_setf(err, QUIRE_E_INTERNAL, "group key %" PRIu32 " is %s, the table's key is %s", k + 1,
               batch_type_text(c->type, c->scale, got, sizeof(got)),
               batch_type_text(g->key_types[k], g->key_scales[k], want, sizeof(want)));
    return -1;
}

/* Key words of column k for rows sel[0..n) into the scratch arrays. A
 * string's word is its dictionary id + 1; a NULL's is 0 (with its bit set
 * in the row's NULL flags). */
static int encode_key(group_table *g, uint32_t k, const quire_column *c, const uint32_t *sel,
                      uint32_t n, quire_error *err)
{
    const uint32_t nkeys = g->nkeys;
    const uint8_t bit = (uint8_t)(1u << k);
    const uint8_t *nulls = c->nulls;
    uint64_t *kw = g->kw + k;
    uint8_t *nm = g->nm;
    str_dict *d = &g->dicts[k];

    /* The same address in another batch may hold other bytes (the batch
     * arena is reset between fills): the repeat shortcut lasts one batch. */
    d->last_ptr = NULL;
    for (uint32_t i = 0; i < n; i++) {
        uint32_t r = sel != NULL ? sel[i] : i;
        uint64_t w = 0;

        if (c->type == QUIRE_TYPE_NULL || (nulls != NULL && nulls[r])) {
            nm[i] |= bit;
        } else if (c->type == QUIRE_TYPE_STRING) {
            uint32_t id;
            if (dict_id(d, g->arena, c->v.str[r].ptr, c->v.str[r].len, &id) != 0) {
                error_setf(err, QUIRE_E_NOMEM,
                           "out of memory for the strings of group key %" PRIu32 " (%" PRIu32
                           " distinct)",
                           k + 1, d->count);
                return -1;
            }
            w = (uint64_t)id + 1;
        } else if (c->type == QUIRE_TYPE_FLOAT) {
            w = agg_float_key(c->v.f64[r]);
        } else {
            w = (uint64_t)c->v.i64[r];
        }
        kw[(size_t)i * nkeys] = w;
    }
    return 0;
}

/* ============================== Dense index =============================== */

static size_t dense_index(const group_table *g, const uint64_t *kw)
{
    size_t idx = 0;

    for (uint32_t k = 0; k < g->nkeys; k++)
        idx |= (size_t)kw[k] << g->key_shift[k];
    return idx;
}

/* Makes the dense index fit the dictionaries (words up to count fit in
 * key_bits), rebuilding it from the groups when a key needs more bits, or
 * gives it up when they would pass DENSE_MAX_BITS or memory runs out. */
static void dense_fit(group_table *g)
{
    uint8_t bits[GROUP_MAX_KEYS];
    uint32_t total = 0, shift = 0;
    int changed = g->dense == NULL;
    uint32_t *dense;

    for (uint32_t k = 0; k < g->nkeys; k++) {
        bits[k] = g->key_bits[k] ? g->key_bits[k] : DENSE_MIN_BITS;
        while (bits[k] < 32 && g->dicts[k].count >= (1u << bits[k]))
            bits[k]++;
        changed |= bits[k] != g->key_bits[k];
        total += bits[k];
    }
    if (!changed)
        return;
    free(g->dense);
    g->dense = NULL;
    if (total > DENSE_MAX_BITS) {
        g->dense_off = 1;
        return;
    }
    dense = calloc((size_t)1 << total, sizeof(uint32_t));
    if (dense == NULL) {
        g->dense_off = 1;
        return;
    }
    for (uint32_t k = 0; k < g->nkeys; k++) {
        g->key_bits[k] = bits[k];
        g->key_shift[k] = (uint8_t)shift;
        shift += bits[k];
    }
    g->dense = dense;
    g->dense_bits = total;
    for (uint32_t gid = 0; gid < g->count; gid++)
        dense[dense_index(g, g->keys + (size_t)gid * g->nkeys)] = gid + 1;
}

/* The gids of rows sel[0..n) through the dense index; a miss goes to the
 * hash index (which creates the group when new) and is remembered. */
static int find_dense(group_table *g, const uint32_t *sel, uint32_t n, uint32_t *gid,
                      quire_error *err)
{
    const uint32_t nkeys = g->nkeys;
    uint32_t *dense = g->dense;

    for (uint32_t i = 0; i < n; i++) {
        const uint64_t *kw = g->kw + (size_t)i * nkeys;
        uint32_t r = sel != NULL ? sel[i] : i;
        size_t idx = dense_index(g, kw);
        uint32_t hit = dense[idx];

        if (hit == 0) {
            if (find_or_add(g, kw, g->nm[i], key_hash(kw, nkeys, g->nm[i]), &hit, err) != 0)
                return -1;
            dense[idx] = ++hit;
        }
        gid[r] = hit - 1;
    }
    return 0;
}

/* ============================== Finding groups ============================ */

int group_table_find(group_table *g, const quire_column *const *keys, const uint32_t *sel,
                     uint32_t n, uint32_t *gid, quire_error *err)
{
    const uint32_t nkeys = g->nkeys;

    if (n == 0)
        return QUIRE_OK;
    for (uint32_t k = 0; k < nkeys; k++) {
        if (check_key(g, k, keys[k], err) != 0)
            return QUIRE_ERR;
    }
    if (ensure_scratch(g, n, err) != 0)
        return QUIRE_ERR;
    if (g->slots == NULL && grow_slots(g) != 0) {
        error_setf(err, QUIRE_E_NOMEM, "out of memory creating the group table");
        return QUIRE_ERR;
    }
    memset(g->nm, 0, n);
    for (uint32_t k = 0; k < nkeys; k++) {
        if (encode_key(g, k, keys[k], sel, n, err) != 0)
            return QUIRE_ERR;
    }
    if (!g->dense_off)
        dense_fit(g);
    if (!g->dense_off)
        return find_dense(g, sel, n, gid, err) == 0 ? QUIRE_OK : QUIRE_ERR;
    for (uint32_t i = 0; i < n; i++) {
        const uint64_t *kw = g->kw + (size_t)i * nkeys;
        uint32_t r = sel != NULL ? sel[i] : i;
        if (find_or_add(g, kw, g->nm[i], key_hash(kw, nkeys, g->nm[i]), &gid[r], err) != 0)
            return QUIRE_ERR;
    }
    return QUIRE_OK;
}

/* ============================== Merging tables ============================ */

int group_table_merge(group_table *dst, const group_table *src, quire_error *err)
{
    uint64_t kw[GROUP_MAX_KEYS];

    if (dst == src || dst->layout != src->layout || dst->nkeys != src->nkeys ||
        memcmp(dst->key_types, src->key_types, sizeof(dst->key_types)) != 0 ||
        memcmp(dst->key_scales, src->key_scales, sizeof(dst->key_scales)) != 0) {
        error_setf(err, QUIRE_E_INTERNAL, "merging group tables of different shapes");
        return QUIRE_ERR;
    }
    if (dst->slots == NULL && grow_slots(dst) != 0) {
        error_setf(err, QUIRE_E_NOMEM, "out of memory creating the group table");
        return QUIRE_ERR;
    }
    for (uint32_t k = 0; k < dst->nkeys; k++)
        dst->dicts[k].last_ptr = NULL; /* src's strings are not a batch's */
    for (uint32_t s = 0; s < src->count; s++) {
        uint8_t nulls = src->nulls[s];
        uint32_t gid;

        for (uint32_t k = 0; k < src->nkeys; k++) {
            uint64_t w = src->keys[(size_t)s * src->nkeys + k];
            if (src->key_types[k] == QUIRE_TYPE_STRING && !(nulls >> k & 1)) {
                const quire_str *str = &src->dicts[k].strs[w - 1];
                uint32_t id;
                if (dict_id(&dst->dicts[k], dst->arena, str->ptr, str->len, &id) != 0) {
                    error_setf(err, QUIRE_E_NOMEM, "out of memory merging group tables");
                    return QUIRE_ERR;
                }
                w = (uint64_t)id + 1;
            }
            kw[k] = w;
        }
        if (find_or_add(dst, kw, nulls, key_hash(kw, dst->nkeys, nulls), &gid, err) != 0)
            return QUIRE_ERR;
        if (dst->state_size > 0 &&
            agg_merge(dst->layout, dst->states + (size_t)gid * dst->state_size,
                      src->states + (size_t)s * src->state_size, err) != QUIRE_OK)
            return QUIRE_ERR;
    }
    return QUIRE_OK;
}

/* ============================== Key order ================================= */

typedef struct dict_order {
    const str_dict *d;
} dict_order;

static int cmp_dict_ids(const void *ctx, uint32_t a, uint32_t b)
{
    const quire_str *x = &((const dict_order *)ctx)->d->strs[a];
    const quire_str *y = &((const dict_order *)ctx)->d->strs[b];

    return agg_bytes_cmp(x->ptr, x->len, y->ptr, y->len);
}

typedef struct group_order {
    const group_table *g;
    uint32_t *rank[GROUP_MAX_KEYS]; /* string keys: dictionary id -> rank */
    int desc[GROUP_MAX_KEYS];
} group_order;

static int cmp_key_words(uint32_t type, const uint32_t *rank, uint64_t a, uint64_t b)
{
    switch (type) {
    case QUIRE_TYPE_STRING: return (rank[a - 1] > rank[b - 1]) - (rank[a - 1] < rank[b - 1]);
    case QUIRE_TYPE_FLOAT: {
        double x, y;
        memcpy(&x, &a, sizeof(x));
        memcpy(&y, &b, sizeof(y));
        /* Keys are canonical: no -0.0, one NaN, which sorts above +inf. */
        if (x != x || y != y)
            return (x != x) - (y != y);
        return (x > y) - (x < y);
    }
    default: return ((int64_t)a > (int64_t)b) - ((int64_t)a < (int64_t)b);
    }
}

static int cmp_groups(const void *ctx, uint32_t a, uint32_t b)
{
    const group_order *o = ctx;
    const group_table *g = o->g;

    for (uint32_t k = 0; k < g->nkeys; k++) {
        int na = g->nulls[a] >> k & 1, nb = g->nulls[b] >> k & 1;
        int c;
        if (na || nb)
            c = na - nb; /* NULL above every value */
        else
            c = cmp_key_words(g->key_types[k], o->rank[k], g->keys[(size_t)a * g->nkeys + k],
                              g->keys[(size_t)b * g->nkeys + k]);
        if (c != 0)
            return o->desc[k] ? -c : c;
    }
    return 0;
}

uint32_t *group_table_sorted(const group_table *g, const int *desc)
{
    group_order o;
    uint32_t *gids = malloc(g->count > 0 ? (size_t)g->count * sizeof(uint32_t) : 1);

    if (gids == NULL)
        return NULL;
    memset(&o, 0, sizeof(o));
    o.g = g;
    for (uint32_t i = 0; i < g->count; i++)
        gids[i] = i;
    for (uint32_t k = 0; k < g->nkeys; k++) {
        const str_dict *d = &g->dicts[k];
        dict_order dord = {d};
        uint32_t *ids;

        o.desc[k] = desc != NULL && desc[k];
        if (g->key_types[k] != QUIRE_TYPE_STRING || d->count == 0)
            continue;
        /* Rank the dictionary once: then groups compare strings as
         * integers. */
        ids = malloc((size_t)d->count * sizeof(uint32_t));
        o.rank[k] = malloc((size_t)d->count * sizeof(uint32_t));
        if (ids == NULL || o.rank[k] == NULL) {
            free(ids);
            goto fail_free_ranks;
        }
        for (uint32_t id = 0; id < d->count; id++)
            ids[id] = id;
        if (agg_msort(ids, d->count, cmp_dict_ids, &dord) != 0) {
            free(ids);
            goto fail_free_ranks;
        }
        for (uint32_t pos = 0; pos < d->count; pos++)
            o.rank[k][ids[pos]] = pos;
        free(ids);
    }
    if (agg_msort(gids, g->count, cmp_groups, &o) != 0)
        goto fail_free_ranks;
    for (uint32_t k = 0; k < g->nkeys; k++)
        free(o.rank[k]);
    return gids;
fail_free_ranks:
    for (uint32_t k = 0; k < g->nkeys; k++)
        free(o.rank[k]);
    free(gids);
    return NULL;
}
