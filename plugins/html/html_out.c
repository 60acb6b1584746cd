/*
 * html_out.c - where the HTML goes, and the small encoders markup needs.
 *
 * The file is written to a temporary "PATH.tmp-XXXXXX" next to the
 * destination and renamed over it once complete, so a failed or cancelled
 * render never leaves a partial page and a reader sees the old file or the
 * new one. "-" is standard output; a device or FIFO is written in place
 * (renaming over /dev/null would replace the device).
 *
 * Writes go through one buffer and never fail to their caller: the first
 * write(2) failure is recorded and later writes are dropped, so markup is
 * written without a check per tag and the failure surfaces from
 * html_out_error() or html_out_commit() as "cannot write 'x.html': No
 * space left on device".
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "html.h"

struct html_out {
    const quire_host *host;
    char *path;     /* the destination as given (for messages) */
    char *target;   /* where the result goes (a symlink's file) */
    char *tmp_path; /* the temporary file, or NULL when writing in place */
    int fd;         /* -1 once closed */
    int owns_fd;    /* 0 for standard output */
    int failed;
    quire_error failure;
    size_t used;
    char buf[65536];
};

/* ============================== Errors ==================================== */

/* Sets "VERB 'PATH': REASON" ("standard output" for "-"). */
static void io_error(const quire_host *host, quire_error *err, const char *verb, const char *path,
                     int errnum)
{
    char why[128];

    if (strerror_r(errnum, why, sizeof(why)) != 0)
        snprintf(why, sizeof(why), "error %d", errnum);
    if (strcmp(path, "-") == 0)
        host->error_set(err, QUIRE_E_IO, "%s standard output: %s", verb, why);
    else
        host->error_set(err, QUIRE_E_IO, "%s '%s': %s", verb, path, why);
}

static void out_fail(html_out *out, int errnum)
{
    if (out->failed)
        return;
    io_error(out->host, &out->failure, "cannot write", out->path, errnum);
    out->failed = 1;
}

/* ============================== Opening =================================== */

static void out_free(html_out *out)
{
    const quire_host *host = out->host;

    host->free(out->tmp_path);
    host->free(out->target);
    host->free(out->path);
    host->free(out);
}

/* The file a symlink names, so the rename replaces the file and keeps the
 * link; the path itself otherwise (or for a dangling link). */
static char *resolve_target(const quire_host *host, const char *path)
{
    struct stat st;
    char *real, *copy;

    if (lstat(path, &st) != 0 || !S_ISLNK(st.st_mode))
        return host->strdup(path);
    real = realpath(path, NULL);
    if (real == NULL)
        return host->strdup(path);
    copy = host->strdup(real);
    free(real); /* realpath allocates with libc malloc */
    return copy;
}

static int open_temporary(html_out *out, mode_t mode, quire_error *err)
{
    static const char suffix[] = ".tmp-XXXXXX";
    const quire_host *host = out->host;
    size_t len = strlen(out->target);
    int errnum;

    out->tmp_path = host->malloc(len + sizeof(suffix));
    if (out->tmp_path == NULL) {
        host->error_set(err, QUIRE_E_NOMEM, "out of memory");
        return QUIRE_ERR;
    }
    memcpy(out->tmp_path, out->target, len);
    memcpy(out->tmp_path + len, suffix, sizeof(suffix));
    out->fd = mkstemp(out->tmp_path);
    if (out->fd < 0) {
        errnum = errno;
        goto fail_free_tmp_path;
    }
    /* mkstemp makes 0600 files; the result should look like any file the
     * user creates. Close-on-exec: children must not hold it open. */
    if (fchmod(out->fd, mode) != 0 || fcntl(out->fd, F_SETFD, FD_CLOEXEC) != 0) {
        errnum = errno;
        close(out->fd);
        out->fd = -1;
        unlink(out->tmp_path);
        goto fail_free_tmp_path;
    }
    return QUIRE_OK;

fail_free_tmp_path:
    host->free(out->tmp_path);
    out->tmp_path = NULL;
    io_error(host, err, "cannot create", out->path, errnum);
    return QUIRE_ERR;
}

html_out *html_out_open(const quire_host *host, const char *path, mode_t mode, quire_error *err)
{
    html_out *out = host->calloc(1, sizeof(*out));
    struct stat st;

    if (out == NULL) {
        host->error_set(err, QUIRE_E_NOMEM, "out of memory");
        return NULL;
    }
    out->host = host;
    out->fd = -1;
    out->path = host->strdup(path);
    if (out->path == NULL)
        goto fail_nomem;
    if (strcmp(path, "-") == 0) {
        out->fd = STDOUT_FILENO;
        return out;
    }
    if (stat(path, &st) == 0 && !S_ISREG(st.st_mode)) {
        out->fd = open(path, O_WRONLY | O_CLOEXEC);
        if (out->fd < 0) {
            io_error(host, err, "cannot create", path, errno);
            goto fail_free_out;
        }
        out->owns_fd = 1;
        return out;
    }
    out->target = resolve_target(host, path);
    if (out->target == NULL)
        goto fail_nomem;
    if (open_temporary(out, mode, err) != QUIRE_OK)
        goto fail_free_out;
    out->owns_fd = 1;
    return out;

fail_nomem:
    host->error_set(err, QUIRE_E_NOMEM, "out of memory");
fail_free_out:
    out_free(out);
    return NULL;
}

/* ============================== Writing =================================== */

/* Writes the buffer out, retrying short writes and EINTR. */
static void out_flush(html_out *out)
{
    size_t done = 0;

    while (!out->failed && done < out->used) {
        ssize_t n = write(out->fd, out->buf + done, out->used - done);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            out_fail(out, n < 0 ? errno : EIO);
        else
            done += (size_t)n;
    }
    out->used = 0;
}

void html_out_write(html_out *out, const void *bytes, size_t len)
{
    const char *p = bytes;

    while (len > 0 && !out->failed) {
        size_t room = sizeof(out->buf) - out->used;
        size_t n = len < room ? len : room;
        memcpy(out->buf + out->used, p, n);
        out->used += n;
        p += n;
        len -= n;
        if (out->used == sizeof(out->buf))
            out_flush(out);
    }
}

void html_out_puts(html_out *out, const char *s)
{
    html_out_write(out, s, strlen(s));
}

void html_out_fmt(html_out *out, const char *fmt, ...)
{
    char buf[512];
    va_list ap;
    int n;

    va_start(ap, fmt);
    n = vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    if (n > 0)
        html_out_write(out, buf, (size_t)n < sizeof(buf) ? (size_t)n : sizeof(buf) - 1);
}

/* ============================== Encoders ================================== */

/* Length of the valid UTF-8 sequence at s[0..len) and its code point, or 0
 * when the bytes there are not one (overlong, surrogate, > U+10FFFF,
 * truncated). s[0] is not ASCII. */
static size_t utf8_decode(const unsigned char *s, size_t len, uint32_t *cp)
{
    size_t n;
    uint32_t c, min;

    if (s[0] >= 0xc2 && s[0] <= 0xdf) {
        n = 2, c = s[0] & 0x1fu, min = 0x80;
    } else if (s[0] >= 0xe0 && s[0] <= 0xef) {
        n = 3, c = s[0] & 0x0fu, min = 0x800;
    } else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
        n = 4, c = s[0] & 0x07u, min = 0x10000;
    } else {
        return 0;
    }
    if (len < n)
        return 0;
    for (size_t i = 1; i < n; i++) {
        if ((s[i] & 0xc0) != 0x80)
            return 0;
        c = (c << 6) | (s[i] & 0x3fu);
    }
    if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
        return 0;
    *cp = c;
    return n;
}

/* Code points HTML calls parse errors in text: C1 controls and
 * noncharacters (C0 and DEL are handled as bytes). */
static int html_forbidden(uint32_t cp)
{
    return (cp >= 0x80 && cp <= 0x9f) || (cp >= 0xfdd0 && cp <= 0xfdef) || (cp & 0xfffe) == 0xfffe;
}

void html_out_text(html_out *out, const char *utf8, size_t len)
{
    static const char replacement[] = "\xef\xbf\xbd"; /* U+FFFD */
    const unsigned char *s = (const unsigned char *)utf8;
    size_t run = 0, i = 0;

    if (s == NULL)
        return;
    /* Copies runs of plain bytes and stops at each byte needing care. */
    while (i < len) {
        unsigned char c = s[i];
        const char *rep = NULL;
        size_t skip = 1;
        uint32_t cp;

        if (c >= 0x80) {
            size_t n = utf8_decode(s + i, len - i, &cp);
            if (n > 0 && !html_forbidden(cp)) {
                i += n;
                continue;
            }
            rep = replacement;
            skip = n > 0 ? n : 1;
        } else if (c == '&') {
            rep = "&amp;";
        } else if (c == '<') {
            rep = "&lt;";
        } else if (c == '>') {
            rep = "&gt;";
        } else if (c == '"') {
            rep = "&quot;";
        } else if (c == '\'') {
            rep = "&#39;";
        } else if (c == '\t') {
            rep = " ";
        } else if (c < 0x20 || c == 0x7f) {
            rep = replacement;
        } else {
            i++;
            continue;
        }
        html_out_write(out, s + run, i - run);
        html_out_puts(out, rep);
        i += skip;
        run = i;
    }
    html_out_write(out, s + run, len - run);
}

void html_out_num(html_out *out, double v)
{
    char buf[40];
    long long hundredths, whole;
    int frac, n;

    /* Coordinates beyond a kilometre of paper are bugs upstream; clamping
     * keeps the integer conversion defined. */
    if (!isfinite(v))
        v = 0;
    if (v > 1e12)
        v = 1e12;
    if (v < -1e12)
        v = -1e12;
    hundredths = llround(v * 100.0);
    whole = (hundredths < 0 ? -hundredths : hundredths) / 100;
    frac = (int)((hundredths < 0 ? -hundredths : hundredths) % 100);
    n = snprintf(buf, sizeof(buf), "%s%lld", hundredths < 0 ? "-" : "", whole);
    if (frac != 0 && n > 0 && (size_t)n < sizeof(buf) - 4) {
        buf[n++] = '.';
        buf[n++] = (char)('0' + frac / 10);
        if (frac % 10 != 0)
            buf[n++] = (char)('0' + frac % 10);
        buf[n] = '\0';
    }
    html_out_puts(out, buf);
}

void html_out_color(html_out *out, quire_color c)
{
    if (c.a == 255)
        html_out_fmt(out, "#%02x%02x%02x", c.r, c.g, c.b);
    else
        html_out_fmt(out, "#%02x%02x%02x%02x", c.r, c.g, c.b, c.a);
}

void html_out_base64(html_out *out, const uint8_t *data, size_t len)
{
    static const char digits[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    char chunk[4096];
    size_t used = 0;

    for (size_t i = 0; i < len; i += 3) {
        uint32_t v = (uint32_t)data[i] << 16;
        size_t rest = len - i;
        if (rest > 1)
            v |= (uint32_t)data[i + 1] << 8;
        if (rest > 2)
            v |= data[i + 2];
        chunk[used++] = digits[(v >> 18) & 63];
        chunk[used++] = digits[(v >> 12) & 63];
        chunk[used++] = rest > 1 ? digits[(v >> 6) & 63] : '=';
        chunk[used++] = rest > 2 ? digits[v & 63] : '=';
        if (used == sizeof(chunk)) {
            html_out_write(out, chunk, used);
            used = 0;
        }
    }
    html_out_write(out, chunk, used);
}

/* ============================== Finishing ================================= */

int html_out_error(const html_out *out, quire_error *err)
{
    if (!out->failed)
        return QUIRE_OK;
    *err = out->failure;
    return QUIRE_ERR;
}

/* Closes the descriptor if it is ours; returns 0 or an errno. */
static int out_close(html_out *out)
{
    int errnum = 0;

    if (out->fd >= 0 && out->owns_fd && close(out->fd) != 0)
        errnum = errno;
    out->fd = -1;
    return errnum;
}

int html_out_commit(html_out *out, quire_error *err)
{
    int errnum;

    out_flush(out);
    /* Without fsync a crash soon after the rename can leave an empty file
     * under the final name on some file systems. */
    if (!out->failed && out->tmp_path != NULL && fsync(out->fd) != 0)
        out_fail(out, errno);
    errnum = out_close(out);
    if (errnum != 0)
        out_fail(out, errnum);
    if (html_out_error(out, err) != QUIRE_OK)
        goto fail_discard;
    if (out->tmp_path != NULL && rename(out->tmp_path, out->target) != 0) {
        char why[128];
        errnum = errno;
        if (strerror_r(errnum, why, sizeof(why)) != 0)
            snprintf(why, sizeof(why), "error %d", errnum);
        out->host->error_set(err, QUIRE_E_IO, "cannot rename '%s' to '%s': %s", out->tmp_path,
                             out->path, why);
        goto fail_discard;
    }
    out_free(out);
    return QUIRE_OK;

fail_discard:
    html_out_discard(out);
    return QUIRE_ERR;
}

void html_out_discard(html_out *out)
{
    if (out == NULL)
        return;
    out_close(out);
    if (out->tmp_path != NULL)
        unlink(out->tmp_path);
    out_free(out);
}
