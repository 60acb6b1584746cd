/*
 * conf_file.c - the parsed configuration file as an object: reading it from
 * disk (size limit, read errors), looking up a section, freeing it. Turning
 * the text into sections and entries is conf_parse.c's job.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Reads all of `fd` into a malloc'd buffer (*out, *out_len). Returns 0,
 * an errno value, or -1 if the file is larger than CONF_FILE_MAX. */
static int read_all(int fd, char **out, size_t *out_len)
{
    size_t len = 0, cap = 4096;
    char *buf = malloc(cap);

    if (buf == NULL)
        return ENOMEM;
    for (;;) {
        ssize_t n;

        if (len == cap) {
            char *grown;
            if (cap > CONF_FILE_MAX) {
                free(buf);
                return -1;
            }
            cap *= 2;
            grown = realloc(buf, cap);
            if (grown == NULL) {
                free(buf);
                return ENOMEM;
            }
            buf = grown;
        }
        n = read(fd, buf + len, cap - len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            int err = errno;
            free(buf);
            return err;
        }
        if (n == 0)
            break;
        len += (size_t)n;
    }
    if (len > CONF_FILE_MAX) {
        free(buf);
        return -1;
    }
    *out = buf;
    *out_len = len;
    return 0;
}

/* Contract in config.h. Ownership: *out (on success) belongs to the caller. */
int conf_file_parse(const char *path, conf_file **out, diag *d)
{
    char *text = NULL;
    size_t len = 0;
    int fd, err, rc;

    *out = NULL;
    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        diag_error(d, "%s: cannot read: %s", path, strerror(errno));
        return QUIRE_ERR;
    }
    err = read_all(fd, &text, &len);
    close(fd);
    if (err == -1) {
        diag_error(d, "%s: larger than 16 MiB", path);
        return QUIRE_ERR;
    }
    if (err != 0) {
        diag_error(d, "%s: cannot read: %s", path, strerror(err));
        return QUIRE_ERR;
    }
    rc = conf_file_parse_text(path, text, len, out, d);
    free(text);
    return rc;
}

/* Contract in config.h. The section is returned without const although the
 * file is const: the one field a reader may write is `used`, which
 * config_build() sets to record that a schema consumed the section. The
 * conf_file itself is always allocated mutable by this file. */
conf_section *conf_file_section(const conf_file *file, const char *name)
{
    if (file == NULL || name == NULL)
        return NULL;
    for (size_t i = 0; i < file->count; i++) {
        if (strcmp(file->sections[i].name, name) == 0)
            return &file->sections[i];
    }
    return NULL;
}

/* Contract in config.h. Frees everything the conf_file owns. */
void conf_file_free(conf_file *file)
{
    if (file == NULL)
        return;
    for (size_t i = 0; i < file->count; i++) {
        conf_section *sec = &file->sections[i];
        for (size_t j = 0; j < sec->count; j++) {
            free(sec->entries[j].key);
            free(sec->entries[j].value);
        }
        free(sec->entries);
        free(sec->name);
    }
    free(file->sections);
    free(file->path);
    free(file->dir);
    free(file);
}
