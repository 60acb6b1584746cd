/*
 * test_layout.c - laying out one band (kernel/fill_layout.c) with DejaVu
 * Sans: the fast road for the common cell (one short ASCII line that fits
 * its box) must write exactly the elements and bytes the general one does
 * (line breaking, stretching, clipping, shrinking, ellipsis), for every
 * style a text can have. The general road is the same code with
 * layout_ctx.general_only set.
 *
 * One cell is also worked out by hand from the font's metrics (ascender
 * 1901, descender 483, no line gap, 2048 units per em; the advances were
 * read from the file with python3 and FreeType, see test_font.c).
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "fill_int.h"

#define DEJAVU   "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
#define MAXITEMS 8

/* ============================== Fixture =================================== */

/* A plan with one detail band of up to MAXITEMS fields, the resources of
 * one font, and what layout_band() reads of an instance. */
typedef struct fixture {
    font_face *face;
    quire_font font;
    fill_resources res;
    report rep;
    report_band rb;
    report_element els[MAXITEMS];
    plan_value values[MAXITEMS];
    plan_band band;
    plan p;
    quire_band_value bv[MAXITEMS];
    emit_item items[MAXITEMS];
    emit_band eb;
    char text[MAXITEMS][400];
} fixture;

static int setup(void **state)
{
    fixture *fx = calloc(1, sizeof(*fx));
    quire_error err = {0};

    if (fx == NULL)
        return -1;
    *state = fx;
    if (font_face_load(DEJAVU, &fx->face, &err) != QUIRE_OK) {
        fprintf(stderr, "cannot load %s: %s\n", DEJAVU, err.msg);
        return -1;
    }
    fx->font.family = "DejaVu Sans";
    fx->res.fonts = &fx->font;
    fx->res.faces = &fx->face;
    fx->res.nfonts = 1;
    return 0;
}

static int teardown(void **state)
{
    fixture *fx = *state;

    font_face_free(fx->face);
    free(fx);
    return 0;
}

/* Wires the band of `n` items (their elements, values and texts set by the
 * caller) into the plan and the instance. */
static void wire(fixture *fx, size_t n, double height)
{
    fx->rb.kind = BAND_DETAIL;
    fx->rb.height = height;
    fx->rb.split = SPLIT_STRETCH;
    fx->band.src = &fx->rb;
    fx->band.kind = QUIRE_BAND_DETAIL;
    fx->band.values = fx->values;
    fx->band.nvalues = n;
    fx->p.rep = &fx->rep;
    fx->p.bands = &fx->band;
    fx->p.nbands = 1;
    for (size_t i = 0; i < n; i++) {
        fx->values[i].el = &fx->els[i];
        fx->values[i].name = "cell";
        fx->bv[i].value.type = QUIRE_TYPE_STRING;
        fx->bv[i].text.ptr = fx->text[i];
        fx->bv[i].text.len = strlen(fx->text[i]);
        fx->items[i].status = EMIT_ITEM_DRAW;
        fx->items[i].value = &fx->bv[i];
    }
    fx->eb.band = &fx->band;
    fx->eb.items = fx->items;
}

/* Lays the band out the general way and the fast way: the same height,
 * elements (every byte) and text bytes. Returns how many elements. */
static size_t both_ways(fixture *fx, const char *what)
{
    layout_ctx fast, general;
    band_layout a, b;
    quire_error err = {0};
    size_t n;

    memset(&a, 0, sizeof(a));
    memset(&b, 0, sizeof(b));
    assert_int_equal(layout_init(&fast, &fx->p, &fx->res), 0);
    assert_int_equal(layout_init(&general, &fx->p, &fx->res), 0);
    general.general_only = 1;
    assert_int_equal(layout_band(&fast, &fx->eb, 7, &a, &err), QUIRE_OK);
    assert_int_equal(layout_band(&general, &fx->eb, 7, &b, &err), QUIRE_OK);
    if (a.height != b.height || a.b.nels != b.b.nels || a.b.blob_len != b.b.blob_len)
        fail_msg("%s: height %g/%g, %zu/%zu elements, %zu/%zu text bytes", what, a.height, b.height,
                 a.b.nels, b.b.nels, a.b.blob_len, b.b.blob_len);
    for (size_t i = 0; i < a.b.nels; i++) {
        const quire_element *x = &a.b.els[i], *y = &b.b.els[i];
        if (memcmp(x, y, sizeof(quire_element)) != 0)
            fail_msg("%s: element %zu (kind %u, item %u) differs: x %.17g/%.17g y %.17g/%.17g "
                     "width %.17g/%.17g",
                     what, i, x->kind, x->item, x->x, y->x, x->y, y->y, x->width, y->width);
        /* The same offsets (compared above), so the same bytes there; the
         * blob's alignment gaps between texts are never read. */
        if (x->kind == QUIRE_EL_TEXT)
            assert_memory_equal(a.b.blob + (uintptr_t)x->u.text.utf8,
                                b.b.blob + (uintptr_t)y->u.text.utf8, x->u.text.len);
    }
    n = a.b.nels;
    elbuf_free(&a.b);
    elbuf_free(&b.b);
    layout_free(&fast);
    layout_free(&general);
    return n;
}

/* ============================== By hand =================================== */

static void test_one_cell_by_hand(void **state)
{
    fixture *fx = *state;
    layout_ctx lc;
    band_layout out;
    quire_error err = {0};
    const quire_element *e;
    double size = 10, lh = 2384.0 / 2048 * size;
    double width = font_text_width(fx->face, "Hello", 5, size, NULL);

    memset(&fx->els[0], 0, sizeof(fx->els[0]));
    fx->els[0] = (report_element){.kind = EL_FIELD, .x = 20, .y = 4, .width = 100, .height = 20};
    fx->els[0].style = -1;
    fx->els[0].props.set = STYLE_ALIGN | STYLE_VALIGN | STYLE_PADDING;
    fx->els[0].props.align = QUIRE_ALIGN_RIGHT;
    fx->els[0].props.valign = 1;
    fx->els[0].props.padding = 2;
    snprintf(fx->text[0], sizeof(fx->text[0]), "Hello");
    wire(fx, 1, 30);
    memset(&out, 0, sizeof(out));
    assert_int_equal(layout_init(&lc, &fx->p, &fx->res), 0);
    assert_int_equal(layout_band(&lc, &fx->eb, 3, &out, &err), QUIRE_OK);
    assert_int_equal(out.b.nels, 1);
    e = &out.b.els[0];
    assert_int_equal(e->kind, QUIRE_EL_TEXT);
    /* Right aligned inside the padding: 20 + 2 + (96 - width). */
    assert_true(e->x == 20 + 2 + (100 - 2 * 2) - width);
    /* Middle of the 16pt between the paddings. */
    assert_true(e->y == 4 + 2 + (16 - lh) / 2);
    assert_true(e->width == width);
    assert_true(e->height == lh);
    /* No line gap: the baseline is the ascender below the line's top. */
    assert_true(e->u.text.baseline == e->y + 1901.0 / 2048 * size);
    assert_int_equal(e->u.text.len, 5);
    assert_memory_equal(out.b.blob + (uintptr_t)e->u.text.utf8, "Hello", 5);
    assert_true(out.height == 30);
    assert_int_equal(e->instance, 3);
    elbuf_free(&out.b);
    layout_free(&lc);
    assert_int_equal(both_ways(fx, "by hand"), 1);
}

/* ============================== Fast against general ====================== */

static uint32_t next(uint32_t *seed)
{
    *seed = *seed * 1103515245u + 12345u;
    return *seed >> 8;
}

/* Random bands: boxes from too small to roomy, every alignment, paddings,
 * borders, backgrounds, underlines, line spacings, sizes and overflow
 * rules, texts from empty to long, now and then with a newline or UTF-8. */
static void test_fast_equals_general(void **state)
{
    fixture *fx = *state;
    static const char alphabet[] = "abcdefghij KLMNOP 0123456789 ,.-/ W";
    static const char *const odd[] = {"\n", "\xc3\xa9", "\t", "\xe4\xb8\xad"};
    static const double sizes[] = {8.5, 10, 7.5, 20, 4, 0.5};
    uint32_t seed = 99;
    size_t total = 0;

    for (int iter = 0; iter < 3000; iter++) {
        size_t n = 1 + next(&seed) % MAXITEMS;
        char what[64];
        for (size_t i = 0; i < n; i++) {
            report_element *el = &fx->els[i];
            size_t len = next(&seed) % 9 == 0 ? next(&seed) % 380 : next(&seed) % 20;
            memset(el, 0, sizeof(*el));
            memset(&fx->values[i], 0, sizeof(fx->values[i]));
            el->kind = next(&seed) % 5 == 0 ? EL_TEXT : EL_FIELD;
            el->style = -1;
            el->x = (double)(next(&seed) % 400) / 4;
            el->y = (double)(next(&seed) % 120) / 4;
            el->width = (double)(next(&seed) % 480) / 4;
            el->height = (double)(next(&seed) % 100) / 4;
            el->overflow = (int)(next(&seed) % 4);
            el->props.set = STYLE_SIZE | STYLE_ALIGN | STYLE_VALIGN | STYLE_PADDING;
            el->props.size = sizes[next(&seed) % 6];
            el->props.align = (int)(next(&seed) % 4);
            el->props.valign = (int)(next(&seed) % 3);
            el->props.padding = (double)(next(&seed) % 12) / 4;
            if (next(&seed) % 4 == 0) {
                el->props.set |= STYLE_BACKGROUND | STYLE_BORDER | STYLE_BORDER_COLOR;
                el->props.background = (report_color){200, 220, 240, next(&seed) % 2 ? 255 : 0};
                el->props.border = (double)(next(&seed) % 3) / 2;
                el->props.border_color = (report_color){0, 0, 0, 255};
            }
            if (next(&seed) % 6 == 0) {
                el->props.set |= STYLE_UNDERLINE;
                el->props.underline = 1;
            }
            if (next(&seed) % 5 == 0) {
                el->props.set |= STYLE_LINE_SPACING;
                el->props.line_spacing = 0.75 + (double)(next(&seed) % 4) / 4;
            }
            fx->values[i].is_static = el->kind == EL_TEXT;
            for (size_t k = 0; k < len; k++)
                fx->text[i][k] = alphabet[next(&seed) % (sizeof(alphabet) - 1)];
            fx->text[i][len] = '\0';
            if (len > 2 && next(&seed) % 8 == 0) {
                const char *o = odd[next(&seed) % 4];
                size_t at = next(&seed) % (len - 2);
                memcpy(fx->text[i] + at, o, strlen(o) < len - at ? strlen(o) : len - at);
            }
        }
        wire(fx, n, (double)(next(&seed) % 160) / 4);
        for (size_t i = 0; i < n; i++)
            fx->bv[i].value.type = next(&seed) % 3 == 0 ? QUIRE_TYPE_DECIMAL : QUIRE_TYPE_STRING;
        snprintf(what, sizeof(what), "band %d", iter);
        total += both_ways(fx, what);
    }
    assert_true(total > 3000);
}

/* The edges of "fits": a box exactly as wide as the text (and a hair
 * narrower), exactly as tall as the line (and a hair shorter), text with
 * trailing and leading spaces, an empty text. */
static void test_fit_edges(void **state)
{
    fixture *fx = *state;
    static const char *const texts[] = {"Hello world", "  ab  ", "", "   ", "W", "1,234.56"};
    double lh = 2384.0 / 2048 * 10;

    for (size_t t = 0; t < sizeof(texts) / sizeof(texts[0]); t++) {
        size_t end = strlen(texts[t]);
        double w;
        while (end > 0 && texts[t][end - 1] == ' ')
            end--;
        w = font_text_width(fx->face, texts[t], end, 10, NULL);
        for (int dw = -1; dw <= 1; dw++)
            for (int dh = -1; dh <= 1; dh++)
                for (int overflow = 0; overflow < 4; overflow++) {
                    char what[80];
                    report_element *el = &fx->els[0];
                    memset(el, 0, sizeof(*el));
                    el->kind = EL_FIELD;
                    el->style = -1;
                    el->width = w + 2 + dw * 1e-9;
                    el->height = lh + 2 + dh * 1e-9;
                    el->overflow = overflow;
                    el->props.set = STYLE_PADDING | STYLE_ALIGN;
                    el->props.padding = 1;
                    el->props.align = QUIRE_ALIGN_CENTER;
                    snprintf(fx->text[0], sizeof(fx->text[0]), "%s", texts[t]);
                    wire(fx, 1, 20);
                    snprintf(what, sizeof(what), "'%s' dw %d dh %d overflow %d", texts[t], dw, dh,
                             overflow);
                    both_ways(fx, what);
                }
    }
}

/* ============================== Packed pages ============================== */

/* Packs b, unpacks into a buffer that held something else, and checks that
 * every byte came back; returns the packed size. */
static size_t round_trip(const el_buf *b)
{
    uint8_t *bytes = NULL;
    size_t len = 0;
    el_buf back;
    fill_ph ph;

    memset(&back, 0, sizeof(back));
    memset(&ph, 0, sizeof(ph));
    ph.id = 42;
    /* Stale contents and a placeholder: the elements and blob are replaced,
     * the placeholder stays. */
    assert_int_equal(elbuf_push(&back, &(quire_element){.kind = QUIRE_EL_RECT, .x = 1}), 0);
    assert_int_not_equal(elbuf_bytes(&back, "stale", 5), (size_t)-1);
    assert_int_equal(elbuf_push_ph(&back, &ph), 0);
    assert_int_equal(elbuf_pack(b, &bytes, &len), 0);
    assert_int_equal(elbuf_unpack(&back, bytes, len), 0);
    assert_int_equal(back.nels, b->nels);
    assert_int_equal(back.blob_len, b->blob_len);
    if (b->nels > 0)
        assert_memory_equal(back.els, b->els, b->nels * sizeof(quire_element));
    if (b->blob_len > 0)
        assert_memory_equal(back.blob, b->blob, b->blob_len);
    assert_int_equal(back.nph, 1);
    assert_int_equal(back.phs[0].id, 42);
    elbuf_free(&back);
    free(bytes);
    return len;
}

/* A page the way the filler builds one: a header, then rows of the same
 * band laid out one under the other (its elements moved down, their text
 * offsets moved into the page's blob). */
static void build_page(fixture *fx, el_buf *page, int rows, uint32_t *seed)
{
    layout_ctx lc;
    band_layout bl;
    quire_error err = {0};
    static const char *const words[] = {"Germany", "Ghana",      "1,234.56",
                                        "17",      "2023-04-05", "Espresso machine",
                                        "",        "Kenya",      "9.99"};
    double y = 40;

    memset(&bl, 0, sizeof(bl));
    for (size_t i = 0; i < 6; i++) {
        report_element *el = &fx->els[i];
        memset(el, 0, sizeof(*el));
        memset(&fx->values[i], 0, sizeof(fx->values[i]));
        el->kind = EL_FIELD;
        el->style = -1;
        el->x = 85.0 * (double)i;
        el->width = 80;
        el->height = 13;
        el->props.set = STYLE_SIZE | STYLE_ALIGN | STYLE_VALIGN;
        el->props.size = 8.5;
        el->props.align = i >= 4 ? QUIRE_ALIGN_RIGHT : QUIRE_ALIGN_LEFT;
        el->props.valign = 1;
        if (i == 0) {
            el->props.set |= STYLE_BACKGROUND;
            el->props.background = (report_color){242, 246, 250, 255};
        }
    }
    assert_int_equal(elbuf_push(page, &(quire_element){.kind = QUIRE_EL_LINE, .width = 510}), 0);
    for (int r = 0; r < rows; r++) {
        size_t base;
        for (size_t i = 0; i < 6; i++)
            snprintf(fx->text[i], sizeof(fx->text[i]), "%s", words[next(seed) % 9]);
        wire(fx, 6, 13);
        assert_int_equal(layout_init(&lc, &fx->p, &fx->res), 0);
        assert_int_equal(layout_band(&lc, &fx->eb, (uint32_t)r + 10, &bl, &err), QUIRE_OK);
        layout_free(&lc);
        base = (page->blob_len + 7) & ~(size_t)7;
        if (bl.b.blob_len > 0)
            assert_int_equal(elbuf_bytes(page, bl.b.blob, bl.b.blob_len), base);
        for (size_t k = 0; k < bl.b.nels; k++) {
            quire_element e = bl.b.els[k];
            e.y += y;
            e.x += 42.5;
            if (e.kind == QUIRE_EL_TEXT) {
                e.u.text.utf8 = (const char *)((uintptr_t)e.u.text.utf8 + base);
                e.u.text.baseline += y;
                e.u.text.box_y += y;
                e.u.text.box_x += 42.5;
            }
            assert_int_equal(elbuf_push(page, &e), 0);
        }
        y += bl.height;
    }
    elbuf_free(&bl.b);
}

static void test_pack_round_trip(void **state)
{
    fixture *fx = *state;
    el_buf page, empty;
    uint32_t seed = 3;
    size_t len;

    memset(&page, 0, sizeof(page));
    memset(&empty, 0, sizeof(empty));
    /* Nothing at all. */
    round_trip(&empty);
    /* A page of 50 rows: every byte back, in under a fifth of the memory. */
    build_page(fx, &page, 50, &seed);
    len = round_trip(&page);
    if (len * 5 > page.nels * sizeof(quire_element) + page.blob_len)
        fail_msg("%zu elements and %zu text bytes packed into %zu bytes", page.nels, page.blob_len,
                 len);
    elbuf_free(&page);
    /* Elements of random bits (NaNs, pointers, padding): back bit for
     * bit, however little they repeat. */
    for (int iter = 0; iter < 200; iter++) {
        size_t n = next(&seed) % 300;
        for (size_t i = 0; i < n; i++) {
            quire_element e;
            uint8_t *raw = (uint8_t *)&e;
            for (size_t k = 0; k < sizeof(e); k++)
                raw[k] = (uint8_t)next(&seed);
            if (next(&seed) % 2 && page.nels > 0) /* now and then close to the one before */
                memcpy(raw, &page.els[page.nels - 1], sizeof(e) / 2);
            assert_int_equal(elbuf_push(&page, &e), 0);
        }
        for (size_t k = next(&seed) % 100; k > 0; k--)
            assert_int_not_equal(elbuf_bytes(&page, "abcdefghijk", next(&seed) % 11), (size_t)-1);
        round_trip(&page);
        elbuf_clear(&page);
    }
    elbuf_free(&page);
}

/* Bytes that are not a packed page (cut short, changed, made up) are
 * refused or unpacked within their bounds, never read past. */
static void test_unpack_bad_bytes(void **state)
{
    fixture *fx = *state;
    el_buf page, back;
    uint8_t *bytes = NULL, *copy;
    size_t len = 0;
    uint32_t seed = 11;

    memset(&page, 0, sizeof(page));
    memset(&back, 0, sizeof(back));
    build_page(fx, &page, 4, &seed);
    assert_int_equal(elbuf_pack(&page, &bytes, &len), 0);
    /* Every length short of the whole: refused, and b is left empty. */
    for (size_t cut = 0; cut < len; cut++) {
        assert_int_equal(elbuf_unpack(&back, bytes, len), 0);
        assert_int_equal(back.nels, page.nels);
        copy = malloc(cut + 1);
        memcpy(copy, bytes, cut);
        assert_int_equal(elbuf_unpack(&back, copy, cut), -1);
        assert_int_equal(back.nels, 0);
        assert_int_equal(back.blob_len, 0);
        free(copy);
    }
    /* One byte longer: the blob does not end where the bytes do. */
    copy = malloc(len + 1);
    memcpy(copy, bytes, len);
    copy[len] = 0;
    assert_int_equal(elbuf_unpack(&back, copy, len + 1), -1);
    free(copy);
    /* Not ours, and counts no buffer could hold. */
    {
        static const uint8_t other[] = {'Q', 'P', '2', 0, 0};
        static const uint8_t huge[] = {'Q', 'P', '1', 0xff, 0xff, 0xff, 0xff, 0x7f, 0};
        static const uint8_t bad_slot[] = {'Q', 'P', '1', 1, 0, 0x40, 0, 0, 0, 0, 0, 0};
        assert_int_equal(elbuf_unpack(&back, other, sizeof(other)), -1);
        assert_int_equal(elbuf_unpack(&back, huge, sizeof(huge)), -1);
        assert_int_equal(elbuf_unpack(&back, bad_slot, sizeof(bad_slot)), -1);
    }
    /* Random changes: whatever comes out, nothing is read or written out
     * of bounds (the sanitizer run checks). */
    for (int iter = 0; iter < 2000; iter++) {
        copy = malloc(len);
        memcpy(copy, bytes, len);
        for (int k = 0; k < 3; k++)
            copy[3 + next(&seed) % (len - 3)] ^= (uint8_t)(1u << (next(&seed) % 8));
        (void)elbuf_unpack(&back, copy, len);
        free(copy);
    }
    elbuf_free(&back);
    elbuf_free(&page);
    free(bytes);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_one_cell_by_hand), cmocka_unit_test(test_fast_equals_general),
        cmocka_unit_test(test_fit_edges),        cmocka_unit_test(test_pack_round_trip),
        cmocka_unit_test(test_unpack_bad_bytes),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
