/*
 * cairo_image.c - the images of one document (quire_document.images),
 * each turned into a cairo surface on first use and kept until the
 * document ends, however many pages show it.
 *
 * PNG: cairo decodes it (cairo_image_surface_create_from_png_stream).
 * JPEG: cairo 1.16 has no JPEG decoder. For png pages libjpeg decodes it;
 * for svg pages nothing needs decoding: cairo's SVG backend embeds the
 * bytes attached as CAIRO_MIME_TYPE_JPEG (or _PNG) to a surface of the
 * image's size, so an svg page carries the original file. Only a CMYK
 * JPEG is decoded for svg too: cairo declines to embed one and would
 * encode the (empty) surface instead.
 *
 * Images are input: sizes are checked before anything is allocated, and a
 * file that does not decode is an error naming it, never a crash (libjpeg
 * reports errors through a longjmp back into decode_jpeg).
 */
#include <setjmp.h>
#include <stdio.h> /* before jpeglib.h, which uses FILE */
#include <string.h>

#include <jpeglib.h>

#include "cairo_plugin.h"

struct qcairo_images {
    const quire_host *host;
    quire_plugin *self;
    const quire_image *images;
    size_t nimages;
    int for_svg;
    cairo_surface_t **surfaces; /* nimages entries; NULL until decoded */
};

qcairo_images *qcairo_images_new(const quire_host *host, quire_plugin *self,
                                 const quire_image *images, size_t nimages, int for_svg,
                                 quire_error *err)
{
    qcairo_images *im = host->calloc(1, sizeof(*im));

    if (im == NULL)
        goto fail_nomem;
    im->host = host;
    im->self = self;
    im->images = images;
    im->nimages = images != NULL ? nimages : 0;
    im->for_svg = for_svg;
    if (im->nimages > 0) {
        im->surfaces = host->calloc(im->nimages, sizeof(*im->surfaces));
        if (im->surfaces == NULL) {
            host->free(im);
            goto fail_nomem;
        }
    }
    return im;

fail_nomem:
    host->error_set(err, QUIRE_E_NOMEM, "out of memory");
    return NULL;
}

/* Refuses sizes cairo cannot hold or that would take too much memory. */
static int check_size(const qcairo_images *im, const quire_image *img, uint64_t width,
                      uint64_t height, quire_error *err)
{
    if (width == 0 || height == 0 || width > QCAIRO_MAX_SIDE || height > QCAIRO_MAX_SIDE ||
        width * height > QCAIRO_MAX_PIXELS) {
        im->host->error_set(err, QUIRE_E_INVALID,
                            "image '%s' is %llu x %llu pixels; at most %d on a side and %u in "
                            "all are drawn",
                            img->path, (unsigned long long)width, (unsigned long long)height,
                            QCAIRO_MAX_SIDE, QCAIRO_MAX_PIXELS);
        return QUIRE_ERR;
    }
    return QUIRE_OK;
}

/* Attaches the file itself for the SVG backend to embed. The bytes belong
 * to the document and outlive the surface (freed by qcairo_images_free,
 * before end() or abort() returns). */
static int attach_file(const qcairo_images *im, cairo_surface_t *s, const quire_image *img,
                       const char *mime, quire_error *err)
{
    if (cairo_surface_set_mime_data(s, mime, img->data, img->len, NULL, NULL) !=
        CAIRO_STATUS_SUCCESS) {
        im->host->error_set(err, QUIRE_E_NOMEM, "image '%s': cairo is out of memory", img->path);
        return QUIRE_ERR;
    }
    return QUIRE_OK;
}

/* ============================== PNG ======================================= */

typedef struct byte_reader {
    const uint8_t *data;
    size_t len, at;
} byte_reader;

static cairo_status_t read_bytes(void *closure, unsigned char *data, unsigned int length)
{
    byte_reader *r = closure;

    if (r->len - r->at < length)
        return CAIRO_STATUS_READ_ERROR;
    memcpy(data, r->data + r->at, length);
    r->at += length;
    return CAIRO_STATUS_SUCCESS;
}

static uint32_t be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static cairo_surface_t *decode_png(const qcairo_images *im, const quire_image *img,
                                   quire_error *err)
{
    static const uint8_t signature[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
    byte_reader r = {img->data, img->len, 0};
    cairo_surface_t *s;

    /* The size from IHDR (always the first chunk) before libpng
     * allocates for it. */
    if (img->len < 24 || memcmp(img->data, signature, 8) != 0 ||
        memcmp(img->data + 12, "IHDR", 4) != 0) {
        im->host->error_set(err, QUIRE_E_INVALID,
                            "cannot decode image '%s': not a PNG file (no PNG signature and "
                            "header)",
                            img->path);
        return NULL;
    }
    if (check_size(im, img, be32(img->data + 16), be32(img->data + 20), err) != QUIRE_OK)
        return NULL;
    s = cairo_image_surface_create_from_png_stream(read_bytes, &r);
    if (cairo_surface_status(s) != CAIRO_STATUS_SUCCESS) {
        im->host->error_set(err, QUIRE_E_INVALID, "cannot decode image '%s': bad PNG data (%s)",
                            img->path, cairo_status_to_string(cairo_surface_status(s)));
        cairo_surface_destroy(s);
        return NULL;
    }
    if (im->for_svg && attach_file(im, s, img, CAIRO_MIME_TYPE_PNG, err) != QUIRE_OK) {
        cairo_surface_destroy(s);
        return NULL;
    }
    return s;
}

/* ============================== JPEG ====================================== */

/* libjpeg's error manager, extended with where to jump back to. */
typedef struct jpeg_failure {
    struct jpeg_error_mgr mgr;
    jmp_buf back;
    char message[JMSG_LENGTH_MAX];
    char warning[JMSG_LENGTH_MAX]; /* the first warning, "" if none */
} jpeg_failure;

/* libjpeg calls this for a fatal error; it must not return. */
static void jpeg_fatal(j_common_ptr cinfo)
{
    jpeg_failure *f = (jpeg_failure *)cinfo->err;

    cinfo->err->format_message(cinfo, f->message);
    longjmp(f->back, 1);
}

/* Warnings (level -1: corrupt data that libjpeg works around) are kept,
 * the first one logged by the caller; trace messages are dropped. */
static void jpeg_message(j_common_ptr cinfo, int level)
{
    jpeg_failure *f = (jpeg_failure *)cinfo->err;

    if (level < 0 && f->warning[0] == '\0')
        cinfo->err->format_message(cinfo, f->warning);
}

/* One row of CMYK samples to cairo's native 0x00RRGGBB pixels. Adobe
 * writes CMYK inverted (0 = full ink), most files carry its marker. */
static void cmyk_row(const JSAMPLE *in, uint32_t *out, JDIMENSION width, int inverted)
{
    for (JDIMENSION x = 0; x < width; x++, in += 4) {
        unsigned c = in[0], m = in[1], y = in[2], k = in[3];
        if (!inverted) {
            c = 255 - c;
            m = 255 - m;
            y = 255 - y;
            k = 255 - k;
        }
        out[x] = (uint32_t)((c * k + 127) / 255) << 16 | (uint32_t)((m * k + 127) / 255) << 8 |
                 (uint32_t)((y * k + 127) / 255);
    }
}

/* Decodes the JPEG into a new RGB24 surface; or, with header_only (svg),
 * reads only its header and returns an empty surface of its size for the
 * file to be attached to, unless it is CMYK. NULL with *err set on
 * failure. */
static cairo_surface_t *decode_jpeg(const qcairo_images *im, const quire_image *img,
                                    int header_only, quire_error *err)
{
    struct jpeg_decompress_struct cinfo;
    jpeg_failure failure;
    cairo_surface_t *volatile surface = NULL;
    JSAMPARRAY cmyk = NULL;
    unsigned char *pixels;
    int stride;

    memset(&cinfo, 0, sizeof(cinfo));
    cinfo.err = jpeg_std_error(&failure.mgr);
    failure.mgr.error_exit = jpeg_fatal;
    failure.mgr.emit_message = jpeg_message;
    failure.warning[0] = '\0';
    if (setjmp(failure.back) != 0) {
        im->host->error_set(err, QUIRE_E_INVALID, "cannot decode image '%s': bad JPEG data (%s)",
                            img->path, failure.message);
        goto fail_destroy;
    }
    jpeg_create_decompress(&cinfo);
    jpeg_mem_src(&cinfo, img->data, (unsigned long)img->len);
    jpeg_read_header(&cinfo, TRUE);
    if (check_size(im, img, cinfo.image_width, cinfo.image_height, err) != QUIRE_OK)
        goto fail_destroy;
    if (header_only && cinfo.num_components != 4) {
        surface = cairo_image_surface_create(CAIRO_FORMAT_A1, (int)cinfo.image_width,
                                             (int)cinfo.image_height);
        jpeg_destroy_decompress(&cinfo);
        goto done;
    }
    if (cinfo.jpeg_color_space == JCS_CMYK || cinfo.jpeg_color_space == JCS_YCCK)
        cinfo.out_color_space = JCS_CMYK;
    else if (__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__)
        cinfo.out_color_space = JCS_EXT_BGRX; /* cairo's RGB24 in memory order */
    else
        cinfo.out_color_space = JCS_EXT_XRGB;
    jpeg_start_decompress(&cinfo);
    surface = cairo_image_surface_create(CAIRO_FORMAT_RGB24, (int)cinfo.output_width,
                                         (int)cinfo.output_height);
    if (cairo_surface_status(surface) != CAIRO_STATUS_SUCCESS) {
        im->host->error_set(err, QUIRE_E_NOMEM, "image '%s': cairo is out of memory", img->path);
        goto fail_destroy;
    }
    pixels = cairo_image_surface_get_data(surface);
    stride = cairo_image_surface_get_stride(surface);
    if (cinfo.out_color_space == JCS_CMYK) /* freed by jpeg_destroy_decompress */
        cmyk =
            cinfo.mem->alloc_sarray((j_common_ptr)&cinfo, JPOOL_IMAGE, cinfo.output_width * 4, 1);
    while (cinfo.output_scanline < cinfo.output_height) {
        unsigned char *row = pixels + (size_t)stride * cinfo.output_scanline;
        JSAMPROW target = cmyk != NULL ? cmyk[0] : row;
        /* A memory source never suspends; 0 rows would loop forever. */
        if (jpeg_read_scanlines(&cinfo, &target, 1) != 1) {
            im->host->error_set(err, QUIRE_E_INVALID,
                                "cannot decode image '%s': libjpeg returned no row", img->path);
            goto fail_destroy;
        }
        if (cmyk != NULL)
            cmyk_row(cmyk[0], (uint32_t *)(void *)row, cinfo.output_width, cinfo.saw_Adobe_marker);
    }
    jpeg_finish_decompress(&cinfo);
    jpeg_destroy_decompress(&cinfo);
    cairo_surface_mark_dirty(surface);

done:
    if (failure.warning[0] != '\0')
        im->host->log(im->self, QUIRE_LOG_WARN, "image '%s': %s", img->path, failure.warning);
    if (cairo_surface_status(surface) != CAIRO_STATUS_SUCCESS) {
        im->host->error_set(err, QUIRE_E_NOMEM, "image '%s': cairo is out of memory", img->path);
        cairo_surface_destroy(surface);
        return NULL;
    }
    return surface;

fail_destroy:
    jpeg_destroy_decompress(&cinfo);
    if (surface != NULL)
        cairo_surface_destroy(surface);
    return NULL;
}

/* ============================== Cache ===================================== */

static cairo_surface_t *load(const qcairo_images *im, const quire_image *img, quire_error *err)
{
    cairo_surface_t *s;

    if (img->data == NULL || img->len == 0) {
        im->host->error_set(err, QUIRE_E_INVALID, "cannot decode image '%s': the file is empty",
                            img->path);
        return NULL;
    }
    if (img->format == QUIRE_IMAGE_PNG)
        return decode_png(im, img, err);
    if (img->format != QUIRE_IMAGE_JPEG) {
        im->host->error_set(err, QUIRE_E_INVALID,
                            "image '%s': format %u is not one this renderer draws (PNG, JPEG)",
                            img->path, (unsigned)img->format);
        return NULL;
    }
    s = decode_jpeg(im, img, im->for_svg, err);
    if (s != NULL && im->for_svg && attach_file(im, s, img, CAIRO_MIME_TYPE_JPEG, err) != 0) {
        cairo_surface_destroy(s);
        return NULL;
    }
    return s;
}

cairo_surface_t *qcairo_images_surface(qcairo_images *im, uint32_t index, quire_error *err)
{
    if (index >= im->nimages) {
        im->host->error_set(err, QUIRE_E_INTERNAL,
                            "image index %u is out of range (the document has %zu images)",
                            (unsigned)index, im->nimages);
        return NULL;
    }
    if (im->surfaces[index] == NULL) {
        quire_image img = im->images[index];
        if (img.path == NULL)
            img.path = "(unnamed)";
        im->surfaces[index] = load(im, &img, err);
    }
    return im->surfaces[index];
}

void qcairo_images_free(qcairo_images *im)
{
    if (im == NULL)
        return;
    for (size_t i = 0; i < im->nimages; i++)
        if (im->surfaces[i] != NULL)
            cairo_surface_destroy(im->surfaces[i]);
    im->host->free(im->surfaces);
    im->host->free(im);
}
