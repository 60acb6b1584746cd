/*
 * fill_res.c - the fonts and images of a render (fill.h): the configured
 * TrueType files, mapped by the family and style their own 'name' and
 * 'head' tables give, and every image file the report's elements name,
 * read once and checked to be a PNG or a JPEG.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "config.h"
#include "fill.h"
#include "path.h"

/* ============================== Fonts ===================================== */

int fill_font_find(const fill_resources *res, const char *family, uint32_t style)
{
    int regular = -1;
    if (family == NULL)
        family = res->fonts[res->default_font].family;
    for (size_t i = 0; i < res->nfonts; i++) {
        if (strcasecmp(res->fonts[i].family, family) != 0)
            continue;
        if (res->fonts[i].style == style)
            return (int)i;
        if (res->fonts[i].style == 0)
            regular = (int)i;
    }
    if (regular >= 0)
        return regular;
    if (strcasecmp(family, res->fonts[res->default_font].family) != 0)
        return fill_font_find(res, NULL, style);
    return res->default_font;
}

static int family_known(const fill_resources *res, const char *family)
{
    for (size_t i = 0; i < res->nfonts; i++)
        if (strcasecmp(res->fonts[i].family, family) == 0)
            return 1;
    return 0;
}

static void family_list(const fill_resources *res, char *buf, size_t cap)
{
    size_t n = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < res->nfonts && n < cap; i++) {
        int seen = 0;
        for (size_t j = 0; j < i && !seen; j++)
            seen = strcasecmp(res->fonts[j].family, res->fonts[i].family) == 0;
        if (!seen)
            n += (size_t)snprintf(buf + n, cap - n, "%s'%s'", n ? ", " : "", res->fonts[i].family);
    }
}

/* "FILE:LINE: " where the admin set `key`, or "" for a built-in default. */
static const char *origin_prefix(const quire_config *kconf, const char *key, char *buf, size_t cap)
{
    if (!config_is_set(kconf, key))
        return "";
    snprintf(buf, cap, "%s: ", config_origin(kconf, key));
    return buf;
}

static int load_fonts(fill_resources *res, const quire_config *kconf, diag *d)
{
    const char *dir = config_get_string(kconf, "font_dir");
    const char *def = config_get_string(kconf, "font_default");
    size_t n = config_list_count(kconf, "fonts");
    char where[600];
    res->fonts = calloc(n + 1, sizeof(*res->fonts));
    res->faces = calloc(n + 1, sizeof(*res->faces));
    res->ascii_complete = calloc(n + 1, 1);
    if (res->fonts == NULL || res->faces == NULL || res->ascii_complete == NULL)
        return -1;
    for (size_t i = 0; i < n; i++) {
        const char *file = config_list_item(kconf, "fonts", i);
        char *full = path_resolve(dir, file);
        quire_error err;
        font_face *face;
        memset(&err, 0, sizeof(err));
        if (full == NULL)
            return -1;
        if (font_face_load(full, &face, &err) != QUIRE_OK) {
            diag_error(d, "%s[kernel] fonts: %s",
                       origin_prefix(kconf, "fonts", where, sizeof(where)), err.msg);
            free(full);
            continue;
        }
        res->faces[res->nfonts] = face;
        {
            char ascii[95];
            for (int c = 0; c < 95; c++)
                ascii[c] = (char)(0x20 + c);
            res->ascii_complete[res->nfonts] = font_first_missing(face, ascii, sizeof(ascii)) == 0;
        }
        res->fonts[res->nfonts].path = full;
        res->fonts[res->nfonts].family = font_family_name(face);
        res->fonts[res->nfonts].style = font_style_bits(face);
        res->fonts[res->nfonts].ascent = font_ascent(face);
        res->fonts[res->nfonts].descent = font_descent(face);
        res->fonts[res->nfonts].line_gap = font_line_gap(face);
        res->nfonts++;
    }
    if (d->errors > 0)
        return -1;
    if (res->nfonts == 0) {
        diag_error(d, "%s[kernel] fonts: no font is configured; pages need at least one",
                   origin_prefix(kconf, "fonts", where, sizeof(where)));
        return -1;
    }
    res->default_font = 0;
    if (def != NULL && def[0] != '\0') {
        char where_buf[600];
        int found = -1;
        for (size_t i = 0; i < res->nfonts && found < 0; i++)
            if (strcasecmp(res->fonts[i].family, def) == 0 && res->fonts[i].style == 0)
                found = (int)i;
        if (found < 0 && family_known(res, def)) {
            diag_error(d,
                       "%s[kernel] font_default: family '%s' has no regular face among the "
                       "configured fonts (add its regular file to [kernel] fonts)",
                       origin_prefix(kconf, "font_default", where_buf, sizeof(where_buf)), def);
            return -1;
        }
        if (found < 0) {
            char list[512];
            family_list(res, list, sizeof(list));
            diag_error(d, "%s[kernel] font_default: '%s' is not among the configured fonts (%s)",
                       origin_prefix(kconf, "font_default", where_buf, sizeof(where_buf)), def,
                       list);
            return -1;
        }
        res->default_font = found;
    }
    return 0;
}

/* ============================== Images ==================================== */

static uint32_t be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* Reads the pixel size from a PNG's IHDR or a JPEG's first SOFn. */
static int image_header(quire_image *img, char *why, size_t why_len)
{
    const uint8_t *p = img->data;
    size_t n = img->len;
    if (n >= 24 && memcmp(p, "\x89PNG\r\n\x1a\n", 8) == 0 && memcmp(p + 12, "IHDR", 4) == 0) {
        img->format = QUIRE_IMAGE_PNG;
        img->width = be32(p + 16);
        img->height = be32(p + 20);
    } else if (n >= 4 && p[0] == 0xff && p[1] == 0xd8) {
        size_t i = 2;
        img->format = QUIRE_IMAGE_JPEG;
        while (i + 9 < n) {
            uint8_t marker;
            size_t len;
            if (p[i] != 0xff) {
                snprintf(why, why_len, "JPEG segment at byte %zu has no marker", i);
                return -1;
            }
            marker = p[i + 1];
            len = (size_t)p[i + 2] << 8 | p[i + 3];
            if (len < 2) {
                snprintf(why, why_len, "JPEG segment at byte %zu has length %zu", i, len);
                return -1;
            }
            if (marker >= 0xc0 && marker <= 0xcf && marker != 0xc4 && marker != 0xc8 &&
                marker != 0xcc) {
                img->height = (uint32_t)p[i + 5] << 8 | p[i + 6];
                img->width = (uint32_t)p[i + 7] << 8 | p[i + 8];
                break;
            }
            i += 2 + len;
        }
    } else {
        snprintf(why, why_len, "not a PNG or JPEG file");
        return -1;
    }
    if (img->width == 0 || img->height == 0 || img->width > 100000 || img->height > 100000) {
        snprintf(why, why_len, "bad image size %ux%u", img->width, img->height);
        return -1;
    }
    return 0;
}

static uint8_t *read_file(const char *path, size_t *len, int *err_no)
{
    FILE *f = fopen(path, "rb");
    uint8_t *buf = NULL;
    size_t cap = 0, n = 0;
    if (f == NULL) {
        *err_no = errno;
        return NULL;
    }
    for (;;) {
        size_t got;
        if (n == cap) {
            uint8_t *grown = realloc(buf, cap ? cap * 2 : 65536);
            if (grown == NULL) {
                *err_no = ENOMEM;
                free(buf);
                fclose(f);
                return NULL;
            }
            buf = grown;
            cap = cap ? cap * 2 : 65536;
        }
        got = fread(buf + n, 1, cap - n, f);
        n += got;
        if (got == 0)
            break;
    }
    if (ferror(f)) {
        *err_no = errno ? errno : EIO;
        free(buf);
        fclose(f);
        return NULL;
    }
    fclose(f);
    *len = n;
    return buf;
}

typedef struct walk_ctx {
    const report *rep;
    fill_resources *res;
    diag *d;
    size_t cap_images, cap_elements;
} walk_ctx;

static int add_image(walk_ctx *w, const report_element *el)
{
    fill_resources *res = w->res;
    size_t idx = res->nimages;
    char why[160];
    int err_no = 0;
    for (size_t i = 0; i < res->nimages; i++)
        if (strcmp(res->images[i].path, el->image_path) == 0)
            idx = i;
    if (idx == res->nimages) {
        quire_image img;
        memset(&img, 0, sizeof(img));
        img.path = el->image_path;
        img.data = read_file(el->image_path, &img.len, &err_no);
        if (img.data == NULL) {
            diag_error_at(w->d, w->rep->path, w->rep->ast->text, w->rep->ast->len, el->loc.line,
                          el->loc.column, "image '%s': %s", el->image_path, strerror(err_no));
            return 0;
        }
        if (image_header(&img, why, sizeof(why)) != 0) {
            diag_error_at(w->d, w->rep->path, w->rep->ast->text, w->rep->ast->len, el->loc.line,
                          el->loc.column, "image '%s': %s", el->image_path, why);
            free((void *)img.data);
            return 0;
        }
        if (res->nimages == w->cap_images) {
            size_t cap = w->cap_images ? w->cap_images * 2 : 4;
            quire_image *grown = realloc(res->images, cap * sizeof(*grown));
            if (grown == NULL) {
                free((void *)img.data);
                return -1;
            }
            res->images = grown;
            w->cap_images = cap;
        }
        res->images[res->nimages++] = img;
    }
    if (res->nimage_elements == w->cap_elements) {
        size_t cap = w->cap_elements ? w->cap_elements * 2 : 4;
        const report_element **els = realloc(res->image_elements, cap * sizeof(*els));
        uint32_t *index;
        if (els == NULL)
            return -1;
        res->image_elements = els;
        index = realloc(res->image_index, cap * sizeof(*index));
        if (index == NULL)
            return -1;
        res->image_index = index;
        w->cap_elements = cap;
    }
    res->image_elements[res->nimage_elements] = el;
    res->image_index[res->nimage_elements++] = (uint32_t)idx;
    return 0;
}

static void check_family(walk_ctx *w, const char *family, ast_loc loc)
{
    char list[512];
    if (family == NULL || family_known(w->res, family))
        return;
    family_list(w->res, list, sizeof(list));
    diag_error_at(w->d, w->rep->path, w->rep->ast->text, w->rep->ast->len, loc.line, loc.column,
                  "font '%s' is not configured (configured families: %s; see [kernel] fonts)",
                  family, list);
}

static int walk(walk_ctx *w, const report_element *els, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        const report_element *el = &els[i];
        if (el->props.set & STYLE_FONT)
            check_family(w, el->props.font, el->loc);
        if (el->kind == EL_IMAGE && el->image_path != NULL && add_image(w, el) != 0)
            return -1;
        if (el->kind == EL_FRAME && walk(w, el->children, el->nchildren) != 0)
            return -1;
    }
    return 0;
}

/* ============================== Load ====================================== */

int fill_resources_load(const report *rep, const quire_config *kconf, fill_resources **out, diag *d)
{
    fill_resources *res = calloc(1, sizeof(*res));
    walk_ctx w = {.rep = rep, .res = res, .d = d};
    size_t before = d->errors;
    *out = NULL;
    if (res == NULL)
        return -1;
    if (load_fonts(res, kconf, d) != 0)
        goto fail_free_res;
    for (size_t i = 0; i < rep->nstyles; i++) {
        if (rep->styles[i].props.set & STYLE_FONT)
            check_family(&w, rep->styles[i].props.font, rep->styles[i].loc);
        for (size_t c = 0; c < rep->styles[i].nconds; c++)
            if (rep->styles[i].conds[c].props.set & STYLE_FONT)
                check_family(&w, rep->styles[i].conds[c].props.font, rep->styles[i].conds[c].loc);
    }
    for (size_t i = 0; i < rep->nbands; i++)
        if (walk(&w, rep->bands[i].elements, rep->bands[i].nelements) != 0)
            goto fail_free_res;
    if (d->errors > before)
        goto fail_free_res;
    *out = res;
    return 0;

fail_free_res:
    fill_resources_free(res);
    return -1;
}

void fill_resources_free(fill_resources *res)
{
    if (res == NULL)
        return;
    for (size_t i = 0; i < res->nfonts; i++) {
        font_face_free(res->faces[i]);
        free((void *)res->fonts[i].path);
    }
    for (size_t i = 0; i < res->nimages; i++)
        free((void *)res->images[i].data);
    free(res->fonts);
    free(res->faces);
    free(res->ascii_complete);
    free(res->images);
    free(res->image_elements);
    free(res->image_index);
    free(res);
}
