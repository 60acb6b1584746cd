/*
 * test_cairo_renderer.c - the cairo renderer plugin (plugins/cairo: formats
 * svg and png, one file per page), driven through the real
 * build/plugins/cairo.so as the kernel drives it: loaded with
 * kernel_load_path, configured with config_build from a [renderer.cairo]
 * text, initialised through its descriptor, then fed the print fixture
 * (tests/unit/print_fixture.h) through begin/page/end (or abort).
 *
 * The output is checked with tools that share no code with the writer:
 * python3's xml.etree parses the SVG pages, and a small PNG decoder in
 * python3 (zlib plus the PNG filters) turns the PNG pages into pixels.
 * Expected colours and positions are worked out by hand from the
 * fixture's geometry (points * dpi / 72), the expected glyph count from
 * the fixture's strings.
 *
 * The plugin gets a copy of the host table whose allocator counts live
 * blocks, so every test also checks that a document leaves nothing
 * allocated behind. The tests run in a scratch directory (so messages say
 * 'fixture.svg'); QUIRE_BUILD (default "build") says where cairo.so is.
 */
#include <dirent.h>
#include <pthread.h>
#include <stdatomic.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* ============================== Checking tools (python3) ================== */

/* decode_png.py IN.png OUT.raw: writes the pixels as RGBA bytes, row after
 * row, and prints "WIDTH HEIGHT". Handles what cairo writes: 8-bit RGB or
 * RGBA, not interlaced, any of the five filters. */
static const char decode_png_py[] =
    "import sys, zlib, struct\n"
    "d = open(sys.argv[1], 'rb').read()\n"
    "if d[:8] != b'\\x89PNG\\r\\n\\x1a\\n':\n"
    "    sys.exit('not a PNG')\n"
    "pos, idat = 8, []\n"
    "while pos + 8 <= len(d):\n"
    "    n, t = struct.unpack('>I4s', d[pos:pos + 8])\n"
    "    body = d[pos + 8:pos + 8 + n]\n"
    "    pos += 12 + n\n"
    "    if t == b'IHDR':\n"
    "        w, h, depth, ctype, _, _, inter = struct.unpack('>IIBBBBB', "
    "body)\n"
    "    elif t == b'IDAT':\n"
    "        idat.append(body)\n"
    "    elif t == b'IEND':\n"
    "        break\n"
    "if depth != 8 or ctype not in (2, 6) or inter != 0:\n"
    "    sys.exit('unexpected PNG type %d/%d/%d' % (depth, ctype, inter))\n"
    "bpp = 4 if ctype == 6 else 3\n"
    "raw = zlib.decompress(b''.join(idat))\n"
    "stride = w * bpp\n"
    "prev = bytearray(stride)\n"
    "out = bytearray()\n"
    "i = 0\n"
    "for y in range(h):\n"
    "    f = raw[i]\n"
    "    line = bytearray(raw[i + 1:i + 1 + stride])\n"
    "    i += 1 + stride\n"
    "    if f == 1:\n"
    "        for x in range(bpp, stride):\n"
    "            line[x] = (line[x] + line[x - bpp]) & 255\n"
    "    elif f == 2:\n"
    "        line = bytearray((a + b) & 255 for a, b in zip(line, prev))\n"
    "    elif f == 3:\n"
    "        for x in range(stride):\n"
    "            a = line[x - bpp] if x >= bpp else 0\n"
    "            line[x] = (line[x] + ((a + prev[x]) >> 1)) & 255\n"
    "    elif f == 4:\n"
    "        for x in range(stride):\n"
    "            a = line[x - bpp] if x >= bpp else 0\n"
    "            b = prev[x]\n"
    "            c = prev[x - bpp] if x >= bpp else 0\n"
    "            p = a + b - c\n"
    "            pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)\n"
    "            pred = a if pa <= pb and pa <= pc else (b if pb <= pc else "
    "c)\n"
    "            line[x] = (line[x] + pred) & 255\n"
    "    elif f != 0:\n"
    "        sys.exit('bad filter %d' % f)\n"
    "    prev = line\n"
    "    if bpp == 4:\n"
    "        out += line\n"
    "    else:\n"
    "        for x in range(w):\n"
    "            out += line[x * 3:x * 3 + 3] + b'\\xff'\n"
    "open(sys.argv[2], 'wb').write(out)\n"
    "print(w, h)\n";

/* svg_stats.py IN.svg PNG JPEG: parses the page (exits non-zero if it is
 * not well-formed XML) and prints one fact per line: the root, its size,
 * the number of <use> of glyph symbols, each <image> with whether its
 * embedded bytes are exactly the PNG or JPEG file given, and every fill
 * colour as 0..255 integers with its opacity. */
static const char svg_stats_py[] =
    "import sys, re, base64, xml.etree.ElementTree as ET\n"
    "S = '{http://www.w3.org/2000/svg}'\n"
    "HREF = '{http://www.w3.org/1999/xlink}href'\n"
    "root = ET.parse(sys.argv[1]).getroot()\n"
    "print('root', root.tag == S + 'svg')\n"
    "print('width', root.get('width'))\n"
    "print('height', root.get('height'))\n"
    "print('viewbox', root.get('viewBox'))\n"
    "print('version', root.get('version'))\n"
    "glyphs = [u for u in root.iter(S + 'use') if (u.get(HREF) or "
    "'').startswith('#glyph')]\n"
    "print('glyph_uses', len(glyphs))\n"
    "for u in glyphs:\n"
    "    print('glyph_x', u.get('x'))\n"
    "files = {'png': open(sys.argv[2], 'rb').read(), 'jpeg': open(sys.argv[3], "
    "'rb').read()}\n"
    "for im in root.iter(S + 'image'):\n"
    "    m = re.match(r'data:image/(\\w+);base64,(.*)$', im.get(HREF) or '', "
    "re.S)\n"
    "    if m is None:\n"
    "        print('image other')\n"
    "        continue\n"
    "    same = files.get(m.group(1)) == base64.b64decode(m.group(2))\n"
    "    print('image', m.group(1), 'same' if same else 'different')\n"
    "for el in root.iter():\n"
    "    style = dict(kv.split(':', 1) for kv in (el.get('style') or "
    "'').split(';') if ':' in kv)\n"
    "    fill = el.get('fill') or style.get('fill') or ''\n"
    "    m = re.match(r'rgb\\(([\\d.]+)%,\\s*([\\d.]+)%,\\s*([\\d.]+)%\\)', "
    "fill.strip())\n"
    "    if m:\n"
    "        op = el.get('fill-opacity') or style.get('fill-opacity') or '1'\n"
    "        print('fill', *[round(float(v) * 255 / 100) for v in m.groups()], "
    "op)\n";

/* ============================== Fixture =================================== */

typedef struct fixture {
    char so[PATH_MAX];
    char old_cwd[PATH_MAX];
    char dir[PATH_MAX];   /* scratch: every test starts with it empty */
    char tools[PATH_MAX]; /* the python scripts */
    quire_host host;      /* the kernel's table with the counting allocator */
} fixture;

/* Loads cairo.so with `section` as the lines of [renderer.cairo] (NULL for the
 * defaults); returns init's status, *err set. */
static int plug_try_open(const fixture *fx, plug *p, const char *section, quire_error *err)
{
    return plug_load(p, fx->so, &fx->host, "renderer.cairo", section, err);
}

static void plug_open(const fixture *fx, plug *p, const char *section)
{
    quire_error err = {0};

    if (plug_try_open(fx, p, section, &err) != QUIRE_OK)
        fail_msg("init: %s", err.msg);
}

static void write_text(const char *path, const char *text)
{
    FILE *fp = fopen(path, "w");

    assert_non_null(fp);
    fputs(text, fp);
    assert_int_equal(fclose(fp), 0);
}

static int group_setup(void **state)
{
    const char *build = getenv("QUIRE_BUILD");
    char so[PATH_MAX + 32], script[PATH_MAX + 32];
    fixture *fx = calloc(1, sizeof(*fx));

    if (fx == NULL)
        return -1;
    snprintf(so, sizeof(so), "%s/plugins/cairo.so", build && build[0] ? build : "build");
    if (realpath(so, fx->so) == NULL) {
        fprintf(stderr, "# %s: not found (build it first)\n", so);
        free(fx);
        return -1;
    }
    fx->host = harness_counting_host();
    snprintf(fx->dir, sizeof(fx->dir), "/tmp/quire-test-cairo-XXXXXX");
    snprintf(fx->tools, sizeof(fx->tools), "/tmp/quire-test-cairo-tools-XXXXXX");
    if (getcwd(fx->old_cwd, sizeof(fx->old_cwd)) == NULL || mkdtemp(fx->dir) == NULL ||
        mkdtemp(fx->tools) == NULL) {
        free(fx);
        return -1;
    }
    snprintf(script, sizeof(script), "%s/decode_png.py", fx->tools);
    write_text(script, decode_png_py);
    snprintf(script, sizeof(script), "%s/svg_stats.py", fx->tools);
    write_text(script, svg_stats_py);
    if (chdir(fx->dir) != 0) {
        free(fx);
        return -1;
    }
    signal(SIGPIPE, SIG_IGN); /* as the kernel does: EPIPE, not death */
    umask(022);
    *state = fx;
    return 0;
}

static int group_teardown(void **state)
{
    fixture *fx = *state;

    harness_remove_files(".");
    harness_remove_files(fx->tools);
    if (chdir(fx->old_cwd) != 0)
        return -1;
    rmdir(fx->dir);
    rmdir(fx->tools);
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

/* The print fixture, its images read from the repository (paths in
 * messages stay "tests/data/images/..."), with format and output set. */
static void fixture_load(const fixture *fx, print_fixture *pf, const char *format,
                         const char *output)
{
    int rc;

    assert_int_equal(chdir(fx->old_cwd), 0);
    rc = print_fixture_init(pf);
    assert_int_equal(chdir(fx->dir), 0);
    assert_int_equal(rc, 0);
    pf->doc.format = format;
    pf->doc.output_path = output;
}

/* ============================== Running =================================== */

/* begin, the pages, end; on a failing page, abort (as the kernel would).
 * Returns the first failure's status with *err set. */
static int render(const plug *p, const quire_document *doc, const quire_page *pages, size_t n,
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

static int exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0;
}

/* The whole file (caller frees), or NULL if it does not exist. */
static uint8_t *slurp(const char *path, size_t *len_out)
{
    FILE *fp = fopen(path, "rb");
    uint8_t *buf = NULL;
    size_t len = 0, cap = 0, n;

    if (fp == NULL)
        return NULL;
    do {
        if (cap - len < 65536) {
            cap = cap ? cap * 2 : 262144;
            buf = realloc(buf, cap + 1);
            assert_non_null(buf);
        }
        n = fread(buf + len, 1, cap - len, fp);
        len += n;
    } while (n > 0);
    fclose(fp);
    buf[len] = 0;
    if (len_out != NULL)
        *len_out = len;
    return buf;
}

/* Runs `command` through the shell; asserts it exits with 0. */
static void run_ok(const char *command)
{
    int status = system(command);

    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
        fail_msg("failed (status %d): %s", status, command);
}

/* ============================== PNG pixels ================================ */

typedef struct image {
    int width, height;
    uint8_t *rgba; /* width * height * 4 */
} image;

/* Width and height from the IHDR chunk of the PNG file at `path`. */
static void png_size(const char *path, int *width, int *height)
{
    size_t len;
    uint8_t *d = slurp(path, &len);

    assert_non_null(d);
    assert_true(len > 24);
    assert_memory_equal(d, "\x89PNG\r\n\x1a\n", 8);
    assert_memory_equal(d + 12, "IHDR", 4);
    *width = (int)((uint32_t)d[16] << 24 | (uint32_t)d[17] << 16 | (uint32_t)d[18] << 8 | d[19]);
    *height = (int)((uint32_t)d[20] << 24 | (uint32_t)d[21] << 16 | (uint32_t)d[22] << 8 | d[23]);
    free(d);
}

/* Decodes the PNG at `path` with decode_png.py. */
static image png_decode(const fixture *fx, const char *path)
{
    char cmd[3 * PATH_MAX];
    uint8_t *size;
    size_t len;
    image img;

    snprintf(cmd, sizeof(cmd), "python3 %s/decode_png.py %s decoded.raw > decoded.size", fx->tools,
             path);
    run_ok(cmd);
    size = slurp("decoded.size", NULL);
    assert_non_null(size);
    assert_int_equal(sscanf((char *)size, "%d %d", &img.width, &img.height), 2);
    free(size);
    img.rgba = slurp("decoded.raw", &len);
    assert_non_null(img.rgba);
    assert_int_equal(len, (size_t)img.width * (size_t)img.height * 4);
    unlink("decoded.raw");
    unlink("decoded.size");
    return img;
}

static const uint8_t *px(const image *img, int x, int y)
{
    assert_true(x >= 0 && y >= 0 && x < img->width && y < img->height);
    return img->rgba + ((size_t)y * (size_t)img->width + (size_t)x) * 4;
}

/* The pixel at (x, y) is (r, g, b, a), each within `tol`. */
static void assert_px(const image *img, int x, int y, int r, int g, int b, int a, int tol)
{
    const uint8_t *p = px(img, x, y);

    if (abs(p[0] - r) > tol || abs(p[1] - g) > tol || abs(p[2] - b) > tol || abs(p[3] - a) > tol)
        fail_msg("pixel (%d, %d) is %d,%d,%d,%d; expected %d,%d,%d,%d (within %d)", x, y, p[0],
                 p[1], p[2], p[3], r, g, b, a, tol);
}

/* Pixels darker than mid-grey in the box of points (x0, y0)-(x1, y1) at
 * `dpi`: where text was drawn. */
static int dark_pixels(const image *img, double dpi, double x0, double y0, double x1, double y1)
{
    int n = 0;
    double s = dpi / 72.0;

    for (int y = (int)(y0 * s); y < (int)(y1 * s) && y < img->height; y++)
        for (int x = (int)(x0 * s); x < (int)(x1 * s) && x < img->width; x++) {
            const uint8_t *p = px(img, x, y);
            if (p[3] > 128 && p[0] < 128 && p[1] < 128 && p[2] < 128)
                n++;
        }
    return n;
}

/* ============================== SVG facts ================================= */

typedef struct svg_facts {
    int root_is_svg;
    char width[256], height[256], viewbox[256], version[256];
    int glyph_uses;
    int nglyph_x;
    double glyph_x[64]; /* the first glyphs' x, in document order */
    int png_same, jpeg_same, images, png_images;
    int nfills;
    int fills[64][3];
    double opacity[64];
} svg_facts;

static svg_facts svg_read(const fixture *fx, const char *path)
{
    char cmd[4 * PATH_MAX], line[256];
    svg_facts f;
    FILE *fp;

    memset(&f, 0, sizeof(f));
    snprintf(cmd, sizeof(cmd),
             "python3 %s/svg_stats.py %s %s/" FIXTURE_DIR "/logo.png %s/" FIXTURE_DIR
             "/photo.jpg > facts.txt",
             fx->tools, path, fx->old_cwd, fx->old_cwd);
    run_ok(cmd);
    fp = fopen("facts.txt", "r");
    assert_non_null(fp);
    while (fgets(line, sizeof(line), fp) != NULL) {
        char kind[16], same[16];
        int r, g, b;
        double op;
        line[strcspn(line, "\n")] = '\0';
        if (strcmp(line, "root True") == 0)
            f.root_is_svg = 1;
        else if (strncmp(line, "width ", 6) == 0)
            snprintf(f.width, sizeof(f.width), "%s", line + 6);
        else if (strncmp(line, "height ", 7) == 0)
            snprintf(f.height, sizeof(f.height), "%s", line + 7);
        else if (strncmp(line, "viewbox ", 8) == 0)
            snprintf(f.viewbox, sizeof(f.viewbox), "%s", line + 8);
        else if (strncmp(line, "version ", 8) == 0)
            snprintf(f.version, sizeof(f.version), "%s", line + 8);
        else if (sscanf(line, "glyph_uses %d", &f.glyph_uses) == 1)
            continue;
        else if (strncmp(line, "glyph_x ", 8) == 0 && f.nglyph_x < (int)COUNT(f.glyph_x))
            f.glyph_x[f.nglyph_x++] = strtod(line + 8, NULL);
        else if (sscanf(line, "image %15s %15s", kind, same) == 2) {
            f.images++;
            if (strcmp(kind, "png") == 0)
                f.png_images++;
            if (strcmp(kind, "png") == 0 && strcmp(same, "same") == 0)
                f.png_same++;
            if (strcmp(kind, "jpeg") == 0 && strcmp(same, "same") == 0)
                f.jpeg_same++;
        } else if (sscanf(line, "fill %d %d %d %lf", &r, &g, &b, &op) == 4 &&
                   f.nfills < (int)COUNT(f.fills)) {
            f.fills[f.nfills][0] = r;
            f.fills[f.nfills][1] = g;
            f.fills[f.nfills][2] = b;
            f.opacity[f.nfills++] = op;
        }
    }
    fclose(fp);
    unlink("facts.txt");
    return f;
}

/* Some element is filled with (r, g, b) at `opacity`. */
static void assert_fill(const svg_facts *f, int r, int g, int b, double opacity)
{
    for (int i = 0; i < f->nfills; i++)
        if (f->fills[i][0] == r && f->fills[i][1] == g && f->fills[i][2] == b &&
            fabs(f->opacity[i] - opacity) < 0.001)
            return;
    fail_msg("no fill rgb(%d, %d, %d) at opacity %.4f among %d fills", r, g, b, opacity, f->nfills);
}

/* Glyphs the text elements of a page draw: code points other than U+0020,
 * counted from the UTF-8 lead bytes. */
static int glyphs_in(const quire_page *page)
{
    int n = 0;

    for (size_t i = 0; i < page->nelements; i++) {
        const quire_element *e = &page->elements[i];
        if (e->kind != QUIRE_EL_TEXT)
            continue;
        for (size_t b = 0; b < e->u.text.len; b++) {
            unsigned char c = (unsigned char)e->u.text.utf8[b];
            if ((c & 0xc0) != 0x80 && c != ' ')
                n++;
        }
    }
    return n;
}

/* ============================== Registration and config =================== */

static void test_formats_registered(void **state)
{
    const format_rec *svg, *png;
    plug p;

    plug_open(*state, &p, NULL);
    svg = kernel_find_format(p.k, "svg");
    png = kernel_find_format(p.k, "png");
    assert_non_null(svg);
    assert_non_null(png);
    assert_string_equal(svg->extension, "svg");
    assert_string_equal(svg->mime_type, "image/svg+xml");
    assert_int_equal(svg->flags, QUIRE_FORMAT_PER_PAGE);
    assert_string_equal(png->extension, "png");
    assert_string_equal(png->mime_type, "image/png");
    assert_int_equal(png->flags, QUIRE_FORMAT_PER_PAGE | QUIRE_FORMAT_BINARY);
    assert_ptr_equal(svg->owner, p.rec);
    assert_null(p.ops->band);
    plug_close(&p);
    assert_int_equal(live_blocks, 0);
}

static void test_bad_background(void **state)
{
    quire_error err = {0};
    plug p;

    assert_int_equal(plug_try_open(*state, &p, "background = blue\n", &err), QUIRE_ERR);
    assert_string_equal(err.msg, "quire.conf:2: [renderer.cairo] background: 'blue' is not a "
                                 "colour (write #rrggbb, #rrggbbaa or transparent)");
    plug_close(&p);
    assert_int_equal(plug_try_open(*state, &p, "background = \"#12345g\"\n", &err), QUIRE_ERR);
    assert_string_equal(err.msg, "quire.conf:2: [renderer.cairo] background: '#12345g' is not "
                                 "a colour (write #rrggbb, #rrggbbaa or transparent)");
    plug_close(&p);
    assert_int_equal(live_blocks, 0);
}

/* ============================== SVG ======================================= */

/* Two pages: fixture-page-1.svg and fixture-page-2.svg, valid SVG 1.1 of
 * the page size in points, text as glyphs, both images embedded as the
 * very files, the fills in the fixture's colours. */
static void test_svg_fixture(void **state)
{
    print_fixture pf;
    quire_error err;
    svg_facts f;
    plug p;

    fixture_load(*state, &pf, "svg", "fixture.svg");
    plug_open(*state, &p, NULL);
    if (render(&p, &pf.doc, pf.pages, 2, &err) != QUIRE_OK)
        fail_msg("render: %s", err.msg);
    assert_true(exists("fixture-page-1.svg"));
    assert_true(exists("fixture-page-2.svg"));
    assert_false(exists("fixture.svg"));
    assert_int_equal(count_files(".", ""), 4); /* ".", "..", two pages */

    f = svg_read(*state, "fixture-page-1.svg");
    assert_true(f.root_is_svg);
    assert_string_equal(f.width, "595.28pt");
    assert_string_equal(f.height, "841.89pt");
    assert_string_equal(f.viewbox, "0 0 595.28 841.89");
    assert_string_equal(f.version, "1.1");
    /* Every glyph of every string, the clipped one included: clipping
     * hides glyphs, it does not remove them. */
    assert_true(f.glyph_uses >= glyphs_in(&pf.pages[0]));
    assert_int_equal(f.images, 2);
    assert_int_equal(f.png_same, 1);
    assert_int_equal(f.jpeg_same, 1);
    assert_fill(&f, 0xde, 0xeb, 0xf7, 1);             /* the rectangle */
    assert_fill(&f, 0xf4, 0xb1, 0x83, 200.0 / 255.0); /* the ellipse, alpha 200 */
    assert_fill(&f, 0x70, 0xad, 0x47, 1);             /* the path */
    assert_fill(&f, 0x22, 0x22, 0x22, 1);             /* the text */

    f = svg_read(*state, "fixture-page-2.svg");
    assert_true(f.root_is_svg);
    assert_string_equal(f.width, "595.28pt");
    assert_int_equal(glyphs_in(&pf.pages[1]), 14); /* "Page2of2" + "Europe" */
    assert_true(f.glyph_uses >= 14);
    assert_int_equal(f.images, 0);

    plug_close(&p);
    print_fixture_free(&pf);
    assert_int_equal(live_blocks, 0);
}

/* One page sent: the file is the output path itself. */
static void test_svg_one_page(void **state)
{
    print_fixture pf;
    quire_error err;
    svg_facts f;
    plug p;

    fixture_load(*state, &pf, "svg", "single.svg");
    pf.doc.first_page = pf.doc.last_page = 2;
    plug_open(*state, &p, NULL);
    if (render(&p, &pf.doc, &pf.pages[1], 1, &err) != QUIRE_OK)
        fail_msg("render: %s", err.msg);
    assert_true(exists("single.svg"));
    assert_int_equal(count_files(".", "single"), 1);
    f = svg_read(*state, "single.svg");
    assert_true(f.root_is_svg);
    assert_true(f.glyph_uses >= 14);
    plug_close(&p);
    print_fixture_free(&pf);
    assert_int_equal(live_blocks, 0);
}

/* Glyphs sit where the kernel measured them: each at x plus the sum of the
 * advances before it, read from the font by the kernel's own TrueType
 * reader (kernel/font.c, no FreeType), unkerned ("AV", "Wa", "To" are
 * kerning pairs in DejaVu Sans) and unhinted. */
static void test_svg_glyph_positions(void **state)
{
    static const char text[] = "AVAWaTo.";
    print_fixture pf;
    quire_element e;
    quire_page page = {sizeof(quire_page), 1, 200, 40, 1, &e, 0, NULL, 1};
    quire_error err;
    font_face *face;
    double x = 10.5;
    svg_facts f;
    plug p;

    fixture_load(*state, &pf, "svg", "pos.svg");
    e = fixture_text(text, 0, 20, x, 5, QUIRE_ALIGN_LEFT, QUIRE_BAND_DETAIL, 1, 0, 100);
    plug_open(*state, &p, NULL);
    if (render(&p, &pf.doc, &page, 1, &err) != QUIRE_OK)
        fail_msg("render: %s", err.msg);
    f = svg_read(*state, "pos.svg");
    assert_int_equal(f.nglyph_x, (int)strlen(text));
    if (font_face_load(pf.fonts[0].path, &face, &err) != QUIRE_OK)
        fail_msg("font: %s", err.msg);
    for (size_t i = 0; i < strlen(text); i++) {
        if (fabs(f.glyph_x[i] - x) > 0.0005)
            fail_msg("glyph %zu ('%c') at x = %.6f, measured %.6f", i, text[i], f.glyph_x[i], x);
        x += font_advance_units(face, (unsigned char)text[i]) * 20.0 / font_units_per_em(face);
    }
    font_face_free(face);
    plug_close(&p);
    print_fixture_free(&pf);
    assert_int_equal(live_blocks, 0);
}

/* cairo keeps up to 256 released scaled fonts; a document's fonts stay
 * open in that cache after end() and are closed when a later document's
 * fonts push them out, on that document's thread. 300 sizes push out
 * everything; the asan build checks nothing is used after it is freed or
 * freed twice. */
static void test_font_cache_eviction(void **state)
{
    enum { SIZES = 300 };
    print_fixture pf;
    quire_element *e = calloc(SIZES, sizeof(*e));
    quire_page page = {sizeof(quire_page), 1, 100, 100, 1, e, 0, NULL, 1};
    quire_error err;
    plug p;

    assert_non_null(e);
    fixture_load(*state, &pf, "svg", "cache.svg");
    plug_open(*state, &p, NULL);
    for (int round = 0; round < 2; round++) {
        e[0] = fixture_text("a", 0, 10, 5, 5, QUIRE_ALIGN_LEFT, QUIRE_BAND_DETAIL, 1, 0, 6);
        page.nelements = 1;
        if (render(&p, &pf.doc, &page, 1, &err) != QUIRE_OK)
            fail_msg("render: %s", err.msg);
        for (int i = 0; i < SIZES; i++)
            e[i] = fixture_text("b", (uint32_t)(i % 3), 4 + i * 0.125, 5, 5, QUIRE_ALIGN_LEFT,
                                QUIRE_BAND_DETAIL, 1, 0, 6);
        page.nelements = SIZES;
        if (render(&p, &pf.doc, &page, 1, &err) != QUIRE_OK)
            fail_msg("render: %s", err.msg);
    }
    assert_true(exists("cache.svg"));
    plug_close(&p);
    print_fixture_free(&pf);
    free(e);
    assert_int_equal(live_blocks, 0);
}

/* ============================== PNG ======================================= */

/* Two pages at the default 96 dpi on white; page 1's pixels match the
 * fixture's geometry. At 96 dpi a point is 4/3 pixel. */
static void test_png_fixture(void **state)
{
    const fixture *fx = *state;
    print_fixture pf;
    quire_error err;
    image page, logo;
    int w, h;
    plug p;

    fixture_load(*state, &pf, "png", "fixture.png");
    plug_open(*state, &p, NULL);
    if (render(&p, &pf.doc, pf.pages, 2, &err) != QUIRE_OK)
        fail_msg("render: %s", err.msg);
    assert_int_equal(count_files(".", ""), 4);
    /* 595.28 * 96 / 72 = 793.71 and 841.89 * 96 / 72 = 1122.52. */
    png_size("fixture-page-1.png", &w, &h);
    assert_int_equal(w, 794);
    assert_int_equal(h, 1123);
    png_size("fixture-page-2.png", &w, &h);
    assert_int_equal(w, 794);
    assert_int_equal(h, 1123);

    page = png_decode(fx, "fixture-page-1.png");
    /* The margin is the opaque white background. */
    assert_px(&page, 10, 10, 255, 255, 255, 255, 0);
    assert_px(&page, 700, 1000, 255, 255, 255, 255, 0);
    /* The rectangle (56.69, 160) 200 x 80: its centre (156.69, 200) pt is
     * pixel (208.9, 266.7), its fill #deebf7 exactly; its left edge at
     * x = 75.6 px is stroked #1f4e79, 1 pt = 1.33 px wide. */
    assert_px(&page, 208, 266, 0xde, 0xeb, 0xf7, 255, 0);
    assert_px(&page, 75, 266, 0x1f, 0x4e, 0x79, 255, 12);
    /* The ellipse centre (340, 200) pt = pixel (453.3, 266.7): #f4b183 at
     * alpha 200/255 over white: 244 * 200/255 + 255 * 55/255 = 246.4,
     * likewise 193.8 and 157.8. */
    assert_px(&page, 453, 266, 246, 194, 158, 255, 2);
    /* The path's triangle (320,320)-(380,260)-(400,330) has its centroid
     * at (366.7, 303.3) pt = pixel (488.9, 404.4): #70ad47. */
    assert_px(&page, 488, 404, 0x70, 0xad, 0x47, 255, 0);
    /* The rule at y = 113 pt (150.7 px), 0.75 pt = 1 px wide, covers most
     * of pixel row 150: a dark blue. */
    {
        const uint8_t *rule = px(&page, 266, 150);
        assert_true(rule[0] < 128 && rule[2] > rule[0] + 30);
    }

    /* The PNG logo, 120 x 60 px drawn into 120 x 60 pt at (56.69, 260):
     * page pixel (116, 387) has its centre at (87.375, 290.625) pt, logo
     * pixel (30.7, 30.6); compare with the logo's own pixel (30, 30) laid
     * over white (its colours change slowly there). Its transparent
     * corner leaves the page white. */
    {
        char path[PATH_MAX + 64];
        snprintf(path, sizeof(path), "%s/" FIXTURE_DIR "/logo.png", fx->old_cwd);
        logo = png_decode(fx, path);
    }
    assert_int_equal(logo.width, 120);
    {
        const uint8_t *l = px(&logo, 30, 30);
        int a = l[3];
        assert_int_equal(a, 255);
        assert_px(&page, 116, 387, l[0], l[1], l[2], 255, 8);
        assert_int_equal(px(&logo, 1, 1)[3], 0);
        /* logo (1.5, 1.5) is page (58.19, 261.5) pt = pixel (77.6, 348.7). */
        assert_px(&page, 77, 348, 255, 255, 255, 255, 0);
    }
    free(logo.rgba);
    /* The JPEG, 80 x 60 px into 80 x 60 pt at (200, 260): its centre
     * (240, 290) pt = pixel (320, 386.7). The photo is a gradient, red
     * growing to the right and green downwards over blue 130 (as djpeg
     * decodes it): near its middle about (122, 120, 131). */
    assert_px(&page, 320, 386, 122, 120, 131, 255, 12);

    /* Text: the title (56.69, 56.69) 142 x 21 pt is drawn in dark ink;
     * the clipped line shows inside its clip box (56.69..116.69 pt) and
     * nothing of it beyond; the Greek and Cyrillic line is drawn. */
    assert_true(dark_pixels(&page, 96, 56.69, 56.69, 198.69, 77.64) > 300);
    assert_true(dark_pixels(&page, 96, 56.69, 340, 116.69, 354) > 20);
    assert_int_equal(dark_pixels(&page, 96, 118, 338, 240, 356), 0);
    assert_true(dark_pixels(&page, 96, 56.69, 370, 146.69, 384) > 50);
    free(page.rgba);

    plug_close(&p);
    print_fixture_free(&pf);
    assert_int_equal(live_blocks, 0);
}

/* A 16 x 8 CMYK JPEG (made with libjpeg, Adobe marker, inverted as
 * Adobe writes CMYK) of C = 0, M = 100%, Y = 100%, K = 0: pure red. */
static const uint8_t cmyk_red_jpeg[] = {
    0xff, 0xd8, 0xff, 0xee, 0x00, 0x0e, 0x41, 0x64, 0x6f, 0x62, 0x65, 0x00, 0x64, 0x00, 0x00, 0x00,
    0x00, 0x00, 0xff, 0xdb, 0x00, 0x43, 0x00, 0x02, 0x01, 0x01, 0x01, 0x01, 0x01, 0x02, 0x01, 0x01,
    0x01, 0x02, 0x02, 0x02, 0x02, 0x02, 0x04, 0x03, 0x02, 0x02, 0x02, 0x02, 0x05, 0x04, 0x04, 0x03,
    0x04, 0x06, 0x05, 0x06, 0x06, 0x06, 0x05, 0x06, 0x06, 0x06, 0x07, 0x09, 0x08, 0x06, 0x07, 0x09,
    0x07, 0x06, 0x06, 0x08, 0x0b, 0x08, 0x09, 0x0a, 0x0a, 0x0a, 0x0a, 0x0a, 0x06, 0x08, 0x0b, 0x0c,
    0x0b, 0x0a, 0x0c, 0x09, 0x0a, 0x0a, 0x0a, 0xff, 0xc0, 0x00, 0x14, 0x08, 0x00, 0x08, 0x00, 0x10,
    0x04, 0x43, 0x11, 0x00, 0x4d, 0x11, 0x00, 0x59, 0x11, 0x00, 0x4b, 0x11, 0x00, 0xff, 0xc4, 0x00,
    0x1f, 0x00, 0x00, 0x01, 0x05, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b, 0xff, 0xc4,
    0x00, 0xb5, 0x10, 0x00, 0x02, 0x01, 0x03, 0x03, 0x02, 0x04, 0x03, 0x05, 0x05, 0x04, 0x04, 0x00,
    0x00, 0x01, 0x7d, 0x01, 0x02, 0x03, 0x00, 0x04, 0x11, 0x05, 0x12, 0x21, 0x31, 0x41, 0x06, 0x13,
    0x51, 0x61, 0x07, 0x22, 0x71, 0x14, 0x32, 0x81, 0x91, 0xa1, 0x08, 0x23, 0x42, 0xb1, 0xc1, 0x15,
    0x52, 0xd1, 0xf0, 0x24, 0x33, 0x62, 0x72, 0x82, 0x09, 0x0a, 0x16, 0x17, 0x18, 0x19, 0x1a, 0x25,
    0x26, 0x27, 0x28, 0x29, 0x2a, 0x34, 0x35, 0x36, 0x37, 0x38, 0x39, 0x3a, 0x43, 0x44, 0x45, 0x46,
    0x47, 0x48, 0x49, 0x4a, 0x53, 0x54, 0x55, 0x56, 0x57, 0x58, 0x59, 0x5a, 0x63, 0x64, 0x65, 0x66,
    0x67, 0x68, 0x69, 0x6a, 0x73, 0x74, 0x75, 0x76, 0x77, 0x78, 0x79, 0x7a, 0x83, 0x84, 0x85, 0x86,
    0x87, 0x88, 0x89, 0x8a, 0x92, 0x93, 0x94, 0x95, 0x96, 0x97, 0x98, 0x99, 0x9a, 0xa2, 0xa3, 0xa4,
    0xa5, 0xa6, 0xa7, 0xa8, 0xa9, 0xaa, 0xb2, 0xb3, 0xb4, 0xb5, 0xb6, 0xb7, 0xb8, 0xb9, 0xba, 0xc2,
    0xc3, 0xc4, 0xc5, 0xc6, 0xc7, 0xc8, 0xc9, 0xca, 0xd2, 0xd3, 0xd4, 0xd5, 0xd6, 0xd7, 0xd8, 0xd9,
    0xda, 0xe1, 0xe2, 0xe3, 0xe4, 0xe5, 0xe6, 0xe7, 0xe8, 0xe9, 0xea, 0xf1, 0xf2, 0xf3, 0xf4, 0xf5,
    0xf6, 0xf7, 0xf8, 0xf9, 0xfa, 0xff, 0xda, 0x00, 0x0e, 0x04, 0x43, 0x00, 0x4d, 0x00, 0x59, 0x00,
    0x4b, 0x00, 0x00, 0x3f, 0x00, 0xfd, 0xfc, 0xaf, 0xe7, 0xfe, 0xbf, 0x9f, 0xfa, 0xfd, 0xfc, 0xa2,
    0x8a, 0x28, 0xaf, 0xff, 0xd9,
};

/* An 8 x 8 grayscale JPEG (libjpeg, no JFIF marker) of level 0x40. */
static const uint8_t gray_jpeg[] = {
    0xff, 0xd8, 0xff, 0xdb, 0x00, 0x43, 0x00, 0x02, 0x01, 0x01, 0x01, 0x01, 0x01, 0x02, 0x01, 0x01,
    0x01, 0x02, 0x02, 0x02, 0x02, 0x02, 0x04, 0x03, 0x02, 0x02, 0x02, 0x02, 0x05, 0x04, 0x04, 0x03,
    0x04, 0x06, 0x05, 0x06, 0x06, 0x06, 0x05, 0x06, 0x06, 0x06, 0x07, 0x09, 0x08, 0x06, 0x07, 0x09,
    0x07, 0x06, 0x06, 0x08, 0x0b, 0x08, 0x09, 0x0a, 0x0a, 0x0a, 0x0a, 0x0a, 0x06, 0x08, 0x0b, 0x0c,
    0x0b, 0x0a, 0x0c, 0x09, 0x0a, 0x0a, 0x0a, 0xff, 0xc0, 0x00, 0x0b, 0x08, 0x00, 0x08, 0x00, 0x08,
    0x01, 0x01, 0x11, 0x00, 0xff, 0xc4, 0x00, 0x1f, 0x00, 0x00, 0x01, 0x05, 0x01, 0x01, 0x01, 0x01,
    0x01, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06,
    0x07, 0x08, 0x09, 0x0a, 0x0b, 0xff, 0xc4, 0x00, 0xb5, 0x10, 0x00, 0x02, 0x01, 0x03, 0x03, 0x02,
    0x04, 0x03, 0x05, 0x05, 0x04, 0x04, 0x00, 0x00, 0x01, 0x7d, 0x01, 0x02, 0x03, 0x00, 0x04, 0x11,
    0x05, 0x12, 0x21, 0x31, 0x41, 0x06, 0x13, 0x51, 0x61, 0x07, 0x22, 0x71, 0x14, 0x32, 0x81, 0x91,
    0xa1, 0x08, 0x23, 0x42, 0xb1, 0xc1, 0x15, 0x52, 0xd1, 0xf0, 0x24, 0x33, 0x62, 0x72, 0x82, 0x09,
    0x0a, 0x16, 0x17, 0x18, 0x19, 0x1a, 0x25, 0x26, 0x27, 0x28, 0x29, 0x2a, 0x34, 0x35, 0x36, 0x37,
    0x38, 0x39, 0x3a, 0x43, 0x44, 0x45, 0x46, 0x47, 0x48, 0x49, 0x4a, 0x53, 0x54, 0x55, 0x56, 0x57,
    0x58, 0x59, 0x5a, 0x63, 0x64, 0x65, 0x66, 0x67, 0x68, 0x69, 0x6a, 0x73, 0x74, 0x75, 0x76, 0x77,
    0x78, 0x79, 0x7a, 0x83, 0x84, 0x85, 0x86, 0x87, 0x88, 0x89, 0x8a, 0x92, 0x93, 0x94, 0x95, 0x96,
    0x97, 0x98, 0x99, 0x9a, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6, 0xa7, 0xa8, 0xa9, 0xaa, 0xb2, 0xb3, 0xb4,
    0xb5, 0xb6, 0xb7, 0xb8, 0xb9, 0xba, 0xc2, 0xc3, 0xc4, 0xc5, 0xc6, 0xc7, 0xc8, 0xc9, 0xca, 0xd2,
    0xd3, 0xd4, 0xd5, 0xd6, 0xd7, 0xd8, 0xd9, 0xda, 0xe1, 0xe2, 0xe3, 0xe4, 0xe5, 0xe6, 0xe7, 0xe8,
    0xe9, 0xea, 0xf1, 0xf2, 0xf3, 0xf4, 0xf5, 0xf6, 0xf7, 0xf8, 0xf9, 0xfa, 0xff, 0xda, 0x00, 0x08,
    0x01, 0x01, 0x00, 0x00, 0x3f, 0x00, 0xfc, 0xff, 0x00, 0xaf, 0xff, 0xd9,
};

/* CMYK JPEGs are converted: red on a png page; on an svg page cairo will
 * not embed CMYK, so the decoded pixels go in as PNG. Grayscale JPEGs
 * become grey RGB. */
static void test_other_jpegs(void **state)
{
    print_fixture pf;
    quire_error err;
    svg_facts f;
    image page;
    plug p;

    fixture_load(*state, &pf, "png", "cmyk.png");
    pf.images[1].data = cmyk_red_jpeg;
    pf.images[1].len = sizeof(cmyk_red_jpeg);
    pf.images[1].width = 16;
    pf.images[1].height = 8;
    plug_open(*state, &p, "dpi = 72\n");
    if (render(&p, &pf.doc, pf.pages, 1, &err) != QUIRE_OK)
        fail_msg("render: %s", err.msg);
    page = png_decode(*state, "cmyk.png");
    assert_px(&page, 240, 290, 255, 0, 0, 255, 6); /* the JPEG box's centre */
    free(page.rgba);
    pf.doc.format = "svg";
    pf.doc.output_path = "cmyk.svg";
    if (render(&p, &pf.doc, pf.pages, 1, &err) != QUIRE_OK)
        fail_msg("render: %s", err.msg);
    f = svg_read(*state, "cmyk.svg");
    assert_int_equal(f.images, 2);
    assert_int_equal(f.png_images, 2);
    assert_int_equal(f.jpeg_same, 0);

    /* A grayscale JPEG: grey on a png page. */
    pf.images[1].data = gray_jpeg;
    pf.images[1].len = sizeof(gray_jpeg);
    pf.images[1].width = pf.images[1].height = 8;
    pf.doc.format = "png";
    pf.doc.output_path = "gray.png";
    if (render(&p, &pf.doc, pf.pages, 1, &err) != QUIRE_OK)
        fail_msg("render: %s", err.msg);
    page = png_decode(*state, "gray.png");
    assert_px(&page, 240, 290, 0x40, 0x40, 0x40, 255, 2);
    free(page.rgba);
    plug_close(&p);
    print_fixture_free(&pf);
    assert_int_equal(live_blocks, 0);
}

/* dpi = 72: one pixel per point. background = transparent. One page: the
 * output path itself. */
static void test_png_dpi_background(void **state)
{
    print_fixture pf;
    quire_error err;
    image page;
    int w, h;
    plug p;

    fixture_load(*state, &pf, "png", "one.png");
    plug_open(*state, &p, "dpi = 72\nbackground = transparent\n");
    if (render(&p, &pf.doc, pf.pages, 1, &err) != QUIRE_OK)
        fail_msg("render: %s", err.msg);
    assert_true(exists("one.png"));
    assert_int_equal(count_files(".", "one"), 1);
    png_size("one.png", &w, &h);
    assert_int_equal(w, 595); /* 595.28 */
    assert_int_equal(h, 842); /* 841.89 */
    page = png_decode(*state, "one.png");
    assert_px(&page, 10, 10, 0, 0, 0, 0, 0);
    assert_px(&page, 156, 200, 0xde, 0xeb, 0xf7, 255, 0); /* the rectangle's centre */
    free(page.rgba);
    plug_close(&p);

    /* A coloured background with its own alpha. */
    plug_open(*state, &p, "dpi = 18\nbackground = \"#ff000080\"\n");
    if (render(&p, &pf.doc, pf.pages, 1, &err) != QUIRE_OK)
        fail_msg("render: %s", err.msg);
    png_size("one.png", &w, &h);
    assert_int_equal(w, 149); /* 595.28 / 4 = 148.8 */
    assert_int_equal(h, 210); /* 841.89 / 4 = 210.47 */
    page = png_decode(*state, "one.png");
    assert_px(&page, 2, 2, 255, 0, 0, 0x80, 1);
    free(page.rgba);
    plug_close(&p);
    print_fixture_free(&pf);
    assert_int_equal(live_blocks, 0);
}

/* Justified text: every glyph after a space moves by word_spacing. At 72
 * dpi, 30 pt of spacing is 30 pixels exactly, so the second word's ink
 * starts 30 columns further right and the first word's does not move. */
static void first_ink_columns(const image *img, int *first, int *second)
{
    int in_ink = 0, runs = 0;

    *first = *second = -1;
    for (int x = 0; x < img->width; x++) {
        int ink = 0;
        for (int y = 0; y < img->height && !ink; y++)
            ink = px(img, x, y)[0] < 160;
        if (ink && !in_ink) {
            if (runs == 0)
                *first = x;
            else if (runs == 1)
                *second = x;
            runs++;
        }
        in_ink = ink;
    }
}

static void test_word_spacing(void **state)
{
    print_fixture pf;
    quire_element text;
    quire_page page;
    quire_error err;
    int a0, b0, a1, b1;
    image img;
    plug p;

    fixture_load(*state, &pf, "png", "words.png");
    text = fixture_text("m m", 0, 20, 10.25, 5, QUIRE_ALIGN_JUSTIFY, QUIRE_BAND_DETAIL, 1, 0, 60);
    page = (quire_page){sizeof(quire_page), 1, 120, 30, 1, &text, 0, NULL, 1};
    pf.doc.page_width = 120;
    pf.doc.page_height = 30;
    plug_open(*state, &p, "dpi = 72\n");
    if (render(&p, &pf.doc, &page, 1, &err) != QUIRE_OK)
        fail_msg("render: %s", err.msg);
    img = png_decode(*state, "words.png");
    first_ink_columns(&img, &a0, &b0);
    free(img.rgba);
    text.u.text.word_spacing = 30;
    page.width = 150;
    if (render(&p, &pf.doc, &page, 1, &err) != QUIRE_OK)
        fail_msg("render: %s", err.msg);
    img = png_decode(*state, "words.png");
    first_ink_columns(&img, &a1, &b1);
    free(img.rgba);
    assert_true(a0 >= 10 && b0 > a0);
    assert_int_equal(a1, a0);
    assert_int_equal(b1, b0 + 30);
    plug_close(&p);
    print_fixture_free(&pf);
    assert_int_equal(live_blocks, 0);
}

/* Documents render concurrently on different threads, each with its own
 * FreeType library; every one comes out whole. */
typedef struct worker {
    const fixture *fx;
    const plug *p;
    int id, failures;
    char message[QUIRE_ERROR_MSG_MAX];
} worker;

static void *worker_run(void *arg)
{
    static const char *const formats[] = {"svg", "png"};
    worker *w = arg;
    print_fixture pf;
    quire_error err;
    char name[PATH_MAX + 64];

    /* Not fixture_load: the working directory is shared by the threads. */
    if (print_fixture_init(&pf) != 0) {
        w->failures++;
        return NULL;
    }
    for (int round = 0; round < 4; round++) {
        pf.doc.format = formats[round % 2];
        snprintf(name, sizeof(name), "%s/t%d-r%d.%s", w->fx->dir, w->id, round, pf.doc.format);
        pf.doc.output_path = name;
        if (render(w->p, &pf.doc, pf.pages, 2, &err) != QUIRE_OK) {
            w->failures++;
            snprintf(w->message, sizeof(w->message), "%s", err.msg);
        }
    }
    print_fixture_free(&pf);
    return NULL;
}

static void test_concurrent_documents(void **state)
{
    const fixture *fx = *state;
    pthread_t threads[3];
    worker workers[3];
    plug p;

    plug_open(*state, &p, "dpi = 18\n");
    /* The fixture's images are read relative to the repository. */
    assert_int_equal(chdir(fx->old_cwd), 0);
    for (int i = 0; i < 3; i++) {
        workers[i] = (worker){fx, &p, i, 0, ""};
        assert_int_equal(pthread_create(&threads[i], NULL, worker_run, &workers[i]), 0);
    }
    for (int i = 0; i < 3; i++)
        assert_int_equal(pthread_join(threads[i], NULL), 0);
    assert_int_equal(chdir(fx->dir), 0);
    for (int i = 0; i < 3; i++)
        if (workers[i].failures != 0)
            fail_msg("thread %d: %d failures, last: %s", i, workers[i].failures,
                     workers[i].message);
    assert_int_equal(count_files(".", "t"), 3 * 4 * 2);
    assert_true(exists("t2-r3-page-2.png"));
    plug_close(&p);
    assert_int_equal(live_blocks, 0);
}

/* ============================== Output paths ============================== */

/* Captures what a render writes to standard output into `fd`. */
static int render_to_fd(const plug *p, const quire_document *doc, const quire_page *pages, size_t n,
                        int fd, quire_error *err)
{
    int saved, rc;

    fflush(stdout);
    saved = dup(1);
    assert_true(saved >= 0);
    assert_int_equal(dup2(fd, 1), 1);
    rc = render(p, doc, pages, n, err);
    assert_int_equal(dup2(saved, 1), 1);
    close(saved);
    return rc;
}

/* "-": one page is written to standard output; a second page is refused
 * and nothing at all is written; a --pages range of two is refused by
 * begin(). */
static void test_stdout(void **state)
{
    print_fixture pf;
    quire_error err;
    size_t len;
    uint8_t *got;
    void *instance;
    int fd;
    plug p;

    fixture_load(*state, &pf, "png", "-");
    plug_open(*state, &p, NULL);
    fd = open("captured", O_WRONLY | O_CREAT | O_TRUNC, 0644);
    assert_true(fd >= 0);
    assert_int_equal(render_to_fd(&p, &pf.doc, pf.pages, 1, fd, &err), QUIRE_OK);
    close(fd);
    got = slurp("captured", &len);
    assert_true(len > 1000);
    assert_memory_equal(got, "\x89PNG\r\n\x1a\n", 8);
    free(got);

    pf.doc.format = "svg";
    fd = open("captured", O_WRONLY | O_CREAT | O_TRUNC, 0644);
    assert_true(fd >= 0);
    assert_int_equal(render_to_fd(&p, &pf.doc, pf.pages, 2, fd, &err), QUIRE_ERR);
    close(fd);
    assert_string_equal(err.msg, "format svg writes one file per page; '-o -' takes a one-page "
                                 "document (use --pages N)");
    got = slurp("captured", &len);
    assert_int_equal(len, 0);
    free(got);
    assert_int_equal(count_files(".", ""), 3); /* ".", "..", captured */

    pf.doc.first_page = 1;
    pf.doc.last_page = 2;
    assert_int_equal(p.ops->begin(p.rec->state_ptr, &pf.doc, &instance, &err), QUIRE_ERR);
    assert_string_equal(err.msg, "format svg writes one file per page; '-o -' takes a one-page "
                                 "document (use --pages N)");
    plug_close(&p);
    print_fixture_free(&pf);
    assert_int_equal(live_blocks, 0);
}

/* abort() after some pages leaves no file, and files of an earlier render
 * under the same names are left as they were. */
static void test_abort_leaves_nothing(void **state)
{
    static const char *const formats[] = {"svg", "png"};
    print_fixture pf;
    quire_error err = {0};
    void *instance;
    uint8_t *old;
    plug p;

    fixture_load(*state, &pf, "svg", "gone.svg");
    plug_open(*state, &p, NULL);
    for (size_t f = 0; f < COUNT(formats); f++) {
        pf.doc.format = formats[f];
        assert_int_equal(p.ops->begin(p.rec->state_ptr, &pf.doc, &instance, &err), QUIRE_OK);
        assert_int_equal(p.ops->page(instance, &pf.pages[0], &err), QUIRE_OK);
        assert_int_equal(p.ops->page(instance, &pf.pages[1], &err), QUIRE_OK);
        assert_int_equal(count_files(".", "gone.svg.tmp-"), 2);
        p.ops->abort(instance);
        assert_int_equal(count_files(".", ""), 2);
    }
    write_text("keep-page-1.svg", "old\n");
    pf.doc.output_path = "keep.svg";
    assert_int_equal(p.ops->begin(p.rec->state_ptr, &pf.doc, &instance, &err), QUIRE_OK);
    assert_int_equal(p.ops->page(instance, &pf.pages[0], &err), QUIRE_OK);
    p.ops->abort(instance);
    old = slurp("keep-page-1.svg", NULL);
    assert_string_equal((char *)old, "old\n");
    free(old);
    assert_int_equal(count_files(".", ""), 3);
    plug_close(&p);
    print_fixture_free(&pf);
    assert_int_equal(live_blocks, 0);
}

/* Page names: the number goes before the extension, or the format's
 * extension is added; a directory as the output path is refused. */
static void test_page_names(void **state)
{
    print_fixture pf;
    quire_error err;
    plug p;

    fixture_load(*state, &pf, "png", "report");
    plug_open(*state, &p, "dpi = 18\n");
    assert_int_equal(mkdir("sub.d", 0755), 0);
    if (render(&p, &pf.doc, pf.pages, 2, &err) != QUIRE_OK)
        fail_msg("render: %s", err.msg);
    assert_true(exists("report-page-1.png"));
    assert_true(exists("report-page-2.png"));
    pf.doc.output_path = "sub.d/r.v2.png";
    if (render(&p, &pf.doc, pf.pages, 2, &err) != QUIRE_OK)
        fail_msg("render: %s", err.msg);
    assert_true(exists("sub.d/r.v2-page-1.png"));
    assert_true(exists("sub.d/r.v2-page-2.png"));
    assert_int_equal(count_files("sub.d", ""), 4);
    harness_remove_files("sub.d");
    pf.doc.output_path = "sub.d";
    assert_int_equal(render(&p, &pf.doc, pf.pages, 1, &err), QUIRE_ERR);
    assert_string_equal(err.msg, "cannot create 'sub.d': Is a directory");
    plug_close(&p);
    print_fixture_free(&pf);
    assert_int_equal(live_blocks, 0);
}

/* A path that cannot be written is refused by begin(), naming it. */
static void test_cannot_create(void **state)
{
    print_fixture pf;
    quire_error err;
    plug p;

    fixture_load(*state, &pf, "svg", "nodir/x.svg");
    plug_open(*state, &p, NULL);
    assert_int_equal(render(&p, &pf.doc, pf.pages, 2, &err), QUIRE_ERR);
    assert_string_equal(err.msg, "cannot create 'nodir/x.svg': No such file or directory");
    plug_close(&p);
    print_fixture_free(&pf);
    assert_int_equal(live_blocks, 0);
}

/* A device takes one page, written by end(): a full disk is reported
 * there, naming the device. */
static void test_disk_full(void **state)
{
    print_fixture pf;
    quire_error err;
    plug p;

    if (access("/dev/full", W_OK) != 0)
        skip();
    fixture_load(*state, &pf, "png", "/dev/full");
    plug_open(*state, &p, "dpi = 18\n");
    assert_int_equal(render(&p, &pf.doc, pf.pages, 1, &err), QUIRE_ERR);
    assert_string_equal(err.msg, "cannot write '/dev/full': No space left on device");
    assert_int_equal(render(&p, &pf.doc, pf.pages, 2, &err), QUIRE_ERR);
    assert_string_equal(err.msg, "format png writes one file per page; '/dev/full' is not a "
                                 "regular file and takes a one-page document (use --pages N)");
    plug_close(&p);
    print_fixture_free(&pf);
    assert_int_equal(live_blocks, 0);
}

/* ============================== Bad input ================================= */

/* A font file that is missing or not a font: the page fails naming the
 * file, and nothing is left behind. */
static void test_bad_font(void **state)
{
    static const char *const formats[] = {"svg", "png"};
    print_fixture pf;
    quire_error err;
    plug p;

    fixture_load(*state, &pf, "svg", "font.svg");
    write_text("notafont.ttf", "plain text, not a font\n");
    plug_open(*state, &p, "dpi = 18\n");
    for (size_t f = 0; f < COUNT(formats); f++) {
        pf.doc.format = formats[f];
        pf.fonts[1].path = "/nonexistent/DejaVuSans-Bold.ttf";
        assert_int_equal(render(&p, &pf.doc, pf.pages, 2, &err), QUIRE_ERR);
        assert_string_equal(err.msg, "page 1, element 0: cannot open font "
                                     "'/nonexistent/DejaVuSans-Bold.ttf': No such file or "
                                     "directory");
        assert_int_equal(count_files(".", ""), 3); /* ".", "..", notafont.ttf */
        pf.fonts[1].path = "notafont.ttf";
        assert_int_equal(render(&p, &pf.doc, pf.pages, 2, &err), QUIRE_ERR);
        assert_string_equal(err.msg, "page 1, element 0: cannot open font 'notafont.ttf': not a "
                                     "font file FreeType reads (FreeType error 0x02)");
        assert_int_equal(count_files(".", ""), 3);
    }
    plug_close(&p);
    print_fixture_free(&pf);
    assert_int_equal(live_blocks, 0);
}

/* Images that do not decode: the page fails naming the file. Element 13
 * of page 1 is the PNG, element 14 the JPEG. */
static void test_bad_image(void **state)
{
    static const uint8_t garbage[64] = "this is not an image at all, just some text bytes";
    static const char *const formats[] = {"svg", "png"};
    print_fixture pf;
    quire_error err;
    plug p;

    fixture_load(*state, &pf, "svg", "img.svg");
    plug_open(*state, &p, "dpi = 18\n");
    for (size_t f = 0; f < COUNT(formats); f++) {
        quire_image png = pf.images[0], jpeg = pf.images[1];
        pf.doc.format = formats[f];

        pf.images[0].data = garbage;
        pf.images[0].len = sizeof(garbage);
        assert_int_equal(render(&p, &pf.doc, pf.pages, 2, &err), QUIRE_ERR);
        assert_string_equal(err.msg, "page 1, element 13: cannot decode image "
                                     "'tests/data/images/logo.png': not a PNG file (no PNG "
                                     "signature and header)");
        /* Cut short after the header: cairo reads past the end. */
        pf.images[0].data = png.data;
        pf.images[0].len = 100;
        assert_int_equal(render(&p, &pf.doc, pf.pages, 2, &err), QUIRE_ERR);
        assert_string_equal(err.msg, "page 1, element 13: cannot decode image "
                                     "'tests/data/images/logo.png': bad PNG data (error while "
                                     "reading from input stream)");
        pf.images[0] = png;

        pf.images[1].data = garbage;
        pf.images[1].len = sizeof(garbage);
        assert_int_equal(render(&p, &pf.doc, pf.pages, 2, &err), QUIRE_ERR);
        assert_string_equal(err.msg, "page 1, element 14: cannot decode image "
                                     "'tests/data/images/photo.jpg': bad JPEG data (Not a JPEG "
                                     "file: starts with 0x74 0x68)");
        pf.images[1] = jpeg;
        pf.images[1].len = 0;
        assert_int_equal(render(&p, &pf.doc, pf.pages, 2, &err), QUIRE_ERR);
        assert_string_equal(err.msg, "page 1, element 14: cannot decode image "
                                     "'tests/data/images/photo.jpg': the file is empty");
        pf.images[1] = jpeg;
        assert_int_equal(count_files(".", ""), 2);
    }
    plug_close(&p);
    print_fixture_free(&pf);
    assert_int_equal(live_blocks, 0);
}

/* What the kernel should never send is an error or skipped, not a crash:
 * indexes out of range, a path short of points, an unknown verb, invalid
 * UTF-8, non-finite geometry, unbalanced clips, unknown kinds. */
static void test_malformed_elements(void **state)
{
    static const uint8_t verbs[] = {QUIRE_PATH_MOVE, QUIRE_PATH_CURVE};
    static const uint8_t bad_verb[] = {QUIRE_PATH_MOVE, 9};
    static const double points[] = {1, 1, 2, 2, 3, 3};
    print_fixture pf;
    quire_element e[4];
    quire_page page = {sizeof(quire_page), 1, 100, 100, 1, e, 0, NULL, 1};
    quire_error err;
    plug p;

    fixture_load(*state, &pf, "png", "bad.png");
    plug_open(*state, &p, "dpi = 18\n");

    e[0] = fixture_text("x", 3, 10, 5, 5, QUIRE_ALIGN_LEFT, QUIRE_BAND_DETAIL, 1, 0, 6);
    assert_int_equal(render(&p, &pf.doc, &page, 1, &err), QUIRE_ERR);
    assert_string_equal(err.msg, "page 1, element 0: font index 3 is out of range (the "
                                 "document has 3 fonts)");

    memset(&e[0], 0, sizeof(e[0]));
    e[0].kind = QUIRE_EL_IMAGE;
    e[0].width = e[0].height = 10;
    e[0].u.image.image = 2;
    assert_int_equal(render(&p, &pf.doc, &page, 1, &err), QUIRE_ERR);
    assert_string_equal(err.msg, "page 1, element 0: image index 2 is out of range (the "
                                 "document has 2 images)");

    memset(&e[0], 0, sizeof(e[0]));
    e[0].kind = QUIRE_EL_PATH;
    e[0].fill = (quire_color){0, 0, 0, 255};
    e[0].u.path.verbs = verbs;
    e[0].u.path.nverbs = 2;
    e[0].u.path.points = points;
    e[0].u.path.npoints = 3;
    assert_int_equal(render(&p, &pf.doc, &page, 1, &err), QUIRE_ERR);
    assert_string_equal(err.msg, "page 1, element 0: the path's verbs need 4 points, it has 3");
    e[0].u.path.verbs = bad_verb;
    assert_int_equal(render(&p, &pf.doc, &page, 1, &err), QUIRE_ERR);
    assert_string_equal(err.msg, "page 1, element 0: path verb 1 is 9, not a QUIRE_PATH_* verb");

    e[0] = fixture_text("ok \xff\xfe", 0, 10, 5, 5, QUIRE_ALIGN_LEFT, QUIRE_BAND_DETAIL, 1, 0, 6);
    assert_int_equal(render(&p, &pf.doc, &page, 1, &err), QUIRE_ERR);
    assert_string_equal(err.msg, "page 1, element 0: cannot draw text 'ok \xff\xfe': input "
                                 "string not valid UTF-8");

    /* Skipped: NaN boxes, a pop without a push, a kind from the future,
     * an ellipse with no height, a zero-size text; then a rectangle that
     * must still be drawn. */
    memset(e, 0, sizeof(e));
    e[0].kind = QUIRE_EL_CLIP_POP;
    e[1].kind = QUIRE_EL_ELLIPSE;
    e[1].width = 10;
    e[1].fill = e[1].stroke = (quire_color){0, 0, 0, 255};
    e[1].line_width = 1;
    e[2].kind = 99;
    e[3].kind = QUIRE_EL_RECT;
    e[3].x = NAN;
    e[3].width = e[3].height = 50;
    e[3].fill = (quire_color){0, 0, 0, 255};
    page.nelements = 4;
    assert_int_equal(render(&p, &pf.doc, &page, 1, &err), QUIRE_OK);
    e[3].x = 0;
    e[0].kind = QUIRE_EL_CLIP_PUSH; /* never popped */
    e[0].width = e[0].height = 100;
    assert_int_equal(render(&p, &pf.doc, &page, 1, &err), QUIRE_OK);
    {
        image img = png_decode(*state, "bad.png");
        assert_px(&img, 5, 5, 0, 0, 0, 255, 0);
        free(img.rgba);
    }

    page.width = NAN;
    assert_int_equal(render(&p, &pf.doc, &page, 1, &err), QUIRE_ERR);
    assert_string_equal(err.msg, "page 1: size nan x 100 pt is not drawable");
    page.width = 200000;
    assert_int_equal(render(&p, &pf.doc, &page, 1, &err), QUIRE_ERR);
    assert_string_equal(err.msg, "page 1: 200000 x 100 pt at 18 dpi is 50000 x 25 pixels; png "
                                 "pages have at most 32767 on a side and 100000000 in all "
                                 "(lower [renderer.cairo] dpi)");
    page.width = 100;
    page.size = 8;
    assert_int_equal(render(&p, &pf.doc, &page, 1, &err), QUIRE_ERR);
    assert_string_equal(err.msg, "page size 8, at least 40 required");
    page.size = sizeof(page);

    /* Pages out of order. */
    {
        quire_page pages[2] = {page, page};
        pages[0].number = 2;
        assert_int_equal(render(&p, &pf.doc, pages, 2, &err), QUIRE_ERR);
        assert_string_equal(err.msg, "page 1 arrived after page 2");
    }
    /* end() after a failed page writes nothing. */
    {
        void *instance;
        quire_page pages[2] = {page, page};
        pages[1].number = 2;
        pages[1].width = NAN;
        assert_int_equal(p.ops->begin(p.rec->state_ptr, &pf.doc, &instance, &err), QUIRE_OK);
        assert_int_equal(p.ops->page(instance, &pages[0], &err), QUIRE_OK);
        assert_int_equal(p.ops->page(instance, &pages[1], &err), QUIRE_ERR);
        assert_int_equal(p.ops->end(instance, &err), QUIRE_ERR);
        assert_string_equal(err.msg, "page 2 failed; nothing was written");
        assert_int_equal(count_files(".", "bad"), 1); /* bad.png from before */
    }
    /* A document from a kernel older than ABI 1.2. */
    pf.doc.size = offsetof(quire_document, fonts);
    assert_int_equal(render(&p, &pf.doc, &page, 1, &err), QUIRE_ERR);
    {
        char want[128];
        snprintf(want, sizeof(want), "document size %zu, at least %zu (ABI 1.2) required",
                 offsetof(quire_document, fonts),
                 offsetof(quire_document, last_page) + sizeof(uint32_t));
        assert_string_equal(err.msg, want);
    }
    assert_int_equal(count_files(".", "bad.png.tmp"), 0);
    plug_close(&p);
    print_fixture_free(&pf);
    assert_int_equal(live_blocks, 0);
}

/* ============================== Main ====================================== */

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_formats_registered, test_setup),
        cmocka_unit_test_setup(test_bad_background, test_setup),
        cmocka_unit_test_setup(test_svg_fixture, test_setup),
        cmocka_unit_test_setup(test_svg_one_page, test_setup),
        cmocka_unit_test_setup(test_svg_glyph_positions, test_setup),
        cmocka_unit_test_setup(test_font_cache_eviction, test_setup),
        cmocka_unit_test_setup(test_png_fixture, test_setup),
        cmocka_unit_test_setup(test_png_dpi_background, test_setup),
        cmocka_unit_test_setup(test_other_jpegs, test_setup),
        cmocka_unit_test_setup(test_word_spacing, test_setup),
        cmocka_unit_test_setup(test_concurrent_documents, test_setup),
        cmocka_unit_test_setup(test_stdout, test_setup),
        cmocka_unit_test_setup(test_abort_leaves_nothing, test_setup),
        cmocka_unit_test_setup(test_page_names, test_setup),
        cmocka_unit_test_setup(test_cannot_create, test_setup),
        cmocka_unit_test_setup(test_disk_full, test_setup),
        cmocka_unit_test_setup(test_bad_font, test_setup),
        cmocka_unit_test_setup(test_bad_image, test_setup),
        cmocka_unit_test_setup(test_malformed_elements, test_setup),
    };

    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
