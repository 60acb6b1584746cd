/*
 * pdf_image.c - the per-document image cache. Each quire_image becomes one
 * image XObject the first time an element draws it; every later use, on
 * any page, refers to the same object, so a logo on 1000 pages is stored
 * once.
 *
 * PNG is decoded here with libpng's simplified API, not by libharu's PNG
 * loader: that one gives libpng an error callback that returns, which
 * libpng answers with abort() on a corrupt file. The pixels go to libharu
 * as raw samples (deflated when compress is on) and an alpha channel
 * becomes a soft mask, left out when every pixel is opaque.
 *
 * JPEG is stored as it is (DCTDecode). libharu walks the marker segments to
 * find the frame header and would loop forever on a segment length below
 * 2, so the same walk is done here first, bounded, and refuses what
 * libharu would trip on.
 */
#include <png.h>
#include <stdio.h>
#include <string.h>

#include "pdf.h"

/* ============================== JPEG ====================================== */

static unsigned be16(const uint8_t *p)
{
    return (unsigned)p[0] << 8 | p[1];
}

/* NULL if libharu can take the file, else why not. Steps exactly as
 * libharu's header reader does: from after SOI, a 2-byte marker and a
 * 2-byte length per segment, until a frame header (SOF0, 1, 2 or 9). */
static const char *jpeg_problem(const uint8_t *p, size_t len)
{
    size_t pos = 2;

    if (len < 2 || be16(p) != 0xFFD8)
        return "not a JPEG file";
    if (len > (size_t)UINT32_MAX)
        return "larger than 4 GB";
    for (;;) {
        unsigned tag, size;
        if (len - pos < 4)
            return "truncated: no frame header";
        tag = be16(p + pos);
        size = be16(p + pos + 2);
        if (tag == 0xFFC0 || tag == 0xFFC1 || tag == 0xFFC2 || tag == 0xFFC9) {
            if (len - pos < 10)
                return "truncated in the frame header";
            if (p[pos + 4] != 8)
                return "not 8 bits per sample";
            if (be16(p + pos + 5) == 0 || be16(p + pos + 7) == 0)
                return "no size in the frame header";
            if (p[pos + 9] != 1 && p[pos + 9] != 3 && p[pos + 9] != 4)
                return "not gray, RGB or CMYK";
            return NULL;
        }
        if ((tag & 0xFF00) != 0xFF00 || size < 2)
            return "corrupt marker segment";
        if (len - pos - 2 < size)
            return "truncated: no frame header";
        pos += 2 + size;
    }
}

static HPDF_Image load_jpeg(pdf_doc *d, const quire_image *im, const char *what, quire_error *err)
{
    const char *problem = jpeg_problem(im->data, im->len);
    HPDF_Image image;

    if (problem != NULL) {
        d->host->error_set(err, QUIRE_E_INVALID, "%s: %s", what, problem);
        return NULL;
    }
    image = HPDF_LoadJpegImageFromMem(d->pdf, im->data, (HPDF_UINT)im->len);
    if (pdf_check(d, err, what) != QUIRE_OK)
        return NULL;
    if (image == NULL) /* libharu failed without saying why */
        d->host->error_set(err, QUIRE_E_INVALID, "%s: libharu cannot store it", what);
    return image;
}

/* ============================== PNG ======================================= */

/* Moves the alpha samples of interleaved `pixels` (`channels` per pixel,
 * alpha last) into `alpha` and packs the colour samples at the front.
 * Returns 1 if some pixel is not opaque. */
static int split_alpha(uint8_t *pixels, uint8_t *alpha, size_t npixels, unsigned channels)
{
    unsigned colour = channels - 1;
    int translucent = 0;

    for (size_t i = 0; i < npixels; i++) {
        const uint8_t *from = pixels + i * channels;
        /* The write position never passes the read position. */
        memmove(pixels + i * colour, from, colour);
        alpha[i] = from[colour];
        translucent |= alpha[i] != 255;
    }
    return translucent;
}

static HPDF_Image load_png(pdf_doc *d, const quire_image *im, const char *what, quire_error *err)
{
    const quire_host *host = d->host;
    HPDF_Image image = NULL, mask;
    png_image png;
    uint8_t *pixels = NULL, *alpha = NULL;
    size_t npixels;
    int has_alpha, colour;

    memset(&png, 0, sizeof(png));
    png.version = PNG_IMAGE_VERSION;
    if (!png_image_begin_read_from_memory(&png, im->data, im->len)) {
        host->error_set(err, QUIRE_E_INVALID, "%s: %s", what, png.message);
        goto done;
    }
    has_alpha = (png.format & PNG_FORMAT_FLAG_ALPHA) != 0;
    colour = (png.format & PNG_FORMAT_FLAG_COLOR) != 0;
    /* 8-bit sRGB output: alpha stays straight (not premultiplied), as a
     * PDF soft mask wants it. */
    png.format =
        (colour ? PNG_FORMAT_RGB : PNG_FORMAT_GRAY) | (has_alpha ? PNG_FORMAT_FLAG_ALPHA : 0);
    if ((uint64_t)png.width * png.height > PDF_MAX_IMAGE_PIXELS) {
        host->error_set(err, QUIRE_E_INVALID, "%s: %u x %u pixels, more than the %u pdf takes",
                        what, (unsigned)png.width, (unsigned)png.height, PDF_MAX_IMAGE_PIXELS);
        goto done;
    }
    npixels = (size_t)png.width * png.height;
    pixels = host->malloc(npixels * PNG_IMAGE_SAMPLE_CHANNELS(png.format));
    alpha = has_alpha ? host->malloc(npixels) : NULL;
    if (pixels == NULL || (has_alpha && alpha == NULL)) {
        host->error_set(err, QUIRE_E_NOMEM, "%s: out of memory", what);
        goto done;
    }
    if (!png_image_finish_read(&png, NULL, pixels, 0, NULL)) {
        host->error_set(err, QUIRE_E_INVALID, "%s: %s", what, png.message);
        goto done;
    }
    if (has_alpha)
        has_alpha = split_alpha(pixels, alpha, npixels, PNG_IMAGE_SAMPLE_CHANNELS(png.format));
    image = HPDF_LoadRawImageFromMem(d->pdf, pixels, png.width, png.height,
                                     colour ? HPDF_CS_DEVICE_RGB : HPDF_CS_DEVICE_GRAY, 8);
    if (image != NULL && has_alpha) {
        mask =
            HPDF_LoadRawImageFromMem(d->pdf, alpha, png.width, png.height, HPDF_CS_DEVICE_GRAY, 8);
        if (mask != NULL)
            HPDF_Image_AddSMask(image, mask);
        /* Soft masks are PDF 1.4; creating an ExtGState is libharu's only
         * way to raise the version it writes. */
        if (pdf_alpha(d, 255, err) == NULL) {
            image = NULL;
            goto done;
        }
    }
    if (pdf_check(d, err, what) != QUIRE_OK) {
        image = NULL;
    } else if (image == NULL) { /* libharu failed without saying why */
        host->error_set(err, QUIRE_E_INVALID, "%s: libharu cannot store it", what);
    }

done:
    png_image_free(&png);
    host->free(alpha);
    host->free(pixels);
    return image;
}

/* ============================== Cache ===================================== */

HPDF_Image pdf_image(pdf_doc *d, uint32_t index, quire_error *err)
{
    const quire_image *im;
    char what[QUIRE_ERROR_MSG_MAX];
    HPDF_Image image;

    if (index >= d->doc.nimages) {
        d->host->error_set(err, QUIRE_E_INTERNAL, "image %u does not exist (the document has %zu)",
                           (unsigned)index, d->doc.nimages);
        return NULL;
    }
    if (d->images[index] != NULL)
        return d->images[index];
    im = &d->doc.images[index];
    snprintf(what, sizeof(what), "image '%s'", im->path ? im->path : "?");
    if (im->data == NULL || im->len == 0) {
        d->host->error_set(err, QUIRE_E_INVALID, "%s: empty", what);
        return NULL;
    }
    if (im->format == QUIRE_IMAGE_PNG) {
        image = load_png(d, im, what, err);
    } else if (im->format == QUIRE_IMAGE_JPEG) {
        image = load_jpeg(d, im, what, err);
    } else {
        d->host->error_set(err, QUIRE_E_INVALID, "%s: unknown image format %u", what,
                           (unsigned)im->format);
        return NULL;
    }
    if (image == NULL)
        return NULL;
    d->image_names[index] = pdf_resource_name(d, PDF_RES_IMAGE, image, err);
    if (d->image_names[index] == NULL)
        return NULL;
    d->images[index] = image;
    return image;
}
