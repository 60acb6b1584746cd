/*
 * pdf_slot.c - the slots of the pages sent (ABI 1.3, QUIRE_FORMAT_LATE):
 * a table from slot id to the empty content stream the slot fills, the
 * page that carries it, and whether it was filled.
 *
 * A LATE document sends each page at once, with a SLOT element where a
 * delayed value ("Page X of Y", a group total in its header) goes; the
 * value's elements come later through the slot op, once per slot, in any
 * order across pages. pdf_draw.c registers each slot as it paints the page
 * (pdf_slot_add); the slot op looks it up, paints into its stream and marks
 * it filled; end() refuses a document with a slot never filled, naming the
 * first. A filled slot keeps its entry, so a second fill is told apart from
 * an id no page had.
 *
 * The table is open addressing with linear probing on the id (0 marks a
 * free entry; ids start at 1), at most half full, never shrunk: entries are
 * never removed. 32 bytes per slot; the stream objects themselves belong
 * to the libharu document.
 */
#include <string.h>

#include "pdf.h"

/* Entries of the first table. */
#define FIRST_CAP 64

/* Multiplying by an odd number permutes the low bits, so ids in a run
 * (the kernel numbers slots in order) never collide; the golden ratio's
 * bits scatter the run over the table. */
static size_t slot_hash(uint32_t id, size_t cap)
{
    return (size_t)((uint32_t)(id * 2654435769u)) & (cap - 1);
}

/* The entry for `id` in `slots` (cap entries): its own, or the free one
 * where it would go. The table is never full. */
static pdf_slot_rec *probe(pdf_slot_rec *slots, size_t cap, uint32_t id)
{
    size_t i = slot_hash(id, cap);

    while (slots[i].id != 0 && slots[i].id != id)
        i = (i + 1) & (cap - 1);
    return &slots[i];
}

pdf_slot_rec *pdf_slot_find(pdf_doc *d, uint32_t id)
{
    pdf_slot_rec *s;

    if (d->slots_cap == 0 || id == 0)
        return NULL;
    s = probe(d->slots, d->slots_cap, id);
    return s->id == id ? s : NULL;
}

/* Doubles the table (or makes the first one), moving every entry. */
static int grow(pdf_doc *d, quire_error *err)
{
    size_t cap = d->slots_cap ? d->slots_cap * 2 : FIRST_CAP;
    pdf_slot_rec *slots;

    if (cap > SIZE_MAX / sizeof(*slots) || (slots = d->host->calloc(cap, sizeof(*slots))) == NULL) {
        d->host->error_set(err, QUIRE_E_NOMEM, "out of memory");
        return QUIRE_ERR;
    }
    for (size_t i = 0; i < d->slots_cap; i++)
        if (d->slots[i].id != 0)
            *probe(slots, cap, d->slots[i].id) = d->slots[i];
    d->host->free(d->slots);
    d->slots = slots;
    d->slots_cap = cap;
    return QUIRE_OK;
}

int pdf_slot_add(pdf_doc *d, const pdf_slot_rec *slot, quire_error *err)
{
    if (2 * (d->nslots + 1) > d->slots_cap && grow(d, err) != QUIRE_OK)
        return QUIRE_ERR;
    *probe(d->slots, d->slots_cap, slot->id) = *slot;
    d->nslots++;
    d->slots_pending++;
    return QUIRE_OK;
}

void pdf_slot_filled(pdf_doc *d, pdf_slot_rec *slot)
{
    slot->stream = NULL;
    slot->hpage = NULL;
    d->slots_pending--;
}

const pdf_slot_rec *pdf_slot_first_pending(const pdf_doc *d)
{
    const pdf_slot_rec *first = NULL;

    if (d->slots_pending == 0)
        return NULL;
    for (size_t i = 0; i < d->slots_cap; i++) {
        const pdf_slot_rec *s = &d->slots[i];
        if (s->id != 0 && s->stream != NULL && (first == NULL || s->id < first->id))
            first = s;
    }
    return first;
}

void pdf_slot_free(pdf_doc *d)
{
    d->host->free(d->slots);
    d->slots = NULL;
    d->nslots = d->slots_cap = d->slots_pending = 0;
}
