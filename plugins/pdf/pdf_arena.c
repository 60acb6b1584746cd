/*
 * pdf_arena.c - the memory libharu allocates for one document.
 *
 * A document of 20,000 pages is about a million small libharu allocations
 * (a dictionary entry alone is 136 bytes), and HPDF_Free walks every object
 * to free them one by one: a quarter of a second at 1M rows, after the
 * file is written. libharu takes an allocator (HPDF_NewEx), so its memory
 * comes from here instead: chunks carved into blocks, and the document is
 * released by dropping the chunks, without HPDF_Free (pdf.c closes the
 * font files libharu keeps open first).
 *
 * libharu frees too while the document grows (a list that outgrows its
 * array, a dictionary entry replaced, a stream emptied), so a freed block
 * goes on a free list of its size and is handed out again. Each block
 * carries an 8-byte tag with its size class; blocks are a multiple of 16
 * bytes with the tag just before a 16-byte-aligned address, which is the
 * alignment malloc gives (libharu's own pool mode does not align at all,
 * HPDF_ALINMENT_SIZ being misspelt in hpdf_conf.h, and UBSan rejects it).
 * Requests beyond the largest class get a malloc of their own, on a list
 * so that dropping the arena frees them too.
 *
 * libharu's allocator callbacks get no context, only a size or a pointer.
 * The arena in use is therefore a thread-local pointer that pdf.c sets for
 * the length of every renderer op (pdf_arena_enter .. pdf_arena_leave):
 * one document is used by one thread at a time, but not always the same
 * one (page() runs on the filler's renderer thread, end() on the render
 * worker), and two documents may be rendered at once on two threads.
 */
#include <stdint.h>
#include <string.h>

#include "pdf.h"

/* Blocks are multiples of this; it is malloc's alignment on 64-bit. */
#define GRAIN 16
/* The tag before each block: its size class, or TAG_LARGE. */
#define TAG_SIZE 8
/* Largest size served from chunks: libharu's stream buffers are 4 KB. */
#define SMALL_MAX 4096
#define NCLASSES  ((SMALL_MAX + TAG_SIZE + GRAIN - 1) / GRAIN + 1)
#define TAG_LARGE ((uint64_t)NCLASSES)
/* Chunks start small (a one-page document should not cost a megabyte) and
 * double up to this. */
#define CHUNK_FIRST (64u * 1024u)
#define CHUNK_MAX   (1024u * 1024u)

/* A chunk: this header, then blocks. */
typedef struct arena_chunk {
    struct arena_chunk *next;
    size_t size; /* bytes after the header */
    /* pads the header to a multiple of GRAIN */
    char pad[GRAIN - (2 * sizeof(void *)) % GRAIN];
} arena_chunk;

/* A large block: this header, then the caller's bytes. The tag is the last
 * field, just before them; links make freeing one O(1). */
typedef struct arena_large {
    struct arena_large *prev, *next;
    uint64_t unused;
    uint64_t tag; /* TAG_LARGE */
} arena_large;

struct pdf_arena {
    const quire_host *host;
    arena_chunk *chunks; /* newest first */
    char *next, *end;    /* free room in the newest chunk */
    size_t chunk_size;   /* of the next chunk */
    arena_large large;   /* sentinel of the circular list of large blocks */
    void *free_lists[NCLASSES];
};

_Static_assert(sizeof(arena_chunk) % GRAIN == 0, "chunk header keeps the alignment");
_Static_assert(sizeof(arena_large) % GRAIN == 0, "large header keeps the alignment");

/* The arena of the document whose op runs on this thread. initial-exec:
 * the variable lives in the static TLS block glibc keeps spare for
 * dlopen'ed modules rather than in dynamic TLS, which is faster and which
 * LeakSanitizer (GCC 12, glibc 2.36) fails to walk at exit. */
static _Thread_local pdf_arena *current __attribute__((tls_model("initial-exec")));

pdf_arena *pdf_arena_new(const quire_host *host)
{
    pdf_arena *a = host->calloc(1, sizeof(*a));

    if (a == NULL)
        return NULL;
    a->host = host;
    a->chunk_size = CHUNK_FIRST;
    a->large.prev = a->large.next = &a->large;
    return a;
}

void pdf_arena_free(pdf_arena *a)
{
    if (a == NULL)
        return;
    if (current == a)
        current = NULL;
    while (a->chunks != NULL) {
        arena_chunk *c = a->chunks;
        a->chunks = c->next;
        a->host->free(c);
    }
    while (a->large.next != &a->large) {
        arena_large *l = a->large.next;
        a->large.next = l->next;
        a->host->free(l);
    }
    a->host->free(a);
}

pdf_arena *pdf_arena_enter(pdf_arena *a)
{
    pdf_arena *previous = current;

    current = a;
    return previous;
}

void pdf_arena_leave(pdf_arena *previous)
{
    current = previous;
}

/* A new chunk with room for at least `need` bytes; 0 or -1. */
static int add_chunk(pdf_arena *a, size_t need)
{
    size_t size = a->chunk_size;
    arena_chunk *c;

    while (size < need + TAG_SIZE)
        size *= 2;
    c = a->host->malloc(sizeof(*c) + size);
    if (c == NULL)
        return -1;
    c->next = a->chunks;
    c->size = size;
    a->chunks = c;
    /* The first tag sits 8 bytes in, so every block starts aligned. */
    a->next = (char *)(c + 1) + (GRAIN - TAG_SIZE);
    a->end = (char *)(c + 1) + size;
    if (a->chunk_size < CHUNK_MAX)
        a->chunk_size *= 2;
    return 0;
}

static void *alloc_large(pdf_arena *a, size_t size)
{
    arena_large *l;

    if (size > SIZE_MAX - sizeof(*l))
        return NULL;
    l = a->host->malloc(sizeof(*l) + size);
    if (l == NULL)
        return NULL;
    l->tag = TAG_LARGE;
    l->prev = &a->large;
    l->next = a->large.next;
    l->next->prev = l;
    a->large.next = l;
    return l + 1;
}

void *pdf_arena_alloc(HPDF_UINT size)
{
    pdf_arena *a = current;
    size_t cls, bytes;
    char *block;

    if (a == NULL) /* a libharu call outside an op: a plugin bug */
        return NULL;
    if (size > SMALL_MAX)
        return alloc_large(a, size);
    /* Tag plus the bytes, rounded up to the grain: the class. */
    cls = (size + TAG_SIZE + GRAIN - 1) / GRAIN;
    if (a->free_lists[cls] != NULL) {
        void *p = a->free_lists[cls];
        memcpy(&a->free_lists[cls], p, sizeof(void *));
        return p;
    }
    bytes = cls * GRAIN;
    if ((size_t)(a->end - a->next) < bytes && add_chunk(a, bytes) != 0)
        return NULL;
    block = a->next;
    a->next += bytes;
    *(uint64_t *)(void *)block = cls;
    return block + TAG_SIZE;
}

void pdf_arena_release(void *p)
{
    pdf_arena *a = current;
    uint64_t tag;

    /* Without an arena (a plugin bug) the block stays until its arena is
     * dropped. */
    if (p == NULL || a == NULL)
        return;
    tag = *(uint64_t *)(void *)((char *)p - TAG_SIZE);
    if (tag == TAG_LARGE) {
        arena_large *l = (arena_large *)p - 1;
        l->prev->next = l->next;
        l->next->prev = l->prev;
        a->host->free(l);
        return;
    }
    memcpy(p, &a->free_lists[tag], sizeof(void *));
    a->free_lists[tag] = p;
}
