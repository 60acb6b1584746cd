/*
 * cairo_font.c - the fonts of one document: the TrueType files the kernel
 * measured with (quire_document.fonts), opened with FreeType and handed to
 * cairo with cairo_ft_font_face_create_for_ft_face. No fontconfig, no
 * substitution: a font that cannot be read is an error naming its file.
 *
 * Each document has its own FT_Library: FreeType objects are not
 * thread-safe, and documents render concurrently on different workers.
 *
 * Lifetime is the subtle part. cairo keeps recently used scaled fonts in a
 * process-wide cache after the document has released them, and those hold
 * the font face, which holds the FT_Face. So an FT_Face must live until
 * cairo destroys the font face (cairo_font_face_set_user_data with a
 * destroy callback), and its FT_Library until the last such face is gone.
 * The library therefore lives in a small shared block counted by the
 * document and by each face. A face's destroy callback may run on any
 * thread (whichever makes cairo evict it), so closing faces and dropping
 * counts happen under the block's mutex.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <pthread.h>

#include <ft2build.h>
#include FT_FREETYPE_H
#include <cairo-ft.h>

#include "cairo_plugin.h"

/* ============================== Shared library block ====================== */

/* Owned jointly by the document and by every open face. Allocated with the
 * C library rather than the host allocator: cairo may free it after the
 * document is gone, from a thread of its choosing. */
typedef struct ft_shared {
    pthread_mutex_t lock;
    FT_Library library;
    unsigned refs; /* the document + one per open face; under lock */
} ft_shared;

/* What a cairo font face's destroy callback releases. */
typedef struct ft_owner {
    ft_shared *shared;
    FT_Face face;
} ft_owner;

struct qcairo_fonts {
    const quire_host *host;
    const quire_font *fonts;
    size_t nfonts;
    ft_shared *shared;
    cairo_font_face_t **faces; /* nfonts entries; NULL until opened */
};

/* The address identifies our user data on cairo font faces. */
static const cairo_user_data_key_t owner_key;

/* Drops one reference; the last closes the library. */
static void shared_release(ft_shared *shared)
{
    unsigned left;

    pthread_mutex_lock(&shared->lock);
    left = --shared->refs;
    pthread_mutex_unlock(&shared->lock);
    if (left > 0)
        return;
    FT_Done_FreeType(shared->library);
    pthread_mutex_destroy(&shared->lock);
    free(shared);
}

/* cairo's destroy callback for a font face: closes its FT_Face. */
static void owner_destroy(void *data)
{
    ft_owner *owner = data;
    ft_shared *shared = owner->shared;

    pthread_mutex_lock(&shared->lock);
    FT_Done_Face(owner->face);
    pthread_mutex_unlock(&shared->lock);
    free(owner);
    shared_release(shared);
}

/* ============================== Document fonts ============================ */

qcairo_fonts *qcairo_fonts_new(const quire_host *host, const quire_font *fonts, size_t nfonts,
                               quire_error *err)
{
    qcairo_fonts *f = host->calloc(1, sizeof(*f));

    if (f == NULL)
        goto fail_nomem;
    f->host = host;
    f->fonts = fonts;
    f->nfonts = fonts != NULL ? nfonts : 0;
    if (f->nfonts > 0) {
        f->faces = host->calloc(f->nfonts, sizeof(*f->faces));
        if (f->faces == NULL)
            goto fail_free_fonts;
    }
    f->shared = calloc(1, sizeof(*f->shared));
    if (f->shared == NULL)
        goto fail_free_fonts;
    if (pthread_mutex_init(&f->shared->lock, NULL) != 0)
        goto fail_free_shared;
    if (FT_Init_FreeType(&f->shared->library) != 0) {
        pthread_mutex_destroy(&f->shared->lock);
        free(f->shared);
        host->free(f->faces);
        host->free(f);
        host->error_set(err, QUIRE_E_INTERNAL, "FreeType cannot be initialised");
        return NULL;
    }
    f->shared->refs = 1;
    return f;

fail_free_shared:
    free(f->shared);
fail_free_fonts:
    host->free(f->faces);
    host->free(f);
fail_nomem:
    host->error_set(err, QUIRE_E_NOMEM, "out of memory");
    return NULL;
}

/* Why FreeType could not open `path`: the system's reason if the file
 * cannot even be opened, else FreeType's error code. */
static void open_error(const qcairo_fonts *f, const char *path, FT_Error code, quire_error *err)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    char why[128];

    if (fd < 0) {
        if (strerror_r(errno, why, sizeof(why)) != 0)
            snprintf(why, sizeof(why), "error %d", errno);
        f->host->error_set(err, QUIRE_E_IO, "cannot open font '%s': %s", path, why);
        return;
    }
    close(fd);
    f->host->error_set(err, QUIRE_E_INVALID,
                       "cannot open font '%s': not a font file FreeType reads (FreeType error "
                       "0x%02x)",
                       path, (unsigned)code);
}

/* Opens font `index` and wraps it in a cairo font face. */
static cairo_font_face_t *open_face(qcairo_fonts *f, uint32_t index, quire_error *err)
{
    const char *path = f->fonts[index].path;
    ft_shared *shared = f->shared;
    cairo_font_face_t *face;
    ft_owner *owner;
    FT_Error code;
    FT_Face ft;

    if (path == NULL || path[0] == '\0') {
        f->host->error_set(err, QUIRE_E_INTERNAL, "font %u (%s) has no file", (unsigned)index,
                           f->fonts[index].family ? f->fonts[index].family : "unnamed");
        return NULL;
    }
    owner = calloc(1, sizeof(*owner));
    if (owner == NULL) {
        f->host->error_set(err, QUIRE_E_NOMEM, "out of memory");
        return NULL;
    }
    pthread_mutex_lock(&shared->lock);
    code = FT_New_Face(shared->library, path, 0, &ft);
    pthread_mutex_unlock(&shared->lock);
    if (code != 0) {
        free(owner);
        open_error(f, path, code, err);
        return NULL;
    }
    /* No hinting: glyphs advance by the font's linear widths, as the
     * kernel measured them. */
    face = cairo_ft_font_face_create_for_ft_face(ft, FT_LOAD_NO_HINTING);
    owner->shared = shared;
    owner->face = ft;
    if (cairo_font_face_status(face) != CAIRO_STATUS_SUCCESS ||
        cairo_font_face_set_user_data(face, &owner_key, owner, owner_destroy) !=
            CAIRO_STATUS_SUCCESS) {
        cairo_font_face_destroy(face);
        pthread_mutex_lock(&shared->lock);
        FT_Done_Face(ft);
        pthread_mutex_unlock(&shared->lock);
        free(owner);
        f->host->error_set(err, QUIRE_E_NOMEM, "font '%s': cairo is out of memory", path);
        return NULL;
    }
    pthread_mutex_lock(&shared->lock);
    shared->refs++; /* released by owner_destroy */
    pthread_mutex_unlock(&shared->lock);
    return face;
}

cairo_font_face_t *qcairo_fonts_face(qcairo_fonts *f, uint32_t index, quire_error *err)
{
    if (index >= f->nfonts) {
        f->host->error_set(err, QUIRE_E_INTERNAL,
                           "font index %u is out of range (the document has %zu fonts)",
                           (unsigned)index, f->nfonts);
        return NULL;
    }
    if (f->faces[index] == NULL)
        f->faces[index] = open_face(f, index, err);
    return f->faces[index];
}

void qcairo_fonts_free(qcairo_fonts *f)
{
    if (f == NULL)
        return;
    for (size_t i = 0; i < f->nfonts; i++)
        if (f->faces[i] != NULL)
            cairo_font_face_destroy(f->faces[i]);
    shared_release(f->shared);
    f->host->free(f->faces);
    f->host->free(f);
}
