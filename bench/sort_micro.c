/*
 * sort_micro.c - throughput of the kernel's external sort (kernel/sort.h) on
 * rows shaped like the sales benchmark's: sorted by (region, order_date,
 * order_id) as examples/sales.quire sorts them (group by region, then
 * sort = [order_date, order_id]), with the CSV's other eight columns
 * riding along, so rows are about as long as in that render.
 *
 *   make sort-micro && build/bench/sort_micro [ROWS [REPEATS [BUDGET_MB [THREADS]]]]
 *
 * The input is built first, in batches of 4096 rows (the kernel's batch
 * size) whose strings are copied into each batch's arena the way a source
 * fills them. Each repeat feeds every batch to a fresh sorter (add), ends
 * the input (finish) and reads every row back (emit). Times are wall-clock
 * (the sorter may use more than one thread), best total of the repeats, and
 * reported as rows per second with the split between the three steps; the
 * process CPU time of that repeat follows (on a shared machine it is
 * disturbed less), and the sorter's peak memory as its budget counts it.
 * BUDGET_MB (default 256, the shipped sort_memory) below the data's size
 * makes the sorter spill and merge. THREADS (default 1) goes to
 * sorter_set_threads, as `workers` does in a render.
 *
 * The output is checked against the input with a method of its own: every
 * row must come after the previous one in (region, date, id) order, with
 * the region compared by strcmp, and the sum of the order ids, quantities
 * and amounts and of the string lengths must equal the input's, so a fast
 * wrong answer cannot pass.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "arena.h"
#include "batch.h"
#include "sort.h"

#define BATCH 4096

/* The sales generator's regions, five countries each. */
static const char *const categories[] = {"Electronics", "Furniture",  "Office",  "Apparel",
                                         "Sports",      "Toys",       "Grocery", "Beauty",
                                         "Garden",      "Automotive", "Books",   "Tools"};
static const char *const regions[] = {"NorthAmerica",  "LatinAmerica",   "WesternEurope",
                                      "EasternEurope", "MiddleEast",     "Africa",
                                      "SouthAsia",     "EastAsiaPacific"};
static const char *const countries[] = {
    "USA",    "Canada",   "Mexico",      "Cuba",      "Jamaica",    "Brazil",   "Argentina",
    "Chile",  "Colombia", "Peru",        "Germany",   "France",     "UK",       "Spain",
    "Italy",  "Poland",   "Czechia",     "Hungary",   "Romania",    "Ukraine",  "Turkey",
    "Israel", "UAE",      "SaudiArabia", "Egypt",     "Nigeria",    "Kenya",    "SouthAfrica",
    "Ghana",  "Morocco",  "India",       "Pakistan",  "Bangladesh", "SriLanka", "Nepal",
    "China",  "Japan",    "Korea",       "Australia", "Indonesia",
};
#define NCOUNTRIES  (sizeof(countries) / sizeof(countries[0]))
#define NCATEGORIES (sizeof(categories) / sizeof(categories[0]))
#define DAY0        18628 /* 2021-01-01 */
#define NDAYS       1095

/* The columns of the sales CSV, in its order. */
enum {
    C_ID,
    C_DATE,
    C_REGION,
    C_COUNTRY,
    C_PRODUCT,
    C_CATEGORY,
    C_CUSTOMER,
    C_QTY,
    C_PRICE,
    C_DISCOUNT,
    C_AMOUNT,
    NCOLS
};

static const quire_column_info schema[NCOLS] = {
    {"order_id", QUIRE_TYPE_INT, 0},       {"order_date", QUIRE_TYPE_DATE, 0},
    {"region", QUIRE_TYPE_STRING, 0},      {"country", QUIRE_TYPE_STRING, 0},
    {"product", QUIRE_TYPE_STRING, 0},     {"category", QUIRE_TYPE_STRING, 0},
    {"customer", QUIRE_TYPE_STRING, 0},    {"quantity", QUIRE_TYPE_INT, 0},
    {"unit_price", QUIRE_TYPE_DECIMAL, 2}, {"discount", QUIRE_TYPE_DECIMAL, 2},
    {"amount", QUIRE_TYPE_DECIMAL, 2},
};

/* The sums the output must reproduce. */
typedef struct totals {
    uint64_t rows, ids, qty, amount, str_bytes;
} totals;

static uint64_t rng_next(uint64_t *s)
{
    /* xorshift64*: plenty for synthetic data. */
    *s ^= *s >> 12;
    *s ^= *s << 25;
    *s ^= *s >> 27;
    return *s * 2685821657736338717ull;
}

static double clock_s(clockid_t clock)
{
    struct timespec ts;
    clock_gettime(clock, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double now_s(void)
{
    return clock_s(CLOCK_MONOTONIC);
}

static void die(const char *what)
{
    fprintf(stderr, "sort_micro: %s\n", what);
    exit(1);
}

static void put_str(quire_batch *b, uint32_t col, uint32_t row, const char *s)
{
    size_t len = strlen(s);
    char *p = arena_alloc(b->arena, len);

    if (p == NULL)
        die("out of memory");
    memcpy(p, s, len);
    b->columns[col].v.str[row] = (quire_str){p, len};
    b->columns[col].nulls[row] = 0;
}

static void put_int(quire_batch *b, uint32_t col, uint32_t row, int64_t v)
{
    b->columns[col].v.i64[row] = v;
    b->columns[col].nulls[row] = 0;
}

static void count_row(totals *t, const quire_batch *b, uint32_t r)
{
    t->rows++;
    t->ids += (uint64_t)b->columns[C_ID].v.i64[r];
    t->qty += (uint64_t)b->columns[C_QTY].v.i64[r];
    t->amount += (uint64_t)b->columns[C_AMOUNT].v.i64[r];
    for (uint32_t c = C_REGION; c <= C_CUSTOMER; c++)
        t->str_bytes += b->columns[c].v.str[r].len;
}

/* Order ids ascend with the rows, as in the generated CSV. */
static quire_batch **make_input(uint64_t rows, size_t *nbatches, totals *want)
{
    size_t nb = (size_t)((rows + BATCH - 1) / BATCH);
    quire_batch **in = calloc(nb, sizeof(*in));
    uint64_t seed = 0x1234567890abcdefull, id = 0;
    char product[16], customer[16];

    if (in == NULL)
        die("out of memory");
    for (size_t i = 0; i < nb; i++) {
        quire_batch *b = batch_new(schema, NCOLS, BATCH, BATCH_LINES);
        uint32_t n = (uint32_t)(rows - id < BATCH ? rows - id : BATCH);

        if (b == NULL)
            die("out of memory");
        for (uint32_t r = 0; r < n; r++) {
            uint32_t country = (uint32_t)(rng_next(&seed) % NCOUNTRIES);
            uint32_t category = (uint32_t)(rng_next(&seed) % NCATEGORIES);
            id++;
            snprintf(product, sizeof(product), "%.4s-%03u", categories[category],
                     (unsigned)(rng_next(&seed) % 200));
            snprintf(customer, sizeof(customer), "CUST-%05u", (unsigned)(rng_next(&seed) % 20000));
            put_int(b, C_ID, r, (int64_t)id);
            put_int(b, C_DATE, r, DAY0 + (int64_t)(rng_next(&seed) % NDAYS));
            put_str(b, C_REGION, r, regions[country / 5]);
            put_str(b, C_COUNTRY, r, countries[country]);
            put_str(b, C_PRODUCT, r, product);
            put_str(b, C_CATEGORY, r, categories[category]);
            put_str(b, C_CUSTOMER, r, customer);
            put_int(b, C_QTY, r, 1 + (int64_t)(rng_next(&seed) % 50));
            put_int(b, C_PRICE, r, 1 + (int64_t)(rng_next(&seed) % 50000));
            put_int(b, C_DISCOUNT, r, (int64_t)(rng_next(&seed) % 31));
            put_int(b, C_AMOUNT, r, (int64_t)(rng_next(&seed) % 1000000));
            b->source_line[r] = (int64_t)id + 1;
            count_row(want, b, r);
        }
        b->rows = n;
        in[i] = b;
    }
    *nbatches = nb;
    return in;
}

/* 1 if row r of b comes strictly after the row last seen (kept in *prev_*). */
static int in_order(const quire_batch *b, uint32_t r, const char **prev_region, int64_t *prev_date,
                    int64_t *prev_id, char *region_buf)
{
    const quire_str *s = &b->columns[C_REGION].v.str[r];
    int64_t date = b->columns[C_DATE].v.i64[r], id = b->columns[C_ID].v.i64[r];
    int c;

    memcpy(region_buf, s->ptr, s->len);
    region_buf[s->len] = '\0';
    c = *prev_region == NULL ? 1 : strcmp(region_buf, *prev_region);
    if (c < 0 || (c == 0 && (date < *prev_date || (date == *prev_date && id <= *prev_id))))
        return 0;
    *prev_date = date;
    *prev_id = id;
    return 1;
}

int main(int argc, char **argv)
{
    uint64_t rows = argc > 1 ? strtoull(argv[1], NULL, 10) : 1000000;
    int repeats = argc > 2 ? atoi(argv[2]) : 3;
    size_t budget = (size_t)(argc > 3 ? strtoull(argv[3], NULL, 10) : 256) << 20;
    unsigned threads = argc > 4 ? (unsigned)atoi(argv[4]) : 1;
    const sort_key keys[] = {{C_REGION, 0, 0}, {C_DATE, 0, 0}, {C_ID, 0, 0}};
    double best = 1e30, best_add = 0, best_finish = 0, best_emit = 0, best_cpu = 0;
    totals want = {0};
    size_t nbatches;
    quire_batch **in, *out;
    sort_stats st = {0};

    if (rows == 0 || repeats < 1) {
        fprintf(stderr, "usage: sort_micro [ROWS [REPEATS [BUDGET_MB [THREADS]]]]\n");
        return 2;
    }
    in = make_input(rows, &nbatches, &want);
    out = batch_new(schema, NCOLS, BATCH, BATCH_LINES);
    if (out == NULL)
        die("out of memory");
    for (int rep = 0; rep < repeats; rep++) {
        quire_error err = {0};
        sorter *s = sorter_new(schema, NCOLS, keys, 3, budget, NULL, &err);
        char prev_buf[2][32];
        const char *prev = NULL;
        int64_t prev_date = 0, prev_id = 0;
        totals got = {0};
        double t0, t1, t2, t3, cpu0;
        int rc, flip = 0;

        if (s == NULL)
            die(err.msg);
        sorter_set_threads(s, threads);
        cpu0 = clock_s(CLOCK_PROCESS_CPUTIME_ID);
        t0 = now_s();
        for (size_t b = 0; b < nbatches; b++)
            if (sorter_add(s, in[b], NULL, 0, &err) != QUIRE_OK)
                die(err.msg);
        t1 = now_s();
        if (sorter_finish(s, &err) != QUIRE_OK)
            die(err.msg);
        t2 = now_s();
        do {
            rc = sorter_next(s, out, &err);
            if (rc == QUIRE_ERR)
                die(err.msg);
            for (uint32_t r = 0; r < out->rows; r++) {
                if (!in_order(out, r, &prev, &prev_date, &prev_id, prev_buf[flip]))
                    die("rows out of order");
                prev = prev_buf[flip];
                flip = !flip;
                count_row(&got, out, r);
            }
        } while (rc == QUIRE_OK);
        t3 = now_s();
        /* The check above ran inside the emit time; it is small beside it. */
        if (memcmp(&got, &want, sizeof(got)) != 0)
            die("the output does not hold the input's rows");
        sorter_stats(s, &st);
        sorter_free(s);
        if (t3 - t0 < best) {
            best = t3 - t0;
            best_add = t1 - t0;
            best_finish = t2 - t1;
            best_emit = t3 - t2;
            best_cpu = clock_s(CLOCK_PROCESS_CPUTIME_ID) - cpu0;
        }
    }
    printf("sort_micro: %" PRIu64 " rows, budget %zu MB, %u thread(s), %" PRId64
           " runs spilled: %.2f M rows/s "
           "(add %.1f ms, finish %.1f ms, emit %.1f ms; total %.1f ms, CPU %.1f ms); "
           "peak %.1f MB\n",
           rows, budget >> 20, threads, st.runs, (double)rows / best / 1e6, best_add * 1e3,
           best_finish * 1e3, best_emit * 1e3, best * 1e3, best_cpu * 1e3,
           (double)st.peak_memory / (1 << 20));
    for (size_t b = 0; b < nbatches; b++)
        batch_free(in[b]);
    free(in);
    batch_free(out);
    return 0;
}
