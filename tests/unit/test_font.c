/*
 * test_font.c - TrueType measurement and line breaking (kernel/font.c,
 * kernel/font_break.c) against DejaVu Sans as Debian ships it
 * (fonts-dejavu-core).
 *
 * The expected metrics were read from DejaVuSans.ttf independently of
 * quire: with a python3 script parsing head/hhea/hmtx/cmap with struct, and
 * cross-checked with FreeType (FT_Get_Char_Index + FT_Get_Advance with
 * FT_LOAD_NO_SCALE through ctypes); both agreed on every value below.
 * Expected line splits are worked out by hand from those advances.
 * Damaged fonts are made by patching a copy of the file in memory.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "font.h"

#define DEJAVU "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
#define UPEM   2048
#define SIZE   10.0

/* ============================== Reference data ============================ */

/* DejaVu Sans advances in font units (python struct + FreeType, see top). */
static const struct {
    uint32_t cp;
    uint32_t units;
} REF[] = {
    {' ', 651},     {'-', 739},    {'/', 690},     {'.', 651},     {',', 651},      {'0', 1303},
    {'1', 1303},    {'A', 1401},   {'B', 1405},    {'H', 1540},    {'W', 2025},     {'a', 1255},
    {'b', 1300},    {'c', 1126},   {'d', 1300},    {'e', 1260},    {'f', 721},      {'g', 1300},
    {'h', 1298},    {'i', 569},    {'j', 569},     {'k', 1186},    {'l', 569},      {'m', 1995},
    {'n', 1298},    {'o', 1253},   {'p', 1300},    {'q', 1300},    {'r', 842},      {'s', 1067},
    {'t', 803},     {'u', 1298},   {'v', 1212},    {'w', 1675},    {'x', 1212},     {'y', 1212},
    {'z', 1075},    {0x00A0, 651}, {0x03B1, 1350}, {0x03B2, 1307}, {0x03B3, 1212},  {0x0416, 2206},
    {0x0436, 1845}, {0x200B, 0},   {0x2026, 2048}, {0xFFFD, 2100}, {0x10300, 1550}, {0x1F600, 2135},
};
#define NOTDEF_UNITS 1229 /* glyph 0, what code points without a glyph measure */

static uint32_t ref_cp(uint32_t cp)
{
    for (size_t i = 0; i < sizeof(REF) / sizeof(REF[0]); i++)
        if (REF[i].cp == cp)
            return REF[i].units;
    fail_msg("no reference advance for U+%04X", (unsigned)cp);
    return 0;
}

/* Units of an ASCII string from the reference table (tab as a space). */
static uint32_t ref(const char *s)
{
    uint32_t u = 0;
    for (; *s; s++)
        u += ref_cp(*s == '\t' ? ' ' : (unsigned char)*s);
    return u;
}

/* Points of `units` at SIZE. */
static double pts(uint32_t units)
{
    return units * SIZE / UPEM;
}

/* ============================== Fixture =================================== */

typedef struct fixture {
    font_face *face;
    uint8_t *bytes; /* DejaVuSans.ttf as read from disk */
    size_t len;
    char dir[64]; /* scratch directory */
} fixture;

static int setup(void **state)
{
    fixture *fx = calloc(1, sizeof(*fx));
    quire_error err = {0};
    FILE *fp;
    long n;

    if (fx == NULL)
        return -1;
    *state = fx;
    if (font_face_load(DEJAVU, &fx->face, &err) != QUIRE_OK) {
        fprintf(stderr, "cannot load %s: %s\n", DEJAVU, err.msg);
        return -1;
    }
    fp = fopen(DEJAVU, "rb");
    if (fp == NULL || fseek(fp, 0, SEEK_END) != 0 || (n = ftell(fp)) <= 0 ||
        fseek(fp, 0, SEEK_SET) != 0)
        return -1;
    fx->len = (size_t)n;
    fx->bytes = malloc(fx->len);
    if (fx->bytes == NULL || fread(fx->bytes, 1, fx->len, fp) != fx->len)
        return -1;
    fclose(fp);
    snprintf(fx->dir, sizeof(fx->dir), "/tmp/test_font.XXXXXX");
    return mkdtemp(fx->dir) == NULL ? -1 : 0;
}

static int teardown(void **state)
{
    fixture *fx = *state;
    char path[128];

    snprintf(path, sizeof(path), "%s/empty.ttf", fx->dir);
    unlink(path);
    rmdir(fx->dir);
    font_face_free(fx->face);
    free(fx->bytes);
    free(fx);
    return 0;
}

static const font_face *dejavu(void **state)
{
    return ((fixture *)*state)->face;
}

/* ============================== Metrics =================================== */

static void test_metrics(void **state)
{
    const font_face *f = dejavu(state);

    /* hhea: ascender 1901, descender -483, lineGap 0; head: unitsPerEm 2048. */
    assert_int_equal(font_units_per_em(f), 2048);
    assert_true(font_ascent(f) == 1901.0 / 2048);
    assert_true(font_descent(f) == 483.0 / 2048);
    assert_true(font_line_gap(f) == 0.0);
    assert_true(font_line_height(f) == 2384.0 / 2048);
    assert_string_equal(font_postscript_name(f), "DejaVuSans");
}

static void test_glyphs(void **state)
{
    const font_face *f = dejavu(state);

    assert_int_equal(font_glyph(f, 'H'), 43);
    assert_int_equal(font_glyph(f, 0x03B1), 838); /* Greek alpha */
    assert_int_equal(font_glyph(f, 0x0416), 939); /* Cyrillic Zhe */
    assert_int_equal(font_glyph(f, 0x1F600), 5857);
    assert_int_equal(font_glyph(f, 0x4E2D), 0); /* no CJK in DejaVu */
    assert_int_equal(font_glyph(f, 0x1D400), 0);
    assert_int_equal(font_glyph(f, 0x110000), 0);
    assert_int_equal(font_glyph(f, 0xFFFFFFFFu), 0);

    assert_int_equal(font_advance_units(f, 'H'), 1540);
    assert_int_equal(font_advance_units(f, 0x0436), 1845);
    assert_int_equal(font_advance_units(f, 0x10300), 1550);
    assert_int_equal(font_advance_units(f, 0x4E2D), NOTDEF_UNITS);
}

static void test_width(void **state)
{
    const font_face *f = dejavu(state);
    size_t missing = 99;

    /* H 1540 + e 1260 + l 569 + l 569 + o 1253 = 5191 units; 5191 * 10 / 2048. */
    assert_true(font_text_width(f, "Hello", 5, SIZE, &missing) == 25.3466796875);
    assert_int_equal(missing, 0);
    assert_true(font_text_width(f, "Hello", 5, SIZE, NULL) == pts(ref("Hello")));
    assert_true(font_text_width(f, "", 0, SIZE, &missing) == 0.0);
    assert_int_equal(missing, 0);
    assert_true(font_text_width(f, NULL, 0, SIZE, &missing) == 0.0);

    /* Greek and Cyrillic are in the font. */
    assert_true(font_text_width(f, "\xce\xb1\xce\xb2\xce\xb3", 6, SIZE, &missing) ==
                pts(1350 + 1307 + 1212));
    assert_int_equal(missing, 0);
    assert_true(font_text_width(f, "\xd0\x96\xd0\xb6", 4, 12.0, &missing) ==
                (2206 + 1845) * 12.0 / UPEM);
    assert_int_equal(missing, 0);

    /* U+4E2D is missing and measures as .notdef. */
    assert_true(font_text_width(f, "\xe4\xb8\xad", 3, SIZE, &missing) == pts(NOTDEF_UNITS));
    assert_int_equal(missing, 1);
    assert_true(font_text_width(f,
                                "a\xe4\xb8\xad\xe4\xb8\xad"
                                "b",
                                8, SIZE, &missing) == pts(1255 + 2 * NOTDEF_UNITS + 1300));
    assert_int_equal(missing, 2);

    /* Supplementary planes: U+1F600 present, U+1D400 missing. */
    assert_true(font_text_width(f, "\xf0\x9f\x98\x80", 4, SIZE, &missing) == pts(2135));
    assert_int_equal(missing, 0);
    assert_true(font_text_width(f, "\xf0\x9d\x90\x80", 4, SIZE, &missing) == pts(NOTDEF_UNITS));
    assert_int_equal(missing, 1);

    /* U+0009..U+000D measure as a space and are not missing. */
    assert_true(font_text_width(f, "a\tb\n\r\x0b\x0c", 7, SIZE, &missing) ==
                pts(1255 + 1300 + 5 * 651));
    assert_int_equal(missing, 0);
    /* Other controls are missing. */
    assert_true(font_text_width(f, "\x01", 1, SIZE, &missing) == pts(NOTDEF_UNITS));
    assert_int_equal(missing, 1);

    /* Only len bytes count. */
    assert_true(font_text_width(f, "Hello", 2, SIZE, NULL) == pts(1540 + 1260));
}

/* Measuring in pieces sums to measuring at once, at any code point split. */
static void test_width_splits(void **state)
{
    const font_face *f = dejavu(state);
    const char *text = "the quick brown fox \xce\xb1\xce\xb2 jumps";
    size_t len = strlen(text);
    double whole = font_text_width(f, text, len, SIZE, NULL);

    assert_true(whole == pts(ref("the quick brown fox ") + 1350 + 1307 + ref(" jumps")));
    for (size_t k = 0; k <= len; k++) {
        if (k < len && (text[k] & 0xC0) == 0x80)
            continue;
        assert_true(font_text_width(f, text, k, SIZE, NULL) +
                        font_text_width(f, text + k, len - k, SIZE, NULL) ==
                    whole);
    }
}

static void test_first_missing(void **state)
{
    const font_face *f = dejavu(state);

    assert_int_equal(font_first_missing(f, "Hello", 5), 0);
    assert_int_equal(font_first_missing(f, "ab\xe4\xb8\xad\xe6\x96\x87", 8), 0x4E2D);
    assert_int_equal(font_first_missing(f, "a\tb\n", 4), 0);
    assert_int_equal(font_first_missing(f, "\xf0\x9d\x90\x80", 4), 0x1D400);
    assert_int_equal(font_first_missing(f, "", 0), 0);
    /* Invalid UTF-8 is U+FFFD, which DejaVu has. */
    assert_int_equal(font_first_missing(f, "\xff", 1), 0);
}

static void test_bmp_coverage(void **state)
{
    const font_face *f = dejavu(state);
    size_t mapped = 0;

    /* Counted by the python reader over U+0000..U+FFFF of DejaVuSans. */
    for (uint32_t cp = 0; cp < 0x10000; cp++)
        mapped += font_glyph(f, cp) != 0;
    assert_int_equal(mapped, 5370);
}

/* ============================== UTF-8 ===================================== */

/* Decoding text[at] gives `cp` and moves to `after`. */
static void next_is(const char *text, size_t len, size_t at, uint32_t cp, size_t after)
{
    size_t i = at;

    assert_int_equal(font_utf8_next(text, len, &i), cp);
    assert_int_equal(i, after);
}

static void test_utf8(void **state)
{
    (void)state;
    next_is("A", 1, 0, 'A', 1);
    next_is("\xc3\xa9", 2, 0, 0xE9, 2);
    next_is("\xe4\xb8\xad", 3, 0, 0x4E2D, 3);
    next_is("\xf0\x9f\x98\x80", 4, 0, 0x1F600, 4);
    next_is("\xf4\x8f\xbf\xbf", 4, 0, 0x10FFFF, 4);
    next_is("\xef\xbf\xbd", 3, 0, 0xFFFD, 3);
    /* Truncated by len, stray continuation, bytes never valid. */
    next_is("\xc3\xa9", 1, 0, 0xFFFD, 1);
    next_is("\xe2\x82"
            "A",
            3, 0, 0xFFFD, 1);
    next_is("\xe2\x82"
            "A",
            3, 1, 0xFFFD, 2);
    next_is("\xe2\x82"
            "A",
            3, 2, 'A', 3);
    next_is("\x80", 1, 0, 0xFFFD, 1);
    next_is("\xff", 1, 0, 0xFFFD, 1);
    next_is("\xfe", 1, 0, 0xFFFD, 1);
    /* Overlong forms, surrogates, past U+10FFFF. */
    next_is("\xc0\xaf", 2, 0, 0xFFFD, 1);
    next_is("\xc1\xbf", 2, 0, 0xFFFD, 1);
    next_is("\xe0\x80\xaf", 3, 0, 0xFFFD, 1);
    next_is("\xf0\x80\x80\xaf", 4, 0, 0xFFFD, 1);
    next_is("\xed\xa0\x80", 3, 0, 0xFFFD, 1);
    next_is("\xed\x9f\xbf", 3, 0, 0xD7FF, 3);
    next_is("\xf4\x90\x80\x80", 4, 0, 0xFFFD, 1);
    next_is("\xf5\x80\x80\x80", 4, 0, 0xFFFD, 1);
    /* A bad continuation in the middle. */
    next_is("\xe4\xb8"
            "A",
            3, 0, 0xFFFD, 1);
    next_is("\xf0\x9f\x98"
            "A",
            4, 0, 0xFFFD, 1);
}

static void test_width_invalid_utf8(void **state)
{
    const font_face *f = dejavu(state);
    size_t missing = 99;

    /* Each bad byte is one U+FFFD (2100 units; DejaVu has it). */
    assert_true(font_text_width(f,
                                "a\xff"
                                "b",
                                3, SIZE, &missing) == pts(1255 + 2100 + 1300));
    assert_int_equal(missing, 0);
    assert_true(font_text_width(f, "\xed\xa0\x80", 3, SIZE, &missing) == pts(3 * 2100));
    assert_true(font_text_width(f, "\xe4\xb8", 2, SIZE, &missing) == pts(2 * 2100));
    assert_int_equal(missing, 0);
}

/* ============================== Line breaking ============================= */

typedef struct want_line {
    size_t start, len;
    uint32_t units;
    int hard;
} want_line;

/* Breaks `text` at SIZE into lines no wider than `max` points and checks
 * them against `w`; also that each width is the width of its bytes. */
static void breaks_are(const font_face *f, const char *text, double max, const want_line *w,
                       size_t n)
{
    font_line lines[16];
    size_t len = strlen(text);
    size_t got = font_break_lines(f, text, len, SIZE, max, lines, 16);

    assert_int_equal(got, n);
    for (size_t i = 0; i < n; i++) {
        if (lines[i].start != w[i].start || lines[i].len != w[i].len ||
            lines[i].hard != w[i].hard || lines[i].width != pts(w[i].units))
            fail_msg("'%s' line %zu: got start %zu len %zu width %g hard %d, want start %zu len "
                     "%zu width %g hard %d",
                     text, i, lines[i].start, lines[i].len, lines[i].width, lines[i].hard,
                     w[i].start, w[i].len, pts(w[i].units), w[i].hard);
        assert_true(lines[i].width ==
                    font_text_width(f, text + lines[i].start, lines[i].len, SIZE, NULL));
    }
}

#define BREAKS(f, text, max, ...)                                                                  \
    do {                                                                                           \
        const want_line w_[] = {__VA_ARGS__};                                                      \
        breaks_are(f, text, max, w_, sizeof(w_) / sizeof(w_[0]));                                  \
    } while (0)

static void test_break_words(void **state)
{
    const font_face *f = dejavu(state);

    /* Fits exactly: one line. */
    BREAKS(f, "Hello world", pts(ref("Hello world")), {0, 11, ref("Hello world"), 1});
    /* One unit short: breaks at the space, which is dropped. */
    BREAKS(f, "Hello world", pts(ref("Hello world") - 1), {0, 5, ref("Hello"), 0},
           {6, 5, ref("world"), 1});
    /* "the quick" is 9491 units; "brown fox" 10205 does not fit in it. */
    BREAKS(f, "the quick brown fox", pts(ref("the quick")), {0, 9, ref("the quick"), 0},
           {10, 5, ref("brown"), 0}, {16, 3, ref("fox"), 1});
    /* A run of spaces is one break; all of it is dropped. */
    BREAKS(f, "ab   cd", pts(ref("ab   c")), {0, 2, ref("ab"), 0}, {5, 2, ref("cd"), 1});
    /* Trailing spaces do not count, and never make a line too wide. */
    BREAKS(f, "ab   ", pts(ref("ab")), {0, 2, ref("ab"), 1});
    /* Leading spaces are kept (indentation). */
    BREAKS(f, "  ab", 1000, {0, 4, ref("  ab"), 1});
    /* A tab is a space. */
    BREAKS(f, "ab\tcd", pts(ref("ab c")), {0, 2, ref("ab"), 0}, {3, 2, ref("cd"), 1});
    BREAKS(f, "ab\tcd", 1000, {0, 5, ref("ab cd"), 1});
}

static void test_break_newlines(void **state)
{
    const font_face *f = dejavu(state);

    BREAKS(f, "ab\ncd", 1000, {0, 2, ref("ab"), 1}, {3, 2, ref("cd"), 1});
    BREAKS(f, "ab\r\ncd", 1000, {0, 2, ref("ab"), 1}, {4, 2, ref("cd"), 1});
    BREAKS(f, "ab  \ncd", 1000, {0, 2, ref("ab"), 1}, {5, 2, ref("cd"), 1});
    BREAKS(f, "ab\n", 1000, {0, 2, ref("ab"), 1}, {3, 0, 0, 1});
    BREAKS(f, "\n\n", 1000, {0, 0, 0, 1}, {1, 0, 0, 1}, {2, 0, 0, 1});
    /* Hard and soft breaks together. */
    BREAKS(f, "ab cd\nef", pts(ref("ab c")), {0, 2, ref("ab"), 0}, {3, 2, ref("cd"), 1},
           {6, 2, ref("ef"), 1});
    /* A lone CR is a space, not a newline. */
    BREAKS(f, "ab\rcd", 1000, {0, 5, ref("ab cd"), 1});
}

static void test_break_long_words(void **state)
{
    const font_face *f = dejavu(state);

    /* abc 3681, def 3281, gh 2598: broken between characters. */
    BREAKS(f, "abcdefgh", pts(ref("abc")), {0, 3, ref("abc"), 0}, {3, 3, ref("def"), 0},
           {6, 2, ref("gh"), 1});
    /* The break opportunity before the long word is used first. */
    BREAKS(f, "a bcdefgh", pts(ref("abc")), {0, 1, ref("a"), 0}, {2, 2, ref("bc"), 0},
           {4, 3, ref("def"), 0}, {7, 2, ref("gh"), 1});
    /* Multi-byte code points stay whole: 1350, 1307, 1212. */
    BREAKS(f, "\xce\xb1\xce\xb2\xce\xb3", pts(1350), {0, 2, 1350, 0}, {2, 2, 1307, 0},
           {4, 2, 1212, 1});
    /* Nothing fits: still one code point per line, spaces dropped. */
    BREAKS(f, "ab c", 0, {0, 1, ref("a"), 0}, {1, 1, ref("b"), 0}, {3, 1, ref("c"), 1});
    BREAKS(f, "ab", -5, {0, 1, ref("a"), 0}, {1, 1, ref("b"), 1});
}

static void test_break_hyphen_slash(void **state)
{
    const font_face *f = dejavu(state);

    /* well- 4812, known 6710. */
    BREAKS(f, "well-known", pts(ref("well-known") - 1), {0, 5, ref("well-"), 0},
           {5, 5, ref("known"), 1});
    BREAKS(f, "and/or", pts(ref("and/o")), {0, 4, ref("and/"), 0}, {4, 2, ref("or"), 1});
    /* The last opportunity that fits wins. */
    BREAKS(f, "a-b-cd", pts(ref("a-b-c")), {0, 4, ref("a-b-"), 0}, {4, 2, ref("cd"), 1});
    /* NBSP (U+00A0, 651 units) is not a break: the space before it is. */
    BREAKS(f,
           "x ab\xc2\xa0"
           "cd",
           pts(ref("x ab c")), {0, 1, ref("x"), 0}, {2, 6, ref("ab cd"), 1});
    /* After U+200B (zero width). */
    BREAKS(f,
           "abc\xe2\x80\x8b"
           "def",
           pts(ref("abcde")), {0, 6, ref("abc"), 0}, {6, 3, ref("def"), 1});
}

static void test_break_cjk(void **state)
{
    const font_face *f = dejavu(state);
    /* DejaVu has no CJK: each ideograph measures as .notdef (1229). */
    const char *zh = "\xe4\xb8\xad\xe6\x96\x87\xe5\xad\x97"; /* U+4E2D U+6587 U+5B57 */

    BREAKS(f, zh, pts(2 * NOTDEF_UNITS), {0, 6, 2 * NOTDEF_UNITS, 0}, {6, 3, NOTDEF_UNITS, 1});
    /* After an ideograph, before a Latin letter. */
    BREAKS(f,
           "ab\xe4\xb8\xad"
           "cd",
           pts(ref("ab") + NOTDEF_UNITS + 500), {0, 5, ref("ab") + NOTDEF_UNITS, 0},
           {5, 2, ref("cd"), 1});
    /* Before an ideograph: "cd" stays with "ab " were it not a break. */
    BREAKS(f,
           "ab cd\xe4\xb8\xad"
           "ef",
           pts(ref("ab cd") + 100), {0, 5, ref("ab cd"), 0}, {5, 5, NOTDEF_UNITS + ref("ef"), 1});
    /* Hiragana (U+3042 U+3044), Hangul (U+AC00), fullwidth (U+FF21): none in DejaVu. */
    BREAKS(f, "\xe3\x81\x82\xe3\x81\x84", pts(1), {0, 3, NOTDEF_UNITS, 0}, {3, 3, NOTDEF_UNITS, 1});
    BREAKS(f,
           "x\xea\xb0\x80"
           "y",
           pts(ref("x")), {0, 1, ref("x"), 0}, {1, 3, NOTDEF_UNITS, 0}, {4, 1, ref("y"), 1});
    BREAKS(f, "x\xef\xbc\xa1", pts(ref("x")), {0, 1, ref("x"), 0}, {1, 3, NOTDEF_UNITS, 1});
}

static void test_break_edges(void **state)
{
    const font_face *f = dejavu(state);
    font_line lines[2];

    BREAKS(f, "", 100, {0, 0, 0, 1});
    assert_int_equal(font_break_lines(f, NULL, 0, SIZE, 100, lines, 2), 1);
    assert_int_equal(lines[0].len, 0);
    BREAKS(f, "   ", 100, {0, 0, 0, 1});
    BREAKS(f, "   ", 0, {0, 0, 0, 1});

    /* More lines than room: the count is the whole text's. */
    memset(lines, 0x5a, sizeof(lines));
    assert_int_equal(
        font_break_lines(f, "the quick brown fox", 19, SIZE, pts(ref("the quick")), lines, 1), 3);
    assert_int_equal(lines[0].start, 0);
    assert_int_equal(lines[0].len, 9);
    assert_int_equal(lines[1].start, 0x5a5a5a5a5a5a5a5aull); /* untouched */
    assert_int_equal(
        font_break_lines(f, "the quick brown fox", 19, SIZE, pts(ref("the quick")), NULL, 0), 3);

    /* Invalid UTF-8 breaks like U+FFFD (2100 units each), one byte each. */
    BREAKS(f, "\xff\xfe", pts(2100), {0, 1, 2100, 0}, {1, 1, 2100, 1});
    BREAKS(f, "a\xe4\xb8", 1000, {0, 3, 1255 + 2 * 2100, 1});
}

/* ============================== One-line fast path ======================== */

/* font_fit_ascii_line() must agree with font_break_lines() wherever it
 * answers, and answer wherever the text is one printable ASCII line that
 * fits (then every prefix fits too, so the general breaker finds no break).
 * Returns 1 when the fast path answered. */
static int fast_agrees(const font_face *f, const char *text, size_t len, double size, double max)
{
    font_line fast, slow[4];
    size_t n;
    int ascii = 1;

    memset(&fast, 0x5a, sizeof(fast));
    n = font_break_lines(f, text, len, size, max, slow, 4);
    for (size_t i = 0; i < len; i++)
        ascii &= (unsigned char)text[i] >= 0x20 && (unsigned char)text[i] <= 0x7e;
    if (!font_fit_ascii_line(f, text, len, size, max, &fast)) {
        /* Declined: not printable ASCII, or a size without monotonic
         * widths, or the general breaker finds more than one line, or its
         * one line is wider than max (a single character never breaks). */
        if (ascii && size >= 0 && size <= 1e300 && n == 1 && slow[0].width <= max)
            fail_msg("declined '%.*s' at size %g in %g though it is one line of %g", (int)len, text,
                     size, max, slow[0].width);
        assert_int_equal(fast.start, 0x5a5a5a5a5a5a5a5aull); /* untouched */
        return 0;
    }
    assert_true(ascii);
    if (n != 1 || fast.start != slow[0].start || fast.len != slow[0].len ||
        fast.hard != slow[0].hard || memcmp(&fast.width, &slow[0].width, sizeof(double)) != 0)
        fail_msg("'%.*s' at size %g in %g: fast start %zu len %zu width %.17g hard %d; general "
                 "%zu lines, the first start %zu len %zu width %.17g hard %d",
                 (int)len, text, size, max, fast.start, fast.len, fast.width, fast.hard, n,
                 slow[0].start, slow[0].len, slow[0].width, slow[0].hard);
    return 1;
}

static void test_fit_ascii_line(void **state)
{
    const font_face *f = dejavu(state);
    font_line line;

    /* By hand: "Hello world" is 11 bytes of ref("Hello world") units. */
    assert_int_equal(font_fit_ascii_line(f, "Hello world", 11, SIZE, 1000, &line), 1);
    assert_int_equal(line.start, 0);
    assert_int_equal(line.len, 11);
    assert_true(line.width == pts(ref("Hello world")));
    assert_int_equal(line.hard, 1);
    /* Exactly as wide as the box fits; one unit narrower does not. */
    assert_int_equal(fast_agrees(f, "Hello world", 11, SIZE, pts(ref("Hello world"))), 1);
    assert_int_equal(fast_agrees(f, "Hello world", 11, SIZE, pts(ref("Hello world") - 1)), 0);
    /* Trailing spaces neither count nor stop it; leading ones count. */
    assert_int_equal(fast_agrees(f, "ab   ", 5, SIZE, pts(ref("ab"))), 1);
    assert_int_equal(font_fit_ascii_line(f, "  ab  ", 6, SIZE, 1000, &line), 1);
    assert_int_equal(line.len, 4);
    assert_true(line.width == pts(ref("  ab")));
    /* Empty, NULL and all spaces: one empty line. */
    assert_int_equal(fast_agrees(f, "", 0, SIZE, 100), 1);
    assert_int_equal(fast_agrees(f, "   ", 3, SIZE, 0), 1);
    assert_int_equal(font_fit_ascii_line(f, NULL, 0, SIZE, 100, &line), 1);
    assert_int_equal(line.len, 0);
    assert_true(line.width == 0.0);
    /* Declined: newline, CR, tab, DEL, a control, UTF-8. */
    assert_int_equal(fast_agrees(f, "ab\ncd", 5, SIZE, 1000), 0);
    assert_int_equal(fast_agrees(f, "ab\rcd", 5, SIZE, 1000), 0);
    assert_int_equal(fast_agrees(f, "ab\tcd", 5, SIZE, 1000), 0);
    assert_int_equal(fast_agrees(f, "ab\x7f", 3, SIZE, 1000), 0);
    assert_int_equal(fast_agrees(f, "ab\x01", 3, SIZE, 1000), 0);
    assert_int_equal(fast_agrees(f, "caf\xc3\xa9", 5, SIZE, 1000), 0);
    /* Sizes where a longer prefix may not be wider: left to the breaker. */
    assert_int_equal(fast_agrees(f, "ab cd", 5, -1, 1000), 0);
    assert_int_equal(fast_agrees(f, "ab cd", 5, NAN, 1000), 0);
    assert_int_equal(fast_agrees(f, "ab cd", 5, INFINITY, INFINITY), 0);
    assert_int_equal(fast_agrees(f, "ab cd", 5, 0, 0), 1);
    /* No room: declined (one character alone would still be printed). */
    assert_int_equal(fast_agrees(f, "W", 1, SIZE, 1), 0);
    assert_int_equal(fast_agrees(f, "ab", 2, SIZE, -5), 0);
    assert_int_equal(fast_agrees(f, "ab", 2, SIZE, NAN), 0);
}

/* Many strings of the bytes that matter to breaking (spaces, hyphens,
 * slashes, letters of every width, now and then a byte the fast path must
 * decline), at widths around each one's own: the two paths agree on all. */
static void test_fit_ascii_line_random(void **state)
{
    const font_face *f = dejavu(state);
    static const char alphabet[] = "aW il-/ .,0179MmxXy  ";
    static const char odd[] = "\n\t\r\x7f\xc3";
    static const double sizes[] = {10, 8.5, 7.25, 0.5, 72, 1e-3};
    static char text[3000];
    uint32_t seed = 2024;
    size_t answered = 0;

    for (int iter = 0; iter < 20000; iter++) {
        size_t len;
        double size = sizes[iter % 6], width, max;
        seed = seed * 1103515245u + 12345u;
        len = iter % 500 == 0 ? 1000 + (seed >> 16) % 2000 : (seed >> 16) % 24;
        for (size_t i = 0; i < len; i++) {
            seed = seed * 1103515245u + 12345u;
            text[i] = alphabet[(seed >> 16) % (sizeof(alphabet) - 1)];
            if ((seed >> 8) % 211 == 0)
                text[i] = odd[(seed >> 20) % (sizeof(odd) - 1)];
        }
        width = font_text_width(f, text, len, size, NULL);
        /* Around the width of the whole text (trailing spaces included),
         * exactly at it, and well inside it. */
        for (int k = 0; k < 5; k++) {
            static const double shift[] = {0, 1e-9, -1e-9, -3, 0.5};
            max = k == 4 ? width * shift[k] : width + shift[k];
            answered += (size_t)fast_agrees(f, text, len, size, max);
        }
        /* Exactly the width without the trailing spaces: fits. */
        {
            size_t end = len;
            while (end > 0 && text[end - 1] == ' ')
                end--;
            answered +=
                (size_t)fast_agrees(f, text, len, size, font_text_width(f, text, end, size, NULL));
        }
    }
    /* The fast path is taken for most of them, not declined for all. */
    assert_true(answered > 60000);
}

/* ============================== Fit prefix ================================ */

static void test_fit_prefix(void **state)
{
    const font_face *f = dejavu(state);
    const char *ell = "\xe2\x80\xa6"; /* 2048 units */
    const char *text = "Hello world";

    assert_int_equal(font_fit_prefix(f, text, 11, SIZE, pts(ref("Hello w") + 2048), ell), 7);
    assert_int_equal(font_fit_prefix(f, text, 11, SIZE, pts(ref("Hello wo") + 2048 - 1), ell), 7);
    /* "Hello " fits: the trailing space is removed. */
    assert_int_equal(font_fit_prefix(f, text, 11, SIZE, pts(ref("Hello ") + 2048), ell), 5);
    /* Everything fits. */
    assert_int_equal(font_fit_prefix(f, text, 11, SIZE, pts(ref(text) + 2048), ell), 11);
    /* Only the ellipsis fits, or not even it. */
    assert_int_equal(font_fit_prefix(f, text, 11, SIZE, pts(2048), ell), 0);
    assert_int_equal(font_fit_prefix(f, text, 11, SIZE, pts(2047), ell), 0);
    /* No suffix. */
    assert_int_equal(font_fit_prefix(f, text, 11, SIZE, pts(ref("Hel")), NULL), 3);
    assert_int_equal(font_fit_prefix(f, text, 11, SIZE, pts(ref("Hel")), ""), 3);
    /* On a code point boundary: alpha beta gamma. */
    assert_int_equal(font_fit_prefix(f, "\xce\xb1\xce\xb2\xce\xb3", 6, SIZE,
                                     pts(1350 + 1307 + 2048 + 1211), ell),
                     4);
    assert_int_equal(font_fit_prefix(f, "", 0, SIZE, 100, ell), 0);
    /* Invalid UTF-8 measures as U+FFFD and is kept whole. */
    assert_int_equal(font_fit_prefix(f,
                                     "a\xff"
                                     "b",
                                     3, SIZE, pts(1255 + 2100 + 2048), ell),
                     2);
}

/* ============================== Damaged fonts ============================= */

static uint16_t get16(const uint8_t *p)
{
    return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t get32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void put16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v)
{
    put16(p, (uint16_t)(v >> 16));
    put16(p + 2, (uint16_t)v);
}

/* The table directory record of `tag` in an sfnt at the start of `d`. */
static uint8_t *record(uint8_t *d, const char *tag)
{
    for (uint16_t i = 0; i < get16(d + 4); i++)
        if (memcmp(d + 12 + 16 * i, tag, 4) == 0)
            return d + 12 + 16 * i;
    fail_msg("no table '%s'", tag);
    return NULL;
}

static uint8_t *table_at(uint8_t *d, const char *tag)
{
    return d + get32(record(d, tag) + 8);
}

/* The cmap subtable for (platform, encoding). */
static uint8_t *subtable(uint8_t *d, uint16_t platform, uint16_t encoding)
{
    uint8_t *cmap = table_at(d, "cmap");
    for (uint16_t i = 0; i < get16(cmap + 2); i++) {
        uint8_t *rec = cmap + 4 + 8 * i;
        if (get16(rec) == platform && get16(rec + 2) == encoding)
            return cmap + get32(rec + 4);
    }
    fail_msg("no cmap subtable %u/%u", platform, encoding);
    return NULL;
}

/* Makes every cmap encoding record but 3/1 (format 4) non-Unicode. */
static void only_format4(uint8_t *d)
{
    uint8_t *cmap = table_at(d, "cmap");
    for (uint16_t i = 0; i < get16(cmap + 2); i++) {
        uint8_t *rec = cmap + 4 + 8 * i;
        if (!(get16(rec) == 3 && get16(rec + 2) == 1))
            put16(rec, 2);
    }
}

static uint8_t *copy_font(void **state)
{
    fixture *fx = *state;
    uint8_t *d = malloc(fx->len);

    assert_non_null(d);
    memcpy(d, fx->bytes, fx->len);
    return d;
}

static void load_fails(const uint8_t *d, size_t len, int code, const char *expected)
{
    font_face *face = (font_face *)&face;
    quire_error err = {0};

    assert_int_equal(font_face_load_mem(d, len, "bad.ttf", &face, &err), QUIRE_ERR);
    assert_null(face);
    assert_int_equal(err.code, code);
    assert_string_equal(err.msg, expected);
}

static void test_bad_headers(void **state)
{
    fixture *fx = *state;
    uint8_t random[4096];
    uint32_t seed = 12345;
    char want[256];
    uint8_t *d = copy_font(state);

    load_fails(fx->bytes, 0, QUIRE_E_INVALID, "bad.ttf: not a TrueType font (empty file)");
    load_fails(NULL, 0, QUIRE_E_INVALID, "bad.ttf: not a TrueType font (empty file)");
    load_fails(fx->bytes, 5, QUIRE_E_INVALID,
               "bad.ttf: not a TrueType font (5 bytes, too short for an sfnt header)");
    /* DejaVuSans has 20 tables: 12 + 20 * 16 = 332 bytes of directory. */
    load_fails(fx->bytes, 100, QUIRE_E_INVALID,
               "bad.ttf: table directory is truncated (20 tables need 332 bytes, the file has "
               "100)");
    /* The first 1000 bytes: the directory is whole, 'head' is far beyond. */
    load_fails(fx->bytes, 1000, QUIRE_E_INVALID,
               "bad.ttf: table 'head' is outside the file (offset 614156, the file has 1000 "
               "bytes)");

    for (size_t i = 0; i < sizeof(random); i++) {
        seed = seed * 1103515245u + 12345u;
        random[i] = (uint8_t)(seed >> 16);
    }
    random[0] = 0xAB; /* never a valid version */
    snprintf(want, sizeof(want),
             "bad.ttf: not a TrueType font (bad sfnt version 0x%02X%02X%02X%02X)", random[0],
             random[1], random[2], random[3]);
    load_fails(random, sizeof(random), QUIRE_E_INVALID, want);

    memcpy(d, "OTTO", 4);
    load_fails(d, fx->len, QUIRE_E_INVALID,
               "bad.ttf: not a TrueType font (CFF outlines, sfnt version 'OTTO')");
    memcpy(d, "true", 4); /* Apple's TrueType tag is fine */
    {
        font_face *face = NULL;
        quire_error err = {0};
        assert_int_equal(font_face_load_mem(d, fx->len, "apple.ttf", &face, &err), QUIRE_OK);
        font_face_free(face);
    }
    free(d);
}

static void test_bad_tables(void **state)
{
    fixture *fx = *state;
    char want[256];
    uint8_t *d;

    /* A table offset past the end of the file. */
    d = copy_font(state);
    put32(record(d, "cmap") + 8, 0xFFFFFF00u);
    snprintf(want, sizeof(want),
             "bad.ttf: table 'cmap' is outside the file (offset 4294967040, the file has %zu "
             "bytes)",
             fx->len);
    load_fails(d, fx->len, QUIRE_E_INVALID, want);
    free(d);

    /* A table length past the end of the file. */
    d = copy_font(state);
    put32(record(d, "hmtx") + 12, (uint32_t)(fx->len - 614248 + 1));
    snprintf(want, sizeof(want),
             "bad.ttf: table 'hmtx' is truncated (%zu bytes at offset 614248, the file has %zu)",
             fx->len - 614248 + 1, fx->len);
    load_fails(d, fx->len, QUIRE_E_INVALID, want);
    free(d);

    /* hmtx too short for hhea's numberOfHMetrics (6253 * 4 > 24982). */
    d = copy_font(state);
    put16(table_at(d, "hhea") + 34, 6253);
    load_fails(d, fx->len, QUIRE_E_INVALID,
               "bad.ttf: table 'hmtx' is truncated (24982 bytes, needs 25012)");
    put16(table_at(d, "hhea") + 34, 0);
    load_fails(d, fx->len, QUIRE_E_INVALID, "bad.ttf: table 'hhea' has numberOfHMetrics 0");
    free(d);

    d = copy_font(state);
    memcpy(record(d, "cmap"), "cmaq", 4);
    load_fails(d, fx->len, QUIRE_E_INVALID, "bad.ttf: table 'cmap' is missing");
    memcpy(record(d, "hhea"), "hhex", 4);
    load_fails(d, fx->len, QUIRE_E_INVALID, "bad.ttf: table 'hhea' is missing");
    free(d);

    d = copy_font(state);
    put32(record(d, "head") + 12, 36);
    load_fails(d, fx->len, QUIRE_E_INVALID,
               "bad.ttf: table 'head' is truncated (36 bytes, needs 54)");
    put32(record(d, "head") + 12, 54);
    put32(table_at(d, "head") + 12, 0);
    load_fails(d, fx->len, QUIRE_E_INVALID,
               "bad.ttf: table 'head' has magic number 0x00000000, expected 0x5F0F3CF5");
    put32(table_at(d, "head") + 12, 0x5F0F3CF5u);
    put16(table_at(d, "head") + 18, 0);
    load_fails(d, fx->len, QUIRE_E_INVALID,
               "bad.ttf: table 'head' has unitsPerEm 0, expected 16 to 16384");
    put16(table_at(d, "head") + 18, 2048);
    put16(table_at(d, "maxp") + 4, 0);
    load_fails(d, fx->len, QUIRE_E_INVALID, "bad.ttf: table 'maxp' has numGlyphs 0");
    free(d);
}

static void test_bad_cmap(void **state)
{
    fixture *fx = *state;
    char want[256];
    uint8_t *d, *sub, *cmap;

    /* No Unicode encoding left. */
    d = copy_font(state);
    cmap = table_at(d, "cmap");
    for (uint16_t i = 0; i < get16(cmap + 2); i++)
        put16(cmap + 4 + 8 * i, 2);
    load_fails(d, fx->len, QUIRE_E_INVALID,
               "bad.ttf: table 'cmap' has no Unicode subtable of format 4 or 12");
    free(d);

    /* Format 12 (3/10, at 3146 in a 7056-byte cmap) claiming 2^31-1 groups. */
    d = copy_font(state);
    sub = subtable(d, 3, 10);
    put32(sub + 12, 0x7FFFFFFFu);
    load_fails(d, fx->len, QUIRE_E_INVALID,
               "bad.ttf: table 'cmap' format 12 subtable is truncated (2147483647 groups need "
               "25769803780 bytes, it has 3910)");
    free(d);

    /* Format 12 groups out of order: group 1 starts where group 0 does. */
    d = copy_font(state);
    sub = subtable(d, 3, 10);
    put32(sub + 16 + 12, get32(sub + 16));
    snprintf(want, sizeof(want),
             "bad.ttf: table 'cmap' format 12 group 1 (U+%04X..U+%04X) is out of order or out "
             "of range",
             get32(sub + 16), get32(sub + 16 + 12 + 4));
    load_fails(d, fx->len, QUIRE_E_INVALID, want);
    free(d);

    /* Format 4 (3/1): segment ends out of order, too many segments. */
    d = copy_font(state);
    only_format4(d);
    sub = subtable(d, 3, 1);
    put16(sub + 14 + 2 * 2, 0x20);
    snprintf(want, sizeof(want),
             "bad.ttf: table 'cmap' format 4 segment 2 ends at U+0020, before segment 1 "
             "(U+%04X)",
             get16(sub + 14 + 2));
    load_fails(d, fx->len, QUIRE_E_INVALID, want);
    put16(sub + 14 + 2 * 2, 0x2E9);
    put16(sub + 6, 0xFFFE);
    load_fails(d, fx->len, QUIRE_E_INVALID,
               "bad.ttf: table 'cmap' format 4 subtable is truncated (32767 segments need "
               "262152 bytes, it has 7012)");
    free(d);
}

/* Only the 3/1 format 4 subtable: the same BMP, no supplementary planes. */
static void test_format4(void **state)
{
    fixture *fx = *state;
    const font_face *f12 = dejavu(state);
    font_face *f4 = NULL;
    quire_error err = {0};
    uint8_t *d = copy_font(state);

    only_format4(d);
    assert_int_equal(font_face_load_mem(d, fx->len, "f4.ttf", &f4, &err), QUIRE_OK);
    free(d); /* the face keeps its own copy */
    for (uint32_t cp = 0; cp < 0x10000; cp++)
        if (font_glyph(f4, cp) != font_glyph(f12, cp))
            fail_msg("U+%04X: format 4 glyph %u, format 12 glyph %u", (unsigned)cp,
                     (unsigned)font_glyph(f4, cp), (unsigned)font_glyph(f12, cp));
    assert_true(font_text_width(f4, "Hello", 5, SIZE, NULL) == pts(ref("Hello")));
    assert_int_equal(font_glyph(f4, 0x1F600), 0);
    assert_int_equal(font_first_missing(f4, "a\xf0\x9f\x98\x80", 5), 0x1F600);
    font_face_free(f4);
}

/* A collection holding DejaVuSans; its table offsets count from the start
 * of the collection file. */
static void test_collection(void **state)
{
    fixture *fx = *state;
    size_t len = fx->len + 16;
    uint8_t *d = malloc(len);
    font_face *f = NULL;
    quire_error err = {0};

    assert_non_null(d);
    memcpy(d, "ttcf", 4);
    put32(d + 4, 0x00010000u);
    put32(d + 8, 1);
    put32(d + 12, 16);
    memcpy(d + 16, fx->bytes, fx->len);
    for (uint16_t i = 0; i < get16(d + 16 + 4); i++) {
        uint8_t *rec = d + 16 + 12 + 16 * i;
        put32(rec + 8, get32(rec + 8) + 16);
    }
    assert_int_equal(font_face_load_mem(d, len, "c.ttc", &f, &err), QUIRE_OK);
    assert_true(font_text_width(f, "Hello", 5, SIZE, NULL) == 25.3466796875);
    assert_string_equal(font_postscript_name(f), "DejaVuSans");
    font_face_free(f);

    put32(d + 12, (uint32_t)len);
    {
        char want[256];
        snprintf(want, sizeof(want),
                 "bad.ttf: font collection's first font is outside the file (offset %zu, the "
                 "file has %zu bytes)",
                 len, len);
        load_fails(d, len, QUIRE_E_INVALID, want);
    }
    put32(d + 8, 0);
    load_fails(d, len, QUIRE_E_INVALID, "bad.ttf: font collection holds no font");
    load_fails(d, 14, QUIRE_E_INVALID,
               "bad.ttf: font collection header is truncated (14 bytes, needs 16)");
    free(d);
}

/* Random damage to the directory and the tables read: loading fails with a
 * message or succeeds, and a loaded face measures and breaks text. */
static void test_random_damage(void **state)
{
    fixture *fx = *state;
    uint8_t *d = copy_font(state);
    uint32_t seed = 777;
    const char *text = "Hello w\xc3\xb6rld \xe4\xb8\xad\xf0\x9f\x98\x80 a-b/c\tend\n\xff";
    /* Where the bytes read at load are: directory, cmap, head..maxp. */
    const size_t from[] = {0, 48808, 614156, 680628};
    const size_t span[] = {332, 7144, 25074, 32};

    for (int round = 0; round < 300; round++) {
        font_face *f = NULL;
        quire_error err = {0};
        size_t at[8];
        int n = 1 + round % 8;

        for (int k = 0; k < n; k++) {
            size_t r;
            seed = seed * 1103515245u + 12345u;
            r = (seed >> 8) % 4;
            seed = seed * 1103515245u + 12345u;
            at[k] = from[r] + (seed >> 4) % span[r];
            seed = seed * 1103515245u + 12345u;
            d[at[k]] = (uint8_t)(seed >> 16);
        }
        if (font_face_load_mem(d, fx->len, "bad.ttf", &f, &err) == QUIRE_OK) {
            font_line lines[4];
            size_t missing;
            (void)font_text_width(f, text, strlen(text), SIZE, &missing);
            assert_true(font_break_lines(f, text, strlen(text), SIZE, 20, lines, 4) >= 1);
            (void)font_fit_prefix(f, text, strlen(text), SIZE, 30, "\xe2\x80\xa6");
            (void)font_first_missing(f, text, strlen(text));
            font_face_free(f);
        } else {
            assert_null(f);
            assert_true(strncmp(err.msg, "bad.ttf: ", 9) == 0);
            assert_null(strchr(err.msg, '\n'));
        }
        for (int k = n - 1; k >= 0; k--)
            d[at[k]] = fx->bytes[at[k]];
    }
    free(d);
}

/* ============================== Files ===================================== */

static void test_files(void **state)
{
    fixture *fx = *state;
    font_face *f = (font_face *)&f;
    quire_error err = {0};
    char path[128], want[256];
    FILE *fp;

    assert_int_equal(font_face_load("/nonexistent/font.ttf", &f, &err), QUIRE_ERR);
    assert_null(f);
    assert_int_equal(err.code, QUIRE_E_IO);
    assert_string_equal(err.msg, "/nonexistent/font.ttf: cannot open: No such file or directory");

    assert_int_equal(font_face_load(fx->dir, &f, &err), QUIRE_ERR);
    snprintf(want, sizeof(want), "%s: cannot read: not a regular file", fx->dir);
    assert_string_equal(err.msg, want);

    snprintf(path, sizeof(path), "%s/empty.ttf", fx->dir);
    fp = fopen(path, "wb");
    assert_non_null(fp);
    fclose(fp);
    assert_int_equal(font_face_load(path, &f, &err), QUIRE_ERR);
    assert_int_equal(err.code, QUIRE_E_INVALID);
    snprintf(want, sizeof(want), "%s: not a TrueType font (empty file)", path);
    assert_string_equal(err.msg, want);
}

/* A large font file is read table by table (font.c, read_tables): only
 * the tables the kernel parses, the rest left as zeros. Loaded from its
 * path it must be the face the whole file in memory gives, for every BMP
 * code point, and a truncated large file must fail with the message the
 * whole-file parse gives (DejaVuSans.ttf's 'maxp' is 32 bytes at offset
 * 680628, after 'head', 'hhea' and 'hmtx'). */
static void test_files_by_table(void **state)
{
    fixture *fx = *state;
    font_face *whole = NULL, *f = (font_face *)&f;
    quire_error err = {0}, mem_err = {0};
    char path[128];
    FILE *fp;

    assert_true(fx->len > 256 * 1024); /* big enough to be read by table */
    assert_int_equal(font_face_load_mem(fx->bytes, fx->len, DEJAVU, &whole, &err), QUIRE_OK);
    assert_true(font_ascent(fx->face) == font_ascent(whole));
    assert_true(font_descent(fx->face) == font_descent(whole));
    assert_true(font_line_gap(fx->face) == font_line_gap(whole));
    assert_int_equal(font_units_per_em(fx->face), font_units_per_em(whole));
    assert_string_equal(font_postscript_name(fx->face), font_postscript_name(whole));
    assert_string_equal(font_family_name(fx->face), font_family_name(whole));
    assert_int_equal(font_style_bits(fx->face), font_style_bits(whole));
    for (uint32_t cp = 0; cp <= 0xFFFF; cp++) {
        if (font_glyph(fx->face, cp) != font_glyph(whole, cp) ||
            font_advance_units(fx->face, cp) != font_advance_units(whole, cp))
            fail_msg("U+%04X: glyph %u advance %u from the path, %u %u from memory", (unsigned)cp,
                     (unsigned)font_glyph(fx->face, cp), (unsigned)font_advance_units(fx->face, cp),
                     (unsigned)font_glyph(whole, cp), (unsigned)font_advance_units(whole, cp));
    }
    font_face_free(whole);

    snprintf(path, sizeof(path), "%s/cut.ttf", fx->dir);
    fp = fopen(path, "wb");
    assert_non_null(fp);
    assert_int_equal(fwrite(fx->bytes, 1, 680640, fp), 680640);
    fclose(fp);
    assert_int_equal(font_face_load(path, &f, &err), QUIRE_ERR);
    assert_null(f);
    assert_int_equal(font_face_load_mem(fx->bytes, 680640, path, &whole, &mem_err), QUIRE_ERR);
    assert_string_equal(err.msg, mem_err.msg);
    assert_non_null(strstr(err.msg, ": table 'maxp' is truncated (32 bytes at offset 680628, the "
                                    "file has 680640)"));
    unlink(path);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_metrics),
        cmocka_unit_test(test_glyphs),
        cmocka_unit_test(test_width),
        cmocka_unit_test(test_width_splits),
        cmocka_unit_test(test_first_missing),
        cmocka_unit_test(test_bmp_coverage),
        cmocka_unit_test(test_utf8),
        cmocka_unit_test(test_width_invalid_utf8),
        cmocka_unit_test(test_break_words),
        cmocka_unit_test(test_break_newlines),
        cmocka_unit_test(test_break_long_words),
        cmocka_unit_test(test_break_hyphen_slash),
        cmocka_unit_test(test_break_cjk),
        cmocka_unit_test(test_break_edges),
        cmocka_unit_test(test_fit_ascii_line),
        cmocka_unit_test(test_fit_ascii_line_random),
        cmocka_unit_test(test_fit_prefix),
        cmocka_unit_test(test_bad_headers),
        cmocka_unit_test(test_bad_tables),
        cmocka_unit_test(test_bad_cmap),
        cmocka_unit_test(test_format4),
        cmocka_unit_test(test_collection),
        cmocka_unit_test(test_random_damage),
        cmocka_unit_test(test_files),
        cmocka_unit_test(test_files_by_table),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
