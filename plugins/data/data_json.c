/*
 * data_json.c - the json format: one RFC 8259 document shaped like the
 * report, written as the band instances arrive.
 *
 *   {"report": NAME,
 *    "title": {VALUES},
 *    "groups": [{"group": "region", "value": "Africa",
 *                "header": {VALUES},
 *                "groups": [...nested...] or "details": [{VALUES}, ...],
 *                "footer": {VALUES}}, ...],
 *    "details": [{VALUES}, ...]       (a report without groups)
 *    "summary": {VALUES},
 *    "no_data": {VALUES}}
 *
 * VALUES maps the names of a band's named data values to JSON values typed
 * by their type. A band without named data values adds no key (a group
 * header still opens its group), so no object or array is ever empty
 * except an empty report's.
 *
 * Streaming: the writer keeps a stack of frames, the root and one per open
 * group; each frame knows which array ("groups" or "details") or band
 * object it has open. An instance closes what it ends and opens what it
 * needs: a group closes when its footer is followed by anything else, or
 * when a header at its level or an outer one (or a detail of an outer
 * level, or the summary) arrives, so a group with no footer band ends
 * too. Consecutive instances of one singleton band (two title bands, two
 * header bands of the same group, ...) share one object. Memory: the stack
 * (at most DATA_MAX_GROUP_LEVEL frames) and one stamp per column.
 */
#include <string.h>

#include "data.h"

enum { ARRAY_NONE, ARRAY_DETAILS, ARRAY_GROUPS };

/* The root object (level 0) or one group's object. */
typedef struct json_frame {
    uint32_t level;     /* group level; 0 for the root */
    size_t members;     /* keys written in this object */
    int array;          /* ARRAY_*: the array open as this object's last member */
    size_t elements;    /* elements written in that array */
    uint32_t object;    /* QUIRE_BAND_* whose values object is open, or 0 */
    size_t object_keys; /* keys written in that object */
    int only_header;    /* nothing but the header so far: a second header band merges */
    int closed;         /* the footer came: only more footer may follow */
    char *group;        /* the group's name (copied) */
    quire_value key;    /* the group's value; a string's bytes are copied */
} json_frame;

struct data_json {
    const quire_host *host;
    support_out *out;
    int indent;
    data_columns *map;
    uint64_t *seen; /* per column: the stamp of the last object holding it */
    uint64_t stamp; /* one per values object, so keys are never repeated */
    size_t top;     /* index of the innermost frame */
    json_frame frames[DATA_MAX_GROUP_LEVEL + 1];
};

/* ============================== Tokens ==================================== */

/* A newline and `depth` levels of indentation (nothing on one line). */
static int newline(data_json *json, size_t depth, quire_error *err)
{
    static const char spaces[] = "                                ";
    size_t n = depth * (size_t)json->indent;

    if (json->indent == 0)
        return QUIRE_OK;
    if (support_out_putc(json->out, '\n', err) != QUIRE_OK)
        return QUIRE_ERR;
    while (n > 0) {
        size_t chunk = n < sizeof(spaces) - 1 ? n : sizeof(spaces) - 1;
        if (support_out_write(json->out, spaces, chunk, err) != QUIRE_OK)
            return QUIRE_ERR;
        n -= chunk;
    }
    return QUIRE_OK;
}

/* A JSON string: quote, backslash and control characters escaped (the
 * controls as \u00XX), invalid UTF-8 as U+FFFD. The escaped bytes are
 * ASCII, which is never part of a multi-byte sequence nor of an invalid
 * one, so the runs between them can be repaired on their own. */
static int string(data_json *json, const char *text, size_t len, quire_error *err)
{
    static const char hex[] = "0123456789abcdef";
    const unsigned char *s = (const unsigned char *)text;
    size_t run = 0;

    if (support_out_putc(json->out, '"', err) != QUIRE_OK)
        return QUIRE_ERR;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = s[i];
        char esc[6] = {'\\', 'u', '0', '0', 0, 0};
        if (c >= 0x20 && c != '"' && c != '\\')
            continue;
        if (c >= 0x20) {
            esc[1] = (char)c; /* \" or \\ */
        } else {
            esc[4] = hex[c >> 4];
            esc[5] = hex[c & 0xf];
        }
        if (data_out_utf8(json->out, text + run, i - run, err) != QUIRE_OK ||
            support_out_write(json->out, esc, c >= 0x20 ? 2 : 6, err) != QUIRE_OK)
            return QUIRE_ERR;
        run = i + 1;
    }
    if (data_out_utf8(json->out, text + run, len - run, err) != QUIRE_OK)
        return QUIRE_ERR;
    return support_out_putc(json->out, '"', err);
}

static int cstring(data_json *json, const char *text, quire_error *err)
{
    return string(json, text, text ? strlen(text) : 0, err);
}

/* A typed value: numbers for INT, DECIMAL (exact, with its scale) and
 * finite FLOAT, true/false, strings for the rest, null for NULL and for
 * NaN and infinities (JSON has no number for them). */
static int value(data_json *json, const char *band_name, const char *name, const quire_value *v,
                 quire_error *err)
{
    char text[DATA_VALUE_TEXT_MAX];
    int len;

    if (v->null || data_value_nonfinite(v))
        return support_out_puts(json->out, "null", err);
    if (v->type == QUIRE_TYPE_STRING)
        return string(json, v->v.str.ptr, v->v.str.len, err);
    len = data_value_text(v, text);
    if (len < 0)
        return data_value_error(json->host, err, band_name, name, v);
    if (v->type == QUIRE_TYPE_DATE || v->type == QUIRE_TYPE_TIMESTAMP)
        return string(json, text, (size_t)len, err);
    return support_out_write(json->out, text, (size_t)len, err);
}

/* ============================== Frames ==================================== */

/* Depth of frame k's braces (members are one deeper): the root is 0, and
 * each group sits two below its parent (its object inside an array). */
static size_t frame_depth(size_t k)
{
    return 2 * k;
}

/* Starts member `key` of frame k: the comma, the line, the key. */
static int member(data_json *json, size_t k, const char *key, quire_error *err)
{
    json_frame *f = &json->frames[k];

    if ((f->members > 0 && support_out_putc(json->out, ',', err) != QUIRE_OK) ||
        newline(json, frame_depth(k) + 1, err) != QUIRE_OK || cstring(json, key, err) != QUIRE_OK ||
        support_out_putc(json->out, ':', err) != QUIRE_OK ||
        (json->indent > 0 && support_out_putc(json->out, ' ', err) != QUIRE_OK))
        return QUIRE_ERR;
    f->members++;
    return QUIRE_OK;
}

/* Closes the band object or array frame k has open as its last member. */
static int close_member(data_json *json, size_t k, quire_error *err)
{
    json_frame *f = &json->frames[k];

    if (f->object != 0) {
        if (newline(json, frame_depth(k) + 1, err) != QUIRE_OK ||
            support_out_putc(json->out, '}', err) != QUIRE_OK)
            return QUIRE_ERR;
        f->object = 0;
    }
    if (f->array != ARRAY_NONE) {
        if (newline(json, frame_depth(k) + 1, err) != QUIRE_OK ||
            support_out_putc(json->out, ']', err) != QUIRE_OK)
            return QUIRE_ERR;
        f->array = ARRAY_NONE;
    }
    return QUIRE_OK;
}

/* Opens array `which` as frame k's last member (closing another) and
 * starts its next element on a new line. */
static int next_element(data_json *json, size_t k, int which, quire_error *err)
{
    json_frame *f = &json->frames[k];

    if (f->array != which) {
        if (close_member(json, k, err) != QUIRE_OK ||
            member(json, k, which == ARRAY_GROUPS ? "groups" : "details", err) != QUIRE_OK ||
            support_out_putc(json->out, '[', err) != QUIRE_OK)
            return QUIRE_ERR;
        f->array = which;
        f->elements = 0;
    }
    if (f->elements > 0 && support_out_putc(json->out, ',', err) != QUIRE_OK)
        return QUIRE_ERR;
    f->elements++;
    f->only_header = 0;
    return newline(json, frame_depth(k) + 2, err);
}

static void frame_clear(data_json *json, json_frame *f)
{
    json->host->free(f->group);
    if (f->key.type == QUIRE_TYPE_STRING)
        json->host->free((char *)f->key.v.str.ptr);
    memset(f, 0, sizeof(*f));
}

/* Closes the innermost group. */
static int pop(data_json *json, quire_error *err)
{
    size_t k = json->top;

    if (close_member(json, k, err) != QUIRE_OK || newline(json, frame_depth(k), err) != QUIRE_OK ||
        support_out_putc(json->out, '}', err) != QUIRE_OK)
        return QUIRE_ERR;
    frame_clear(json, &json->frames[k]);
    json->top--;
    return QUIRE_OK;
}

/* Opens the group of a header (or of a footer whose header never came)
 * inside the innermost frame. */
static int push(data_json *json, const quire_band_instance *band, quire_error *err)
{
    const char *band_name = data_band_name(band->band);
    json_frame *f;

    if (json->top >= DATA_MAX_GROUP_LEVEL) {
        json->host->error_set(err, QUIRE_E_INVALID,
                              "%s band of group '%s': more than %d nested groups", band_name,
                              band->group, DATA_MAX_GROUP_LEVEL);
        return QUIRE_ERR;
    }
    if (next_element(json, json->top, ARRAY_GROUPS, err) != QUIRE_OK ||
        support_out_putc(json->out, '{', err) != QUIRE_OK)
        return QUIRE_ERR;
    f = &json->frames[++json->top];
    f->level = band->group_level;
    f->only_header = 1;
    f->group = json->host->strdup(band->group);
    f->key = band->group_value;
    if (f->key.type == QUIRE_TYPE_STRING) {
        /* The instance's bytes die with the call; the frame compares them
         * with the next header's. */
        char *bytes = json->host->malloc(f->key.v.str.len + 1);
        if (bytes != NULL && f->key.v.str.len > 0)
            memcpy(bytes, f->key.v.str.ptr, f->key.v.str.len);
        f->key.v.str.ptr = bytes;
        if (bytes == NULL)
            f->key.type = QUIRE_TYPE_NULL; /* nothing to free */
    }
    if (f->group == NULL ||
        (band->group_value.type == QUIRE_TYPE_STRING && f->key.v.str.ptr == NULL)) {
        json->host->error_set(err, QUIRE_E_NOMEM, "out of memory");
        return QUIRE_ERR;
    }
    if (member(json, json->top, "group", err) != QUIRE_OK ||
        cstring(json, band->group, err) != QUIRE_OK ||
        member(json, json->top, "value", err) != QUIRE_OK)
        return QUIRE_ERR;
    return value(json, band_name, band->group, &band->group_value, err);
}

/* ============================== Band values =============================== */

static int has_data(const quire_band_instance *band)
{
    for (size_t i = 0; i < band->nvalues; i++)
        if (data_value_is_data(&band->values[i]))
            return 1;
    return 0;
}

/* Writes the band's data values as keys of the object open at `depth`,
 * skipping a name the object already has. */
static int keys(data_json *json, const quire_band_instance *band, size_t depth, size_t *count,
                quire_error *err)
{
    const char *band_name = data_band_name(band->band);

    for (size_t i = 0; i < band->nvalues; i++) {
        const quire_band_value *bv = &band->values[i];
        ptrdiff_t col;
        if (!data_value_is_data(bv))
            continue;
        col = data_columns_find(json->map, bv->name);
        if (col < 0) {
            json->host->error_set(err, QUIRE_E_INTERNAL,
                                  "%s band value '%s' is not one of the document's data columns",
                                  band_name, bv->name);
            return QUIRE_ERR;
        }
        if (json->seen[col] == json->stamp)
            continue;
        json->seen[col] = json->stamp;
        if ((*count > 0 && support_out_putc(json->out, ',', err) != QUIRE_OK) ||
            newline(json, depth, err) != QUIRE_OK || cstring(json, bv->name, err) != QUIRE_OK ||
            support_out_putc(json->out, ':', err) != QUIRE_OK ||
            (json->indent > 0 && support_out_putc(json->out, ' ', err) != QUIRE_OK) ||
            value(json, band_name, bv->name, &bv->value, err) != QUIRE_OK)
            return QUIRE_ERR;
        (*count)++;
    }
    return QUIRE_OK;
}

/* The band's values as member `key` of frame k, or added to that object
 * if it is the one frame k has open (a second band of the same kind). */
static int band_object(data_json *json, size_t k, const char *key, const quire_band_instance *band,
                       quire_error *err)
{
    json_frame *f = &json->frames[k];

    if (!has_data(band))
        return QUIRE_OK;
    if (f->object != band->band) {
        if (close_member(json, k, err) != QUIRE_OK || member(json, k, key, err) != QUIRE_OK ||
            support_out_putc(json->out, '{', err) != QUIRE_OK)
            return QUIRE_ERR;
        f->object = band->band;
        f->object_keys = 0;
        json->stamp++;
    }
    return keys(json, band, frame_depth(k) + 2, &f->object_keys, err);
}

/* A band of the whole report: every group is over. */
static int band_object_at_root(data_json *json, const char *key, const quire_band_instance *band,
                               quire_error *err)
{
    while (json->top > 0)
        if (pop(json, err) != QUIRE_OK)
            return QUIRE_ERR;
    return band_object(json, 0, key, band, err);
}

/* One detail: an element of the innermost frame's "details". */
static int detail(data_json *json, const quire_band_instance *band, quire_error *err)
{
    size_t k, count = 0;

    while (json->top > 0 &&
           (json->frames[json->top].level > band->group_level || json->frames[json->top].closed))
        if (pop(json, err) != QUIRE_OK)
            return QUIRE_ERR;
    if (!has_data(band))
        return QUIRE_OK;
    k = json->top;
    if (next_element(json, k, ARRAY_DETAILS, err) != QUIRE_OK ||
        support_out_putc(json->out, '{', err) != QUIRE_OK)
        return QUIRE_ERR;
    json->stamp++;
    if (keys(json, band, frame_depth(k) + 3, &count, err) != QUIRE_OK ||
        newline(json, frame_depth(k) + 2, err) != QUIRE_OK)
        return QUIRE_ERR;
    return support_out_putc(json->out, '}', err);
}

/* ============================== Groups ==================================== */

static int same_value(const quire_value *a, const quire_value *b)
{
    if (a->type != b->type || a->null != b->null)
        return 0;
    if (a->null)
        return 1;
    switch (a->type) {
    case QUIRE_TYPE_STRING:
        return a->v.str.len == b->v.str.len &&
               (a->v.str.len == 0 || memcmp(a->v.str.ptr, b->v.str.ptr, a->v.str.len) == 0);
    case QUIRE_TYPE_FLOAT: return memcmp(&a->v.f64, &b->v.f64, sizeof(double)) == 0;
    case QUIRE_TYPE_DECIMAL: return a->scale == b->scale && a->v.i64 == b->v.i64;
    }
    return a->v.i64 == b->v.i64;
}

/* 1 if frame k is the group `band` names, at its level. */
static int is_group_of(const data_json *json, size_t k, const quire_band_instance *band)
{
    const json_frame *f = &json->frames[k];

    return k > 0 && f->level == band->group_level && strcmp(f->group, band->group) == 0;
}

static int group_header(data_json *json, const quire_band_instance *band, quire_error *err)
{
    json_frame *f = &json->frames[json->top];

    /* A second header band of the group just opened: same object. Two
     * groups in a row never have the same value, or they would be one. */
    if (is_group_of(json, json->top, band) && f->only_header && !f->closed &&
        same_value(&f->key, &band->group_value))
        return band_object(json, json->top, "header", band, err);
    while (json->top > 0 &&
           (json->frames[json->top].level >= band->group_level || json->frames[json->top].closed))
        if (pop(json, err) != QUIRE_OK)
            return QUIRE_ERR;
    if (push(json, band, err) != QUIRE_OK)
        return QUIRE_ERR;
    return band_object(json, json->top, "header", band, err);
}

static int group_footer(data_json *json, const quire_band_instance *band, quire_error *err)
{
    json_frame *f;

    while (json->top > 0 && !is_group_of(json, json->top, band) &&
           (json->frames[json->top].level >= band->group_level || json->frames[json->top].closed))
        if (pop(json, err) != QUIRE_OK)
            return QUIRE_ERR;
    /* Without its header the group was never opened: open it now, so the
     * footer still lands in a group with its name and value. */
    if (!is_group_of(json, json->top, band) && push(json, band, err) != QUIRE_OK)
        return QUIRE_ERR;
    f = &json->frames[json->top];
    f->closed = 1;
    f->only_header = 0;
    return band_object(json, json->top, "footer", band, err);
}

/* ============================== Writer ==================================== */

data_json *data_json_new(const quire_host *host, const data_settings *settings,
                         const quire_document *doc, support_out *out, quire_error *err)
{
    data_json *json = host->calloc(1, sizeof(*json));

    if (json == NULL) {
        host->error_set(err, QUIRE_E_NOMEM, "out of memory");
        return NULL;
    }
    json->host = host;
    json->out = out;
    json->indent = settings->indent;
    json->map = data_columns_new(host, doc->data_columns, doc->ndata_columns);
    json->seen = host->calloc(doc->ndata_columns ? doc->ndata_columns : 1, sizeof(*json->seen));
    if (json->map == NULL || json->seen == NULL) {
        host->error_set(err, QUIRE_E_NOMEM, "out of memory");
        goto fail_free_json;
    }
    if (support_out_putc(out, '{', err) != QUIRE_OK || member(json, 0, "report", err) != QUIRE_OK ||
        (doc->report_name ? cstring(json, doc->report_name, err)
                          : support_out_puts(out, "null", err)) != QUIRE_OK)
        goto fail_free_json;
    return json;

fail_free_json:
    data_json_free(json);
    return NULL;
}

int data_json_band(data_json *json, const quire_band_instance *band, quire_error *err)
{
    const char *band_name = data_band_name(band->band);

    switch (band->band) {
    case QUIRE_BAND_GROUP_HEADER:
    case QUIRE_BAND_GROUP_FOOTER:
        if (band->group == NULL || band->group_level == 0 ||
            band->group_level > DATA_MAX_GROUP_LEVEL) {
            json->host->error_set(err, QUIRE_E_INTERNAL,
                                  "%s band: group '%s' at level %u (expected a name and 1..%d)",
                                  band_name, band->group ? band->group : "(null)",
                                  (unsigned)band->group_level, DATA_MAX_GROUP_LEVEL);
            return QUIRE_ERR;
        }
        if (band->band == QUIRE_BAND_GROUP_HEADER)
            return group_header(json, band, err);
        return group_footer(json, band, err);
    case QUIRE_BAND_DETAIL: return detail(json, band, err);
    case QUIRE_BAND_TITLE: return band_object_at_root(json, "title", band, err);
    case QUIRE_BAND_SUMMARY: return band_object_at_root(json, "summary", band, err);
    case QUIRE_BAND_NO_DATA: return band_object_at_root(json, "no_data", band, err);
    }
    return QUIRE_OK;
}

int data_json_end(data_json *json, quire_error *err)
{
    while (json->top > 0)
        if (pop(json, err) != QUIRE_OK)
            return QUIRE_ERR;
    if (close_member(json, 0, err) != QUIRE_OK || newline(json, 0, err) != QUIRE_OK ||
        support_out_putc(json->out, '}', err) != QUIRE_OK)
        return QUIRE_ERR;
    return support_out_putc(json->out, '\n', err);
}

void data_json_free(data_json *json)
{
    if (json == NULL)
        return;
    for (size_t k = 0; k <= json->top; k++)
        frame_clear(json, &json->frames[k]);
    data_columns_free(json->map);
    json->host->free(json->seen);
    json->host->free(json);
}
