/*
 * std_theme.c - the themes of the standard provider: palette, text, grid,
 * axis and background colours, title style. The default palette is
 * Okabe and Ito's colour-blind-safe set, in their order.
 */
#include <string.h>

#include "std.h"

#define C(r, g, b)                                                                                 \
    {                                                                                              \
        r, g, b, 255                                                                               \
    }

static const std_theme themes[] = {
    {.name = "default",
     .palette = {C(0x00, 0x72, 0xB2), C(0xE6, 0x9F, 0x00), C(0x00, 0x9E, 0x73), C(0xD5, 0x5E, 0x00),
                 C(0xCC, 0x79, 0xA7), C(0x56, 0xB4, 0xE9), C(0xF0, 0xE4, 0x42),
                 C(0x00, 0x00, 0x00)},
     .npalette = 8,
     .text = C(0x22, 0x22, 0x22),
     .muted = C(0x55, 0x55, 0x55),
     .grid = C(0xE0, 0xE0, 0xE0),
     .axis = C(0x88, 0x88, 0x88),
     .zero = C(0x44, 0x44, 0x44),
     .background = {0, 0, 0, 0},
     .grid_on = 1,
     .box_on = 0,
     .title_bold = 1,
     .title_scale = 1.35,
     .skip_yellow = 1},
    {.name = "corporate",
     .palette = {C(0x1F, 0x3A, 0x5F), C(0x3E, 0x7C, 0xB1), C(0x8A, 0x9B, 0xA8), C(0x7F, 0xB3, 0xD5),
                 C(0x2E, 0x5E, 0x4E), C(0x5B, 0x5B, 0x5B), C(0xA9, 0xC6, 0xDE),
                 C(0x0B, 0x1F, 0x3A)},
     .npalette = 8,
     .text = C(0x1F, 0x2A, 0x37),
     .muted = C(0x4A, 0x55, 0x63),
     .grid = C(0xDD, 0xE3, 0xEA),
     .axis = C(0x6B, 0x7B, 0x8C),
     .zero = C(0x1F, 0x3A, 0x5F),
     .background = C(0xFF, 0xFF, 0xFF),
     .grid_on = 1,
     .box_on = 1,
     .title_bold = 1,
     .title_scale = 1.45,
     .skip_yellow = 0},
    {.name = "minimal",
     .palette = {C(0xD6, 0x4F, 0x2A), C(0x55, 0x55, 0x55), C(0x99, 0x99, 0x99), C(0x33, 0x33, 0x33),
                 C(0xBB, 0xBB, 0xBB), C(0x77, 0x77, 0x77)},
     .npalette = 6,
     .text = C(0x33, 0x33, 0x33),
     .muted = C(0x77, 0x77, 0x77),
     .grid = C(0xEE, 0xEE, 0xEE),
     .axis = C(0xAA, 0xAA, 0xAA),
     .zero = C(0x77, 0x77, 0x77),
     .background = {0, 0, 0, 0},
     .grid_on = 0,
     .box_on = 0,
     .title_bold = 0,
     .title_scale = 1.25,
     .skip_yellow = 0},
    {.name = "vibrant",
     .palette = {C(0xE6, 0x19, 0x4B), C(0x3C, 0xB4, 0x4B), C(0x43, 0x63, 0xD8), C(0xF5, 0x82, 0x31),
                 C(0x91, 0x1E, 0xB4), C(0x00, 0xA6, 0xA6), C(0xF0, 0x32, 0xE6),
                 C(0x9A, 0x63, 0x24)},
     .npalette = 8,
     .text = C(0x1A, 0x1A, 0x2E),
     .muted = C(0x44, 0x44, 0x5E),
     .grid = C(0xE4, 0xE4, 0xF0),
     .axis = C(0x80, 0x80, 0x99),
     .zero = C(0x1A, 0x1A, 0x2E),
     .background = {0, 0, 0, 0},
     .grid_on = 1,
     .box_on = 0,
     .title_bold = 1,
     .title_scale = 1.4,
     .skip_yellow = 0},
};

const std_theme *std_theme_find(const char *name)
{
    for (size_t i = 0; name != NULL && i < sizeof(themes) / sizeof(themes[0]); i++)
        if (strcmp(themes[i].name, name) == 0)
            return &themes[i];
    return NULL;
}

const char *std_theme_names(void)
{
    return "default, corporate, minimal or vibrant";
}

/* Light colours (yellow) vanish as a thin line on white. */
static int too_light(quire_color c)
{
    return 0.299 * c.r + 0.587 * c.g + 0.114 * c.b > 200.0;
}

quire_color std_series_color(const std_ctx *c, size_t i, int thin)
{
    const quire_color *pal = c->opts.ncolors ? c->opts.colors : c->theme->palette;
    size_t n = c->opts.ncolors ? c->opts.ncolors : c->theme->npalette;
    size_t usable = n;

    if (!thin || c->opts.ncolors || !c->theme->skip_yellow)
        return pal[i % n];
    /* Walk the palette without its too-light entries. */
    for (size_t k = 0; k < n; k++)
        usable -= too_light(pal[k]);
    if (usable == 0)
        return pal[i % n];
    i %= usable;
    for (size_t k = 0; k < n; k++) {
        if (too_light(pal[k]))
            continue;
        if (i-- == 0)
            return pal[k];
    }
    return pal[0];
}

quire_color std_alpha(quire_color col, uint8_t a)
{
    col.a = a;
    return col;
}
