/*
 * csv_micro.c - rows per second of the csv source plugin, driven as the
 * kernel drives it: $(BUILD)/plugins/csv.so loaded with kernel_load_path,
 * initialised with the default [source.csv] section, opened, projected,
 * and pulled into batches from kernel/batch.c. Built by `make csv-micro`.
 *
 *   csv_micro FILE [COLUMNS [PARTS [RUNS [BATCH]]]]
 *
 * COLUMNS is "all" or a comma-separated list of the columns to read (the
 * others are marked unneeded through project(), when the plugin has it);
 * PARTS > 1 reads that many partitions, each on its own thread (the plugin
 * must have QUIRE_SOURCE_CAN_PARTITION); RUNS repeats the read and reports
 * the fastest wall time and the least CPU time (CPU time per thread is what
 * a loaded machine disturbs least); BATCH is the batch capacity (default 2048). A checksum over
 * the read columns (row count, sum of numbers, the lengths and end bytes of
 * the strings) shows
 * that every way of reading gave the same values.
 *
 * QUIRE_BUILD (default "build") says where csv.so is.
 */
#include <limits.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "batch.h"
#include "config.h"
#include "kernel.h"
#include "registry.h"

#define MAX_PARTS 64

/* What one partition read. */
typedef struct part_run {
    const plugin_rec *rec;
    const char *path;
    const char *columns; /* "all" or "a,b,c" */
    uint32_t partition, npartitions, batch_rows;
    int64_t rows;
    uint64_t checksum;
    int failed;
    char error[QUIRE_ERROR_MSG_MAX];
} part_run;

static double now_seconds(clockid_t clock)
{
    struct timespec ts;

    clock_gettime(clock, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* 1 if `name` is in the comma-separated `list` (or list is "all"). */
static int wanted(const char *list, const char *name)
{
    size_t n = strlen(name);

    if (strcmp(list, "all") == 0)
        return 1;
    for (const char *p = list; *p;) {
        const char *comma = strchr(p, ',');
        size_t len = comma ? (size_t)(comma - p) : strlen(p);
        if (len == n && memcmp(p, name, n) == 0)
            return 1;
        if (comma == NULL)
            break;
        p = comma + 1;
    }
    return 0;
}

/* Folds the read cells of a batch into the checksum (order independent
 * across batches and parts, so parts can be summed). */
static uint64_t batch_checksum(const quire_batch *batch, const uint8_t *needed)
{
    uint64_t sum = 0;

    for (uint32_t c = 0; c < batch->ncolumns; c++) {
        const quire_column *col = &batch->columns[c];
        if (!needed[c])
            continue;
        for (uint32_t r = 0; r < batch->rows; r++) {
            if (col->nulls[r]) {
                sum += 7;
                continue;
            }
            if (col->type == QUIRE_TYPE_STRING) {
                /* Cheap, so the reader is what is measured. */
                const quire_str *s = &col->v.str[r];
                sum += s->len * 1000003u;
                if (s->len > 0)
                    sum += (unsigned char)s->ptr[0] * 31u + (unsigned char)s->ptr[s->len - 1];
            } else if (col->type == QUIRE_TYPE_FLOAT) {
                sum += (uint64_t)(int64_t)col->v.f64[r];
            } else {
                sum += (uint64_t)col->v.i64[r];
            }
        }
    }
    return sum;
}

static void *read_part(void *arg)
{
    part_run *run = arg;
    const quire_source_ops *ops = &run->rec->ops.source;
    quire_option option = {.key = "path", .value = run->path, .file = "csv_micro", .line = 1};
    quire_source_args args = {0};
    quire_error err = {0};
    const quire_column_info *columns;
    size_t ncolumns;
    uint8_t *needed = NULL;
    quire_batch *batch = NULL;
    void *instance = NULL;
    int rc;

    args.size = sizeof(args);
    args.source_name = "micro";
    args.options = &option;
    args.noptions = 1;
    args.batch_rows = run->batch_rows;
    args.partition = run->partition;
    args.npartitions = run->npartitions;
    if (ops->open(run->rec->state_ptr, &args, &instance, &err) != QUIRE_OK)
        goto fail;
    if (ops->schema(instance, &columns, &ncolumns, &err) != QUIRE_OK)
        goto fail_close;
    needed = calloc(ncolumns, 1);
    if (needed == NULL)
        goto fail_close;
    for (size_t c = 0; c < ncolumns; c++)
        needed[c] = (uint8_t)wanted(run->columns, columns[c].name);
    if (ops->project != NULL && (ops->caps & QUIRE_SOURCE_CAN_PROJECT) &&
        ops->project(instance, needed, ncolumns, &err) != QUIRE_OK)
        goto fail_close;
    batch = batch_new(columns, ncolumns, run->batch_rows, 0);
    if (batch == NULL)
        goto fail_close;
    do {
        batch_reset(batch);
        rc = ops->next(instance, batch, &err);
        if (rc == QUIRE_ERR)
            goto fail_close;
        run->rows += batch->rows;
        run->checksum += batch_checksum(batch, needed);
    } while (rc == QUIRE_OK);
    batch_free(batch);
    free(needed);
    ops->close(instance);
    return NULL;

fail_close:
    batch_free(batch);
    free(needed);
    ops->close(instance);
fail:
    run->failed = 1;
    snprintf(run->error, sizeof(run->error), "%s", err.msg[0] ? err.msg : "out of memory");
    return NULL;
}

int main(int argc, char **argv)
{
    const char *build = getenv("QUIRE_BUILD");
    char so[PATH_MAX + 32], so_abs[PATH_MAX];
    const char *columns = argc > 2 ? argv[2] : "all";
    long parts = argc > 3 ? strtol(argv[3], NULL, 10) : 1;
    long runs = argc > 4 ? strtol(argv[4], NULL, 10) : 3;
    long batch_rows = argc > 5 ? strtol(argv[5], NULL, 10) : 2048;
    part_run part[MAX_PARTS];
    pthread_t threads[MAX_PARTS];
    kernel *k = NULL;
    plugin_rec *rec = NULL;
    quire_error err = {0};
    diag d = {0};
    double best = 0, best_cpu = 0;
    int64_t rows = 0;
    uint64_t checksum = 0;

    if (argc < 2 || parts < 1 || parts > MAX_PARTS || runs < 1 || batch_rows < 1) {
        fprintf(stderr, "usage: csv_micro FILE [COLUMNS|all [PARTS [RUNS [BATCH]]]]\n");
        return 2;
    }
    snprintf(so, sizeof(so), "%s/plugins/csv.so", build && build[0] ? build : "build");
    if (realpath(so, so_abs) == NULL) {
        fprintf(stderr, "csv_micro: %s: not found (build it first)\n", so);
        return 1;
    }
    if (kernel_open(NULL, &k, &d) != QUIRE_OK ||
        kernel_load_path(k, so_abs, &rec, &d) != QUIRE_OK ||
        config_build(NULL, rec->label, rec->schema, rec->nkeys, &rec->config, &d) != QUIRE_OK) {
        for (size_t i = 0; i < d.count; i++)
            fprintf(stderr, "csv_micro: %s\n", d.items[i].text);
        return 1;
    }
    if (rec->desc.init(host_api(), rec, rec->config, &rec->state_ptr, &err) != QUIRE_OK) {
        fprintf(stderr, "csv_micro: init: %s\n", err.msg);
        return 1;
    }
    rec->state = PLUGIN_READY;
    if (parts > 1 && !(rec->ops.source.caps & QUIRE_SOURCE_CAN_PARTITION)) {
        fprintf(stderr, "csv_micro: the plugin cannot read partitions\n");
        return 1;
    }
    for (long run = 0; run < runs; run++) {
        double start = now_seconds(CLOCK_MONOTONIC), took, cpu;
        double cpu_start = now_seconds(CLOCK_PROCESS_CPUTIME_ID);
        for (long i = 0; i < parts; i++) {
            part[i] = (part_run){.rec = rec,
                                 .path = argv[1],
                                 .columns = columns,
                                 .partition = (uint32_t)i,
                                 .npartitions = (uint32_t)parts,
                                 .batch_rows = (uint32_t)batch_rows};
            if (parts > 1 && pthread_create(&threads[i], NULL, read_part, &part[i]) != 0) {
                fprintf(stderr, "csv_micro: cannot start a thread\n");
                return 1;
            }
        }
        if (parts == 1)
            read_part(&part[0]);
        else
            for (long i = 0; i < parts; i++)
                pthread_join(threads[i], NULL);
        took = now_seconds(CLOCK_MONOTONIC) - start;
        cpu = now_seconds(CLOCK_PROCESS_CPUTIME_ID) - cpu_start;
        rows = 0;
        checksum = 0;
        for (long i = 0; i < parts; i++) {
            if (part[i].failed) {
                fprintf(stderr, "csv_micro: part %ld: %s\n", i, part[i].error);
                return 1;
            }
            rows += part[i].rows;
            checksum += part[i].checksum;
        }
        if (run == 0 || took < best)
            best = took;
        if (run == 0 || cpu < best_cpu)
            best_cpu = cpu;
    }
    printf("%s columns=%s parts=%ld batch=%ld: %lld rows in %.3f s = %.2f M rows/s; "
           "cpu %.3f s = %.2f M rows/s per thread (checksum %016llx)\n",
           argv[1], columns, parts, batch_rows, (long long)rows, best, (double)rows / best / 1e6,
           best_cpu, (double)rows / best_cpu / 1e6, (unsigned long long)checksum);
    rec->desc.destroy(rec->state_ptr);
    rec->state = PLUGIN_LOADED;
    rec->state_ptr = NULL;
    config_free(rec->config);
    rec->config = NULL;
    kernel_close(k);
    return 0;
}
