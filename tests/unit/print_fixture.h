/*
 * print_fixture.h - a small two-page print-model document (quire/print.h)
 * with every element kind, shared by the renderer tests (pdf, svg/png,
 * html) so each paints the same thing.
 *
 * Page 1 (A4, 595.28 x 841.89): a title "Quarterly sales" in DejaVu Sans
 * Bold 18 pt, a column header band with three text cells ("Region",
 * "Orders", "Amount", the last two right-aligned and numeric), two detail
 * rows (Africa 1,234 12,345.67 / Europe 987 9,876.54), a horizontal line,
 * a filled rectangle with an outline, an ellipse, the PNG and the JPEG from
 * tests/data/images, a closed path (triangle with a curve), a clipped text
 * that overflows its clip box, and Greek/Cyrillic text ("Αθήνα Москва").
 * Page 2: a page footer "Page 2 of 2" and one group anchor "Europe".
 *
 * Fonts are the Debian fonts-dejavu-core/-extra files; images are read from
 * FIXTURE_DIR (default tests/data/images, relative to the repository root).
 * Header-only: include it from one test file.
 */
#ifndef QUIRE_PRINT_FIXTURE_H
#define QUIRE_PRINT_FIXTURE_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <quire/renderer.h>

#ifndef FIXTURE_DIR
#define FIXTURE_DIR "tests/data/images"
#endif

#define FIXTURE_FONT_DIR "/usr/share/fonts/truetype/dejavu/"

typedef struct print_fixture {
    quire_font fonts[3];
    quire_image images[2];
    quire_element page1[40];
    quire_element page2[4];
    quire_anchor anchors2[1];
    quire_page pages[2];
    quire_document doc;
    uint8_t verbs[6];
    double points[12];
    uint8_t *image_bytes[2];
} print_fixture;

static inline uint8_t *fixture_read(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    uint8_t *buf;
    long n;
    if (f == NULL)
        return NULL;
    fseek(f, 0, SEEK_END);
    n = ftell(f);
    fseek(f, 0, SEEK_SET);
    buf = malloc(n > 0 ? (size_t)n : 1);
    if (buf != NULL && fread(buf, 1, (size_t)n, f) != (size_t)n) {
        free(buf);
        buf = NULL;
    }
    fclose(f);
    *len = (size_t)n;
    return buf;
}

static inline quire_element fixture_text(const char *s, uint32_t font, double size, double x,
                                         double top, uint32_t align, uint16_t band,
                                         uint32_t instance, uint32_t item, double advance)
{
    quire_element e;
    memset(&e, 0, sizeof(e));
    e.kind = QUIRE_EL_TEXT;
    e.band = band;
    e.instance = instance;
    e.item = item;
    e.x = x;
    e.y = top;
    e.width = advance;
    e.height = size * 1.164;
    e.fill = (quire_color){0x22, 0x22, 0x22, 255};
    e.u.text.utf8 = s;
    e.u.text.len = strlen(s);
    e.u.text.font = font;
    e.u.text.size = size;
    e.u.text.baseline = top + size * 0.928;
    e.u.text.align = align;
    e.u.text.box_x = align == QUIRE_ALIGN_RIGHT ? x + advance - 100 : x;
    e.u.text.box_y = top;
    e.u.text.box_width = 100;
    e.u.text.box_height = size * 1.164;
    return e;
}

/* Fills `fx` (caller storage). Returns 0, or -1 when an image file is
 * missing. output_path is left NULL for the test to set; format too. */
static inline int print_fixture_init(print_fixture *fx)
{
    static const char *names[2] = {FIXTURE_DIR "/logo.png", FIXTURE_DIR "/photo.jpg"};
    quire_element *e = fx->page1;
    size_t n = 0;
    memset(fx, 0, sizeof(*fx));

    fx->fonts[0] = (quire_font){"DejaVu Sans", 0, FIXTURE_FONT_DIR "DejaVuSans.ttf", 0.928, 0.236, 0};
    fx->fonts[1] = (quire_font){"DejaVu Sans", QUIRE_FONT_BOLD, FIXTURE_FONT_DIR "DejaVuSans-Bold.ttf",
                                0.928, 0.236, 0};
    fx->fonts[2] = (quire_font){"DejaVu Serif", QUIRE_FONT_ITALIC,
                                FIXTURE_FONT_DIR "DejaVuSerif-Italic.ttf", 0.928, 0.236, 0};
    for (int i = 0; i < 2; i++) {
        size_t len = 0;
        fx->image_bytes[i] = fixture_read(names[i], &len);
        if (fx->image_bytes[i] == NULL)
            return -1;
        fx->images[i].format = i == 0 ? QUIRE_IMAGE_PNG : QUIRE_IMAGE_JPEG;
        fx->images[i].width = i == 0 ? 120 : 80;
        fx->images[i].height = 60;
        fx->images[i].data = fx->image_bytes[i];
        fx->images[i].len = len;
        fx->images[i].path = names[i];
    }

    /* Title, column header, two details. */
    e[n++] = fixture_text("Quarterly sales", 1, 18, 56.69, 56.69, QUIRE_ALIGN_LEFT,
                          QUIRE_BAND_TITLE, 1, 0, 142.0);
    e[n++] = fixture_text("Region", 1, 10, 56.69, 100, QUIRE_ALIGN_LEFT, QUIRE_BAND_COLUMN_HEADER,
                          2, 0, 37.0);
    e[n++] = fixture_text("Orders", 1, 10, 219.0, 100, QUIRE_ALIGN_RIGHT,
                          QUIRE_BAND_COLUMN_HEADER, 2, 1, 37.0);
    e[n++] = fixture_text("Amount", 1, 10, 315.0, 100, QUIRE_ALIGN_RIGHT,
                          QUIRE_BAND_COLUMN_HEADER, 2, 2, 41.0);
    e[n++] = fixture_text("Africa", 0, 10, 56.69, 116, QUIRE_ALIGN_LEFT, QUIRE_BAND_DETAIL, 3, 0,
                          30.5);
    e[n++] = fixture_text("1,234", 0, 10, 227.5, 116, QUIRE_ALIGN_RIGHT, QUIRE_BAND_DETAIL, 3, 1,
                          28.5);
    e[n++] = fixture_text("12,345.67", 0, 10, 305.0, 116, QUIRE_ALIGN_RIGHT, QUIRE_BAND_DETAIL, 3,
                          2, 51.0);
    e[n++] = fixture_text("Europe", 0, 10, 56.69, 130, QUIRE_ALIGN_LEFT, QUIRE_BAND_DETAIL, 4, 0,
                          35.0);
    e[n++] = fixture_text("987", 0, 10, 238.8, 130, QUIRE_ALIGN_RIGHT, QUIRE_BAND_DETAIL, 4, 1,
                          17.2);
    e[n++] = fixture_text("9,876.54", 0, 10, 311.4, 130, QUIRE_ALIGN_RIGHT, QUIRE_BAND_DETAIL, 4, 2,
                          44.6);
    for (size_t i = 2; i < n; i++)
        if (i != 4 && i != 7)
            e[i].u.text.flags |= QUIRE_TEXT_NUMERIC;
    for (size_t i = 1; i < 4; i++)
        e[i].u.text.flags |= QUIRE_TEXT_STATIC;
    e[4].u.text.name = e[7].u.text.name = "region";
    e[5].u.text.name = e[8].u.text.name = "orders";
    e[6].u.text.name = e[9].u.text.name = "amount";

    /* A rule under the header. */
    memset(&e[n], 0, sizeof(e[n]));
    e[n].kind = QUIRE_EL_LINE;
    e[n].band = QUIRE_BAND_COLUMN_HEADER;
    e[n].instance = 2;
    e[n].item = 3;
    e[n].x = 56.69;
    e[n].y = 113;
    e[n].width = 300;
    e[n].height = 0;
    e[n].stroke = (quire_color){0x1f, 0x4e, 0x79, 255};
    e[n].line_width = 0.75;
    n++;

    /* Summary band: rectangle, ellipse, images, path, clipped text, scripts. */
    memset(&e[n], 0, sizeof(e[n]));
    e[n].kind = QUIRE_EL_RECT;
    e[n].band = QUIRE_BAND_SUMMARY;
    e[n].instance = 5;
    e[n].x = 56.69;
    e[n].y = 160;
    e[n].width = 200;
    e[n].height = 80;
    e[n].fill = (quire_color){0xde, 0xeb, 0xf7, 255};
    e[n].stroke = (quire_color){0x1f, 0x4e, 0x79, 255};
    e[n].line_width = 1;
    n++;
    e[n] = e[n - 1];
    e[n].kind = QUIRE_EL_ELLIPSE;
    e[n].item = 1;
    e[n].x = 280;
    e[n].width = 120;
    e[n].fill = (quire_color){0xf4, 0xb1, 0x83, 200};
    n++;
    memset(&e[n], 0, sizeof(e[n]));
    e[n].kind = QUIRE_EL_IMAGE;
    e[n].band = QUIRE_BAND_SUMMARY;
    e[n].instance = 5;
    e[n].item = 2;
    e[n].x = 56.69;
    e[n].y = 260;
    e[n].width = 120;
    e[n].height = 60;
    e[n].u.image.image = 0;
    n++;
    e[n] = e[n - 1];
    e[n].item = 3;
    e[n].x = 200;
    e[n].width = 80;
    e[n].u.image.image = 1;
    n++;
    fx->verbs[0] = QUIRE_PATH_MOVE;
    fx->verbs[1] = QUIRE_PATH_LINE;
    fx->verbs[2] = QUIRE_PATH_CURVE;
    fx->verbs[3] = QUIRE_PATH_CLOSE;
    {
        static const double pts[10] = {320, 320, 380, 260, 420, 280, 440, 320, 400, 330};
        memcpy(fx->points, pts, sizeof(pts));
    }
    memset(&e[n], 0, sizeof(e[n]));
    e[n].kind = QUIRE_EL_PATH;
    e[n].band = QUIRE_BAND_SUMMARY;
    e[n].instance = 5;
    e[n].item = 4;
    e[n].x = 320;
    e[n].y = 260;
    e[n].width = 120;
    e[n].height = 70;
    e[n].fill = (quire_color){0x70, 0xad, 0x47, 255};
    e[n].stroke = (quire_color){0x37, 0x56, 0x23, 255};
    e[n].line_width = 1.5;
    e[n].u.path.verbs = fx->verbs;
    e[n].u.path.nverbs = 4;
    e[n].u.path.points = fx->points;
    e[n].u.path.npoints = 5;
    n++;
    memset(&e[n], 0, sizeof(e[n]));
    e[n].kind = QUIRE_EL_CLIP_PUSH;
    e[n].band = QUIRE_BAND_SUMMARY;
    e[n].instance = 5;
    e[n].item = 5;
    e[n].x = 56.69;
    e[n].y = 340;
    e[n].width = 60;
    e[n].height = 14;
    n++;
    e[n++] = fixture_text("Clipped long text that overflows", 0, 10, 56.69, 340, QUIRE_ALIGN_LEFT,
                          QUIRE_BAND_SUMMARY, 5, 5, 160.0);
    memset(&e[n], 0, sizeof(e[n]));
    e[n].kind = QUIRE_EL_CLIP_POP;
    e[n].band = QUIRE_BAND_SUMMARY;
    e[n].instance = 5;
    e[n].item = 5;
    n++;
    e[n++] = fixture_text("\xce\x91\xce\xb8\xce\xae\xce\xbd\xce\xb1 \xd0\x9c\xd0\xbe\xd1\x81\xd0\xba"
                          "\xd0\xb2\xd0\xb0",
                          2, 12, 56.69, 370, QUIRE_ALIGN_LEFT, QUIRE_BAND_SUMMARY, 5, 6, 90.0);

    fx->pages[0] = (quire_page){sizeof(quire_page), 1, 595.28, 841.89, n, fx->page1, 0, NULL, 1};

    fx->page2[0] = fixture_text("Page 2 of 2", 0, 9, 500, 800, QUIRE_ALIGN_RIGHT,
                                QUIRE_BAND_PAGE_FOOTER, 6, 0, 48.0);
    fx->page2[1] = fixture_text("Europe", 1, 12, 56.69, 56.69, QUIRE_ALIGN_LEFT,
                                QUIRE_BAND_GROUP_HEADER, 7, 0, 45.0);
    fx->page2[1].group_level = 1;
    fx->anchors2[0] = (quire_anchor){1, "Europe", 6, 56.69, 7};
    fx->pages[1] =
        (quire_page){sizeof(quire_page), 2, 595.28, 841.89, 2, fx->page2, 1, fx->anchors2, 2};

    fx->doc.size = sizeof(quire_document);
    fx->doc.title = "Quarterly sales";
    fx->doc.author = "quire tests";
    fx->doc.locale = "en-US";
    fx->doc.report_name = "fixture";
    fx->doc.fonts = fx->fonts;
    fx->doc.nfonts = 3;
    fx->doc.images = fx->images;
    fx->doc.nimages = 2;
    fx->doc.subject = "Fixture";
    fx->doc.keywords = "sales, test";
    fx->doc.creator = "quire tests";
    fx->doc.page_width = 595.28;
    fx->doc.page_height = 841.89;
    return 0;
}

static inline void print_fixture_free(print_fixture *fx)
{
    free(fx->image_bytes[0]);
    free(fx->image_bytes[1]);
}

#endif /* QUIRE_PRINT_FIXTURE_H */
