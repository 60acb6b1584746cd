/*
 * emit.h - turns the aggregated stream of a run into band instances
 * (quire_band_instance, quire/renderer.h), in report order.
 *
 * The run feeds "units" in output order: a run of rows with the same group
 * keys (PLAN_STREAM) or one finished group of the hash table (PLAN_HASH).
 * For each unit the caller:
 *   1. emit_break(keys)      closes the groups whose key changed: their
 *                            footers print, their delayed values resolve,
 *                            their scope's accumulators reset;
 *   2. accumulates the unit's first row (or merges its state) into
 *      emit_state(em, scope) for every scope;
 *   3. emit_open(level)      prints the title (first unit) and the headers of
 *                            the groups that start;
 *   4. accumulates the rest, printing details per row with emit_detail().
 * emit_finish() closes every group, prints the summary (or the no-data
 * band) and flushes what was held back.
 *
 * Values whose scope is still open (a group total in its header, a report
 * total in the title) are delayed: the instance is held in a queue, with
 * everything after it, until the scope ends. Memory is bounded by the
 * size of the largest such scope, not by the row count.
 */
#ifndef QUIRE_EMIT_H
#define QUIRE_EMIT_H

#include "plan.h"

typedef struct emitter emitter;

/* Per element of a band (plan_band.values order) as the filler sees it. */
#define EMIT_ITEM_DRAW    0 /* shown: a shape, or a value in `value` */
#define EMIT_ITEM_OMIT    1 /* print_when was false */
#define EMIT_ITEM_PENDING 2 /* a delayed value: a placeholder until resolved */

typedef struct emit_item {
    uint8_t status;                /* EMIT_ITEM_* */
    uint32_t conds;                /* bit k: conditional style k applies (k < 32) */
    uint32_t pending;              /* PENDING: the placeholder's id (> 0) */
    const quire_band_value *value; /* DRAW of a text or field, else NULL */
} emit_item;

/* A band instance for the filler: the data instance plus every element. */
typedef struct emit_band {
    const plan_band *band;
    const quire_band_instance *inst;
    const emit_item *items; /* band->nvalues */
} emit_band;

/*
 * Where instances go. Data formats set `band`: instances arrive complete,
 * held back while a delayed value is open. Page formats set `fill` and
 * `resolve` instead: instances arrive at once with delayed values pending
 * (EMIT_ITEM_PENDING), and resolve() gives each pending value when its
 * scope ends (omitted = 1: its print_when turned out false). Everything
 * passed is valid only during the call.
 */
typedef struct emit_sink {
    int (*band)(void *ctx, const quire_band_instance *band, quire_error *err);
    int (*fill)(void *ctx, const emit_band *band, quire_error *err);
    int (*resolve)(void *ctx, uint32_t id, const quire_band_value *value, int omitted,
                   quire_error *err);
    /* Called once by run_plan() with the emitter it created, before any
     * band (the filler evaluates page furniture through it). May be NULL. */
    void (*attach)(void *ctx, emitter *em);
    /* Called by run_plan() after the last band, while the emitter still
     * exists (the filler's last page and page counts). May be NULL. */
    int (*finish)(void *ctx, quire_error *err);
    void *ctx;
} emit_sink;

/* Creates an emitter for `p` writing to `sink`. NULL on out of memory. */
emitter *emit_new(const plan *p, emit_sink sink);
void emit_free(emitter *em);

/* The accumulator block of `scope` (PLAN_SCOPE_REPORT, group levels, or
 * PLAN_SCOPE_ROW), laid out by p->layout. */
void *emit_state(emitter *em, int scope);

/* Step 1. keys[level - 1] is the unit's key per group level (ignored when
 * the plan has no groups). Returns the outermost level that starts a new
 * group (1..ngroups), or ngroups + 1 when the unit continues the current
 * groups, or -1 on error. */
int emit_break(emitter *em, const qv *keys, quire_error *err);

/* Step 3: title on the first unit, then headers for levels [level, ngroups]. */
int emit_open(emitter *em, int level, quire_error *err);

/* Prints the detail bands for row `row` of the wide columns in `columns`
 * (the current values of the variables are read from the emitter's
 * states). `ordinal` is the row's 1-based number in the output. */
int emit_detail(emitter *em, const quire_column *columns, uint32_t row, int64_t ordinal,
                quire_error *err);

/* Closes everything: footers, summary (or no-data band when no unit was
 * fed), delayed values; flushes the queue. */
int emit_finish(emitter *em, quire_error *err);

/* ============================== For the filler ============================ */

/*
 * Evaluates a band the filler prints on its own schedule (page header and
 * footer, column header and footer, background) now, with the current
 * variables and page() = page. Items whose value calls page_count(), or
 * has evaluation = page, come back PENDING with pending = 0: the filler
 * evaluates them later with emit_eval_item(). Strings live in `arena`
 * (the caller resets it). Returns QUIRE_OK with *out filled (out->items
 * in `arena`), or QUIRE_ERR.
 */
int emit_eval_furniture(emitter *em, const plan_band *band, int64_t page, quire_arena *arena,
                        emit_band *out, quire_error *err);

/* The variables `band` reads, as they are now: *vars is the emitter's
 * array (p->nvars, valid until the next evaluation; strings in the
 * emitter's scratch arena). The filler copies them to print page furniture
 * that waits for page_count() with the values of its own page. */
int emit_eval_vars(emitter *em, const plan_band *band, const qv **vars, quire_error *err);

/* Evaluates element `item` of `band` with the variables in `vars` (a copy
 * from emit_eval_vars(); NULL: the current values), page() = page and
 * page_count() = page_count, into *out (strings in `arena`); *omitted = 1
 * when its print_when is false. */
int emit_eval_item(emitter *em, const plan_band *band, size_t item, int64_t page,
                   int64_t page_count, const qv *vars, quire_arena *arena, quire_band_value *out,
                   int *omitted, quire_error *err);

/* The filler started a new page: page-scoped variables start again. */
void emit_page_reset(emitter *em);

/* ============================== Chart datasets ============================ */

/* The accumulator of dataset i (p->datasets order; emit_ndatasets() of
 * them, 0 when the plan has no datasets): the run adds rows to it; the
 * emitter resets it when its scope ends and packs it for charts. */
struct dataset_acc;
size_t emit_ndatasets(const emitter *em);
struct dataset_acc *emit_dataset(emitter *em, size_t i);

/* Instances sent to the sink so far, and the most held back at once. */
int64_t emit_count(const emitter *em);
size_t emit_peak_held(const emitter *em);

#endif /* QUIRE_EMIT_H */
