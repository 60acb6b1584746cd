/*
 * fuzz_ws.c - libFuzzer target for the http transport's WebSocket read
 * path (plugins/http/http_ws.c on wslay), driven without sockets: frames
 * come from an in-memory buffer and replies go to another, with
 * ws_max_message 1000.
 *
 * The first byte chooses how the rest is split into feeds. A trap is a
 * bug: a message over the limit, a text message that is not valid UTF-8
 * (checked here by a separate decoder), a receive that does not consume
 * its input while reading is on, output that grows without bound, a close
 * code outside 1000..4999 once reading ended.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <wslay/wslay.h>

#include "fuzz_host.h"
#include "http.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_MESSAGE 1000

/* 1 if s[0..n) is valid UTF-8 (RFC 3629: no overlongs, no surrogates). */
static int utf8_ok(const unsigned char *s, size_t n)
{
    size_t i = 0;

    while (i < n) {
        unsigned c = s[i];
        size_t len;
        uint32_t cp;
        if (c < 0x80) {
            i++;
            continue;
        }
        if (c >= 0xc2 && c <= 0xdf)
            len = 2, cp = c & 0x1f;
        else if (c >= 0xe0 && c <= 0xef)
            len = 3, cp = c & 0x0f;
        else if (c >= 0xf0 && c <= 0xf4)
            len = 4, cp = c & 0x07;
        else
            return 0;
        if (i + len > n)
            return 0;
        for (size_t k = 1; k < len; k++) {
            if ((s[i + k] & 0xc0) != 0x80)
                return 0;
            cp = cp << 6 | (s[i + k] & 0x3f);
        }
        if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
            (cp >= 0xd800 && cp <= 0xdfff))
            return 0;
        i += len;
    }
    return 1;
}

static void on_message(void *ud, int binary, const char *data, size_t len)
{
    (void)ud;
    CHECK(len <= MAX_MESSAGE);
    if (!binary)
        CHECK(utf8_ok((const unsigned char *)data, len));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    hbuf in = {0}, out = {0};
    http_ws_io io = {&in, &out, on_message, NULL, NULL};
    http_ws *ws;
    size_t step, pos = 1;

    if (size < 1)
        return 0;
    step = data[0] < 16 ? (size_t)data[0] + 1 : size;
    ws = http_ws_new(&fuzz_host, MAX_MESSAGE, &io);
    CHECK(ws != NULL);
    for (size_t rounds = 0; rounds < size + 2 && pos < size; rounds++) {
        size_t n = size - pos < step ? size - pos : step;
        CHECK(hbuf_append(&fuzz_host, &in, data + pos, n) == 0);
        pos += n;
        if (http_ws_recv(ws) != 0)
            break;
        CHECK(hbuf_pending(&in) == 0);
        /* Drain what the session answers (pongs, close), as a socket would. */
        for (int k = 0; k < 64; k++) {
            CHECK(http_ws_send(ws) == 0);
            if (hbuf_pending(&out) == 0)
                break;
            CHECK(hbuf_pending(&out) <= HTTP_OUT_LOW_WATER + 2 * MAX_MESSAGE + 16);
            hbuf_consume(&out, hbuf_pending(&out));
        }
    }
    if (http_ws_read_done(ws)) {
        int code = http_ws_code(ws);
        CHECK(code >= 1000 && code <= 4999);
    }
    http_ws_free(ws);
    hbuf_free(&fuzz_host, &in);
    hbuf_free(&fuzz_host, &out);
    return 0;
}
