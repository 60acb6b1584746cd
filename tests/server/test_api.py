"""test_api.py - every endpoint of the REST API on one node with a Redis
started here: the report catalog, synchronous renders (CSV totals summed
here from the CSV; PDF pages), jobs (create, get, list, output, events as
JSON, Server-Sent Events and WebSocket), pause/resume/cancel on jobs that
read a named pipe this test feeds slowly, admin (plugins, reload, SIGHUP),
/metrics, WebSocket protocol errors, and bad requests (4xx with a JSON
message, and the node keeps serving after each).
"""

import csv
import io
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from decimal import Decimal

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness as h  # noqa: E402

tap = h.Tap()
SUCCEEDED = []  # ids of the jobs that succeeded on the node, for /metrics
FINAL = ("succeeded", "failed", "canceled")


def still_serving(node, after):
    r = node.get("/healthz", timeout=10)
    tap.eq(r.status, 200, "after %s the node still serves /healthz" % after, r)


def error_of(r):
    j = r.json() or {}
    e = j.get("error") or {}
    return e.get("status"), e.get("code"), e.get("message") or ""


def expect_error(node, r, status, what, msg_has=()):
    st, code, msg = error_of(r)
    tap.eq(r.status, status, "%s: %d" % (what, status), r)
    tap.ok(st == status and code and msg and all(m in msg for m in msg_has),
           "%s: a JSON error with the status and a message%s" %
           (what, (" naming " + ", ".join(repr(m) for m in msg_has)) if msg_has else ""),
           r.body[:1000])
    still_serving(node, what)


# ============================== Catalog and sync renders ======================


def report_title(path):
    with open(path) as f:
        m = re.search(r'^report \{.*?^\s*title = "([^"]*)"', f.read(), re.S | re.M)
    return m.group(1) if m else None


def check_catalog(node):
    r = node.get("/v1/reports")
    tap.eq(r.status, 200, "GET /v1/reports: 200", r)
    reports = {x.get("name"): x for x in (r.json() or {}).get("reports", [])}
    for name in ("sales", "charts", "region_summary"):
        want = report_title(os.path.join(h.EXAMPLES, name + ".quire"))
        tap.eq((reports.get(name) or {}).get("title"), want,
               "GET /v1/reports lists %s with its title" % name, sorted(reports))

    r = node.get("/v1/reports/sales")
    d = r.json() or {}
    tap.eq(r.status, 200, "GET /v1/reports/sales: 200", r)
    tap.eq(d.get("parameters"), [], "sales has no parameters", d.get("parameters"))
    tap.eq([(s.get("name"), s.get("plugin"), s.get("path")) for s in d.get("sources", [])],
           [("sales", "csv", "data/sales.csv")], "sales: its one source, as the file says")
    fmts = {f.get("name"): f for f in d.get("formats", [])}
    tap.ok({"csv", "pdf", "html"} <= set(fmts), "sales: formats include csv, pdf, html",
           sorted(fmts))
    tap.eq((fmts.get("pdf") or {}).get("mime_type"), "application/pdf", "pdf's media type")
    tap.eq(((fmts.get("pdf") or {}).get("data"), (fmts.get("csv") or {}).get("data")),
           (False, True), "csv is a data format, pdf is not")

    r = node.get("/v1/reports/region_summary")
    ps = (r.json() or {}).get("parameters", [])
    tap.eq([(p.get("name"), p.get("type"), p.get("default"), p.get("required"), p.get("label"))
            for p in ps], [("year", "int", "2023", False, "Year")],
           "region_summary: its parameter year (int, default 2023, label Year)", r.body[:500])


def parse_sales_csv(data):
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8"))))
    details = [r for r in rows if r["order_id"]]
    return rows, details


def check_sync_renders(node, totals):
    n, total, by = totals
    r = node.post("/v1/reports/sales/render", {"format": "csv"}, timeout=60)
    tap.eq(r.status, 200, "POST /v1/reports/sales/render csv: 200", r)
    tap.ok((r.header("content-type") or "").startswith("text/csv"),
           "the csv render's media type is text/csv", r.headers)
    rows, details = parse_sales_csv(r.body) if r.status == 200 else ([], [])
    tap.eq(len(details), n, "the csv render has one detail row per order of the CSV")
    last = rows[-1] if rows else {}
    tap.eq((last.get("orders"), last.get("revenue")), (str(n), "%.2f" % total),
           "the csv render's grand total is the CSV's, summed here")
    got = {}
    for row in rows:
        if row.get("region_orders") and row.get("region_amount"):
            got[len(got)] = (int(row["region_orders"]), Decimal(row["region_amount"]))
    want_regions = sorted((c, t) for c, t in by.values())
    tap.eq(sorted(got.values()), want_regions,
           "each region's order count and revenue in the csv render are the CSV's")
    sync_csv = r.body

    r = node.post("/v1/reports/sales/render", {"format": "pdf"}, timeout=60)
    tap.eq(r.status, 200, "POST /v1/reports/sales/render pdf: 200", r)
    tap.ok(r.body[:5] == b"%PDF-", "the pdf render starts with %PDF-", r.body[:20])
    tap.eq(r.header("content-type"), "application/pdf", "the pdf render's media type")
    if shutil.which("pdfinfo"):
        p = os.path.join(node.base, "sync.pdf")
        with open(p, "wb") as f:
            f.write(r.body)
        out = subprocess.run(["pdfinfo", p], capture_output=True, text=True, timeout=30).stdout
        m = re.search(r"^Pages:\s+(\d+)", out, re.M)
        tap.ok(m and int(m.group(1)) > 1, "pdfinfo reads the pdf: more than one page", out)
    else:
        tap.skip("pdfinfo reads the pdf", "pdfinfo not installed")

    r = node.post("/v1/reports/region_summary/render",
                  {"format": "csv", "params": {"year": 2022}}, timeout=60)
    tap.eq(r.status, 200, "a render with a parameter: 200", r)
    with open(h.SALES_CSV, newline="") as f:
        want = sum(Decimal(x["amount"]) for x in csv.DictReader(f)
                   if x["order_date"].startswith("2022-"))
    rows = list(csv.DictReader(io.StringIO(r.text())))
    gt = [x.get("grand_total") for x in rows if x.get("grand_total")]
    tap.eq(gt, ["%.2f" % want], "region_summary year=2022: the grand total is 2022's, summed here")
    return sync_csv


# ============================== Jobs ========================================


def check_job(node, sync_csv, totals):
    r = node.post("/v1/jobs", {"report": "sales", "format": "csv"})
    j = r.json() or {}
    tap.eq(r.status, 201, "POST /v1/jobs: 201", r)
    jid = j.get("id")
    tap.ok(jid and j.get("state") == "queued" and j.get("url") == "/v1/jobs/%s" % jid,
           "POST /v1/jobs answers the id, state queued and its url", r.body)
    if not jid:
        return None
    info = node.wait_job(jid, timeout=60)
    if tap.eq((info or {}).get("state"), "succeeded", "the job succeeds (within 60 s)", info):
        SUCCEEDED.append(jid)
    info = info or {}
    prog = info.get("progress") or {}
    tap.eq((prog.get("rows"), prog.get("percent")), (totals[0], 100),
           "the finished job's progress: every row read, 100 percent", prog)
    tap.eq((info.get("node"), info.get("attempts"), info.get("report"), info.get("format")),
           ("api-1", 1, "sales", "csv"), "the job names its node, attempt, report and format")
    tap.ok(info.get("created_ms", 0) <= info.get("started_ms", 0) <= info.get("finished_ms", 0)
           and info.get("created_ms", 0) > 1.6e12, "created <= started <= finished (Unix ms)",
           info)
    out = node.get("/v1/jobs/%s/output" % jid)
    tap.eq(out.status, 200, "GET /v1/jobs/ID/output: 200", out)
    tap.ok(out.body == sync_csv, "the job's output is byte for byte the synchronous render's",
           "sizes %d and %d" % (len(out.body), len(sync_csv)))
    tap.eq((info.get("output") or {}).get("size"), len(out.body),
           "the job's output.size is the size served")

    r = node.get("/v1/jobs")
    ids = [x.get("id") for x in (r.json() or {}).get("jobs", [])]
    tap.ok(r.status == 200 and jid in ids, "GET /v1/jobs lists the job", ids)
    r = node.get("/v1/jobs?state=succeeded&limit=5")
    tap.ok(r.status == 200 and all(x.get("state") == "succeeded" for x in r.json()["jobs"]),
           "GET /v1/jobs?state=succeeded lists only succeeded jobs", r.body[:500])
    r = node.get("/v1/jobs?state=bogus")
    expect_error(node, r, 400, "GET /v1/jobs?state=bogus", ["bogus"])
    return jid


def check_events(node, jid):
    r = node.get("/v1/jobs/%s/events" % jid)
    evs = (r.json() or {}).get("events", [])
    tap.eq(r.status, 200, "GET /v1/jobs/ID/events (JSON): 200", r)
    states = [e["state"] for e in evs if e.get("type") == "state"]
    tap.eq(states, ["queued", "running", "succeeded"],
           "the job's state events: queued, running, succeeded", evs)
    keys = [tuple(int(x) for x in e["id"].split("-")) for e in evs]
    tap.ok(keys == sorted(keys) and len(set(keys)) == len(keys),
           "event ids are increasing stream ids", [e["id"] for e in evs])
    tap.ok(all(e.get("job") == jid and e.get("node") in ("api-1", "") for e in evs),
           "every event names the job (and the node)", evs[:3])

    sse = node.sse("/v1/jobs/%s/events" % jid)
    got = sse.events(max_events=1000, timeout=15)
    sse.close()
    tap.eq(sse.status, 200, "SSE on a finished job: 200")
    tap.eq((sse.headers.get("content-type") or "").split(";")[0], "text/event-stream",
           "SSE: content-type text/event-stream")
    tap.eq([e.get("id") for e in got], [e["id"] for e in evs],
           "SSE sends the same events, with their ids, then ends", got[:5])
    tap.ok(sse.ended, "SSE: the stream ends after the final state")
    tap.ok(all(e.get("event") == h.json.loads(e.get("data", "{}")).get("type") for e in got),
           "SSE: each event's name is its type (state/progress)", got[:3])
    if len(evs) >= 2:
        sse = node.sse("/v1/jobs/%s/events" % jid, last_event_id=evs[0]["id"])
        rest = sse.events(max_events=1000, timeout=15)
        sse.close()
        tap.eq([e.get("id") for e in rest], [e["id"] for e in evs[1:]],
               "SSE with Last-Event-ID resumes after that event")

    ws = node.ws("/v1/jobs/%s/events" % jid)
    tap.eq(ws.status, 101, "WebSocket on /v1/jobs/ID/events: 101")
    tap.ok(ws.accept_ok, "WebSocket: Sec-WebSocket-Accept is right")
    msgs = ws.messages(max_messages=1000, timeout=15)
    tap.eq([h.json.loads(m[1]).get("id") for m in msgs if m[0] == 1], [e["id"] for e in evs],
           "WebSocket: one text message per event, the same events")
    tap.eq(ws.close_code, 1000, "WebSocket: closed with 1000 after the final state")
    ws.close()


def check_live_events(node, fifo_report, fifo, data_csv):
    """SSE on a job as it runs: queued -> running -> progress... -> succeeded."""
    # 20000 rows at 8000 rows/s: 2.5 s, five batches of 4096 rows or so.
    feeder = h.FifoFeeder(fifo, data_csv, rows_per_tick=400, tick=0.05, max_seconds=40,
                          max_rows=20000)
    try:
        r = node.post("/v1/jobs", {"report": fifo_report, "format": "csv", "params": {"tag": 5}})
        jid = (r.json() or {}).get("id")
        tap.eq(r.status, 201, "a slow job is created", r)
        sse = node.sse("/v1/jobs/%s/events" % jid, timeout=30)
        got = sse.events(max_events=5000, timeout=40)
        sse.close()
        seq = [(e.get("event"), h.json.loads(e.get("data", "{}"))) for e in got]
        states = [d.get("state") for ev, d in seq if ev == "state"]
        if tap.eq(states, ["queued", "running", "succeeded"],
                  "live SSE: the state events in order", states):
            SUCCEEDED.append(jid)
        kinds = [ev for ev, _ in seq]
        first_run = kinds.index("state", 1) if kinds.count("state") > 1 else 0
        progress = [d for ev, d in seq if ev == "progress"]
        tap.ok(len(progress) >= 2 and kinds[0] == "state" and
               all(k == "progress" for k in kinds[first_run + 1:-1]),
               "live SSE: progress events between running and succeeded (%d)" % len(progress),
               kinds)
        ts = [d.get("ts_ms", 0) for _, d in seq]
        tap.note("live SSE: %d progress events over %.2f s of running, rows %s" % (
            len(progress), (ts[-1] - ts[1]) / 1000.0 if len(ts) > 1 else 0,
            [d.get("rows") for d in progress]))
        rows = [d.get("rows", 0) for d in progress]
        tap.ok(rows == sorted(rows) and rows and rows[-1] <= 20000,
               "live SSE: progress rows never go back", rows)
        out = node.get("/v1/jobs/%s/output" % jid)
        lines = out.text().strip().splitlines()
        _, total, _ = h.csv_totals(data_csv, 20000)
        tap.eq([x.split(",")[:3] for x in lines[1:]], [["5", "20000", "%.2f" % total]],
               "the slow job's output: tag 5, 20000 rows and their sum (summed here)", lines)
    finally:
        feeder.stop()


def wait_state(node, jid, state, timeout=15):
    return node.wait_job(jid, timeout=timeout, states=(state,) + FINAL)


def check_pause_resume_cancel(node, fifo_report, fifo, data_csv):
    # 24000 rows at 20000 rows/s: a batch (about 4096 rows) fills in 0.2 s.
    feeder = h.FifoFeeder(fifo, data_csv, rows_per_tick=1000, tick=0.05, max_seconds=60,
                          max_rows=24000)
    try:
        r = node.post("/v1/jobs", {"report": fifo_report, "format": "csv", "params": {"tag": 1}})
        jid = (r.json() or {}).get("id")
        running = h.wait_until(
            lambda: (node.get("/v1/jobs/" + jid).json() or {}).get("progress", {}).get("rows", 0)
            > 0, 20)
        tap.ok(running, "the slow job runs and reports rows")
        r = node.post("/v1/jobs/%s/pause" % jid)
        tap.eq((r.status, (r.json() or {}).get("id")), (200, jid), "POST pause: 200", r)
        info = wait_state(node, jid, "paused")
        tap.eq((info or {}).get("state"), "paused", "the job is paused", info)
        time.sleep(1.0)  # the batch under way when pause came ends (0.2 s) and is published
        r1 = node.get("/v1/jobs/" + jid).json()["progress"]["rows"]
        time.sleep(1.2)
        info = node.get("/v1/jobs/" + jid).json()
        r2 = info["progress"]["rows"]
        tap.ok(r1 == r2 and info["state"] == "paused" and r2 < 24000,
               "while paused no rows are read (%d then %d after 1.2 s)" % (r1, r2), info)
        r = node.post("/v1/jobs/%s/pause" % jid)
        tap.eq(r.status, 200, "pausing a paused job is not an error", r)
        r = node.post("/v1/jobs/%s/resume" % jid)
        tap.eq(r.status, 200, "POST resume: 200", r)
        moved = h.wait_until(
            lambda: node.get("/v1/jobs/" + jid).json()["progress"]["rows"] > r2, 10)
        tap.ok(moved, "after resume rows are read again")
        info = node.wait_job(jid, timeout=60)
        if tap.eq((info or {}).get("state"), "succeeded", "the resumed job succeeds", info):
            SUCCEEDED.append(jid)
        out = node.get("/v1/jobs/%s/output" % jid).text().strip().splitlines()
        _, total, _ = h.csv_totals(data_csv, 24000)
        tap.ok(len(out) == 2 and out[1].startswith("1,24000,%.2f," % total),
               "the paused and resumed job's output counts every row once", out)
        evs = node.get("/v1/jobs/%s/events" % jid).json()["events"]
        states = [e["state"] for e in evs if e["type"] == "state"]
        tap.eq(states, ["queued", "running", "paused", "running", "succeeded"],
               "its state events: queued, running, paused, running, succeeded")
        r = node.post("/v1/jobs/%s/cancel" % jid)
        expect_error(node, r, 409, "cancel of a succeeded job", [jid, "succeeded"])
    finally:
        feeder.stop()

    feeder = h.FifoFeeder(fifo, data_csv, rows_per_tick=100, tick=0.05, max_seconds=40)
    try:
        r = node.post("/v1/jobs", {"report": fifo_report, "format": "csv", "params": {"tag": 2}})
        jid = (r.json() or {}).get("id")
        h.wait_until(lambda: node.get("/v1/jobs/" + jid).json()["progress"]["rows"] > 0, 20)
        fed_at_cancel = feeder.rows_sent()
        r = node.post("/v1/jobs/%s/cancel" % jid)
        tap.eq(r.status, 200, "POST cancel on a running job: 200", r)
        info = node.wait_job(jid, timeout=15)
        tap.eq((info or {}).get("state"), "canceled", "the canceled job ends canceled", info)
        # "Within a batch": the render read at most one batch (4096 rows,
        # the csv source's) past what had been fed when cancel was asked.
        read = (info or {}).get("progress", {}).get("rows", 0)
        tap.ok(read <= fed_at_cancel + 4096,
               "cancel stops the render within a batch (%d rows read, %d fed at the cancel)"
               % (read, fed_at_cancel), info)
        r = node.get("/v1/jobs/%s/output" % jid)
        expect_error(node, r, 409, "the output of a canceled job", [jid])
        leftovers = [f for f in os.listdir(node.tmp) if not f.startswith("quire-redis")]
        tap.eq(leftovers, [], "no partial output is left in temp_dir")
    finally:
        feeder.stop()


def check_ws_edges(node, fifo_report, fifo, data_csv):
    """WebSocket protocol errors on the event stream of a running job."""
    feeder = h.FifoFeeder(fifo, data_csv, rows_per_tick=10, tick=0.1, max_seconds=60)
    try:
        r = node.post("/v1/jobs", {"report": fifo_report, "format": "csv"})
        jid = (r.json() or {}).get("id")
        path = "/v1/jobs/%s/events" % jid
        h.wait_until(lambda: node.get("/v1/jobs/" + jid).json()["state"] == "running", 20)

        cases = [
            ("an unmasked client frame", lambda ws: ws.send(1, b"hi", mask=False), 1002),
            ("invalid UTF-8 in a text message", lambda ws: ws.send(1, b"\xc3\x28ab"), 1007),
            ("a message over ws_max_message (1 kb)", lambda ws: ws.send(2, b"x" * 2000), 1009),
            ("a fragmented text message (reassembled; this socket takes none)",
             lambda ws: (ws.send(1, b"hel", fin=False), ws.send(0, b"lo")), 1008),
        ]
        for what, act, code in cases:
            ws = node.ws(path)
            ok = ws.status == 101
            if ok:
                act(ws)
                h.wait_until(lambda: ws.recv_message(timeout=5) in (None,) or
                             ws.close_code is not None, 10)
            tap.eq(ws.close_code, code, "WebSocket: %s closes with %d" % (what, code))
            ws.close()
        ws = node.ws(path)
        ws.send(9, b"ping-1")
        got = None
        for _ in range(50):
            try:
                fin, op, payload = ws.recv_frame()
            except Exception:
                break
            if op == 10:
                got = payload
                break
        tap.eq(got, b"ping-1", "WebSocket: a ping is answered with a pong of the same payload")
        ws.close()
        node.post("/v1/jobs/%s/cancel" % jid)
        node.wait_job(jid, timeout=15)
        still_serving(node, "the WebSocket protocol errors")
    finally:
        feeder.stop()


# ============================== Admin and metrics ============================


def check_admin(node):
    r = node.get("/v1/admin/plugins")
    ps = {p.get("name"): p for p in (r.json() or {}).get("plugins", [])}
    files = sorted(f[:-3] for f in os.listdir(h.PLUGINS) if f.endswith(".so"))
    tap.eq(r.status, 200, "GET /v1/admin/plugins: 200", r)
    tap.ok({"http", "csv", "pdf"} <= set(ps) and len(ps) == len(files),
           "it lists every plugin in plugin_dir (%d)" % len(files), sorted(ps), files)
    tap.eq(((ps.get("http") or {}).get("kind"), (ps.get("pdf") or {}).get("kind")),
           ("transport", "renderer"), "the plugins' kinds")
    r = node.get("/v1/admin/plugins/pdf")
    d = r.json() or {}
    tap.eq((r.status, d.get("name"), d.get("kind")), (200, "pdf", "renderer"),
           "GET /v1/admin/plugins/pdf: 200 with its name and kind", r)
    tap.ok(isinstance(d.get("config"), list) and d.get("description"),
           "the plugin's description and config keys", r.body[:400])
    r = node.get("/v1/admin/plugins/http")
    keys = {k.get("key"): k for k in (r.json() or {}).get("config", [])}
    tap.eq((keys.get("max_body") or {}).get("value"), "4kb",
           "the http plugin's config shows the configured max_body", keys.get("max_body"))
    expect_error(node, node.get("/v1/admin/plugins/nope"), 404, "an unknown plugin",
                 ["no plugin named 'nope'"])


def check_reload(node):
    r = node.post("/v1/admin/reload")
    tap.eq((r.status, r.json()), (200, {"reloaded": True}), "POST /v1/admin/reload: 200", r)
    tap.ok("serve: configuration reloaded from" in node.log(), "the reload is logged")
    good = open(node.conf).read()
    with open(node.conf, "w") as f:
        f.write(good + "\n[server]\nlisten = 127.0.0.1:1\n")
    r = node.post("/v1/admin/reload")
    st, code, msg = error_of(r)
    tap.eq((r.status, code), (400, "invalid_config"), "reload of a broken config: 400", r)
    tap.ok("quire.conf:" in msg and "server" in msg, "the message names the file and the problem",
           msg)
    r = node.get("/v1/reports")
    tap.eq(r.status, 200, "after a refused reload the old config keeps serving", r)
    before = len(node.log())
    node.send_signal(signal.SIGHUP)
    logged = h.wait_until(
        lambda: "serve: SIGHUP: configuration refused, the old one stays" in node.log()[before:],
        10)
    tap.ok(logged, "SIGHUP with a broken config: the refusal is logged", node.log()[before:])
    tap.ok(node.alive() and node.get("/healthz").status == 200,
           "SIGHUP with a broken config: the node keeps serving")
    with open(node.conf, "w") as f:
        f.write(good)
    before = len(node.log())
    node.send_signal(signal.SIGHUP)
    tap.ok(h.wait_until(lambda: "serve: configuration reloaded" in node.log()[before:], 10),
           "SIGHUP with the good config back: reloaded")


def metric(text, name, labels=None):
    for line in text.splitlines():
        if line.startswith("#"):
            continue
        m = re.match(r"^([a-zA-Z_:]+)(\{[^}]*\})? (\S+)$", line)
        if m and m.group(1) == name and (labels is None or m.group(2) == "{%s}" % labels):
            return float(m.group(3))
    return None


def check_metrics(node, succeeded):
    r = node.get("/metrics")
    t = r.text()
    tap.eq(r.status, 200, "GET /metrics: 200", r)
    tap.ok((r.header("content-type") or "").startswith("text/plain"),
           "/metrics is Prometheus text", r.headers)
    for name in ("quire_jobs_total", "quire_render_duration_seconds", "quire_open_connections",
                 "quire_redis_rtt_seconds"):
        tap.ok("# TYPE %s " % name in t, "/metrics has # TYPE %s" % name)
    ok_jobs = metric(t, "quire_jobs_total", 'event="succeeded"')
    tap.ok(ok_jobs is not None and ok_jobs >= succeeded,
           "quire_jobs_total{event=succeeded} counts the %d jobs that succeeded here (%s)"
           % (succeeded, ok_jobs))
    buckets = [(m.group(1), float(m.group(2))) for m in
               re.finditer(r'^quire_render_duration_seconds_bucket\{le="([^"]+)"\} (\S+)$', t, re.M)]
    counts = [v for _, v in buckets]
    total = metric(t, "quire_render_duration_seconds_count")
    tap.ok(buckets and buckets[-1][0] == "+Inf" and counts == sorted(counts) and
           counts[-1] == total and total >= succeeded,
           "the duration histogram: cumulative buckets ending at +Inf = count >= %d" % succeeded,
           buckets, total)
    tap.ok((metric(t, "quire_render_duration_seconds_sum") or 0) > 0,
           "the duration histogram's sum is positive")
    oc = metric(t, "quire_open_connections")
    tap.ok(oc is not None and oc >= 1, "quire_open_connections counts this request's (%s)" % oc)
    rtt = metric(t, "quire_redis_rtt_seconds")
    tap.ok(rtt is not None and 0 < rtt < 1, "quire_redis_rtt_seconds is plausible (%s)" % rtt)


# ============================== Bad requests =================================


def check_bad_requests(node):
    data = node.raw(b"GARBAGE\r\n\r\n")
    st, _, _ = h.parse_raw_response(data)
    tap.eq(st, 400, "a garbage request line: 400", data[:300])
    still_serving(node, "a garbage request line")

    data = node.raw(b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 9000 + b"\r\n\r\n")
    st, _, _ = h.parse_raw_response(data)
    tap.eq(st, 431, "a header block over 8 KB: 431", data[:300])
    still_serving(node, "an oversized header")

    body = b'{"report": "sales", "format": "csv", "pad": "' + b"x" * 5000 + b'"}'
    data = node.raw(b"POST /v1/jobs HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                    b"Content-Length: %d\r\n\r\n" % len(body) + body)
    st, _, _ = h.parse_raw_response(data)
    tap.eq(st, 413, "a body over max_body (4 kb): 413", data[:300])
    still_serving(node, "an oversized body")

    r = node.post("/v1/jobs", '{"report": "sales",\n  "format": csv}',
                  headers={"Content-Type": "application/json"})
    expect_error(node, r, 400, "bad JSON", ["line 2, column"])
    tap.eq(error_of(r)[1], "bad_json", "bad JSON: code bad_json")

    expect_error(node, node.post("/v1/reports/nope/render", {"format": "csv"}), 404,
                 "render of an unknown report", ["nope"])
    expect_error(node, node.post("/v1/jobs", {"report": "nope", "format": "csv"}), 404,
                 "a job of an unknown report", ["nope"])
    expect_error(node, node.get("/v1/reports/nope"), 404, "describe an unknown report", ["nope"])
    expect_error(node, node.post("/v1/reports/region_summary/render",
                                 {"format": "csv", "params": {"year": "abc"}}), 400,
                 "a bad parameter value", ["year", "abc"])
    expect_error(node, node.post("/v1/jobs", {"report": "region_summary", "format": "csv",
                                              "params": {"year": "abc"}}), 400,
                 "a job with a bad parameter value (refused at creation)", ["year", "abc"])
    expect_error(node, node.post("/v1/reports/sales/render", {"format": "docx"}), 400,
                 "an unknown format", ["docx", "csv", "pdf"])
    expect_error(node, node.post("/v1/reports/sales/render", {"format": "csv", "colour": 1}), 400,
                 "an unknown field in the body",
                 ['unknown field "colour"', "format, params, page"])
    expect_error(node, node.post("/v1/reports/sales/render", None), 400, "a render without a body")
    for path in ("/v1/jobs/nope", "/v1/jobs/nope/output", "/v1/jobs/nope/events"):
        expect_error(node, node.get(path), 404, "GET %s (unknown job)" % path)
    expect_error(node, node.post("/v1/jobs/nope/pause"), 404, "pause of an unknown job")
    expect_error(node, node.req("DELETE", "/v1/reports"), 405, "DELETE /v1/reports",
                 ["allowed: GET"])
    expect_error(node, node.req("PUT", "/v1/jobs"), 405, "PUT /v1/jobs", ["POST", "GET"])
    expect_error(node, node.get("/v1/nope"), 404, "an unknown path",
                 ["no such endpoint: GET /v1/nope"])


# ============================== Main =========================================


def main():
    if not os.access(h.QUIRE, os.X_OK):
        tap.ok(False, "the quire binary is built", h.QUIRE)
        return tap.finish()
    base = h.scratch_dir("qs-api-")
    redis = h.RedisServer(os.path.join(base, "redis")).start()
    reports = os.path.join(base, "reports")
    os.makedirs(reports)
    data_csv = h.gen_sales(30000, os.path.join(base, "feed.csv"))
    fifos = {}
    for name in ("slow_live", "slow_pause", "slow_ws"):
        fifos[name] = os.path.join(base, name + ".fifo")
        h.write_totals_report(reports, name, fifos[name], title="Slow " + name)
    node = h.Node("api", base=os.path.join(base, "node"),
                  server={"node_id": "api-1", "redis_url": "unix:" + redis.sock, "job_slots": 3,
                          "progress_interval": "100ms", "drain_timeout": "5s"},
                  kernel={"report_dirs": [h.EXAMPLES, reports]},
                  sections={"transport.http": {"max_body": "4kb", "ws_max_message": "1kb"}})
    try:
        node.start()
        totals = h.csv_totals(h.SALES_CSV)
        check_catalog(node)
        sync_csv = check_sync_renders(node, totals)
        jid = check_job(node, sync_csv, totals)
        if jid:
            check_events(node, jid)
        check_live_events(node, "slow_live", fifos["slow_live"], data_csv)
        check_pause_resume_cancel(node, "slow_pause", fifos["slow_pause"], data_csv)
        check_ws_edges(node, "slow_ws", fifos["slow_ws"], data_csv)
        check_admin(node)
        check_reload(node)
        check_metrics(node, len(SUCCEEDED))
        check_bad_requests(node)
        rc = node.stop(timeout=20)
        tap.eq(rc, 0, "the node stops with 0 on SIGTERM", node.diag())
        tap.ok("==ERROR" not in node.log() and "runtime error" not in node.log(),
               "no sanitizer report in the node's log")
    except Exception:
        import traceback
        tap.ok(False, "test_api ran to the end", traceback.format_exc(), node.diag())
    finally:
        node.stop(timeout=10)
        redis.stop()
    return tap.finish()


if __name__ == "__main__":
    sys.exit(main())
