/*
 * arena.h - region allocator for per-render and per-batch memory.
 *
 * Many small allocations, freed together by arena_reset() or arena_free().
 * Not thread-safe: one arena belongs to one thread at a time. This is the
 * implementation behind quire_host.arena_*.
 */
#ifndef QUIRE_ARENA_H
#define QUIRE_ARENA_H

#include <stddef.h>

typedef struct quire_arena quire_arena;

/* Creates an arena whose blocks hold at least `block_size` bytes (0: 64 KiB).
 * Returns NULL on allocation failure. The caller owns it: arena_free(). */
quire_arena *arena_new(size_t block_size);

/* Returns `size` bytes aligned to max_align_t, valid until reset or free;
 * NULL on allocation failure or size overflow. */
void *arena_alloc(quire_arena *arena, size_t size);

/* Copies `len` bytes of `s` and a NUL into the arena. NULL on failure. */
char *arena_strndup(quire_arena *arena, const char *s, size_t len);

/* Forgets every allocation but keeps the first block for reuse. */
void arena_reset(quire_arena *arena);

/* Frees the arena and everything allocated from it. NULL is a no-op. */
void arena_free(quire_arena *arena);

/* Bytes currently reserved from the system (for memory accounting). */
size_t arena_reserved(const quire_arena *arena);

#endif /* QUIRE_ARENA_H */
