/*
 * agg_micro.c - throughput of the aggregation core's hot loop: group rows
 * by two low-cardinality string keys and update seven accumulators, as the
 * sales benchmark does (region x category = 96 groups; count(), sum, avg,
 * min, max and stddev_samp of a decimal(2) amount, sum of an int quantity).
 *
 *   make agg-micro && build/bench/agg_micro [ROWS [REPEATS]]
 *
 * Times are this thread's CPU time, best of the repeats. The input is built first, in batches of
 * 4096 rows whose strings are copied into each batch's arena the way a source fills them (so equal
 * keys never share an address). Then each repeat aggregates every batch into a fresh group table:
 * group_table_find plus the seven agg_update calls. The best repeat is reported in rows per second,
 * with the time split between finding groups and updating, and the totals are checked against a
 * plain loop so a fast wrong answer cannot pass.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "agg.h"
#include "arena.h"

#define BATCH 4096

static const char *const regions[] = {"North",   "South",     "East",      "West",
                                      "Central", "Northeast", "Southwest", "Pacific"};
static const char *const categories[] = {"Books",   "Electronics", "Garden", "Toys",
                                         "Grocery", "Clothing",    "Beauty", "Sports",
                                         "Music",   "Furniture",   "Office", "Automotive"};
#define NREGIONS    (sizeof(regions) / sizeof(regions[0]))
#define NCATEGORIES (sizeof(categories) / sizeof(categories[0]))

typedef struct input_batch {
    uint32_t rows;
    quire_arena *arena;
    quire_str *region, *category;
    int64_t *amount, *qty;
    quire_column cols[4];
} input_batch;

static uint64_t rng_next(uint64_t *s)
{
    /* xorshift64*: plenty for synthetic data. */
    *s ^= *s >> 12;
    *s ^= *s << 25;
    *s ^= *s >> 27;
    return *s * 2685821657736338717ull;
}

/* CPU time of this thread: on a shared machine, time spent descheduled is
 * not the code's. */
static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static char *copy_str(quire_arena *a, const char *s)
{
    size_t len = strlen(s);
    char *p = arena_alloc(a, len);
    if (p == NULL) {
        fprintf(stderr, "agg_micro: out of memory\n");
        exit(1);
    }
    memcpy(p, s, len);
    return p;
}

static input_batch *make_input(uint64_t rows, size_t *nbatches)
{
    size_t nb = (size_t)((rows + BATCH - 1) / BATCH);
    input_batch *b = calloc(nb, sizeof(*b));
    uint64_t seed = 0x1234567890abcdefull, left = rows;

    if (b == NULL)
        exit(1);
    for (size_t i = 0; i < nb; i++, left -= b[i - 1].rows) {
        input_batch *x = &b[i];
        x->rows = (uint32_t)(left < BATCH ? left : BATCH);
        x->arena = arena_new(0);
        x->region = malloc(BATCH * sizeof(quire_str));
        x->category = malloc(BATCH * sizeof(quire_str));
        x->amount = malloc(BATCH * sizeof(int64_t));
        x->qty = malloc(BATCH * sizeof(int64_t));
        if (!x->arena || !x->region || !x->category || !x->amount || !x->qty)
            exit(1);
        for (uint32_t r = 0; r < x->rows; r++) {
            const char *reg = regions[rng_next(&seed) % NREGIONS];
            const char *cat = categories[rng_next(&seed) % NCATEGORIES];
            x->region[r] = (quire_str){copy_str(x->arena, reg), strlen(reg)};
            x->category[r] = (quire_str){copy_str(x->arena, cat), strlen(cat)};
            x->amount[r] = (int64_t)(rng_next(&seed) % 100000) - 5000; /* -50.00 .. 949.99 */
            x->qty[r] = (int64_t)(rng_next(&seed) % 20) + 1;
        }
        x->cols[0] = (quire_column){.type = QUIRE_TYPE_STRING, .v.str = x->region};
        x->cols[1] = (quire_column){.type = QUIRE_TYPE_STRING, .v.str = x->category};
        x->cols[2] = (quire_column){.type = QUIRE_TYPE_DECIMAL, .scale = 2, .v.i64 = x->amount};
        x->cols[3] = (quire_column){.type = QUIRE_TYPE_INT, .v.i64 = x->qty};
    }
    *nbatches = nb;
    return b;
}

int main(int argc, char **argv)
{
    uint64_t rows = argc > 1 ? strtoull(argv[1], NULL, 10) : 1000000;
    int repeats = argc > 2 ? atoi(argv[2]) : 5;
    const agg_spec specs[] = {
        {CALC_COUNT, QUIRE_TYPE_NULL, 0, 0},  {CALC_SUM, QUIRE_TYPE_DECIMAL, 2, 0},
        {CALC_AVG, QUIRE_TYPE_DECIMAL, 2, 0}, {CALC_MIN, QUIRE_TYPE_DECIMAL, 2, 0},
        {CALC_MAX, QUIRE_TYPE_DECIMAL, 2, 0}, {CALC_STDDEV_SAMP, QUIRE_TYPE_DECIMAL, 2, 0},
        {CALC_SUM, QUIRE_TYPE_INT, 0, 0},
    };
    const uint32_t input_col[] = {UINT32_MAX, 2, 2, 2, 2, 2, 3};
    const uint32_t key_types[] = {QUIRE_TYPE_STRING, QUIRE_TYPE_STRING};
    const int32_t key_scales[] = {0, 0};
    size_t nbatches;
    input_batch *in;
    agg_layout *l = agg_layout_new(specs, 7);
    uint32_t *gid = malloc(BATCH * sizeof(uint32_t));
    double best = 1e30, best_find = 0, best_upd = 0;
    int64_t want_amount = 0, want_qty = 0;
    quire_error err = {0};

    if (l == NULL || gid == NULL || rows == 0 || repeats < 1) {
        fprintf(stderr, "usage: agg_micro [ROWS [REPEATS]]\n");
        return 2;
    }
    in = make_input(rows, &nbatches);
    for (size_t b = 0; b < nbatches; b++) {
        for (uint32_t r = 0; r < in[b].rows; r++) {
            want_amount += in[b].amount[r];
            want_qty += in[b].qty[r];
        }
    }
    for (int rep = 0; rep < repeats; rep++) {
        group_table *g = group_table_new(l, key_types, key_scales, 2);
        double t_find = 0, t_upd = 0, t0, t1;
        int64_t got_n = 0, got_amount = 0, got_qty = 0;

        if (g == NULL)
            return 1;
        for (size_t b = 0; b < nbatches; b++) {
            const quire_column *keys[2] = {&in[b].cols[0], &in[b].cols[1]};
            t0 = now_s();
            if (group_table_find(g, keys, NULL, in[b].rows, gid, &err) != QUIRE_OK)
                goto fail;
            t1 = now_s();
            for (uint32_t a = 0; a < 7; a++) {
                const quire_column *c =
                    input_col[a] == UINT32_MAX ? NULL : &in[b].cols[input_col[a]];
                if (agg_update(l, a, group_table_state(g, 0), gid, c, NULL, in[b].rows,
                               (int64_t)b * BATCH, &err) != QUIRE_OK)
                    goto fail;
            }
            t_find += t1 - t0;
            t_upd += now_s() - t1;
        }
        for (uint32_t i = 0; i < group_table_count(g); i++) {
            qv v;
            void *st = group_table_state(g, i);
            if (agg_result(l, 0, st, &v, NULL, &err) != QUIRE_OK)
                goto fail;
            got_n += v.u.i;
            if (agg_result(l, 1, st, &v, NULL, &err) != QUIRE_OK)
                goto fail;
            got_amount += v.u.i;
            if (agg_result(l, 6, st, &v, NULL, &err) != QUIRE_OK)
                goto fail;
            got_qty += v.u.i;
        }
        if ((uint64_t)got_n != rows || got_amount != want_amount || got_qty != want_qty ||
            group_table_count(g) != NREGIONS * NCATEGORIES) {
            fprintf(stderr, "agg_micro: wrong totals\n");
            return 1;
        }
        if (t_find + t_upd < best) {
            best = t_find + t_upd;
            best_find = t_find;
            best_upd = t_upd;
        }
        group_table_free(g);
    }
    printf("agg_micro: %" PRIu64 " rows, %u groups, 7 accumulators: %.1f M rows/s "
           "(find %.1f ns/row, update %.1f ns/row)\n",
           rows, (unsigned)(NREGIONS * NCATEGORIES), (double)rows / best / 1e6,
           best_find * 1e9 / (double)rows, best_upd * 1e9 / (double)rows);
    for (size_t b = 0; b < nbatches; b++) {
        arena_free(in[b].arena);
        free(in[b].region);
        free(in[b].category);
        free(in[b].amount);
        free(in[b].qty);
    }
    free(in);
    free(gid);
    agg_layout_free(l);
    return 0;
fail:
    fprintf(stderr, "agg_micro: %s\n", err.msg);
    return 1;
}
