#!/usr/bin/env python3
"""bench/server.py BUILD - the server part of `make bench`.

Two measurements of `quire serve`, printed as a Markdown section on stdout
(bench/run puts it into docs/benchmarks.md):

* Jobs per second per node: one node with its private redis-server and
  job_slots = one per CPU; N small jobs (examples/region_summary.quire to
  CSV: 10,000 rows aggregated into a 25-cell table) created through
  POST /v1/jobs as fast as one client can, timed from the first request to
  the moment the last job is succeeded (polled through GET /v1/jobs). Side
  by side: the same N renders as `quire render` processes, as many at once
  as the node has slots, which is what a script around the command line
  would do, so the ratio is what the server's warm kernel and queue save.
  Each job's output is compared with the command line's.
* Failover: two nodes on one redis-server (reclaim_idle = 2 s,
  sweep_interval = 200 ms); long jobs spread over both; node A is killed
  with SIGKILL while it runs jobs; the time from the kill until every job A
  was running is running again on node B (its state event names B), and
  until all are succeeded.

The harness (starting nodes and redis-server, HTTP) is the end-to-end
tests' (tests/server/harness.py). Every wait is bounded.
"""

import os
import subprocess
import sys
import time

build = sys.argv[1] if len(sys.argv) > 1 else "build"
os.environ["QUIRE_BUILD"] = build
REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(REPO, "tests", "server"))

import harness as h  # noqa: E402

N_JOBS = int(os.environ.get("BENCH_SERVER_JOBS", "200"))
REPORT = "region_summary"


def log(msg):
    print("bench/server: " + msg, file=sys.stderr, flush=True)


def api(node, method, path, body=None):
    return h.http_request(node.host, node.port, method, path, body=body)


def wait_all_done(node, ids, timeout):
    """Waits until every job is final and returns the time it happened, or
    None. Looks at one job at a time, the oldest not yet final (jobs
    finish roughly in order), so waiting costs the node one small request
    per 10 ms rather than a listing of every job. Fails loudly on a job
    that did not succeed."""
    deadline = time.monotonic() + timeout
    i = 0
    for _ in range(10 ** 6):
        if i == len(ids):
            return time.monotonic()
        if time.monotonic() > deadline:
            return None
        j = api(node, "GET", "/v1/jobs/%s" % ids[i]).json()
        if j["state"] in ("failed", "canceled"):
            raise RuntimeError("job %s %s: %s" % (ids[i], j["state"], j.get("error")))
        if j["state"] == "succeeded":
            i += 1
        else:
            time.sleep(0.01)
    return None


def cpus():
    return os.cpu_count() or 1


# ============================== Jobs per second ==============================

def bench_throughput():
    slots = cpus()
    node = h.Node("bench", server={"job_slots": slots})
    node.start()
    try:
        body = {"report": REPORT, "format": "csv"}
        # Warm-up: one job, and its output for the comparison.
        r = api(node, "POST", "/v1/jobs", body)
        first = r.json()["id"]
        wait_all_done(node, [first], 60)
        reference = api(node, "GET", "/v1/jobs/%s/output" % first).body

        t0 = time.monotonic()
        ids = []
        for _ in range(N_JOBS):
            r = api(node, "POST", "/v1/jobs", body)
            if r.status != 201:
                raise RuntimeError("POST /v1/jobs: %s %s" % (r.status, r.text()[:200]))
            ids.append(r.json()["id"])
        t_submitted = time.monotonic()
        t_done = wait_all_done(node, ids, 300)
        if t_done is None:
            raise RuntimeError("jobs did not finish within 300 s")
        for i in ids[:: max(1, N_JOBS // 10)]:
            out = api(node, "GET", "/v1/jobs/%s/output" % i).body
            if out != reference:
                raise RuntimeError("job %s output differs from the first job's" % i)
        server_s = t_done - t0
        submit_s = t_submitted - t0
    finally:
        node.stop()

    # The command line, `slots` processes at a time.
    conf = os.path.join(node.base, "quire.conf")
    outdir = h.scratch_dir("qb-cli-")
    t0 = time.monotonic()
    running = []
    for i in range(N_JOBS):
        out = os.path.join(outdir, "o%d.csv" % i)
        running.append(subprocess.Popen(
            [h.QUIRE, "render", os.path.join(h.EXAMPLES, REPORT + ".quire"), "-c", conf,
             "-f", "csv", "-o", out, "--quiet"], env=h.clean_env()))
        if len(running) >= slots:
            if running.pop(0).wait(timeout=60) != 0:
                raise RuntimeError("quire render failed")
    for p in running:
        if p.wait(timeout=60) != 0:
            raise RuntimeError("quire render failed")
    cli_s = time.monotonic() - t0
    with open(os.path.join(outdir, "o0.csv"), "rb") as f:
        if f.read() != reference:
            raise RuntimeError("quire render's output differs from the job's")
    return slots, server_s, submit_s, cli_s


# ============================== Failover =====================================

def bench_failover():
    redis = h.RedisServer(h.scratch_dir("qb-redis-")).start()
    data_dir = h.scratch_dir("qb-data-")
    rows = int(os.environ.get("BENCH_SERVER_FAILOVER_ROWS", "300000"))
    csv = os.path.join(data_dir, "big.csv")
    h.gen_sales(rows, csv)
    with open(os.path.join(h.EXAMPLES, "sales.quire")) as f:
        text = f.read().replace('"data/sales.csv"', '"%s"' % csv)
    with open(os.path.join(data_dir, "big.quire"), "w") as f:
        f.write(text)
    # Outputs over output_max_redis go to a directory every node sees.
    shared = h.scratch_dir("qb-out-")
    common = {"redis_url": redis.url, "reclaim_idle": "2s", "sweep_interval": "200ms",
              "job_slots": 1, "output_dir": shared}
    kernel = {"report_dirs": data_dir}
    a = h.Node("a", server=dict(common, node_id="node-a"), kernel=kernel).start()
    b = h.Node("b", server=dict(common, node_id="node-b"), kernel=kernel).start()
    try:
        ids = [api(a, "POST", "/v1/jobs", {"report": "big", "format": "csv"}).json()["id"]
               for _ in range(4)]

        def running_on_a():
            return [j["id"] for j in api(b, "GET", "/v1/jobs?state=running").json()["jobs"]
                    if j["id"] in ids and j["node"] == "node-a"]

        if not h.wait_until(lambda: running_on_a(), 60):
            raise RuntimeError("node A never ran a job")
        victims = running_on_a()
        a.stop(sig=9)
        t_kill = time.monotonic()

        def taken_over():
            for v in victims:
                j = api(b, "GET", "/v1/jobs/%s" % v).json()
                if j["node"] != "node-b" or j["state"] not in ("running", "succeeded"):
                    return False
            return True

        if not h.wait_until(taken_over, 60, interval=0.01):
            raise RuntimeError("node B did not take over %s" % victims)
        t_taken = time.monotonic()
        t_done = wait_all_done(b, ids, 300)
        if t_done is None:
            raise RuntimeError("jobs did not finish after the failover")
        return len(victims), t_taken - t_kill, t_done - t_kill
    finally:
        b.stop()
        redis.stop()


def main():
    slots, server_s, submit_s, cli_s = bench_throughput()
    log("throughput: %d jobs in %.2f s through the API, %.2f s as processes" %
        (N_JOBS, server_s, cli_s))
    victims, taken_s, done_s = bench_failover()
    log("failover: %d jobs taken over %.2f s after the kill" % (victims, taken_s))
    print("""
## Server: jobs through the API, and failover

`quire serve` measured by [bench/server.py](../bench/server.py) on this machine,
{cpu} CPUs.

### Jobs per second per node

{n} jobs of `examples/{report}.quire` to CSV (10,000 rows aggregated into a
small table), created through `POST /v1/jobs` by one client and polled
until all are succeeded; the node has its private redis-server and
`job_slots = {slots}`. Beside it, the same {n} renders as `quire render`
processes, {slots} at a time. Every output is the same bytes.

| how | time for {n} jobs | jobs/s | ratio |
|---|---|---|---|
| `quire serve`, one node | {ss:.2f} s (submitting took {sub:.2f} s) | {sr:.0f} | {ratio:.1f}× |
| `quire render` processes | {cs:.2f} s | {cr:.0f} | 1.0× |

### Failover after kill -9

Two nodes on one redis-server, `reclaim_idle = 2s`, `sweep_interval =
200ms`, one job slot each; jobs rendering `sales.quire` over {rows} rows to
CSV. Node A was killed with SIGKILL while it ran {v} job(s).

| from the kill until | seconds |
|---|---|
| every job A was running runs on node B | {taken:.2f} |
| every job of the run is succeeded | {done:.2f} |

A node's jobs are taken over once they have been idle for `reclaim_idle`
(their node stopped renewing them) and the next sweep runs, so the first
row is bounded by `reclaim_idle + sweep_interval` plus a Redis round trip.
""".format(cpu=cpus(), n=N_JOBS, report=REPORT, slots=slots, ss=server_s, sub=submit_s,
           sr=N_JOBS / server_s, cs=cli_s, cr=N_JOBS / cli_s, ratio=cli_s / server_s,
           rows="{:,}".format(int(os.environ.get("BENCH_SERVER_FAILOVER_ROWS", "300000"))),
           v=victims, taken=taken_s, done=done_s))


if __name__ == "__main__":
    main()
