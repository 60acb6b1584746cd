/*
 * test_pdf_renderer.c - the pdf renderer plugin (plugins/pdf), driven
 * through the real build/plugins/pdf.so as the kernel drives it: loaded
 * with kernel_load_path, configured with config_build from a
 * [renderer.pdf] text, initialised through its descriptor, then fed the
 * print-model pages of tests/unit/print_fixture.h (or small pages built
 * here) through begin/page/end (or abort).
 *
 * The output is checked with poppler's tools, never against bytes of our
 * own output: pdfinfo (pages, metadata, page size), pdftotext (the text,
 * and with -bbox where each word landed), pdffonts (embedded fonts) and
 * pdftoppm (pixels, compared with colours worked out by hand). Outlines
 * are read from an uncompressed file (compress = false), following the
 * object references.
 *
 * The plugin gets a copy of the host table whose allocator counts live
 * blocks, so every test can check that nothing leaked. The tests run in a
 * scratch directory; QUIRE_BUILD (default "build") says where pdf.so is.
 */
#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <pthread.h>
#include <setjmp.h> /* cmocka.h needs jmp_buf */
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "renderer_harness.h"

#include "config.h"
#include "font.h"
#include "kernel.h"
#include "registry.h"

#include "print_fixture.h"

/* ============================== Fixture =================================== */

typedef struct fixture {
    char so[PATH_MAX];
    char old_cwd[PATH_MAX];
    char dir[PATH_MAX];
    quire_host host;  /* the kernel's table with the counting allocator */
    print_fixture pf; /* the shared two-page document, images read */
} fixture;

/* Loads pdf.so with `section` as the lines of [renderer.pdf] (NULL for the
 * defaults) and runs its init. */
static void plug_open(const fixture *fx, plug *p, const char *section)
{
    quire_error err = {0};

    if (plug_load(p, fx->so, &fx->host, "renderer.pdf", section, &err) != QUIRE_OK)
        fail_msg("init: %s", err.msg);
}

static int group_setup(void **state)
{
    const char *build = getenv("QUIRE_BUILD");
    char so[PATH_MAX + 32];
    fixture *fx = calloc(1, sizeof(*fx));

    if (fx == NULL)
        return -1;
    snprintf(so, sizeof(so), "%s/plugins/pdf.so", build && build[0] ? build : "build");
    if (realpath(so, fx->so) == NULL) {
        fprintf(stderr, "# %s: not found (build it first)\n", so);
        free(fx);
        return -1;
    }
    /* The images are read relative to the repository root, before the
     * tests move to their scratch directory. */
    if (print_fixture_init(&fx->pf) != 0) {
        fprintf(stderr, "# %s: images missing\n", FIXTURE_DIR);
        print_fixture_free(&fx->pf);
        free(fx);
        return -1;
    }
    fx->host = harness_counting_host();
    snprintf(fx->dir, sizeof(fx->dir), "/tmp/quire-test-pdf-XXXXXX");
    if (getcwd(fx->old_cwd, sizeof(fx->old_cwd)) == NULL || mkdtemp(fx->dir) == NULL ||
        chdir(fx->dir) != 0) {
        print_fixture_free(&fx->pf);
        free(fx);
        return -1;
    }
    signal(SIGPIPE, SIG_IGN); /* as the kernel does: EPIPE, not death */
    umask(022);
    setenv("SOURCE_DATE_EPOCH", "1700000000", 1);
    *state = fx;
    return 0;
}

static int group_teardown(void **state)
{
    fixture *fx = *state;

    harness_remove_files(".");
    if (chdir(fx->old_cwd) != 0)
        return -1;
    rmdir(fx->dir);
    print_fixture_free(&fx->pf);
    free(fx);
    return 0;
}

/* Each test starts in an empty directory with nothing leaked before. */
static int test_setup(void **state)
{
    (void)state;
    harness_remove_files(".");
    live_blocks = 0;
    return 0;
}

/* ============================== Running ==================================== */

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* A copy of the fixture's document writing to `path`. */
static quire_document fixture_doc(const fixture *fx, const char *path)
{
    quire_document doc = fx->pf.doc;

    doc.format = "pdf";
    doc.output_path = path;
    return doc;
}

/* begin, every page, end; on a failing page, abort (as the kernel would).
 * Returns the first failure's status with *err set. */
static int render(plug *p, const quire_document *doc, const quire_page *pages, size_t n,
                  quire_error *err)
{
    void *instance = NULL;

    memset(err, 0, sizeof(*err));
    if (p->ops->begin(p->rec->state_ptr, doc, &instance, err) != QUIRE_OK)
        return QUIRE_ERR;
    for (size_t i = 0; i < n; i++) {
        if (p->ops->page(instance, &pages[i], err) != QUIRE_OK) {
            p->ops->abort(instance);
            return QUIRE_ERR;
        }
    }
    return p->ops->end(instance, err);
}

static void render_ok(plug *p, const quire_document *doc, const quire_page *pages, size_t n)
{
    quire_error err;

    if (render(p, doc, pages, n, &err) != QUIRE_OK)
        fail_msg("render: %s", err.msg);
}

/* The whole file (caller frees; NUL-terminated), or NULL if it does not
 * exist. */
static char *slurp(const char *path, size_t *len_out)
{
    FILE *fp = fopen(path, "rb");
    char *buf = NULL;
    size_t len = 0, cap = 0, n;

    if (fp == NULL)
        return NULL;
    do {
        if (cap - len < 4096) {
            cap = cap ? cap * 2 : 8192;
            buf = realloc(buf, cap + 1);
            assert_non_null(buf);
        }
        n = fread(buf + len, 1, cap - len, fp);
        len += n;
    } while (n > 0);
    fclose(fp);
    buf[len] = '\0';
    if (len_out != NULL)
        *len_out = len;
    return buf;
}

/* Runs a shell command; returns its standard output (caller frees) and
 * fails the test if it did not exit 0. Standard error is discarded unless
 * the command redirects it. */
static char *run(const char *fmt, ...)
{
    char cmd[PATH_MAX * 2], *out = NULL;
    size_t len = 0, cap = 0, n;
    va_list ap;
    FILE *fp;
    int status;

    va_start(ap, fmt);
    vsnprintf(cmd, sizeof(cmd), fmt, ap);
    va_end(ap);
    if (strstr(cmd, "2>") == NULL)
        strncat(cmd, " 2>/dev/null", sizeof(cmd) - strlen(cmd) - 1);
    fp = popen(cmd, "r");
    assert_non_null(fp);
    do {
        if (cap - len < 4096) {
            cap = cap ? cap * 2 : 8192;
            out = realloc(out, cap + 1);
            assert_non_null(out);
        }
        n = fread(out + len, 1, cap - len, fp);
        len += n;
    } while (n > 0);
    out[len] = '\0';
    status = pclose(fp);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
        fail_msg("'%s' failed (status %d)", cmd, status);
    return out;
}

/* The value of "Key:   value" in pdfinfo's output (static buffer). */
static const char *info_field(const char *info, const char *key)
{
    static char value[256];
    size_t klen = strlen(key);
    const char *line = info;

    while (line != NULL && *line != '\0') {
        if (strncmp(line, key, klen) == 0 && line[klen] == ':') {
            const char *v = line + klen + 1, *end;
            while (*v == ' ')
                v++;
            end = strchr(v, '\n');
            if (end == NULL)
                end = v + strlen(v);
            snprintf(value, sizeof(value), "%.*s", (int)(end - v), v);
            return value;
        }
        line = strchr(line, '\n');
        if (line != NULL)
            line++;
    }
    return NULL;
}

/* Entries of `dir_path` whose name starts with `prefix`. */
static int count_files(const char *dir_path, const char *prefix)
{
    DIR *dir = opendir(dir_path);
    struct dirent *e;
    int n = 0;

    assert_non_null(dir);
    while ((e = readdir(dir)) != NULL)
        if (strncmp(e->d_name, prefix, strlen(prefix)) == 0)
            n++;
    closedir(dir);
    return n;
}

/* Where `needle` first occurs in hay[0..len) (binary data), or NULL. */
static const char *find(const char *hay, size_t len, const char *needle)
{
    size_t n = strlen(needle);

    for (const char *p = hay; n <= len && p <= hay + len - n; p++) {
        p = memchr(p, needle[0], (size_t)(hay + len - n - p) + 1);
        if (p == NULL)
            return NULL;
        if (memcmp(p, needle, n) == 0)
            return p;
    }
    return NULL;
}

/* How often `needle` occurs in hay[0..len). */
static int count_in(const char *hay, size_t len, const char *needle)
{
    const char *end = hay + len;
    int n = 0;

    for (const char *p = find(hay, len, needle); p != NULL;
         p = find(p + 1, (size_t)(end - p - 1), needle))
        n++;
    return n;
}

/* ============================== Pixels ==================================== */

/* A decoded binary PPM (P6, maxval 255). */
typedef struct ppm {
    int width, height;
    unsigned char *rgb;
    char *file; /* owns rgb's bytes */
} ppm;

/* Renders page `page` of `pdf` at `dpi` with pdftoppm and decodes it. */
static void rasterise(const char *pdf, int page, int dpi, ppm *img)
{
    size_t len;
    char *p;
    int maxval;

    free(run("pdftoppm -r %d -f %d -l %d -singlefile %s raster", dpi, page, page, pdf));
    img->file = slurp("raster.ppm", &len);
    assert_non_null(img->file);
    assert_int_equal(sscanf(img->file, "P6 %d %d %d", &img->width, &img->height, &maxval), 3);
    assert_int_equal(maxval, 255);
    /* The header is three numbers after "P6", then one whitespace byte. */
    p = img->file + 2;
    for (int fields = 0; fields < 3; fields++) {
        while (*p == ' ' || *p == '\n' || *p == '\r' || *p == '\t')
            p++;
        while (*p >= '0' && *p <= '9')
            p++;
    }
    img->rgb = (unsigned char *)p + 1;
    assert_true((size_t)(img->rgb - (unsigned char *)img->file) +
                    (size_t)img->width * img->height * 3 <=
                len);
    unlink("raster.ppm");
}

/* The pixel holding the point (x, y) in points from the top-left corner. */
static const unsigned char *pixel_at(const ppm *img, double x_pt, double y_pt, int dpi)
{
    int x = (int)(x_pt * dpi / 72.0), y = (int)(y_pt * dpi / 72.0);

    assert_true(x >= 0 && x < img->width && y >= 0 && y < img->height);
    return img->rgb + ((size_t)y * img->width + x) * 3;
}

static void assert_pixel(const unsigned char *px, int r, int g, int b, int tolerance)
{
    if (abs(px[0] - r) > tolerance || abs(px[1] - g) > tolerance || abs(px[2] - b) > tolerance)
        fail_msg("pixel #%02x%02x%02x, expected #%02x%02x%02x (+-%d)", px[0], px[1], px[2], r, g, b,
                 tolerance);
}

/* Pixels darker than mid-grey in the box (points, top-left origin). */
static int dark_pixels(const ppm *img, double x0, double y0, double x1, double y1, int dpi)
{
    int n = 0;

    for (int y = (int)(y0 * dpi / 72.0); y < (int)(y1 * dpi / 72.0); y++)
        for (int x = (int)(x0 * dpi / 72.0); x < (int)(x1 * dpi / 72.0); x++) {
            const unsigned char *px = img->rgb + ((size_t)y * img->width + x) * 3;
            n += px[0] + px[1] + px[2] < 3 * 128;
        }
    return n;
}

/* ============================== The fixture =============================== */

static void test_format_registered(void **state)
{
    const format_rec *pdf;
    plug p;

    plug_open(*state, &p, NULL);
    pdf = kernel_find_format(p.k, "pdf");
    assert_non_null(pdf);
    assert_string_equal(pdf->extension, "pdf");
    assert_string_equal(pdf->mime_type, "application/pdf");
    /* LATE (ABI 1.3): pages come at once, delayed values through slot(). */
    assert_int_equal(pdf->flags, QUIRE_FORMAT_BINARY | QUIRE_FORMAT_LATE);
    assert_ptr_equal(pdf->owner, p.rec);
    assert_null(p.ops->band);
    assert_true(p.ops->size >= offsetof(quire_renderer_ops, slot) + sizeof(p.ops->slot));
    assert_non_null(p.ops->slot);
    plug_close(&p);
    assert_int_equal(live_blocks, 0);
}

/* pdfinfo reads the pages, their size and the document's metadata. */
static void test_fixture_info(void **state)
{
    fixture *fx = *state;
    quire_document doc = fixture_doc(fx, "r.pdf");
    char *info;
    plug p;

    plug_open(fx, &p, NULL);
    render_ok(&p, &doc, fx->pf.pages, 2);
    info = run("pdfinfo r.pdf");
    assert_string_equal(info_field(info, "Pages"), "2");
    assert_string_equal(info_field(info, "Title"), "Quarterly sales");
    assert_string_equal(info_field(info, "Author"), "quire tests");
    assert_string_equal(info_field(info, "Subject"), "Fixture");
    assert_string_equal(info_field(info, "Keywords"), "sales, test");
    assert_string_equal(info_field(info, "Creator"), "quire tests");
    assert_non_null(strstr(info_field(info, "Producer"), "Haru"));
    /* 1700000000 s after the epoch is 2023-11-14 22:13:20 UTC. */
    assert_non_null(strstr(info_field(info, "CreationDate"), "Nov 14"));
    assert_non_null(strstr(info_field(info, "CreationDate"), "2023"));
    assert_string_equal(info_field(info, "Page size"), "595.28 x 841.89 pts (A4)");
    free(info);
    assert_int_equal(count_files(".", "r.pdf.tmp-"), 0);
    plug_close(&p);
    assert_int_equal(live_blocks, 0);
}

/* pdftotext finds the strings, Greek and Cyrillic included (ToUnicode). */
static void test_fixture_text(void **state)
{
    fixture *fx = *state;
    quire_document doc = fixture_doc(fx, "r.pdf");
    char *text;
    plug p;

    plug_open(fx, &p, NULL);
    render_ok(&p, &doc, fx->pf.pages, 2);
    text = run("pdftotext -layout r.pdf -");
    assert_non_null(strstr(text, "Quarterly sales"));
    assert_non_null(strstr(text, "12,345.67"));
    assert_non_null(strstr(text, "9,876.54"));
    assert_non_null(strstr(text, "\xce\x91\xce\xb8\xce\xae\xce\xbd\xce\xb1 "
                                 "\xd0\x9c\xd0\xbe\xd1\x81\xd0\xba\xd0\xb2\xd0\xb0"));
    assert_non_null(strstr(text, "Page 2 of 2"));
    /* Page 2 starts after a form feed. */
    assert_non_null(strstr(strchr(text, '\f'), "Page 2 of 2"));
    free(text);
    /* poppler has nothing to complain about (libharu's own ToUnicode maps
     * draw "Invalid 'begincidrange' operator" warnings). */
    text = run("pdftotext r.pdf /dev/null 2>&1");
    assert_string_equal(text, "");
    free(text);
    plug_close(&p);
    assert_int_equal(live_blocks, 0);
}

/* Page 1 at 50 dpi: the rectangle, the half-transparent ellipse over white,
 * nothing where the page is empty, and the clipped text cut at its box. */
static void test_fixture_pixels(void **state)
{
    fixture *fx = *state;
    quire_document doc = fixture_doc(fx, "r.pdf");
    ppm img;
    plug p;

    plug_open(fx, &p, NULL);
    render_ok(&p, &doc, fx->pf.pages, 2);
    rasterise("r.pdf", 1, 50, &img);
    /* 595.28 x 841.89 points at 50/72 pixels per point. */
    assert_int_equal(img.width, (int)ceil(595.28 * 50 / 72));
    assert_int_equal(img.height, (int)ceil(841.89 * 50 / 72));
    /* The rectangle (56.69, 160) 200 x 80, fill #deebf7: its centre. */
    assert_pixel(pixel_at(&img, 156.69, 200, 50), 0xde, 0xeb, 0xf7, 1);
    /* Above and below it (y is flipped right), white. */
    assert_pixel(pixel_at(&img, 156.69, 150, 50), 0xff, 0xff, 0xff, 0);
    assert_pixel(pixel_at(&img, 156.69, 250, 50), 0xff, 0xff, 0xff, 0);
    /* The ellipse (280, 160) 120 x 80, fill #f4b183 at alpha 200 over
     * white: c * 200/255 + 255 * 55/255 = #f6c29e. */
    assert_pixel(pixel_at(&img, 340, 200, 50), 0xf6, 0xc2, 0x9e, 2);
    /* The clip box (56.69, 340) 60 x 14 shows the start of the text; the
     * text runs on to about x = 216 but nothing shows after the box. */
    assert_true(dark_pixels(&img, 56.69, 340, 116.69, 354, 50) > 10);
    assert_int_equal(dark_pixels(&img, 119, 336, 240, 358, 50), 0);
    /* The logo (56.69, 260) 120 x 60 points for 120 x 60 pixels: its
     * corner pixels are transparent (white shows), source pixel (42, 42)
     * is #4b769f (read with an independent PNG decoder). */
    assert_pixel(pixel_at(&img, 56.69 + 1.5, 260 + 1.5, 50), 0xff, 0xff, 0xff, 0);
    assert_pixel(pixel_at(&img, 56.69 + 42.5, 260 + 42.5, 50), 0x4b, 0x76, 0x9f, 6);
    /* The photo (200, 260) 80 x 60 is drawn: hardly any of it is white. */
    {
        int white = 0, total = 0;
        for (double y = 262; y < 318; y += 72.0 / 50)
            for (double x = 202; x < 278; x += 72.0 / 50, total++) {
                const unsigned char *px = pixel_at(&img, x, y, 50);
                white += px[0] == 255 && px[1] == 255 && px[2] == 255;
            }
        assert_true(white * 10 < total);
    }
    /* The path: a triangle with a curve, fill #70ad47, around (380, 305). */
    assert_pixel(pixel_at(&img, 380, 305, 50), 0x70, 0xad, 0x47, 1);
    free(img.file);
    plug_close(&p);
    assert_int_equal(live_blocks, 0);
}

/* pdffonts: the three fonts, each embedded (a subset) with a ToUnicode map.
 * libharu names a subset "HPDFAA+PostScriptName,Style". */
static void test_fixture_fonts(void **state)
{
    static const char *const names[] = {"DejaVuSans", "DejaVuSans-Bold", "DejaVuSerif-Italic"};
    fixture *fx = *state;
    quire_document doc = fixture_doc(fx, "r.pdf");
    char *fonts;
    plug p;

    plug_open(fx, &p, NULL);
    render_ok(&p, &doc, fx->pf.pages, 2);
    fonts = run("pdffonts r.pdf");
    /* Rows: name type(2 words) encoding emb sub uni object generation. */
    for (size_t i = 0; i < COUNT(names); i++) {
        int found = 0;
        for (char *line = strtok(fonts, "\n"); line != NULL; line = strtok(NULL, "\n")) {
            char name[128], type1[32], type2[32], enc[32], emb[8], sub[8], uni[8];
            const char *base;
            if (sscanf(line, "%127s %31s %31s %31s %7s %7s %7s", name, type1, type2, enc, emb, sub,
                       uni) != 7)
                continue;
            base = strchr(name, '+') ? strchr(name, '+') + 1 : name;
            if (strncmp(base, names[i], strlen(names[i])) != 0 ||
                (base[strlen(names[i])] != '\0' && base[strlen(names[i])] != ','))
                continue;
            found = 1;
            assert_string_equal(type1, "CID");
            assert_string_equal(type2, "TrueType");
            assert_string_equal(emb, "yes");
            assert_string_equal(uni, "yes");
        }
        if (!found)
            fail_msg("font %s not listed", names[i]);
        free(fonts);
        fonts = run("pdffonts r.pdf");
    }
    free(fonts);
    plug_close(&p);
    assert_int_equal(live_blocks, 0);
}

/* ============================== Text ====================================== */

/* One pdftotext -bbox word: its box in points, top-left origin. */
typedef struct word {
    double x0, y0, x1, y1;
    char text[64];
} word;

/* The words of page `page` in reading order; returns how many (at most
 * max). */
static size_t read_page_words(const char *pdf, int page, word *words, size_t max)
{
    char *xml = run("pdftotext -f %d -l %d -bbox %s -", page, page, pdf);
    const char *p = xml;
    size_t n = 0;

    while (n < max && (p = strstr(p, "<word ")) != NULL) {
        word *w = &words[n];
        int end = 0;
        if (sscanf(p, "<word xMin=\"%lf\" yMin=\"%lf\" xMax=\"%lf\" yMax=\"%lf\">%n", &w->x0,
                   &w->y0, &w->x1, &w->y1, &end) != 4 ||
            end == 0)
            fail_msg("bad pdftotext -bbox line: %.80s", p);
        p += end;
        snprintf(w->text, sizeof(w->text), "%.*s", (int)(strstr(p, "</word>") - p), p);
        n++;
    }
    free(xml);
    return n;
}

/* The words of page 1. */
static size_t read_words(const char *pdf, word *words, size_t max)
{
    return read_page_words(pdf, 1, words, max);
}

static quire_element text_element(const char *s, double x, double baseline, double size,
                                  double word_spacing)
{
    quire_element e;

    memset(&e, 0, sizeof(e));
    e.kind = QUIRE_EL_TEXT;
    e.x = x;
    e.y = baseline - size;
    e.height = size * 1.2;
    e.fill = (quire_color){0, 0, 0, 255};
    e.u.text.utf8 = s;
    e.u.text.len = strlen(s);
    e.u.text.font = 0;
    e.u.text.size = size;
    e.u.text.baseline = baseline;
    e.u.text.word_spacing = word_spacing;
    return e;
}

static quire_page one_page(const quire_element *elements, size_t n, double width, double height)
{
    quire_page page;

    memset(&page, 0, sizeof(page));
    page.size = sizeof(page);
    page.number = 1;
    page.display_number = 1;
    page.width = width;
    page.height = height;
    page.elements = elements;
    page.nelements = n;
    return page;
}

/* Text starts at (x, baseline) with y measured from the top; word_spacing
 * moves each word after a space by that much more, and nothing else. */
static void test_text_position_and_word_spacing(void **state)
{
    static const char *const expected[] = {"one", "two", "three"};
    fixture *fx = *state;
    quire_element e[3];
    quire_page page;
    quire_document doc = fixture_doc(fx, "t.pdf");
    word w[8];
    plug p;

    e[0] = text_element("one two three", 100, 200, 20, 0);
    e[1] = text_element("one two three", 100, 300, 20, 15);
    /* A kind from a later ABI is skipped. */
    memset(&e[2], 0, sizeof(e[2]));
    e[2].kind = 99;
    page = one_page(e, 3, 595.28, 841.89);
    plug_open(fx, &p, NULL);
    render_ok(&p, &doc, &page, 1);
    assert_int_equal(read_words("t.pdf", w, 8), 6);
    for (int i = 0; i < 6; i++)
        assert_string_equal(w[i].text, expected[i % 3]);
    /* The first glyph starts at x; the baseline lies inside each box, the
     * glyphs above it (the font's ascent is 0.928 em, descent 0.236). */
    assert_true(fabs(w[0].x0 - 100) < 0.05);
    assert_true(fabs(w[3].x0 - 100) < 0.05);
    assert_true(w[0].y0 > 200 - 20 * 1.0 && w[0].y0 < 200 - 20 * 0.7);
    assert_true(w[0].y1 > 200 && w[0].y1 < 200 + 20 * 0.4);
    assert_true(w[3].y0 > 300 - 20 * 1.0 && w[3].y0 < 300 - 20 * 0.7);
    /* One space before "two", two before "three". */
    assert_true(fabs((w[4].x0 - w[1].x0) - 15) < 0.05);
    assert_true(fabs((w[5].x0 - w[2].x0) - 30) < 0.05);
    /* Word widths are the font's, whatever the spacing. */
    assert_true(fabs((w[5].x1 - w[5].x0) - (w[2].x1 - w[2].x0)) < 0.05);
    plug_close(&p);
    assert_int_equal(live_blocks, 0);
}

/* ============================== Outlines ================================== */

/* Objects of an uncompressed PDF: "ID 0 obj ... endobj" (streams may
 * hold any bytes, NULs included). */
typedef struct pdf_objects {
    char *raw;
    size_t len;
    size_t n;
    struct {
        int id;
        const char *body, *end;
    } obj[256];
} pdf_objects;

static void objects_read(const char *path, pdf_objects *o)
{
    const char *p, *end;

    o->raw = slurp(path, &o->len);
    assert_non_null(o->raw);
    end = o->raw + o->len;
    o->n = 0;
    for (p = find(o->raw, o->len, " 0 obj"); p != NULL && o->n < COUNT(o->obj);
         p = find(p + 1, (size_t)(end - p - 1), " 0 obj")) {
        const char *start = p;
        while (start > o->raw && start[-1] >= '0' && start[-1] <= '9')
            start--;
        if (start == p || (start > o->raw && start[-1] != '\n' && start[-1] != '\r'))
            continue;
        o->obj[o->n].id = atoi(start);
        o->obj[o->n].body = p + 6;
        o->obj[o->n].end = find(p, (size_t)(end - p), "endobj");
        assert_non_null(o->obj[o->n].end);
        p = o->obj[o->n].end;
        o->n++;
    }
}

/* The id of the object whose body has `needle`; fails if none or two. */
static int object_with(const pdf_objects *o, const char *needle)
{
    int id = -1;

    for (size_t i = 0; i < o->n; i++) {
        if (find(o->obj[i].body, (size_t)(o->obj[i].end - o->obj[i].body), needle) != NULL) {
            if (id >= 0)
                fail_msg("two objects have %s", needle);
            id = o->obj[i].id;
        }
    }
    if (id < 0)
        fail_msg("no object has %s", needle);
    return id;
}

/* The body of object `id`, NUL-terminated (caller frees). */
static char *object_body(const pdf_objects *o, int id)
{
    for (size_t i = 0; i < o->n; i++)
        if (o->obj[i].id == id)
            return strndup(o->obj[i].body, (size_t)(o->obj[i].end - o->obj[i].body));
    fail_msg("no object %d", id);
    return NULL;
}

/* The N of "KEY N 0 R" in object `id`. */
static int object_ref(const pdf_objects *o, int id, const char *key)
{
    char *body = object_body(o, id), *at = strstr(body, key);
    int ref = -1;

    if (at == NULL || sscanf(at + strlen(key), " %d 0 R", &ref) != 1)
        fail_msg("object %d has no %s reference", id, key);
    free(body);
    return ref;
}

/* Appends the pages under node `id` of the page tree (a /Pages node or a
 * page) to ids[*n..max), in order. */
static void collect_pages(const pdf_objects *o, int id, int *ids, int *n, int max, int depth)
{
    char *body = object_body(o, id);
    const char *p;
    int kid, len;

    if (depth > 8)
        fail_msg("page tree deeper than 8 at object %d", id);
    if (strstr(body, "/Type /Pages") == NULL) {
        if (*n < max)
            ids[(*n)++] = id;
        free(body);
        return;
    }
    p = strstr(body, "/Kids");
    assert_non_null(p);
    for (p = strchr(p, '[') + 1; sscanf(p, " %d 0 R%n", &kid, &len) == 1; p += len)
        collect_pages(o, kid, ids, n, max, depth + 1);
    free(body);
}

/* The object id of page `n` (1-based), found by walking the page tree
 * from the catalog's root. */
static int page_object(const pdf_objects *o, int n)
{
    int ids[64], count = 0;

    collect_pages(o, object_ref(o, object_with(o, "/Type /Catalog"), "/Pages"), ids, &count,
                  (int)COUNT(ids), 0);
    if (n < 1 || n > count)
        fail_msg("page %d not in the page tree (%d pages)", n, count);
    return ids[n - 1];
}

/* An outline entry's destination: the page object and the /FitH top. */
static void outline_dest(const pdf_objects *o, int id, int *page, double *top)
{
    int dest = object_ref(o, id, "/Dest");
    char *body = object_body(o, dest);

    if (sscanf(body, " [ %d 0 R /FitH %lf ]", page, top) != 2)
        fail_msg("outline %d: destination %d is not [page /FitH top]: %s", id, dest, body);
    free(body);
}

/* The root of the outline tree, as the catalog names it. */
static int outline_root(const pdf_objects *o)
{
    return object_ref(o, object_with(o, "/Type /Catalog"), "/Outlines");
}

/* A stream object as stored: its dictionary and its (maybe deflated)
 * data. */
typedef struct stream_view {
    const char *dict, *data;
    size_t dict_len, len;
} stream_view;

/* Stream object `id`. */
static stream_view stream_object(const pdf_objects *o, int id)
{
    stream_view v;

    for (size_t i = 0; i < o->n; i++) {
        const char *at;
        if (o->obj[i].id != id)
            continue;
        at = find(o->obj[i].body, (size_t)(o->obj[i].end - o->obj[i].body), "stream\r\n");
        assert_non_null(at);
        v.dict = o->obj[i].body;
        v.dict_len = (size_t)(at - v.dict);
        v.data = at + 8;
        at = find(v.data, (size_t)(o->obj[i].end - v.data), "endstream");
        assert_non_null(at);
        v.len = (size_t)(at - v.data);
        if (v.len > 0 && v.data[v.len - 1] == '\n') /* libharu's EOL before endstream */
            v.len--;
        return v;
    }
    fail_msg("no object %d", id);
    return v;
}

/* The content stream of page `page` (1-based), which has one. */
static stream_view page_stream(const pdf_objects *o, int page)
{
    return stream_object(o, object_ref(o, page_object(o, page), "/Contents"));
}

/* The content streams of page `page`, one or an array of them, in order;
 * returns how many (at most max). */
static size_t page_streams(const pdf_objects *o, int page, stream_view *v, size_t max)
{
    char *body = object_body(o, page_object(o, page));
    const char *at = strstr(body, "/Contents");
    size_t n = 0;
    int id, len;

    assert_non_null(at);
    at += strlen("/Contents");
    while (*at == ' ')
        at++;
    if (*at != '[') {
        assert_int_equal(sscanf(at, "%d 0 R", &id), 1);
        v[n++] = stream_object(o, id);
    } else {
        for (at++; n < max && sscanf(at, " %d 0 R%n", &id, &len) == 1; at += len)
            v[n++] = stream_object(o, id);
    }
    free(body);
    return n;
}

/* The fixture's one anchor: an outline entry "Europe" at the top of the
 * group header on page 2 (841.89 - 56.69 = 785.2 from the bottom). */
static void test_fixture_outline(void **state)
{
    fixture *fx = *state;
    quire_document doc = fixture_doc(fx, "r.pdf");
    pdf_objects o;
    double top;
    int europe, root, page;
    plug p;

    plug_open(fx, &p, "compress = false\n");
    render_ok(&p, &doc, fx->pf.pages, 2);
    objects_read("r.pdf", &o);
    assert_non_null(find(o.raw, o.len, "/Outlines"));
    assert_non_null(find(o.raw, o.len, "/PageMode /UseOutlines"));
    europe = object_with(&o, "/Title (Europe)");
    root = outline_root(&o);
    assert_int_equal(object_ref(&o, europe, "/Parent"), root);
    outline_dest(&o, europe, &page, &top);
    assert_int_equal(page, page_object(&o, 2));
    assert_true(fabs(top - 785.2) < 0.01);
    free(o.raw);
    plug_close(&p);
    assert_int_equal(live_blocks, 0);
}

/* Level 2 nests under the latest level 1, level 3 under the latest level
 * 2; a level with no lower level open goes to the root. Titles keep
 * parentheses and non-ASCII text (written as UTF-16). */
static void test_outline_nesting(void **state)
{
    fixture *fx = *state;
    quire_document doc = fixture_doc(fx, "o.pdf");
    quire_anchor a1[] = {
        {2, "Orphan", 6, 10, 1}, {1, "Africa", 6, 100, 2}, {2, "Egypt (EG)", 10, 300, 3}};
    quire_anchor a2[] = {{2, "C\xc3\xb4te", 5, 50, 4}};
    quire_anchor a3[] = {{1, "Asia", 4, 20, 5}, {3, "Tokyo", 5, 40, 6}, {2, "Japan", 5, 60, 7}};
    quire_page pages[3];
    pdf_objects o;
    int root, africa, egypt, cote, asia, tokyo, japan, page;
    double top;
    plug p;

    for (int i = 0; i < 3; i++) {
        pages[i] = one_page(NULL, 0, 400, 500);
        pages[i].number = (uint32_t)i + 1;
    }
    pages[0].anchors = a1;
    pages[0].nanchors = 3;
    pages[1].anchors = a2;
    pages[1].nanchors = 1;
    pages[2].anchors = a3;
    pages[2].nanchors = 3;
    plug_open(fx, &p, "compress = false\n");
    render_ok(&p, &doc, pages, 3);
    objects_read("o.pdf", &o);
    root = outline_root(&o);
    africa = object_with(&o, "/Title (Africa)");
    egypt = object_with(&o, "/Title (Egypt \\050EG\\051)");
    /* U+FEFF, C, o-circumflex, t, e in UTF-16BE. */
    cote = object_with(&o, "/Title <FEFF004300F400740065>");
    asia = object_with(&o, "/Title (Asia)");
    tokyo = object_with(&o, "/Title (Tokyo)");
    japan = object_with(&o, "/Title (Japan)");
    assert_int_equal(object_ref(&o, object_with(&o, "/Title (Orphan)"), "/Parent"), root);
    assert_int_equal(object_ref(&o, africa, "/Parent"), root);
    assert_int_equal(object_ref(&o, egypt, "/Parent"), africa);
    assert_int_equal(object_ref(&o, cote, "/Parent"), africa);
    assert_int_equal(object_ref(&o, asia, "/Parent"), root);
    /* Tokyo (level 3) came before any level 2 of Asia: it goes under Asia,
     * not under Egypt of the earlier group. */
    assert_int_equal(object_ref(&o, tokyo, "/Parent"), asia);
    assert_int_equal(object_ref(&o, japan, "/Parent"), asia);
    outline_dest(&o, egypt, &page, &top);
    assert_int_equal(page, page_object(&o, 1));
    assert_true(fabs(top - 200) < 0.01); /* 500 - 300 */
    outline_dest(&o, cote, &page, &top);
    assert_int_equal(page, page_object(&o, 2));
    assert_true(fabs(top - 450) < 0.01);
    outline_dest(&o, japan, &page, &top);
    assert_int_equal(page, page_object(&o, 3));
    assert_true(fabs(top - 440) < 0.01);
    free(o.raw);
    plug_close(&p);
    assert_int_equal(live_blocks, 0);
}

/* ============================== Text in the content stream =============== */

/* A table: 8 rows of 6 cells at awkward fractional positions, every other
 * row on a filled band (which ends the text object the cells share) and
 * the last column in bold. Every word lands where its element says, with
 * no error adding up along a row or down the page (cells are placed
 * relative to the previous one). */
static void test_text_rows_in_place(void **state)
{
    enum { ROWS = 8, COLS = 6 };
    fixture *fx = *state;
    quire_document doc = fixture_doc(fx, "rows.pdf");
    quire_element e[ROWS * COLS + ROWS];
    char labels[ROWS * COLS][32];
    word w[ROWS * COLS + 4];
    quire_page page;
    size_t n = 0, nw;
    plug p;

    for (int r = 0; r < ROWS; r++) {
        if (r % 2 == 1) {
            memset(&e[n], 0, sizeof(e[n]));
            e[n].kind = QUIRE_EL_RECT;
            e[n].x = 20;
            e[n].y = 100 + 13.0049 * r - 10;
            e[n].width = 560;
            e[n].height = 13;
            e[n].fill = (quire_color){0xee, 0xf2, 0xf7, 255};
            n++;
        }
        for (int col = 0; col < COLS; col++) {
            char *label = labels[r * COLS + col];
            snprintf(label, sizeof(labels[0]), "r%dc%d", r, col);
            e[n] = text_element(label, 20.003 + 91.337 * col, 100 + 13.0049 * r, 8.5, 0);
            e[n].u.text.font = col == COLS - 1 ? 1 : 0;
            n++;
        }
    }
    page = one_page(e, n, 595.28, 841.89);
    plug_open(fx, &p, NULL);
    render_ok(&p, &doc, &page, 1);
    nw = read_words("rows.pdf", w, COUNT(w));
    assert_int_equal(nw, ROWS * COLS);
    for (size_t i = 0; i < nw; i++) {
        int r, col;
        double baseline;
        if (sscanf(w[i].text, "r%dc%d", &r, &col) != 2 || r < 0 || r >= ROWS || col < 0 ||
            col >= COLS)
            fail_msg("unexpected word '%s'", w[i].text);
        baseline = 100 + 13.0049 * r;
        if (fabs(w[i].x0 - (20.003 + 91.337 * col)) >= 0.05)
            fail_msg("%s starts at %.3f, not %.3f", w[i].text, w[i].x0, 20.003 + 91.337 * col);
        /* The glyphs stand on the baseline: the box ends a little below. */
        assert_true(w[i].y1 > baseline && w[i].y1 < baseline + 8.5 * 0.4);
        assert_true(w[i].y0 > baseline - 8.5 && w[i].y0 < baseline - 8.5 * 0.7);
    }
    plug_close(&p);
    assert_int_equal(live_blocks, 0);
}

/* Cells on one baseline, across font, size and colour changes, placed
 * backwards (ff left of the others) and far apart at tiny sizes: every
 * word starts where its element says, to 0.01 point. */
static void test_text_cells_on_one_line(void **state)
{
    static const struct {
        const char *s;
        double x, size;
        uint32_t font;
        int red;
    } cells[] = {
        {"aa", 20.003, 8.5, 0, 0}, {"bb", 60.337, 8.5, 0, 0},   {"cc", 100.5, 8.5, 1, 0},
        {"dd", 130.25, 40, 0, 0},  {"ee", 260.77, 150, 0, 0},   {"ff", 2.004, 20, 0, 1},
        {"gg", 1900.126, 1, 0, 0}, {"hh", 1950.991, 8.5, 0, 0},
    };
    fixture *fx = *state;
    quire_document doc = fixture_doc(fx, "line.pdf");
    quire_element e[COUNT(cells)];
    quire_page page;
    word w[16];
    size_t n;
    plug p;

    for (size_t i = 0; i < COUNT(cells); i++) {
        e[i] = text_element(cells[i].s, cells[i].x, 250, cells[i].size, 0);
        e[i].u.text.font = cells[i].font;
        if (cells[i].red)
            e[i].fill = (quire_color){0xff, 0, 0, 255};
    }
    page = one_page(e, COUNT(cells), 2000, 300);
    plug_open(fx, &p, NULL);
    render_ok(&p, &doc, &page, 1);
    n = read_words("line.pdf", w, COUNT(w));
    assert_int_equal(n, COUNT(cells));
    for (size_t i = 0; i < n; i++) {
        size_t k = 0;
        while (k < COUNT(cells) && strcmp(cells[k].s, w[i].text) != 0)
            k++;
        if (k == COUNT(cells))
            fail_msg("unexpected word '%s'", w[i].text);
        if (fabs(w[i].x0 - cells[k].x) > 0.01)
            fail_msg("%s starts at %.4f, not %.4f", w[i].text, w[i].x0, cells[k].x);
    }
    plug_close(&p);
    assert_int_equal(live_blocks, 0);
}

/* Every advance scales with the font size, so an odd size is kept to
 * more than the 2 decimals positions get: 80 Ms at 5.5555 points span
 * 0.55555 of what they span at 10, to 0.05 point over some 380 points. */
static void test_text_size_exact(void **state)
{
    fixture *fx = *state;
    quire_document doc = fixture_doc(fx, "size.pdf");
    char ms[81];
    quire_element e[2];
    quire_page page;
    word w[4];
    plug p;

    memset(ms, 'M', 80);
    ms[80] = '\0';
    e[0] = text_element(ms, 10, 100, 10, 0);
    e[1] = text_element(ms, 10, 200, 5.5555, 0);
    page = one_page(e, 2, 1000, 300);
    plug_open(fx, &p, NULL);
    render_ok(&p, &doc, &page, 1);
    assert_int_equal(read_words("size.pdf", w, 4), 2);
    assert_true(w[0].x1 - w[0].x0 > 600); /* M is 0.86 em wide */
    if (fabs((w[1].x1 - w[1].x0) - 0.55555 * (w[0].x1 - w[0].x0)) >= 0.05)
        fail_msg("%.4f points wide, not %.4f", w[1].x1 - w[1].x0, 0.55555 * (w[0].x1 - w[0].x0));
    plug_close(&p);
    assert_int_equal(live_blocks, 0);
}

/* One line after another in one text object may change colour, alpha and
 * font: full blocks (U+2588) in red, blue, bold green and red at alpha
 * 128, side by side, each in its own colour. A rectangle half off the
 * page's left edge (negative coordinates) is cut there. */
static void test_text_state_changes(void **state)
{
    static const quire_color colours[4] = {
        {0xff, 0, 0, 255}, {0, 0, 0xff, 255}, {0, 0x80, 0, 255}, {0xff, 0, 0, 128}};
    fixture *fx = *state;
    quire_document doc = fixture_doc(fx, "state.pdf");
    quire_element e[5];
    quire_page page;
    ppm img;
    plug p;

    for (int i = 0; i < 4; i++) {
        e[i] = text_element("\xe2\x96\x88", 50 + 60 * i, 100, 40, 0);
        e[i].fill = colours[i];
        e[i].u.text.font = i == 2 ? 1 : 0;
    }
    memset(&e[4], 0, sizeof(e[4]));
    e[4].kind = QUIRE_EL_RECT;
    e[4].x = -10.25;
    e[4].y = 150;
    e[4].width = 30.5;
    e[4].height = 20;
    e[4].fill = (quire_color){0, 0, 0, 255};
    page = one_page(e, 5, 400, 200);
    plug_open(fx, &p, NULL);
    render_ok(&p, &doc, &page, 1);
    rasterise("state.pdf", 1, 72, &img);
    /* Inside each block: 10 points right of its start, 10 above the
     * baseline. Half red over white: 255 * 128/255 + 255 * 127/255 for
     * red, 255 * 127/255 for green and blue = #ff7f7f. */
    assert_pixel(pixel_at(&img, 60, 90, 72), 0xff, 0, 0, 0);
    assert_pixel(pixel_at(&img, 120, 90, 72), 0, 0, 0xff, 0);
    assert_pixel(pixel_at(&img, 180, 90, 72), 0, 0x80, 0, 0);
    assert_pixel(pixel_at(&img, 240, 90, 72), 0xff, 0x7f, 0x7f, 2);
    /* Between the blocks, white. */
    assert_pixel(pixel_at(&img, 105, 90, 72), 0xff, 0xff, 0xff, 0);
    /* The rectangle covers x 0 to 20.25. */
    assert_pixel(pixel_at(&img, 1, 160, 72), 0, 0, 0, 0);
    assert_pixel(pixel_at(&img, 19, 160, 72), 0, 0, 0, 0);
    assert_pixel(pixel_at(&img, 22, 160, 72), 0xff, 0xff, 0xff, 0);
    free(img.file);
    plug_close(&p);
    assert_int_equal(live_blocks, 0);
}

/* Text comes back out as it went in whatever bytes its UTF-16 codes hold:
 * parentheses and backslashes (string delimiters and escapes), a code
 * whose bytes are CR LF (U+0D0A: a raw CR LF in a string would be read as
 * one LF), LF CR (U+0A0D) and the delimiters in the high byte (U+2829,
 * U+5C28); with word spacing too, and in a line of 20000 characters
 * (longer than one string operand may be). poppler has nothing to warn
 * about, compressed or not. */
static void test_text_any_bytes(void **state)
{
    static const char tricky[] = "a(b)c\\d ) ( \\ \xe0\xb4\x8a \xe0\xa8\x8d \xe2\xa0\xa9 "
                                 "\xe5\xb0\xa8 end";
    static const char *const configs[2] = {NULL, "compress = false\n"};
    fixture *fx = *state;
    quire_document doc = fixture_doc(fx, "bytes.pdf");
    quire_element e[3];
    quire_page pages[2];
    char *longline, *text;
    plug p;

    longline = malloc(20001);
    assert_non_null(longline);
    for (int i = 0; i < 20000; i++)
        longline[i] = (char)('0' + i % 10);
    longline[20000] = '\0';
    e[0] = text_element(tricky, 20, 100, 12, 0);
    e[1] = text_element(tricky, 20, 200, 12, 3.5);
    e[2] = text_element(longline, 1, 50, 1, 0);
    pages[0] = one_page(e, 2, 595.28, 841.89);
    pages[1] = one_page(e + 2, 1, 14000, 100);
    pages[1].number = 2;
    for (int c = 0; c < 2; c++) {
        plug_open(fx, &p, configs[c]);
        render_ok(&p, &doc, pages, 2);
        text = run("pdftotext -raw -f 1 -l 1 bytes.pdf -");
        if (strstr(text, tricky) == NULL || strstr(strstr(text, tricky) + 1, tricky) == NULL)
            fail_msg("'%s' not twice in '%s'", tricky, text);
        free(text);
        text = run("pdftotext -raw -f 2 -l 2 bytes.pdf -");
        assert_non_null(strstr(text, longline));
        free(text);
        text = run("pdftotext bytes.pdf /dev/null 2>&1");
        assert_string_equal(text, "");
        free(text);
        if (configs[c] != NULL) { /* uncompressed: no raw CR in the content */
            pdf_objects o;
            stream_view v;
            objects_read("bytes.pdf", &o);
            v = page_stream(&o, 1);
            assert_null(memchr(v.data, '\r', v.len));
            assert_non_null(find(v.data, v.len, "\\r"));
            free(o.raw);
        }
        plug_close(&p);
    }
    free(longline);
    assert_int_equal(live_blocks, 0);
}

/* A character first shown on a later page is in the embedded subset: a
 * 200-point Zhe (U+0416), only on page 2, paints its strokes. */
static void test_glyphs_of_later_pages(void **state)
{
    fixture *fx = *state;
    quire_document doc = fixture_doc(fx, "subset.pdf");
    quire_element e[2];
    quire_page pages[2];
    ppm img;
    plug p;

    e[0] = text_element("A", 20, 50, 10, 0);
    e[1] = text_element("\xd0\x96", 50, 250, 200, 0);
    pages[0] = one_page(e, 1, 300, 300);
    pages[1] = one_page(e + 1, 1, 300, 300);
    pages[1].number = 2;
    plug_open(fx, &p, NULL);
    render_ok(&p, &doc, pages, 2);
    rasterise("subset.pdf", 2, 72, &img);
    /* The glyph is about 200 x 146 points above the baseline: a fair
     * share of that box is ink. */
    assert_true(dark_pixels(&img, 50, 110, 250, 250, 72) > 3000);
    free(img.file);
    plug_close(&p);
    assert_int_equal(live_blocks, 0);
}

/* ============================== One-byte text ============================= */

/* The names of the fonts the Tf operators of `v` select, in order (at most
 * max, 15 characters each); returns how many. Lines of the content are
 * operators; a text line holds no newline in these tests. */
static size_t tf_names(stream_view v, char names[][16], size_t max)
{
    const char *line = v.data, *end = v.data + v.len;
    size_t n = 0;

    while (line < end && n < max) {
        const char *eol = memchr(line, '\n', (size_t)(end - line));
        char text[64];
        double size;
        int used = 0;
        if (eol == NULL)
            eol = end;
        snprintf(text, sizeof(text), "%.*s", (int)(eol - line), line);
        if (sscanf(text, "/%15[A-Za-z0-9] %lf Tf%n", names[n], &size, &used) == 2 &&
            text[used] == '\0')
            n++;
        line = eol + 1;
    }
    return n;
}

/* The object the resources on the root of the page tree name `name`
 * ("F2"). */
static int font_resource(const pdf_objects *o, const char *name)
{
    char key[24];

    snprintf(key, sizeof(key), "/%s ", name);
    return object_ref(o, object_ref(o, object_with(o, "/Type /Catalog"), "/Pages"), key);
}

/* Whether hay[0..len) holds the n bytes at needle, NULs included. */
static int has_bytes(const char *hay, size_t len, const char *needle, size_t n)
{
    for (size_t i = 0; n <= len && i <= len - n; i++)
        if (memcmp(hay + i, needle, n) == 0)
            return 1;
    return 0;
}

/* Whether stream_view v holds the bytes of the string literal `lit`. */
#define HAS_BYTES(v, lit) has_bytes((v).data, (v).len, (lit), sizeof(lit) - 1)

/* The widths of a CIDFont body's /W array (form "c [w1 w2 ...]", what
 * libharu writes) in widths[0..65536), -1 where it gives none. */
static void cid_widths(const char *body, int *widths)
{
    const char *p = strstr(body, "/W [");
    int cid, w, len;

    for (int i = 0; i < 65536; i++)
        widths[i] = -1;
    assert_non_null(p);
    for (p += 4; (len = 0, sscanf(p, " %d [%n", &cid, &len)) == 1 && len > 0; p++) {
        p += len;
        while (sscanf(p, " %d%n", &w, &len) == 1) {
            assert_true(cid >= 0 && cid < 65536);
            widths[cid++] = w;
            p += len;
        }
        p = strchr(p, ']');
        assert_non_null(p);
    }
}

/* A text whose characters are all U+0000..U+00FF is written one byte a
 * character, the code point itself, in the font's one-byte variant; a text
 * with any other character (the euro sign is U+20AC, not Latin-1) in the
 * font itself, two bytes a character, UTF-16. A Tf selects the other one
 * only where the kind changes; the one-byte string escapes the string
 * delimiters and keeps word spacing as TJ adjustments. The expected bytes
 * are the characters' Latin-1 and UTF-16 values worked out by hand. */
static void test_text_latin1_one_byte(void **state)
{
    /* Z o e-diaeresis space M u-diaeresis l l e r space plus-minus half */
    static const char zoe[] = "Zo\xc3\xab M\xc3\xbcller \xc2\xb1\xc2\xbd";
    static const char zoe_bytes[] = "(Zo\xeb M\xfcller \xb1\xbd) Tj\n";
    static const char euro_bytes[] = "(\0001\000 \x20\xac\000 \0002) Tj\n";
    static const char spaced_bytes[] = "[(Stra\337e ) -250 (mit ) -250 (W\xf6rtern)] TJ\n";
    fixture *fx = *state;
    quire_document doc = fixture_doc(fx, "l1.pdf");
    quire_element e[5];
    quire_page page;
    pdf_objects o;
    stream_view v;
    char tf[8][16], *text, *one, *two;
    int one_id, two_id;
    plug p;

    e[0] = text_element(zoe, 20, 50, 12, 0);
    e[1] = text_element("plain (x) \\", 20, 70, 12, 0);
    e[2] = text_element("1 \xe2\x82\xac 2", 20, 90, 12, 0);
    e[3] = text_element("\xc3\x9f", 20, 110, 12, 0);
    /* 3 points of word spacing at 12 points: -1000 * 3 / 12 = -250. */
    e[4] = text_element("Stra\303\237e mit W\xc3\xb6rtern", 20, 130, 12, 3);
    page = one_page(e, 5, 300, 200);
    plug_open(fx, &p, "compress = false\n");
    render_ok(&p, &doc, &page, 1);
    objects_read("l1.pdf", &o);
    v = page_stream(&o, 1);
    assert_true(HAS_BYTES(v, zoe_bytes));
    assert_true(HAS_BYTES(v, "(plain \\(x\\) \\\\) Tj\n"));
    assert_true(HAS_BYTES(v, euro_bytes));
    assert_true(HAS_BYTES(v, "(\xdf) Tj\n"));
    assert_true(HAS_BYTES(v, spaced_bytes));
    /* One-byte font, the two-byte font for the euro line, back: three Tf,
     * none for the second and the last line, whose font is in force. */
    assert_int_equal(tf_names(v, tf, 8), 3);
    assert_string_equal(tf[0], tf[2]);
    assert_string_not_equal(tf[0], tf[1]);
    one_id = font_resource(&o, tf[0]);
    two_id = font_resource(&o, tf[1]);
    one = object_body(&o, one_id);
    two = object_body(&o, two_id);
    assert_non_null(strstr(two, "/Encoding /Identity-H"));
    /* The variant: the same CIDFont, so the same glyphs and widths, the
     * same subset name, and its own encoding and ToUnicode map. */
    assert_int_equal(object_ref(&o, one_id, "/DescendantFonts ["),
                     object_ref(&o, two_id, "/DescendantFonts ["));
    {
        char base1[128], base2[128];
        assert_int_equal(sscanf(strstr(one, "/BaseFont "), "/BaseFont /%127s", base1), 1);
        assert_int_equal(sscanf(strstr(two, "/BaseFont "), "/BaseFont /%127s", base2), 1);
        assert_string_equal(base1, base2);
        assert_non_null(strchr(base1, '+')); /* the subset's tag */
    }
    {
        int cmap = object_ref(&o, one_id, "/Encoding"), uni = object_ref(&o, one_id, "/ToUnicode");
        int cid = object_ref(&o, one_id, "/DescendantFonts [");
        char *cid_body = object_body(&o, cid);
        stream_view s = stream_object(&o, cmap);
        char *dict = strndup(s.dict, s.dict_len);
        /* PDF 32000-1 9.7.5.3: /Type, /CMapName, /CIDSystemInfo, the last
         * the CIDFont's. */
        assert_non_null(strstr(dict, "/Type /CMap"));
        assert_non_null(strstr(dict, "/CMapName /Quire-Latin1-H"));
        assert_non_null(strstr(cid_body, "/CIDSystemInfo <<\n/Registry (Adobe)\n/Ordering "
                                         "(Identity-H)\n/Supplement 0\n>>"));
        assert_non_null(strstr(dict, "/CIDSystemInfo <<\n/Registry (Adobe)\n/Ordering "
                                     "(Identity-H)\n/Supplement 0\n>>"));
        assert_true(HAS_BYTES(s, "1 begincodespacerange\n<00> <FF>\n"));
        assert_true(HAS_BYTES(s, "1 begincidrange\n<00> <FF> 0\nendcidrange"));
        s = stream_object(&o, uni);
        assert_true(HAS_BYTES(s, "1 beginbfrange\n<00> <FF> <0000>\nendbfrange"));
        free(dict);
        free(cid_body);
    }
    free(one);
    free(two);
    free(o.raw);
    /* poppler reads it all back without a word of complaint (its layout
     * drops the spaces around the lone euro sign, as it did when every
     * text was two-byte). */
    text = run("pdftotext -layout l1.pdf - 2>&1");
    if (strstr(text, "Zo\xc3\xab M\xc3\xbcller \xc2\xb1\xc2\xbd") == NULL ||
        strstr(text, "plain (x) \\") == NULL || strstr(text, "1\342\202\2542") == NULL ||
        strstr(text, "Stra\303\237e") == NULL || strstr(text, "W\xc3\xb6rtern") == NULL)
        fail_msg("pdftotext gave: %s", text);
    free(text);
    text = run("pdffonts l1.pdf 2>&1 >/dev/null");
    assert_string_equal(text, "");
    free(text);
    plug_close(&p);
    assert_int_equal(live_blocks, 0);
}

/* A one-byte code c shows CID c of the shared CIDFont, so its width there
 * must be U+00c's: for every printable Latin-1 character, the /W entry (or
 * /DW where /W has none) is the advance the kernel's own TrueType reader
 * finds in the font file, in thousandths of an em. */
static void test_text_latin1_widths(void **state)
{
    fixture *fx = *state;
    quire_document doc = fixture_doc(fx, "w.pdf");
    quire_element e[1];
    quire_page page;
    pdf_objects o;
    int *widths = malloc(65536 * sizeof(int));
    size_t checked = 0;
    plug p;

    assert_non_null(widths);
    e[0] = text_element("\xc3\xa9t\xc3\xa9", 20, 50, 12, 0);
    page = one_page(e, 1, 300, 200);
    plug_open(fx, &p, "compress = false\n");
    render_ok(&p, &doc, &page, 1);
    objects_read("w.pdf", &o);
    for (size_t i = 0; i < o.n; i++) {
        char *body, name[128];
        font_face *face = NULL;
        quire_error err = {0};
        int dw;
        if (find(o.obj[i].body, (size_t)(o.obj[i].end - o.obj[i].body), "/Subtype /CIDFontType2") ==
            NULL)
            continue;
        body = object_body(&o, o.obj[i].id);
        assert_int_equal(sscanf(strstr(body, "/DW "), "/DW %d", &dw), 1);
        assert_int_equal(sscanf(strstr(body, "/BaseFont /"), "/BaseFont /%127[^,/ \n]", name), 1);
        for (size_t f = 0; f < fx->pf.doc.nfonts && face == NULL; f++) {
            assert_int_equal(font_face_load(fx->pf.doc.fonts[f].path, &face, &err), QUIRE_OK);
            if (strcmp(strchr(name, '+') + 1, font_postscript_name(face)) != 0) {
                font_face_free(face);
                face = NULL;
            }
        }
        assert_non_null(face);
        cid_widths(body, widths);
        /* W starts at the space: codes below have no glyph to print. */
        assert_non_null(strstr(body, "/W [ 32 ["));
        for (uint32_t c = 32; c < 256; c++) {
            double want;
            int got;
            if (c >= 0x7F && c < 0xA0) /* controls: no glyph */
                continue;
            want = font_advance_units(face, c) * 1000.0 / font_units_per_em(face);
            got = widths[c] >= 0 ? widths[c] : dw;
            if (fabs(got - want) >= 1.0)
                fail_msg("%s: U+%04X is %d wide in /W, %.2f in the font", name, c, got, want);
        }
        font_face_free(face);
        free(body);
        checked++;
    }
    assert_true(checked >= 1);
    free(o.raw);
    free(widths);
    plug_close(&p);
    assert_int_equal(live_blocks, 0);
}

/* The same glyphs through either font paint the same pixels: "Zoe Muller"
 * (with diaereses) in the one-byte variant on page 1, and on page 2 with a
 * character beyond U+FFFF in place of the space, which makes the text
 * two-byte and prints as a space. pdftotext reads both. */
static void test_text_latin1_same_pixels(void **state)
{
    fixture *fx = *state;
    quire_document doc = fixture_doc(fx, "px.pdf");
    quire_element e[2];
    quire_page pages[2];
    ppm a, b;
    char *text;
    plug p;

    e[0] = text_element("Zo\xc3\xab M\xc3\xbcller \xc2\xb1 \xc3\xbf", 20, 60, 30, 0);
    e[1] = text_element("Zo\xc3\xab\xf0\x9f\x98\x80M\xc3\xbcller \xc2\xb1 \xc3\xbf", 20, 60, 30, 0);
    pages[0] = one_page(e, 1, 400, 100);
    pages[1] = one_page(e + 1, 1, 400, 100);
    pages[1].number = 2;
    plug_open(fx, &p, NULL);
    render_ok(&p, &doc, pages, 2);
    rasterise("px.pdf", 1, 100, &a);
    rasterise("px.pdf", 2, 100, &b);
    assert_int_equal(a.width, b.width);
    assert_int_equal(a.height, b.height);
    assert_true(dark_pixels(&a, 20, 30, 380, 70, 100) > 1000);
    assert_memory_equal(a.rgb, b.rgb, (size_t)a.width * a.height * 3);
    free(a.file);
    free(b.file);
    text = run("pdftotext -f 1 -l 1 px.pdf -");
    assert_non_null(strstr(text, "Zo\xc3\xab M\xc3\xbcller \xc2\xb1 \xc3\xbf"));
    free(text);
    text = run("pdftotext px.pdf /dev/null 2>&1");
    assert_string_equal(text, "");
    free(text);
    plug_close(&p);
    assert_int_equal(live_blocks, 0);
}

/* ============================== Resources ================================= */

/* Each image is stored once however many pages draw it: the logo (with its
 * soft mask) and the photo are three image objects for one page or five. */
static void test_images_stored_once(void **state)
{
    fixture *fx = *state;
    quire_document doc = fixture_doc(fx, "i.pdf");
    quire_element e[3];
    quire_page pages[5];
    char *raw, *list;
    size_t len;
    plug p;

    memset(e, 0, sizeof(e));
    for (int i = 0; i < 3; i++) {
        e[i].kind = QUIRE_EL_IMAGE;
        e[i].x = 50 + 150 * i;
        e[i].y = 50;
        e[i].width = 120;
        e[i].height = 60;
        e[i].u.image.image = i == 1 ? 1 : 0;
    }
    for (int i = 0; i < 5; i++) {
        pages[i] = one_page(e, 3, 595.28, 841.89);
        pages[i].number = (uint32_t)i + 1;
    }
    plug_open(fx, &p, "compress = false\n");
    for (size_t n = 1; n <= 5; n += 4) {
        render_ok(&p, &doc, pages, n);
        raw = slurp("i.pdf", &len);
        assert_int_equal(count_in(raw, len, "/Subtype /Image"), 3);
        assert_int_equal(count_in(raw, len, "/SMask"), 1);
        assert_int_equal(count_in(raw, len, "/DCTDecode"), 1);
        free(raw);
    }
    /* pdfimages: 15 draws on 5 pages, all of two objects. */
    list = run("pdfimages -list i.pdf");
    {
        int draws = 0, ids[2] = {-1, -1};
        for (char *line = strtok(list, "\n"); line != NULL; line = strtok(NULL, "\n")) {
            char type[16], color[16], enc[16], interp[16];
            int page, num, w, h, comp, bpc, id;
            if (sscanf(line, "%d %d %15s %d %d %15s %d %d %15s %15s %d", &page, &num, type, &w, &h,
                       color, &comp, &bpc, enc, interp, &id) != 11 ||
                strcmp(type, "image") != 0)
                continue;
            draws++;
            if (ids[w == 80] < 0)
                ids[w == 80] = id;
            assert_int_equal(id, ids[w == 80]); /* 120 wide: the logo; 80: the photo */
        }
        assert_int_equal(draws, 15);
    }
    free(list);
    plug_close(&p);
    assert_int_equal(live_blocks, 0);
}

/* compress = true (the default) deflates content, fonts and raw images;
 * false writes them as they are. Page 1's content stream is deflated and
 * says so (/Filter /FlateDecode in its dictionary, a zlib header first);
 * that it inflates to the right operators the text and pixel tests show,
 * which all read compressed files. Page 2's two lines of text, which
 * deflate would not shorten by the length of the filter entry, stay as
 * they are. */
static void test_compress_option(void **state)
{
    fixture *fx = *state;
    quire_document doc = fixture_doc(fx, "c.pdf");
    size_t small, large;
    pdf_objects o;
    plug p;

    plug_open(fx, &p, NULL);
    render_ok(&p, &doc, fx->pf.pages, 2);
    objects_read("c.pdf", &o);
    small = o.len;
    assert_true(count_in(o.raw, o.len, "/FlateDecode") >= 4);
    {
        stream_view v = page_stream(&o, 1);
        assert_int_equal(count_in(v.dict, v.dict_len, "/Filter /FlateDecode"), 1);
        assert_true(v.len > 2 && (unsigned char)v.data[0] == 0x78);
        assert_null(find(v.data, v.len, "Tj"));
        v = page_stream(&o, 2);
        assert_null(find(v.dict, v.dict_len, "/Filter"));
        assert_true(v.len < 200);
        assert_true(strncmp(v.data, "BT\n", 3) == 0);
    }
    free(o.raw);
    plug_close(&p);
    plug_open(fx, &p, "compress = false\n");
    render_ok(&p, &doc, fx->pf.pages, 2);
    objects_read("c.pdf", &o);
    large = o.len;
    assert_int_equal(count_in(o.raw, o.len, "/FlateDecode"), 0);
    for (int page = 1; page <= 2; page++) {
        stream_view v = page_stream(&o, page);
        assert_null(find(v.dict, v.dict_len, "/Filter"));
        assert_non_null(find(v.data, v.len, "BT\n"));
        assert_non_null(find(v.data, v.len, ") Tj\n"));
    }
    free(o.raw);
    assert_true(large > 2 * small);
    plug_close(&p);
    assert_int_equal(live_blocks, 0);
}

/* ============================== Font objects ============================== */

/* The CIDToGIDMap of every font (written uncompressed) maps each UTF-16
 * code to the glyph the font's own cmap gives it, as the kernel's TrueType
 * reader (kernel/font.c) finds it: checked for all 65535 codes of the map,
 * so the whole table the plugin works out for libharu (pdf_font.c) is. */
static void test_font_glyph_map(void **state)
{
    fixture *fx = *state;
    quire_document doc = fixture_doc(fx, "m.pdf");
    pdf_objects o;
    size_t checked = 0;
    plug p;

    plug_open(fx, &p, "compress = false\n");
    render_ok(&p, &doc, fx->pf.pages, 2);
    objects_read("m.pdf", &o);
    for (size_t i = 0; i < o.n; i++) {
        const char *body = o.obj[i].body;
        size_t len = (size_t)(o.obj[i].end - body);
        const char *base = find(body, len, "/BaseFont /");
        font_face *face = NULL;
        stream_view map;
        char name[128];
        int matched = 0;

        if (find(body, len, "/Subtype /CIDFontType2") == NULL)
            continue;
        assert_non_null(base);
        /* "/BaseFont /HPDFAA+DejaVuSans-Bold,Bold": the PostScript name. */
        assert_int_equal(sscanf(base, "/BaseFont /%127[^,/ \n]", name), 1);
        for (size_t f = 0; f < fx->pf.doc.nfonts && !matched; f++) {
            quire_error err = {0};
            assert_int_equal(font_face_load(fx->pf.doc.fonts[f].path, &face, &err), QUIRE_OK);
            matched = strchr(name, '+') != NULL &&
                      strcmp(strchr(name, '+') + 1, font_postscript_name(face)) == 0;
            if (!matched)
                font_face_free(face);
        }
        if (!matched)
            fail_msg("no document font is %s", name);
        map = stream_object(&o, object_ref(&o, o.obj[i].id, "/CIDToGIDMap"));
        /* Codes 0 .. 65534: libharu stops before the highest code. */
        assert_int_equal(map.len, 2 * 65535);
        for (uint32_t code = 0; code < 65535; code++) {
            uint32_t gid = (uint32_t)(unsigned char)map.data[2 * code] << 8 |
                           (unsigned char)map.data[2 * code + 1];
            if (gid != font_glyph(face, code))
                fail_msg("%s: code U+%04X maps to glyph %u, the font's cmap says %u", name,
                         (unsigned)code, (unsigned)gid, (unsigned)font_glyph(face, code));
        }
        /* 'A' has a glyph in every DejaVu face: the map is not all zeros. */
        assert_true(font_glyph(face, 'A') != 0);
        font_face_free(face);
        checked++;
    }
    assert_int_equal(checked, 3); /* the fixture's three fonts */
    free(o.raw);
    plug_close(&p);
    assert_int_equal(live_blocks, 0);
}

/* With compression the font files are deflated by the plugin before
 * saving (pdf_embed.c), not by libharu: each FontFile2 stream says
 * /Filter /FlateDecode in the plugin's form and starts with a zlib header,
 * and both pages rasterise to the same pixels as the uncompressed file,
 * whose fonts libharu wrote itself. */
static void test_font_streams_deflated(void **state)
{
    fixture *fx = *state;
    quire_document doc = fixture_doc(fx, "z.pdf");
    quire_document plain = fixture_doc(fx, "u.pdf");
    pdf_objects o;
    size_t files = 0;
    plug p;

    plug_open(fx, &p, NULL);
    render_ok(&p, &doc, fx->pf.pages, 2);
    plug_close(&p);
    plug_open(fx, &p, "compress = false\n");
    render_ok(&p, &plain, fx->pf.pages, 2);
    plug_close(&p);
    objects_read("z.pdf", &o);
    for (size_t i = 0; i < o.n; i++) {
        const char *body = o.obj[i].body;
        stream_view v;
        if (find(body, (size_t)(o.obj[i].end - body), "/Length1 ") == NULL)
            continue;
        v = stream_object(&o, o.obj[i].id);
        assert_int_equal(count_in(v.dict, v.dict_len, "/Filter /FlateDecode\n"), 1);
        assert_null(find(v.dict, v.dict_len, "[ /FlateDecode ]"));
        assert_true(v.len > 2 && (unsigned char)v.data[0] == 0x78);
        files++;
    }
    assert_int_equal(files, 3);
    free(o.raw);
    for (int page = 1; page <= 2; page++) {
        ppm a, b;
        rasterise("z.pdf", page, 72, &a);
        rasterise("u.pdf", page, 72, &b);
        assert_int_equal(a.width, b.width);
        assert_int_equal(a.height, b.height);
        assert_memory_equal(a.rgb, b.rgb, (size_t)a.width * a.height * 3);
        free(a.file);
        free(b.file);
    }
    assert_int_equal(live_blocks, 0);
}

/* ============================== Output files ============================== */

/* No page at all: still a valid PDF, one blank page of the report's size
 * (pdfinfo accepts it), with the metadata. */
static void test_zero_pages(void **state)
{
    fixture *fx = *state;
    quire_document doc = fixture_doc(fx, "empty.pdf");
    char *info;
    plug p;

    doc.page_width = 300;
    doc.page_height = 400;
    /* Non-ASCII metadata next to ASCII (libharu writes it as UTF-16). */
    doc.title = "R\xc3\xa9sum\xc3\xa9 \xce\x91\xce\xb8\xce\xae\xce\xbd\xce\xb1";
    doc.keywords = "\xd0\x9c\xd0\xbe\xd1\x81\xd0\xba\xd0\xb2\xd0\xb0";
    plug_open(fx, &p, NULL);
    render_ok(&p, &doc, NULL, 0);
    info = run("pdfinfo -enc UTF-8 empty.pdf");
    assert_string_equal(info_field(info, "Pages"), "1");
    assert_string_equal(info_field(info, "Page size"), "300 x 400 pts");
    assert_string_equal(info_field(info, "Title"),
                        "R\xc3\xa9sum\xc3\xa9 \xce\x91\xce\xb8\xce\xae\xce\xbd\xce\xb1");
    assert_string_equal(info_field(info, "Keywords"),
                        "\xd0\x9c\xd0\xbe\xd1\x81\xd0\xba\xd0\xb2\xd0\xb0");
    assert_string_equal(info_field(info, "Author"), "quire tests");
    free(info);
    plug_close(&p);
    assert_int_equal(live_blocks, 0);
}

/* While rendering, the destination is untouched and the bytes go to
 * "NAME.tmp-XXXXXX" next to it; abort removes that and keeps the old file. */
static void test_abort_leaves_no_file(void **state)
{
    fixture *fx = *state;
    quire_document doc = fixture_doc(fx, "fresh.pdf");
    quire_error err = {0};
    void *instance;
    char *old;
    FILE *fp;
    plug p;

    plug_open(fx, &p, NULL);
    assert_int_equal(p.ops->begin(p.rec->state_ptr, &doc, &instance, &err), QUIRE_OK);
    assert_int_equal(p.ops->page(instance, &fx->pf.pages[0], &err), QUIRE_OK);
    assert_int_equal(count_files(".", "fresh.pdf.tmp-"), 1);
    p.ops->abort(instance);
    assert_int_equal(count_files(".", "fresh"), 0);
    fp = fopen("keep.pdf", "w");
    assert_non_null(fp);
    fputs("old\n", fp);
    fclose(fp);
    doc.output_path = "keep.pdf";
    assert_int_equal(p.ops->begin(p.rec->state_ptr, &doc, &instance, &err), QUIRE_OK);
    assert_int_equal(p.ops->page(instance, &fx->pf.pages[0], &err), QUIRE_OK);
    p.ops->abort(instance);
    old = slurp("keep.pdf", NULL);
    assert_string_equal(old, "old\n");
    free(old);
    assert_int_equal(count_files(".", "keep.pdf.tmp-"), 0);
    plug_close(&p);
    assert_int_equal(live_blocks, 0);
}

/* The output replaces an existing file through a symlink, with the mode a
 * plain create under the umask gives. */
static void test_replace_mode_and_symlink(void **state)
{
    fixture *fx = *state;
    quire_document doc = fixture_doc(fx, "link.pdf");
    struct stat st;
    char *info;
    FILE *fp;
    plug p;

    fp = fopen("target.pdf", "w");
    assert_non_null(fp);
    fputs("old\n", fp);
    fclose(fp);
    assert_int_equal(symlink("target.pdf", "link.pdf"), 0);
    umask(027);
    plug_open(fx, &p, NULL); /* init reads the umask */
    umask(022);
    render_ok(&p, &doc, fx->pf.pages, 1);
    assert_int_equal(lstat("link.pdf", &st), 0);
    assert_true(S_ISLNK(st.st_mode));
    assert_int_equal(stat("target.pdf", &st), 0);
    assert_int_equal(st.st_mode & 0777, 0640);
    info = run("pdfinfo target.pdf");
    assert_string_equal(info_field(info, "Pages"), "1");
    free(info);
    plug_close(&p);
    assert_int_equal(live_blocks, 0);
}

static void test_cannot_create(void **state)
{
    fixture *fx = *state;
    quire_document doc = fixture_doc(fx, "nodir/x.pdf");
    quire_error err;
    plug p;

    plug_open(fx, &p, NULL);
    assert_int_equal(render(&p, &doc, fx->pf.pages, 2, &err), QUIRE_ERR);
    assert_int_equal(err.code, QUIRE_E_IO);
    assert_string_equal(err.msg, "cannot create 'nodir/x.pdf': No such file or directory");
    assert_int_equal(mkdir("adir", 0755), 0);
    doc.output_path = "adir";
    assert_int_equal(render(&p, &doc, fx->pf.pages, 2, &err), QUIRE_ERR);
    assert_string_equal(err.msg, "cannot create 'adir': Is a directory");
    assert_int_equal(mkdir("ro", 0555), 0);
    doc.output_path = "ro/x.pdf";
    if (access("ro", W_OK) != 0) { /* root may write anywhere */
        assert_int_equal(render(&p, &doc, fx->pf.pages, 2, &err), QUIRE_ERR);
        assert_string_equal(err.msg, "cannot create 'ro/x.pdf': Permission denied");
    }
    assert_int_equal(count_files("ro", "x"), 0);
    rmdir("ro");
    plug_close(&p);
    assert_int_equal(live_blocks, 0);
}

/* /dev/full: end() reports the write error naming the path. */
static void test_disk_full(void **state)
{
    fixture *fx = *state;
    quire_document doc = fixture_doc(fx, "/dev/full");
    quire_error err;
    plug p;

    if (access("/dev/full", W_OK) != 0)
        skip();
    plug_open(fx, &p, NULL);
    assert_int_equal(render(&p, &doc, fx->pf.pages, 2, &err), QUIRE_ERR);
    assert_int_equal(err.code, QUIRE_E_IO);
    assert_string_equal(err.msg, "cannot write '/dev/full': No space left on device");
    assert_int_equal(count_files("/dev", "full.tmp-"), 0);
    plug_close(&p);
    assert_int_equal(live_blocks, 0);
}

/* "-" writes the PDF to standard output. */
static void test_stdout(void **state)
{
    fixture *fx = *state;
    quire_document doc = fixture_doc(fx, "-");
    quire_error err;
    int fd, saved, rc;
    char *info;
    plug p;

    plug_open(fx, &p, NULL);
    fd = open("captured.pdf", O_WRONLY | O_CREAT | O_TRUNC, 0644);
    assert_true(fd >= 0);
    fflush(stdout);
    saved = dup(1);
    assert_int_equal(dup2(fd, 1), 1);
    rc = render(&p, &doc, fx->pf.pages, 2, &err);
    assert_int_equal(dup2(saved, 1), 1);
    close(saved);
    close(fd);
    if (rc != QUIRE_OK)
        fail_msg("render: %s", err.msg);
    info = run("pdfinfo captured.pdf");
    assert_string_equal(info_field(info, "Pages"), "2");
    free(info);
    assert_int_equal(count_files(".", "-"), 0);
    plug_close(&p);
    assert_int_equal(live_blocks, 0);
}

/* ============================== Page content on disk ====================== */

/* Open file descriptors of this process on files in the current
 * directory, named or not (an unnamed one reads "DIR/#123 (deleted)"). */
static int fds_here(void)
{
    char here[PATH_MAX], path[300], target[PATH_MAX];
    DIR *dir = opendir("/proc/self/fd");
    struct dirent *e;
    size_t len;
    int n = 0;

    assert_non_null(dir);
    assert_non_null(getcwd(here, sizeof(here)));
    len = strlen(here);
    while ((e = readdir(dir)) != NULL) {
        ssize_t got;
        if (e->d_name[0] == '.')
            continue;
        snprintf(path, sizeof(path), "/proc/self/fd/%s", e->d_name);
        got = readlink(path, target, sizeof(target) - 1);
        if (got <= 0)
            continue;
        target[got] = '\0';
        if (strncmp(target, here, len) == 0 && target[len] == '/')
            n++;
    }
    closedir(dir);
    return n;
}

/* Three hundred pages, each with its own line of text, every seventh of
 * another size than the first: each page shows its own line (the content
 * kept in the temporary file went back to the right page) in the size it
 * was sent, and the temporary file is invisible while rendering and gone
 * after end(). */
static void test_spool_many_pages(void **state)
{
    enum { PAGES = 300 };
    fixture *fx = *state;
    quire_document doc = fixture_doc(fx, "many.pdf");
    static char lines[PAGES][32];
    quire_element e[PAGES];
    quire_page pages[PAGES];
    quire_error err = {0};
    char *text, *info, *at, key[32];
    void *instance;
    plug p;

    for (int i = 0; i < PAGES; i++) {
        int odd = (i + 1) % 7 == 0;
        snprintf(lines[i], sizeof(lines[i]), "Line of page %d", i + 1);
        e[i] = text_element(lines[i], 20, 60, 12, 0);
        pages[i] = one_page(&e[i], 1, odd ? 300 : 400, odd ? 200 : 500);
        pages[i].number = (uint32_t)i + 1;
    }
    plug_open(fx, &p, NULL);
    assert_int_equal(p.ops->begin(p.rec->state_ptr, &doc, &instance, &err), QUIRE_OK);
    for (int i = 0; i < PAGES; i++)
        if (p.ops->page(instance, &pages[i], &err) != QUIRE_OK)
            fail_msg("page %d: %s", i + 1, err.msg);
    /* The output's temporary file and the unnamed one for the content. */
    assert_int_equal(fds_here(), 2);
    assert_int_equal(count_files(".", ""), 3); /* ".", ".." and many.pdf.tmp-* */
    assert_int_equal(count_files(".", "many.pdf.tmp-"), 1);
    if (p.ops->end(instance, &err) != QUIRE_OK)
        fail_msg("end: %s", err.msg);
    assert_int_equal(fds_here(), 0);
    assert_int_equal(count_files(".", ""), 3); /* ".", ".." and many.pdf */
    assert_int_equal(count_files(".", "many.pdf"), 1);

    text = run("pdftotext -layout many.pdf -");
    at = text;
    for (int i = 0; i < PAGES; i++) {
        char *end = strchr(at, '\f');
        assert_non_null(end);
        *end = '\0';
        if (strstr(at, lines[i]) == NULL)
            fail_msg("page %d shows '%s', not '%s'", i + 1, at, lines[i]);
        at = end + 1;
    }
    free(text);
    info = run("pdfinfo -f 1 -l %d many.pdf", PAGES);
    for (int i = 0; i < PAGES; i++) {
        int odd = (i + 1) % 7 == 0;
        snprintf(key, sizeof(key), "Page %4d size", i + 1);
        assert_string_equal(info_field(info, key), odd ? "300 x 200 pts" : "400 x 500 pts");
    }
    free(info);
    plug_close(&p);
    assert_int_equal(live_blocks, 0);
}

/* abort() after some pages closes both files and leaves nothing. */
static void test_spool_gone_after_abort(void **state)
{
    fixture *fx = *state;
    quire_document doc = fixture_doc(fx, "gone.pdf");
    quire_error err = {0};
    void *instance;
    plug p;

    plug_open(fx, &p, NULL);
    assert_int_equal(p.ops->begin(p.rec->state_ptr, &doc, &instance, &err), QUIRE_OK);
    assert_int_equal(p.ops->page(instance, &fx->pf.pages[0], &err), QUIRE_OK);
    assert_int_equal(p.ops->page(instance, &fx->pf.pages[1], &err), QUIRE_OK);
    assert_int_equal(fds_here(), 2);
    p.ops->abort(instance);
    assert_int_equal(fds_here(), 0);
    assert_int_equal(count_files(".", ""), 2);
    plug_close(&p);
    assert_int_equal(live_blocks, 0);
}

/* The content of standard output and devices waits in $TMPDIR: a missing
 * one fails in begin(), naming it; an existing one is left as it was. */
static void test_spool_tmpdir(void **state)
{
    fixture *fx = *state;
    quire_document doc = fixture_doc(fx, "/dev/null");
    const char *old = getenv("TMPDIR");
    char *saved = old ? strdup(old) : NULL, here[PATH_MAX];
    quire_error err;
    int rc;
    plug p;

    plug_open(fx, &p, NULL);
    setenv("TMPDIR", "/nonexistent-quire-tmp", 1);
    rc = render(&p, &doc, fx->pf.pages, 2, &err);
    assert_non_null(getcwd(here, sizeof(here)));
    setenv("TMPDIR", here, 1);
    if (rc == QUIRE_OK)
        fail_msg("rendered with TMPDIR missing");
    assert_int_equal(err.code, QUIRE_E_IO);
    assert_string_equal(err.msg, "cannot create the temporary file in "
                                 "'/nonexistent-quire-tmp': No such file or directory");
    render_ok(&p, &doc, fx->pf.pages, 2);
    assert_int_equal(count_files(".", ""), 2);
    if (saved != NULL)
        setenv("TMPDIR", saved, 1);
    else
        unsetenv("TMPDIR");
    free(saved);
    plug_close(&p);
    assert_int_equal(live_blocks, 0);
}

/* Renders pages of 40 long lines each, uncompressed, in a child process
 * whose files may not grow beyond 100 KB: the temporary file for the
 * content fills up first. Writes the error to `fd`; exits 0 when the
 * render failed and left no file. */
static void spool_full_child(const fixture *fx, int fd)
{
    enum { PAGES = 60, LINES = 40 };
    static const char line[] = "A line long enough to fill the page content quickly 0123456789";
    quire_document doc = fixture_doc(fx, "big.pdf");
    static quire_element e[LINES];
    quire_page pages[PAGES];
    struct rlimit limit = {100000, 100000};
    quire_error err;
    ssize_t n;
    plug p;

    signal(SIGXFSZ, SIG_IGN); /* write(2) fails with EFBIG instead */
    if (setrlimit(RLIMIT_FSIZE, &limit) != 0)
        _exit(2);
    for (int i = 0; i < LINES; i++)
        e[i] = text_element(line, 20, 20 + 14 * i, 10, 0);
    for (int i = 0; i < PAGES; i++) {
        pages[i] = one_page(e, LINES, 595, 842);
        pages[i].number = (uint32_t)i + 1;
    }
    plug_open(fx, &p, "compress = false\n");
    if (render(&p, &doc, pages, PAGES, &err) == QUIRE_OK)
        _exit(3);
    n = write(fd, err.msg, strlen(err.msg));
    plug_close(&p);
    _exit(n > 0 && count_files(".", "big") == 0 ? 0 : 4);
}

/* A full disk while the content is written: the page fails with the
 * reason, naming the directory, and nothing is left. */
static void test_spool_write_error(void **state)
{
    fixture *fx = *state;
    char msg[QUIRE_ERROR_MSG_MAX] = "";
    int fds[2], status;
    ssize_t n;
    pid_t pid;

    assert_int_equal(pipe(fds), 0);
    fflush(NULL);
    pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        close(fds[0]);
        spool_full_child(fx, fds[1]);
    }
    close(fds[1]);
    n = read(fds[0], msg, sizeof(msg) - 1);
    close(fds[0]);
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);
    assert_true(n > 0);
    msg[n] = '\0';
    assert_string_equal(msg, "cannot write the temporary file in '.': File too large");
    assert_int_equal(count_files(".", ""), 2);
}

/* begin(), page() and end() each on a thread of their own, as the kernel
 * may run them (page on the filler's renderer thread, end on the render
 * worker): libharu's memory follows the document, not the thread. */
typedef struct op_job {
    plug *p;
    void *instance;
    const quire_page *pages;
    int rc;
    quire_error err;
} op_job;

static void *pages_job(void *arg)
{
    op_job *j = arg;

    for (int i = 0; i < 2 && j->rc == QUIRE_OK; i++)
        j->rc = j->p->ops->page(j->instance, &j->pages[i], &j->err);
    return NULL;
}

static void *end_job(void *arg)
{
    op_job *j = arg;

    j->rc = j->p->ops->end(j->instance, &j->err);
    return NULL;
}

static void test_ops_on_other_threads(void **state)
{
    fixture *fx = *state;
    quire_document doc = fixture_doc(fx, "threads.pdf");
    pthread_t thread;
    op_job j;
    char *info;
    plug p;

    plug_open(fx, &p, NULL);
    memset(&j, 0, sizeof(j));
    j.p = &p;
    j.pages = fx->pf.pages;
    assert_int_equal(p.ops->begin(p.rec->state_ptr, &doc, &j.instance, &j.err), QUIRE_OK);
    assert_int_equal(pthread_create(&thread, NULL, pages_job, &j), 0);
    assert_int_equal(pthread_join(thread, NULL), 0);
    if (j.rc != QUIRE_OK)
        fail_msg("page: %s", j.err.msg);
    assert_int_equal(pthread_create(&thread, NULL, end_job, &j), 0);
    assert_int_equal(pthread_join(thread, NULL), 0);
    if (j.rc != QUIRE_OK)
        fail_msg("end: %s", j.err.msg);
    info = run("pdfinfo threads.pdf");
    assert_string_equal(info_field(info, "Pages"), "2");
    free(info);
    plug_close(&p);
    assert_int_equal(live_blocks, 0);
}

/* ============================== Clipping and sizes ======================== */

/* Forty nested clip boxes (libharu alone allows 28 saved states): a
 * rectangle filling the page shows only inside their intersection, and
 * after the last pop an unclipped one shows everywhere it covers. */
static void test_deep_clip_nesting(void **state)
{
    fixture *fx = *state;
    quire_document doc = fixture_doc(fx, "clip.pdf");
    quire_element e[84];
    quire_page page;
    size_t n = 0;
    ppm img;
    plug p;

    memset(e, 0, sizeof(e));
    /* Box i: (i, 2i) to (300 - i, 300 - 2i); the intersection of all is
     * (39, 78) to (261, 222). */
    for (int i = 0; i < 40; i++, n++) {
        e[n].kind = QUIRE_EL_CLIP_PUSH;
        e[n].x = i;
        e[n].y = 2 * i;
        e[n].width = 300 - 2 * i;
        e[n].height = 300 - 4 * i;
    }
    e[n].kind = QUIRE_EL_RECT;
    e[n].width = 400;
    e[n].height = 400;
    e[n].fill = (quire_color){0xff, 0, 0, 255};
    n++;
    for (int i = 0; i < 40; i++)
        e[n++].kind = QUIRE_EL_CLIP_POP;
    e[n].kind = QUIRE_EL_RECT;
    e[n].x = 0;
    e[n].y = 340;
    e[n].width = 400;
    e[n].height = 60;
    e[n].fill = (quire_color){0, 0, 0xff, 255};
    n++;
    page = one_page(e, n, 400, 400);
    plug_open(fx, &p, NULL);
    render_ok(&p, &doc, &page, 1);
    rasterise("clip.pdf", 1, 72, &img);
    assert_pixel(pixel_at(&img, 150, 150, 72), 0xff, 0, 0, 0);
    assert_pixel(pixel_at(&img, 41, 80, 72), 0xff, 0, 0, 0);
    assert_pixel(pixel_at(&img, 259, 220, 72), 0xff, 0, 0, 0);
    assert_pixel(pixel_at(&img, 36, 150, 72), 0xff, 0xff, 0xff, 0); /* left of box 39 */
    assert_pixel(pixel_at(&img, 150, 75, 72), 0xff, 0xff, 0xff, 0); /* above box 39 */
    assert_pixel(pixel_at(&img, 150, 225, 72), 0xff, 0xff, 0xff, 0);
    assert_pixel(pixel_at(&img, 264, 150, 72), 0xff, 0xff, 0xff, 0);
    assert_pixel(pixel_at(&img, 5, 370, 72), 0, 0, 0xff, 0);
    assert_pixel(pixel_at(&img, 395, 370, 72), 0, 0, 0xff, 0);
    free(img.file);
    plug_close(&p);
    assert_int_equal(live_blocks, 0);
}

/* Text beyond libharu's 600-point limit is drawn at its size: twice the
 * width of the same text at half the size. */
static void test_huge_text(void **state)
{
    fixture *fx = *state;
    quire_document doc = fixture_doc(fx, "huge.pdf");
    quire_element e[2];
    quire_page page;
    word w[4];
    plug p;

    e[0] = text_element("Hi", 100, 500, 350, 0);
    e[1] = text_element("Hi", 100, 1300, 700, 0);
    page = one_page(e, 2, 2000, 1500);
    plug_open(fx, &p, NULL);
    render_ok(&p, &doc, &page, 1);
    assert_int_equal(read_words("huge.pdf", w, 4), 2);
    assert_true(fabs(w[1].x0 - 100) < 0.05);
    assert_true(fabs((w[1].x1 - w[1].x0) - 2 * (w[0].x1 - w[0].x0)) < 0.1);
    assert_true(w[1].y0 > 1300 - 700 && w[1].y0 < 1300 - 700 * 0.7);
    plug_close(&p);
    assert_int_equal(live_blocks, 0);
}

/* More pages than one /Kids array may hold (32767 in PDF 1.4 and
 * libharu): the page tree has nodes of 256 pages, so 33000 empty pages
 * make a valid file. */
static void test_page_tree_beyond_array_limit(void **state)
{
    enum { PAGES = 33000 };
    fixture *fx = *state;
    quire_document doc = fixture_doc(fx, "tree.pdf");
    quire_page *pages = calloc(PAGES, sizeof(*pages));
    char *info;
    plug p;

    assert_non_null(pages);
    for (int i = 0; i < PAGES; i++) {
        pages[i] = one_page(NULL, 0, 100, 100);
        pages[i].number = (uint32_t)i + 1;
    }
    plug_open(fx, &p, NULL);
    render_ok(&p, &doc, pages, PAGES);
    info = run("pdfinfo tree.pdf");
    assert_string_equal(info_field(info, "Pages"), "33000");
    free(info);
    free(pages);
    plug_close(&p);
    assert_int_equal(live_blocks, 0);
}

/* Two documents rendered at once on two threads (the ABI's render
 * workers) both come out whole. */
typedef struct job {
    plug *p;
    quire_document doc;
    const quire_page *pages;
    int rc;
    quire_error err;
} job;

static void *render_job(void *arg)
{
    job *j = arg;

    for (int i = 0; i < 3 && j->rc == QUIRE_OK; i++)
        j->rc = render(j->p, &j->doc, j->pages, 2, &j->err);
    return NULL;
}

static void test_concurrent_documents(void **state)
{
    fixture *fx = *state;
    pthread_t threads[2];
    job jobs[2];
    char *info;
    plug p;

    plug_open(fx, &p, NULL);
    for (int i = 0; i < 2; i++) {
        memset(&jobs[i], 0, sizeof(jobs[i]));
        jobs[i].p = &p;
        jobs[i].doc = fixture_doc(fx, i == 0 ? "a.pdf" : "b.pdf");
        jobs[i].pages = fx->pf.pages;
        assert_int_equal(pthread_create(&threads[i], NULL, render_job, &jobs[i]), 0);
    }
    for (int i = 0; i < 2; i++) {
        assert_int_equal(pthread_join(threads[i], NULL), 0);
        if (jobs[i].rc != QUIRE_OK)
            fail_msg("render: %s", jobs[i].err.msg);
        info = run("pdfinfo %s", jobs[i].doc.output_path);
        assert_string_equal(info_field(info, "Pages"), "2");
        free(info);
    }
    plug_close(&p);
    assert_int_equal(live_blocks, 0);
}

/* ============================== Slots (LATE) ============================== */

/* One slot() call: the page that carried the slot, its id, its elements. */
typedef struct slot_fill {
    uint32_t page, id;
    const quire_element *elements;
    size_t n;
} slot_fill;

/* begin, every page, the fills in the order given, end: what a kernel
 * does for a LATE format. A failing page or slot is followed by abort().
 * Returns the first failure's status with *err set. */
static int render_late(plug *p, const quire_document *doc, const quire_page *pages, size_t npages,
                       const slot_fill *fills, size_t nfills, quire_error *err)
{
    void *instance = NULL;

    memset(err, 0, sizeof(*err));
    if (p->ops->begin(p->rec->state_ptr, doc, &instance, err) != QUIRE_OK)
        return QUIRE_ERR;
    for (size_t i = 0; i < npages; i++) {
        if (p->ops->page(instance, &pages[i], err) != QUIRE_OK) {
            p->ops->abort(instance);
            return QUIRE_ERR;
        }
    }
    for (size_t i = 0; i < nfills; i++) {
        if (p->ops->slot(instance, fills[i].page, fills[i].id, fills[i].elements, fills[i].n,
                         err) != QUIRE_OK) {
            p->ops->abort(instance);
            return QUIRE_ERR;
        }
    }
    return p->ops->end(instance, err);
}

static void render_late_ok(plug *p, const quire_document *doc, const quire_page *pages,
                           size_t npages, const slot_fill *fills, size_t nfills)
{
    quire_error err;

    if (render_late(p, doc, pages, npages, fills, nfills, &err) != QUIRE_OK)
        fail_msg("render: %s", err.msg);
}

/* A SLOT element standing for a delayed value in the box given. */
static quire_element slot_element(uint32_t id, double x, double y, double width, double height)
{
    quire_element e;

    memset(&e, 0, sizeof(e));
    e.kind = QUIRE_EL_SLOT;
    e.band = QUIRE_BAND_PAGE_FOOTER;
    e.x = x;
    e.y = y;
    e.width = width;
    e.height = height;
    e.u.slot.id = id;
    return e;
}

/* Three pages, each with a body line and a footer slot, the slots filled
 * last page first with "Page N of 3" (what a kernel does once it knows
 * the page count): every page shows its own footer, on its own page, and
 * poppler has nothing to warn about; compressed and not. */
static void test_slot_page_x_of_y(void **state)
{
    static const char *const footers[3] = {"Page 1 of 3", "Page 2 of 3", "Page 3 of 3"};
    static const char *const configs[2] = {NULL, "compress = false\n"};
    fixture *fx = *state;
    quire_document doc = fixture_doc(fx, "late.pdf");
    quire_element body[3][2], footer[3][1];
    quire_page pages[3];
    slot_fill fills[3];
    char *text;
    word w[8];
    plug p;

    for (int i = 0; i < 3; i++) {
        body[i][0] = text_element(i == 0 ? "First" : i == 1 ? "Second" : "Third", 50, 100, 12, 0);
        body[i][1] = slot_element((uint32_t)i + 1, 300, 380, 100, 12);
        pages[i] = one_page(body[i], 2, 400, 400);
        pages[i].number = (uint32_t)i + 1;
        footer[i][0] = text_element(footers[i], 300, 390, 10, 0);
        fills[2 - i] = (slot_fill){(uint32_t)i + 1, (uint32_t)i + 1, footer[i], 1};
    }
    for (int c = 0; c < 2; c++) {
        plug_open(fx, &p, configs[c]);
        render_late_ok(&p, &doc, pages, 3, fills, 3);
        for (int i = 0; i < 3; i++) {
            text = run("pdftotext -f %d -l %d -layout late.pdf -", i + 1, i + 1);
            if (strstr(text, footers[i]) == NULL)
                fail_msg("page %d: no '%s' in '%s'", i + 1, footers[i], text);
            for (int j = 0; j < 3; j++)
                if (j != i)
                    assert_null(strstr(text, footers[j]));
            free(text);
        }
        /* The footer stands where its element says: "Page" at x = 300,
         * on the baseline 390. */
        assert_int_equal(read_page_words("late.pdf", 2, w, 8), 5); /* Second Page 2 of 3 */
        assert_string_equal(w[1].text, "Page");
        assert_true(fabs(w[1].x0 - 300) < 0.05);
        assert_true(w[1].y1 > 390 && w[1].y1 < 390 + 10 * 0.4);
        text = run("pdftotext late.pdf /dev/null 2>&1");
        assert_string_equal(text, "");
        free(text);
        plug_close(&p);
    }
    assert_int_equal(live_blocks, 0);
}

/* The slot is painted where it stands in the page's painting order, not
 * when its elements came: pdftotext -raw keeps the order of the content
 * streams ("Alpha", the slot's "Beta", "Gamma") though Beta stands
 * highest on the page and Alpha lowest. And a rectangle
 * painted after the slot covers the slot's text, one painted before it
 * does not. */
static void test_slot_painting_order(void **state)
{
    fixture *fx = *state;
    quire_document doc = fixture_doc(fx, "order.pdf");
    quire_element e[6], beta[3];
    quire_page page;
    char *text;
    ppm img;
    plug p;

    e[0] = text_element("Alpha", 50, 300, 12, 0);
    /* A white rectangle before slot 1: the slot's block shows over it. */
    memset(&e[1], 0, sizeof(e[1]));
    e[1].kind = QUIRE_EL_RECT;
    e[1].x = 40;
    e[1].y = 40;
    e[1].width = 80;
    e[1].height = 80;
    e[1].fill = (quire_color){0xff, 0xff, 0xff, 255};
    e[2] = slot_element(1, 50, 50, 300, 50);
    e[3] = text_element("Gamma", 50, 200, 12, 0);
    /* A white rectangle after slot 1 over its second block. */
    e[4] = e[1];
    e[4].x = 240;
    e[5] = slot_element(2, 0, 0, 1, 1); /* filled with nothing */
    beta[0] = text_element("Beta", 150, 100, 12, 0);
    beta[1] = text_element("\xe2\x96\x88", 60, 100, 40, 0);
    beta[2] = text_element("\xe2\x96\x88", 250, 100, 40, 0);
    page = one_page(e, 6, 400, 400);
    plug_open(fx, &p, NULL);
    {
        slot_fill fills[2] = {{1, 2, NULL, 0}, {1, 1, beta, 3}};
        render_late_ok(&p, &doc, &page, 1, fills, 2);
    }
    text = run("pdftotext -raw order.pdf -");
    assert_non_null(strstr(text, "Alpha"));
    assert_true(strstr(text, "Alpha") < strstr(text, "Beta"));
    assert_true(strstr(text, "Beta") < strstr(text, "Gamma"));
    free(text);
    /* By position the order is Beta, Gamma, Alpha: -raw did not sort. */
    {
        word w[8];
        double y[3] = {0, 0, 0};
        size_t n = read_words("order.pdf", w, 8);
        for (size_t i = 0; i < n; i++)
            for (int k = 0; k < 3; k++)
                if (strcmp(w[i].text, k == 0 ? "Beta" : k == 1 ? "Gamma" : "Alpha") == 0)
                    y[k] = w[i].y1;
        assert_true(y[0] > 0 && y[0] < y[1] && y[1] < y[2]);
    }
    rasterise("order.pdf", 1, 72, &img);
    /* The block at x 60..90 shows over the earlier rectangle; the one at
     * 250..280 is under the later one. */
    assert_pixel(pixel_at(&img, 70, 90, 72), 0, 0, 0, 0);
    assert_int_equal(dark_pixels(&img, 240, 40, 320, 120, 72), 0);
    free(img.file);
    plug_close(&p);
    assert_int_equal(live_blocks, 0);
}

/* A slot filled with no elements prints nothing and breaks nothing: the
 * text around it is all there, in order. */
static void test_slot_empty(void **state)
{
    fixture *fx = *state;
    quire_document doc = fixture_doc(fx, "empty-slot.pdf");
    quire_element e[4];
    quire_page page;
    slot_fill fills[2] = {{1, 7, NULL, 0}, {1, 8, NULL, 0}};
    char *text;
    plug p;

    e[0] = text_element("before", 50, 100, 12, 0);
    e[1] = slot_element(7, 50, 110, 100, 12);
    e[2] = slot_element(8, 50, 130, 100, 12); /* two slots in a row */
    e[3] = text_element("after", 50, 160, 12, 0);
    page = one_page(e, 4, 300, 300);
    plug_open(fx, &p, NULL);
    render_late_ok(&p, &doc, &page, 1, fills, 2);
    text = run("pdftotext -raw empty-slot.pdf -");
    assert_string_equal(text, "before\nafter\n\f");
    free(text);
    plug_close(&p);
    assert_int_equal(live_blocks, 0);
}

/* A character only a slot shows (a 200-point Psi, U+03A8, on no page and
 * in no other slot) is in the embedded subset: it paints the same pixels
 * as when the page itself shows it, and pdftotext reads it. */
static void test_slot_glyph_in_subset(void **state)
{
    fixture *fx = *state;
    quire_document doc = fixture_doc(fx, "psi.pdf");
    quire_element page_el[2], slot_el[1];
    quire_page page;
    slot_fill fill = {1, 1, slot_el, 1};
    int in_slot, on_page;
    char *text;
    ppm img;
    plug p;

    page_el[0] = text_element("A", 20, 50, 10, 0);
    page_el[1] = slot_element(1, 50, 100, 200, 150);
    slot_el[0] = text_element("\xce\xa8", 50, 250, 200, 0);
    page = one_page(page_el, 2, 300, 300);
    plug_open(fx, &p, NULL);
    render_late_ok(&p, &doc, &page, 1, &fill, 1);
    rasterise("psi.pdf", 1, 72, &img);
    in_slot = dark_pixels(&img, 50, 90, 250, 260, 72);
    free(img.file);
    text = run("pdftotext psi.pdf -");
    assert_non_null(strstr(text, "\xce\xa8"));
    free(text);
    /* The same glyph drawn by the page itself. */
    page_el[1] = slot_el[0];
    render_ok(&p, &doc, &page, 1);
    rasterise("psi.pdf", 1, 72, &img);
    on_page = dark_pixels(&img, 50, 90, 250, 260, 72);
    free(img.file);
    assert_true(on_page > 3000);
    assert_int_equal(in_slot, on_page);
    plug_close(&p);
    assert_int_equal(live_blocks, 0);
}

/* A slot's Latin-1 text is one byte a character too, in a variant first
 * made for it (the page before shows only a euro sign), which every page
 * can use: the page's resources are the document's. pdftotext reads the
 * page and the slot, and poppler says nothing. */
static void test_slot_latin1(void **state)
{
    static const char gross[] = "(Gr\366\337e 1) Tj\n";
    fixture *fx = *state;
    quire_document doc = fixture_doc(fx, "sl1.pdf");
    quire_element page_el[2], slot_el[1];
    quire_page page;
    slot_fill fill = {1, 1, slot_el, 1};
    stream_view v[4];
    pdf_objects o;
    char tf[4][16], *text, *font;
    plug p;

    page_el[0] = text_element("\xe2\x82\xac", 20, 50, 10, 0);
    page_el[1] = slot_element(1, 20, 80, 200, 20);
    slot_el[0] = text_element("Gr\303\266\303\237e 1", 20, 95, 10, 0);
    page = one_page(page_el, 2, 300, 200);
    plug_open(fx, &p, "compress = false\n");
    render_late_ok(&p, &doc, &page, 1, &fill, 1);
    objects_read("sl1.pdf", &o);
    assert_int_equal(page_streams(&o, 1, v, 4), 2);
    assert_true(HAS_BYTES(v[1], gross));
    assert_int_equal(tf_names(v[1], tf, 4), 1);
    font = object_body(&o, font_resource(&o, tf[0]));
    assert_non_null(strstr(font, "/Subtype /Type0"));
    assert_null(strstr(font, "/Identity-H"));
    free(font);
    assert_int_equal(tf_names(v[0], tf, 4), 1);
    font = object_body(&o, font_resource(&o, tf[0]));
    assert_non_null(strstr(font, "/Encoding /Identity-H"));
    free(font);
    free(o.raw);
    text = run("pdftotext sl1.pdf - 2>&1");
    assert_non_null(strstr(text, "\xe2\x82\xac"));
    assert_non_null(strstr(text, "Gr\303\266\303\237e 1"));
    free(text);
    text = run("pdffonts sl1.pdf 2>&1 >/dev/null");
    assert_string_equal(text, "");
    free(text);
    plug_close(&p);
    assert_int_equal(live_blocks, 0);
}

/* The slot's stream sets what it uses and gives the state back: a slot
 * painting a bigger, bold, half-transparent red block between two black
 * blocks of the page leaves the second page block black, opaque and as
 * wide as the first (the page's content after the slot sets none of it
 * again). Uncompressed, the slot's stream is q ... Q with its own alpha
 * state, colour and font. */
static void test_slot_graphics_state(void **state)
{
    fixture *fx = *state;
    quire_document doc = fixture_doc(fx, "gstate.pdf");
    quire_element e[3], red[1];
    quire_page page;
    slot_fill fill = {1, 1, red, 1};
    stream_view v[4];
    pdf_objects o;
    char *slot_text;
    ppm img;
    plug p;

    e[0] = text_element("\xe2\x96\x88", 50, 100, 40, 0);
    e[1] = slot_element(1, 120, 40, 60, 70);
    e[2] = text_element("\xe2\x96\x88", 250, 100, 40, 0);
    red[0] = text_element("\xe2\x96\x88", 150, 100, 60, 0);
    red[0].fill = (quire_color){0xff, 0, 0, 128};
    red[0].u.text.font = 1;
    page = one_page(e, 3, 400, 200);
    plug_open(fx, &p, "compress = false\n");
    render_late_ok(&p, &doc, &page, 1, &fill, 1);
    rasterise("gstate.pdf", 1, 72, &img);
    /* Block widths: U+2588 is 0.77 em: 30.8 points at 40, 46.2 at 60. */
    assert_pixel(pixel_at(&img, 60, 90, 72), 0, 0, 0, 0);
    assert_pixel(pixel_at(&img, 78, 90, 72), 0, 0, 0, 0);
    assert_pixel(pixel_at(&img, 84, 90, 72), 0xff, 0xff, 0xff, 0);
    /* Half red over white: #ff7f7f. */
    assert_pixel(pixel_at(&img, 170, 90, 72), 0xff, 0x7f, 0x7f, 2);
    assert_pixel(pixel_at(&img, 260, 90, 72), 0, 0, 0, 0);
    assert_pixel(pixel_at(&img, 278, 90, 72), 0, 0, 0, 0);
    assert_pixel(pixel_at(&img, 284, 90, 72), 0xff, 0xff, 0xff, 0);
    free(img.file);
    objects_read("gstate.pdf", &o);
    /* Before the slot, the slot, after it. */
    assert_int_equal(page_streams(&o, 1, v, 4), 3);
    slot_text = strndup(v[1].data, v[1].len);
    assert_true(strncmp(slot_text, "q\n", 2) == 0);
    assert_true(v[1].len > 2 && strcmp(slot_text + v[1].len - 2, "Q\n") == 0);
    assert_non_null(strstr(slot_text, " gs\n"));
    assert_non_null(strstr(slot_text, "1 0 0 rg\n"));
    assert_non_null(strstr(slot_text, " 60 Tf\n"));
    free(slot_text);
    /* No text object is left open where a stream ends. */
    assert_int_equal(count_in(v[0].data, v[0].len, "BT\n"), count_in(v[0].data, v[0].len, "ET\n"));
    assert_int_equal(count_in(v[2].data, v[2].len, "BT\n"), count_in(v[2].data, v[2].len, "ET\n"));
    free(o.raw);
    plug_close(&p);
    assert_int_equal(live_blocks, 0);
}

/* A slot inside a clip region is clipped like the element it stands for:
 * the clip box stays open across the stream boundary. */
static void test_slot_clipped(void **state)
{
    fixture *fx = *state;
    quire_document doc = fixture_doc(fx, "clipslot.pdf");
    quire_element e[3], wide[1];
    quire_page page;
    slot_fill fill = {1, 1, wide, 1};
    ppm img;
    plug p;

    memset(e, 0, sizeof(e));
    e[0].kind = QUIRE_EL_CLIP_PUSH;
    e[0].x = 50;
    e[0].y = 50;
    e[0].width = 40;
    e[0].height = 60;
    e[1] = slot_element(1, 50, 50, 40, 60);
    e[2].kind = QUIRE_EL_CLIP_POP;
    /* Four blocks of 40 points: 123 points wide, cut at x = 90. */
    wide[0] = text_element("\xe2\x96\x88\xe2\x96\x88\xe2\x96\x88\xe2\x96\x88", 50, 100, 40, 0);
    page = one_page(e, 3, 300, 200);
    plug_open(fx, &p, NULL);
    render_late_ok(&p, &doc, &page, 1, &fill, 1);
    rasterise("clipslot.pdf", 1, 72, &img);
    assert_pixel(pixel_at(&img, 70, 90, 72), 0, 0, 0, 0);
    assert_int_equal(dark_pixels(&img, 93, 40, 200, 120, 72), 0);
    free(img.file);
    plug_close(&p);
    assert_int_equal(live_blocks, 0);
}

/* With compression on, the streams of a page with slots are deflated and
 * say so, the page's /Contents being the array of them; a slot's stream
 * of a few operators, which deflate would not shorten, stays as it is. */
static void test_slot_streams_compressed(void **state)
{
    fixture *fx = *state;
    quire_document doc = fixture_doc(fx, "zslot.pdf");
    quire_element e[41], footer[1];
    char labels[40][24];
    quire_page page;
    slot_fill fill = {1, 1, footer, 1};
    stream_view v[4];
    pdf_objects o;
    char *text;
    plug p;

    for (int i = 0; i < 40; i++) {
        snprintf(labels[i], sizeof(labels[i]), "line %d", i);
        e[i < 20 ? i : i + 1] = text_element(labels[i], 50, 20 + 7 * i, 6, 0);
    }
    e[20] = slot_element(1, 200, 150, 100, 12);
    footer[0] = text_element("Page 1 of 1", 200, 160, 10, 0);
    page = one_page(e, 41, 300, 320);
    plug_open(fx, &p, NULL);
    render_late_ok(&p, &doc, &page, 1, &fill, 1);
    objects_read("zslot.pdf", &o);
    assert_int_equal(page_streams(&o, 1, v, 4), 3);
    for (int i = 0; i < 3; i += 2) {
        assert_int_equal(count_in(v[i].dict, v[i].dict_len, "/Filter /FlateDecode"), 1);
        assert_true(v[i].len > 2 && (unsigned char)v[i].data[0] == 0x78);
    }
    assert_null(find(v[1].dict, v[1].dict_len, "/Filter"));
    assert_true(v[1].len > 2 && strncmp(v[1].data, "q\n", 2) == 0);
    free(o.raw);
    text = run("pdftotext -raw zslot.pdf -");
    assert_non_null(strstr(text, "line 19\nPage 1 of 1\nline 20"));
    free(text);
    plug_close(&p);
    assert_int_equal(live_blocks, 0);
}

/* A kernel that sends a slot nobody asked for, fills one twice, names the
 * wrong page or never fills one gets an error naming the slot and its
 * page, and no file; so does a page with a slot id used before, or 0, and
 * a slot whose elements hold a slot or a bad path. */
static void test_slot_errors(void **state)
{
    static const uint8_t verbs[] = {QUIRE_PATH_MOVE, QUIRE_PATH_LINE};
    static const double points[] = {0, 0};
    fixture *fx = *state;
    quire_document doc = fixture_doc(fx, "bad.pdf");
    quire_element e1[2], e2[2], text[1], nested[1], path[1];
    quire_page pages[2];
    quire_error err;
    plug p;

    e1[0] = text_element("one", 50, 100, 12, 0);
    e1[1] = slot_element(1, 50, 150, 100, 12);
    e2[0] = slot_element(2, 50, 50, 100, 12);
    e2[1] = slot_element(3, 50, 150, 100, 12);
    pages[0] = one_page(e1, 2, 300, 300);
    pages[1] = one_page(e2, 2, 300, 300);
    pages[1].number = 2;
    text[0] = text_element("x", 50, 160, 10, 0);
    nested[0] = slot_element(4, 0, 0, 1, 1);
    memset(path, 0, sizeof(path));
    path[0].kind = QUIRE_EL_PATH;
    path[0].fill = (quire_color){0, 0, 0, 255};
    path[0].u.path.verbs = verbs;
    path[0].u.path.nverbs = 2;
    path[0].u.path.points = points;
    path[0].u.path.npoints = 1;
    plug_open(fx, &p, NULL);
    {
        slot_fill fills[] = {{1, 9, text, 1}};
        assert_int_equal(render_late(&p, &doc, pages, 2, fills, 1, &err), QUIRE_ERR);
        assert_int_equal(err.code, QUIRE_E_INTERNAL);
        assert_string_equal(err.msg, "page 1, slot 9: no page sent has this slot");
    }
    {
        slot_fill fills[] = {{1, 1, text, 1}, {1, 1, text, 1}};
        assert_int_equal(render_late(&p, &doc, pages, 2, fills, 2, &err), QUIRE_ERR);
        assert_string_equal(err.msg, "page 1, slot 1: filled twice");
    }
    {
        slot_fill fills[] = {{2, 1, text, 1}};
        assert_int_equal(render_late(&p, &doc, pages, 2, fills, 1, &err), QUIRE_ERR);
        assert_string_equal(err.msg, "page 2, slot 1: the slot is on page 1");
    }
    {
        /* Slot 3 filled, 1 and 2 not: end() names the lowest. */
        slot_fill fills[] = {{2, 3, text, 1}};
        assert_int_equal(render_late(&p, &doc, pages, 2, fills, 1, &err), QUIRE_ERR);
        assert_int_equal(err.code, QUIRE_E_INTERNAL);
        assert_string_equal(err.msg, "page 1, slot 1: never filled (the first of 2)");
    }
    {
        slot_fill fills[] = {{1, 1, nested, 1}};
        assert_int_equal(render_late(&p, &doc, pages, 2, fills, 1, &err), QUIRE_ERR);
        assert_string_equal(err.msg, "page 1, slot 1, element 1: a slot inside a slot");
        fills[0].elements = path;
        assert_int_equal(render_late(&p, &doc, pages, 2, fills, 1, &err), QUIRE_ERR);
        assert_string_equal(err.msg,
                            "page 1, slot 1, element 1: path verbs take 2 points, 1 given");
        fills[0].elements = NULL;
        assert_int_equal(render_late(&p, &doc, pages, 2, fills, 1, &err), QUIRE_ERR);
        assert_string_equal(err.msg, "page 1, slot 1: 1 elements but no array");
    }
    e2[0].u.slot.id = 1;
    assert_int_equal(render_late(&p, &doc, pages, 2, NULL, 0, &err), QUIRE_ERR);
    assert_string_equal(err.msg, "page 2, element 1: slot 1 is already on page 1");
    e2[0].u.slot.id = 0;
    assert_int_equal(render_late(&p, &doc, pages, 2, NULL, 0, &err), QUIRE_ERR);
    assert_string_equal(err.msg, "page 2, element 1: slot id 0 (ids start at 1)");
    assert_int_equal(count_files(".", "bad.pdf"), 0);
    /* After a failed slot, end() fails too and leaves no file. */
    {
        void *instance;
        e2[0].u.slot.id = 2;
        assert_int_equal(p.ops->begin(p.rec->state_ptr, &doc, &instance, &err), QUIRE_OK);
        assert_int_equal(p.ops->page(instance, &pages[0], &err), QUIRE_OK);
        assert_int_equal(p.ops->slot(instance, 1, 5, text, 1, &err), QUIRE_ERR);
        assert_int_equal(p.ops->end(instance, &err), QUIRE_ERR);
        assert_string_equal(err.msg, "page 1, slot 5: no page sent has this slot");
        assert_int_equal(count_files(".", "bad.pdf"), 0);
    }
    plug_close(&p);
    assert_int_equal(live_blocks, 0);
}

/* Many slots: 300 pages (more than one node of the page tree) with two
 * slots each, filled in an order unrelated to the pages (the table grows
 * as it goes); every page shows its own two values. */
static void test_slot_many(void **state)
{
    enum { PAGES = 300 };
    fixture *fx = *state;
    quire_document doc = fixture_doc(fx, "many.pdf");
    quire_element(*e)[2] = calloc(PAGES, sizeof(*e));
    quire_element(*values)[1] = calloc(2 * PAGES, sizeof(*values));
    char(*labels)[32] = calloc(2 * PAGES, sizeof(*labels));
    quire_page *pages = calloc(PAGES, sizeof(*pages));
    slot_fill *fills = calloc(2 * PAGES, sizeof(*fills));
    char *text, *info;
    plug p;

    assert_true(e && values && labels && pages && fills);
    for (int i = 0; i < PAGES; i++) {
        e[i][0] = slot_element(2 * (uint32_t)i + 1, 20, 20, 100, 12);
        e[i][1] = slot_element(2 * (uint32_t)i + 2, 20, 60, 100, 12);
        pages[i] = one_page(e[i], 2, 200, 100);
        pages[i].number = (uint32_t)i + 1;
    }
    /* Slot k (1-based) is filled k * 7 mod 601 places in: 7 and 601 share
     * no factor, so every slot comes once, in a scattered order. */
    for (int k = 0; k < 2 * PAGES; k++) {
        int id = (k * 7) % (2 * PAGES) + 1, page = (id + 1) / 2;
        snprintf(labels[id - 1], sizeof(labels[0]), "v%d-%d", page, id);
        values[id - 1][0] = text_element(labels[id - 1], 20, id % 2 ? 30 : 70, 10, 0);
        fills[k] = (slot_fill){(uint32_t)page, (uint32_t)id, values[id - 1], 1};
    }
    plug_open(fx, &p, NULL);
    render_late_ok(&p, &doc, pages, PAGES, fills, 2 * PAGES);
    info = run("pdfinfo many.pdf");
    assert_string_equal(info_field(info, "Pages"), "300");
    free(info);
    for (int page = 1; page <= PAGES; page += 149) { /* 1, 150, 299 */
        char a[32], b[32];
        text = run("pdftotext -raw -f %d -l %d many.pdf -", page, page);
        snprintf(a, sizeof(a), "v%d-%d", page, 2 * page - 1);
        snprintf(b, sizeof(b), "v%d-%d", page, 2 * page);
        if (strstr(text, a) == NULL || strstr(text, b) == NULL)
            fail_msg("page %d: '%s' and '%s' not in '%s'", page, a, b, text);
        free(text);
    }
    plug_close(&p);
    free(e);
    free(values);
    free(labels);
    free(pages);
    free(fills);
    assert_int_equal(live_blocks, 0);
}

/* ============================== Bad input ================================= */

/* Renders the fixture with `doc`; expects the failure `msg` and no file. */
static void expect_failure(plug *p, const quire_document *doc, const quire_page *pages, size_t n,
                           const char *msg)
{
    quire_error err;

    assert_int_equal(render(p, doc, pages, n, &err), QUIRE_ERR);
    assert_string_equal(err.msg, msg);
    assert_int_equal(count_files(".", "bad.pdf"), 0);
}

/* A font file that is missing or not a font: the error names the file. */
static void test_bad_font(void **state)
{
    fixture *fx = *state;
    quire_document doc = fixture_doc(fx, "bad.pdf");
    quire_font fonts[3];
    quire_error err;
    FILE *fp;
    plug p;

    memcpy(fonts, fx->pf.fonts, sizeof(fonts));
    doc.fonts = fonts;
    fonts[1].path = "/nonexistent/DejaVuSans-Bold.ttf";
    plug_open(fx, &p, NULL);
    expect_failure(&p, &doc, fx->pf.pages, 2,
                   "font 'DejaVu Sans' bold: cannot open '/nonexistent/DejaVuSans-Bold.ttf': No "
                   "such file or directory");
    fp = fopen("fake.ttf", "w");
    assert_non_null(fp);
    fputs("this is not a TrueType font, though it is long enough to be read\n", fp);
    fclose(fp);
    fonts[1].path = "fake.ttf";
    assert_int_equal(render(&p, &doc, fx->pf.pages, 2, &err), QUIRE_ERR);
    assert_true(strncmp(err.msg, "font 'DejaVu Sans' bold: cannot embed 'fake.ttf': ", 50) == 0);
    assert_int_equal(count_files(".", "bad.pdf"), 0);
    /* A font no text uses is never opened. */
    fonts[1] = fx->pf.fonts[1];
    fonts[2].path = "/nonexistent/unused.ttf";
    {
        quire_page first = fx->pf.pages[1]; /* page 2 uses fonts 0 and 1 */
        render_ok(&p, &doc, &first, 1);
    }
    plug_close(&p);
    assert_int_equal(live_blocks, 0);
}

/* Images that cannot be decoded: the error names the file; no crash (a
 * corrupt PNG would make libharu's own loader abort the process). */
static void test_bad_image(void **state)
{
    fixture *fx = *state;
    quire_document doc = fixture_doc(fx, "bad.pdf");
    quire_image images[2];
    uint8_t png[200], jpeg[64];
    quire_error err;
    plug p;

    memcpy(images, fx->pf.images, sizeof(images));
    doc.images = images;
    plug_open(fx, &p, NULL);
    /* The PNG signature and header, then garbage. */
    memcpy(png, fx->pf.images[0].data, 33);
    memset(png + 33, 0x5a, sizeof(png) - 33);
    images[0].data = png;
    images[0].len = sizeof(png);
    images[0].path = "broken.png";
    assert_int_equal(render(&p, &doc, fx->pf.pages, 2, &err), QUIRE_ERR);
    assert_true(strncmp(err.msg, "image 'broken.png': ", 20) == 0);
    assert_int_equal(count_files(".", "bad.pdf"), 0);
    /* Not a PNG at all. */
    images[0].data = (const uint8_t *)"GIF89a....";
    images[0].len = 10;
    assert_int_equal(render(&p, &doc, fx->pf.pages, 2, &err), QUIRE_ERR);
    assert_true(strncmp(err.msg, "image 'broken.png': ", 20) == 0);
    /* A JPEG whose first segment has length 0: libharu would loop forever. */
    images[0] = fx->pf.images[0];
    memset(jpeg, 0, sizeof(jpeg));
    memcpy(jpeg, "\xff\xd8\xff\xe0\x00\x00", 6);
    images[1].data = jpeg;
    images[1].len = sizeof(jpeg);
    images[1].path = "loop.jpg";
    expect_failure(&p, &doc, fx->pf.pages, 2, "image 'loop.jpg': corrupt marker segment");
    /* A JPEG cut before its frame header. */
    images[1] = fx->pf.images[1];
    images[1].len = 30;
    images[1].path = "cut.jpg";
    expect_failure(&p, &doc, fx->pf.pages, 2, "image 'cut.jpg': truncated: no frame header");
    plug_close(&p);
    assert_int_equal(live_blocks, 0);
}

/* Malformed pages from a buggy kernel are errors naming the element. */
static void test_bad_elements(void **state)
{
    static const uint8_t verbs[] = {QUIRE_PATH_MOVE, QUIRE_PATH_CURVE};
    static const uint8_t line_first[] = {QUIRE_PATH_LINE};
    static const double points[] = {0, 0, 1, 1, 2, 2};
    fixture *fx = *state;
    quire_document doc = fixture_doc(fx, "bad.pdf");
    quire_element e[2];
    quire_page page;
    plug p;

    memset(e, 0, sizeof(e));
    e[0] = text_element("ok", 10, 20, 10, 0);
    e[1].kind = QUIRE_EL_PATH;
    e[1].fill = (quire_color){0, 0, 0, 255};
    e[1].u.path.verbs = verbs;
    e[1].u.path.nverbs = 2;
    e[1].u.path.points = points;
    e[1].u.path.npoints = 3;
    page = one_page(e, 2, 200, 200);
    plug_open(fx, &p, NULL);
    expect_failure(&p, &doc, &page, 1, "page 1, element 2: path verbs take 4 points, 3 given");
    e[1].u.path.verbs = line_first;
    e[1].u.path.nverbs = 1;
    e[1].u.path.npoints = 1;
    expect_failure(&p, &doc, &page, 1, "page 1, element 2: path draws before its first move");
    memset(&e[1], 0, sizeof(e[1]));
    e[1].kind = QUIRE_EL_CLIP_POP;
    expect_failure(&p, &doc, &page, 1, "page 1, element 2: clip pop without a push");
    e[1].kind = QUIRE_EL_CLIP_PUSH;
    expect_failure(&p, &doc, &page, 1, "page 1: 1 clip pushes without a pop");
    e[1].kind = QUIRE_EL_IMAGE;
    e[1].width = e[1].height = 10;
    e[1].u.image.image = 7;
    expect_failure(&p, &doc, &page, 1, "image 7 does not exist (the document has 2)");
    e[0].u.text.font = 3;
    expect_failure(&p, &doc, &page, 1, "font 3 does not exist (the document has 3)");
    e[0].u.text.font = 0;
    e[1].kind = QUIRE_EL_RECT;
    e[1].x = NAN;
    expect_failure(&p, &doc, &page, 1, "page 1, element 2: a coordinate is not finite");
    /* Failing inside a clip region leaves nothing behind (the asan build
     * checks libharu's saved graphics states are freed). */
    e[0].kind = QUIRE_EL_CLIP_PUSH;
    e[0].width = e[0].height = 50;
    e[1].x = 0;
    e[1].kind = QUIRE_EL_IMAGE;
    expect_failure(&p, &doc, &page, 1, "image 7 does not exist (the document has 2)");
    page.width = 20000;
    expect_failure(&p, &doc, &page, 1,
                   "page 1: 20000 x 200 points is outside the 3..14400 a PDF page may have");
    plug_close(&p);
    assert_int_equal(live_blocks, 0);
}

/* ============================== Main ====================================== */

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_format_registered, test_setup),
        cmocka_unit_test_setup(test_fixture_info, test_setup),
        cmocka_unit_test_setup(test_fixture_text, test_setup),
        cmocka_unit_test_setup(test_fixture_pixels, test_setup),
        cmocka_unit_test_setup(test_fixture_fonts, test_setup),
        cmocka_unit_test_setup(test_text_position_and_word_spacing, test_setup),
        cmocka_unit_test_setup(test_text_rows_in_place, test_setup),
        cmocka_unit_test_setup(test_text_cells_on_one_line, test_setup),
        cmocka_unit_test_setup(test_text_size_exact, test_setup),
        cmocka_unit_test_setup(test_text_state_changes, test_setup),
        cmocka_unit_test_setup(test_text_any_bytes, test_setup),
        cmocka_unit_test_setup(test_glyphs_of_later_pages, test_setup),
        cmocka_unit_test_setup(test_text_latin1_one_byte, test_setup),
        cmocka_unit_test_setup(test_text_latin1_widths, test_setup),
        cmocka_unit_test_setup(test_text_latin1_same_pixels, test_setup),
        cmocka_unit_test_setup(test_fixture_outline, test_setup),
        cmocka_unit_test_setup(test_outline_nesting, test_setup),
        cmocka_unit_test_setup(test_images_stored_once, test_setup),
        cmocka_unit_test_setup(test_compress_option, test_setup),
        cmocka_unit_test_setup(test_font_glyph_map, test_setup),
        cmocka_unit_test_setup(test_font_streams_deflated, test_setup),
        cmocka_unit_test_setup(test_zero_pages, test_setup),
        cmocka_unit_test_setup(test_abort_leaves_no_file, test_setup),
        cmocka_unit_test_setup(test_replace_mode_and_symlink, test_setup),
        cmocka_unit_test_setup(test_cannot_create, test_setup),
        cmocka_unit_test_setup(test_disk_full, test_setup),
        cmocka_unit_test_setup(test_stdout, test_setup),
        cmocka_unit_test_setup(test_spool_many_pages, test_setup),
        cmocka_unit_test_setup(test_spool_gone_after_abort, test_setup),
        cmocka_unit_test_setup(test_spool_tmpdir, test_setup),
        cmocka_unit_test_setup(test_spool_write_error, test_setup),
        cmocka_unit_test_setup(test_ops_on_other_threads, test_setup),
        cmocka_unit_test_setup(test_deep_clip_nesting, test_setup),
        cmocka_unit_test_setup(test_huge_text, test_setup),
        cmocka_unit_test_setup(test_page_tree_beyond_array_limit, test_setup),
        cmocka_unit_test_setup(test_concurrent_documents, test_setup),
        cmocka_unit_test_setup(test_bad_font, test_setup),
        cmocka_unit_test_setup(test_bad_image, test_setup),
        cmocka_unit_test_setup(test_bad_elements, test_setup),
        cmocka_unit_test_setup(test_slot_page_x_of_y, test_setup),
        cmocka_unit_test_setup(test_slot_painting_order, test_setup),
        cmocka_unit_test_setup(test_slot_empty, test_setup),
        cmocka_unit_test_setup(test_slot_glyph_in_subset, test_setup),
        cmocka_unit_test_setup(test_slot_latin1, test_setup),
        cmocka_unit_test_setup(test_slot_graphics_state, test_setup),
        cmocka_unit_test_setup(test_slot_clipped, test_setup),
        cmocka_unit_test_setup(test_slot_streams_compressed, test_setup),
        cmocka_unit_test_setup(test_slot_errors, test_setup),
        cmocka_unit_test_setup(test_slot_many, test_setup),
    };

    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
