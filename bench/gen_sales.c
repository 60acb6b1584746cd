/*
 * gen_sales.c - the benchmark data generator: writes the synthetic sales CSV
 * byte for byte as ../shared/bench/gen_sales.py does (the reference
 * definition), only fast enough to write ten million rows in seconds.
 *
 *   gen_sales N OUTFILE [--seed SEED]      OUTFILE "-" is standard output
 *
 * Byte identity needs every step of the script replayed exactly: Python's
 * random.Random(int) (MT19937 seeded with init_by_array over the 32-bit
 * chunks of abs(seed)), random() built from two draws, float round() which
 * rounds half to even, truncating int(), bisect_right, and integer money
 * math. Floating-point expressions are evaluated in the same order and with
 * the same double operations as CPython; the Makefile compiles this file
 * with -ffp-contract=off so no multiply-add is fused.
 */
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define N_COUNTRIES  40
#define N_CATEGORIES 12
#define N_PRODUCTS   200
#define N_CUSTOMERS  20000
#define N_DAYS       1095 /* 2021-01-01 .. 2023-12-31 */
#define DEFAULT_SEED "20240611"
#define OUT_BUF_SIZE (1u << 20)
#define ROW_MAX      192 /* longest row is about 100 bytes */

static const char usage[] = "usage: gen_sales N OUTFILE [--seed SEED]\n";

/* ============================== MT19937 =================================== */

#define MT_N 624
#define MT_M 397

typedef struct mt19937 {
    uint32_t s[MT_N];
    int next;
} mt19937;

static void mt_init_genrand(mt19937 *mt, uint32_t seed)
{
    mt->s[0] = seed;
    for (int i = 1; i < MT_N; i++)
        mt->s[i] = 1812433253u * (mt->s[i - 1] ^ (mt->s[i - 1] >> 30)) + (uint32_t)i;
    mt->next = MT_N;
}

/* The reference seeding from a key of 32-bit words (key_len >= 1). */
static void mt_init_by_array(mt19937 *mt, const uint32_t *key, size_t key_len)
{
    size_t i = 1, j = 0;
    size_t k = key_len > MT_N ? key_len : MT_N;

    mt_init_genrand(mt, 19650218u);
    for (; k > 0; k--) {
        mt->s[i] =
            (mt->s[i] ^ ((mt->s[i - 1] ^ (mt->s[i - 1] >> 30)) * 1664525u)) + key[j] + (uint32_t)j;
        i++;
        j++;
        if (i >= MT_N) {
            mt->s[0] = mt->s[MT_N - 1];
            i = 1;
        }
        if (j >= key_len)
            j = 0;
    }
    for (k = MT_N - 1; k > 0; k--) {
        mt->s[i] = (mt->s[i] ^ ((mt->s[i - 1] ^ (mt->s[i - 1] >> 30)) * 1566083941u)) - (uint32_t)i;
        i++;
        if (i >= MT_N) {
            mt->s[0] = mt->s[MT_N - 1];
            i = 1;
        }
    }
    mt->s[0] = 0x80000000u; /* the state is never all zero */
    mt->next = MT_N;
}

static void mt_twist(mt19937 *mt)
{
    for (int i = 0; i < MT_N; i++) {
        uint32_t y = (mt->s[i] & 0x80000000u) | (mt->s[(i + 1) % MT_N] & 0x7fffffffu);
        uint32_t v = mt->s[(i + MT_M) % MT_N] ^ (y >> 1);
        mt->s[i] = (y & 1u) ? v ^ 0x9908b0dfu : v;
    }
    mt->next = 0;
}

static uint32_t mt_next(mt19937 *mt)
{
    uint32_t y;

    if (mt->next >= MT_N)
        mt_twist(mt);
    y = mt->s[mt->next++];
    y ^= y >> 11;
    y ^= (y << 7) & 0x9d2c5680u;
    y ^= (y << 15) & 0xefc60000u;
    y ^= y >> 18;
    return y;
}

/* Python's random(): 53 random bits, 27 from one draw and 26 from the next. */
static double py_random(mt19937 *mt)
{
    uint32_t a = mt_next(mt) >> 5;
    uint32_t b = mt_next(mt) >> 6;

    return (a * 67108864.0 + b) * (1.0 / 9007199254740992.0);
}

/* Python's round(x) for a float: half to even. */
static double py_round(double x)
{
    double r = round(x);

    if (fabs(x - r) == 0.5)
        r = 2.0 * round(x / 2.0);
    return r;
}

/* ============================== Arguments ================================= */

/*
 * Parses an integer as Python's int() does for the forms argparse passes on:
 * blanks around, an optional sign, decimal digits with single underscores
 * between them. Stores the magnitude as little-endian 32-bit words in
 * words[0..*n_words) (at least one word, zero for 0; *words is malloc'd, the
 * caller frees it) and the sign in *negative. Returns 0, or -1 if s is not an
 * integer or memory runs out.
 */
static int parse_big_int(const char *s, uint32_t **words, size_t *n_words, int *negative)
{
    size_t len = strlen(s), cap, n = 1;
    uint32_t *w;
    int prev_digit = 0, any = 0;

    while (*s == ' ' || *s == '\t' || *s == '\n')
        s++;
    *negative = 0;
    if (*s == '+' || *s == '-')
        *negative = *s++ == '-';
    cap = len / 9 + 2;
    w = calloc(cap, sizeof(*w));
    if (w == NULL)
        return -1;
    for (; *s != '\0'; s++) {
        if (*s == '_' && prev_digit && s[1] >= '0' && s[1] <= '9') {
            prev_digit = 0;
            continue;
        }
        if (*s < '0' || *s > '9')
            break;
        uint64_t carry = (uint64_t)(*s - '0');
        for (size_t i = 0; i < n; i++) {
            uint64_t v = (uint64_t)w[i] * 10u + carry;
            w[i] = (uint32_t)v;
            carry = v >> 32;
        }
        if (carry != 0 && n < cap)
            w[n++] = (uint32_t)carry;
        prev_digit = 1;
        any = 1;
    }
    while (*s == ' ' || *s == '\t' || *s == '\n')
        s++;
    if (!any || *s != '\0') {
        free(w);
        return -1;
    }
    while (n > 1 && w[n - 1] == 0)
        n--;
    *words = w;
    *n_words = n;
    return 0;
}

/* N as a signed 64-bit count; -1 if it is not an integer or does not fit. */
static int parse_count(const char *s, int64_t *out)
{
    uint32_t *w;
    size_t n;
    int negative;
    uint64_t v;

    if (parse_big_int(s, &w, &n, &negative) != 0)
        return -1;
    v = w[0] | (n > 1 ? (uint64_t)w[1] << 32 : 0);
    free(w);
    if (n > 2 || v > (uint64_t)INT64_MAX)
        return -1;
    *out = negative ? -(int64_t)v : (int64_t)v;
    return 0;
}

/* ============================== Text ====================================== */

static char *put_bytes(char *p, const char *s, size_t n)
{
    memcpy(p, s, n);
    return p + n;
}

/* v (0 <= v < 10^width) in exactly `width` digits, zero-padded. */
static char *put_fixed(char *p, int v, int width)
{
    for (int i = width - 1; i >= 0; i--) {
        p[i] = (char)('0' + v % 10);
        v /= 10;
    }
    return p + width;
}

static char *put_uint(char *p, uint64_t v)
{
    char tmp[24];
    int n = 0;

    do {
        tmp[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v != 0);
    while (n > 0)
        *p++ = tmp[--n];
    return p;
}

/* "%d.%02d" % divmod(cents, 100), for cents >= 0. */
static char *put_money(char *p, int64_t cents)
{
    p = put_uint(p, (uint64_t)(cents / 100));
    *p++ = '.';
    *p++ = (char)('0' + cents % 100 / 10);
    *p++ = (char)('0' + cents % 10);
    return p;
}

/* ============================== Tables ==================================== */

static const char *const region_names[8] = {
    "NorthAmerica", "LatinAmerica", "WesternEurope", "EasternEurope",
    "MiddleEast",   "Africa",       "SouthAsia",     "EastAsiaPacific",
};

/* Five countries per region, in region order. */
static const char *const country_names[N_COUNTRIES] = {
    "USA",    "Canada",   "Mexico",      "Cuba",      "Jamaica",    "Brazil",   "Argentina",
    "Chile",  "Colombia", "Peru",        "Germany",   "France",     "UK",       "Spain",
    "Italy",  "Poland",   "Czechia",     "Hungary",   "Romania",    "Ukraine",  "Turkey",
    "Israel", "UAE",      "SaudiArabia", "Egypt",     "Nigeria",    "Kenya",    "SouthAfrica",
    "Ghana",  "Morocco",  "India",       "Pakistan",  "Bangladesh", "SriLanka", "Nepal",
    "China",  "Japan",    "Korea",       "Australia", "Indonesia",
};

static const char *const category_names[N_CATEGORIES] = {
    "Electronics", "Furniture", "Office", "Apparel",    "Sports", "Toys",
    "Grocery",     "Beauty",    "Garden", "Automotive", "Books",  "Tools",
};

/* A piece of text written into every row that picks it. */
typedef struct piece {
    char text[40];
    size_t len;
} piece;

/* The dimension tables, drawn from the seeded stream before any row. */
typedef struct tables {
    int64_t cum[N_COUNTRIES]; /* running sums of the country weights */
    int64_t total_weight;
    piece country[N_COUNTRIES]; /* "Region,Country" */
    piece product[N_PRODUCTS];  /* "CATE-001,Category" */
    int64_t base_cents[N_PRODUCTS];
    char dates[N_DAYS][11];          /* "YYYY-MM-DD" */
    char customers[N_CUSTOMERS][11]; /* "CUST-00001" */
} tables;

static void set_piece(piece *p, const char *a, const char *b)
{
    int n = snprintf(p->text, sizeof(p->text), "%s,%s", a, b);

    p->len = n < 0 ? 0 : (size_t)n;
}

static int is_leap(int y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

/* The N_DAYS ISO dates from 2021-01-01, by stepping the civil calendar. */
static void fill_dates(tables *t)
{
    static const int month_days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int y = 2021, m = 1, d = 1;

    for (int i = 0; i < N_DAYS; i++) {
        char *p = t->dates[i];

        p = put_fixed(p, y, 4);
        *p++ = '-';
        p = put_fixed(p, m, 2);
        *p++ = '-';
        p = put_fixed(p, d, 2);
        *p = '\0';
        if (d < month_days[m - 1] + (m == 2 && is_leap(y))) {
            d++;
        } else if (m < 12) {
            d = 1;
            m++;
        } else {
            d = 1;
            m = 1;
            y++;
        }
    }
}

static void fill_tables(tables *t, mt19937 *mt)
{
    int64_t sum = 0;

    for (int i = 0; i < N_COUNTRIES; i++) {
        sum += 1 + (int64_t)(py_random(mt) * 10);
        t->cum[i] = sum;
        set_piece(&t->country[i], region_names[i / 5], country_names[i]);
    }
    t->total_weight = sum;
    for (int i = 0; i < N_PRODUCTS; i++) {
        const char *cat = category_names[(int)(py_random(mt) * N_CATEGORIES)];
        char prefix[5] = {0};
        int n;

        /* log-uniform base price between 2.00 and 500.00 */
        t->base_cents[i] = (int64_t)py_round(200 * pow(250.0, py_random(mt)));
        for (int k = 0; k < 4 && cat[k] != '\0'; k++)
            prefix[k] = (char)(cat[k] >= 'a' && cat[k] <= 'z' ? cat[k] - 'a' + 'A' : cat[k]);
        n = snprintf(t->product[i].text, sizeof(t->product[i].text), "%s-%03d,%s", prefix, i + 1,
                     cat);
        t->product[i].len = n < 0 ? 0 : (size_t)n;
    }
    fill_dates(t);
    for (int i = 0; i < N_CUSTOMERS; i++)
        *put_fixed(put_bytes(t->customers[i], "CUST-", 5), i + 1, 5) = '\0';
}

/* bisect_right: the index of the first running sum greater than v. */
static int pick_country(const tables *t, int64_t v)
{
    int lo = 0, hi = N_COUNTRIES;

    while (lo < hi) {
        int mid = (lo + hi) / 2;
        if (v < t->cum[mid])
            hi = mid;
        else
            lo = mid + 1;
    }
    return lo;
}

/* ============================== Rows ====================================== */

/* Draws one row from the stream and writes its text at p; returns the end. */
static char *put_row(char *p, const tables *t, mt19937 *mt, int64_t order_id)
{
    int day = (int)(py_random(mt) * N_DAYS);
    int country = pick_country(t, (int64_t)(py_random(mt) * (double)t->total_weight));
    int product = (int)(py_random(mt) * N_PRODUCTS);
    int customer = (int)(py_random(mt) * N_CUSTOMERS);
    int64_t qty = 1 + (int64_t)(py_random(mt) * 50);
    int64_t price = (t->base_cents[product] * (90 + (int64_t)(py_random(mt) * 21)) + 50) / 100;
    double x = py_random(mt);
    int64_t disc = x < 0.6 ? 0 : 1 + (int64_t)((x - 0.6) / 0.4 * 30);
    int64_t amount;

    if (price < 1)
        price = 1;
    if (disc > 30)
        disc = 30;
    amount = (qty * price * (100 - disc) + 50) / 100; /* cents, half up */

    p = put_uint(p, (uint64_t)order_id);
    *p++ = ',';
    p = put_bytes(p, t->dates[day], 10);
    *p++ = ',';
    p = put_bytes(p, t->country[country].text, t->country[country].len);
    *p++ = ',';
    p = put_bytes(p, t->product[product].text, t->product[product].len);
    *p++ = ',';
    p = put_bytes(p, t->customers[customer], 10);
    *p++ = ',';
    p = put_uint(p, (uint64_t)qty);
    *p++ = ',';
    p = put_money(p, price);
    p = put_bytes(p, ",0.", 3);
    *p++ = (char)('0' + disc / 10);
    *p++ = (char)('0' + disc % 10);
    *p++ = ',';
    p = put_money(p, amount);
    *p++ = '\n';
    return p;
}

/* ============================== Main ====================================== */

static int write_all(FILE *out, const char *buf, size_t n, const char *path)
{
    if (n > 0 && fwrite(buf, 1, n, out) != n) {
        fprintf(stderr, "gen_sales: %s: %s\n", path, strerror(errno));
        return -1;
    }
    return 0;
}

/* Writes the header and n rows to out; 0 or -1 (message printed). */
static int generate(FILE *out, const char *path, int64_t n, mt19937 *mt)
{
    static const char header[] = "order_id,order_date,region,country,product,category,customer,"
                                 "quantity,unit_price,discount,amount\n";
    tables *t = malloc(sizeof(*t));
    char *buf = malloc(OUT_BUF_SIZE);
    char *p;
    int rc = -1;

    if (t == NULL || buf == NULL) {
        fprintf(stderr, "gen_sales: out of memory\n");
        goto fail_free;
    }
    fill_tables(t, mt);
    p = put_bytes(buf, header, sizeof(header) - 1);
    for (int64_t id = 1; id <= n; id++) {
        p = put_row(p, t, mt, id);
        if ((size_t)(p - buf) > OUT_BUF_SIZE - ROW_MAX) {
            if (write_all(out, buf, (size_t)(p - buf), path) != 0)
                goto fail_free;
            p = buf;
        }
    }
    if (write_all(out, buf, (size_t)(p - buf), path) != 0)
        goto fail_free;
    rc = 0;

fail_free:
    free(buf);
    free(t);
    return rc;
}

int main(int argc, char **argv)
{
    const char *positional[2] = {NULL, NULL};
    const char *seed_text = DEFAULT_SEED, *path;
    int n_positional = 0, negative, rc = 1;
    uint32_t *key = NULL;
    size_t key_len;
    int64_t n;
    mt19937 mt;
    FILE *out;

    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--seed") == 0 && i + 1 < argc) {
            seed_text = argv[++i];
        } else if (strncmp(argv[i], "--seed=", 7) == 0) {
            seed_text = argv[i] + 7;
        } else if (n_positional < 2 && (argv[i][0] != '-' || strcmp(argv[i], "-") == 0 ||
                                        (argv[i][1] >= '0' && argv[i][1] <= '9'))) {
            positional[n_positional++] = argv[i];
        } else {
            fputs(usage, stderr);
            return 2;
        }
    }
    if (n_positional != 2) {
        fputs(usage, stderr);
        return 2;
    }
    if (parse_count(positional[0], &n) != 0) {
        fprintf(stderr, "gen_sales: N: '%s' is not an integer in 64 bits\n", positional[0]);
        return 2;
    }
    if (parse_big_int(seed_text, &key, &key_len, &negative) != 0) {
        fprintf(stderr, "gen_sales: --seed: '%s' is not an integer\n", seed_text);
        return 2;
    }
    mt_init_by_array(&mt, key, key_len); /* abs(seed): the sign is dropped */
    free(key);

    path = positional[1];
    out = strcmp(path, "-") == 0 ? stdout : fopen(path, "w");
    if (out == NULL) {
        fprintf(stderr, "gen_sales: %s: %s\n", path, strerror(errno));
        return 1;
    }
    if (generate(out, path, n, &mt) == 0)
        rc = 0;
    /* A write error already reported is not reported again by the close. */
    if ((out != stdout ? fclose(out) != 0 : fflush(out) != 0) && rc == 0) {
        fprintf(stderr, "gen_sales: %s: %s\n", path, strerror(errno));
        rc = 1;
    }
    return rc;
}
