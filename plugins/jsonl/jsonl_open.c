/*
 * jsonl_open.c - opening and freeing a jsonl source instance (see jsonl.h
 * and the description of an instance in jsonl.c): the file, the sample of
 * the first infer_rows lines, the columns (from the `columns` option, or
 * discovered from the sample's paths), their types, and for a partition its
 * byte range and the number of its first line.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "jsonl.h"

/* ============================== Helpers ================================== */

/* The file's reader: pread at the offset the line reader asks for; a pipe
 * (input_size -1) is only ever read once, in order. */
static ptrdiff_t fd_read(void *ctx, int64_t offset, char *buf, size_t cap, quire_error *err)
{
    jsonl_source *src = ctx;

    for (;;) {
        ssize_t got = src->input_size >= 0 ? pread(src->fd, buf, cap, (off_t)offset)
                                           : read(src->fd, buf, cap);
        if (got >= 0)
            return (ptrdiff_t)got;
        if (errno != EINTR) {
            char why[128] = "unknown error";
            strerror_r(errno, why, sizeof(why));
            src->host->error_set(err, QUIRE_E_IO, "%s: read failed: %s", src->name, why);
            return -1;
        }
    }
}

/* ============================== Sample ==================================== */

/* Reads up to infer_rows lines (and at most max_line_size bytes of them,
 * beyond the first) into the sample. */
static int read_sample(jsonl_source *src, quire_error *err)
{
    const quire_host *host = src->host;
    size_t budget = (size_t)src->plugin->max_line_size;

    while ((int64_t)src->sample_rows < src->opt.infer_rows &&
           (src->sample_rows == 0 || src->sample_nbytes < budget)) {
        jsonl_line line;
        jsonl_sample_line *s;
        int rc = jsonl_reader_next(src->reader, &line, err);

        if (rc == QUIRE_DONE) {
            src->sample_hit_eof = 1;
            src->reader_done = 1;
            break;
        }
        if (rc == QUIRE_ERR && err->code != QUIRE_E_INVALID)
            return QUIRE_ERR;
        if (support_grow(host, (void **)&src->sample, &src->sample_cap, src->sample_rows + 1,
                         sizeof(jsonl_sample_line)) != 0)
            return support_fail_nomem(host, "jsonl", "keeping the type inference sample", err);
        s = &src->sample[src->sample_rows++];
        memset(s, 0, sizeof(*s));
        if (rc == QUIRE_ERR) {
            /* Over-long: not kept; next() reports it when it gets there. */
            s->oversize = 1;
            s->number = line.number;
            err->code = QUIRE_E_NONE;
            err->msg[0] = '\0';
            continue;
        }
        /* + 1: the buffer exists even for an empty sample. */
        if (support_grow(host, (void **)&src->sample_bytes, &src->sample_bytes_cap,
                         src->sample_nbytes + line.len + 1, 1) != 0)
            return support_fail_nomem(host, "jsonl", "keeping the type inference sample", err);
        memcpy(src->sample_bytes + src->sample_nbytes, line.text, line.len);
        s->off = src->sample_nbytes;
        s->len = line.len;
        s->number = line.number;
        src->sample_nbytes += line.len;
    }
    src->sample_end = jsonl_reader_offset(src->reader);
    return QUIRE_OK;
}

void jsonl_sample_free(jsonl_source *src)
{
    src->host->free(src->sample_bytes);
    src->host->free(src->sample);
    src->sample_bytes = NULL;
    src->sample = NULL;
    src->sample_bytes_cap = src->sample_cap = 0;
}

/* Parses sample line i; QUIRE_OK, or QUIRE_ERR with *err (the line is bad:
 * QUIRE_E_INVALID) */
int jsonl_sample_parse(jsonl_source *src, size_t i, quire_error *err)
{
    const jsonl_sample_line *s = &src->sample[i];

    if (s->oversize) {
        src->host->error_set(err, QUIRE_E_INVALID,
                             "%s:%" PRId64 ": the line is longer than max_line_size (%zu bytes)",
                             src->name, s->number, (size_t)src->plugin->max_line_size);
        return QUIRE_ERR;
    }
    return jsonl_parse_line(&src->parser, src->name, s->number, src->sample_bytes + s->off, s->len,
                            err);
}

/* ============================== Columns =================================== */

/* Allocates the column arrays for n columns. */
static int alloc_columns(jsonl_source *src, size_t n, quire_error *err)
{
    src->ncols = n;
    src->columns = src->host->calloc(n ? n : 1, sizeof(*src->columns));
    src->cols = src->host->calloc(n ? n : 1, sizeof(*src->cols));
    src->values = src->host->calloc(n ? n : 1, sizeof(*src->values));
    if (src->columns == NULL || src->cols == NULL || src->values == NULL)
        return support_fail_nomem(src->host, "jsonl", "making the columns", err);
    for (size_t c = 0; c < n; c++)
        support_infer_init(&src->cols[c].infer);
    src->parser.values = src->values;
    src->parser.ncolumns = n;
    return QUIRE_OK;
}

/* Columns from the `columns` option: a path tree node per listed path. */
static int columns_from_option(jsonl_source *src, quire_error *err)
{
    char where[256], shown[256];

    if (alloc_columns(src, src->opt.ncolumns, err) != QUIRE_OK)
        return QUIRE_ERR;
    for (size_t c = 0; c < src->opt.ncolumns; c++) {
        const jsonl_column_spec *spec = &src->opt.columns[c];
        int rc = jsonl_paths_add(&src->paths, spec->path, strlen(spec->path), (int32_t)c);
        if (rc == -3) {
            src->host->error_set(
                err, QUIRE_E_INVALID, "%s: jsonl: columns: path '%s' is given twice",
                support_option_where(src->opt.columns_option, where, sizeof(where)),
                support_show(spec->path, strlen(spec->path), shown, sizeof(shown)));
            return QUIRE_ERR;
        }
        if (rc != 0)
            return support_fail_nomem(src->host, "jsonl", "making the columns", err);
        src->columns[c].name = src->host->strdup(spec->name);
        if (src->columns[c].name == NULL)
            return support_fail_nomem(src->host, "jsonl", "making the columns", err);
    }
    return QUIRE_OK;
}

/* Whether discovery makes a column of node n (see the top of the file). */
static int is_discovered_column(const jsonl_node *n)
{
    return (n->seen & JSONL_SEEN_VALUE) ||
           ((n->seen & JSONL_SEEN_NULL) && !(n->seen & JSONL_SEEN_OBJECT));
}

/* Columns from the sample's paths: parses every good sample line in
 * discovery mode, then numbers the paths that qualify in creation order
 * (the order they first appeared). Paths that spell the same name (a key
 * "a.b" and a key b inside a) share one column. */
static int columns_from_sample(jsonl_source *src, quire_error *err)
{
    jsonl_paths *paths = &src->paths;
    size_t count = 0;
    quire_error first_bad = {0}, why;

    for (size_t i = 0; i < src->sample_rows; i++) {
        /* First check the whole line, creating the nodes its keys need (so
         * a key given twice is seen anywhere) but marking nothing: a bad
         * line is no evidence, not even its first half. */
        paths->discover = 2;
        if (jsonl_sample_parse(src, i, &why) != QUIRE_OK) {
            if (why.code == QUIRE_E_NOMEM || paths->nnodes >= JSONL_MAX_NODES) {
                *err = why; /* too many paths: the source cannot work */
                paths->discover = 0;
                return QUIRE_ERR;
            }
            if (first_bad.code == QUIRE_E_NONE)
                first_bad = why;
            continue;
        }
        paths->discover = 1;
        (void)jsonl_sample_parse(src, i, &why); /* the same line: it passes */
    }
    paths->discover = 0;
    for (size_t n = 1; n < paths->nnodes; n++)
        count += is_discovered_column(&paths->nodes[n]);
    if (count == 0 && first_bad.code != QUIRE_E_NONE) {
        /* Nothing but bad lines: the first says best what is wrong. */
        *err = first_bad;
        return QUIRE_ERR;
    }
    if (count == 0) {
        src->host->error_set(err, QUIRE_E_INVALID,
                             src->sample_rows == 0
                                 ? "%s: the file is empty (no object to take the columns from; "
                                   "set columns to read it anyway)"
                                 : "%s: no key with a value in the first %zu lines to make a "
                                   "column of (set columns to name them)",
                             src->name, src->sample_rows);
        return QUIRE_ERR;
    }
    if (count > JSONL_MAX_COLUMNS) {
        src->host->error_set(err, QUIRE_E_INVALID,
                             "%s: more than %d key paths in the first %zu lines (set columns "
                             "to pick the ones to read)",
                             src->name, JSONL_MAX_COLUMNS, src->sample_rows);
        return QUIRE_ERR;
    }
    if (alloc_columns(src, count, err) != QUIRE_OK)
        return QUIRE_ERR;
    count = 0;
    for (size_t n = 1; n < paths->nnodes; n++) {
        char name[4096];
        size_t c;
        if (!is_discovered_column(&paths->nodes[n]))
            continue;
        jsonl_paths_name(paths, (int32_t)n, name, sizeof(name));
        for (c = 0; c < count; c++)
            if (strcmp(src->columns[c].name, name) == 0)
                break;
        paths->nodes[n].column = (int32_t)c;
        if (c < count)
            continue;
        src->columns[count].name = src->host->strdup(name);
        if (src->columns[count].name == NULL)
            return support_fail_nomem(src->host, "jsonl", "making the columns", err);
        count++;
    }
    src->ncols = count;
    src->parser.ncolumns = count;
    return QUIRE_OK;
}

/* Applies `types`: every override must name a column. */
static int apply_overrides(jsonl_source *src, quire_error *err)
{
    return support_types_apply(src->host, "jsonl", src->opt.types, src->opt.ntypes,
                               src->opt.types_option, src->name, src->columns, src->cols,
                               src->ncols, err);
}

/* Lets every good sample line's values vote on the column types. */
static int infer_types(jsonl_source *src, quire_error *err)
{
    quire_error ignored;

    for (size_t i = 0; i < src->sample_rows; i++) {
        if (jsonl_sample_parse(src, i, &ignored) != QUIRE_OK) {
            if (ignored.code == QUIRE_E_NOMEM)
                return support_fail_nomem(src->host, "jsonl", "reading the sample", err);
            continue;
        }
        for (size_t c = 0; c < src->ncols; c++)
            if (!src->cols[c].overridden && src->values[c].row == src->parser.row)
                jsonl_infer_add(&src->cols[c].infer, &src->values[c]);
    }
    support_columns_type(src->columns, src->cols, src->ncols);
    return QUIRE_OK;
}

/* ============================== Partitions ================================ */

/* Adds the line ends in input bytes [offset, upto) to *lines. */
static int count_lines(jsonl_source *src, int64_t offset, int64_t upto, int64_t *lines,
                       quire_error *err)
{
    const size_t cap = 64 * 1024; /* from the heap: worker stacks may be small */
    char *buf = src->host->malloc(cap);
    int rc = QUIRE_OK;

    if (buf == NULL)
        return support_fail_nomem(src->host, "jsonl", "counting lines", err);
    while (offset < upto) {
        size_t want = upto - offset < (int64_t)cap ? (size_t)(upto - offset) : cap;
        ptrdiff_t got = src->read(src->read_ctx, offset, buf, want, err);
        if (got <= 0) {
            rc = got < 0 ? QUIRE_ERR : QUIRE_OK;
            break;
        }
        for (const char *p = buf; (p = memchr(p, '\n', (size_t)(buf + got - p))) != NULL; p++)
            (*lines)++;
        offset += got;
    }
    src->host->free(buf);
    return rc;
}

/* Sets the byte range of partition `part` of `parts` and opens its reader
 * (in place of the sample's, which has stopped at sample_end). */
static int open_partition(jsonl_source *src, uint32_t part, uint32_t parts, quire_error *err)
{
    jsonl_reader_opts ro = {.max_line = (size_t)src->plugin->max_line_size, .end = -1};
    int64_t before = 0, from = 0;

    if (src->input_size < 0) {
        /* Unknown size (a pipe): the first part reads everything. */
        src->range_start = 0;
        src->range_end = part == 0 ? -1 : 0;
    } else {
        src->range_start = (int64_t)((double)src->input_size * part / parts);
        src->range_end =
            part + 1 == parts ? -1 : (int64_t)((double)src->input_size * (part + 1) / parts);
    }
    if (src->range_start > 0) {
        /* Start at the byte before the range: if it is a line end, the
         * range starts with a whole line. The sample's reader has counted
         * the line ends before where it stopped: count only the rest. */
        if (!src->sample_hit_eof && src->sample_end <= src->range_start - 1) {
            from = src->sample_end;
            before = jsonl_reader_line(src->reader) - 1;
        }
        if (count_lines(src, from, src->range_start - 1, &before, err) != QUIRE_OK)
            return QUIRE_ERR;
        ro.start = src->range_start - 1;
        ro.skip_partial = 1;
    }
    ro.end = src->range_end;
    ro.first_line = before + 1;
    jsonl_reader_free(src->reader);
    src->reader = jsonl_reader_new(src->host, src->name, src->read, src->read_ctx, &ro);
    if (src->reader == NULL)
        return support_fail_nomem(src->host, "jsonl", "opening a partition", err);
    src->reader_done = src->range_end == 0;
    return QUIRE_OK;
}

/* ============================== Open and free ============================= */

/* Opens the file named by the path option; fills read/read_ctx. */
static int open_file(jsonl_source *src, const quire_source_args *args, quire_error *err)
{
    const quire_host *host = src->host;
    char *resolved = support_resolve_path(host, src->opt.path, support_base_dir(args));
    struct stat st;
    int why = 0;

    if (resolved == NULL)
        return support_fail_nomem(host, "jsonl", "opening a source", err);
    src->fd = open(resolved, O_RDONLY | O_CLOEXEC);
    if (src->fd < 0 || fstat(src->fd, &st) != 0)
        why = errno;
    else if (S_ISDIR(st.st_mode))
        why = EISDIR;
    if (why != 0) {
        support_cannot_open(host, src->name, src->opt.path, resolved, why, err);
        host->free(resolved);
        return QUIRE_ERR;
    }
    host->free(resolved);
    src->input_size = S_ISREG(st.st_mode) ? (int64_t)st.st_size : -1;
    src->read = fd_read;
    src->read_ctx = src;
    return QUIRE_OK;
}

int jsonl_source_open(jsonl_plugin *plugin, const quire_source_args *args, const char *name,
                      jsonl_read_fn read, void *ctx, int64_t size, jsonl_source **out,
                      quire_error *err)
{
    const quire_host *host = plugin->host;
    jsonl_reader_opts ro = {.max_line = (size_t)plugin->max_line_size, .end = -1, .first_line = 1};
    uint32_t part = 0, parts = 1;
    jsonl_source *src;

    *out = NULL;
    if (support_check_args(host, "jsonl", args, QUIRE_SOURCE_ARGS_1_0_SIZE, err) != QUIRE_OK)
        return QUIRE_ERR;
    src = host->calloc(1, sizeof(*src));
    if (src == NULL)
        return support_fail_nomem(host, "jsonl", "opening a source", err);
    src->plugin = plugin;
    src->host = host;
    src->fd = -1;
    src->range_end = -1;
    src->input_size = size;
    src->read = read;
    src->read_ctx = ctx;
    src->parser.host = host;
    src->parser.paths = &src->paths;
    if (jsonl_options_parse(host, args, plugin->infer_rows, read == NULL, &src->opt, err) !=
        QUIRE_OK)
        goto fail_close;
    src->name = host->strdup(read == NULL ? src->opt.path : name);
    if (src->name == NULL || jsonl_paths_init(&src->paths, host) != 0) {
        support_fail_nomem(host, "jsonl", "opening a source", err);
        goto fail_close;
    }
    if (read == NULL && open_file(src, args, err) != QUIRE_OK)
        goto fail_close;
    src->reader = jsonl_reader_new(host, src->name, src->read, src->read_ctx, &ro);
    if (src->reader == NULL) {
        support_fail_nomem(host, "jsonl", "opening a source", err);
        goto fail_close;
    }
    if (read_sample(src, err) != QUIRE_OK)
        goto fail_close;
    if ((src->opt.columns != NULL ? columns_from_option(src, err)
                                  : columns_from_sample(src, err)) != QUIRE_OK ||
        apply_overrides(src, err) != QUIRE_OK || infer_types(src, err) != QUIRE_OK)
        goto fail_close;
    if (args->size >= offsetof(quire_source_args, npartitions) + sizeof(uint32_t) &&
        args->npartitions > 1 && args->partition < args->npartitions) {
        part = args->partition;
        parts = args->npartitions;
    }
    if (parts > 1) {
        /* The sample stays counted (estimate, messages) but is not replayed. */
        jsonl_sample_free(src);
        if (open_partition(src, part, parts, err) != QUIRE_OK)
            goto fail_close;
    } else {
        src->replay = 1;
    }
    *out = src;
    return QUIRE_OK;

fail_close:
    jsonl_source_free(src);
    return QUIRE_ERR;
}

void jsonl_source_free(jsonl_source *src)
{
    const quire_host *host;

    if (src == NULL)
        return;
    host = src->host;
    if (src->columns != NULL)
        for (size_t c = 0; c < src->ncols; c++)
            host->free((void *)src->columns[c].name);
    host->free(src->columns);
    host->free(src->cols);
    host->free(src->values);
    host->free(src->needed);
    jsonl_sample_free(src);
    jsonl_parser_free(&src->parser);
    jsonl_paths_free(&src->paths);
    jsonl_reader_free(src->reader);
    if (src->fd >= 0)
        close(src->fd);
    host->free(src->name);
    jsonl_options_free(host, &src->opt);
    host->free(src);
}
