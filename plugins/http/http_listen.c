/*
 * http_listen.c - where the transport listens: parsing "HOST:PORT" (IPv4),
 * "[V6]:PORT" and "unix:/path", binding a non-blocking socket
 * (SO_REUSEADDR; a stale unix socket file is removed only if nothing
 * answers on it), accepting with accept4, TCP_NODELAY, and the
 * max_connections limit (one over it is accepted, answered 503, closed).
 */
#define _GNU_SOURCE /* accept4 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "http.h"

/* Connections answered 503 at once; more than this are closed unanswered. */
#define MAX_REJECTING 64

typedef struct addr {
    struct sockaddr_storage ss;
    socklen_t len;
    int is_unix;
} addr;

static int bad(const quire_host *host, quire_error *err, const char *address, const char *why)
{
    host->error_set(err, QUIRE_E_CONFIG, "http: cannot listen on '%s': %s", address, why);
    return -1;
}

static int parse_port(const char *s, in_port_t *port)
{
    char *end;
    long v;

    if (*s < '0' || *s > '9')
        return -1;
    v = strtol(s, &end, 10);
    if (*end != '\0' || v < 0 || v > 65535)
        return -1;
    *port = htons((uint16_t)v);
    return 0;
}

static int parse_addr(const quire_host *host, const char *address, addr *a, quire_error *err)
{
    memset(a, 0, sizeof(*a));
    if (strncmp(address, "unix:", 5) == 0) {
        struct sockaddr_un *un = (struct sockaddr_un *)&a->ss;
        const char *path = address + 5;
        if (*path == '\0' || strlen(path) >= sizeof(un->sun_path))
            return bad(host, err, address, "the socket path is empty or too long");
        un->sun_family = AF_UNIX;
        memcpy(un->sun_path, path, strlen(path) + 1);
        a->len = (socklen_t)sizeof(*un);
        a->is_unix = 1;
        return 0;
    }
    if (address[0] == '[') {
        struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&a->ss;
        const char *close = strchr(address, ']');
        char host6[64];
        if (close == NULL || close[1] != ':' || (size_t)(close - address - 1) >= sizeof(host6))
            return bad(host, err, address, "expected [IPV6]:PORT");
        memcpy(host6, address + 1, (size_t)(close - address - 1));
        host6[close - address - 1] = '\0';
        in6->sin6_family = AF_INET6;
        if (inet_pton(AF_INET6, host6, &in6->sin6_addr) != 1)
            return bad(host, err, address, "not an IPv6 address");
        if (parse_port(close + 2, &in6->sin6_port) != 0)
            return bad(host, err, address, "the port is not a number from 0 to 65535");
        a->len = (socklen_t)sizeof(*in6);
        return 0;
    } else {
        struct sockaddr_in *in4 = (struct sockaddr_in *)&a->ss;
        const char *colon = strrchr(address, ':');
        char host4[64];
        if (colon == NULL || (size_t)(colon - address) >= sizeof(host4))
            return bad(host, err, address, "expected HOST:PORT, [IPV6]:PORT or unix:/PATH");
        memcpy(host4, address, (size_t)(colon - address));
        host4[colon - address] = '\0';
        in4->sin_family = AF_INET;
        if (strcmp(host4, "localhost") == 0)
            snprintf(host4, sizeof(host4), "127.0.0.1");
        else if (host4[0] == '\0' || strcmp(host4, "*") == 0)
            snprintf(host4, sizeof(host4), "0.0.0.0");
        if (inet_pton(AF_INET, host4, &in4->sin_addr) != 1)
            return bad(host, err, address, "not an IPv4 address (use [V6]:PORT for IPv6)");
        if (parse_port(colon + 1, &in4->sin_port) != 0)
            return bad(host, err, address, "the port is not a number from 0 to 65535");
        a->len = (socklen_t)sizeof(*in4);
        return 0;
    }
}

int http_listen_check(const quire_host *host, const char *address, quire_error *err)
{
    addr a;
    return parse_addr(host, address, &a, err);
}

/* Text of a socket address: "127.0.0.1:8080", "[::1]:8080". */
static void addr_text(const struct sockaddr *sa, char *out, size_t cap)
{
    char ip[INET6_ADDRSTRLEN];

    if (sa->sa_family == AF_INET) {
        const struct sockaddr_in *in4 = (const struct sockaddr_in *)sa;
        inet_ntop(AF_INET, &in4->sin_addr, ip, sizeof(ip));
        snprintf(out, cap, "%s:%u", ip, ntohs(in4->sin_port));
    } else if (sa->sa_family == AF_INET6) {
        const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)sa;
        inet_ntop(AF_INET6, &in6->sin6_addr, ip, sizeof(ip));
        snprintf(out, cap, "[%s]:%u", ip, ntohs(in6->sin6_port));
    } else {
        snprintf(out, cap, "unix");
    }
}

/* ============================== Accepting ================================= */

static void on_accept(struct ev_loop *loop, ev_io *w, int revents)
{
    http_server *srv = w->data;

    (void)loop;
    (void)revents;
    for (int rounds = 0; rounds < 64; rounds++) {
        struct sockaddr_storage ss;
        socklen_t len = sizeof(ss);
        char remote[64];
        int fd = accept4(srv->lfd, (struct sockaddr *)&ss, &len, SOCK_NONBLOCK | SOCK_CLOEXEC);
        int one = 1, reject;

        if (fd < 0) {
            if (errno == EINTR || errno == ECONNABORTED)
                continue;
            if (errno != EAGAIN && errno != EWOULDBLOCK) {
                /* Out of descriptors or memory: the socket stays readable,
                 * so pause accepting instead of spinning. */
                srv->host->log(srv->self, QUIRE_LOG_WARN,
                               "accept failed: %s; pausing new connections for 100 ms",
                               strerror(errno));
                ev_io_stop(srv->loop, &srv->lio);
                ev_timer_set(&srv->accept_pause, 0.1, 0.0);
                ev_timer_start(srv->loop, &srv->accept_pause);
            }
            break;
        }
        if (ss.ss_family != AF_UNIX)
            setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
        addr_text((struct sockaddr *)&ss, remote, sizeof(remote));
        reject = srv->nconns >= srv->cfg.max_connections;
        if (reject && srv->nreject >= MAX_REJECTING) {
            close(fd);
            continue;
        }
        http_conn_new(srv, fd, remote, reject);
    }
}

static void on_accept_pause(struct ev_loop *loop, ev_timer *w, int revents)
{
    http_server *srv = w->data;

    (void)revents;
    if (srv->lfd >= 0)
        ev_io_start(loop, &srv->lio);
}

/* A unix socket file left by a dead server is removed; one a live server
 * answers on, or a file that is not a socket, is refused. */
static int clear_unix_path(http_server *srv, const addr *a, quire_error *err)
{
    const struct sockaddr_un *un = (const struct sockaddr_un *)&a->ss;
    struct stat st;
    int fd, rc;

    if (lstat(un->sun_path, &st) != 0)
        return 0;
    if (!S_ISSOCK(st.st_mode))
        return bad(srv->host, err, srv->address, "the path exists and is not a socket");
    fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return bad(srv->host, err, srv->address, strerror(errno));
    rc = connect(fd, (const struct sockaddr *)&a->ss, a->len);
    close(fd);
    if (rc == 0)
        return bad(srv->host, err, srv->address, "another server answers on that socket");
    unlink(un->sun_path);
    return 0;
}

int http_listen_start(http_server *srv, quire_error *err)
{
    const quire_host *host = srv->host;
    struct sockaddr_storage bound;
    socklen_t blen = sizeof(bound);
    char text[128];
    addr a;
    int fd, one = 1;

    if (parse_addr(host, srv->address, &a, err) != 0)
        return -1;
    if (a.is_unix && clear_unix_path(srv, &a, err) != 0)
        return -1;
    fd = socket(a.ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return bad(host, err, srv->address, strerror(errno));
    if (!a.is_unix)
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    if (bind(fd, (struct sockaddr *)&a.ss, a.len) != 0 || listen(fd, 511) != 0) {
        int e = errno;
        close(fd);
        return bad(host, err, srv->address, strerror(e));
    }
    if (a.is_unix) {
        srv->unix_path = host->strdup(srv->address + 5);
        snprintf(text, sizeof(text), "%s", srv->address);
    } else {
        getsockname(fd, (struct sockaddr *)&bound, &blen);
        addr_text((struct sockaddr *)&bound, text, sizeof(text));
    }
    srv->lfd = fd;
    ev_io_init(&srv->lio, on_accept, fd, EV_READ);
    srv->lio.data = srv;
    ev_init(&srv->accept_pause, on_accept_pause);
    srv->accept_pause.data = srv;
    ev_io_start(srv->loop, &srv->lio);
    host->log(srv->self, QUIRE_LOG_INFO, "listening on %s", text);
    return 0;
}

void http_listen_stop(http_server *srv)
{
    if (srv->lfd >= 0) {
        ev_timer_stop(srv->loop, &srv->accept_pause);
        ev_io_stop(srv->loop, &srv->lio);
        close(srv->lfd);
        srv->lfd = -1;
    }
}
