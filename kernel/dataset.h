/*
 * dataset.h - a chart dataset's accumulator: the rows of a run aggregated
 * into the categories x series table a chart draws (quire_dataset,
 * quire/chart.h), from the dataset's compiled form (plan_dataset, plan.h).
 *
 * ===== What a dataset holds =====
 *
 * Rows whose `when` is false or NULL are skipped. The others are grouped
 * by (category, series) in a hash table (agg.h group_table) with one
 * accumulator per measure, and by category alone in a second table whose
 * states are the per-category totals that sort = value and top N rank by
 * (so avg, min, ... rank by the category's true aggregate, not a sum of
 * cells). Memory grows with the distinct keys, never with the rows. With
 * `bucket`, the category value goes through bucket_floor() first.
 *
 * Series: the distinct series values ascending, NULL last (named
 * "(none)"). With one measure a series is named after its value (without a
 * series expression: one series named after the measure's label). With
 * several measures every series value has one series per measure, named
 * "VALUE · LABEL" ("LABEL" without a series expression); series index =
 * value index * nmeasures + measure.
 *
 * Categories: sort = category (key order, NULL last) is the default and
 * desc(category) reverses it; sort = value / desc(value) orders by the
 * first measure's per-category result (NULL results last ascending, first
 * descending; ties keep key order). top N keeps the first N in that order;
 * the rest are merged into one category labelled `other` (the LAST, with
 * has_other = 1) when `other` is given, else dropped. fill_gaps (bucketed
 * categories; the plan refuses it with top) adds every bucket between the
 * first and the last present one, with NaN values; with sort = value the
 * filled buckets follow the categories that have rows, in time order;
 * with sort = category a NULL category comes after the buckets (first with
 * desc(category)).
 * Without a category expression every row is in one category named after
 * the dataset. A dataset that saw no rows has no categories.
 *
 * Values (row-major by series: values[s * ncategories + c]): the measure's
 * result as a double (INT and DECIMAL converted, DATE in days, TIMESTAMP
 * in seconds, BOOL 0/1); NaN for a NULL result, a string result, and a
 * cell without rows (so count() is 0 only in a cell that has rows whose
 * argument was NULL). value_text: INT "#,##0", DECIMAL "#,##0.00" with the
 * result's scale, FLOAT "#,##0.##", in the locale; other types their
 * canonical text; "" for NaN.
 *
 * Category labels: STRING as is; NULL "(none)"; DATE and TIMESTAMP by the
 * bucket: HOUR "yyyy-MM-dd HH:00", DAY or none "yyyy-MM-dd", WEEK
 * "YYYY-Www" (ISO year and week: 2020-12-28 is "2020-W53"), MONTH "MMM
 * yyyy" (the locale's short month names), QUARTER "yyyy Qn", YEAR "yyyy";
 * numbers and BOOL their canonical text. Series values print the same way
 * (without a bucket). category_values: numbers as doubles, DATE days,
 * TIMESTAMP seconds, NaN for NULL and "other"; the array is NULL for STRING
 * and BOOL categories (and without a category expression, whose
 * category_type is STRING).
 *
 * ===== Threads =====
 *
 * An accumulator belongs to one thread at a time. Accumulators of one
 * plan_dataset may be filled on different threads (one per partition) and
 * merged afterwards.
 */
#ifndef QUIRE_DATASET_H
#define QUIRE_DATASET_H

#include <stddef.h>
#include <stdint.h>

#include <quire/chart.h>
#include <quire/common.h>

#include "expr.h"
#include "format.h"
#include "plan.h"

/* Largest number of categories fill_gaps may produce; more is an error
 * from dataset_acc_pack() (a bad date would otherwise make millions). */
#define DATASET_MAX_FILLED 100000

typedef struct dataset_acc dataset_acc;

/* An empty accumulator for `pd` (a dataset of plan `p`, whose layout must
 * be set). `p` and `pd` must outlive it. Returns NULL when memory runs out
 * (or pd has no layout). The caller owns it: dataset_acc_free(). */
dataset_acc *dataset_acc_new(const plan *p, const plan_dataset *pd);

/* Frees the accumulator and everything it holds. NULL is a no-op. */
void dataset_acc_free(dataset_acc *a);

/*
 * Evaluates category, series, when and the measure arguments over rows
 * sel[0..n) (not NULL; any order) of ctx->columns (the batch's wide
 * columns; ctx->arena is the
 * batch arena the caller resets between batches, which holds computed
 * strings until then) and adds them. ordinal_base + row is the row's
 * global ordinal (first/last). Scratch vectors are the accumulator's own
 * (grown to the highest selected row). Returns QUIRE_OK, or QUIRE_ERR with
 * err: an evaluation error (located in the definition), out of memory, or
 * more groups than a table holds; rows of the batch may then be partly
 * added.
 */
int dataset_acc_add(dataset_acc *a, expr_ctx *ctx, const uint32_t *sel, uint32_t n,
                    int64_t ordinal_base, quire_error *err);

/* dst += src: the rows of another partition (an accumulator of the same
 * plan_dataset). src is unchanged. QUIRE_ERR with err when memory runs out
 * or the two are of different datasets. */
int dataset_acc_merge(dataset_acc *dst, const dataset_acc *src, quire_error *err);

/* Makes the accumulator empty again (its scope restarts); scratch vectors
 * are kept for the next batches. The tables are rebuilt on the next add;
 * if memory runs out then, that add fails. */
void dataset_acc_reset(dataset_acc *a);

/* Bytes the accumulator holds: its tables (with what their states own)
 * and scratch vectors. Bounded by distinct keys and the batch size. */
size_t dataset_acc_memory(const dataset_acc *a);

/*
 * The dataset as a chart sees it, packed into one malloc'd buffer *out
 * (*len bytes, a multiple of 8; the caller frees it): a quire_dataset (size
 * = sizeof(quire_dataset)) followed by everything it points to (name,
 * labels, values, texts), every pointer stored as an offset from the
 * buffer's start (0 for NULL). Call dataset_relocate() on it (or a copy)
 * to use it. `loc` formats value_text and month names (NULL: en-US). The
 * accumulator is not changed (reading a median may reorder its value list,
 * so do not pack while another thread reads the same accumulator).
 * Returns QUIRE_OK, or QUIRE_ERR with err: out of memory, a result that
 * cannot be read ("dataset 'by_region': sum 18446744073709551614 does not
 * fit in 64 bits"), or fill_gaps making more than DATASET_MAX_FILLED
 * categories.
 */
int dataset_acc_pack(const dataset_acc *a, const fmt_locale *loc, uint8_t **out, size_t *len,
                     quire_error *err);

/*
 * Turns packed bytes (copied anywhere 8-aligned; len the packed length)
 * into a usable quire_dataset in place: offsets become pointers. Checks
 * everything against len before writing anything: the header's size, every
 * count (and their products), every offset, alignment and string length,
 * that the name is NUL-terminated inside the buffer and that the arrays of
 * strings neither overlap each other nor the header. Returns buf as a
 * quire_dataset, valid as long as the bytes are; NULL (buf untouched) when
 * the bytes are not a packed dataset.
 */
quire_dataset *dataset_relocate(void *buf, size_t len);

/* The reverse of dataset_relocate() on a buffer it accepted: pointers
 * become offsets again, so the bytes can be copied (memcpy) and relocated
 * elsewhere. */
void dataset_unrelocate(void *buf);

#endif /* QUIRE_DATASET_H */
