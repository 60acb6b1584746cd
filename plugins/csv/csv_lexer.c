/*
 * csv_lexer.c - the csv plugin's RFC 4180 tokenizer (see csv.h).
 *
 * Input is read in read_buffer chunks and never held whole: a record's
 * fields are copied out of the chunk into a record buffer, so a record may
 * straddle any number of chunks. Memory is bounded by the read buffer plus
 * one record (at most `limit` fields of at most max_field bytes each).
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
 */
#include <inttypes.h>
#include <string.h>

#include "csv.h"

struct csv_lexer {
    const quire_host *host;
    const char *path;
    csv_read_fn read;
    void *ctx;

    char *in;     /* read buffer */
    size_t cap;   /* its size */
    size_t pos;   /* next unread byte */
    size_t len;   /* bytes in it */
    int64_t base; /* input offset of in[0] */
    int started;  /* the first chunk was read (BOM handled) */
    int eof;

    unsigned char delimiter;
    int quote;
    size_t max_field;
    size_t limit;      /* fields stored per record */
    int limit_is_max;  /* limit is CSV_MAX_COLUMNS: exceeding it is an error */
    uint8_t stop[256]; /* bytes that end a run of unquoted field bytes */

    int64_t line; /* current physical line */

    char *bytes; /* field bytes of the current record */
    size_t nbytes;
    size_t bytes_cap;
    csv_field *fields;
    size_t fields_cap;
    size_t nfields; /* fields ended so far in the current record */
};

/* The smallest read buffer: enough to look at a whole byte order mark. */
#define LEXER_MIN_BUFFER 16

/* ============================== Life cycle ================================ */

csv_lexer *csv_lexer_new(const quire_host *host, const char *path, csv_read_fn read, void *ctx,
                         const csv_lexer_opts *opts)
{
    csv_lexer *lx = host->calloc(1, sizeof(*lx));

    if (lx == NULL)
        return NULL;
    lx->host = host;
    lx->path = path;
    lx->read = read;
    lx->ctx = ctx;
    lx->cap = opts->read_buffer > LEXER_MIN_BUFFER ? opts->read_buffer : LEXER_MIN_BUFFER;
    lx->in = host->malloc(lx->cap);
    if (lx->in == NULL)
        goto fail_free_lexer;
    lx->delimiter = opts->delimiter;
    lx->quote = opts->quote;
    lx->max_field = opts->max_field;
    lx->limit = CSV_MAX_COLUMNS;
    lx->limit_is_max = 1;
    lx->line = 1;
    lx->stop[lx->delimiter] = 1;
    lx->stop['\r'] = 1;
    lx->stop['\n'] = 1;
    if (lx->quote >= 0)
        lx->stop[(unsigned char)lx->quote] = 1;
    return lx;

fail_free_lexer:
    host->free(lx);
    return NULL;
}

void csv_lexer_expect(csv_lexer *lx, size_t nfields)
{
    lx->limit = nfields;
    lx->limit_is_max = 0;
}

int64_t csv_lexer_offset(const csv_lexer *lx)
{
    return lx->base + (int64_t)lx->pos;
}

void csv_lexer_free(csv_lexer *lx)
{
    if (lx == NULL)
        return;
    lx->host->free(lx->fields);
    lx->host->free(lx->bytes);
    lx->host->free(lx->in);
    lx->host->free(lx);
}

/* ============================== Input ===================================== */

/* Reads the next chunk once the current one is used up. Returns QUIRE_OK
 * (lx->len == 0 means end of input) or QUIRE_ERR. The first chunk is read
 * until it holds 3 bytes (or the input ends) so a BOM is seen whole. */
static int refill(csv_lexer *lx, quire_error *err)
{
    lx->base += (int64_t)lx->len;
    lx->pos = lx->len = 0;
    if (lx->eof)
        return QUIRE_OK;
    do {
        ptrdiff_t got = lx->read(lx->ctx, lx->in + lx->len, lx->cap - lx->len, err);
        if (got < 0)
            return QUIRE_ERR;
        if (got == 0) {
            lx->eof = 1;
            break;
        }
        lx->len += (size_t)got;
    } while (!lx->started && lx->len < 3);
    if (!lx->started) {
        lx->started = 1;
        if (lx->len >= 3 && memcmp(lx->in, "\xef\xbb\xbf", 3) == 0)
            lx->pos = 3;
    }
    return QUIRE_OK;
}

/* ============================== Record building =========================== */

int csv_grow(const quire_host *host, void **ptr, size_t *cap, size_t need, size_t elem)
{
    size_t n = *cap ? *cap : 64;
    void *grown;

    if (need <= *cap)
        return 0;
    while (n < need) {
        if (n > SIZE_MAX / 2 / elem)
            return -1;
        n *= 2;
    }
    grown = host->realloc(*ptr, n * elem);
    if (grown == NULL)
        return -1;
    *ptr = grown;
    *cap = n;
    return 0;
}

static int fail_nomem(csv_lexer *lx, quire_error *err)
{
    lx->host->error_set(err, QUIRE_E_NOMEM, "%s: out of memory reading a record", lx->path);
    return QUIRE_ERR;
}

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
                            lx->path, field_line, lx->nfields + 1, lx->max_field);
        return QUIRE_ERR;
    }
    if (lx->nbytes + n > lx->bytes_cap &&
        csv_grow(lx->host, (void **)&lx->bytes, &lx->bytes_cap, lx->nbytes + n, 1) != 0)
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
        if (lx->nfields >= lx->fields_cap && csv_grow(lx->host, (void **)&lx->fields, &lx->fields_cap,
                                                  lx->nfields + 1, sizeof(csv_field)) != 0)
            return fail_nomem(lx, err);
        f = &lx->fields[lx->nfields];
        f->off = start;
        f->len = lx->nbytes - start;
        f->quoted = quoted;
    } else if (lx->limit_is_max) {
        lx->host->error_set(err, QUIRE_E_INVALID, "%s:%" PRId64 ": more than %d fields", lx->path,
                            lx->line, CSV_MAX_COLUMNS);
        return QUIRE_ERR;
    }
    lx->nfields++;
    return QUIRE_OK;
}

/* A byte as a message shows it: 'x', or '\xNN' for control bytes. */
static const char *show_byte(unsigned char c, char *buf, size_t len)
{
    return csv_show((const char *)&c, 1, buf, len);
}

/* ============================== The tokenizer ============================= */

typedef enum lex_state {
    FIELD_START,  /* before the first byte of a field */
    UNQUOTED,     /* inside an unquoted field */
    QUOTED,       /* inside a quoted field */
    QUOTED_QUOTE, /* a quote inside a quoted field: closing, or the first of "" */
    AFTER_CR      /* a CR outside quotes: must be followed by LF */
} lex_state;

int csv_lexer_next(csv_lexer *lx, csv_record *rec, quire_error *err)
{
    lex_state state;
    size_t start;        /* record-buffer offset where the current field begins */
    int quoted;          /* the current field is quoted */
    int64_t record_line; /* line the record starts on */
    int64_t field_line;  /* line the current field starts on */
    char shown[16];

next_record:
    state = FIELD_START;
    start = 0;
    quoted = 0;
    lx->nbytes = 0;
    lx->nfields = 0;
    record_line = field_line = lx->line;
    for (;;) {
        const char *p, *q, *end;

        /* A loop: a first chunk holding only a BOM leaves nothing to read. */
        while (lx->pos == lx->len) {
            if (refill(lx, err) != QUIRE_OK)
                return QUIRE_ERR;
            if (lx->len == 0) {
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
                                        lx->path, field_line, lx->nfields + 1);
                    return QUIRE_ERR;
                case AFTER_CR: goto bare_cr;
                }
            }
        }
        p = lx->in + lx->pos;
        end = lx->in + lx->len;

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
            while (q < end && !lx->stop[(unsigned char)*q])
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
                                    lx->path, lx->line, lx->nfields + 1);
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
                                    lx->path, lx->line, lx->nfields + 1,
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
    if (lx->nfields == 1 && lx->limit > 0 && lx->fields[0].len == 0 && !lx->fields[0].quoted)
        goto next_record;
    rec->bytes = lx->bytes != NULL ? lx->bytes : ""; /* all fields empty so far */
    rec->fields = lx->fields;
    rec->nfields = lx->nfields;
    rec->line = record_line;
    rec->end_offset = csv_lexer_offset(lx);
    return QUIRE_OK;

bare_cr:
    lx->host->error_set(err, QUIRE_E_INVALID,
                        "%s:%" PRId64 ": carriage return not followed by a line feed outside "
                        "quotes (line ends must be LF or CRLF)",
                        lx->path, lx->line);
    return QUIRE_ERR;
}
