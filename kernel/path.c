/*
 * path.c - file path helpers (see path.h).
 */
#include "path.h"

#include <stdlib.h>
#include <string.h>

char *path_normalize(const char *path)
{
    size_t len = strlen(path);
    int absolute = path[0] == '/';
    char *out = malloc(len + 2);
    size_t *marks; /* start offsets in out of each kept segment */
    size_t nmarks = 0, outlen = 0;
    const char *p = path;

    if (out == NULL)
        return NULL;
    marks = malloc((len / 2 + 2) * sizeof(*marks));
    if (marks == NULL) {
        free(out);
        return NULL;
    }
    if (absolute)
        out[outlen++] = '/';
    while (*p != '\0') {
        const char *seg;
        size_t seglen;

        while (*p == '/')
            p++;
        seg = p;
        while (*p != '\0' && *p != '/')
            p++;
        seglen = (size_t)(p - seg);
        if (seglen == 0 || (seglen == 1 && seg[0] == '.'))
            continue;
        if (seglen == 2 && seg[0] == '.' && seg[1] == '.') {
            /* Drop the previous segment unless it is itself "..". */
            if (nmarks > 0 && strncmp(out + marks[nmarks - 1], "..", 2) != 0) {
                outlen = marks[--nmarks];
                if (outlen > (size_t)absolute)
                    outlen--; /* the slash before it */
                continue;
            }
            if (absolute)
                continue; /* "/.." is "/" */
        }
        if (outlen > (size_t)absolute)
            out[outlen++] = '/';
        marks[nmarks++] = outlen;
        memcpy(out + outlen, seg, seglen);
        outlen += seglen;
    }
    if (outlen == 0)
        out[outlen++] = '.';
    out[outlen] = '\0';
    free(marks);
    return out;
}

char *path_resolve(const char *base, const char *rel)
{
    size_t blen, rlen;
    char *joined, *out;

    if (rel[0] == '/' || base == NULL || base[0] == '\0')
        return path_normalize(rel);
    blen = strlen(base);
    rlen = strlen(rel);
    joined = malloc(blen + rlen + 2);
    if (joined == NULL)
        return NULL;
    memcpy(joined, base, blen);
    joined[blen] = '/';
    memcpy(joined + blen + 1, rel, rlen + 1);
    out = path_normalize(joined);
    free(joined);
    return out;
}

char *path_dirname(const char *path)
{
    const char *slash = strrchr(path, '/');
    size_t len;
    char *out;

    if (slash == NULL)
        return strdup(".");
    len = slash == path ? 1 : (size_t)(slash - path);
    out = malloc(len + 1);
    if (out == NULL)
        return NULL;
    memcpy(out, path, len);
    out[len] = '\0';
    return out;
}

const char *path_basename(const char *path)
{
    const char *slash = strrchr(path, '/');
    return slash ? slash + 1 : path;
}
