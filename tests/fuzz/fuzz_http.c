/*
 * fuzz_http.c - libFuzzer target for the http transport's request parsing
 * layer (plugins/http/http_request.c on Debian's libhttp-parser), compiled
 * in and fed from memory with small limits (max_header_bytes 512,
 * max_headers 8, max_body 256).
 *
 * The first byte chooses how the rest is split into feeds (1 byte at a
 * time up to whole); complete requests are checked and the parser reset
 * for the next pipelined one, until an error or the end. A trap is a bug:
 * a complete request with a NULL field, a header name that is not lower
 * case, more headers or body bytes than the limits, a body that is not
 * NUL-terminated, a query that does not come from the target; an error
 * status other than 400, 413, 431; a feed that neither consumes nor ends.
 */
#include <ctype.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "fuzz_host.h"
#include "http.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_request(const quire_http_request *req, const http_limits *lim)
{
    CHECK(req->method != NULL && req->target != NULL && req->path != NULL);
    CHECK(req->query != NULL && req->body != NULL);
    CHECK(req->nheaders <= lim->max_headers);
    CHECK(req->body_len <= lim->max_body);
    CHECK(req->body[req->body_len] == '\0');
    if (req->query[0] != '\0')
        CHECK(strstr(req->target, req->query) != NULL);
    for (size_t i = 0; i < req->nheaders; i++) {
        const char *v = req->headers[i].value;
        for (const char *s = req->headers[i].name; *s; s++)
            CHECK(!isupper((unsigned char)*s));
        CHECK(v != NULL);
        if (*v)
            CHECK(v[0] != ' ' && v[strlen(v) - 1] != ' ');
    }
    (void)http_accepts_gzip(http_req_header(req, "accept-encoding"));
    (void)http_token_in_list(http_req_header(req, "connection"), "upgrade");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const http_limits lim = {.max_header_bytes = 512, .max_headers = 8, .max_body = 256};
    http_reqparser rp;
    size_t step, pos = 1, avail = 0;

    if (size < 1)
        return 0;
    step = data[0] < 8 ? (size_t)data[0] + 1 : size;
    http_req_init(&rp, &fuzz_host, &lim);
    /* Bounded: each round consumes input, or ends a request. */
    for (size_t rounds = 0; rounds < 2 * size + 4 && pos < size; rounds++) {
        size_t used = 0, len;
        int r;

        if (avail == 0)
            avail = size - pos < step ? size - pos : step;
        len = avail;
        r = http_req_feed(&rp, (const char *)data + pos, len, &used);
        CHECK(used <= len);
        pos += used;
        avail -= used;
        if (r == HTTP_REQ_ERROR) {
            CHECK(rp.err_status == 400 || rp.err_status == 413 || rp.err_status == 431);
            CHECK(rp.err_msg[0] != '\0');
            break;
        }
        if (r == HTTP_REQ_DONE) {
            check_request(&rp.req, &lim);
            http_req_reset(&rp);
            continue;
        }
        CHECK(used == len); /* MORE consumes all */
    }
    http_req_free(&rp);
    return 0;
}
