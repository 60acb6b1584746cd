/*
 * jsonl_parse.c - the jsonl plugin's JSON parser (see jsonl.h): one line,
 * one object, strict RFC 8259.
 *
 * The parser does not build the line's tree. It walks the text once,
 * descending the path tree (jsonl_paths.c) alongside, and records the value
 * found at each column's path: a number or an object as a slice of the
 * line, a string decoded. Parts of the line no column reads are still
 * checked in full (the line is one bad row or one good row, whatever the
 * report reads).
 *
 * Strictness: only objects, arrays, strings, numbers, true, false, null;
 * blanks are space, tab, CR (LF ends the line); strings are valid UTF-8 with
 * no raw control character, escapes are \" \\ \/ \b \f \n \r \t \uXXXX and
 * a \u surrogate must be part of a pair; numbers are -?(0|[1-9]\d*)(.\d+)?
 * ([eE][+-]?\d+)?; nesting is at most JSONL_MAX_DEPTH levels; a key given
 * twice in one object is an error where the path tree sees it, and a key may
 * not contain \u0000 (keys become column names).
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "jsonl.h"

/* What one parse needs besides the parser. */
typedef struct line_ctx {
    jsonl_parser *p;
    const char *name;
    int64_t line;
    quire_error *err;
} line_ctx;

/* ============================== Errors ==================================== */

/* Fills *err with "NAME:LINE:COL: MESSAGE", COL the 1-based byte `pos`. */
static int syntax_error(const line_ctx *c, size_t pos, const char *fmt, ...) QUIRE_PRINTF(3, 4);
static int syntax_error(const line_ctx *c, size_t pos, const char *fmt, ...)
{
    char msg[QUIRE_ERROR_MSG_MAX];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    c->p->host->error_set(c->err, QUIRE_E_INVALID, "%s:%" PRId64 ":%zu: %s", c->name, c->line,
                          pos + 1, msg);
    return QUIRE_ERR;
}

/* ============================== Lexing ==================================== */

static void skip_blanks(jsonl_parser *p)
{
    while (p->pos < p->len &&
           (p->text[p->pos] == ' ' || p->text[p->pos] == '\t' || p->text[p->pos] == '\r'))
        p->pos++;
}

static int is_digit(char ch)
{
    return ch >= '0' && ch <= '9';
}

static int hex_value(char ch)
{
    if (ch >= '0' && ch <= '9')
        return ch - '0';
    if (ch >= 'a' && ch <= 'f')
        return ch - 'a' + 10;
    if (ch >= 'A' && ch <= 'F')
        return ch - 'A' + 10;
    return -1;
}

/* Reads the 4 hex digits of a \u escape at text[at..]: the code unit, or
 * -1 if they are not 4 hex digits. */
static long read_hex4(const jsonl_parser *p, size_t at)
{
    long v = 0;

    if (p->len - at < 4)
        return -1;
    for (size_t i = 0; i < 4; i++) {
        int h = hex_value(p->text[at + i]);
        if (h < 0)
            return -1;
        v = v * 16 + h;
    }
    return v;
}

/* Appends code point cp as UTF-8 to the scratch buffer (room is ensured by
 * jsonl_parse_line: decoded text is never longer than the line). */
static void put_utf8(jsonl_parser *p, unsigned long cp)
{
    char *out = p->scratch + p->scratch_len;

    if (cp < 0x80) {
        out[0] = (char)cp;
        p->scratch_len += 1;
    } else if (cp < 0x800) {
        out[0] = (char)(0xc0 | (cp >> 6));
        out[1] = (char)(0x80 | (cp & 0x3f));
        p->scratch_len += 2;
    } else if (cp < 0x10000) {
        out[0] = (char)(0xe0 | (cp >> 12));
        out[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
        out[2] = (char)(0x80 | (cp & 0x3f));
        p->scratch_len += 3;
    } else {
        out[0] = (char)(0xf0 | (cp >> 18));
        out[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
        out[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
        out[3] = (char)(0x80 | (cp & 0x3f));
        p->scratch_len += 4;
    }
}

/* Reads the escape at text[pos] ('\\' already seen at pos - 1) into the
 * scratch buffer if `decode`, moving pos past it. */
static int read_escape(const line_ctx *c, int decode)
{
    jsonl_parser *p = c->p;
    size_t at = p->pos - 1; /* the backslash */
    static const char plain[] = "\"\\/bfnrt";
    static const char means[] = "\"\\/\b\f\n\r\t";
    const char *hit;
    long unit, low;
    unsigned long cp;

    if (p->pos >= p->len)
        return syntax_error(c, at, "string is not closed before the end of the line");
    hit = memchr(plain, p->text[p->pos], sizeof(plain) - 1);
    if (hit != NULL) {
        if (decode)
            p->scratch[p->scratch_len++] = means[hit - plain];
        p->pos++;
        return QUIRE_OK;
    }
    if (p->text[p->pos] != 'u') {
        char shown[16];
        return syntax_error(c, at, "invalid escape '\\%s' in a string",
                            support_show(p->text + p->pos, 1, shown, sizeof(shown)));
    }
    unit = read_hex4(p, p->pos + 1);
    if (unit < 0)
        return syntax_error(c, at, "\\u must be followed by 4 hex digits");
    p->pos += 5;
    cp = (unsigned long)unit;
    if (unit >= 0xdc00 && unit <= 0xdfff)
        return syntax_error(c, at,
                            "lone surrogate \\u%.4s (a low surrogate must follow a high one)",
                            p->text + at + 2);
    if (unit >= 0xd800 && unit <= 0xdbff) {
        if (p->len - p->pos < 6 || p->text[p->pos] != '\\' || p->text[p->pos + 1] != 'u' ||
            (low = read_hex4(p, p->pos + 2)) < 0xdc00 || low > 0xdfff)
            return syntax_error(c, at,
                                "lone surrogate \\u%.4s (a high surrogate must be followed by a "
                                "low one)",
                                p->text + at + 2);
        cp = 0x10000 + (((unsigned long)unit - 0xd800) << 10) + ((unsigned long)low - 0xdc00);
        p->pos += 6;
    }
    if (decode)
        put_utf8(p, cp);
    return QUIRE_OK;
}

/* Reads the string at text[pos] (the opening quote). With `decode`, *out
 * and *out_len get its text: a slice of the line if it has no escape, else
 * decoded into the scratch buffer. Leaves pos after the closing quote. */
static int read_string(const line_ctx *c, int decode, const char **out, size_t *out_len)
{
    jsonl_parser *p = c->p;
    size_t open = p->pos, start = ++p->pos;
    size_t copy_from = 0; /* decoded text starts at scratch[copy_from] */
    int copying = 0;

    for (;;) {
        unsigned char ch;

        /* The common bytes in one tight loop. */
        while (p->pos < p->len) {
            ch = (unsigned char)p->text[p->pos];
            if (ch == '"' || ch == '\\' || ch < 0x20 || ch >= 0x80)
                break;
            if (copying)
                p->scratch[p->scratch_len++] = (char)ch;
            p->pos++;
        }
        if (p->pos >= p->len)
            return syntax_error(c, open, "string is not closed before the end of the line");
        ch = (unsigned char)p->text[p->pos];
        if (ch == '"')
            break;
        if (ch == '\\') {
            if (decode && !copying) {
                copying = 1;
                copy_from = p->scratch_len;
                memcpy(p->scratch + p->scratch_len, p->text + start, p->pos - start);
                p->scratch_len += p->pos - start;
            }
            p->pos++;
            if (read_escape(c, copying) != QUIRE_OK)
                return QUIRE_ERR;
        } else if (ch < 0x20) {
            return syntax_error(c, p->pos,
                                "control character 0x%02x in a string (write it as an escape)", ch);
        } else {
            size_t n = support_utf8_len((const unsigned char *)p->text + p->pos, p->len - p->pos);
            if (n == 0)
                return syntax_error(c, p->pos, "invalid UTF-8 byte 0x%02x", ch);
            if (copying) {
                memcpy(p->scratch + p->scratch_len, p->text + p->pos, n);
                p->scratch_len += n;
            }
            p->pos += n;
        }
    }
    if (decode) {
        if (copying) {
            *out = p->scratch + copy_from;
            *out_len = p->scratch_len - copy_from;
        } else {
            *out = p->text + start;
            *out_len = p->pos - start;
        }
    }
    p->pos++; /* the closing quote */
    return QUIRE_OK;
}

/* Reads the number at text[pos] into *v (text, digits, fraction, exponent). */
static int read_number(const line_ctx *c, jsonl_value *v)
{
    jsonl_parser *p = c->p;
    size_t start = p->pos, digits_at;

    if (p->text[p->pos] == '-')
        p->pos++;
    digits_at = p->pos;
    if (p->pos >= p->len || !is_digit(p->text[p->pos]))
        return syntax_error(c, p->pos, "expected a digit after '-'");
    if (p->text[p->pos] == '0') {
        p->pos++;
        if (p->pos < p->len && is_digit(p->text[p->pos]))
            return syntax_error(c, start, "a number may not start with 0 (leading zero)");
    } else {
        while (p->pos < p->len && is_digit(p->text[p->pos]))
            p->pos++;
    }
    /* A lone 0 has no significant digit. */
    v->int_digits = p->text[digits_at] == '0' ? 0 : (uint32_t)(p->pos - digits_at);
    v->has_frac = v->has_exp = 0;
    v->frac_digits = 0;
    if (p->pos < p->len && p->text[p->pos] == '.') {
        size_t first = ++p->pos;
        while (p->pos < p->len && is_digit(p->text[p->pos]))
            p->pos++;
        if (p->pos == first)
            return syntax_error(c, p->pos, "expected a digit after the decimal point");
        v->has_frac = 1;
        v->frac_digits = (uint32_t)(p->pos - first);
    }
    if (p->pos < p->len && (p->text[p->pos] == 'e' || p->text[p->pos] == 'E')) {
        size_t first;
        p->pos++;
        if (p->pos < p->len && (p->text[p->pos] == '+' || p->text[p->pos] == '-'))
            p->pos++;
        first = p->pos;
        while (p->pos < p->len && is_digit(p->text[p->pos]))
            p->pos++;
        if (p->pos == first)
            return syntax_error(c, p->pos, "expected a digit in the exponent");
        v->has_exp = 1;
    }
    v->text = p->text + start;
    v->len = p->pos - start;
    return QUIRE_OK;
}

/* ============================== Recording values ========================== */

/* The column whose value is at `node`, if it is read; else -1. */
static int32_t wanted_column(const jsonl_parser *p, int32_t node)
{
    int32_t col;

    if (node < 0)
        return -1;
    col = p->paths->nodes[node].column;
    if (col < 0 || (p->needed != NULL && !p->needed[col]))
        return -1;
    return col;
}

/* Records what `node` held (discovery) and the value of its column.
 * `found` has kind and text set (and a number's digits); `pos` is where the
 * value started, for messages. */
static int record(const line_ctx *c, int32_t node, const jsonl_value *found, size_t pos)
{
    jsonl_parser *p = c->p;
    int32_t col;
    jsonl_value *v;

    if (node < 0)
        return QUIRE_OK;
    if (p->paths->discover == 1)
        p->paths->nodes[node].seen |= found->kind == JSONL_NULL     ? JSONL_SEEN_NULL
                                      : found->kind == JSONL_OBJECT ? JSONL_SEEN_OBJECT
                                                                    : JSONL_SEEN_VALUE;
    col = wanted_column(p, node);
    if (col < 0)
        return QUIRE_OK;
    v = &p->values[col];
    if (v->row == p->row) {
        /* Two paths with one name: a key "a.b" and a key b inside a. */
        char path[256];
        return syntax_error(c, pos, "key '%s' appears twice",
                            jsonl_paths_name(p->paths, node, path, sizeof(path)));
    }
    *v = *found;
    v->node = node;
    v->row = p->row;
    return QUIRE_OK;
}

/* ============================== Grammar =================================== */

static int read_value(const line_ctx *c, int32_t node, int depth);

/* The path node of `key` (read at key_at) below `node`: created in
 * discovery, -1 if the tree has no such path. A key seen twice in one
 * object is an error. Kept out of read_object so that its buffers are not
 * on the stack once per nesting level. */
static int follow_key(const line_ctx *c, int32_t node, size_t key_at, const char *key,
                      size_t key_len, int32_t *child)
{
    jsonl_parser *p = c->p;
    jsonl_paths *paths = p->paths;
    char shown[256];

    if (memchr(key, '\0', key_len) != NULL)
        return syntax_error(c, key_at, "a key may not contain \\u0000");
    if (paths->discover && paths->nnodes >= JSONL_MAX_NODES &&
        jsonl_paths_child(paths, node, key, key_len, 0) < 0)
        return syntax_error(c, key_at,
                            "more than %d distinct key paths (list the ones to read in the "
                            "columns option)",
                            JSONL_MAX_NODES);
    *child = jsonl_paths_child(paths, node, key, key_len, paths->discover);
    if (*child < 0 && paths->discover) {
        p->host->error_set(c->err, QUIRE_E_NOMEM, "%s:%" PRId64 ": out of memory", c->name,
                           c->line);
        return QUIRE_ERR;
    }
    if (*child >= 0 && paths->nodes[*child].stamp == p->row)
        return syntax_error(c, key_at, "key '%s' appears twice in the object",
                            support_show(key, key_len, shown, sizeof(shown)));
    if (*child >= 0)
        paths->nodes[*child].stamp = p->row;
    return QUIRE_OK;
}

/* The object at text[pos] ('{'), `depth` levels deep. */
static int read_object(const line_ctx *c, int32_t node, int depth)
{
    jsonl_parser *p = c->p;

    p->pos++;
    skip_blanks(p);
    if (p->pos < p->len && p->text[p->pos] == '}') {
        p->pos++;
        return QUIRE_OK;
    }
    for (int first = 1;; first = 0) {
        size_t key_at = p->pos, mark = p->scratch_len, key_len = 0;
        const char *key = NULL;
        int32_t child = -1;

        if (p->pos >= p->len || p->text[p->pos] != '"')
            return syntax_error(c, p->pos,
                                first ? "expected a string key or '}'"
                                      : "expected a string key after ','");
        if (read_string(c, node >= 0, &key, &key_len) != QUIRE_OK)
            return QUIRE_ERR;
        if (node >= 0 && follow_key(c, node, key_at, key, key_len, &child) != QUIRE_OK)
            return QUIRE_ERR;
        /* The key's decoded text is no longer needed. */
        p->scratch_len = mark;
        skip_blanks(p);
        if (p->pos >= p->len || p->text[p->pos] != ':')
            return syntax_error(c, p->pos, "expected ':' after the key");
        p->pos++;
        if (read_value(c, child, depth) != QUIRE_OK)
            return QUIRE_ERR;
        skip_blanks(p);
        if (p->pos < p->len && p->text[p->pos] == ',') {
            p->pos++;
            skip_blanks(p);
            continue;
        }
        if (p->pos < p->len && p->text[p->pos] == '}') {
            p->pos++;
            return QUIRE_OK;
        }
        return syntax_error(c, p->pos, "expected ',' or '}' after object member");
    }
}

/* The array at text[pos] ('['), `depth` levels deep. */
static int read_array(const line_ctx *c, int32_t node, int depth)
{
    jsonl_parser *p = c->p;
    int indexed = node >= 0 && p->paths->nodes[node].has_index;

    p->pos++;
    skip_blanks(p);
    if (p->pos < p->len && p->text[p->pos] == ']') {
        p->pos++;
        return QUIRE_OK;
    }
    for (uint64_t index = 0;; index++) {
        int32_t child = -1;

        if (indexed && index < 10000000000u) {
            char key[24];
            int n = snprintf(key, sizeof(key), "%" PRIu64, index);
            child = jsonl_paths_child(p->paths, node, key, (size_t)n, 0);
        }
        if (read_value(c, child, depth) != QUIRE_OK)
            return QUIRE_ERR;
        skip_blanks(p);
        if (p->pos < p->len && p->text[p->pos] == ',') {
            p->pos++;
            continue;
        }
        if (p->pos < p->len && p->text[p->pos] == ']') {
            p->pos++;
            return QUIRE_OK;
        }
        return syntax_error(c, p->pos, "expected ',' or ']' after array element");
    }
}

/* Matches the literal `word` at text[pos]. */
static int match_literal(const jsonl_parser *p, const char *word)
{
    size_t n = strlen(word);
    return p->len - p->pos >= n && memcmp(p->text + p->pos, word, n) == 0;
}

/* The value at text[pos] (after blanks), found at `node` (-1: no path of
 * interest), inside `depth` levels of nesting. */
static int read_value(const line_ctx *c, int32_t node, int depth)
{
    jsonl_parser *p = c->p;
    jsonl_value found;
    size_t start;
    char ch;

    skip_blanks(p);
    start = p->pos;
    if (p->pos >= p->len)
        return syntax_error(c, p->pos, "expected a value");
    memset(&found, 0, sizeof(found));
    ch = p->text[p->pos];
    switch (ch) {
    case '{':
    case '[':
        if (depth >= JSONL_MAX_DEPTH)
            return syntax_error(c, p->pos, "objects and arrays nest deeper than %d levels",
                                JSONL_MAX_DEPTH);
        if ((ch == '{' ? read_object(c, node, depth + 1) : read_array(c, node, depth + 1)) !=
            QUIRE_OK)
            return QUIRE_ERR;
        found.kind = ch == '{' ? JSONL_OBJECT : JSONL_ARRAY;
        found.text = p->text + start;
        found.len = p->pos - start;
        break;
    case '"':
        found.kind = JSONL_STRING;
        if (read_string(c, wanted_column(p, node) >= 0, &found.text, &found.len) != QUIRE_OK)
            return QUIRE_ERR;
        break;
    case 't':
    case 'f':
    case 'n': {
        static const char *const words[] = {"true", "false", "null"};
        static const uint32_t kinds[] = {JSONL_TRUE, JSONL_FALSE, JSONL_NULL};
        int w = ch == 't' ? 0 : ch == 'f' ? 1 : 2;
        if (!match_literal(p, words[w]))
            return syntax_error(c, p->pos, "invalid literal (expected true, false or null)");
        found.kind = kinds[w];
        found.text = p->text + start;
        found.len = strlen(words[w]);
        p->pos += found.len;
        break;
    }
    default:
        if (ch != '-' && !is_digit(ch))
            return syntax_error(c, p->pos, "expected a value");
        found.kind = JSONL_NUMBER;
        if (read_number(c, &found) != QUIRE_OK)
            return QUIRE_ERR;
        break;
    }
    return record(c, node, &found, start);
}

/* ============================== Entry points ============================== */

int jsonl_parse_line(jsonl_parser *p, const char *name, int64_t line, const char *text, size_t len,
                     quire_error *err)
{
    line_ctx c = {p, name, line, err};

    /* Decoded strings never outgrow the line, so the scratch buffer does
     * not move while slices into it are handed out. */
    if (support_grow(p->host, (void **)&p->scratch, &p->scratch_cap, len + 1, 1) != 0) {
        p->host->error_set(err, QUIRE_E_NOMEM, "%s:%" PRId64 ": out of memory parsing the line",
                           name, line);
        return QUIRE_ERR;
    }
    p->scratch_len = 0;
    p->row++;
    p->text = text;
    p->len = len;
    p->pos = 0;
    skip_blanks(p);
    if (p->pos >= p->len || p->text[p->pos] != '{')
        return syntax_error(&c, p->pos, "expected '{' (each line must hold one JSON object)");
    if (read_object(&c, 0, 1) != QUIRE_OK)
        return QUIRE_ERR;
    skip_blanks(p);
    if (p->pos < p->len)
        return syntax_error(&c, p->pos, "unexpected text after the object");
    return QUIRE_OK;
}

void jsonl_parser_free(jsonl_parser *p)
{
    p->host->free(p->scratch);
    p->scratch = NULL;
    p->scratch_cap = p->scratch_len = 0;
}

size_t jsonl_minify(const char *json, size_t len, char *out)
{
    size_t n = 0;
    int in_string = 0;

    for (size_t i = 0; i < len; i++) {
        char ch = json[i];
        if (in_string) {
            out[n++] = ch;
            if (ch == '\\' && i + 1 < len)
                out[n++] = json[++i];
            else if (ch == '"')
                in_string = 0;
        } else if (ch != ' ' && ch != '\t' && ch != '\r' && ch != '\n') {
            out[n++] = ch;
            in_string = ch == '"';
        }
    }
    return n;
}
