#!/usr/bin/env python3
"""test_sessions.py - sessions in Redis, resumed on any node.

Two nodes share one redis-server. A client creates a session on node A,
follows a running job's events there with ?session=, goes away, and
follows the same job on node B with the same session and no Last-Event-ID:
B must start right after the last event A sent, so the two streams
together are the job's whole event list, each event once. Sessions belong
to the token that created them; they expire after session_ttl.
"""

import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness as h  # noqa: E402

tap = h.Tap()
ALICE = "alice-token-0123456789"
BOB = "bob-token-0123456789ab"
ADMIN = "admin-token-0123456789"


def event_ids(events):
    return [e.get("id") for e in events]


def main():
    if not os.access(h.QUIRE, os.X_OK):
        tap.ok(False, "the quire binary is built", h.QUIRE)
        return tap.finish()
    base = h.scratch_dir("qs-sess-")
    redis = h.RedisServer(os.path.join(base, "redis")).start()
    reports = os.path.join(base, "reports")
    os.makedirs(reports)
    data_csv = h.gen_sales(20000, os.path.join(base, "feed.csv"))
    fifo = os.path.join(base, "slow.fifo")
    h.write_totals_report(reports, "slow", fifo, title="Slow")
    server = {"redis_url": "unix:" + redis.sock, "progress_interval": "100ms",
              "session_ttl": "3s",
              "tokens": ["alice:editor:" + ALICE, "bob:editor:" + BOB, "root:admin:" + ADMIN]}
    kernel = {"report_dirs": [reports]}
    a = h.Node("sa", base=os.path.join(base, "a"), server=dict(server, node_id="sess-a"),
               kernel=kernel)
    b = h.Node("sb", base=os.path.join(base, "b"), server=dict(server, node_id="sess-b"),
               kernel=kernel)
    feeder = None
    try:
        a.start()
        b.start()

        r = a.post("/v1/sessions", token=ALICE)
        sid = (r.json() or {}).get("id", "")
        tap.ok(r.status == 201 and len(sid) == 32 and r.json().get("ttl_ms") == 3000,
               "POST /v1/sessions on node A: 201 with a 32-digit id and the ttl", r)
        r = b.get("/v1/sessions/" + sid, token=ALICE)
        tap.ok(r.status == 200 and r.json().get("owner") == "alice" and
               r.json().get("subscriptions") == {},
               "node B reads the session node A created", r)
        r = b.get("/v1/sessions/" + sid, token=BOB)
        tap.eq(r.status, 404, "another token's caller does not see it", r)
        r = b.req("DELETE", "/v1/sessions/" + sid, token=BOB)
        tap.eq(r.status, 404, "nor can it delete it", r)
        r = b.get("/v1/sessions/" + sid, token=ADMIN)
        tap.eq(r.status, 200, "an admin sees every session", r)
        r = a.get("/v1/sessions/not-a-session-id", token=ALICE)
        tap.eq(r.status, 404, "a malformed session id is 404", r)

        # A job that runs for a few seconds: 20000 rows fed at 4000 rows/s.
        feeder = h.FifoFeeder(fifo, data_csv, rows_per_tick=200, tick=0.05, max_seconds=40)
        r = a.post("/v1/jobs", {"report": "slow", "format": "csv", "params": {"tag": 1}},
                   token=ALICE)
        jid = (r.json() or {}).get("id")
        tap.eq(r.status, 201, "a slow job is created", r)

        sse = a.sse("/v1/jobs/%s/events?session=%s" % (jid, sid), token=ALICE, timeout=20)
        first = sse.events(max_events=3, timeout=20)
        sse.close()
        tap.eq(len(first), 3, "node A streams the first events", first)

        # The session holds the last event A sent (A may have sent more than
        # the client read before it went away).
        def recorded():
            s = b.get("/v1/sessions/" + sid, token=ALICE).json() or {}
            return (s.get("subscriptions") or {}).get(jid)

        h.wait_until(lambda: recorded() is not None, 5)
        pos = recorded()
        tap.ok(pos is not None and pos >= first[-1].get("id", ""),
               "the session records A's position in the job's events (%s)" % pos, pos,
               first[-1] if first else None)

        sse = b.sse("/v1/jobs/%s/events?session=%s" % (jid, sid), token=ALICE, timeout=30)
        second = sse.events(max_events=10000, timeout=30)
        sse.close()
        a.token = ALICE
        final = a.wait_job(jid, timeout=30)
        whole = (a.get("/v1/jobs/%s/events" % jid, token=ALICE).json() or {}).get("events", [])
        ids = [e["id"] for e in whole]
        second_ids = event_ids(second)
        if pos in ids:
            expect = ids[ids.index(pos) + 1:]
        else:
            expect = None
        tap.eq(second_ids, expect,
               "node B resumes right after the recorded event, to the end, each event once",
               "recorded %s" % pos)
        tap.ok(bool(second) and "succeeded" in (second[-1].get("data") or ""),
               "the resumed stream ends with the final state", second[-1:] if second else None,
               final)

        r = a.req("DELETE", "/v1/sessions/" + sid, token=ALICE)
        tap.eq(r.status, 204, "DELETE /v1/sessions/ID by its owner: 204", r)
        r = b.get("/v1/sessions/" + sid, token=ALICE)
        tap.eq(r.status, 404, "the deleted session is gone on every node", r)

        r = a.post("/v1/sessions", token=BOB)
        sid2 = (r.json() or {}).get("id", "")
        # Every read of a session keeps it alive, so it is left alone for
        # longer than session_ttl (3 s) before it is looked at.
        time.sleep(4.0)
        r = b.get("/v1/sessions/" + sid2, token=BOB)
        tap.eq(r.status, 404, "a session left unused for longer than session_ttl is gone", r)
        r = b.get("/v1/jobs/%s/events?session=%s" % (jid, sid2), token=BOB,
                  headers={"Accept": "text/event-stream"})
        tap.eq(r.status, 404, "an expired session cannot resume a stream", r)

        for n in (a, b):
            rc = n.stop(timeout=20)
            tap.eq(rc, 0, "node %s stops with 0 on SIGTERM" % n.name, n.diag())
            tap.ok("==ERROR" not in n.log() and "runtime error" not in n.log(),
                   "no sanitizer report in node %s's log" % n.name)
            tap.ok(ALICE not in n.log() and BOB not in n.log(),
                   "no token in node %s's log" % n.name)
    except Exception:
        import traceback
        tap.ok(False, "test_sessions ran to the end", traceback.format_exc(), a.diag(), b.diag())
    finally:
        if feeder is not None:
            feeder.stop()
        for n in (a, b):
            if n.alive():
                n.stop(timeout=10)
        redis.stop()
    return tap.finish()


if __name__ == "__main__":
    sys.exit(main())
