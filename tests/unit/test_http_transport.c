/*
 * test_http_transport.c - the http transport plugin ($QUIRE_BUILD/plugins/
 * http.so) loaded through the kernel's real loader, serving a small test
 * handler on a libev loop in a second thread, driven by plain sockets from
 * the test thread over loopback.
 *
 * The handler (loop thread): /echo answers method, path, query, headers
 * and body as text; /big and /bigbin 4000 bytes of text / binary;
 * /stream?n=K K chunks from a timer; /later answers after 50 ms; /hold
 * keeps the exchange; /sse starts a stream and keeps it; /ssefill streams
 * until stream_write refuses; /ws accepts and echoes, "close" closes with
 * 1000, "flood" sends until ws_send refuses. Everything it sees is
 * recorded under a mutex for the test thread to check.
 *
 * Expected values are computed here independently: the HTTP client and
 * frame codec below are the test's own, gzip bodies are inflated with zlib,
 * and Sec-WebSocket-Accept is checked against RFC 6455's example and
 * against Python's hashlib for another key.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <ev.h>
#include <zlib.h>

#include "kernel.h"
#include "registry.h"

#define MAX_SLOTS 16
#define MAX_LOG   64

/* ============================== Fixture =================================== */

typedef struct fixture fixture;

/* A deferred answer or a stream driven by a timer on the loop. */
typedef struct slot {
    fixture *f;
    ev_timer t;
    quire_exchange *x;
    int kind; /* 1 later, 2 stream, 3 ssefill */
    int left, sent;
    int active;
} slot;

struct fixture {
    char dir[256], conf[300], address[300];
    kernel *k;
    plugin_rec *rec;
    const quire_transport_ops *ops;
    void *st;
    struct ev_loop *loop;
    ev_async async;
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    void (*cmd)(fixture *, void *);
    void *cmd_arg;
    int cmd_done;
    int started;
    /* Records (loop thread writes, test thread reads, both under mu). */
    int nrequests;
    char paths[MAX_LOG][64];
    int overlap; /* a request arrived while a /later answer was pending */
    int nclosed;
    int nws_closed;
    int ws_codes[MAX_LOG];
    int nws_messages;
    int flood_result, flood_count;
    int fill_result;
    int pending_later;
    int handler_errors; /* a handler step that failed on the loop thread */
    quire_exchange *held[8];
    int nheld;
    slot slots[MAX_SLOTS];
};

static void lock(fixture *f)
{
    pthread_mutex_lock(&f->mu);
}

static void unlock(fixture *f)
{
    pthread_mutex_unlock(&f->mu);
}

/* ============================== Test handler (loop thread) ================ */

static slot *slot_new(fixture *f, quire_exchange *x, int kind, int left, double every)
{
    for (int i = 0; i < MAX_SLOTS; i++) {
        slot *s = &f->slots[i];
        if (!s->active) {
            memset(s, 0, sizeof(*s));
            s->f = f;
            s->x = x;
            s->kind = kind;
            s->left = left;
            s->active = 1;
            ev_timer_init(&s->t, NULL, every, every);
            return s;
        }
    }
    return NULL;
}

static void slot_end(slot *s)
{
    ev_timer_stop(s->f->loop, &s->t);
    s->active = 0;
}

static const quire_http_header text_type[] = {{"Content-Type", "text/plain; charset=utf-8"}};

static void on_slot(struct ev_loop *loop, ev_timer *w, int revents)
{
    slot *s = (slot *)((char *)w - offsetof(slot, t));
    fixture *f = s->f;
    char buf[64];

    (void)loop;
    (void)revents;
    if (s->kind == 1) {
        lock(f);
        f->pending_later--;
        unlock(f);
        slot_end(s);
        f->ops->respond(s->x, 200, text_type, 1, "later\n", 6);
    } else if (s->kind == 2) {
        if (s->sent < s->left) {
            int n = snprintf(buf, sizeof(buf), "chunk %d\n", s->sent++);
            f->ops->stream_write(s->x, buf, (size_t)n);
        } else {
            slot_end(s);
            f->ops->stream_end(s->x);
        }
    } else if (s->kind == 3) {
        static char block[16384];
        memset(block, 'x', sizeof(block));
        for (int i = 0; i < 64; i++) {
            if (f->ops->stream_write(s->x, block, sizeof(block)) != 0) {
                /* The transport closed it and has called closed(): the
                 * slot was ended there. */
                lock(f);
                f->fill_result = -1;
                unlock(f);
                return;
            }
        }
        if (++s->sent > 2000) /* bounded: about 2 GB never happens */
            slot_end(s);
    }
}

static void start_slot(fixture *f, quire_exchange *x, int kind, int left, double every)
{
    slot *s = slot_new(f, x, kind, left, every);

    if (s == NULL) { /* cmocka asserts belong to the test thread */
        lock(f);
        f->handler_errors++;
        unlock(f);
        return;
    }
    ev_set_cb(&s->t, on_slot);
    ev_timer_start(f->loop, &s->t);
}

static void answer_echo(fixture *f, const quire_http_request *req, quire_exchange *x)
{
    char *text = malloc(8192 + req->body_len);
    size_t n = 0;

    n += (size_t)sprintf(text + n, "method=%s\npath=%s\nquery=%s\n", req->method, req->path,
                         req->query);
    for (size_t i = 0; i < req->nheaders && n < 7000; i++)
        n += (size_t)snprintf(text + n, 8192 - n, "h:%s=%s\n", req->headers[i].name,
                              req->headers[i].value);
    n += (size_t)sprintf(text + n, "body=");
    memcpy(text + n, req->body, req->body_len);
    n += req->body_len;
    f->ops->respond(x, 200, text_type, 1, text, n);
    free(text);
}

static void big_text(char *out, size_t n)
{
    for (size_t i = 0; i < n; i++)
        out[i] = (char)('a' + (i * 7 + i / 13) % 26);
}

static void on_request(void *ctx, const quire_http_request *req, quire_exchange *x)
{
    fixture *f = ctx;
    char big[4000];

    lock(f);
    if (f->nrequests < MAX_LOG)
        snprintf(f->paths[f->nrequests], sizeof(f->paths[0]), "%s%s%s", req->path,
                 req->query[0] ? "?" : "", req->query);
    f->nrequests++;
    if (f->pending_later > 0)
        f->overlap++;
    unlock(f);
    if (strcmp(req->path, "/echo") == 0) {
        answer_echo(f, req, x);
    } else if (strcmp(req->path, "/big") == 0 || strcmp(req->path, "/bigbin") == 0) {
        quire_http_header h = {"Content-Type", strcmp(req->path, "/big") == 0
                                                   ? "text/plain"
                                                   : "application/octet-stream"};
        big_text(big, sizeof(big));
        f->ops->respond(x, 200, &h, 1, big, sizeof(big));
    } else if (strcmp(req->path, "/stream") == 0) {
        f->ops->stream_begin(x, 200, text_type, 1);
        start_slot(f, x, 2, atoi(req->query + 2), 0.01);
    } else if (strcmp(req->path, "/later") == 0) {
        lock(f);
        f->pending_later++;
        unlock(f);
        start_slot(f, x, 1, 0, 0.05);
    } else if (strcmp(req->path, "/hold") == 0 || strcmp(req->path, "/sse") == 0) {
        if (strcmp(req->path, "/sse") == 0)
            f->ops->stream_begin(x, 200, text_type, 1);
        lock(f);
        f->held[f->nheld++] = x;
        unlock(f);
    } else if (strcmp(req->path, "/ssefill") == 0) {
        f->ops->stream_begin(x, 200, text_type, 1);
        start_slot(f, x, 3, 0, 0.001);
    } else if (strcmp(req->path, "/ws") == 0 && req->websocket) {
        if (f->ops->ws_accept(x, NULL) != 0) {
            lock(f);
            f->handler_errors++;
            unlock(f);
        }
    } else {
        f->ops->respond(x, 404, text_type, 1, "no such test path\n", 18);
    }
}

static void forget(fixture *f, quire_exchange *x)
{
    for (int i = 0; i < MAX_SLOTS; i++)
        if (f->slots[i].active && f->slots[i].x == x) {
            if (f->slots[i].kind == 1)
                f->pending_later--;
            slot_end(&f->slots[i]);
        }
    for (int i = 0; i < f->nheld; i++)
        if (f->held[i] == x)
            f->held[i] = f->held[--f->nheld];
}

static void on_closed(void *ctx, quire_exchange *x)
{
    fixture *f = ctx;

    lock(f);
    f->nclosed++;
    forget(f, x);
    unlock(f);
}

static void on_ws_message(void *ctx, quire_exchange *x, int binary, const char *data, size_t len)
{
    fixture *f = ctx;
    static char block[32768];

    lock(f);
    f->nws_messages++;
    unlock(f);
    if (!binary && len == 5 && memcmp(data, "close", 5) == 0) {
        f->ops->ws_close(x, QUIRE_WS_NORMAL, "bye");
    } else if (!binary && len == 5 && memcmp(data, "flood", 5) == 0) {
        int rc = 0, n = 0;
        memset(block, 'f', sizeof(block));
        while (n < 4096 && (rc = f->ops->ws_send(x, 1, block, sizeof(block))) == 0)
            n++;
        lock(f);
        f->flood_result = rc;
        f->flood_count = n;
        unlock(f);
    } else if (!binary && len == 4 && memcmp(data, "hold", 4) == 0) {
        lock(f);
        f->held[f->nheld++] = x;
        unlock(f);
    } else {
        f->ops->ws_send(x, binary, data, len);
    }
}

static void on_ws_closed(void *ctx, quire_exchange *x, int code)
{
    fixture *f = ctx;

    lock(f);
    if (f->nws_closed < MAX_LOG)
        f->ws_codes[f->nws_closed] = code;
    f->nws_closed++;
    forget(f, x);
    unlock(f);
}

/* ============================== The loop thread =========================== */

static void on_async(struct ev_loop *loop, ev_async *w, int revents)
{
    fixture *f = w->data;
    void (*cmd)(fixture *, void *);
    void *arg;

    (void)loop;
    (void)revents;
    lock(f);
    cmd = f->cmd;
    arg = f->cmd_arg;
    f->cmd = NULL;
    unlock(f);
    if (cmd == NULL)
        return;
    cmd(f, arg);
    lock(f);
    f->cmd_done = 1;
    pthread_cond_signal(&f->cv);
    unlock(f);
}

static void *loop_main(void *arg)
{
    fixture *f = arg;
    ev_run(f->loop, 0);
    return NULL;
}

/* Runs fn(f, arg) on the loop thread and waits for it. */
static void on_loop(fixture *f, void (*fn)(fixture *, void *), void *arg)
{
    lock(f);
    f->cmd = fn;
    f->cmd_arg = arg;
    f->cmd_done = 0;
    ev_async_send(f->loop, &f->async);
    while (!f->cmd_done)
        pthread_cond_wait(&f->cv, &f->mu);
    unlock(f);
}

static void cmd_start(fixture *f, void *arg)
{
    quire_error *err = arg;
    f->started = f->rec->desc.start(f->st, err) == QUIRE_OK;
}

static void cmd_stop(fixture *f, void *arg)
{
    (void)arg;
    if (f->started)
        f->rec->desc.stop(f->st);
    f->started = 0;
}

static void cmd_break(fixture *f, void *arg)
{
    (void)arg;
    ev_async_stop(f->loop, &f->async);
    ev_break(f->loop, EVBREAK_ALL);
}

/* ============================== Server setup ============================== */

static int free_port(void)
{
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof(sa);
    int fd = socket(AF_INET, SOCK_STREAM, 0), port;

    assert_true(fd >= 0);
    assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
    assert_int_equal(getsockname(fd, (struct sockaddr *)&sa, &len), 0);
    port = ntohs(sa.sin_port);
    close(fd);
    return port;
}

static const quire_server_handler handler_template = {
    .size = sizeof(quire_server_handler),
    .request = on_request,
    .closed = on_closed,
    .ws_message = on_ws_message,
    .ws_closed = on_ws_closed,
};

/* Loads http.so with [transport.http] = base limits + `extra`, listens on
 * `address` (NULL: a free loopback port), starts the loop thread. Returns
 * the start() result; err gets its message. */
static int server_open(fixture *f, const char *extra, const char *address, quire_error *err)
{
    static const char *const base[] = {
        "max_header_bytes = 1kb",  "max_headers = 10",     "max_body = 4kb",
        "request_timeout = 300ms", "idle_timeout = 500ms", "max_connections = 8",
        "ws_max_message = 1kb",    "ws_send_queue = 64kb", "ws_ping_interval = 0"};
    const char *build = getenv("QUIRE_BUILD");
    char plugdir[4096], rel[4096];
    quire_server_handler h = handler_template;
    diag d = {0};
    int code;
    FILE *cf;

    snprintf(rel, sizeof(rel), "%s/plugins", build ? build : "build");
    assert_non_null(realpath(rel, plugdir));
    cf = fopen(f->conf, "w");
    assert_non_null(cf);
    fprintf(cf,
            "[kernel]\nplugin_dir = %s\nplugins = http\nlog_level = %s\nplugin_probe = no\n\n"
            "[transport.http]\nstatic_root = %s/www\n%s",
            plugdir, strstr(extra, "#info") ? "info" : "error", f->dir, extra);
    /* The test limits, unless `extra` sets the key itself. */
    for (size_t i = 0; i < sizeof(base) / sizeof(base[0]); i++) {
        char key[64];
        snprintf(key, sizeof(key), "%.*s", (int)strcspn(base[i], " "), base[i]);
        if (strstr(extra, key) == NULL)
            fprintf(cf, "%s\n", base[i]);
    }
    fclose(cf);
    assert_int_equal(kernel_open(f->conf, &f->k, &d), QUIRE_OK);
    assert_int_equal(kernel_load_plugins(f->k, &d, &code), QUIRE_OK);
    for (size_t i = 0; i < d.count; i++)
        print_message("diag: %s\n", d.items[i].text);
    diag_clear(&d);
    f->rec = kernel_find_plugin(f->k, QUIRE_KIND_TRANSPORT, "http");
    assert_non_null(f->rec);
    assert_int_equal(f->rec->state, PLUGIN_READY);
    f->ops = &f->rec->ops.transport;
    f->st = f->rec->state_ptr;
    assert_string_equal(f->ops->scheme, "http");
    if (address == NULL)
        snprintf(f->address, sizeof(f->address), "127.0.0.1:%d", free_port());
    else
        snprintf(f->address, sizeof(f->address), "%s", address);
    assert_int_equal(f->ops->listen(f->st, f->address, err), QUIRE_OK);
    f->loop = ev_loop_new(EVFLAG_AUTO);
    h.ctx = f;
    assert_int_equal(f->ops->attach(f->st, f->loop, &h, err), QUIRE_OK);
    ev_async_init(&f->async, on_async);
    f->async.data = f;
    ev_async_start(f->loop, &f->async);
    assert_int_equal(pthread_create(&f->thread, NULL, loop_main, f), 0);
    on_loop(f, cmd_start, err);
    return f->started ? QUIRE_OK : QUIRE_ERR;
}

static void server_close(fixture *f)
{
    if (f->k == NULL)
        return;
    on_loop(f, cmd_stop, NULL);
    on_loop(f, cmd_break, NULL);
    pthread_join(f->thread, NULL);
    ev_loop_destroy(f->loop);
    kernel_close(f->k);
    f->k = NULL;
}

static void server_start(fixture *f, const char *extra)
{
    quire_error err = {0};
    if (server_open(f, extra, NULL, &err) != QUIRE_OK)
        fail_msg("start failed: %s", err.msg);
}

static void write_file(const char *path, const char *text, size_t len)
{
    FILE *fp = fopen(path, "wb");
    assert_non_null(fp);
    assert_int_equal(fwrite(text, 1, len, fp), len);
    fclose(fp);
}

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof(*f));
    char path[512];

    snprintf(f->dir, sizeof(f->dir), "/tmp/quire-test-http-%ld", (long)getpid());
    mkdir(f->dir, 0700);
    snprintf(path, sizeof(path), "%s/www", f->dir);
    mkdir(path, 0700);
    snprintf(path, sizeof(path), "%s/www/docs", f->dir);
    mkdir(path, 0700);
    snprintf(path, sizeof(path), "%s/www/index.html", f->dir);
    write_file(path, "<p>home</p>\n", 12);
    snprintf(path, sizeof(path), "%s/www/docs/index.html", f->dir);
    write_file(path, "<p>docs</p>\n", 12);
    snprintf(path, sizeof(path), "%s/www/app.js", f->dir);
    write_file(path, "let a = 1;\n", 11);
    snprintf(path, sizeof(path), "%s/www/logo.png", f->dir);
    write_file(path, "\x89PNG\r\n", 6);
    snprintf(path, sizeof(path), "%s/secret.txt", f->dir);
    write_file(path, "secret\n", 7);
    snprintf(path, sizeof(path), "%s/www/escape", f->dir);
    symlink("../secret.txt", path);
    snprintf(path, sizeof(path), "%s/www/inside.txt", f->dir);
    symlink("app.js", path);
    {
        char big[200000];
        big_text(big, sizeof(big));
        snprintf(path, sizeof(path), "%s/www/big.css", f->dir);
        write_file(path, big, sizeof(big));
    }
    snprintf(f->conf, sizeof(f->conf), "%s/quire.conf", f->dir);
    pthread_mutex_init(&f->mu, NULL);
    pthread_cond_init(&f->cv, NULL);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    char cmd[600];

    server_close(f);
    if (f->handler_errors != 0) {
        print_error("%d handler steps failed on the loop thread\n", f->handler_errors);
        return -1;
    }
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->dir);
    if (system(cmd) != 0)
        return -1;
    pthread_mutex_destroy(&f->mu);
    pthread_cond_destroy(&f->cv);
    free(f);
    return 0;
}

/* ============================== Client side =============================== */

static int connect_to(const fixture *f)
{
    int fd;
    struct timeval tv = {5, 0};

    if (strncmp(f->address, "unix:", 5) == 0) {
        struct sockaddr_un un = {.sun_family = AF_UNIX};
        snprintf(un.sun_path, sizeof(un.sun_path), "%s", f->address + 5);
        fd = socket(AF_UNIX, SOCK_STREAM, 0);
        if (connect(fd, (struct sockaddr *)&un, sizeof(un)) != 0) {
            close(fd);
            return -1;
        }
    } else {
        struct sockaddr_in sa = {.sin_family = AF_INET};
        const char *colon = strrchr(f->address, ':');
        sa.sin_port = htons((uint16_t)atoi(colon + 1));
        sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        fd = socket(AF_INET, SOCK_STREAM, 0);
        if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
            close(fd);
            return -1;
        }
    }
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    return fd;
}

static int client(const fixture *f)
{
    int fd = connect_to(f);
    assert_true(fd >= 0);
    return fd;
}

static void send_str(int fd, const char *s)
{
    size_t len = strlen(s);
    assert_int_equal(send(fd, s, len, MSG_NOSIGNAL), (ssize_t)len);
}

typedef struct resp {
    int status;
    char head[8192];
    char *body;
    size_t len;
} resp;

static int read_byte(int fd, char *ch)
{
    return recv(fd, ch, 1, 0) == 1 ? 0 : -1;
}

static int read_n(int fd, char *buf, size_t n)
{
    size_t got = 0;
    while (got < n) {
        ssize_t r = recv(fd, buf + got, n - got, 0);
        if (r <= 0)
            return -1;
        got += (size_t)r;
    }
    return 0;
}

static int read_line(int fd, char *buf, size_t cap)
{
    size_t n = 0;
    char ch;
    while (n + 1 < cap && read_byte(fd, &ch) == 0) {
        buf[n++] = ch;
        if (ch == '\n')
            break;
    }
    buf[n] = '\0';
    return n > 0 ? 0 : -1;
}

/* The value of header `name` in r's head, or NULL (static buffer). */
static const char *hdr(const resp *r, const char *name)
{
    static char val[512];
    const char *p = r->head;
    size_t nlen = strlen(name);

    while ((p = strstr(p, "\r\n")) != NULL) {
        p += 2;
        if (strncasecmp(p, name, nlen) == 0 && p[nlen] == ':') {
            const char *v = p + nlen + 1, *e = strstr(v, "\r\n");
            while (*v == ' ')
                v++;
            snprintf(val, sizeof(val), "%.*s", (int)(e - v), v);
            return val;
        }
    }
    return NULL;
}

/* Reads one response; head_only: no body whatever the headers say. */
static int read_resp(int fd, resp *r, int head_only)
{
    size_t n = 0;
    char ch;
    const char *te, *cl;

    memset(r, 0, sizeof(*r));
    while (n + 1 < sizeof(r->head)) {
        if (read_byte(fd, &ch) != 0)
            return -1;
        r->head[n++] = ch;
        if (n >= 4 && memcmp(r->head + n - 4, "\r\n\r\n", 4) == 0)
            break;
    }
    r->head[n] = '\0';
    if (sscanf(r->head, "HTTP/1.1 %d", &r->status) != 1)
        return -1;
    r->body = calloc(1, 1);
    if (head_only || r->status < 200 || r->status == 204 || r->status == 304)
        return 0;
    te = hdr(r, "Transfer-Encoding");
    if (te != NULL && strcmp(te, "chunked") == 0) {
        for (int rounds = 0; rounds < 100000; rounds++) {
            char line[64];
            size_t size;
            if (read_line(fd, line, sizeof(line)) != 0)
                return -1;
            size = strtoul(line, NULL, 16);
            if (size == 0) {
                read_line(fd, line, sizeof(line));
                return 0;
            }
            r->body = realloc(r->body, r->len + size + 1);
            if (read_n(fd, r->body + r->len, size) != 0)
                return -1;
            r->len += size;
            r->body[r->len] = '\0';
            read_line(fd, line, sizeof(line));
        }
        return -1;
    }
    cl = hdr(r, "Content-Length");
    if (cl != NULL) {
        r->len = strtoul(cl, NULL, 10);
        r->body = realloc(r->body, r->len + 1);
        r->body[r->len] = '\0';
        return read_n(fd, r->body, r->len);
    }
    for (int rounds = 0; rounds < 100000; rounds++) { /* until EOF */
        char buf[4096];
        ssize_t got = recv(fd, buf, sizeof(buf), 0);
        if (got <= 0)
            break;
        r->body = realloc(r->body, r->len + (size_t)got + 1);
        memcpy(r->body + r->len, buf, (size_t)got);
        r->len += (size_t)got;
        r->body[r->len] = '\0';
    }
    return 0;
}

static void resp_free(resp *r)
{
    free(r->body);
    r->body = NULL;
}

/* Sends `request` on a new connection and reads one response. */
static void exchange1(const fixture *f, const char *request, resp *r)
{
    int fd = client(f);
    send_str(fd, request);
    if (read_resp(fd, r, strncmp(request, "HEAD", 4) == 0) != 0)
        fail_msg("no response to: %s", request);
    close(fd);
}

/* 1 if the server closed fd (EOF or reset) within the receive timeout. */
static int closed_by_server(int fd)
{
    char buf[256];
    for (int rounds = 0; rounds < 10000; rounds++) {
        ssize_t n = recv(fd, buf, sizeof(buf), 0);
        if (n == 0 || (n < 0 && errno == ECONNRESET))
            return 1;
        if (n < 0)
            return 0; /* timeout */
    }
    return 0;
}

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000.0 + ts.tv_nsec / 1e6;
}

/* Polls a record under the lock for up to 3 s. */
static int wait_for(fixture *f, const int *field, int value)
{
    for (int i = 0; i < 300; i++) {
        int v;
        lock(f);
        v = *field;
        unlock(f);
        if (v == value)
            return 1;
        usleep(10000);
    }
    return 0;
}

static void cmd_open_connections(fixture *f, void *arg)
{
    *(size_t *)arg = f->ops->open_connections(f->st);
}

/* Polls open_connections() on the loop thread for up to 3 s: a closing
 * connection counts until the client's side is closed too. */
static int open_becomes(fixture *f, size_t n)
{
    for (int i = 0; i < 300; i++) {
        size_t open = 0;
        on_loop(f, cmd_open_connections, &open);
        if (open == n)
            return 1;
        usleep(10000);
    }
    return 0;
}

/* ============================== HTTP basics =============================== */

static void test_echo_and_keepalive(void **state)
{
    fixture *f = *state;
    resp r;
    int fd;

    server_start(f, "");
    fd = client(f);
    send_str(fd, "GET /echo/a%20b?x=1&y=%20 HTTP/1.1\r\nHost: t\r\nX-Test:   padded value  \r\n"
                 "X-Rep: 1\r\nX-Rep: 2\r\n\r\n");
    assert_int_equal(read_resp(fd, &r, 0), 0);
    assert_int_equal(r.status, 404); /* /echo/a b is not /echo */
    resp_free(&r);
    send_str(fd, "POST /echo?q=%41 HTTP/1.1\r\nHost: t\r\nX-Test:   padded value  \r\n"
                 "X-Rep: 1\r\nX-Rep: 2\r\nContent-Length: 5\r\n\r\nhello");
    assert_int_equal(read_resp(fd, &r, 0), 0);
    assert_int_equal(r.status, 200);
    assert_string_equal(r.body, "method=POST\npath=/echo\nquery=q=%41\nh:host=t\n"
                                "h:x-test=padded value\nh:x-rep=1\nh:x-rep=2\n"
                                "h:content-length=5\nbody=hello");
    assert_string_equal(hdr(&r, "Server"), "quire/0.1");
    assert_non_null(hdr(&r, "Date"));
    assert_string_equal(hdr(&r, "Content-Length"), "115");
    assert_int_equal(r.len, 115);
    assert_null(hdr(&r, "Connection"));
    resp_free(&r);
    close(fd);
    lock(f);
    assert_string_equal(f->paths[0], "/echo/a b?x=1&y=%20");
    unlock(f);
}

static void test_pipelining_in_order(void **state)
{
    fixture *f = *state;
    resp r;
    int fd;

    server_start(f, "");
    fd = client(f);
    /* Three requests in one write; the first is answered 50 ms later. */
    send_str(fd, "GET /later HTTP/1.1\r\nHost: t\r\n\r\n"
                 "GET /echo?i=2 HTTP/1.1\r\nHost: t\r\n\r\n"
                 "GET /echo?i=3 HTTP/1.1\r\nHost: t\r\n\r\n");
    assert_int_equal(read_resp(fd, &r, 0), 0);
    assert_string_equal(r.body, "later\n");
    resp_free(&r);
    assert_int_equal(read_resp(fd, &r, 0), 0);
    assert_non_null(strstr(r.body, "query=i=2\n"));
    resp_free(&r);
    assert_int_equal(read_resp(fd, &r, 0), 0);
    assert_non_null(strstr(r.body, "query=i=3\n"));
    resp_free(&r);
    close(fd);
    lock(f);
    assert_int_equal(f->nrequests, 3);
    assert_int_equal(f->overlap, 0); /* /echo?i=2 came only after /later ended */
    assert_string_equal(f->paths[1], "/echo?i=2");
    unlock(f);
}

static void test_http10(void **state)
{
    fixture *f = *state;
    resp r;
    int fd;

    server_start(f, "");
    fd = client(f);
    send_str(fd, "GET /echo HTTP/1.0\r\n\r\n");
    assert_int_equal(read_resp(fd, &r, 0), 0);
    assert_int_equal(r.status, 200);
    assert_string_equal(hdr(&r, "Connection"), "close");
    resp_free(&r);
    assert_true(closed_by_server(fd));
    close(fd);

    fd = client(f);
    send_str(fd, "GET /echo HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
    assert_int_equal(read_resp(fd, &r, 0), 0);
    assert_string_equal(hdr(&r, "Connection"), "keep-alive");
    resp_free(&r);
    send_str(fd, "GET /echo?again HTTP/1.0\r\n\r\n");
    assert_int_equal(read_resp(fd, &r, 0), 0);
    assert_non_null(strstr(r.body, "query=again\n"));
    resp_free(&r);
    close(fd);
}

static void test_chunked_body_head_continue(void **state)
{
    fixture *f = *state;
    resp r;
    char line[128];
    int fd;

    server_start(f, "");
    exchange1(f,
              "POST /echo HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"
              "5\r\nhello\r\n7;ext=1\r\n, world\r\n0\r\n\r\n",
              &r);
    assert_int_equal(r.status, 200);
    assert_non_null(strstr(r.body, "body=hello, world"));
    resp_free(&r);

    /* HEAD: the length of the GET body, no body bytes: the next response
     * on the connection follows the head directly. */
    fd = client(f);
    send_str(fd, "HEAD /big HTTP/1.1\r\n\r\nGET /echo HTTP/1.1\r\n\r\n");
    assert_int_equal(read_resp(fd, &r, 1), 0);
    assert_string_equal(hdr(&r, "Content-Length"), "4000");
    resp_free(&r);
    assert_int_equal(read_resp(fd, &r, 0), 0);
    assert_int_equal(r.status, 200);
    assert_non_null(strstr(r.body, "method=GET\n"));
    resp_free(&r);
    close(fd);

    fd = client(f);
    send_str(fd, "POST /echo HTTP/1.1\r\nExpect: 100-continue\r\nContent-Length: 4\r\n\r\n");
    assert_int_equal(read_line(fd, line, sizeof(line)), 0);
    assert_string_equal(line, "HTTP/1.1 100 Continue\r\n");
    assert_int_equal(read_line(fd, line, sizeof(line)), 0);
    assert_string_equal(line, "\r\n");
    send_str(fd, "data");
    assert_int_equal(read_resp(fd, &r, 0), 0);
    assert_non_null(strstr(r.body, "body=data"));
    resp_free(&r);
    close(fd);
}

/* Inflates a gzip body with zlib. */
static size_t gunzip(const char *in, size_t len, char *out, size_t cap)
{
    z_stream z = {0};
    size_t n;

    assert_int_equal(inflateInit2(&z, 16 + MAX_WBITS), Z_OK);
    z.next_in = (Bytef *)(uintptr_t)in;
    z.avail_in = (uInt)len;
    z.next_out = (Bytef *)out;
    z.avail_out = (uInt)cap;
    assert_int_equal(inflate(&z, Z_FINISH), Z_STREAM_END);
    n = cap - z.avail_out;
    inflateEnd(&z);
    return n;
}

static void test_gzip(void **state)
{
    fixture *f = *state;
    char expect[4000], got[8000];
    resp r;

    server_start(f, "");
    big_text(expect, sizeof(expect));
    exchange1(f, "GET /big HTTP/1.1\r\nAccept-Encoding: deflate, gzip;q=0.5\r\n\r\n", &r);
    assert_string_equal(hdr(&r, "Content-Encoding"), "gzip");
    assert_string_equal(hdr(&r, "Vary"), "Accept-Encoding");
    assert_true(r.len < 4000);
    assert_int_equal(gunzip(r.body, r.len, got, sizeof(got)), 4000);
    assert_memory_equal(got, expect, 4000);
    resp_free(&r);

    exchange1(f, "GET /big HTTP/1.1\r\nAccept-Encoding: gzip;q=0, deflate\r\n\r\n", &r);
    assert_null(hdr(&r, "Content-Encoding"));
    assert_string_equal(hdr(&r, "Vary"), "Accept-Encoding");
    assert_int_equal(r.len, 4000);
    assert_memory_equal(r.body, expect, 4000);
    resp_free(&r);

    exchange1(f, "GET /big HTTP/1.1\r\n\r\n", &r);
    assert_null(hdr(&r, "Content-Encoding"));
    resp_free(&r);
    exchange1(f, "GET /bigbin HTTP/1.1\r\nAccept-Encoding: gzip\r\n\r\n", &r);
    assert_null(hdr(&r, "Content-Encoding")); /* not a text type */
    resp_free(&r);
    exchange1(f, "GET /echo HTTP/1.1\r\nAccept-Encoding: gzip\r\n\r\n", &r);
    assert_null(hdr(&r, "Content-Encoding")); /* under 1 kB */
    resp_free(&r);
}

static void test_stream_chunked(void **state)
{
    fixture *f = *state;
    resp r;

    server_start(f, "");
    exchange1(f, "GET /stream?n=5 HTTP/1.1\r\n\r\n", &r);
    assert_int_equal(r.status, 200);
    assert_string_equal(hdr(&r, "Transfer-Encoding"), "chunked");
    assert_string_equal(r.body, "chunk 0\nchunk 1\nchunk 2\nchunk 3\nchunk 4\n");
    resp_free(&r);
    /* HTTP/1.0: no chunks, the body ends with the connection. */
    exchange1(f, "GET /stream?n=2 HTTP/1.0\r\n\r\n", &r);
    assert_null(hdr(&r, "Transfer-Encoding"));
    assert_string_equal(hdr(&r, "Connection"), "close");
    assert_string_equal(r.body, "chunk 0\nchunk 1\n");
    resp_free(&r);
}

/* ============================== Limits and errors ========================= */

static void expect_error(fixture *f, const char *request, int status, const char *body)
{
    resp r;
    int fd = client(f);

    send_str(fd, request);
    assert_int_equal(read_resp(fd, &r, 0), 0);
    assert_int_equal(r.status, status);
    assert_string_equal(hdr(&r, "Connection"), "close");
    assert_string_equal(r.body, body);
    resp_free(&r);
    assert_true(closed_by_server(fd));
    close(fd);
}

static void test_limits(void **state)
{
    fixture *f = *state;
    char req[4096], big[2048];
    resp r;

    server_start(f, "");
    /* max_header_bytes = 1kb: a header value of 1100 bytes. */
    memset(big, 'v', 1100);
    big[1100] = '\0';
    snprintf(req, sizeof(req), "GET /echo HTTP/1.1\r\nX-Big: %s\r\n\r\n", big);
    expect_error(f, req, 431, "request header fields too large\n");
    /* A long URL counts too. */
    memset(big, 'u', 1100);
    snprintf(req, sizeof(req), "GET /%s HTTP/1.1\r\n\r\n", big);
    expect_error(f, req, 431, "request header fields too large\n");
    /* max_headers = 10. */
    strcpy(req, "GET /echo HTTP/1.1\r\n");
    for (int i = 0; i < 11; i++)
        sprintf(req + strlen(req), "X-H%d: v\r\n", i);
    strcat(req, "\r\n");
    expect_error(f, req, 431, "too many header fields\n");
    /* max_body = 4kb (4096): by Content-Length, before any body byte. */
    expect_error(f, "POST /echo HTTP/1.1\r\nContent-Length: 4097\r\n\r\n", 413,
                 "request body of 4097 bytes is over the limit of 4096\n");
    /* ... and while a chunked body arrives (3000 + 3000 bytes). */
    {
        char *chunked = malloc(8000);
        memset(big, 'b', 2000);
        big[2000] = '\0';
        snprintf(chunked, 8000,
                 "POST /echo HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n7d0\r\n%s\r\n"
                 "7d0\r\n%s\r\n7d0\r\n%s\r\n0\r\n\r\n",
                 big, big, big);
        expect_error(f, chunked, 413, "request body is over the limit of 4096 bytes\n");
        free(chunked);
    }
    /* Malformed: http_parser's error name and description. */
    expect_error(f, "GOT /echo HTTP/1.1\r\n\r\n", 400, "HPE_INVALID_METHOD: invalid HTTP method\n");
    expect_error(f, "GET /echo HTTP/1.1\r\nBad Header\r\n\r\n", 400,
                 "HPE_INVALID_HEADER_TOKEN: invalid character in header\n");
    expect_error(f, "GET /a%zz HTTP/1.1\r\n\r\n", 400,
                 "bad percent-encoding in the request path\n");
    expect_error(f, "GET /a%00b HTTP/1.1\r\n\r\n", 400, "NUL byte in the request path\n");
    /* The server goes on serving. */
    exchange1(f, "GET /echo HTTP/1.1\r\n\r\n", &r);
    assert_int_equal(r.status, 200);
    resp_free(&r);
    lock(f);
    assert_int_equal(f->nrequests, 1); /* none of the bad ones reached the kernel */
    unlock(f);
}

static void test_timeouts(void **state)
{
    fixture *f = *state;
    resp r;
    double t0, dt;
    int fd;

    server_start(f, "");
    /* request_timeout = 300ms: a request that never completes. */
    fd = client(f);
    t0 = now_ms();
    send_str(fd, "GET /echo HTTP/1.1\r\nHost: t\r\n");
    assert_int_equal(read_resp(fd, &r, 0), 0);
    dt = now_ms() - t0;
    assert_int_equal(r.status, 408);
    assert_string_equal(r.body, "request not complete within 300 ms\n");
    assert_string_equal(hdr(&r, "Connection"), "close");
    resp_free(&r);
    assert_true(dt >= 280 && dt < 2000);
    assert_true(closed_by_server(fd));
    close(fd);

    /* idle_timeout = 500ms after a completed exchange. */
    fd = client(f);
    send_str(fd, "GET /echo HTTP/1.1\r\n\r\n");
    assert_int_equal(read_resp(fd, &r, 0), 0);
    resp_free(&r);
    t0 = now_ms();
    assert_true(closed_by_server(fd));
    dt = now_ms() - t0;
    assert_true(dt >= 450 && dt < 2500);
    close(fd);
}

static void test_max_connections(void **state)
{
    fixture *f = *state;
    int fds[2], extra;
    resp r;

    server_start(f, "max_connections = 2\n");
    for (int i = 0; i < 2; i++) {
        fds[i] = client(f);
        send_str(fds[i], "GET /echo HTTP/1.1\r\n\r\n");
        assert_int_equal(read_resp(fds[i], &r, 0), 0);
        assert_int_equal(r.status, 200);
        resp_free(&r);
    }
    assert_true(open_becomes(f, 2));
    extra = client(f);
    send_str(extra, "GET /echo HTTP/1.1\r\n\r\n");
    assert_int_equal(read_resp(extra, &r, 0), 0);
    assert_int_equal(r.status, 503);
    assert_string_equal(r.body, "too many connections\n");
    assert_string_equal(hdr(&r, "Connection"), "close");
    resp_free(&r);
    assert_true(closed_by_server(extra));
    close(extra);
    close(fds[0]);
    close(fds[1]);
}

/* ============================== Static files ============================== */

static void test_static_files(void **state)
{
    fixture *f = *state;
    char etag[128], lastmod[128], req[512], expect[200000], *got;
    size_t glen;
    resp r;

    server_start(f, "");
    exchange1(f, "GET /ui/app.js HTTP/1.1\r\n\r\n", &r);
    assert_int_equal(r.status, 200);
    assert_string_equal(r.body, "let a = 1;\n");
    assert_string_equal(hdr(&r, "Content-Type"), "application/javascript");
    assert_string_equal(hdr(&r, "Server"), "quire/0.1");
    snprintf(etag, sizeof(etag), "%s", hdr(&r, "ETag"));
    snprintf(lastmod, sizeof(lastmod), "%s", hdr(&r, "Last-Modified"));
    resp_free(&r);
    exchange1(f, "GET /ui/logo.png HTTP/1.1\r\n\r\n", &r);
    assert_string_equal(hdr(&r, "Content-Type"), "image/png");
    assert_int_equal(r.len, 6);
    resp_free(&r);
    /* Conditional requests. */
    snprintf(req, sizeof(req), "GET /ui/app.js HTTP/1.1\r\nIf-None-Match: %s\r\n\r\n", etag);
    exchange1(f, req, &r);
    assert_int_equal(r.status, 304);
    assert_int_equal(r.len, 0);
    resp_free(&r);
    snprintf(req, sizeof(req), "GET /ui/app.js HTTP/1.1\r\nIf-Modified-Since: %s\r\n\r\n", lastmod);
    exchange1(f, req, &r);
    assert_int_equal(r.status, 304);
    resp_free(&r);
    exchange1(f, "GET /ui/app.js HTTP/1.1\r\nIf-None-Match: \"other\"\r\n\r\n", &r);
    assert_int_equal(r.status, 200);
    resp_free(&r);
    /* Directories serve index.html. */
    exchange1(f, "GET /ui/ HTTP/1.1\r\n\r\n", &r);
    assert_int_equal(r.status, 200);
    assert_string_equal(r.body, "<p>home</p>\n");
    assert_string_equal(hdr(&r, "Content-Type"), "text/html; charset=utf-8");
    resp_free(&r);
    exchange1(f, "GET /ui/docs HTTP/1.1\r\n\r\n", &r);
    assert_string_equal(r.body, "<p>docs</p>\n");
    resp_free(&r);
    /* A symlink inside the root is fine. */
    exchange1(f, "GET /ui/inside.txt HTTP/1.1\r\n\r\n", &r);
    assert_int_equal(r.status, 200);
    assert_string_equal(r.body, "let a = 1;\n");
    resp_free(&r);
    /* Leaving the root in any way: 404. */
    static const char *const bad[] = {"/ui/../secret.txt",
                                      "/ui/%2e%2e/secret.txt",
                                      "/ui/%2E%2E/secret.txt",
                                      "/ui/docs/../../secret.txt",
                                      "/ui/a%00b",
                                      "/ui/..%5csecret.txt",
                                      "/ui/escape",
                                      "/ui/missing.js",
                                      "/ui/docs/..%2f..%2fsecret.txt"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        snprintf(req, sizeof(req), "GET %s HTTP/1.1\r\n\r\n", bad[i]);
        exchange1(f, req, &r);
        if (r.status != 404)
            fail_msg("%s: status %d", bad[i], r.status);
        assert_string_equal(r.body, "not found\n");
        resp_free(&r);
    }
    /* A large file, plain and gzipped (streamed in chunks). */
    big_text(expect, sizeof(expect));
    exchange1(f, "GET /ui/big.css HTTP/1.1\r\n\r\n", &r);
    assert_string_equal(hdr(&r, "Content-Length"), "200000");
    assert_string_equal(hdr(&r, "Content-Type"), "text/css; charset=utf-8");
    assert_memory_equal(r.body, expect, sizeof(expect));
    resp_free(&r);
    exchange1(f, "GET /ui/big.css HTTP/1.1\r\nAccept-Encoding: gzip\r\n\r\n", &r);
    assert_string_equal(hdr(&r, "Content-Encoding"), "gzip");
    assert_string_equal(hdr(&r, "Vary"), "Accept-Encoding");
    got = malloc(sizeof(expect) + 16);
    glen = gunzip(r.body, r.len, got, sizeof(expect) + 16);
    assert_int_equal(glen, sizeof(expect));
    assert_memory_equal(got, expect, sizeof(expect));
    free(got);
    resp_free(&r);
    exchange1(f, "HEAD /ui/big.css HTTP/1.1\r\n\r\n", &r);
    assert_int_equal(r.status, 200);
    assert_string_equal(hdr(&r, "Content-Length"), "200000");
    resp_free(&r);
    lock(f);
    assert_int_equal(f->nrequests, 0); /* the kernel never saw them */
    unlock(f);
}

/* ============================== WebSocket ================================= */

static void ws_frame(int fd, int fin, int rsv, int op, const void *data, size_t len, int masked)
{
    unsigned char hdrb[14], mask[4] = {0x12, 0x34, 0x56, 0x78};
    unsigned char *buf = malloc(len + 14);
    size_t n = 0;

    hdrb[n++] = (unsigned char)((fin ? 0x80 : 0) | (rsv << 4) | op);
    if (len < 126) {
        hdrb[n++] = (unsigned char)((masked ? 0x80 : 0) | len);
    } else if (len < 65536) {
        hdrb[n++] = (unsigned char)((masked ? 0x80 : 0) | 126);
        hdrb[n++] = (unsigned char)(len >> 8);
        hdrb[n++] = (unsigned char)len;
    } else {
        hdrb[n++] = (unsigned char)((masked ? 0x80 : 0) | 127);
        for (int i = 7; i >= 0; i--)
            hdrb[n++] = (unsigned char)((uint64_t)len >> (8 * i));
    }
    if (masked) {
        memcpy(hdrb + n, mask, 4);
        n += 4;
    }
    memcpy(buf, hdrb, n);
    for (size_t i = 0; i < len; i++)
        buf[n + i] = ((const unsigned char *)data)[i] ^ (masked ? mask[i % 4] : 0);
    assert_int_equal(send(fd, buf, n + len, MSG_NOSIGNAL), (ssize_t)(n + len));
    free(buf);
}

/* Reads one server frame (never masked). -1 on EOF. */
static int ws_read(int fd, int *op, char *buf, size_t cap, size_t *len)
{
    unsigned char h[2], ext[8];
    uint64_t n;

    if (read_n(fd, (char *)h, 2) != 0)
        return -1;
    assert_int_equal(h[1] & 0x80, 0);
    *op = h[0] & 0x0f;
    n = h[1] & 0x7f;
    if (n == 126) {
        assert_int_equal(read_n(fd, (char *)ext, 2), 0);
        n = (uint64_t)ext[0] << 8 | ext[1];
    } else if (n == 127) {
        assert_int_equal(read_n(fd, (char *)ext, 8), 0);
        n = 0;
        for (int i = 0; i < 8; i++)
            n = n << 8 | ext[i];
    }
    assert_true(n <= cap);
    if (read_n(fd, buf, (size_t)n) != 0)
        return -1;
    *len = (size_t)n;
    return 0;
}

/* Reads frames until a close frame; returns its code (0: none, -1: EOF). */
static int ws_read_close(int fd)
{
    char buf[70000];
    size_t len;
    int op;

    for (int rounds = 0; rounds < 100; rounds++) {
        if (ws_read(fd, &op, buf, sizeof(buf), &len) != 0)
            return -1;
        if (op == 8)
            return len >= 2 ? ((unsigned char)buf[0] << 8 | (unsigned char)buf[1]) : 0;
    }
    return -1;
}

static const char key_example[] = "dGhlIHNhbXBsZSBub25jZQ==";

static int ws_connect(fixture *f, const char *key)
{
    char req[512];
    resp r;
    int fd = client(f);

    snprintf(req, sizeof(req),
             "GET /ws HTTP/1.1\r\nHost: t\r\nUpgrade: websocket\r\nConnection: keep-alive, "
             "Upgrade\r\nSec-WebSocket-Key: %s\r\nSec-WebSocket-Version: 13\r\n\r\n",
             key);
    send_str(fd, req);
    assert_int_equal(read_resp(fd, &r, 1), 0);
    assert_int_equal(r.status, 101);
    resp_free(&r);
    return fd;
}

/* Sec-WebSocket-Accept by Python's hashlib, independent of the plugin. */
static void python_accept(const char *key, char *out, size_t cap)
{
    char cmd[512];
    FILE *p;

    snprintf(cmd, sizeof(cmd),
             "python3 -c 'import base64,hashlib,sys; print(base64.b64encode(hashlib.sha1("
             "sys.argv[1].encode() + b\"258EAFA5-E914-47DA-95CA-C5AB0DC85B11\").digest())"
             ".decode())' '%s'",
             key);
    p = popen(cmd, "r");
    assert_non_null(p);
    assert_non_null(fgets(out, (int)cap, p));
    out[strcspn(out, "\n")] = '\0';
    pclose(p);
}

static void test_ws_handshake(void **state)
{
    fixture *f = *state;
    static const char key2[] = "AQIDBAUGBwgJCgsMDQ4PEA==";
    char req[512], expect[64];
    resp r;
    int fd;

    server_start(f, "");
    fd = client(f);
    snprintf(req, sizeof(req),
             "GET /ws HTTP/1.1\r\nHost: t\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
             "Sec-WebSocket-Key: %s\r\nSec-WebSocket-Version: 13\r\n\r\n",
             key_example);
    send_str(fd, req);
    assert_int_equal(read_resp(fd, &r, 1), 0);
    assert_int_equal(r.status, 101);
    /* RFC 6455 section 1.3's example. */
    assert_string_equal(hdr(&r, "Sec-WebSocket-Accept"), "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
    assert_string_equal(hdr(&r, "Upgrade"), "websocket");
    resp_free(&r);
    close(fd);

    python_accept(key2, expect, sizeof(expect));
    fd = client(f);
    snprintf(req, sizeof(req),
             "GET /ws HTTP/1.1\r\nUpgrade: WebSocket\r\nConnection: upgrade\r\n"
             "Sec-WebSocket-Key: %s\r\nSec-WebSocket-Version: 13\r\n\r\n",
             key2);
    send_str(fd, req);
    assert_int_equal(read_resp(fd, &r, 1), 0);
    assert_string_equal(hdr(&r, "Sec-WebSocket-Accept"), expect);
    resp_free(&r);
    close(fd);

    /* Bad upgrades, answered by the transport itself. */
    snprintf(req, sizeof(req),
             "GET /ws HTTP/1.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
             "Sec-WebSocket-Key: %s\r\nSec-WebSocket-Version: 8\r\n\r\n",
             key_example);
    exchange1(f, req, &r);
    assert_int_equal(r.status, 426);
    assert_string_equal(hdr(&r, "Sec-WebSocket-Version"), "13");
    resp_free(&r);
    static const char *const bad[] = {
        /* key of 15 bytes */
        "GET /ws HTTP/1.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        "Sec-WebSocket-Key: AQIDBAUGBwgJCgsMDQ4P\r\nSec-WebSocket-Version: 13\r\n\r\n",
        /* not base64 */
        "GET /ws HTTP/1.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        "Sec-WebSocket-Key: !!!!!!!!!!!!!!!!!!!!!!!=\r\nSec-WebSocket-Version: 13\r\n\r\n",
        /* POST */
        "POST /ws HTTP/1.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nContent-Length: 0\r\n"
        "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n",
        /* HTTP/1.0 */
        "GET /ws HTTP/1.0\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n",
        /* no Connection: upgrade */
        "GET /ws HTTP/1.1\r\nUpgrade: websocket\r\nConnection: keep-alive\r\n"
        "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        exchange1(f, bad[i], &r);
        if (r.status != 400)
            fail_msg("bad upgrade %zu: status %d", i, r.status);
        assert_string_equal(r.body, "bad WebSocket upgrade request\n");
        resp_free(&r);
    }
    lock(f);
    assert_int_equal(f->nrequests, 2); /* only the two valid upgrades */
    unlock(f);
}

static void test_ws_echo_fragments_ping(void **state)
{
    fixture *f = *state;
    char buf[4096];
    size_t len;
    int fd, op;

    server_start(f, "");
    fd = ws_connect(f, key_example);
    ws_frame(fd, 1, 0, 1, "hello", 5, 1);
    assert_int_equal(ws_read(fd, &op, buf, sizeof(buf), &len), 0);
    assert_int_equal(op, 1);
    assert_int_equal(len, 5);
    assert_memory_equal(buf, "hello", 5);
    ws_frame(fd, 1, 0, 2, "\x00\x01\xff", 3, 1);
    assert_int_equal(ws_read(fd, &op, buf, sizeof(buf), &len), 0);
    assert_int_equal(op, 2);
    assert_int_equal(len, 3);
    assert_memory_equal(buf, "\x00\x01\xff", 3);
    /* Fragments with a ping between them; a 2-byte UTF-8 character split
     * across the fragments is valid. */
    ws_frame(fd, 0, 0, 1, "frag-\xc3", 6, 1);
    ws_frame(fd, 1, 0, 9, "pingdata", 8, 1);
    ws_frame(fd, 1, 0, 0, "\xa9-end", 5, 1);
    assert_int_equal(ws_read(fd, &op, buf, sizeof(buf), &len), 0);
    assert_int_equal(op, 10);
    assert_int_equal(len, 8);
    assert_memory_equal(buf, "pingdata", 8);
    assert_int_equal(ws_read(fd, &op, buf, sizeof(buf), &len), 0);
    assert_int_equal(op, 1);
    assert_int_equal(len, 11);
    assert_memory_equal(buf, "frag-\xc3\xa9-end", 11);
    /* A 300-byte message (16-bit length). */
    memset(buf, 'm', 300);
    ws_frame(fd, 1, 0, 1, buf, 300, 1);
    assert_int_equal(ws_read(fd, &op, buf, sizeof(buf), &len), 0);
    assert_int_equal(len, 300);
    close(fd);
    assert_true(wait_for(f, &f->nws_closed, 1));
    lock(f);
    assert_int_equal(f->ws_codes[0], 1006); /* dropped without a close */
    assert_int_equal(f->nws_messages, 4);
    unlock(f);
}

/* Sends frames on a new WebSocket and expects the server's close code. */
static void ws_expect_close(fixture *f, int code, void (*send_frames)(int fd, const void *arg),
                            const void *arg)
{
    int fd = ws_connect(f, key_example), before;

    lock(f);
    before = f->nws_closed;
    unlock(f);
    send_frames(fd, arg);
    assert_int_equal(ws_read_close(fd), code);
    assert_true(closed_by_server(fd));
    close(fd);
    assert_true(wait_for(f, &f->nws_closed, before + 1));
    lock(f);
    assert_int_equal(f->ws_codes[before], code);
    unlock(f);
}

static void send_unmasked(int fd, const void *arg)
{
    (void)arg;
    ws_frame(fd, 1, 0, 1, "hi", 2, 0);
}

static void send_bad_utf8(int fd, const void *arg)
{
    (void)arg;
    ws_frame(fd, 1, 0, 1, "ok\xff", 3, 1);
}

static void send_bad_utf8_split(int fd, const void *arg)
{
    (void)arg;
    /* \xe2\x82 starts a 3-byte sequence; the next fragment breaks it. */
    ws_frame(fd, 0, 0, 1, "a\xe2\x82", 3, 1);
    ws_frame(fd, 1, 0, 0, "(b", 2, 1);
}

static void send_too_big(int fd, const void *arg)
{
    static char big[1025];
    (void)arg;
    memset(big, 'x', sizeof(big));
    ws_frame(fd, 1, 0, 2, big, sizeof(big), 1);
}

static void send_too_big_fragments(int fd, const void *arg)
{
    static char part[600];
    (void)arg;
    memset(part, 'x', sizeof(part));
    ws_frame(fd, 0, 0, 2, part, sizeof(part), 1);
    ws_frame(fd, 1, 0, 0, part, sizeof(part), 1);
}

static void send_close_code(int fd, const void *arg)
{
    int code = *(const int *)arg;
    unsigned char p[2] = {(unsigned char)(code >> 8), (unsigned char)code};
    ws_frame(fd, 1, 0, 8, p, 2, 1);
}

static void send_close_1byte(int fd, const void *arg)
{
    (void)arg;
    ws_frame(fd, 1, 0, 8, "\x03", 1, 1);
}

static void send_reserved_opcode(int fd, const void *arg)
{
    (void)arg;
    ws_frame(fd, 1, 0, 3, "x", 1, 1);
}

static void send_rsv(int fd, const void *arg)
{
    (void)arg;
    ws_frame(fd, 1, 4, 1, "x", 1, 1);
}

static void test_ws_protocol_errors(void **state)
{
    fixture *f = *state;
    static const int bad_codes[] = {0, 999, 1004, 1005, 1006, 1016, 1100, 2000, 2999};

    server_start(f, "");
    ws_expect_close(f, 1002, send_unmasked, NULL);
    ws_expect_close(f, 1007, send_bad_utf8, NULL);
    ws_expect_close(f, 1007, send_bad_utf8_split, NULL);
    ws_expect_close(f, 1009, send_too_big, NULL);
    ws_expect_close(f, 1009, send_too_big_fragments, NULL);
    ws_expect_close(f, 1002, send_reserved_opcode, NULL);
    ws_expect_close(f, 1002, send_rsv, NULL);
    ws_expect_close(f, 1002, send_close_1byte, NULL);
    for (size_t i = 0; i < sizeof(bad_codes) / sizeof(bad_codes[0]); i++)
        ws_expect_close(f, 1002, send_close_code, &bad_codes[i]);
    /* Framing errors wslay catches in its frame layer (a fragmented ping,
     * a 126-byte pong): it closes with an empty close frame; the kernel
     * hears 1002. */
    {
        static char payload[126];
        int fd = ws_connect(f, key_example), before;
        lock(f);
        before = f->nws_closed;
        unlock(f);
        ws_frame(fd, 0, 0, 9, "p", 1, 1);
        assert_int_equal(ws_read_close(fd), 0);
        assert_true(closed_by_server(fd));
        close(fd);
        fd = ws_connect(f, key_example);
        ws_frame(fd, 1, 0, 10, payload, sizeof(payload), 1);
        assert_int_equal(ws_read_close(fd), 0);
        assert_true(closed_by_server(fd));
        close(fd);
        assert_true(wait_for(f, &f->nws_closed, before + 2));
        lock(f);
        assert_int_equal(f->ws_codes[before], 1002);
        assert_int_equal(f->ws_codes[before + 1], 1002);
        unlock(f);
    }
    lock(f);
    assert_int_equal(f->nws_messages, 0);
    unlock(f);
}

static void test_ws_close_handshake(void **state)
{
    fixture *f = *state;
    static const int good[] = {1000, 1001, 1003, 1007, 1011, 3000, 4999};
    unsigned char p[5] = {0x03, 0xe8, 'b', 'y', 'e'};
    int fd;

    server_start(f, "");
    /* The client closes: the server echoes the code and closes TCP. */
    for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
        fd = ws_connect(f, key_example);
        p[0] = (unsigned char)(good[i] >> 8);
        p[1] = (unsigned char)good[i];
        ws_frame(fd, 1, 0, 8, p, sizeof(p), 1);
        assert_int_equal(ws_read_close(fd), good[i]);
        assert_true(closed_by_server(fd));
        close(fd);
        assert_true(wait_for(f, &f->nws_closed, (int)i + 1));
        lock(f);
        assert_int_equal(f->ws_codes[i], good[i]);
        unlock(f);
    }
    /* The kernel closes (ws_close 1000): close frame, the client answers,
     * TCP closes, and no ws_closed() follows. */
    fd = ws_connect(f, key_example);
    ws_frame(fd, 1, 0, 1, "close", 5, 1);
    assert_int_equal(ws_read_close(fd), 1000);
    ws_frame(fd, 1, 0, 8, p, 2, 1);
    assert_true(closed_by_server(fd));
    close(fd);
    usleep(50000);
    lock(f);
    assert_int_equal(f->nws_closed, 7);
    unlock(f);
}

static void test_ws_send_queue_bound(void **state)
{
    fixture *f = *state;
    int fd;

    server_start(f, "");
    fd = ws_connect(f, key_example);
    {
        int rcv = 4096;
        setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcv, sizeof(rcv));
    }
    ws_frame(fd, 1, 0, 1, "flood", 5, 1);
    /* The client never reads: ws_send refuses once the queue is over
     * ws_send_queue (64kb), and ws_closed(1008) follows. */
    assert_true(wait_for(f, &f->nws_closed, 1));
    lock(f);
    assert_int_equal(f->flood_result, -1);
    assert_true(f->flood_count < 4096);
    assert_int_equal(f->ws_codes[0], 1008);
    unlock(f);
    close(fd);
}

static void test_ws_ping(void **state)
{
    fixture *f = *state;
    char buf[256];
    size_t len;
    int fd, op;
    double t0;

    server_start(f, "ws_ping_interval = 200ms\n");
    fd = ws_connect(f, key_example);
    assert_int_equal(ws_read(fd, &op, buf, sizeof(buf), &len), 0);
    assert_int_equal(op, 9);
    ws_frame(fd, 1, 0, 10, buf, len, 1); /* pong */
    assert_int_equal(ws_read(fd, &op, buf, sizeof(buf), &len), 0);
    assert_int_equal(op, 9); /* the next ping: still alive */
    t0 = now_ms();
    /* No pong now: closed within the next interval. */
    assert_true(closed_by_server(fd));
    assert_true(now_ms() - t0 < 1500);
    close(fd);
    assert_true(wait_for(f, &f->nws_closed, 1));
    lock(f);
    assert_int_equal(f->ws_codes[0], 1006);
    unlock(f);
}

/* ============================== Exchanges the client drops ================ */

static void test_client_drop_and_stream_bound(void **state)
{
    fixture *f = *state;
    resp r;
    int fd;

    server_start(f, "");
    fd = client(f);
    send_str(fd, "GET /sse HTTP/1.1\r\n\r\n");
    assert_int_equal(read_resp(fd, &r, 1), 0);
    assert_string_equal(hdr(&r, "Transfer-Encoding"), "chunked");
    resp_free(&r);
    close(fd);
    assert_true(wait_for(f, &f->nclosed, 1));
    lock(f);
    assert_int_equal(f->nheld, 0);
    unlock(f);

    /* A streamed answer to a client that never reads. */
    fd = client(f);
    send_str(fd, "GET /ssefill HTTP/1.1\r\n\r\n");
    assert_true(wait_for(f, &f->fill_result, -1));
    assert_true(wait_for(f, &f->nclosed, 2));
    close(fd);
}

/* ============================== quiesce and stop ========================== */

static void cmd_quiesce(fixture *f, void *arg)
{
    *(size_t *)arg = f->ops->quiesce(f->st);
}

static void cmd_answer_held(fixture *f, void *arg)
{
    (void)arg;
    lock(f);
    quire_exchange *x = f->held[0];
    f->held[0] = f->held[--f->nheld];
    unlock(f);
    f->ops->respond(x, 200, text_type, 1, "done\n", 5);
}

static void test_quiesce_and_stop(void **state)
{
    fixture *f = *state;
    int idle, busy, busy2, ws, later;
    size_t left = 0;
    resp r;

    server_start(f, "");
    idle = client(f);
    send_str(idle, "GET /echo HTTP/1.1\r\n\r\n");
    assert_int_equal(read_resp(idle, &r, 0), 0);
    resp_free(&r);
    busy = client(f);
    send_str(busy, "GET /hold HTTP/1.1\r\n\r\n");
    assert_true(wait_for(f, &f->nheld, 1));
    busy2 = client(f);
    send_str(busy2, "GET /hold HTTP/1.1\r\n\r\n");
    ws = ws_connect(f, key_example);
    assert_true(wait_for(f, &f->nheld, 2));

    on_loop(f, cmd_quiesce, &left);
    assert_int_equal(left, 3);
    assert_true(closed_by_server(idle));
    close(idle);
    later = connect_to(f);
    assert_int_equal(later, -1); /* no longer accepting */
    /* The held exchange ends: its answer says close, then it closes. */
    on_loop(f, cmd_answer_held, NULL);
    assert_int_equal(read_resp(busy, &r, 0), 0);
    assert_string_equal(r.body, "done\n");
    assert_string_equal(hdr(&r, "Connection"), "close");
    resp_free(&r);
    assert_true(closed_by_server(busy));
    close(busy);
    assert_true(open_becomes(f, 2));

    /* stop(): the WebSocket gets ws_closed(1006), the held exchange
     * closed(), and then nothing more. */
    on_loop(f, cmd_stop, NULL);
    lock(f);
    assert_int_equal(f->nws_closed, 1);
    assert_int_equal(f->ws_codes[0], 1006);
    assert_int_equal(f->nclosed, 1);
    assert_int_equal(f->nheld, 0);
    unlock(f);
    assert_true(closed_by_server(ws));
    assert_true(closed_by_server(busy2));
    ws_frame(ws, 1, 0, 1, "late", 4, 1);
    usleep(50000);
    lock(f);
    assert_int_equal(f->nws_messages, 0);
    assert_int_equal(f->nws_closed, 1);
    assert_int_equal(f->nclosed, 1);
    unlock(f);
    close(ws);
    close(busy2);
}

/* ============================== Addresses ================================= */

static void test_addresses(void **state)
{
    fixture *f = *state;
    static const char *const bad[][2] = {
        {"nonsense", "http: cannot listen on 'nonsense': expected HOST:PORT, [IPV6]:PORT or "
                     "unix:/PATH"},
        {"127.0.0.1:99999", "http: cannot listen on '127.0.0.1:99999': the port is not a number "
                            "from 0 to 65535"},
        {"300.1.1.1:80", "http: cannot listen on '300.1.1.1:80': not an IPv4 address (use "
                         "[V6]:PORT for IPv6)"},
        {"[::1]", "http: cannot listen on '[::1]': expected [IPV6]:PORT"},
        {"unix:", "http: cannot listen on 'unix:': the socket path is empty or too long"},
    };
    char path[400], addr[420];
    quire_error err = {0};
    resp r;
    int fd;

    server_start(f, "");
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        assert_int_equal(f->ops->listen(f->st, bad[i][0], &err), QUIRE_ERR);
        assert_string_equal(err.msg, bad[i][1]);
    }
    assert_int_equal(f->ops->listen(f->st, "[::1]:8080", &err), QUIRE_OK);
    assert_int_equal(f->ops->listen(f->st, "localhost:0", &err), QUIRE_OK);
    assert_int_equal(f->ops->listen(f->st, "*:8080", &err), QUIRE_OK);
    server_close(f);

    /* unix: a stale socket file (nothing answers) is replaced. */
    snprintf(path, sizeof(path), "%s/q.sock", f->dir);
    {
        struct sockaddr_un un = {.sun_family = AF_UNIX};
        int s = socket(AF_UNIX, SOCK_STREAM, 0);
        assert_true(strlen(path) < sizeof(un.sun_path));
        memcpy(un.sun_path, path, strlen(path) + 1);
        assert_int_equal(bind(s, (struct sockaddr *)&un, sizeof(un)), 0);
        close(s); /* the file stays, nobody listens */
    }
    snprintf(addr, sizeof(addr), "unix:%s", path);
    assert_int_equal(server_open(f, "", addr, &err), QUIRE_OK);
    fd = client(f);
    send_str(fd, "GET /echo HTTP/1.1\r\n\r\n");
    assert_int_equal(read_resp(fd, &r, 0), 0);
    assert_int_equal(r.status, 200);
    resp_free(&r);
    close(fd);
    {
        /* A second server on the live socket is refused. */
        fixture *g = calloc(1, sizeof(*g));
        memcpy(g->dir, f->dir, sizeof(g->dir));
        snprintf(g->conf, sizeof(g->conf), "%s/quire2.conf", f->dir);
        pthread_mutex_init(&g->mu, NULL);
        pthread_cond_init(&g->cv, NULL);
        assert_int_equal(server_open(g, "", addr, &err), QUIRE_ERR);
        char msg[600];
        snprintf(msg, sizeof(msg),
                 "http: cannot listen on '%s': another server answers on that socket", addr);
        assert_string_equal(err.msg, msg);
        server_close(g);
        pthread_mutex_destroy(&g->mu);
        pthread_cond_destroy(&g->cv);
        free(g);
    }
    server_close(f);
    assert_int_equal(access(addr + 5, F_OK), -1); /* stop() removed the file */
}

static void test_port0_log_line(void **state)
{
    fixture *f = *state;
    char logpath[400], line[512], expect[128];
    quire_error err = {0};
    int saved, logfd, port = 0;
    FILE *lf;
    resp r;

    snprintf(logpath, sizeof(logpath), "%s/stderr.log", f->dir);
    fflush(stderr);
    saved = dup(2);
    logfd = open(logpath, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    dup2(logfd, 2);
    close(logfd);
    assert_int_equal(server_open(f, "#info\n", "127.0.0.1:0", &err), QUIRE_OK);
    fflush(stderr);
    dup2(saved, 2);
    close(saved);
    lf = fopen(logpath, "r");
    assert_non_null(lf);
    while (fgets(line, sizeof(line), lf) != NULL) {
        const char *p = strstr(line, "http: listening on 127.0.0.1:");
        if (p != NULL)
            port = atoi(p + strlen("http: listening on 127.0.0.1:"));
    }
    fclose(lf);
    assert_true(port > 0);
    snprintf(f->address, sizeof(f->address), "127.0.0.1:%d", port);
    snprintf(expect, sizeof(expect), "GET /echo HTTP/1.1\r\nHost: 127.0.0.1:%d\r\n\r\n", port);
    exchange1(f, expect, &r);
    assert_int_equal(r.status, 200);
    resp_free(&r);
}

/* ============================== Configuration errors ====================== */

/* Loads http.so with `section` as [transport.http] and expects its init
 * to fail with a diagnostic containing `want`. */
static void expect_init_error(fixture *f, const char *section, const char *want)
{
    const char *build = getenv("QUIRE_BUILD");
    char plugdir[4096], rel[4096];
    diag d = {0};
    kernel *k = NULL;
    int code, found = 0;
    FILE *cf;

    snprintf(rel, sizeof(rel), "%s/plugins", build ? build : "build");
    assert_non_null(realpath(rel, plugdir));
    cf = fopen(f->conf, "w");
    assert_non_null(cf);
    fprintf(cf,
            "[kernel]\nplugin_dir = %s\nplugins = http\nlog_level = error\nstrict = no\n"
            "plugin_probe = no\n\n[transport.http]\n%s",
            plugdir, section);
    fclose(cf);
    assert_int_equal(kernel_open(f->conf, &k, &d), QUIRE_OK);
    kernel_load_plugins(k, &d, &code);
    assert_null(kernel_find_plugin(k, QUIRE_KIND_TRANSPORT, "http")); /* failed */
    for (size_t i = 0; i < d.count; i++)
        if (strstr(d.items[i].text, want) != NULL)
            found = 1;
    if (!found)
        fail_msg("no diagnostic containing: %s", want);
    diag_clear(&d);
    kernel_close(k);
}

static void test_config_errors(void **state)
{
    fixture *f = *state;
    char want[1024];

    snprintf(want, sizeof(want),
             "init failed: %s:9: static_prefix 'ui/' must start and end with '/'", f->conf);
    expect_init_error(f, "static_prefix = ui/\n", want);
    snprintf(want, sizeof(want), "init failed: %s:9: static_root '%s/nowhere' is not a directory",
             f->conf, f->dir);
    expect_init_error(f, "static_root = nowhere\n", want);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_echo_and_keepalive, setup, teardown),
        cmocka_unit_test_setup_teardown(test_pipelining_in_order, setup, teardown),
        cmocka_unit_test_setup_teardown(test_http10, setup, teardown),
        cmocka_unit_test_setup_teardown(test_chunked_body_head_continue, setup, teardown),
        cmocka_unit_test_setup_teardown(test_gzip, setup, teardown),
        cmocka_unit_test_setup_teardown(test_stream_chunked, setup, teardown),
        cmocka_unit_test_setup_teardown(test_limits, setup, teardown),
        cmocka_unit_test_setup_teardown(test_timeouts, setup, teardown),
        cmocka_unit_test_setup_teardown(test_max_connections, setup, teardown),
        cmocka_unit_test_setup_teardown(test_static_files, setup, teardown),
        cmocka_unit_test_setup_teardown(test_ws_handshake, setup, teardown),
        cmocka_unit_test_setup_teardown(test_ws_echo_fragments_ping, setup, teardown),
        cmocka_unit_test_setup_teardown(test_ws_protocol_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_ws_close_handshake, setup, teardown),
        cmocka_unit_test_setup_teardown(test_ws_send_queue_bound, setup, teardown),
        cmocka_unit_test_setup_teardown(test_ws_ping, setup, teardown),
        cmocka_unit_test_setup_teardown(test_client_drop_and_stream_bound, setup, teardown),
        cmocka_unit_test_setup_teardown(test_quiesce_and_stop, setup, teardown),
        cmocka_unit_test_setup_teardown(test_addresses, setup, teardown),
        cmocka_unit_test_setup_teardown(test_port0_log_line, setup, teardown),
        cmocka_unit_test_setup_teardown(test_config_errors, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
