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

typedef struct emit_sink {
    int (*band)(void *ctx, const quire_band_instance *band, quire_error *err);
    void *ctx;
} emit_sink;

typedef struct emitter emitter;

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

/* Instances sent to the sink so far, and the most held back at once. */
int64_t emit_count(const emitter *em);
size_t emit_peak_held(const emitter *em);

#endif /* QUIRE_EMIT_H */
