/*
 * json_get.c - reading parsed JSON (json.h): lookups, type names, deep
 * equality, and the typed field getters whose error messages go to API
 * clients as they are.
 */
#include "json.h"

#include <string.h>

#include "diag.h"

/* ============================== Lookups =================================== */

const json_value *json_get(const json_value *obj, const char *key)
{
    size_t i, n;

    if (obj == NULL || obj->type != JSON_OBJECT)
        return NULL;
    n = strlen(key);
    for (i = 0; i < obj->count; i++)
        if (obj->members[i].key_len == n && memcmp(obj->members[i].key, key, n) == 0)
            return obj->members[i].value;
    return NULL;
}

const json_value *json_index(const json_value *arr, size_t i)
{
    if (arr == NULL || arr->type != JSON_ARRAY || i >= arr->count)
        return NULL;
    return arr->items[i];
}

const char *json_type_name(json_type t)
{
    switch (t) {
    case JSON_NULL: return "null";
    case JSON_BOOL: return "boolean";
    case JSON_NUMBER: return "number";
    case JSON_STRING: return "string";
    case JSON_ARRAY: return "array";
    case JSON_OBJECT: return "object";
    }
    return "unknown";
}

int json_equal(const json_value *a, const json_value *b)
{
    size_t i;

    if (a->type != b->type)
        return 0;
    switch (a->type) {
    case JSON_NULL: return 1;
    case JSON_BOOL: return a->boolean == b->boolean;
    case JSON_NUMBER: return a->number == b->number;
    case JSON_STRING: return a->len == b->len && memcmp(a->str, b->str, a->len) == 0;
    case JSON_ARRAY:
        if (a->count != b->count)
            return 0;
        for (i = 0; i < a->count; i++)
            if (!json_equal(a->items[i], b->items[i]))
                return 0;
        return 1;
    case JSON_OBJECT:
        if (a->count != b->count)
            return 0;
        for (i = 0; i < a->count; i++) {
            const json_member *x = &a->members[i], *y = &b->members[i];
            if (x->key_len != y->key_len || memcmp(x->key, y->key, x->key_len) != 0 ||
                !json_equal(x->value, y->value))
                return 0;
        }
        return 1;
    }
    return 0;
}

/* ============================== Typed getters ============================= */

/* "a string", "an object", "null": the article reads naturally in
 * "expected X, got Y". */
static const char *with_article(json_type t)
{
    switch (t) {
    case JSON_NULL: return "null";
    case JSON_BOOL: return "a boolean";
    case JSON_NUMBER: return "a number";
    case JSON_STRING: return "a string";
    case JSON_ARRAY: return "an array";
    case JSON_OBJECT: return "an object";
    }
    return "a value";
}

/* Finds the field and checks presence; 1 with *out, 0 absent, -1 error. */
static int field(const json_value *obj, const char *key, int required, const json_value **out,
                 quire_error *err)
{
    const json_value *v;

    if (obj == NULL || obj->type != JSON_OBJECT) {
        error_setf(err, QUIRE_E_INVALID, "expected an object, got %s",
                   obj == NULL ? "nothing" : with_article(obj->type));
        return -1;
    }
    v = json_get(obj, key);
    if (v == NULL || (v->type == JSON_NULL && !required)) {
        if (required) {
            error_setf(err, QUIRE_E_INVALID, "field \"%s\" is required", key);
            return -1;
        }
        return 0;
    }
    *out = v;
    return 1;
}

static int want(const json_value *obj, const char *key, json_type type, int required,
                const json_value **out, quire_error *err)
{
    int rc = field(obj, key, required, out, err);

    if (rc == 1 && (*out)->type != type) {
        error_setf(err, QUIRE_E_INVALID, "field \"%s\": expected %s, got %s", key,
                   with_article(type), with_article((*out)->type));
        return -1;
    }
    return rc;
}

int json_get_str(const json_value *obj, const char *key, int required, const char **out,
                 size_t *len, quire_error *err)
{
    const json_value *v;
    int rc = want(obj, key, JSON_STRING, required, &v, err);

    if (rc == 1) {
        *out = v->str;
        if (len != NULL)
            *len = v->len;
    }
    return rc;
}

int json_get_int(const json_value *obj, const char *key, int required, int64_t *out,
                 quire_error *err)
{
    const json_value *v;
    int rc = field(obj, key, required, &v, err);

    if (rc != 1)
        return rc;
    if (v->type != JSON_NUMBER) {
        error_setf(err, QUIRE_E_INVALID, "field \"%s\": expected an integer, got %s", key,
                   with_article(v->type));
        return -1;
    }
    if (!v->is_integer) {
        /* Integer text that did not fit is out of range; anything with a
         * fraction or an exponent is not an integer. */
        const char *t = v->str + (v->str[0] == '-');
        int digits_only = t[strspn(t, "0123456789")] == '\0';
        error_setf(err, QUIRE_E_INVALID,
                   digits_only ? "field \"%s\": integer %.40s is out of range"
                               : "field \"%s\": expected an integer, got %.40s",
                   key, v->str);
        return -1;
    }
    *out = v->integer;
    return 1;
}

int json_get_num(const json_value *obj, const char *key, int required, double *out,
                 quire_error *err)
{
    const json_value *v;
    int rc = want(obj, key, JSON_NUMBER, required, &v, err);

    if (rc == 1)
        *out = v->number;
    return rc;
}

int json_get_bool(const json_value *obj, const char *key, int required, int *out, quire_error *err)
{
    const json_value *v;
    int rc = want(obj, key, JSON_BOOL, required, &v, err);

    if (rc == 1)
        *out = v->boolean;
    return rc;
}

int json_get_typed(const json_value *obj, const char *key, json_type type, int required,
                   const json_value **out, quire_error *err)
{
    return want(obj, key, type, required, out, err);
}
