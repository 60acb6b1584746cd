/*
 * path.h - file path helpers: joining and lexical normalisation, so that error
 * messages show `build/plugins/pdf.so` rather than `conf/../build/plugins/pdf.so`.
 */
#ifndef QUIRE_PATH_H
#define QUIRE_PATH_H

/* Returns a malloc'd copy of `path` with "." segments, repeated slashes and
 * "dir/.." pairs removed lexically (symlinks are not followed). "" becomes
 * ".". NULL on allocation failure; the caller frees. */
char *path_normalize(const char *path);

/* Returns `rel` resolved against directory `base` and normalised: `rel`
 * unchanged if absolute, else base/rel. The caller frees; NULL on OOM. */
char *path_resolve(const char *base, const char *rel);

/* Returns the directory part of `path` ("." if none). The caller frees. */
char *path_dirname(const char *path);

/* Returns a pointer to the last segment of `path` (inside `path`). */
const char *path_basename(const char *path);

#endif /* QUIRE_PATH_H */
