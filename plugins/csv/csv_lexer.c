/*
 * csv_lexer.c - the csv plugin's RFC 4180 tokenizer (see csv.h).
 *
 * Two ways to an input: a memory input (a mapped file, held whole by the
 * caller) or a streamed one, read in read_buffer chunks into a window that
 * is never held whole. Two ways through it:
 *
 *   the fast path  reads field ends from the structural index (csv_scan.c)
 *                  of the window: fields are slices of the window, copied
 *                  only to unescape "". A record must lie whole in the
 *                  window: a streamed window slides (the record moves to
 *                  the front and the rest is read after it).
 *   the state machine  byte by byte, copying fields into a record buffer,
 *                  so a record may straddle any number of chunks. It takes
 *                  over for one record when the index stops at a block that
 *                  breaks a rule (it gives the exact error), when a field is
 *                  too long or the record has too many fields (the same),
 *                  and when a streamed record does not fit the read buffer.
 *
 * Memory is bounded by the read buffer plus one record (at most `limit`
 * fields of at most max_field bytes each), as before the fast path.
 *
 * Accepted syntax, RFC 4180 plus what real files need:
 *   - records end with LF or CRLF; the last one may lack it;
 *   - a field is quoted if it starts with the quote byte; inside, a doubled
 *     quote is one quote and delimiters, CR and LF are data;
 *   - empty lines are skipped (a one-column file writes an empty string as
 *     ""); a UTF-8 byte order mark at the very start is skipped.
 * Errors (final; after one the record boundaries are unknown):
 *   - a quote inside an unquoted field, anything but a delimiter or line end
 *     after a closing quote, a CR not followed by LF outside quotes;
 *   - a quoted field still open at the end of the input (named by the line
 *     where it started);
 *   - a field longer than max_field, or more than CSV_MAX_COLUMNS fields
 *     before the column count is known.
 *
 * Lines: the fast path counts one per record plus the LFs the index marks
 * inside quotes, never scanning for them. After csv_lexer_seek() the count
 * is relative; the LFs before the seek offset are counted only when an
 * absolute line is first asked for (csv_lexer_line).
 */
#include <inttypes.h>
#include <string.h>

#include "csv.h"

/* Bytes indexed at a time: the index array has this many entries. */
#define INDEX_SPAN 8192
/* The smallest read buffer: enough to look at a whole byte order mark. */
#define LEXER_MIN_BUFFER 16
/* Internal field flag: quoted with "" inside, not unescaped yet. */
#define FIELD_ESCAPED 0x100u

/* Internal results besides QUIRE_OK / QUIRE_DONE / QUIRE_ERR. */
#define LEX_SLOW    2 /* the state machine must lex this record */
#define LEX_MORE    3 /* the index has entries again */
#define LEX_END     4 /* the input ends at the window's end, all indexed */
#define LEX_RESTART 5 /* the window slid: start the record again */

struct csv_lexer {
    const quire_host *host;
    const char *path;
    csv_read_fn read; /* NULL: a memory input */
    void *ctx;

    const char *data; /* the window: the memory input, or buf */
    char *buf;        /* streamed inputs: the read buffer */
    size_t cap;       /* its size */
    size_t len;       /* bytes in the window */
    size_t pos;       /* next unread byte (a record start between records) */
    int64_t base;     /* input offset of data[0] */
    int started;      /* the byte order mark was looked for */
    int eof;          /* the input ends at data[len] */
    int64_t stop;     /* records starting at or after this are not read */

    unsigned char delimiter;
    int quote;
    size_t max_field;
    size_t limit;           /* fields stored per record */
    uint8_t *want;          /* limit entries: 0 = the field need not be stored; NULL: all */
    int limit_is_max;       /* limit is CSV_MAX_COLUMNS: exceeding it is an error */
    uint8_t stop_byte[256]; /* bytes that end a run of unquoted field bytes */

    /* The structural index of data[index_from, scanned). */
    csv_scanner scanner;
    uint32_t *index;
    size_t nindex, inext;
    size_t index_from;
    size_t scanned;
    int blocked; /* the block at `scanned` broke a rule */

    /* Lines: data[pos] is on line `line`; absolute = line_base + line. */
    int64_t line;
    int64_t line_base;    /* -1: not counted yet (after a seek) */
    int64_t known_offset; /* a row start on known_line, before seek_offset */
    int64_t known_line;
    int64_t seek_offset;
    csv_count_lines_fn count_lines; /* counts the LFs before seek_offset */
    void *count_ctx;

    char *bytes; /* field bytes: the state machine's, or unescaped ones */
    size_t nbytes;
    size_t bytes_cap;
    csv_field *fields;
    size_t fields_cap;
    size_t nfields; /* fields ended so far in the current record */
};

/* ============================== Life cycle ================================ */

static csv_lexer *lexer_new(const quire_host *host, const char *path, const csv_lexer_opts *opts)
{
    csv_lexer *lx = host->calloc(1, sizeof(*lx));

    if (lx == NULL)
        return NULL;
    lx->host = host;
    lx->path = path;
    lx->stop = INT64_MAX;
    lx->delimiter = opts->delimiter;
    lx->quote = opts->quote;
    lx->max_field = opts->max_field;
    lx->limit = CSV_MAX_COLUMNS;
    lx->limit_is_max = 1;
    lx->line = 1;
    lx->stop_byte[lx->delimiter] = 1;
    lx->stop_byte['\r'] = 1;
    lx->stop_byte['\n'] = 1;
    if (lx->quote >= 0)
        lx->stop_byte[(unsigned char)lx->quote] = 1;
    csv_scanner_init(&lx->scanner, lx->delimiter, lx->quote);
    lx->index = host->malloc((INDEX_SPAN + 4) * sizeof(*lx->index));
    if (lx->index == NULL) {
        host->free(lx);
        return NULL;
    }
    return lx;
}

csv_lexer *csv_lexer_new(const quire_host *host, const char *path, csv_read_fn read, void *ctx,
                         const csv_lexer_opts *opts)
{
    csv_lexer *lx = lexer_new(host, path, opts);

    if (lx == NULL)
        return NULL;
    lx->read = read;
    lx->ctx = ctx;
    lx->cap = opts->read_buffer > LEXER_MIN_BUFFER ? opts->read_buffer : LEXER_MIN_BUFFER;
    lx->buf = host->malloc(lx->cap);
    if (lx->buf == NULL) {
        csv_lexer_free(lx);
        return NULL;
    }
    lx->data = lx->buf;
    return lx;
}

csv_lexer *csv_lexer_new_memory(const quire_host *host, const char *path, const char *data,
                                size_t size, const csv_lexer_opts *opts)
{
    csv_lexer *lx = lexer_new(host, path, opts);

    if (lx == NULL)
        return NULL;
    lx->data = size > 0 ? data : "";
    lx->len = size;
    lx->eof = 1;
    return lx;
}

int csv_lexer_expect(csv_lexer *lx, size_t nfields)
{
    lx->limit = nfields;
    lx->limit_is_max = 0;
    lx->host->free(lx->want);
    lx->want = NULL;
    /* Room for every stored field: the fast path then never grows it. */
    return support_grow(lx->host, (void **)&lx->fields, &lx->fields_cap, nfields,
                        sizeof(csv_field));
}

int csv_lexer_want(csv_lexer *lx, const uint8_t *want)
{
    uint8_t *copy = lx->host->malloc(lx->limit > 0 ? lx->limit : 1);

    if (copy == NULL)
        return -1;
    memcpy(copy, want, lx->limit);
    lx->host->free(lx->want);
    lx->want = copy;
    return 0;
}

int64_t csv_lexer_offset(const csv_lexer *lx)
{
    return lx->base + (int64_t)lx->pos;
}

void csv_lexer_free(csv_lexer *lx)
{
    if (lx == NULL)
        return;
    lx->host->free(lx->want);
    lx->host->free(lx->fields);
    lx->host->free(lx->bytes);
    lx->host->free(lx->buf);
    lx->host->free(lx->index);
    lx->host->free(lx);
}

/* Forgets the index: the next record starts at pos. */
static void index_reset(csv_lexer *lx)
{
    csv_scanner_reset(&lx->scanner);
    lx->nindex = lx->inext = 0;
    lx->index_from = lx->scanned = lx->pos;
    lx->blocked = 0;
}

void csv_lexer_seek(csv_lexer *lx, int64_t offset, int64_t stop, int64_t known_offset,
                    int64_t known_line, csv_count_lines_fn count, void *ctx)
{
    lx->count_lines = count;
    lx->count_ctx = ctx;
    lx->started = 1;
    lx->pos = offset < 0 ? 0 : (size_t)offset < lx->len ? (size_t)offset : lx->len;
    lx->stop = stop;
    lx->line = 1;
    lx->line_base = -1;
    lx->known_offset = known_offset;
    lx->known_line = known_line;
    lx->seek_offset = (int64_t)lx->pos;
    index_reset(lx);
}

void csv_lexer_set_stop(csv_lexer *lx, int64_t stop)
{
    lx->stop = stop;
}

int64_t csv_lexer_line_now(const csv_lexer *lx)
{
    return lx->line;
}

int64_t csv_lexer_line(csv_lexer *lx, int64_t line)
{
    if (lx->line_base < 0)
        lx->line_base =
            lx->known_line - 1 + lx->count_lines(lx->count_ctx, lx->known_offset, lx->seek_offset);
    return lx->line_base + line;
}

/* ============================== Input ===================================== */

static int read_into(csv_lexer *lx, size_t at, quire_error *err)
{
    ptrdiff_t got = lx->read(lx->ctx, lx->buf + at, lx->cap - at, err);

    if (got < 0)
        return QUIRE_ERR;
    if (got == 0)
        lx->eof = 1;
    lx->len = at + (size_t)got;
    return QUIRE_OK;
}

/* Looks for a byte order mark at the very start: a streamed input is read
 * until it holds 3 bytes (or ends) so a BOM is seen whole. */
static int start_input(csv_lexer *lx, quire_error *err)
{
    lx->started = 1;
    while (lx->read != NULL && !lx->eof && lx->len < 3)
        if (read_into(lx, lx->len, err) != QUIRE_OK)
            return QUIRE_ERR;
    if (lx->len >= 3 && memcmp(lx->data, "\xef\xbb\xbf", 3) == 0)
        lx->pos = 3;
    index_reset(lx);
    return QUIRE_OK;
}

/* The state machine's next chunk once the window is used up: QUIRE_OK with
 * bytes at pos, QUIRE_DONE at the end of the input, or QUIRE_ERR. */
static int refill(csv_lexer *lx, quire_error *err)
{
    while (lx->pos == lx->len) {
        if (lx->eof)
            return QUIRE_DONE;
        lx->base += (int64_t)lx->len;
        lx->pos = lx->len = 0;
        if (read_into(lx, 0, err) != QUIRE_OK)
            return QUIRE_ERR;
    }
    return QUIRE_OK;
}

/* ============================== Record building =========================== */

static int fail_nomem(csv_lexer *lx, quire_error *err)
{
    lx->host->error_set(err, QUIRE_E_NOMEM, "%s: out of memory reading a record", lx->path);
    return QUIRE_ERR;
}

static int64_t abs_line(csv_lexer *lx, int64_t line)
{
    return csv_lexer_line(lx, line);
}

/* ============================== Fast path ================================= */

/* Indexes more of the window, sliding or extending a streamed one. `start`
 * is the current record's start. Returns LEX_MORE, LEX_END, LEX_RESTART,
 * LEX_SLOW or QUIRE_ERR. */
static int index_more(csv_lexer *lx, size_t start, quire_error *err)
{
    while (!lx->blocked && lx->scanned < lx->len) {
        size_t to = lx->len - lx->scanned > INDEX_SPAN ? lx->scanned + INDEX_SPAN : lx->len;
        size_t from = lx->scanned, next;
        int blocked;

        lx->nindex = csv_scan_index(&lx->scanner, lx->data, from, to, lx->eof && to == lx->len,
                                    lx->index, &next, &blocked);
        lx->inext = 0;
        lx->index_from = from;
        lx->scanned = next;
        lx->blocked = blocked;
        if (lx->nindex > 0)
            return LEX_MORE;
        if (next == from)
            break; /* a partial block: more input first */
    }
    if (lx->eof && lx->scanned == lx->len && !csv_scanner_can_end(&lx->scanner))
        lx->blocked = 1; /* indexed before the end was known */
    if (lx->blocked)
        return LEX_SLOW;
    if (lx->eof && lx->scanned == lx->len)
        return LEX_END;
    /* A streamed window ends inside the record. */
    if (lx->len < lx->cap)
        return read_into(lx, lx->len, err) == QUIRE_OK ? LEX_MORE : QUIRE_ERR;
    if (start == 0)
        return LEX_SLOW; /* the record does not fit the read buffer */
    memmove(lx->buf, lx->buf + start, lx->len - start);
    lx->base += (int64_t)start;
    lx->len -= start;
    lx->pos = 0;
    index_reset(lx);
    return LEX_RESTART;
}

/* Stores field `nf` = data[s, e) ended by a delimiter or (at_lf) a LF.
 * Returns QUIRE_OK, LEX_SLOW (the state machine has the exact error) or
 * QUIRE_ERR. The index guarantees the syntax: a field that starts with a
 * quote ends with one, and has only "" pairs in between. */
static int store_field(csv_lexer *lx, size_t nf, size_t s, size_t e, int at_lf, int *escaped,
                       quire_error *err)
{
    const char *d = lx->data;
    unsigned flags = lx->read == NULL ? CSV_FIELD_STABLE : 0;
    csv_field *f;

    if (nf >= lx->limit)
        return lx->limit_is_max ? LEX_SLOW : QUIRE_OK;
    if (nf >= lx->fields_cap && support_grow(lx->host, (void **)&lx->fields, &lx->fields_cap,
                                             nf + 1, sizeof(csv_field)) != 0)
        return fail_nomem(lx, err);
    if (at_lf && e > s && d[e - 1] == '\r')
        e--;
    if (lx->quote >= 0 && e > s && (unsigned char)d[s] == (unsigned char)lx->quote) {
        s++;
        e--;
        flags |= CSV_FIELD_QUOTED;
        if (memchr(d + s, lx->quote, e - s) != NULL) {
            flags |= FIELD_ESCAPED;
            *escaped = 1;
        }
    }
    if (e - s > lx->max_field)
        return LEX_SLOW; /* unescaped, it may still fit: the state machine knows */
    f = &lx->fields[nf];
    f->ptr = d + s;
    f->len = e - s;
    f->flags = flags;
    return QUIRE_OK;
}

/* Copies the fields with "" inside into the record buffer, one quote each. */
static int unescape_fields(csv_lexer *lx, size_t nf, quire_error *err)
{
    size_t total = 0, used = 0, stored = nf < lx->limit ? nf : lx->limit;

    for (size_t i = 0; i < stored; i++)
        if (lx->fields[i].flags & FIELD_ESCAPED)
            total += lx->fields[i].len;
    if (support_grow(lx->host, (void **)&lx->bytes, &lx->bytes_cap, total, 1) != 0)
        return fail_nomem(lx, err);
    for (size_t i = 0; i < stored; i++) {
        csv_field *f = &lx->fields[i];
        char *out = lx->bytes + used;
        size_t n = 0;
        if (!(f->flags & FIELD_ESCAPED))
            continue;
        for (size_t k = 0; k < f->len; k++) {
            out[n++] = f->ptr[k];
            if ((unsigned char)f->ptr[k] == (unsigned char)lx->quote)
                k++; /* the second of the pair */
        }
        f->ptr = out;
        f->len = n;
        f->flags &= ~(FIELD_ESCAPED | CSV_FIELD_STABLE);
        used += n;
    }
    return QUIRE_OK;
}

/* Reads one record through the index. Returns QUIRE_OK, QUIRE_DONE,
 * QUIRE_ERR, or LEX_SLOW with pos at the record's start. */
static int fast_next(csv_lexer *lx, csv_record *rec, quire_error *err)
{
    const char *d = lx->data;
    const int quote = lx->quote; /* -1 equals no byte */
    const unsigned stable = lx->read == NULL ? CSV_FIELD_STABLE : 0;
    const uint8_t *want = lx->want;
    /* Fields stored without store_field(): csv_lexer_expect() made room. */
    const size_t fast_limit = lx->limit_is_max ? 0 : lx->limit;

    for (;;) {
        size_t start = lx->pos, field_start = start, nf = 0;
        int64_t lines = 0;
        int escaped = 0, empty, rc;

        if (lx->base + (int64_t)start >= lx->stop)
            return QUIRE_DONE;
        for (;;) {
            uint32_t entry;
            size_t p;
            int at_lf;

            if (lx->inext == lx->nindex) {
                rc = index_more(lx, start, err);
                if (rc == LEX_MORE)
                    continue;
                if (rc == LEX_RESTART) {
                    start = field_start = lx->pos;
                    nf = 0;
                    lines = 0;
                    escaped = 0;
                    continue;
                }
                if (rc != LEX_END)
                    return rc;
                /* The input ends without a line end after the record. */
                if (field_start == lx->len && nf == 0) {
                    lx->pos = lx->len;
                    return QUIRE_DONE;
                }
                rc = store_field(lx, nf, field_start, lx->len, 0, &escaped, err);
                if (rc != QUIRE_OK)
                    return rc;
                nf++;
                field_start = lx->len;
                break;
            }
            entry = lx->index[lx->inext++];
            if (entry & CSV_INDEX_QUOTED_LF) {
                lines++;
                continue;
            }
            p = lx->index_from + entry;
            at_lf = d[p] == '\n';
            if (nf < fast_limit && want != NULL && !want[nf] && p - field_start <= lx->max_field) {
                /* Not wanted: only counted (and its length checked). */
            } else if (nf < fast_limit &&
                       (p == field_start ||
                        ((unsigned char)d[field_start] != quote && d[p - 1] != '\r')) &&
                       p - field_start <= lx->max_field) {
                /* Most fields: unquoted, short, without a CR. */
                csv_field *f = &lx->fields[nf];
                f->ptr = d + field_start;
                f->len = p - field_start;
                f->flags = stable;
            } else {
                rc = store_field(lx, nf, field_start, p, at_lf, &escaped, err);
                if (rc != QUIRE_OK)
                    return rc;
            }
            nf++;
            field_start = p + 1;
            if (at_lf) {
                lines++;
                break;
            }
        }
        /* An empty line is one empty unquoted field ("" or a CR before
         * the LF): skip it. Tested on the bytes, as field 0 may be unwanted. */
        empty = nf == 1 && d[field_start - 1] == '\n' &&
                (field_start - start == 1 ||
                 (field_start - start == 2 && d[start] == '\r' && d[start + 1] == '\n'));
        lx->pos = field_start;
        rec->line = lx->line;
        lx->line += lines;
        if (empty)
            continue;
        if (escaped && unescape_fields(lx, nf, err) != QUIRE_OK)
            return QUIRE_ERR;
        lx->nfields = nf;
        rec->fields = lx->fields;
        rec->nfields = nf;
        rec->start = lx->base + (int64_t)start;
        rec->end_offset = csv_lexer_offset(lx);
        return QUIRE_OK;
    }
}

/* ============================== State machine ============================= */

/* Appends p[0..n) to the field that started at byte `start` on line
 * `field_line`, unless the record is past the stored field limit. */
static int append(csv_lexer *lx, size_t start, int64_t field_line, const char *p, size_t n,
                  quire_error *err)
{
    if (lx->nfields >= lx->limit)
        return QUIRE_OK;
    if (lx->nbytes - start + n > lx->max_field) {
        lx->host->error_set(err, QUIRE_E_INVALID,
                            "%s:%" PRId64 ": field %zu is longer than max_field_size (%zu bytes)",
                            lx->path, abs_line(lx, field_line), lx->nfields + 1, lx->max_field);
        return QUIRE_ERR;
    }
    if (lx->nbytes + n > lx->bytes_cap &&
        support_grow(lx->host, (void **)&lx->bytes, &lx->bytes_cap, lx->nbytes + n, 1) != 0)
        return fail_nomem(lx, err);
    memcpy(lx->bytes + lx->nbytes, p, n);
    lx->nbytes += n;
    return QUIRE_OK;
}

/* Ends the current field: [start, nbytes) of the record buffer. */
static int end_field(csv_lexer *lx, size_t start, int quoted, quire_error *err)
{
    if (lx->nfields < lx->limit) {
        csv_field *f;
        if (lx->nfields >= lx->fields_cap &&
            support_grow(lx->host, (void **)&lx->fields, &lx->fields_cap, lx->nfields + 1,
                         sizeof(csv_field)) != 0)
            return fail_nomem(lx, err);
        f = &lx->fields[lx->nfields];
        f->ptr = NULL; /* set when the record is done: bytes may still move */
        f->len = lx->nbytes - start;
        f->flags = quoted ? CSV_FIELD_QUOTED : 0;
    } else if (lx->limit_is_max) {
        lx->host->error_set(err, QUIRE_E_INVALID, "%s:%" PRId64 ": more than %d fields", lx->path,
                            abs_line(lx, lx->line), CSV_MAX_COLUMNS);
        return QUIRE_ERR;
    }
    lx->nfields++;
    return QUIRE_OK;
}

/* A byte as a message shows it: 'x', or '\xNN' for control bytes. */
static const char *show_byte(unsigned char c, char *buf, size_t len)
{
    return support_show((const char *)&c, 1, buf, len);
}

typedef enum lex_state {
    FIELD_START,  /* before the first byte of a field */
    UNQUOTED,     /* inside an unquoted field */
    QUOTED,       /* inside a quoted field */
    QUOTED_QUOTE, /* a quote inside a quoted field: closing, or the first of "" */
    AFTER_CR      /* a CR outside quotes: must be followed by LF */
} lex_state;

/* The byte-by-byte tokenizer: one record from pos, any size. */
static int slow_next(csv_lexer *lx, csv_record *rec, quire_error *err)
{
    lex_state state;
    size_t start;        /* record-buffer offset where the current field begins */
    int quoted;          /* the current field is quoted */
    int64_t record_line; /* line the record starts on */
    int64_t field_line;  /* line the current field starts on */
    int64_t record_start;
    char shown[16];

next_record:
    state = FIELD_START;
    start = 0;
    quoted = 0;
    lx->nbytes = 0;
    lx->nfields = 0;
    record_line = field_line = lx->line;
    record_start = csv_lexer_offset(lx);
    if (record_start >= lx->stop)
        return QUIRE_DONE;
    for (;;) {
        const char *p, *q, *end;
        int rc = refill(lx, err);

        if (rc == QUIRE_ERR)
            return QUIRE_ERR;
        if (rc == QUIRE_DONE) {
            /* End of input. */
            switch (state) {
            case FIELD_START:
                if (lx->nfields == 0)
                    return QUIRE_DONE;
                /* "a,b," : the empty last field. */
                if (end_field(lx, lx->nbytes, 0, err) != QUIRE_OK)
                    return QUIRE_ERR;
                goto record_done;
            case UNQUOTED:
            case QUOTED_QUOTE:
                if (end_field(lx, start, quoted, err) != QUIRE_OK)
                    return QUIRE_ERR;
                goto record_done;
            case QUOTED:
                lx->host->error_set(err, QUIRE_E_INVALID,
                                    "%s:%" PRId64 ": field %zu: quoted field is not closed "
                                    "before the end of the file",
                                    lx->path, abs_line(lx, field_line), lx->nfields + 1);
                return QUIRE_ERR;
            case AFTER_CR: goto bare_cr;
            }
        }
        p = lx->data + lx->pos;
        end = lx->data + lx->len;

        switch (state) {
        case FIELD_START:
            start = lx->nbytes;
            field_line = lx->line;
            if (lx->quote >= 0 && (unsigned char)*p == (unsigned char)lx->quote) {
                quoted = 1;
                lx->pos++;
                state = QUOTED;
            } else {
                quoted = 0;
                state = UNQUOTED;
            }
            break;

        case UNQUOTED:
            q = p;
            while (q < end && !lx->stop_byte[(unsigned char)*q])
                q++;
            if (q > p && append(lx, start, field_line, p, (size_t)(q - p), err) != QUIRE_OK)
                return QUIRE_ERR;
            lx->pos += (size_t)(q - p);
            if (q == end)
                break;
            lx->pos++;
            if ((unsigned char)*q == lx->delimiter) {
                if (end_field(lx, start, 0, err) != QUIRE_OK)
                    return QUIRE_ERR;
                state = FIELD_START;
            } else if (*q == '\n') {
                if (end_field(lx, start, 0, err) != QUIRE_OK)
                    return QUIRE_ERR;
                lx->line++;
                goto record_done;
            } else if (*q == '\r') {
                if (end_field(lx, start, 0, err) != QUIRE_OK)
                    return QUIRE_ERR;
                state = AFTER_CR;
            } else {
                lx->host->error_set(err, QUIRE_E_INVALID,
                                    "%s:%" PRId64 ": field %zu: quote inside an unquoted field "
                                    "(quote the whole field and double the quotes inside it)",
                                    lx->path, abs_line(lx, lx->line), lx->nfields + 1);
                return QUIRE_ERR;
            }
            break;

        case QUOTED:
            q = p;
            while (q < end && (unsigned char)*q != (unsigned char)lx->quote && *q != '\n')
                q++;
            if (q < end && *q == '\n')
                q++; /* data, but count the line */
            if (q > p && append(lx, start, field_line, p, (size_t)(q - p), err) != QUIRE_OK)
                return QUIRE_ERR;
            lx->pos += (size_t)(q - p);
            if (q > p && q[-1] == '\n')
                lx->line++;
            else if (q < end) {
                lx->pos++; /* the quote */
                state = QUOTED_QUOTE;
            }
            break;

        case QUOTED_QUOTE:
            lx->pos++;
            if ((unsigned char)*p == (unsigned char)lx->quote) {
                if (append(lx, start, field_line, p, 1, err) != QUIRE_OK)
                    return QUIRE_ERR;
                state = QUOTED;
            } else if ((unsigned char)*p == lx->delimiter) {
                if (end_field(lx, start, 1, err) != QUIRE_OK)
                    return QUIRE_ERR;
                state = FIELD_START;
            } else if (*p == '\n') {
                if (end_field(lx, start, 1, err) != QUIRE_OK)
                    return QUIRE_ERR;
                lx->line++;
                goto record_done;
            } else if (*p == '\r') {
                if (end_field(lx, start, 1, err) != QUIRE_OK)
                    return QUIRE_ERR;
                state = AFTER_CR;
            } else {
                lx->host->error_set(err, QUIRE_E_INVALID,
                                    "%s:%" PRId64 ": field %zu: unexpected '%s' after the closing "
                                    "quote (a delimiter or the end of the line must follow)",
                                    lx->path, abs_line(lx, lx->line), lx->nfields + 1,
                                    show_byte((unsigned char)*p, shown, sizeof(shown)));
                return QUIRE_ERR;
            }
            break;

        case AFTER_CR:
            if (*p != '\n')
                goto bare_cr;
            lx->pos++;
            lx->line++;
            goto record_done;
        }
    }

record_done:
    /* An empty line is one empty unquoted field: skip it. */
    if (lx->nfields == 1 && lx->limit > 0 && lx->fields[0].len == 0 &&
        !(lx->fields[0].flags & CSV_FIELD_QUOTED))
        goto next_record;
    {
        /* The stored fields lie one after the other in bytes. */
        size_t off = 0, stored = lx->nfields < lx->limit ? lx->nfields : lx->limit;
        for (size_t i = 0; i < stored; i++) {
            lx->fields[i].ptr = lx->bytes != NULL ? lx->bytes + off : "";
            off += lx->fields[i].len;
        }
    }
    rec->fields = lx->fields;
    rec->nfields = lx->nfields;
    rec->line = record_line;
    rec->start = record_start;
    rec->end_offset = csv_lexer_offset(lx);
    return QUIRE_OK;

bare_cr:
    lx->host->error_set(err, QUIRE_E_INVALID,
                        "%s:%" PRId64 ": carriage return not followed by a line feed outside "
                        "quotes (line ends must be LF or CRLF)",
                        lx->path, abs_line(lx, lx->line));
    return QUIRE_ERR;
}

/* ============================== Records =================================== */

int csv_lexer_next(csv_lexer *lx, csv_record *rec, quire_error *err)
{
    int rc;

    if (!lx->started && start_input(lx, err) != QUIRE_OK)
        return QUIRE_ERR;
    rc = fast_next(lx, rec, err);
    if (rc != LEX_SLOW)
        return rc;
    rc = slow_next(lx, rec, err);
    if (rc == QUIRE_OK)
        index_reset(lx);
    return rc;
}
