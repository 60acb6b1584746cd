/*
 * cmd_fmt.c - `quire fmt`: prints a report definition in its canonical form
 * (ast_format), rewrites it in place (-w) or checks that it already is
 * (--check). Syntax only: the definition is parsed, not loaded, so a file
 * with a misspelt attribute still formats.
 *
 *   quire fmt FILE...          the canonical text on stdout
 *   quire fmt -                reads stdin
 *   quire fmt -w FILE...       rewrites the files that are not canonical
 *   quire fmt --check FILE...  "PATH: not formatted" on stderr, exit 1
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ast.h"
#include "commands_lang.h"
#include "kernel.h"
#include "path.h"
#include "report.h"

#define FMT_USAGE "usage: quire fmt [-w | --check] FILE... (or - for stdin)"

/* ============================== Input ===================================== */

/* Reads all of f into a malloc'd buffer (*out, *len). 0, or -1 with errno. */
static int read_all(FILE *f, char **out, size_t *len)
{
    size_t cap = 0, n = 0;
    char *buf = NULL;

    errno = 0;
    for (;;) {
        if (n == cap) {
            char *grown;
            if (cap > AST_MAX_SIZE) {
                free(buf);
                errno = EFBIG;
                return -1;
            }
            cap = cap ? cap * 2 : 8192;
            grown = realloc(buf, cap);
            if (grown == NULL) {
                free(buf);
                errno = ENOMEM;
                return -1;
            }
            buf = grown;
        }
        size_t got = fread(buf + n, 1, cap - n, f);
        n += got;
        if (got == 0) {
            if (ferror(f)) {
                int why = errno != 0 ? errno : EIO; /* EISDIR for a directory */
                free(buf);
                errno = why;
                return -1;
            }
            break;
        }
    }
    *out = buf;
    *len = n;
    return 0;
}

/* ============================== Output ==================================== */

/* The canonical text of a parsed file in a malloc'd buffer. */
static char *format_to_memory(const ast_file *file, size_t *len)
{
    char *text = NULL;
    FILE *mem = open_memstream(&text, len);
    int rc;

    if (mem == NULL)
        return NULL;
    rc = ast_format(file, mem);
    if (fclose(mem) != 0 || rc != 0) {
        free(text);
        return NULL;
    }
    return text;
}

/* Replaces `path` by text: a temporary file in the same directory, with the
 * original's permissions, renamed over it so readers never see half a file. */
static int write_in_place(const char *path, const char *text, size_t len)
{
    char *dir = path_dirname(path);
    char *tmp = NULL;
    struct stat st;
    int fd = -1;
    FILE *f = NULL;

    if (dir == NULL)
        goto fail;
    tmp = malloc(strlen(dir) + strlen(path_basename(path)) + 32);
    if (tmp == NULL)
        goto fail;
    sprintf(tmp, "%s/.%s.fmt-XXXXXX", dir, path_basename(path));
    fd = mkstemp(tmp);
    if (fd < 0)
        goto fail;
    if (stat(path, &st) == 0)
        (void)fchmod(fd, st.st_mode & 07777);
    f = fdopen(fd, "wb");
    if (f == NULL)
        goto fail_unlink;
    fd = -1;
    if ((len > 0 && fwrite(text, 1, len, f) != len) || fflush(f) != 0 || fsync(fileno(f)) != 0)
        goto fail_unlink;
    if (fclose(f) != 0) {
        f = NULL;
        goto fail_unlink;
    }
    f = NULL;
    if (rename(tmp, path) != 0)
        goto fail_unlink;
    free(tmp);
    free(dir);
    return 0;

fail_unlink:
    fprintf(stderr, "error: %s: cannot write: %s\n", path, strerror(errno));
    if (f != NULL)
        fclose(f);
    if (fd >= 0)
        close(fd);
    unlink(tmp);
    free(tmp);
    free(dir);
    return -1;
fail:
    fprintf(stderr, "error: %s: cannot write: %s\n", path, strerror(errno));
    free(tmp);
    free(dir);
    return -1;
}

/* ============================== One file ================================== */

enum fmt_mode { MODE_PRINT, MODE_WRITE, MODE_CHECK };

/* Formats one file (or stdin for "-"); returns its exit code. */
static int fmt_one(const char *arg, enum fmt_mode mode)
{
    int is_stdin = strcmp(arg, "-") == 0;
    const char *path = is_stdin ? "<stdin>" : arg;
    char *text = NULL, *out = NULL;
    size_t len = 0, out_len = 0;
    ast_file *file = NULL;
    diag d = {0};
    int code = QUIRE_EXIT_OK;
    FILE *f;

    f = is_stdin ? stdin : fopen(arg, "rb");
    if (f == NULL || read_all(f, &text, &len) < 0) {
        fprintf(stderr, "error: %s: cannot read: %s\n", path, strerror(errno));
        if (f != NULL && !is_stdin)
            fclose(f);
        return QUIRE_EXIT_INPUT;
    }
    if (!is_stdin)
        fclose(f);
    if (ast_parse(path, text != NULL ? text : "", len, &file, &d) != 0) {
        fflush(stdout);
        diag_print(&d, stderr);
        code = QUIRE_EXIT_INPUT;
        goto done;
    }
    out = format_to_memory(file, &out_len);
    if (out == NULL) {
        fprintf(stderr, "quire fmt: %s: out of memory\n", path);
        code = QUIRE_EXIT_FAILURE;
        goto done;
    }
    int same = out_len == len && (len == 0 || memcmp(out, text, len) == 0);
    switch (mode) {
    case MODE_PRINT:
        if (out_len > 0 && fwrite(out, 1, out_len, stdout) != out_len)
            code = QUIRE_EXIT_FAILURE;
        break;
    case MODE_CHECK:
        if (!same) {
            fprintf(stderr, "%s: not formatted\n", path);
            code = QUIRE_EXIT_FAILURE;
        }
        break;
    case MODE_WRITE:
        if (!same && write_in_place(arg, out, out_len) < 0)
            code = QUIRE_EXIT_FAILURE;
        break;
    }

done:
    diag_clear(&d);
    ast_free(file);
    free(out);
    free(text);
    return code;
}

/* ============================== Command =================================== */

int cmd_fmt(int argc, char **argv)
{
    enum fmt_mode mode = MODE_PRINT;
    int nfiles = 0, code = QUIRE_EXIT_OK, stdin_used = 0;

    for (int k = 1; k < argc; k++) {
        const char *a = argv[k];
        if (strcmp(a, "-w") == 0 || strcmp(a, "--check") == 0) {
            enum fmt_mode m = a[1] == 'w' ? MODE_WRITE : MODE_CHECK;
            if (mode != MODE_PRINT && mode != m) {
                fprintf(stderr, "quire fmt: -w and --check cannot be combined\n%s\n", FMT_USAGE);
                return QUIRE_EXIT_USAGE;
            }
            mode = m;
        } else if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            printf("%s\n", FMT_USAGE);
            return QUIRE_EXIT_OK;
        } else if (a[0] == '-' && a[1] != '\0') {
            fprintf(stderr, "quire fmt: unknown option '%s'\n%s\n", a, FMT_USAGE);
            return QUIRE_EXIT_USAGE;
        } else {
            stdin_used |= strcmp(a, "-") == 0;
            nfiles++;
        }
    }
    if (nfiles == 0) {
        fprintf(stderr, "quire fmt: no file given\n%s\n", FMT_USAGE);
        return QUIRE_EXIT_USAGE;
    }
    if (stdin_used && mode == MODE_WRITE) {
        fprintf(stderr, "quire fmt: -w cannot rewrite stdin\n%s\n", FMT_USAGE);
        return QUIRE_EXIT_USAGE;
    }
    /* Every file is handled; the worst outcome decides the exit code (a
     * syntax error over "not formatted"). */
    for (int k = 1; k < argc; k++) {
        int rc;
        if (argv[k][0] == '-' && argv[k][1] != '\0')
            continue;
        rc = fmt_one(argv[k], mode);
        if (rc == QUIRE_EXIT_INPUT || code == QUIRE_EXIT_OK)
            code = rc != QUIRE_EXIT_OK ? rc : code;
    }
    fflush(stdout);
    return code;
}
