/*
 * arena.c - region allocator (see arena.h).
 *
 * A singly linked list of blocks, newest first. Allocation bumps an offset
 * in the newest block; a request larger than the block size gets a block of
 * its own so big strings do not waste the rest of a normal block.
 */
#include "arena.h"

#include <stdalign.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define ARENA_DEFAULT_BLOCK (64 * 1024)
#define ARENA_ALIGN (alignof(max_align_t))

typedef struct arena_block {
    struct arena_block *next;
    size_t cap;  /* usable bytes in data[] */
    size_t used;
    alignas(max_align_t) unsigned char data[];
} arena_block;

struct quire_arena {
    arena_block *head;
    size_t block_size;
    size_t reserved;
};

quire_arena *arena_new(size_t block_size)
{
    quire_arena *arena = calloc(1, sizeof(*arena));
    if (arena == NULL)
        return NULL;
    arena->block_size = block_size ? block_size : ARENA_DEFAULT_BLOCK;
    return arena;
}

static arena_block *arena_grow(quire_arena *arena, size_t min)
{
    size_t cap = min > arena->block_size ? min : arena->block_size;
    arena_block *block;

    if (cap > SIZE_MAX - sizeof(arena_block))
        return NULL;
    block = malloc(sizeof(arena_block) + cap);
    if (block == NULL)
        return NULL;
    block->cap = cap;
    block->used = 0;
    block->next = arena->head;
    arena->head = block;
    arena->reserved += cap;
    return block;
}

void *arena_alloc(quire_arena *arena, size_t size)
{
    arena_block *block = arena->head;
    size_t rounded;
    void *p;

    if (size > SIZE_MAX - ARENA_ALIGN)
        return NULL;
    rounded = (size + ARENA_ALIGN - 1) & ~(ARENA_ALIGN - 1);
    if (rounded == 0)
        rounded = ARENA_ALIGN;
    if (block == NULL || block->cap - block->used < rounded) {
        block = arena_grow(arena, rounded);
        if (block == NULL)
            return NULL;
    }
    p = block->data + block->used;
    block->used += rounded;
    return p;
}

char *arena_strndup(quire_arena *arena, const char *s, size_t len)
{
    char *copy;

    if (len == SIZE_MAX)
        return NULL;
    copy = arena_alloc(arena, len + 1);
    if (copy == NULL)
        return NULL;
    memcpy(copy, s, len);
    copy[len] = '\0';
    return copy;
}

void arena_reset(quire_arena *arena)
{
    arena_block *keep = NULL;
    arena_block *block = arena->head;

    /* Keep the oldest normal-sized block: it is the one a steady workload
     * refills batch after batch. */
    while (block != NULL) {
        arena_block *next = block->next;
        if (next == NULL && block->cap == arena->block_size) {
            keep = block;
        } else {
            arena->reserved -= block->cap;
            free(block);
        }
        block = next;
    }
    if (keep != NULL)
        keep->used = 0;
    arena->head = keep;
}

void arena_free(quire_arena *arena)
{
    arena_block *block;

    if (arena == NULL)
        return;
    block = arena->head;
    while (block != NULL) {
        arena_block *next = block->next;
        free(block);
        block = next;
    }
    free(arena);
}

size_t arena_reserved(const quire_arena *arena) { return arena->reserved; }
