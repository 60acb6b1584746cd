/*
 * fuzz_json.c - libFuzzer target for the kernel's JSON parser and writer
 * (kernel/json_parse.c, json_write.c, json_get.c). Each input is parsed; a
 * parse error must carry a message that starts with its own line and column.
 * An accepted input is written back with jb_value() and with jb_double() for
 * its numbers, and both writings must parse again to a tree equal to the
 * first; the strings are also written through jb_strn() as raw bytes, which
 * must always give valid JSON. Any failed check is a trap.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Writes v with numbers as doubles rather than their original text. */
static void write_doubles(jbuf *b, const json_value *v)
{
    size_t i;

    switch (v->type) {
    case JSON_NUMBER: jb_double(b, v->number); break;
    case JSON_ARRAY:
        jb_arr_begin(b);
        for (i = 0; i < v->count; i++)
            write_doubles(b, v->items[i]);
        jb_arr_end(b);
        break;
    case JSON_OBJECT:
        jb_obj_begin(b);
        for (i = 0; i < v->count; i++) {
            jb_keyn(b, v->members[i].key, v->members[i].key_len);
            write_doubles(b, v->members[i].value);
        }
        jb_obj_end(b);
        break;
    default: jb_value(b, v); break;
    }
}

static void reparse_equal(quire_arena *a, const json_value *v, const jbuf *b)
{
    json_error e;
    json_value *w;

    if (jbuf_failed(b))
        __builtin_trap();
    w = json_parse(a, b->data, b->len, &e);
    if (w == NULL || !json_equal(v, w))
        __builtin_trap();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    quire_arena *a = arena_new(0);
    json_value *v;
    json_error e;
    jbuf b;
    char prefix[48];

    if (a == NULL)
        return 0;
    v = json_parse(a, (const char *)data, size, &e);
    if (v == NULL) {
        snprintf(prefix, sizeof(prefix), "line %d, column %d: ", e.line, e.column);
        if (strncmp(e.msg, prefix, strlen(prefix)) != 0 || e.offset > size)
            __builtin_trap();
        /* The raw bytes as a string must still write valid JSON. */
        jbuf_init(&b);
        jb_strn(&b, (const char *)data, size);
        v = json_parse(a, b.data, b.len, &e);
        if (v == NULL || v->type != JSON_STRING)
            __builtin_trap();
        jbuf_free(&b);
        arena_free(a);
        return 0;
    }
    jbuf_init(&b);
    jb_value(&b, v);
    reparse_equal(a, v, &b);
    jbuf_reset(&b);
    write_doubles(&b, v);
    reparse_equal(a, v, &b);
    jbuf_free(&b);
    arena_free(a);
    return 0;
}
