/*
 * test_http_util.c - the REST API's request helpers (kernel/http_util.c):
 * percent-decoding, query strings and their error messages, the path
 * router, Accept and Authorization headers, constant-time token comparison,
 * Server-Sent Events framing and reason phrases. Expected values by hand.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "http_util.h"

/* ============================== Percent-decoding ========================== */

static void decodes(const char *in, int plus, const char *expected)
{
    quire_arena *a = arena_new(0);
    size_t len = 0, bad = 99;
    char *out = http_pct_decode(a, in, strlen(in), plus, &len, &bad);

    assert_non_null(out);
    assert_string_equal(out, expected);
    assert_int_equal(len, strlen(expected));
    arena_free(a);
}

static void decode_bad(const char *in, size_t at)
{
    quire_arena *a = arena_new(0);
    size_t bad = 99;

    assert_null(http_pct_decode(a, in, strlen(in), 0, NULL, &bad));
    assert_int_equal(bad, at);
    arena_free(a);
}

static void test_pct_decode(void **state)
{
    (void)state;
    decodes("a%20b%2Fc+d", 1, "a b/c d");
    decodes("a%20b%2Fc+d", 0, "a b/c+d");
    decodes("%4a%4A%c3%a9", 0, "JJ\xC3\xA9");
    decodes("", 0, "");
    decode_bad("%", 0);
    decode_bad("ab%2", 2);
    decode_bad("x%zz", 1);
    decode_bad("%g0", 0);
    decode_bad("ok%00", 2);
}

/* ============================== Query strings ============================= */

static void test_query(void **state)
{
    quire_arena *a = arena_new(0);
    const char *qs = "a=1&b=x%20y&c&&q=a+b%2Bc&=v&a=2&";
    http_query q;
    quire_error err;

    (void)state;
    assert_int_equal(http_query_parse(a, qs, strlen(qs), &q, &err), 0);
    assert_int_equal(q.count, 6);
    assert_string_equal(q.params[0].name, "a");
    assert_string_equal(q.params[0].value, "1");
    assert_string_equal(q.params[1].value, "x y");
    assert_int_equal(q.params[1].value_len, 3);
    assert_string_equal(q.params[2].name, "c");
    assert_string_equal(q.params[2].value, "");
    assert_string_equal(q.params[3].value, "a b+c");
    assert_string_equal(q.params[4].name, "");
    assert_string_equal(q.params[4].value, "v");
    assert_string_equal(http_query_get(&q, "a"), "1");
    assert_string_equal(http_query_get(&q, "c"), "");
    assert_null(http_query_get(&q, "d"));

    assert_int_equal(http_query_parse(a, "", 0, &q, &err), 0);
    assert_int_equal(q.count, 0);
    assert_null(http_query_get(&q, "a"));

    /* Only the first len bytes are read. */
    assert_int_equal(http_query_parse(a, "k=v&z=%zz", 3, &q, &err), 0);
    assert_int_equal(q.count, 1);
    assert_string_equal(q.params[0].value, "v");

    assert_int_equal(http_query_parse(a, "a=1&bad=%zz", 11, &q, &err), -1);
    assert_int_equal(err.code, QUIRE_E_INVALID);
    assert_string_equal(err.msg, "query parameter \"bad\": bad percent-escape \"%zz\"");
    assert_int_equal(http_query_parse(a, "k=ab%4", 6, &q, &err), -1);
    assert_string_equal(err.msg, "query parameter \"k\": bad percent-escape \"%4\"");
    assert_int_equal(http_query_parse(a, "k%=1", 4, &q, &err), -1);
    assert_string_equal(err.msg, "query parameter \"k%\": bad percent-escape \"%=1\"");
    assert_int_equal(http_query_parse(a, "n=%00", 5, &q, &err), -1);
    assert_string_equal(err.msg, "query parameter \"n\": bad percent-escape \"%00\"");
    arena_free(a);
}

/* ============================== Router ==================================== */

static int route(quire_arena *a, const char *pattern, const char *path, http_route_caps *caps,
                 quire_error *err)
{
    return http_route_match(pattern, path, strlen(path), a, caps, err);
}

static void test_router(void **state)
{
    quire_arena *a = arena_new(0);
    const char *ev = "/v1/jobs/{id}/events";
    http_route_caps caps;
    quire_error err;

    (void)state;
    assert_int_equal(route(a, ev, "/v1/jobs/abc/events", &caps, &err), 1);
    assert_int_equal(caps.count, 1);
    assert_string_equal(http_route_get(&caps, "id"), "abc");
    assert_int_equal(caps.cap[0].value_len, 3);
    assert_null(http_route_get(&caps, "other"));

    assert_int_equal(route(a, ev, "/v1/jobs/a%20b+c/events", &caps, &err), 1);
    assert_string_equal(http_route_get(&caps, "id"), "a b+c");

    assert_int_equal(route(a, ev, "/v1/jobs//events", &caps, &err), 0);
    assert_int_equal(route(a, ev, "/v1/jobs/abc/events/", &caps, &err), 0);
    assert_int_equal(route(a, ev, "/v1/jobs/a/b/events", &caps, &err), 0);
    assert_int_equal(route(a, ev, "/v1/jobs/abc", &caps, &err), 0);
    assert_int_equal(route(a, ev, "/v1/jobs/abc/event", &caps, &err), 0);
    assert_int_equal(route(a, ev, "/v2/jobs/abc/events", &caps, &err), 0);
    assert_int_equal(route(a, ev, "", &caps, &err), 0);

    assert_int_equal(route(a, ev, "/v1/jobs/a%zz/events", &caps, &err), -1);
    assert_int_equal(err.code, QUIRE_E_INVALID);
    assert_string_equal(err.msg, "path segment \"a%zz\": bad percent-escape");
    /* %2F would smuggle a '/' into a capture. */
    assert_int_equal(route(a, ev, "/v1/jobs/a%2Fb/events", &caps, &err), -1);
    assert_string_equal(err.msg, "path segment \"a%2Fb\": bad percent-escape");
    /* A path that does not match reports no escape error. */
    assert_int_equal(route(a, ev, "/v1/other/a%zz", &caps, &err), 0);

    assert_int_equal(
        route(a, "/v1/reports/{name}/runs/{run}", "/v1/reports/sales/runs/42", &caps, &err), 1);
    assert_int_equal(caps.count, 2);
    assert_string_equal(http_route_get(&caps, "name"), "sales");
    assert_string_equal(http_route_get(&caps, "run"), "42");

    assert_int_equal(route(a, "/v1/health", "/v1/health", NULL, &err), 1);
    assert_int_equal(route(a, "/v1/health", "/v1/healthz", NULL, &err), 0);
    assert_int_equal(route(a, "/v1/{x", "/v1/y", NULL, &err), 0);
    arena_free(a);
}

/* ============================== Headers =================================== */

static void test_accept(void **state)
{
    const char *json = "application/json";

    (void)state;
    assert_int_equal(http_accepts(NULL, json), 1);
    assert_int_equal(http_accepts("", json), 1);
    assert_int_equal(http_accepts("  ", json), 1);
    assert_int_equal(http_accepts("application/json", json), 1);
    assert_int_equal(http_accepts("APPLICATION/JSON", json), 1);
    assert_int_equal(http_accepts("text/html", json), 0);
    assert_int_equal(http_accepts("application/jsonx", json), 0);
    assert_int_equal(http_accepts("text/html, application/*;q=0.5", json), 1);
    assert_int_equal(http_accepts("text/html,*/*", json), 1);
    assert_int_equal(http_accepts("text/*", json), 0);
    assert_int_equal(http_accepts("application/json;q=0", json), 0);
    assert_int_equal(http_accepts("application/json ; charset=utf-8; q=0.000", json), 0);
    assert_int_equal(http_accepts("application/json;q=0.001", json), 1);
    assert_int_equal(http_accepts("application/json; q=0, */*", json), 1);
    assert_int_equal(http_accepts("text/event-stream", "text/event-stream"), 1);
}

static void bearer_is(const char *value, size_t len, const char *expected)
{
    const char *tok = NULL;
    size_t n = 0;

    assert_int_equal(http_bearer_token(value, len, &tok, &n), 0);
    assert_int_equal(n, strlen(expected));
    assert_memory_equal(tok, expected, n);
}

static void bearer_bad(const char *value)
{
    const char *tok = NULL;
    size_t n = 0;

    assert_int_equal(http_bearer_token(value, value ? strlen(value) : 0, &tok, &n), -1);
}

static void test_bearer(void **state)
{
    (void)state;
    bearer_is("Bearer abc", 10, "abc");
    bearer_is("  bearer \t tok.123-_~+/=  ", 26, "tok.123-_~+/=");
    bearer_is("BEARER x", 8, "x");
    bearer_is("Bearer abcdef", 10, "abc");
    bearer_bad(NULL);
    bearer_bad("");
    bearer_bad("Basic abc");
    bearer_bad("Bearer");
    bearer_bad("Bearer   ");
    bearer_bad("Bearer a b");
    bearer_bad("BearerX abc");
    bearer_bad("Bearerabc");
}

static void test_token_equal(void **state)
{
    (void)state;
    assert_int_equal(http_token_equal("secret", 6, "secret", 6), 1);
    assert_int_equal(http_token_equal("secreT", 6, "secret", 6), 0);
    assert_int_equal(http_token_equal("xecret", 6, "secret", 6), 0);
    assert_int_equal(http_token_equal("secret", 6, "secret2", 7), 0);
    assert_int_equal(http_token_equal("secret2", 7, "secret", 6), 0);
    assert_int_equal(http_token_equal("", 0, "secret", 6), 0);
    assert_int_equal(http_token_equal("s", 1, "", 0), 0);
    assert_int_equal(http_token_equal("", 0, "", 0), 1);
    /* A repeating prefix must not pass for the whole. */
    assert_int_equal(http_token_equal("ab", 2, "abab", 4), 0);
}

/* ============================== SSE ======================================= */

static void sse_is(const char *id, const char *event, const char *data, const char *expected)
{
    jbuf b;

    jbuf_init(&b);
    assert_int_equal(sse_event(&b, id, event, data), 0);
    assert_false(jbuf_failed(&b));
    assert_string_equal(b.data, expected);
    jbuf_free(&b);
}

static void test_sse(void **state)
{
    jbuf b;

    (void)state;
    sse_is("7", "progress", "{\"p\":1}", "id: 7\nevent: progress\ndata: {\"p\":1}\n\n");
    sse_is(NULL, NULL, "a\nb\r\nc\rd", "data: a\ndata: b\ndata: c\ndata: d\n\n");
    sse_is(NULL, "done", "a\n", "event: done\ndata: a\ndata: \n\n");
    sse_is("1-0", NULL, NULL, "id: 1-0\ndata: \n\n");
    sse_is(NULL, NULL, "", "data: \n\n");

    jbuf_init(&b);
    jbuf_puts(&b, "x");
    assert_int_equal(sse_event(&b, "1\n2", NULL, "d"), -1);
    assert_int_equal(sse_event(&b, NULL, "e\r", "d"), -1);
    assert_string_equal(b.data, "x");
    /* Events append. */
    assert_int_equal(sse_event(&b, NULL, NULL, "1"), 0);
    assert_int_equal(sse_event(&b, NULL, NULL, "2"), 0);
    assert_string_equal(b.data, "xdata: 1\n\ndata: 2\n\n");
    jbuf_free(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pct_decode), cmocka_unit_test(test_query),
        cmocka_unit_test(test_router),     cmocka_unit_test(test_accept),
        cmocka_unit_test(test_bearer),     cmocka_unit_test(test_token_equal),
        cmocka_unit_test(test_sse),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
