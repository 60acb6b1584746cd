/*
 * fill.c - pagination (see fill.h): places laid-out bands on pages with
 * the page furniture, group options and split rules, and keeps finished
 * pages in order until their placeholders are known, spilling waiting
 * pages to a temporary file past page_memory.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fill_int.h"

/* ============================== State ===================================== */

/* A finished page waiting for placeholders or for the pages before it. */
typedef struct waiting {
    uint32_t number, display, segment;
    uint32_t slot_id; /* on the renderer queue: 0 a page, else the elements of this slot */
    el_buf b;         /* empty while spilled; only the placeholders while packed */
    uint8_t *packed;  /* or NULL: b's elements and blob (elbuf_pack) while it waits */
    size_t packed_len;
    quire_anchor *anchors;
    size_t nanchors;
    long spill_off; /* >= 0: in the spill file */
    size_t nph;     /* spilled: its placeholders in the file */
} waiting;

/* A slot sent in a page to a LATE renderer, waiting for its value: the
 * placeholder, the element it stands for, and for a page count that reads
 * variables their values when it was placed (strings copied along). */
typedef struct late_slot {
    fill_ph ph;
    quire_element el; /* the reserved text element (band, item, name) */
    uint32_t id, page, display;
    qv *vars;      /* NULL, or p->nvars values and their string bytes, one block */
    uint32_t next; /* the next slot waiting for the same value or segment */
} late_slot;

#define NO_SLOT UINT32_MAX

/* A group level's state on the page. */
typedef struct open_group {
    int open;
    band_layout header; /* for reprint_header */
    int have_header;
    int hidden;       /* its header is being moved with it: not reprinted */
    size_t keep_mark; /* keep_together: element count at the group's start */
    size_t keep_anchors;
    double keep_y;
    uint32_t keep_page;
} open_group;

struct filler {
    const plan *p;
    const fill_resources *res;
    fill_options opt;
    fill_output out;
    emitter *em;
    layout_ctx lc;
    quire_arena *scratch;

    /* The page being filled. */
    el_buf page;
    quire_anchor *anchors;
    size_t nanchors, anchors_cap;
    int have_page;
    uint32_t page_no, display_no, segment;
    double y, body_top, body_bottom, content_top;
    int force_new_page;
    int bare;       /* no furniture: the no-data band's or the blank page */
    int title_here; /* the title is on this page: the next one has more room */
    int last_footer_space;

    /* Band layouts reused for every band. */
    band_layout band, furn;
    open_group *groups;
    /* A group header being placed: where its first piece lands, the group
     * starts (keep_together's mark, the outline anchor). */
    open_group *start_group;
    const emit_band *start_eb;
    uint32_t instance;

    /* Delayed values by emit id: resolved text (NULL until known). */
    char **resolved;
    size_t *resolved_len;
    uint32_t *refs;
    size_t nresolved;
    uint32_t *segment_pages; /* per numbering segment: its page count once closed (0: open) */
    size_t nsegments;

    /* LATE renderers (out.slot set): slots sent, waiting for their values,
     * chained per emit id (value_slots, parallel to resolved) and per
     * numbering segment (segment_slots, parallel to segment_pages). */
    late_slot *slots;
    size_t nslots, slots_cap, pending;
    uint32_t free_slots; /* chain of unused entries */
    uint32_t last_slot_id;
    uint32_t *value_slots, *segment_slots;

    /* Finished pages not sent yet, in order. */
    waiting *queue;
    size_t nqueue, queue_cap, queue_memory, peak_waiting;
    FILE *spill;
    uint64_t spilled;
    uint32_t sent;

    char **warnings;
    size_t nwarnings;

    /* The renderer thread (see out_thread). */
    pthread_t out_th;
    int out_started, out_closing;
    pthread_mutex_t out_mu;
    pthread_cond_t out_cv;  /* the thread waits for work */
    pthread_cond_t room_cv; /* the filler waits for room in the queue */
    int out_idle, put_waiting;
    waiting out_q[64]; /* OUT_QUEUE */
    size_t out_head, out_count;
    size_t out_weight; /* of the entries queued (OUT_WEIGHT) */
    el_buf spare[10];  /* drawn pages' buffers, emptied, for the next pages */
    size_t nspare;
    _Atomic int out_failed;
    quire_error out_err;
};

/* ============================== Setup ===================================== */

filler *fill_new(const plan *p, const fill_resources *res, const fill_options *opt, fill_output out)
{
    filler *f = calloc(1, sizeof(*f));
    if (f == NULL)
        return NULL;
    f->p = p;
    f->res = res;
    f->opt = *opt;
    f->out = out;
    f->scratch = arena_new(0);
    f->groups = calloc(p->ngroups + 1, sizeof(*f->groups));
    f->segment_pages = calloc(16, sizeof(*f->segment_pages));
    f->segment_slots = malloc(16 * sizeof(*f->segment_slots));
    f->nsegments = 1;
    f->free_slots = NO_SLOT;
    for (size_t i = 0; f->segment_slots != NULL && i < 16; i++)
        f->segment_slots[i] = NO_SLOT;
    pthread_mutex_init(&f->out_mu, NULL);
    pthread_cond_init(&f->out_cv, NULL);
    pthread_cond_init(&f->room_cv, NULL);
    if (f->scratch == NULL || f->groups == NULL || f->segment_pages == NULL ||
        f->segment_slots == NULL || layout_init(&f->lc, p, res) != 0) {
        fill_free(f);
        return NULL;
    }
    return f;
}

static void waiting_free(waiting *w)
{
    elbuf_free(&w->b);
    free(w->packed);
    w->packed = NULL;
    free(w->anchors);
}

/* What a waiting page holds in memory (for page_memory). */
static size_t waiting_memory(const waiting *w)
{
    return elbuf_memory(&w->b) + w->packed_len;
}

static int out_close(filler *f, quire_error *err);

void fill_stop(filler *f)
{
    if (f != NULL)
        out_close(f, NULL);
}

void fill_free(filler *f)
{
    if (f == NULL)
        return;
    out_close(f, NULL);
    pthread_mutex_destroy(&f->out_mu);
    pthread_cond_destroy(&f->out_cv);
    pthread_cond_destroy(&f->room_cv);
    for (size_t i = 0; i < f->nspare; i++)
        elbuf_free(&f->spare[i]);
    layout_free(&f->lc);
    arena_free(f->scratch);
    elbuf_free(&f->page);
    elbuf_free(&f->band.b);
    elbuf_free(&f->furn.b);
    free(f->anchors);
    for (uint32_t l = 0; f->groups != NULL && l < f->p->ngroups; l++)
        elbuf_free(&f->groups[l].header.b);
    free(f->groups);
    for (size_t i = 0; i < f->nresolved; i++)
        free(f->resolved[i]);
    free(f->resolved);
    free(f->resolved_len);
    free(f->refs);
    free(f->segment_pages);
    free(f->segment_slots);
    free(f->value_slots);
    for (size_t i = 0; i < f->nslots; i++)
        free(f->slots[i].vars);
    free(f->slots);
    for (size_t i = 0; i < f->nqueue; i++)
        waiting_free(&f->queue[i]);
    free(f->queue);
    if (f->spill != NULL)
        fclose(f->spill);
    for (size_t i = 0; i < f->nwarnings; i++)
        free(f->warnings[i]);
    free(f->warnings);
    free(f);
}

uint32_t fill_pages(const filler *f)
{
    return f->page_no;
}
uint32_t fill_pages_sent(const filler *f)
{
    return f->sent;
}
size_t fill_peak_waiting(const filler *f)
{
    return f->peak_waiting;
}
uint64_t fill_bytes_spilled(const filler *f)
{
    return f->spilled;
}
size_t fill_nwarnings(const filler *f)
{
    return f->nwarnings;
}
const char *fill_warning(const filler *f, size_t i)
{
    return f->warnings[i];
}

static int oom(quire_error *err)
{
    error_setf(err, QUIRE_E_NOMEM, "out of memory filling pages");
    return QUIRE_ERR;
}

/* ============================== Glyph warnings ============================ */

/* 1 when s[0..n) is all printable ASCII (0x20..0x7e). Eight bytes at a
 * time: this runs over every text element of every page. */
static int printable_ascii(const char *s, size_t n)
{
    const uint64_t ones = 0x0101010101010101ull, highs = 0x8080808080808080ull;
    size_t i = 0;

    for (; i + 8 <= n; i += 8) {
        uint64_t w;
        memcpy(&w, s + i, 8);
        /* A byte below 0x20, or at or above 0x7f, sets its high bit in
         * one of the two terms (SWAR range test, no carries across bytes
         * for bytes below 0x80, and bytes >= 0x80 are caught by w itself). */
        if (((w - ones * 0x20) | (w + ones * 0x01) | w) & highs)
            return 0;
    }
    for (; i < n; i++)
        if ((unsigned char)s[i] < 0x20 || (unsigned char)s[i] >= 0x7f)
            return 0;
    return 1;
}

static void check_glyphs(filler *f, const el_buf *b, size_t from)
{
    if (!b->unchecked_text)
        return;
    for (size_t i = from; i < b->nels && f->nwarnings < 8; i++) {
        const quire_element *e = &b->els[i];
        const char *s;
        uint32_t cp;
        char msg[200];
        char **grown;
        if (e->kind != QUIRE_EL_TEXT || e->u.text.len == 0)
            continue;
        s = b->blob + (uintptr_t)e->u.text.utf8;
        /* Most text is ASCII the font has: skip the lookups. */
        if (f->res->ascii_complete[e->u.text.font] && printable_ascii(s, e->u.text.len))
            continue;
        cp = font_first_missing(f->res->faces[e->u.text.font], s, e->u.text.len);
        if (cp == 0)
            continue;
        snprintf(msg, sizeof(msg), "font '%s'%s%s has no glyph for U+%04X in \"%.*s\"",
                 f->res->fonts[e->u.text.font].family,
                 f->res->fonts[e->u.text.font].style & QUIRE_FONT_BOLD ? " bold" : "",
                 f->res->fonts[e->u.text.font].style & QUIRE_FONT_ITALIC ? " italic" : "",
                 (unsigned)cp, (int)(e->u.text.len < 40 ? e->u.text.len : 40), s);
        for (size_t k = 0; k < f->nwarnings; k++)
            if (strncmp(f->warnings[k], msg, 30 + strlen(f->res->fonts[e->u.text.font].family)) ==
                0)
                goto next;
        grown = realloc(f->warnings, (f->nwarnings + 1) * sizeof(*grown));
        if (grown == NULL)
            return;
        f->warnings = grown;
        if ((f->warnings[f->nwarnings] = strdup(msg)) != NULL)
            f->nwarnings++;
    next:;
    }
}

/* ============================== Sending pages ============================= */

/* Converts blob offsets into pointers for the renderer. */
static int relocate(el_buf *b, quire_anchor *anchors, size_t nanchors, quire_error *err)
{
    for (size_t i = 0; i < b->nels; i++) {
        quire_element *e = &b->els[i];
        switch (e->kind) {
        case QUIRE_EL_TEXT: e->u.text.utf8 = b->blob + (uintptr_t)e->u.text.utf8; break;
        case QUIRE_EL_PATH:
            e->u.path.verbs = (const uint8_t *)b->blob + (uintptr_t)e->u.path.verbs;
            e->u.path.points = (const double *)(void *)(b->blob + (uintptr_t)e->u.path.points);
            break;
        case QUIRE_EL_MARK: e->u.mark.label = b->blob + (uintptr_t)e->u.mark.label; break;
        case QUIRE_EL_CHART:
            if (chart_relocate(b->blob, e) != 0) {
                error_setf(err, QUIRE_E_INTERNAL, "a chart's dataset came out garbled");
                return QUIRE_ERR;
            }
            break;
        default: break;
        }
    }
    for (size_t i = 0; i < nanchors; i++)
        anchors[i].utf8 = b->blob + (uintptr_t)anchors[i].utf8;
    return QUIRE_OK;
}

static int ph_ready(const filler *f, const fill_ph *ph)
{
    switch (ph->kind) {
    case PH_VALUE: return ph->id < f->nresolved && f->resolved[ph->id] != NULL;
    case PH_PAGE_COUNT: return f->segment_pages[ph->segment] > 0;
    default: return ph->text_known;
    }
}

static int page_ready(const filler *f, const waiting *w)
{
    if (f->out.slot != NULL)
        return 1; /* what is not known yet goes out as a slot */
    for (size_t i = 0; i < w->b.nph; i++)
        if (!ph_ready(f, &w->b.phs[i]))
            return 0;
    return 1;
}

static void release_id(filler *f, uint32_t id)
{
    if (id < f->nresolved && f->refs[id] > 0 && --f->refs[id] == 0) {
        free(f->resolved[id]);
        f->resolved[id] = NULL;
    }
}

/* ============================== Renderer thread =========================== */

/*
 * Finished pages go to the renderer on a thread of their own, so laying
 * out the next pages and drawing (and compressing) the previous ones use
 * two cores. The queue is short: a page is owned by the queue from
 * out_put() until the thread has drawn it; its emptied buffers then come
 * back to the filler (spare), so a long report does not allocate, touch
 * fresh memory and free two buffers per page across threads.
 *
 * Hand-overs are batched both ways, since a wake-up costs a few
 * microseconds on each side (more in a virtual machine): the thread is
 * woken when OUT_WAKE work is waiting, and a filler that waits for room
 * when the queue is down to OUT_ROOM, never for each entry. Work is
 * counted in slots: a page weighs OUT_PAGE_WEIGHT, a slot (a few
 * operators) one, so at most OUT_QUEUE / OUT_PAGE_WEIGHT pages wait, but
 * the burst of page-count slots filled when a report ends goes over in
 * dozens, not one or two at a time. Renderer ops of one document still
 * never run at the same time: begin() before the thread starts, page()
 * and slot() only on it, end() or abort() after it is joined.
 */
#define OUT_QUEUE       64 /* entries, and their weight */
#define OUT_PAGE_WEIGHT 8
#define OUT_WAKE        32
#define OUT_ROOM        32
#define OUT_WEIGHT(w)   ((w)->slot_id != 0 ? 1u : OUT_PAGE_WEIGHT)
_Static_assert(sizeof(((filler *)0)->out_q) / sizeof(waiting) == OUT_QUEUE,
               "out_q holds OUT_QUEUE");
#define MAX_SPARE (sizeof(((filler *)0)->spare) / sizeof(el_buf))

/* Gives `b` back emptied, or frees it when enough are kept. Called with
 * out_mu held. */
static void keep_spare(filler *f, el_buf *b)
{
    if (f->nspare < MAX_SPARE && b->els != NULL) {
        elbuf_clear(b);
        f->spare[f->nspare++] = *b;
    } else {
        elbuf_free(b);
    }
    memset(b, 0, sizeof(*b));
}

/* An empty buffer for the next page: a drawn page's, else a new one. */
static void take_spare(filler *f, el_buf *b)
{
    memset(b, 0, sizeof(*b));
    if (!f->out_started)
        return;
    pthread_mutex_lock(&f->out_mu);
    if (f->nspare > 0)
        *b = f->spare[--f->nspare];
    pthread_mutex_unlock(&f->out_mu);
}

static void *out_thread(void *arg)
{
    filler *f = arg;
    pthread_mutex_lock(&f->out_mu);
    for (;;) {
        waiting w;
        quire_page pg;
        quire_error err;
        int rc;
        while (f->out_count == 0 && !f->out_closing) {
            f->out_idle = 1;
            pthread_cond_wait(&f->out_cv, &f->out_mu);
            f->out_idle = 0;
        }
        if (f->out_count == 0)
            break;
        w = f->out_q[f->out_head];
        f->out_head = (f->out_head + 1) % OUT_QUEUE;
        f->out_count--;
        f->out_weight -= OUT_WEIGHT(&w);
        if (f->put_waiting && f->out_weight <= OUT_ROOM)
            pthread_cond_signal(&f->room_cv);
        pthread_mutex_unlock(&f->out_mu);

        rc = QUIRE_OK;
        if (!atomic_load(&f->out_failed)) {
            memset(&pg, 0, sizeof(pg));
            memset(&err, 0, sizeof(err));
            pg.size = sizeof(pg);
            pg.number = w.number;
            pg.display_number = w.display;
            pg.width = f->p->rep->meta.page_width;
            pg.height = f->p->rep->meta.page_height;
            pg.nelements = w.b.nels;
            pg.elements = w.b.els;
            pg.nanchors = w.nanchors;
            pg.anchors = w.anchors;
            if (w.slot_id != 0)
                rc = f->out.slot(f->out.instance, w.number, w.slot_id, w.b.els, w.b.nels, &err);
            else
                rc = f->out.page(f->out.instance, &pg, &err);
        }
        free(w.anchors);

        pthread_mutex_lock(&f->out_mu);
        keep_spare(f, &w.b);
        if (rc != QUIRE_OK && !atomic_load(&f->out_failed)) {
            f->out_err = err;
            atomic_store(&f->out_failed, 1);
        } else if (rc == QUIRE_OK && w.slot_id == 0) {
            f->sent++;
        }
    }
    pthread_mutex_unlock(&f->out_mu);
    return NULL;
}

/* Hands page `w` to the renderer thread (starting it on first use); *w is
 * the queue's afterwards. Fails with the renderer's error if it failed. */
static int out_put(filler *f, waiting *w, quire_error *err)
{
    if (!f->out_started) {
        if (pthread_create(&f->out_th, NULL, out_thread, f) != 0) {
            error_setf(err, QUIRE_E_NOMEM, "cannot start the renderer thread");
            return QUIRE_ERR;
        }
        f->out_started = 1;
    }
    pthread_mutex_lock(&f->out_mu);
    while (f->out_weight + OUT_WEIGHT(w) > OUT_QUEUE && !atomic_load(&f->out_failed)) {
        f->put_waiting = 1;
        pthread_cond_wait(&f->room_cv, &f->out_mu);
        f->put_waiting = 0;
    }
    if (atomic_load(&f->out_failed)) {
        *err = f->out_err;
        pthread_mutex_unlock(&f->out_mu);
        return QUIRE_ERR;
    }
    f->out_q[(f->out_head + f->out_count) % OUT_QUEUE] = *w;
    f->out_count++;
    f->out_weight += OUT_WEIGHT(w);
    memset(w, 0, sizeof(*w)); /* the queue owns its buffers now */
    if (f->out_idle && f->out_weight >= OUT_WAKE)
        pthread_cond_signal(&f->out_cv);
    pthread_mutex_unlock(&f->out_mu);
    return QUIRE_OK;
}

/* Waits until every handed page is drawn and stops the thread. Returns the
 * renderer's error if one failed. */
static int out_close(filler *f, quire_error *err)
{
    if (!f->out_started)
        return QUIRE_OK;
    pthread_mutex_lock(&f->out_mu);
    f->out_closing = 1;
    pthread_cond_broadcast(&f->out_cv);
    pthread_mutex_unlock(&f->out_mu);
    pthread_join(f->out_th, NULL);
    f->out_started = 0;
    if (atomic_load(&f->out_failed)) {
        if (err != NULL)
            *err = f->out_err;
        return QUIRE_ERR;
    }
    return QUIRE_OK;
}

/* The text of a known delayed value or page count for the page shown as
 * `display`, with the variables `vars` a page count kept (NULL: none):
 * *text may point into f->scratch; *len is 0 when the value prints
 * nothing. */
static int known_text(filler *f, const fill_ph *ph, uint32_t display, const qv *vars,
                      const char **text, size_t *len, quire_error *err)
{
    quire_band_value v;
    int omitted = 0;

    if (ph->kind == PH_VALUE) {
        *text = f->resolved[ph->id];
        *len = f->resolved_len[ph->id];
        return QUIRE_OK;
    }
    if (emit_eval_item(f->em, ph->band, ph->item, display, f->segment_pages[ph->segment], vars,
                       f->scratch, &v, &omitted, err) != QUIRE_OK)
        return QUIRE_ERR;
    *text = v.text.ptr;
    *len = omitted || v.text.ptr == NULL ? 0 : v.text.len;
    return QUIRE_OK;
}

/* Draws delayed chart `ph` into `b` from its packed dataset bytes[len]
 * (len 0: not shown). The bytes may live in the blob the drawing grows,
 * so they are copied to the scratch arena (8-aligned) first. */
static int draw_chart_placeholder(filler *f, el_buf *b, const fill_ph *ph, const char *bytes,
                                  size_t len, quire_error *err)
{
    uint8_t *copy = len > 0 ? arena_alloc(f->scratch, len) : NULL;
    if (len > 0 && copy == NULL)
        return oom(err);
    if (len > 0)
        memcpy(copy, bytes, len);
    return layout_chart_placeholder(&f->lc, b, ph, copy, len, err);
}

/* ============================== Late slots ================================ */

/*
 * A LATE renderer (quire/renderer.h) takes a page before its delayed
 * values are known: each such placeholder goes out as a QUIRE_EL_SLOT
 * element, and what it prints follows through the renderer's slot op once
 * the value is known. What stays behind per slot is a late_slot (a few
 * hundred bytes) instead of the whole page, so Page X of Y costs neither
 * memory nor a spill file. Slots wait in chains: per emit id for a
 * delayed value, per numbering segment for a page count.
 */

/* Turns placeholder `ph` of page `w`, whose value is not known yet, into a
 * slot: its reserved element becomes a QUIRE_EL_SLOT and a late_slot keeps
 * what laying out the value will need. */
static int make_slot(filler *f, waiting *w, const fill_ph *ph, quire_error *err)
{
    quire_element *el = &w->b.els[ph->slot];
    uint32_t idx, *head;
    late_slot *sl;

    if (f->free_slots != NO_SLOT) {
        idx = f->free_slots;
        f->free_slots = f->slots[idx].next;
    } else {
        if (f->nslots == f->slots_cap) {
            size_t cap = f->slots_cap ? f->slots_cap * 2 : 64;
            late_slot *grown = cap < NO_SLOT ? realloc(f->slots, cap * sizeof(*grown)) : NULL;
            if (grown == NULL)
                return oom(err);
            f->slots = grown;
            f->slots_cap = cap;
        }
        idx = (uint32_t)f->nslots++;
    }
    sl = &f->slots[idx];
    memset(sl, 0, sizeof(*sl));
    sl->ph = *ph;
    sl->ph.slot = 0; /* the element is the first of the slot's own buffer */
    sl->el = *el;
    sl->id = ++f->last_slot_id;
    sl->page = w->number;
    sl->display = w->display;
    if (ph->kind == PH_PAGE_COUNT && ph->vars_off != SIZE_MAX) {
        /* The variables as the page had them, strings copied behind. */
        const qv *vars = (const qv *)(const void *)(w->b.blob + ph->vars_off);
        size_t n = f->p->nvars, bytes = n * sizeof(qv);
        char *strings;
        for (size_t k = 0; k < n; k++)
            if (vars[k].type == QUIRE_TYPE_STRING && !vars[k].null)
                bytes += vars[k].u.s.len;
        sl->vars = malloc(bytes + 1);
        if (sl->vars == NULL) {
            sl->next = f->free_slots;
            f->free_slots = idx;
            return oom(err);
        }
        memcpy(sl->vars, vars, n * sizeof(qv));
        strings = (char *)(sl->vars + n);
        for (size_t k = 0; k < n; k++) {
            qv *v = &sl->vars[k];
            if (v->type != QUIRE_TYPE_STRING || v->null)
                continue;
            memcpy(strings, w->b.blob + (uintptr_t)v->u.s.ptr, v->u.s.len);
            v->u.s.ptr = strings;
            strings += v->u.s.len;
        }
    }
    head = ph->kind == PH_VALUE ? &f->value_slots[ph->id] : &f->segment_slots[ph->segment];
    sl->next = *head;
    *head = idx;
    f->pending++;

    el->kind = QUIRE_EL_SLOT;
    memset(&el->u, 0, sizeof(el->u));
    el->u.slot.id = sl->id;
    el->x = ph->bx;
    el->y = ph->by;
    el->width = ph->bw;
    el->height = ph->bh;
    return QUIRE_OK;
}

/* Lays out the now known value of slot `idx` and queues its elements for
 * the renderer; the entry is free afterwards. */
static int fill_slot(filler *f, uint32_t idx, quire_error *err)
{
    late_slot *sl = &f->slots[idx];
    waiting w;
    const char *text = NULL;
    size_t len = 0;
    int rc;

    memset(&w, 0, sizeof(w));
    w.number = sl->page;
    w.display = sl->display;
    w.slot_id = sl->id;
    w.spill_off = -1;
    if (known_text(f, &sl->ph, sl->display, sl->vars, &text, &len, err) != QUIRE_OK)
        return QUIRE_ERR;
    if (sl->ph.chart) {
        if (elbuf_push(&w.b, &sl->el) != 0) {
            waiting_free(&w);
            return oom(err);
        }
        if (draw_chart_placeholder(f, &w.b, &sl->ph, text, len, err) != QUIRE_OK) {
            waiting_free(&w);
            return QUIRE_ERR;
        }
    } else if (len > 0) {
        char *copy = arena_strndup(f->scratch, text, len);
        if (copy == NULL || elbuf_push(&w.b, &sl->el) != 0) {
            waiting_free(&w);
            return oom(err);
        }
        if (layout_placeholder(&f->lc, &w.b, &sl->ph, copy, len, err) != QUIRE_OK) {
            waiting_free(&w);
            return QUIRE_ERR;
        }
    }
    check_glyphs(f, &w.b, 0);
    if (relocate(&w.b, NULL, 0, err) != QUIRE_OK) {
        waiting_free(&w);
        return QUIRE_ERR;
    }
    arena_reset(f->scratch);
    if (sl->ph.kind == PH_VALUE)
        release_id(f, sl->ph.id);
    free(sl->vars);
    sl->vars = NULL;
    sl->next = f->free_slots;
    f->free_slots = idx;
    f->pending--;
    rc = out_put(f, &w, err);
    waiting_free(&w); /* nothing left when out_put took it */
    return rc;
}

/* Fills every slot of chain *head (the value or segment is known now),
 * oldest first, so the renderer gets them in page order. */
static int fill_slots(filler *f, uint32_t *head, quire_error *err)
{
    uint32_t rev = NO_SLOT;
    while (*head != NO_SLOT) { /* chains are pushed newest first */
        uint32_t idx = *head;
        *head = f->slots[idx].next;
        f->slots[idx].next = rev;
        rev = idx;
    }
    *head = rev;
    while (*head != NO_SLOT) {
        uint32_t idx = *head;
        *head = f->slots[idx].next;
        if (fill_slot(f, idx, err) != QUIRE_OK)
            return QUIRE_ERR;
    }
    return QUIRE_OK;
}

/* ============================== Sending pages (continued) ================= */

/* Fills the placeholders of `w` and hands it to the renderer; a LATE
 * renderer gets a slot for each value not known yet. */
static int send_page(filler *f, waiting *w, quire_error *err)
{
    size_t nph = w->b.nph;
    int selected = (f->opt.first_page == 0 || w->number >= f->opt.first_page) &&
                   (f->opt.last_page == 0 || w->number <= f->opt.last_page);
    if (!selected) {
        /* Not drawn (--pages): nothing to lay out, only the values it
         * held to let go of. */
        for (size_t i = 0; i < nph; i++)
            if (w->b.phs[i].kind == PH_VALUE)
                release_id(f, w->b.phs[i].id);
        return QUIRE_OK;
    }
    if (w->packed != NULL) {
        int rc = elbuf_unpack(&w->b, w->packed, w->packed_len);
        free(w->packed);
        w->packed = NULL;
        w->packed_len = 0;
        if (rc != 0)
            return oom(err);
    }
    for (size_t i = 0; i < nph; i++) {
        fill_ph ph = w->b.phs[i];
        const char *text = NULL;
        size_t len = 0;
        if (!ph_ready(f, &ph)) {
            /* Only with a LATE renderer (page_ready). */
            if (make_slot(f, w, &ph, err) != QUIRE_OK)
                return QUIRE_ERR;
            continue;
        }
        if (ph.kind == PH_VALUE || ph.kind == PH_PAGE_COUNT) {
            qv *vars = NULL;
            if (ph.kind == PH_PAGE_COUNT && ph.vars_off != SIZE_MAX) {
                /* The values kept when it was placed, pointing into this
                 * page's blob again (it may have been spilled). */
                vars = arena_alloc(f->scratch, f->p->nvars * sizeof(*vars));
                if (vars == NULL)
                    return oom(err);
                memcpy(vars, w->b.blob + ph.vars_off, f->p->nvars * sizeof(*vars));
                for (size_t k = 0; k < f->p->nvars; k++)
                    if (vars[k].type == QUIRE_TYPE_STRING && !vars[k].null)
                        vars[k].u.s.ptr = w->b.blob + (uintptr_t)vars[k].u.s.ptr;
            }
            if (known_text(f, &ph, w->display, vars, &text, &len, err) != QUIRE_OK)
                return QUIRE_ERR;
        } else {
            text = w->b.blob + ph.text_off;
            len = ph.text_len;
        }
        if (ph.chart) {
            if (draw_chart_placeholder(f, &w->b, &ph, text, len, err) != QUIRE_OK)
                return QUIRE_ERR;
        } else if (text != NULL && len > 0) {
            /* The text may live in the blob the layout grows: copy it. */
            char *copy = arena_strndup(f->scratch, text, len);
            if (copy == NULL || layout_placeholder(&f->lc, &w->b, &ph, copy, len, err) != QUIRE_OK)
                return copy == NULL ? oom(err) : QUIRE_ERR;
        }
        if (ph.kind == PH_VALUE)
            release_id(f, ph.id);
    }
    check_glyphs(f, &w->b, 0);
    if (relocate(&w->b, w->anchors, w->nanchors, err) != QUIRE_OK)
        return QUIRE_ERR;
    arena_reset(f->scratch);
    return out_put(f, w, err);
}

/* Packs the elements and blob of waiting page `w` (its placeholders stay
 * as they are, for page_ready()); its buffers go to the page being filled
 * when that has none. */
static int pack_waiting(filler *f, waiting *w, quire_error *err)
{
    size_t before = waiting_memory(w);
    if (elbuf_pack(&w->b, &w->packed, &w->packed_len) != 0)
        return oom(err);
    if (f->page.els == NULL && f->page.blob == NULL && f->page.nels == 0) {
        f->page.els = w->b.els;
        f->page.cap = w->b.cap;
        f->page.blob = w->b.blob;
        f->page.blob_cap = w->b.blob_cap;
    } else {
        free(w->b.els);
        free(w->b.blob);
    }
    w->b.els = NULL;
    w->b.blob = NULL;
    w->b.nels = w->b.cap = w->b.blob_len = w->b.blob_cap = 0;
    f->queue_memory -= before < f->queue_memory ? before : f->queue_memory;
    f->queue_memory += waiting_memory(w);
    return QUIRE_OK;
}

static int unspill(filler *f, waiting *w, quire_error *err)
{
    el_buf *b = &w->b;
    if (w->spill_off < 0)
        return QUIRE_OK;
    /* Spilled packed: packed_len bytes, then the placeholders. */
    w->packed = malloc(w->packed_len + 1);
    b->phs = malloc((w->nph + 1) * sizeof(*b->phs));
    if (w->packed == NULL || b->phs == NULL)
        return oom(err);
    if (fseek(f->spill, w->spill_off, SEEK_SET) != 0 ||
        fread(w->packed, 1, w->packed_len, f->spill) != w->packed_len ||
        fread(b->phs, sizeof(*b->phs), w->nph, f->spill) != w->nph) {
        error_setf(err, QUIRE_E_IO, "cannot read back waiting pages from %s", f->opt.temp_dir);
        return QUIRE_ERR;
    }
    b->nph = b->ph_cap = w->nph;
    w->spill_off = -1;
    return QUIRE_OK;
}

/* Writes waiting pages (newest first, never the head) to the spill file
 * until the queue fits in page_memory. */
static int spill_some(filler *f, quire_error *err)
{
    for (size_t i = f->nqueue; i-- > 1 && f->queue_memory > f->opt.page_memory;) {
        waiting *w = &f->queue[i];
        size_t mem;
        if (w->spill_off >= 0)
            continue;
        if (f->spill == NULL) {
            char path[4096];
            int fd;
            snprintf(path, sizeof(path), "%s/quire-pages-XXXXXX",
                     f->opt.temp_dir ? f->opt.temp_dir : "/tmp");
            fd = mkstemp(path);
            if (fd < 0 || (f->spill = fdopen(fd, "w+b")) == NULL) {
                error_setf(err, QUIRE_E_IO, "cannot create a page spill file in %s",
                           f->opt.temp_dir ? f->opt.temp_dir : "/tmp");
                if (fd >= 0)
                    close(fd);
                return QUIRE_ERR;
            }
            unlink(path); /* gone when closed, even after a crash */
        }
        if (fseek(f->spill, 0, SEEK_END) != 0)
            goto fail_io;
        if (w->packed == NULL && pack_waiting(f, w, err) != QUIRE_OK)
            return QUIRE_ERR;
        w->spill_off = ftell(f->spill);
        w->nph = w->b.nph;
        if (fwrite(w->packed, 1, w->packed_len, f->spill) != w->packed_len ||
            fwrite(w->b.phs, sizeof(*w->b.phs), w->nph, f->spill) != w->nph)
            goto fail_io;
        mem = waiting_memory(w);
        f->spilled += w->packed_len + w->nph * sizeof(*w->b.phs);
        f->queue_memory -= mem < f->queue_memory ? mem : f->queue_memory;
        elbuf_free(&w->b);
        free(w->packed);
        w->packed = NULL; /* packed_len stays: unspill() reads that many bytes */
    }
    return QUIRE_OK;
fail_io:
    error_setf(err, QUIRE_E_IO, "cannot write waiting pages to %s (disk full?)",
               f->opt.temp_dir ? f->opt.temp_dir : "/tmp");
    return QUIRE_ERR;
}

/* Sends the pages at the head of the queue that are complete. */
static int pump(filler *f, quire_error *err)
{
    size_t done = 0;
    int rc = QUIRE_OK;
    while (done < f->nqueue) {
        waiting *w = &f->queue[done];
        if (w->spill_off >= 0 && w->nph > 0) {
            if (unspill(f, w, err) != QUIRE_OK)
                return QUIRE_ERR;
            f->queue_memory += waiting_memory(w);
        }
        if (w->spill_off < 0 && !page_ready(f, w))
            break;
        if (unspill(f, w, err) != QUIRE_OK)
            return QUIRE_ERR;
        if (w->spill_off < 0 && !page_ready(f, w))
            break;
        {
            size_t mem = waiting_memory(w);
            rc = send_page(f, w, err);
            f->queue_memory -= mem < f->queue_memory ? mem : f->queue_memory;
            waiting_free(w);
        }
        done++; /* sent or failed, the page leaves the queue */
        if (rc != QUIRE_OK)
            break;
    }
    if (done > 0) {
        memmove(f->queue, f->queue + done, (f->nqueue - done) * sizeof(*f->queue));
        f->nqueue -= done;
    }
    return rc;
}

/* ============================== Placing =================================== */

/* Moves element `e`, just copied from a band's buffer to the page, by dy
 * and the left margin; its blob references move by `base`, where the
 * band's blob starts in the page's. */
static void move_element(filler *f, quire_element *e, size_t base, double dy)
{
    const double margin = f->p->rep->meta.margin_left;

    e->y += dy;
    e->x += margin;
    if (e->kind == QUIRE_EL_TEXT) {
        e->u.text.utf8 = (const char *)((uintptr_t)e->u.text.utf8 + base);
        e->u.text.baseline += dy;
        e->u.text.box_y += dy;
        e->u.text.box_x += margin;
    } else if (e->kind == QUIRE_EL_PATH) {
        /* Points are page coordinates: they move with the band. */
        double *pt;
        e->u.path.verbs = (const uint8_t *)((uintptr_t)e->u.path.verbs + base);
        e->u.path.points = (const double *)((uintptr_t)e->u.path.points + base);
        pt = (double *)(void *)(f->page.blob + (uintptr_t)e->u.path.points);
        for (size_t k = 0; k < e->u.path.npoints; k++) {
            pt[2 * k] += margin;
            pt[2 * k + 1] += dy;
        }
    } else if (e->kind == QUIRE_EL_MARK) {
        e->u.mark.label = (const char *)((uintptr_t)e->u.mark.label + base);
    } else if (e->kind == QUIRE_EL_CHART) {
        e->u.chart.info = (const quire_chart_info *)((uintptr_t)e->u.chart.info + base);
    }
}

/* Appends laid-out band `bl` (elements from index `from`; `is_split`: only
 * those whose top is in [lo, hi), and the part of a rectangle the cuts run
 * through) to the page at y offset `dy`. */
static int append(filler *f, const el_buf *src, size_t from, double lo, double hi, double dy,
                  int is_split)
{
    el_buf *pg = &f->page;
    size_t base = (pg->blob_len + 7) & ~(size_t)7;
    size_t *where = NULL;   /* per source element: its index on the page, or SIZE_MAX */
    uint64_t clip_kept = 0; /* bit d: the open clip at depth d went on this page */
    unsigned depth = 0;
    if (src->blob_len > 0 && elbuf_bytes(pg, src->blob, src->blob_len) != base)
        return -1;
    if (src->nph > 0 && (where = malloc(src->nels * sizeof(*where))) == NULL)
        return -1;
    for (size_t i = 0; where != NULL && i < src->nels; i++)
        where[i] = SIZE_MAX;
    if (!is_split && from < src->nels) {
        /* The whole band, most of a report's: copied in one go and moved
         * where it lies (a detail row is a few hundred bytes a element). */
        size_t n = src->nels - from;
        if (elbuf_reserve(pg, n) != 0)
            goto fail_free_where;
        memcpy(pg->els + pg->nels, src->els + from, n * sizeof(*pg->els));
        for (size_t i = from; i < src->nels; i++) {
            if (where != NULL)
                where[i] = pg->nels;
            move_element(f, &pg->els[pg->nels++], base, dy);
        }
    }
    for (size_t i = from; is_split && i < src->nels; i++) {
        quire_element e = src->els[i];
        double top = e.y, bottom = e.y + (e.height > 0 ? e.height : 0);
        int keep;
        if (e.kind == QUIRE_EL_CLIP_POP) {
            /* A pop goes where its push went (place() never cuts through a
             * clipped box), else a renderer meets a pop without a push. */
            keep = depth > 0 && depth <= 64 ? (int)(clip_kept >> (depth - 1) & 1) : 0;
            depth -= depth > 0;
        } else if (e.kind == QUIRE_EL_RECT && top < lo - 0.01 && bottom > lo + 0.01) {
            /* A background or frame a cut runs through goes on below it. */
            e.y = lo;
            e.height = bottom - lo;
            keep = 1;
        } else {
            keep = top >= lo - 0.01 && top < hi - 0.01;
        }
        if (e.kind == QUIRE_EL_CLIP_PUSH) {
            if (depth < 64)
                clip_kept =
                    keep ? clip_kept | (uint64_t)1 << depth : clip_kept & ~((uint64_t)1 << depth);
            depth++;
        }
        if (!keep)
            continue;
        if (e.kind == QUIRE_EL_RECT && e.y + e.height > hi)
            e.height = hi - e.y;
        if (where != NULL)
            where[i] = pg->nels;
        if (elbuf_push(pg, &e) != 0)
            goto fail_free_where;
        move_element(f, &pg->els[pg->nels - 1], base, dy);
    }
    /* What check_glyphs() must look at came with the band (elbuf_push()
     * above marked every text). */
    pg->unchecked_text |= src->unchecked_text;
    for (size_t i = 0; i < src->nph; i++) {
        fill_ph ph = src->phs[i];
        if (where[ph.slot] == SIZE_MAX)
            continue;
        ph.slot = where[ph.slot];
        ph.by += dy;
        ph.bx += f->p->rep->meta.margin_left;
        ph.text_off += base;
        ph.segment = f->segment;
        if (ph.kind == PH_VALUE && ph.id < f->nresolved)
            f->refs[ph.id]++;
        else if (ph.kind == PH_VALUE) {
            size_t n = ph.id + 64;
            char **r = realloc(f->resolved, n * sizeof(*r));
            size_t *rl;
            uint32_t *rf;
            if (r == NULL)
                goto fail_free_where;
            f->resolved = r;
            rl = realloc(f->resolved_len, n * sizeof(*rl));
            if (rl == NULL)
                goto fail_free_where;
            f->resolved_len = rl;
            rf = realloc(f->refs, n * sizeof(*rf));
            if (rf == NULL)
                goto fail_free_where;
            f->refs = rf;
            rf = realloc(f->value_slots, n * sizeof(*rf));
            if (rf == NULL)
                goto fail_free_where;
            f->value_slots = rf;
            for (size_t k = f->nresolved; k < n; k++) {
                f->resolved[k] = NULL;
                f->resolved_len[k] = 0;
                f->refs[k] = 0;
                f->value_slots[k] = NO_SLOT;
            }
            f->nresolved = n;
            f->refs[ph.id]++;
        }
        if (elbuf_push_ph(pg, &ph) != 0)
            goto fail_free_where;
    }
    free(where);
    return 0;

fail_free_where:
    free(where);
    return -1;
}

static int new_page(filler *f, quire_error *err);

/* Evaluates and places a furniture band at y; returns its height or -1. */
/* Keeps the values of the variables placeholder `i` of the page reads
 * now, for when page_count() is known: a page footer's page total must
 * not show the last page's. */
static int keep_vars(filler *f, size_t i, quire_error *err)
{
    const qv *vars;
    size_t n = f->p->nvars, off;
    if (emit_eval_vars(f->em, f->page.phs[i].band, &vars, err) != QUIRE_OK)
        return QUIRE_ERR;
    off = elbuf_bytes(&f->page, vars, n * sizeof(*vars));
    if (off == (size_t)-1)
        return oom(err);
    for (size_t k = 0; k < n; k++) {
        qv v = vars[k];
        if (v.type == QUIRE_TYPE_STRING && !v.null) {
            size_t s = elbuf_bytes(&f->page, v.u.s.ptr, v.u.s.len);
            if (s == (size_t)-1)
                return oom(err);
            v.u.s.ptr = (const char *)(uintptr_t)s;
            memcpy(f->page.blob + off + k * sizeof(v), &v, sizeof(v));
        }
    }
    f->page.phs[i].vars_off = off;
    return QUIRE_OK;
}

static double place_furniture(filler *f, const plan_band *band, double y, quire_error *err)
{
    emit_band eb;
    if (band == NULL)
        return 0;
    if (emit_eval_furniture(f->em, band, f->display_no, f->scratch, &eb, err) != QUIRE_OK)
        return -1;
    if (eb.band == NULL) {
        arena_reset(f->scratch);
        return 0;
    }
    if (layout_band(&f->lc, &eb, ++f->instance, &f->furn, err) != QUIRE_OK)
        return -1;
    arena_reset(f->scratch);
    {
        size_t first_ph = f->page.nph;
        if (append(f, &f->furn.b, 0, 0, 0, y, 0) != 0)
            return oom(err), -1;
        /* layout_band() made them PH_PAGE_COUNT or PH_PAGE_END; a page
         * count waits with the variables of its own page. */
        for (size_t i = first_ph; i < f->page.nph; i++) {
            fill_ph *ph = &f->page.phs[i];
            ph->vars_off = SIZE_MAX;
            if (ph->kind == PH_PAGE_COUNT && ph->band->reads_vars && f->p->nvars > 0 &&
                keep_vars(f, i, err) != QUIRE_OK)
                return -1;
        }
    }
    return f->furn.height;
}

static const plan_band *find_band(const plan *p, uint32_t kind)
{
    for (size_t i = 0; i < p->nbands; i++)
        if (p->bands[i].kind == kind)
            return &p->bands[i];
    return NULL;
}

static double band_height(const plan *p, uint32_t kind)
{
    const plan_band *b = find_band(p, kind);
    return b != NULL && b->src != NULL ? b->src->height : 0;
}

/* Finishes the current page: column footer, page footer (or the last page
 * footer), evaluation = page values; queues it. */
static int finish_page(filler *f, int last, quire_error *err)
{
    const report_meta *m = &f->p->rep->meta;
    const plan_band *footer = find_band(f->p, QUIRE_BAND_PAGE_FOOTER);
    const plan_band *last_footer = find_band(f->p, QUIRE_BAND_LAST_PAGE_FOOTER);
    const plan_band *col_footer = find_band(f->p, QUIRE_BAND_COLUMN_FOOTER);
    double bottom = m->page_height - m->margin_bottom;
    waiting *w;
    if (!f->have_page)
        return QUIRE_OK;
    if (last && last_footer != NULL)
        footer = last_footer;
    if (f->bare)
        footer = col_footer = NULL;
    if (col_footer != NULL && place_furniture(f, col_footer,
                                              bottom - band_height(f->p, QUIRE_BAND_PAGE_FOOTER) -
                                                  col_footer->src->height,
                                              err) < 0)
        return QUIRE_ERR;
    if (footer != NULL && place_furniture(f, footer, bottom - footer->src->height, err) < 0)
        return QUIRE_ERR;
    /* evaluation = page values of this page are final now. */
    for (size_t i = 0; i < f->page.nph; i++) {
        fill_ph *ph = &f->page.phs[i];
        quire_band_value v;
        int omitted;
        size_t off;
        if (ph->kind != PH_PAGE_END || ph->text_known)
            continue;
        if (emit_eval_item(f->em, ph->band, ph->item, f->display_no, f->display_no, NULL,
                           f->scratch, &v, &omitted, err) != QUIRE_OK)
            return QUIRE_ERR;
        off = elbuf_bytes(&f->page, v.text.ptr, omitted ? 0 : v.text.len);
        if (off == (size_t)-1)
            return oom(err);
        ph = &f->page.phs[i];
        ph->text_off = off;
        ph->text_len = omitted ? 0 : v.text.len;
        ph->text_known = 1;
        arena_reset(f->scratch);
    }
    check_glyphs(f, &f->page, 0);
    if (f->nqueue == f->queue_cap) {
        size_t cap = f->queue_cap ? f->queue_cap * 2 : 16;
        waiting *grown = realloc(f->queue, cap * sizeof(*grown));
        if (grown == NULL)
            return oom(err);
        f->queue = grown;
        f->queue_cap = cap;
    }
    w = &f->queue[f->nqueue++];
    memset(w, 0, sizeof(*w));
    w->number = f->page_no;
    w->display = f->display_no;
    w->segment = f->segment;
    w->b = f->page;
    w->anchors = f->anchors;
    w->nanchors = f->nanchors;
    w->spill_off = -1;
    take_spare(f, &f->page);
    f->anchors = NULL;
    f->nanchors = f->anchors_cap = 0;
    f->have_page = 0;
    f->queue_memory += elbuf_memory(&w->b);
    if (f->nqueue > f->peak_waiting)
        f->peak_waiting = f->nqueue;
    if (pump(f, err) != QUIRE_OK)
        return QUIRE_ERR;
    /* Still waiting (for Page X of Y, or for the pages before it): packed
     * it takes a fraction of the memory, and its buffers serve the next
     * page. */
    w = f->nqueue > 0 ? &f->queue[f->nqueue - 1] : NULL;
    if (w != NULL && w->number == f->page_no && w->packed == NULL && w->spill_off < 0 &&
        pack_waiting(f, w, err) != QUIRE_OK)
        return QUIRE_ERR;
    if (f->queue_memory > f->opt.page_memory)
        return spill_some(f, err);
    return QUIRE_OK;
}

/* Starts a page: background, page header, column header, reprinted group
 * headers. */
static int new_page(filler *f, quire_error *err)
{
    const report_meta *m = &f->p->rep->meta;
    if (f->have_page && finish_page(f, 0, err) != QUIRE_OK)
        return QUIRE_ERR;
    f->have_page = 1;
    f->title_here = 0;
    f->page_no++;
    f->display_no++;
    emit_page_reset(f->em);
    f->body_top = m->margin_top;
    f->body_bottom = m->page_height - m->margin_bottom - band_height(f->p, QUIRE_BAND_PAGE_FOOTER) -
                     band_height(f->p, QUIRE_BAND_COLUMN_FOOTER);
    f->y = f->body_top;
    if (!f->bare &&
        place_furniture(f, find_band(f->p, QUIRE_BAND_BACKGROUND), f->body_top, err) < 0)
        return QUIRE_ERR;
    return QUIRE_OK;
}

/* The page header and column header, after the title on page 1. */
static int page_top(filler *f, quire_error *err)
{
    double h;
    if (f->bare) {
        f->content_top = f->y;
        return QUIRE_OK;
    }
    h = place_furniture(f, find_band(f->p, QUIRE_BAND_PAGE_HEADER), f->y, err);
    if (h < 0)
        return QUIRE_ERR;
    f->y += h;
    h = place_furniture(f, find_band(f->p, QUIRE_BAND_COLUMN_HEADER), f->y, err);
    if (h < 0)
        return QUIRE_ERR;
    f->y += h;
    for (uint32_t l = 0; l < f->p->ngroups; l++) {
        open_group *g = &f->groups[l];
        if (!g->open || !g->have_header || g->hidden)
            continue;
        if (append(f, &g->header.b, 0, 0, 0, f->y, 0) != 0)
            return oom(err);
        f->y += g->header.height;
    }
    f->content_top = f->y;
    return QUIRE_OK;
}

static int start_page(filler *f, quire_error *err)
{
    if (new_page(f, err) != QUIRE_OK)
        return QUIRE_ERR;
    return page_top(f, err);
}

/* Adds anchor `a` (its utf8 an offset into the page's blob). */
static int push_anchor(filler *f, const quire_anchor *a)
{
    if (f->nanchors == f->anchors_cap) {
        size_t cap = f->anchors_cap ? f->anchors_cap * 2 : 8;
        quire_anchor *grown = realloc(f->anchors, cap * sizeof(*grown));
        if (grown == NULL)
            return -1;
        f->anchors = grown;
        f->anchors_cap = cap;
    }
    f->anchors[f->nanchors++] = *a;
    return 0;
}

/* Keep-together: moves the open group's elements of this page, with their
 * placeholders and outline anchors, to a new page. *moved = 1 when it
 * moved something. */
static int move_kept_group(filler *f, quire_error *err, int *moved)
{
    *moved = 0;
    for (uint32_t l = 0; l < f->p->ngroups; l++) {
        open_group *g = &f->groups[l];
        el_buf tail, names; /* names: only its blob, the anchors' texts */
        quire_anchor *anchors = NULL;
        size_t mark, first_anchor, nmoved, new_mark, new_anchor;
        double from_y, extent, new_y;
        uint32_t old_page = f->page_no;
        int rc = -1; /* -1: out of memory; QUIRE_ERR: err is set */
        if (!g->open || !f->p->rep->groups[l].keep_together || g->keep_page != f->page_no ||
            g->keep_y <= f->content_top + 0.01)
            continue;
        memset(&tail, 0, sizeof(tail));
        memset(&names, 0, sizeof(names));
        mark = g->keep_mark;
        from_y = g->keep_y;
        extent = f->y - from_y;
        /* Detach the group's elements (and their placeholders). */
        for (size_t i = mark; i < f->page.nels; i++) {
            quire_element e = f->page.els[i];
            if (e.kind == QUIRE_EL_TEXT) {
                size_t off =
                    elbuf_bytes(&tail, f->page.blob + (uintptr_t)e.u.text.utf8, e.u.text.len);
                if (off == (size_t)-1)
                    goto fail_free_tail;
                e.u.text.utf8 = (const char *)(uintptr_t)off;
            }
            e.y -= from_y;
            e.x -= f->p->rep->meta.margin_left;
            if (e.kind == QUIRE_EL_TEXT) {
                e.u.text.baseline -= from_y;
                e.u.text.box_y -= from_y;
                e.u.text.box_x -= f->p->rep->meta.margin_left;
            }
            if (elbuf_push(&tail, &e) != 0)
                goto fail_free_tail;
        }
        {
            size_t keep = 0;
            for (size_t i = 0; i < f->page.nph; i++) {
                fill_ph ph = f->page.phs[i];
                if (ph.slot >= mark) {
                    ph.slot -= mark;
                    ph.by -= from_y;
                    ph.bx -= f->p->rep->meta.margin_left;
                    if (elbuf_push_ph(&tail, &ph) != 0)
                        goto fail_free_tail;
                } else {
                    f->page.phs[keep++] = ph;
                }
            }
            f->page.nph = keep;
        }
        /* The outline entries of the group and the groups inside it go
         * with it. */
        first_anchor = g->keep_anchors < f->nanchors ? g->keep_anchors : f->nanchors;
        nmoved = f->nanchors - first_anchor;
        if (nmoved > 0 && (anchors = malloc(nmoved * sizeof(*anchors))) == NULL)
            goto fail_free_tail;
        for (size_t i = 0; i < nmoved; i++) {
            quire_anchor a = f->anchors[first_anchor + i];
            size_t off = elbuf_bytes(&names, f->page.blob + (uintptr_t)a.utf8, a.len);
            if (off == (size_t)-1)
                goto fail_free_tail;
            a.utf8 = (const char *)(uintptr_t)off;
            a.y -= from_y;
            anchors[i] = a;
        }
        f->page.nels = mark;
        f->nanchors = first_anchor;
        /* Its header (and those of the groups inside it) are in the tail:
         * the new page must not reprint them. */
        for (uint32_t k = l; k < f->p->ngroups; k++)
            f->groups[k].hidden = 1;
        rc = start_page(f, err);
        for (uint32_t k = l; k < f->p->ngroups; k++)
            f->groups[k].hidden = 0;
        if (rc != QUIRE_OK)
            goto fail_free_tail;
        rc = -1;
        new_mark = f->page.nels;
        new_anchor = f->nanchors;
        new_y = f->y;
        if (append(f, &tail, 0, 0, 0, new_y, 0) != 0)
            goto fail_free_tail;
        /* append() counted the moved placeholders again. Not released
         * before it: a value already known would be freed. */
        for (size_t i = 0; i < tail.nph; i++)
            if (tail.phs[i].kind == PH_VALUE && tail.phs[i].id < f->nresolved &&
                f->refs[tail.phs[i].id] > 1)
                f->refs[tail.phs[i].id]--;
        for (size_t i = 0; i < nmoved; i++) {
            quire_anchor a = anchors[i];
            size_t off = elbuf_bytes(&f->page, names.blob + (uintptr_t)a.utf8, a.len);
            if (off == (size_t)-1)
                goto fail_free_tail;
            a.utf8 = (const char *)(uintptr_t)off;
            a.y += new_y;
            if (push_anchor(f, &a) != 0)
                goto fail_free_tail;
        }
        /* This group and those inside it that started on the old page
         * now start on this one. */
        for (uint32_t k = l; k < f->p->ngroups; k++) {
            open_group *in = &f->groups[k];
            if (in->keep_page != old_page || in->keep_mark < mark)
                continue;
            in->keep_page = f->page_no;
            in->keep_mark = new_mark + (in->keep_mark - mark);
            in->keep_anchors = new_anchor + (in->keep_anchors - first_anchor);
            in->keep_y = new_y + (in->keep_y - from_y);
        }
        f->y = new_y + extent;
        *moved = 1;
        rc = QUIRE_OK;
    fail_free_tail:
        free(anchors);
        elbuf_free(&names);
        elbuf_free(&tail);
        return rc == -1 ? oom(err) : rc;
    }
    return QUIRE_OK;
}

static int add_anchor(filler *f, const emit_band *eb, double y);

/* The first piece of a group header goes on the page at the cursor. */
static int band_starts(filler *f)
{
    open_group *g = f->start_group;
    if (g == NULL)
        return 0;
    f->start_group = NULL;
    g->keep_page = f->page_no;
    g->keep_mark = f->page.nels;
    g->keep_anchors = f->nanchors;
    g->keep_y = f->y;
    return add_anchor(f, f->start_eb, f->y);
}

/* Places [from, to) of `bl` at the cursor, breaking pages as its split
 * rule says (JasperReports' splitType): stretch splits only below the
 * band's design height, prevent moves the band whole to the next page
 * unless it starts one, immediate splits at once. */
static int place_part(filler *f, band_layout *bl, double from, double to, quire_error *err)
{
    double done = from; /* how much of the band is placed */
    int is_part = from > 0 || to < bl->height;
    if (!f->have_page && start_page(f, err) != QUIRE_OK)
        return QUIRE_ERR;
    for (int guard = 0; guard < 1000000; guard++) {
        double rest = to - done;
        double room = f->body_bottom - f->y;
        int top = f->y <= f->content_top + 0.01; /* only furniture above */
        int fresh = top && !f->title_here;       /* a new page has no more room */
        double cut;
        if (rest <= room + 0.01) {
            double hi = to < bl->height ? to : bl->height + 1e9;
            if ((done == 0 && band_starts(f) != 0) ||
                append(f, &bl->b, 0, done, hi, f->y - done, done > 0 || is_part) != 0)
                return oom(err);
            f->y += rest;
            return QUIRE_OK;
        }
        if (fresh && room <= 0.01) {
            /* Else every page would be furniture only, without end. */
            const report_meta *m = &f->p->rep->meta;
            double body = m->page_height - m->margin_top - m->margin_bottom;
            error_setf(err, QUIRE_E_INVALID,
                       "no room for bands on page %u: the page header, column header, "
                       "repeated group headers and page footer take %.2fpt of the %.2fpt "
                       "between the margins",
                       f->page_no, body - room, body);
            return QUIRE_ERR;
        }
        if (!fresh && done == from) {
            int moved = 0;
            if (!top && move_kept_group(f, err, &moved) != QUIRE_OK)
                return QUIRE_ERR;
            if (moved)
                continue;
            if (bl->split == SPLIT_PREVENT ||
                (bl->split == SPLIT_STRETCH && done + room < bl->design_height - 0.01)) {
                if (start_page(f, err) != QUIRE_OK)
                    return QUIRE_ERR;
                continue;
            }
        }
        /* Split: place what fits, go on on the next page. The cut rises
         * above every text line, image or clipped box it would run through,
         * so that each goes whole to one page; rectangles and lines may be
         * cut. */
        cut = done + (room > 0 ? room : 0);
        for (size_t pass = 0, changed = 1; changed && pass <= bl->b.nels; pass++) {
            changed = 0;
            for (size_t i = 0; i < bl->b.nels; i++) {
                const quire_element *e = &bl->b.els[i];
                if (e->kind == QUIRE_EL_RECT || e->kind == QUIRE_EL_LINE ||
                    e->kind == QUIRE_EL_CLIP_POP)
                    continue;
                if (e->y >= done - 0.01 && e->y < cut - 0.01 && e->y + e->height > cut + 0.01) {
                    cut = e->y;
                    changed = 1;
                }
            }
        }
        if (cut <= done + 0.01 && fresh)
            cut = done + room; /* one element taller than the page: cut through it */
        if (cut > done + 0.01) {
            if ((done == 0 && band_starts(f) != 0) ||
                append(f, &bl->b, 0, done, cut, f->y - done, 1) != 0)
                return oom(err);
            done = cut;
        }
        if (start_page(f, err) != QUIRE_OK)
            return QUIRE_ERR;
    }
    error_setf(err, QUIRE_E_INTERNAL, "a band could not be placed on any page");
    return QUIRE_ERR;
}

/* Places `bl` at the cursor; a page_break element starts a new page at its
 * y (after the band when it is at the band's bottom, so that a break in
 * the last band leaves no empty page). */
static int place(filler *f, band_layout *bl, quire_error *err)
{
    double brk = bl->break_at;
    if (brk < 0 || brk >= bl->height - 0.01) {
        if (place_part(f, bl, 0, bl->height, err) != QUIRE_OK)
            return QUIRE_ERR;
        if (brk >= 0)
            f->force_new_page = 1;
        return QUIRE_OK;
    }
    if (place_part(f, bl, 0, brk, err) != QUIRE_OK || start_page(f, err) != QUIRE_OK)
        return QUIRE_ERR;
    return place_part(f, bl, brk, bl->height, err);
}

/* ============================== The sink ================================== */

static int add_anchor(filler *f, const emit_band *eb, double y)
{
    const quire_band_instance *inst = eb->inst;
    char buf[256];
    size_t n = 0, off;
    qv key;
    quire_anchor a;
    memset(&key, 0, sizeof(key));
    key.type = inst->group_value.type;
    key.scale = inst->group_value.scale;
    key.null = inst->group_value.null;
    if (key.type == QUIRE_TYPE_STRING)
        key.u.s = inst->group_value.v.str;
    else if (key.type == QUIRE_TYPE_FLOAT)
        key.u.f = inst->group_value.v.f64;
    else
        key.u.i = inst->group_value.v.i64;
    n = fmt_value(&key, NULL, f->p->locale, buf, sizeof(buf));
    if (n >= sizeof(buf))
        n = sizeof(buf) - 1;
    off = elbuf_bytes(&f->page, buf, n);
    if (off == (size_t)-1)
        return -1;
    a = (quire_anchor){inst->group_level, (const char *)(uintptr_t)off, n, y, f->instance};
    return push_anchor(f, &a);
}

static int on_band(void *ctx, const emit_band *eb, quire_error *err)
{
    filler *f = ctx;
    const plan *p = f->p;
    uint32_t kind = eb->band->kind;
    int level = (int)eb->inst->group_level;
    const report_group *rg = NULL;
    open_group *g = NULL;

    if (kind == QUIRE_BAND_GROUP_HEADER || kind == QUIRE_BAND_GROUP_FOOTER) {
        rg = &p->rep->groups[level - 1];
        g = &f->groups[level - 1];
    }
    if (layout_band(&f->lc, eb, ++f->instance, &f->band, err) != QUIRE_OK)
        return QUIRE_ERR;
    if (kind == QUIRE_BAND_NO_DATA) {
        /* Alone on its page, without furniture. */
        if (f->have_page && finish_page(f, 0, err) != QUIRE_OK)
            return QUIRE_ERR;
        f->bare = 1;
        if (new_page(f, err) != QUIRE_OK)
            return QUIRE_ERR;
        f->content_top = f->y;
        return place(f, &f->band, err);
    }
    if (kind == QUIRE_BAND_TITLE) {
        if (!f->have_page && new_page(f, err) != QUIRE_OK)
            return QUIRE_ERR;
        f->content_top = f->y;
        if (append(f, &f->band.b, 0, 0, 0, f->y, 0) != 0)
            return oom(err);
        f->y += f->band.height;
        f->title_here = 1;
        return page_top(f, err);
    }
    if (f->force_new_page) {
        f->force_new_page = 0;
        if (f->have_page && start_page(f, err) != QUIRE_OK)
            return QUIRE_ERR;
    }
    if (kind == QUIRE_BAND_GROUP_HEADER) {
        int fresh, rc;
        if (!f->have_page && start_page(f, err) != QUIRE_OK)
            return QUIRE_ERR;
        fresh = f->y <= f->content_top + 0.01;
        if (rg->reset_page_number && f->page_no > 0) {
            /* A new numbering segment starts on a new page. */
            if (!fresh && start_page(f, err) != QUIRE_OK)
                return QUIRE_ERR;
            if (f->display_no > 1 || f->segment > 0 || f->page_no > 1) {
                f->segment_pages[f->segment] = f->display_no - 1 > 0 ? f->display_no - 1 : 1;
                if (fill_slots(f, &f->segment_slots[f->segment], err) != QUIRE_OK)
                    return QUIRE_ERR;
                if (f->nsegments % 16 == 0) {
                    uint32_t *grown =
                        realloc(f->segment_pages, (f->nsegments + 16) * sizeof(*grown));
                    if (grown == NULL)
                        return oom(err);
                    f->segment_pages = grown;
                    grown = realloc(f->segment_slots, (f->nsegments + 16) * sizeof(*grown));
                    if (grown == NULL)
                        return oom(err);
                    f->segment_slots = grown;
                }
                f->segment_pages[f->nsegments] = 0;
                f->segment_slots[f->nsegments] = NO_SLOT;
                f->segment = (uint32_t)f->nsegments++;
                f->display_no = 1;
                for (size_t i = 0; i < f->page.nph; i++)
                    f->page.phs[i].segment = f->segment;
            }
            fresh = 1;
        } else if ((rg->start_new_page && !fresh) ||
                   (rg->min_height_to_start > 0 &&
                    f->body_bottom - f->y < rg->min_height_to_start && !fresh)) {
            if (start_page(f, err) != QUIRE_OK)
                return QUIRE_ERR;
        }
        g->open = 0; /* not reprinted by the page it starts */
        f->start_group = g;
        f->start_eb = eb;
        rc = place(f, &f->band, err);
        f->start_group = NULL;
        if (rc != QUIRE_OK)
            return QUIRE_ERR;
        g->open = 1;
        g->have_header = 0;
        if (rg->reprint_header) {
            el_buf *h = &g->header.b;
            elbuf_clear(h);
            if (elbuf_reserve(h, f->band.b.nels) != 0)
                return oom(err);
            memcpy(h->els, f->band.b.els, f->band.b.nels * sizeof(*h->els));
            h->nels = f->band.b.nels;
            h->unchecked_text = f->band.b.unchecked_text;
            if (f->band.b.blob_len > 0 &&
                elbuf_bytes(h, f->band.b.blob, f->band.b.blob_len) == (size_t)-1)
                return oom(err);
            for (size_t i = 0; i < f->band.b.nph; i++)
                if (elbuf_push_ph(h, &f->band.b.phs[i]) != 0)
                    return oom(err);
            g->header.height = f->band.height;
            g->have_header = 1;
        }
        return QUIRE_OK;
    }
    if (kind == QUIRE_BAND_GROUP_FOOTER) {
        int pos = rg->footer_position;
        if (!f->have_page && start_page(f, err) != QUIRE_OK)
            return QUIRE_ERR;
        if (pos != REPORT_FOOTER_NORMAL && f->band.height <= f->body_bottom - f->y)
            f->y = f->body_bottom - f->band.height;
        /* Still open while its footer is placed: keep_together moves the
         * group when the footer is what does not fit. */
        if (place(f, &f->band, err) != QUIRE_OK)
            return QUIRE_ERR;
        g->open = 0;
        if (pos == REPORT_FOOTER_FORCE_AT_BOTTOM)
            f->force_new_page = 1;
        return QUIRE_OK;
    }
    return place(f, &f->band, err);
}

static int on_resolve(void *ctx, uint32_t id, const quire_band_value *value, int omitted,
                      quire_error *err)
{
    filler *f = ctx;
    if (id >= f->nresolved || f->refs[id] == 0)
        return QUIRE_OK; /* its band was never placed (a print_when) */
    free(f->resolved[id]);
    f->resolved_len[id] = omitted ? 0 : value->text.len;
    f->resolved[id] = malloc(f->resolved_len[id] + 1);
    if (f->resolved[id] == NULL)
        return oom(err);
    if (f->resolved_len[id] > 0)
        memcpy(f->resolved[id], value->text.ptr, f->resolved_len[id]);
    f->resolved[id][f->resolved_len[id]] = '\0';
    if (fill_slots(f, &f->value_slots[id], err) != QUIRE_OK)
        return QUIRE_ERR;
    return pump(f, err);
}

static void on_attach(void *ctx, emitter *em)
{
    ((filler *)ctx)->em = em;
}

static int on_finish(void *ctx, quire_error *err);

emit_sink fill_sink(filler *f)
{
    emit_sink s;
    memset(&s, 0, sizeof(s));
    s.fill = on_band;
    s.resolve = on_resolve;
    s.attach = on_attach;
    s.finish = on_finish;
    s.ctx = f;
    return s;
}

static int on_finish(void *ctx, quire_error *err)
{
    filler *f = ctx;
    if (!f->have_page && f->page_no == 0 &&
        f->p->rep->meta.when_no_data == REPORT_NO_DATA_BLANK_PAGE) {
        f->bare = 1; /* blank: no header, footer or background either */
        if (new_page(f, err) != QUIRE_OK)
            return QUIRE_ERR;
    }
    if (finish_page(f, 1, err) != QUIRE_OK)
        return QUIRE_ERR;
    f->segment_pages[f->segment] = f->display_no > 0 ? f->display_no : 1;
    if (pump(f, err) != QUIRE_OK || fill_slots(f, &f->segment_slots[f->segment], err) != QUIRE_OK)
        return QUIRE_ERR;
    if (f->nqueue > 0 || f->pending > 0) {
        error_setf(err, QUIRE_E_INTERNAL,
                   "%zu pages and %zu slots still wait for a value after the report ended",
                   f->nqueue, f->pending);
        return QUIRE_ERR;
    }
    return out_close(f, err);
}
