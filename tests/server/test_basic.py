"""test_basic.py - one node with no redis_url: its private redis-server
starts with it and is gone after it stops (SIGTERM and kill -9), /healthz and
/readyz answer, and refused configurations exit 3 with the reason.
"""

import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness as h  # noqa: E402

tap = h.Tap()


def redis_dir_of(node):
    # The private redis-server's directory by default: TEMP_DIR/quire-redis-PORT,
    # PORT from the configured listen address ("0" for 127.0.0.1:0).
    return os.path.join(node.tmp, "quire-redis-" + node.listen.rsplit(":", 1)[1])


def check_start_and_sigterm():
    node = h.Node("basic", server={"node_id": "basic-1", "drain_timeout": "5s"})
    node.start()
    rdir = redis_dir_of(node)
    sock = os.path.join(rdir, "redis.sock")
    log = node.log()
    tap.ok("serve: started a private redis-server in %s" % rdir in log,
           "the log names the private redis-server's directory", log[-2000:])
    tap.ok(os.path.exists(sock), "the private redis-server's socket %s exists" % sock)
    pids = h.find_procs(sock)
    tap.eq(len(pids), 1, "one redis-server process runs with that socket", pids)
    pong = None
    try:
        c = h.RedisClient(sock)
        pong = c.cmd("PING")
        aof = c.cmd("CONFIG", "GET", "appendonly")
        c.close()
    except OSError as e:
        aof = e
    tap.eq(pong, "PONG", "the private redis-server answers PING on its socket")
    tap.eq(aof, [b"appendonly", b"yes"], "the private redis-server keeps an AOF")

    r = node.get("/healthz")
    body = r.json() or {}
    tap.eq(r.status, 200, "/healthz answers 200", r)
    tap.ok((r.header("content-type") or "").startswith("application/json"),
           "/healthz is JSON", r.headers)
    tap.eq((body.get("status"), body.get("node")), ("ok", "basic-1"),
           "/healthz says ok and the configured node_id", r.body)

    # The node makes its job queue's consumer group once Redis is up.
    r = h.wait_until(lambda: node.get("/readyz").status == 200 and node.get("/readyz"), 10)
    body = r.json() if r else {}
    tap.ok(r and r.status == 200, "/readyz answers 200 once Redis is connected",
           node.log()[-2000:])
    tap.eq((body or {}).get("status"), "ready", "/readyz says ready", r)
    tap.eq((body or {}).get("redis"), "connected", "/readyz says redis connected", r)

    def group_made():
        c = h.RedisClient(sock)
        try:
            g = c.cmd("XINFO", "GROUPS", "quire:{jobs}:queue")
            return isinstance(g, list) and any(b"render" in x for x in g if isinstance(x, list))
        finally:
            c.close()
    tap.ok(h.wait_until(group_made, 10),
           "the private Redis holds the queue quire:{jobs}:queue with the group 'render'")

    t0 = time.monotonic()
    rc = node.stop(timeout=20)
    took = time.monotonic() - t0
    tap.eq(rc, 0, "SIGTERM: the node exits 0", node.log()[-2000:])
    tap.ok(took < 15, "SIGTERM: the node exits within 15 s (took %.2f s)" % took)
    gone = h.wait_until(lambda: not any(h.pid_alive(p) for p in pids), 5)
    tap.ok(gone, "after SIGTERM the private redis-server process is gone", pids)
    tap.ok(not os.path.exists(sock), "after SIGTERM the socket %s is removed" % sock)
    tap.ok("serve: private redis-server stopped" in node.log(),
           "the log says the private redis-server stopped", node.log()[-1500:])
    tap.ok(os.path.exists(os.path.join(rdir, "appendonlydir")) or
           any(n.startswith("appendonly") for n in os.listdir(rdir)),
           "the private Redis data (AOF) stays in its directory", os.listdir(rdir))
    return node


def check_restart_same_dir(node):
    # The same node started again on the same directory finds no stale
    # socket problem and serves again.
    node.start()
    r = node.get("/healthz")
    tap.eq(r.status, 200, "a node restarted on the same redis directory serves again", r)
    rdir = redis_dir_of(node)
    sock = os.path.join(rdir, "redis.sock")
    pids = h.find_procs(sock)
    tap.eq(len(pids), 1, "the restarted node has one private redis-server", pids)

    # kill -9 of the node: the kernel sends the redis-server SIGTERM
    # (parent-death signal), so no orphan stays.
    node.kill9()
    gone = h.wait_until(lambda: not any(h.pid_alive(p) for p in pids), 10)
    tap.ok(gone, "after kill -9 of the node its private redis-server exits too", pids)


def check_config_errors():
    cases = [
        ("a token entry without a role",
         {"tokens": "alice:0123456789abcdef"}, None,
         "error: [server] tokens: entry 1 is not NAME:ROLE:TOKEN (it has one colon)"),
        ("a token entry with an unknown role",
         {"tokens": "alice:boss:0123456789abcdef"}, None,
         "error: [server] tokens: entry 1 (alice): role 'boss' is not admin, editor or viewer"),
        ("a token shorter than 16 characters",
         {"tokens": "ok:viewer:0123456789abcdef bob:admin:short"}, None,
         "error: [server] tokens: entry 2 (bob): the token has 5 characters, at least 16 are "
         "needed"),
        ("two entries with the same token",
         {"tokens": "a:viewer:0123456789abcdef b:admin:0123456789abcdef"}, None,
         "error: [server] tokens: entries 1 (a) and 2 (b) have the same token"),
        ("a non-loopback listen address without tokens",
         {}, "0.0.0.0:0",
         "error: [server] tokens is empty and listen = 0.0.0.0:0 is not a loopback address: set "
         "tokens (NAME:ROLE:TOKEN) or listen on 127.0.0.1 or a unix socket"),
        ("a node id with a blank",
         {"node_id": "node one"}, None,
         "error: [server] node_id 'node one': use at most 200 letters, digits, '.', '_' and '-'"),
        ("a Redis URL with a bad port",
         {"redis_url": "redis://127.0.0.1:99999"}, None,
         "error: [server] redis_url: port 99999 is out of range"),
    ]
    for what, server, listen, msg in cases:
        node = h.Node("cfg", server=server, listen=listen or "127.0.0.1:0")
        rc, log = node.run_to_exit(timeout=20)
        tap.eq(rc, 3, "%s: exit 3" % what, log[-1500:])
        lines = log.splitlines()
        tap.ok(msg in lines, "%s: the message names it" % what, "want the line: " + msg,
               "log:", log[-1500:])
        tap.ok("listening on" not in log, "%s: nothing listens" % what)
        tap.eq(h.find_procs(node.tmp), [], "%s: no redis-server was started" % what)


def main():
    if not os.access(h.QUIRE, os.X_OK):
        tap.ok(False, "the quire binary is built", h.QUIRE)
        return tap.finish()
    try:
        node = check_start_and_sigterm()
        check_restart_same_dir(node)
        check_config_errors()
    except Exception:  # a harness failure is a failed check, not a crash
        import traceback
        tap.ok(False, "test_basic ran to the end", traceback.format_exc())
    return tap.finish()


if __name__ == "__main__":
    sys.exit(main())
