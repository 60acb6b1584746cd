/*
 * conf_parse.c - the configuration text format: bytes in, a conf_file of
 * sections and `key = value` entries out (see config.h and
 * docs/configuration.md). Syntax only: values stay text here and are typed
 * later by config_build(). Every syntax error is reported, one per line.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "path.h"

#define NO_SECTION SIZE_MAX

/* ============================== Name index ================================ */

/*
 * An open-addressing hash set of the section names and of the keys of each
 * section, so that duplicate detection stays linear however large the file.
 * Sections are stored with owner NO_SECTION, keys with the index of their
 * section. Names point into the conf_file being built (stable heap strings).
 */
typedef struct name_slot {
    const char *name; /* NULL: empty slot */
    size_t owner;
    int line;
} name_slot;

typedef struct name_table {
    name_slot *slots;
    size_t cap; /* a power of two, or 0 */
    size_t count;
} name_table;

static size_t name_hash(size_t owner, const char *name)
{
    uint64_t h = 1469598103934665603u ^ (uint64_t)owner;

    for (const unsigned char *p = (const unsigned char *)name; *p != '\0'; p++) {
        h ^= *p;
        h *= 1099511628211u;
    }
    return (size_t)(h ^ (h >> 29));
}

/* Returns the slot holding (owner, name), or the empty slot where it would
 * go. The table must have at least one empty slot. */
static name_slot *names_slot(const name_table *t, size_t owner, const char *name)
{
    size_t mask = t->cap - 1;
    size_t i = name_hash(owner, name) & mask;

    while (t->slots[i].name != NULL) {
        if (t->slots[i].owner == owner && strcmp(t->slots[i].name, name) == 0)
            break;
        i = (i + 1) & mask;
    }
    return &t->slots[i];
}

/* The line where (owner, name) was first seen, or 0. */
static int names_find(const name_table *t, size_t owner, const char *name)
{
    if (t->cap == 0)
        return 0;
    return names_slot(t, owner, name)->line;
}

/* Adds (owner, name) seen at `line`; it must not be present. QUIRE_ERR on
 * allocation failure. */
static int names_add(name_table *t, size_t owner, const char *name, int line)
{
    name_slot *slot;

    if ((t->count + 1) * 2 > t->cap) {
        name_table bigger = {NULL, t->cap ? t->cap * 2 : 64, 0};

        if (bigger.cap > SIZE_MAX / sizeof(name_slot))
            return QUIRE_ERR;
        bigger.slots = calloc(bigger.cap, sizeof(name_slot));
        if (bigger.slots == NULL)
            return QUIRE_ERR;
        for (size_t i = 0; i < t->cap; i++) {
            if (t->slots[i].name != NULL) {
                *names_slot(&bigger, t->slots[i].owner, t->slots[i].name) = t->slots[i];
                bigger.count++;
            }
        }
        free(t->slots);
        *t = bigger;
    }
    slot = names_slot(t, owner, name);
    slot->name = name;
    slot->owner = owner;
    slot->line = line;
    t->count++;
    return QUIRE_OK;
}

/* ============================== Parser state ============================== */

typedef struct parser {
    const char *name; /* the file name, for messages */
    conf_file *file;  /* being built */
    diag *d;
    int line;     /* 1-based number of the current line */
    char *buf;    /* the current line, NUL-terminated, edited in place */
    size_t cur;   /* index of the current section, or NO_SECTION */
    int skipping; /* after a bad header: check keys, keep none, no cascade */
    int oom;
    name_table names;
} parser;

static int is_blank(char c)
{
    return c == ' ' || c == '\t';
}

static char *skip_blanks(char *s)
{
    while (is_blank(*s))
        s++;
    return s;
}

/* Cuts trailing blanks from s[0..len) and returns the new length. */
static size_t trim_end(const char *s, size_t len)
{
    while (len > 0 && is_blank(s[len - 1]))
        len--;
    return len;
}

static char *dup_n(const char *s, size_t len)
{
    char *out = malloc(len + 1);

    if (out == NULL)
        return NULL;
    memcpy(out, s, len);
    out[len] = '\0';
    return out;
}

static void parse_error_oom(parser *p)
{
    if (!p->oom)
        diag_error(p->d, "%s: out of memory", p->name);
    p->oom = 1;
}

/* ============================== Names ===================================== */

/* Contract in config.h: 1 if s[0..len) is [a-z][a-z0-9_]*. Reads only. */
int conf_name_valid(const char *s, size_t len)
{
    if (len == 0 || s[0] < 'a' || s[0] > 'z')
        return 0;
    for (size_t i = 1; i < len; i++) {
        char c = s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_'))
            return 0;
    }
    return 1;
}

/* A section name is a word, optionally followed by '.' and another word. */
static int section_name_valid(const char *s, size_t len)
{
    const char *dot = memchr(s, '.', len);

    if (dot == NULL)
        return conf_name_valid(s, len);
    return conf_name_valid(s, (size_t)(dot - s)) &&
           conf_name_valid(dot + 1, len - (size_t)(dot - s) - 1);
}

/* ============================== Building the file ========================= */

/* Arrays in a conf_file carry no capacity: it is 4 for 1..4 items, then the
 * next power of two. An array of `count` items is full when count is 0 or a
 * power of two of at least 4; it then doubles (0 grows to 4). */
static int needs_growth(size_t count)
{
    return count == 0 || (count >= 4 && (count & (count - 1)) == 0);
}

static int push_section(parser *p, const char *name, size_t len)
{
    conf_file *f = p->file;
    conf_section *sec;

    if (needs_growth(f->count)) {
        size_t cap = f->count ? f->count * 2 : 4;
        conf_section *grown = realloc(f->sections, cap * sizeof(*grown));
        if (grown == NULL)
            return QUIRE_ERR;
        f->sections = grown;
    }
    sec = &f->sections[f->count];
    memset(sec, 0, sizeof(*sec));
    sec->name = dup_n(name, len);
    if (sec->name == NULL)
        return QUIRE_ERR;
    sec->line = p->line;
    if (names_add(&p->names, NO_SECTION, sec->name, p->line) != QUIRE_OK) {
        free(sec->name);
        return QUIRE_ERR;
    }
    p->cur = f->count++;
    return QUIRE_OK;
}

static int push_entry(parser *p, conf_section *sec, const char *key, const char *value)
{
    conf_entry *e;

    if (needs_growth(sec->count)) {
        size_t cap = sec->count ? sec->count * 2 : 4;
        conf_entry *grown = realloc(sec->entries, cap * sizeof(*grown));
        if (grown == NULL)
            return QUIRE_ERR;
        sec->entries = grown;
    }
    e = &sec->entries[sec->count];
    e->key = strdup(key);
    e->value = strdup(value);
    e->line = p->line;
    if (e->key == NULL || e->value == NULL)
        goto fail_free_entry;
    if (names_add(&p->names, p->cur, e->key, p->line) != QUIRE_OK)
        goto fail_free_entry;
    sec->count++;
    return QUIRE_OK;

fail_free_entry:
    free(e->key);
    free(e->value);
    return QUIRE_ERR;
}

/* ============================== Lines ===================================== */

/* `[name]`: s points at the '['. */
static void parse_header(parser *p, char *s)
{
    char *close = strchr(s, ']');
    char *name, *after;
    size_t len;
    int first;

    p->cur = NO_SECTION;
    p->skipping = 1; /* until the header proves good */
    if (close == NULL) {
        diag_error(p->d, "%s:%d: expected '[section]' or 'key = value'", p->name, p->line);
        return;
    }
    name = skip_blanks(s + 1);
    len = trim_end(name, (size_t)(close - name));
    if (!section_name_valid(name, len)) {
        char shown[CONF_SHOW_MAX];

        name[len] = '\0';
        diag_error(p->d, "%s:%d: invalid section name '%s'", p->name, p->line,
                   conf_show(name, shown, sizeof(shown)));
        return;
    }
    name[len] = '\0';
    after = skip_blanks(close + 1);
    if (*after != '\0' && *after != '#' && *after != ';') {
        diag_error(p->d, "%s:%d: unexpected text after '[%s]'", p->name, p->line, name);
        return;
    }
    first = names_find(&p->names, NO_SECTION, name);
    if (first != 0) {
        diag_error(p->d, "%s:%d: section [%s] appears twice (first at line %d)", p->name, p->line,
                   name, first);
        return;
    }
    if (push_section(p, name, len) != QUIRE_OK) {
        parse_error_oom(p);
        return;
    }
    p->skipping = 0;
}

/* Resolves a quoted value in place: v points at the opening '"'. Returns the
 * value (inside v) or NULL after reporting the problem. */
static char *parse_quoted(parser *p, char *v)
{
    char *r = v + 1, *w = v;
    char *after;

    for (;;) {
        if (*r == '\0') {
            diag_error(p->d, "%s:%d: unterminated quoted value", p->name, p->line);
            return NULL;
        }
        if (*r == '"')
            break;
        if (*r != '\\') {
            *w++ = *r++;
            continue;
        }
        r++;
        switch (*r) {
        case '"':
        case '\\': *w++ = *r; break;
        case 'n': *w++ = '\n'; break;
        case 't': *w++ = '\t'; break;
        case '\0':
            diag_error(p->d, "%s:%d: unterminated quoted value", p->name, p->line);
            return NULL;
        default: {
            /* Show the whole UTF-8 character after the backslash. */
            char esc[8];
            char shown[CONF_SHOW_MAX];
            size_t n = 0;

            esc[n++] = '\\';
            esc[n++] = *r;
            if ((unsigned char)*r >= 0xc0) {
                for (const char *c = r + 1; n < 6 && ((unsigned char)*c & 0xc0) == 0x80; c++)
                    esc[n++] = *c;
            }
            esc[n] = '\0';
            diag_error(p->d, "%s:%d: unknown escape '%s' in quoted value", p->name, p->line,
                       conf_show(esc, shown, sizeof(shown)));
            return NULL;
        }
        }
        r++;
    }
    *w = '\0';
    after = skip_blanks(r + 1);
    if (*after != '\0' && *after != '#') {
        diag_error(p->d, "%s:%d: unexpected text after quoted value", p->name, p->line);
        return NULL;
    }
    return v;
}

/* Cuts an unquoted value at an inline comment (a '#' after a blank) and
 * trailing blanks. v is already past the leading blanks. */
static char *parse_unquoted(char *v)
{
    size_t len = 0;

    while (v[len] != '\0') {
        if (v[len] == '#' && len > 0 && is_blank(v[len - 1]))
            break;
        len++;
    }
    v[trim_end(v, len)] = '\0';
    return v;
}

/* `key = value`: s points at the first non-blank of the line. */
static void parse_entry(parser *p, char *s)
{
    char *eq = strchr(s, '=');
    char *value;
    size_t keylen;
    conf_section *sec;
    int first;

    if (eq == NULL || (keylen = trim_end(s, (size_t)(eq - s))) == 0) {
        diag_error(p->d, "%s:%d: expected '[section]' or 'key = value'", p->name, p->line);
        return;
    }
    s[keylen] = '\0';
    if (!conf_name_valid(s, keylen)) {
        char shown[CONF_SHOW_MAX];

        diag_error(p->d, "%s:%d: invalid key '%s' (use lower case letters, digits and _)", p->name,
                   p->line, conf_show(s, shown, sizeof(shown)));
        return;
    }
    value = skip_blanks(eq + 1);
    value = *value == '"' ? parse_quoted(p, value) : parse_unquoted(value);
    if (value == NULL)
        return;
    if (p->cur == NO_SECTION) {
        if (!p->skipping)
            diag_error(p->d, "%s:%d: key '%s' outside any section", p->name, p->line, s);
        return;
    }
    sec = &p->file->sections[p->cur];
    first = names_find(&p->names, p->cur, s);
    if (first != 0) {
        diag_error(p->d, "%s:%d: key '%s' appears twice in [%s] (first at line %d)", p->name,
                   p->line, s, sec->name, first);
        return;
    }
    if (push_entry(p, sec, s, value) != QUIRE_OK)
        parse_error_oom(p);
}

static void parse_line(parser *p, char *s)
{
    s = skip_blanks(s);
    if (*s == '\0' || *s == '#' || *s == ';')
        return;
    if (*s == '[')
        parse_header(p, s);
    else
        parse_entry(p, s);
}

/* ============================== Entry points ============================== */

/* Contract in config.h. Ownership: *out (on success) belongs to the caller;
 * `text` is only read. */
int conf_file_parse_text(const char *name, const char *text, size_t len, conf_file **out, diag *d)
{
    parser p;
    size_t errors = d->errors;
    size_t pos = 0;

    *out = NULL;
    memset(&p, 0, sizeof(p));
    p.name = name != NULL ? name : "-";
    p.d = d;
    p.cur = NO_SECTION;
    if (len > CONF_FILE_MAX) {
        diag_error(d, "%s: larger than 16 MiB", p.name);
        return QUIRE_ERR;
    }
    p.file = calloc(1, sizeof(*p.file));
    if (p.file == NULL)
        goto fail_oom;
    p.file->path = strdup(p.name);
    p.file->dir = path_dirname(p.name);
    p.buf = malloc((len < CONF_LINE_MAX ? len : CONF_LINE_MAX) + 1);
    if (p.file->path == NULL || p.file->dir == NULL || p.buf == NULL)
        goto fail_oom;

    if (len >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0)
        pos = 3;
    while (pos < len && !p.oom) {
        const char *start = text + pos;
        const char *nl = memchr(start, '\n', len - pos);
        size_t linelen = nl != NULL ? (size_t)(nl - start) : len - pos;

        pos += linelen + (nl != NULL);
        p.line++;
        if (linelen > 0 && start[linelen - 1] == '\r')
            linelen--;
        if (linelen > CONF_LINE_MAX) {
            diag_error(d, "%s:%d: line longer than %zu bytes", p.name, p.line, CONF_LINE_MAX);
            continue;
        }
        if (memchr(start, '\0', linelen) != NULL) {
            diag_error(d, "%s:%d: NUL byte in line", p.name, p.line);
            continue;
        }
        memcpy(p.buf, start, linelen);
        p.buf[linelen] = '\0';
        parse_line(&p, p.buf);
    }
    if (d->errors != errors)
        goto fail_free_file;
    free(p.buf);
    free(p.names.slots);
    *out = p.file;
    return QUIRE_OK;

fail_oom:
    parse_error_oom(&p);
fail_free_file:
    free(p.buf);
    free(p.names.slots);
    conf_file_free(p.file);
    return QUIRE_ERR;
}
