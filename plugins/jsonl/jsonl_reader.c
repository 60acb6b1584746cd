/*
 * jsonl_reader.c - the jsonl plugin's line reader (see jsonl.h).
 *
 * Input arrives in chunks through a read callback and is never held whole:
 * the buffer holds the current chunk and grows only while one line does not
 * fit, up to max_line bytes (plus the line end). A longer line is reported
 * once and then skipped without storing it, so memory stays bounded and the
 * source can go on (on_error = skip).
 *
 * Lines end with LF; a CR right before the LF belongs to the line end. The
 * last line may lack its LF. Blank lines (empty or only spaces, tabs and
 * CRs) are skipped but counted, so line numbers are physical lines. A UTF-8
 * byte order mark at input offset 0 is skipped.
 *
 * Byte ranges (partitions): a line belongs to the range its first byte is
 * in. A reader that starts mid-input skips through the first LF (the line
 * before it belongs to the previous range) and stops at the first line that
 * starts at or after `end`.
 */
#include <inttypes.h>
#include <string.h>

#include "jsonl.h"

/* Bytes asked of the read callback at a time (the buffer's first size). */
#define READER_CHUNK (64 * 1024)

struct jsonl_reader {
    const quire_host *host;
    const char *name;
    jsonl_read_fn read;
    void *ctx;

    char *buf;
    size_t cap, pos, len;
    int64_t base; /* input offset of buf[0] */
    int eof;

    size_t max_line;
    int64_t end;
    int skip_partial; /* still skipping the partial first line */
    int oversize;     /* skipping the rest of an over-long line */
    int bom_checked;
    int64_t line; /* number of the line starting at buf[pos] */
};

/* ============================== Life cycle ================================ */

jsonl_reader *jsonl_reader_new(const quire_host *host, const char *name, jsonl_read_fn read,
                               void *ctx, const jsonl_reader_opts *opts)
{
    jsonl_reader *r = host->calloc(1, sizeof(*r));

    if (r == NULL)
        return NULL;
    r->host = host;
    r->name = name;
    r->read = read;
    r->ctx = ctx;
    r->cap = READER_CHUNK;
    r->buf = host->malloc(r->cap);
    if (r->buf == NULL) {
        host->free(r);
        return NULL;
    }
    r->base = opts->start;
    r->max_line = opts->max_line;
    r->end = opts->end;
    r->skip_partial = opts->skip_partial;
    r->bom_checked = opts->start != 0;
    r->line = opts->first_line;
    return r;
}

void jsonl_reader_free(jsonl_reader *r)
{
    if (r == NULL)
        return;
    r->host->free(r->buf);
    r->host->free(r);
}

int64_t jsonl_reader_offset(const jsonl_reader *r)
{
    return r->base + (int64_t)r->pos;
}

int64_t jsonl_reader_line(const jsonl_reader *r)
{
    return r->line;
}

/* ============================== Input ===================================== */

/* Moves the unread bytes to the front, grows the buffer if it is full (up
 * to what one line may need) and reads more. Returns QUIRE_OK (r->eof set
 * when the input ended) or QUIRE_ERR. */
static int fill(jsonl_reader *r, quire_error *err)
{
    ptrdiff_t got;

    if (r->pos > 0) {
        memmove(r->buf, r->buf + r->pos, r->len - r->pos);
        r->base += (int64_t)r->pos;
        r->len -= r->pos;
        r->pos = 0;
    }
    if (r->len == r->cap) {
        /* A line end needs 2 more bytes than the line. */
        size_t want = r->cap * 2, most = r->max_line + 2;
        char *grown;
        /* Only a line that may still fit grows the buffer: next() reports
         * one longer than max_line before asking for more. */
        if (want > most)
            want = most;
        grown = r->host->realloc(r->buf, want);
        if (grown == NULL) {
            r->host->error_set(err, QUIRE_E_NOMEM, "%s:%" PRId64 ": out of memory reading a line",
                               r->name, r->line);
            return QUIRE_ERR;
        }
        r->buf = grown;
        r->cap = want;
    }
    got = r->read(r->ctx, r->base + (int64_t)r->len, r->buf + r->len, r->cap - r->len, err);
    if (got < 0)
        return QUIRE_ERR;
    if (got == 0)
        r->eof = 1;
    r->len += (size_t)got;
    return QUIRE_OK;
}

/* Skips input through the next LF (or to the end). Returns QUIRE_OK once
 * past it, QUIRE_DONE at the end of the input, or QUIRE_ERR. */
static int skip_through_lf(jsonl_reader *r, quire_error *err)
{
    for (;;) {
        const char *lf = memchr(r->buf + r->pos, '\n', r->len - r->pos);
        if (lf != NULL) {
            r->pos = (size_t)(lf - r->buf) + 1;
            return QUIRE_OK;
        }
        r->pos = r->len;
        if (r->eof)
            return QUIRE_DONE;
        if (fill(r, err) != QUIRE_OK)
            return QUIRE_ERR;
    }
}

static int is_blank_line(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r')
            return 0;
    return 1;
}

/* ============================== Lines ===================================== */

int jsonl_reader_next(jsonl_reader *r, jsonl_line *out, quire_error *err)
{
    int after_bom = 0; /* kept while the loop refills the buffer */
    for (;;) {
        const char *lf;
        size_t len;
        int rc;

        if (r->skip_partial || r->oversize) {
            rc = skip_through_lf(r, err);
            if (rc == QUIRE_ERR)
                return QUIRE_ERR;
            /* The skipped line had the current number. */
            r->line++;
            r->skip_partial = r->oversize = 0;
            if (rc == QUIRE_DONE)
                return QUIRE_DONE;
        }
        if (!r->bom_checked) {
            while (!r->eof && r->len - r->pos < 3)
                if (fill(r, err) != QUIRE_OK)
                    return QUIRE_ERR;
            r->bom_checked = 1;
            if (r->len - r->pos >= 3 && memcmp(r->buf + r->pos, "\xef\xbb\xbf", 3) == 0) {
                r->pos += 3;
                /* The first line starts at offset 0, BOM included: the
                 * partition owning offset 0 reads it even if its range
                 * ends inside the BOM (the next one skips it as partial). */
                after_bom = 1;
            }
        }
        if (!after_bom && r->end >= 0 && jsonl_reader_offset(r) >= r->end)
            return QUIRE_DONE;
        lf = memchr(r->buf + r->pos, '\n', r->len - r->pos);
        if (lf == NULL && !r->eof) {
            if (r->len - r->pos > r->max_line + 1) {
                out->number = r->line;
                r->host->error_set(err, QUIRE_E_INVALID,
                                   "%s:%" PRId64 ": the line is longer than max_line_size "
                                   "(%zu bytes)",
                                   r->name, r->line, r->max_line);
                r->oversize = 1;
                return QUIRE_ERR;
            }
            if (fill(r, err) != QUIRE_OK)
                return QUIRE_ERR;
            continue;
        }
        if (lf == NULL && r->pos == r->len)
            return QUIRE_DONE; /* eof */
        len = lf != NULL ? (size_t)(lf - (r->buf + r->pos)) : r->len - r->pos;
        out->text = r->buf + r->pos;
        out->number = r->line++;
        r->pos += len + (lf != NULL);
        after_bom = 0; /* only the first line owns the BOM's offset */
        if (len > 0 && out->text[len - 1] == '\r')
            len--;
        out->len = len;
        if (is_blank_line(out->text, len))
            continue;
        if (len > r->max_line) {
            r->host->error_set(err, QUIRE_E_INVALID,
                               "%s:%" PRId64 ": the line is longer than max_line_size (%zu bytes)",
                               r->name, out->number, r->max_line);
            return QUIRE_ERR;
        }
        return QUIRE_OK;
    }
}
