/*
 * fuzz_font.c - libFuzzer target for the TrueType reader: loads the input
 * with font_face_load_mem() and, when it loads, measures, breaks and fits a
 * fixed text (every break class, invalid UTF-8, a supplementary code
 * point) and the input's own last bytes as text. Any crash, leak,
 * sanitizer report or broken invariant (a trap) is a bug.
 *
 * Seeds (tests/fuzz/corpus/font/): DejaVuSansMono cut down to the tables
 * quire reads (head, hhea, maxp, hmtx, cmap, name, OS/2), and two
 * hand-made four-glyph fonts, one with a format 4 cmap and one with a
 * format 12 cmap inside a .ttc collection.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "font.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond)                                                                                \
    do {                                                                                           \
        if (!(cond))                                                                               \
            __builtin_trap();                                                                      \
    } while (0)

#define MAX_LINES 8

static const char TEXT[] = "Hello w\xc3\xb6rld, the quick-brown/fox \xe4\xb8\xad\xe6\x96\x87"
                           "AB\xf0\x9f\x98\x80\tx\xe2\x80\x8b"
                           "y\r\n\n"
                           "\xff\xed\xa0\x80 \xc2\xa0"
                           "end   ";

/* Breaks, measures and fits text[0..len) and checks what font.h promises. */
static void exercise(const font_face *f, const char *text, size_t len, double size, double max)
{
    font_line lines[MAX_LINES];
    size_t n, missing = 0, prefix, prev_end = 0;
    double width = font_text_width(f, text, len, size, &missing);

    CHECK(width >= 0);
    CHECK(missing <= len);
    /* U+0000 itself could be the one missing: 0 means none found. */
    if (memchr(text, 0, len) == NULL)
        CHECK((font_first_missing(f, text, len) == 0) == (missing == 0));

    n = font_break_lines(f, text, len, size, max, lines, MAX_LINES);
    CHECK(n >= 1 && n <= len + 1);
    for (size_t i = 0; i < n && i < MAX_LINES; i++) {
        CHECK(lines[i].start >= prev_end && lines[i].start <= len);
        CHECK(lines[i].len <= len - lines[i].start);
        CHECK(lines[i].width ==
              font_text_width(f, text + lines[i].start, lines[i].len, size, NULL));
        /* Only a line of one code point (after the indentation that
         * starts a paragraph) may be too wide. */
        if (lines[i].width > max) {
            size_t j = lines[i].start;
            while (j < len && (text[j] == ' ' || (text[j] >= 0x09 && text[j] <= 0x0D)))
                j++;
            (void)font_utf8_next(text, len, &j);
            CHECK(j == lines[i].start + lines[i].len);
        }
        prev_end = lines[i].start + lines[i].len;
    }

    prefix = font_fit_prefix(f, text, len, size, max, "\xe2\x80\xa6");
    CHECK(prefix <= len);
    if (prefix > 0)
        CHECK(font_text_width(f, text, prefix, size, NULL) <= max);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    font_face *f = NULL;
    quire_error err;
    size_t tail;

    memset(&err, 0, sizeof(err));
    if (font_face_load_mem(data, size, "fuzz.ttf", &f, &err) != QUIRE_OK) {
        CHECK(f == NULL);
        CHECK(strncmp(err.msg, "fuzz.ttf: ", 10) == 0);
        CHECK(strchr(err.msg, '\n') == NULL);
        return 0;
    }
    CHECK(f != NULL);
    CHECK(font_units_per_em(f) >= 16 && font_units_per_em(f) <= 16384);
    CHECK(font_line_height(f) == font_line_height(f)); /* not NaN */
    CHECK(strlen(font_postscript_name(f)) < 64);
    for (uint32_t cp = 0; cp < 0x110000; cp += 0x1001)
        (void)font_advance_units(f, cp);

    exercise(f, TEXT, sizeof(TEXT) - 1, 10.0, 60.0);
    exercise(f, TEXT, sizeof(TEXT) - 1, 12.0, 0.0);
    tail = size < 256 ? size : 256;
    exercise(f, (const char *)data + size - tail, tail, 9.0, 1.0 + data[0] % 100);
    font_face_free(f);
    return 0;
}
