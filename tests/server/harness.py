"""harness.py - what the end-to-end tests of `quire serve` share.

The tests under tests/server/ drive real nodes ($QUIRE_BUILD/quire serve)
over real sockets on loopback. This module starts and stops them (and
redis-server), speaks HTTP, Server-Sent Events and WebSocket to them, talks
RESP to Redis, and prints TAP ("ok - ..." / "not ok - ..." with details on
"# " lines) for tests/run to count.

Everything started here is registered and killed at exit (atexit and
SIGTERM/SIGINT), even when a test fails half-way. Every wait has a deadline
and every loop a bound.
"""

import atexit
import base64
import hashlib
import http.client
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BUILD = os.path.join(REPO, os.environ.get("QUIRE_BUILD", "build"))
QUIRE = os.path.join(BUILD, "quire")
PLUGINS = os.path.join(BUILD, "plugins")
GEN_SALES = os.path.join(BUILD, "bench", "gen_sales")
EXAMPLES = os.path.join(REPO, "examples")
SALES_CSV = os.path.join(EXAMPLES, "data", "sales.csv")
REDIS_SERVER = shutil.which("redis-server") or "redis-server"

WS_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"  # RFC 6455 section 1.3

# ============================== Cleanup ======================================

_procs = []  # Popen objects still to kill at exit
_dirs = []  # scratch directories to remove at exit
_lock = threading.Lock()


def _cleanup():
    with _lock:
        procs, _procs[:] = list(_procs), []
        dirs, _dirs[:] = list(_dirs), []
    for p in procs:
        if p.poll() is None:
            try:
                p.kill()
            except OSError:
                pass
        try:
            p.wait(timeout=5)
        except subprocess.TimeoutExpired:
            pass
    for d in dirs:
        shutil.rmtree(d, ignore_errors=True)


def _on_signal(signum, frame):
    _cleanup()
    sys.exit(128 + signum)


atexit.register(_cleanup)
signal.signal(signal.SIGTERM, _on_signal)
signal.signal(signal.SIGINT, _on_signal)


def track(p):
    """Kills p at exit if it still runs."""
    with _lock:
        _procs.append(p)
    return p


def untrack(p):
    with _lock:
        if p in _procs:
            _procs.remove(p)


def scratch_dir(prefix="qs-"):
    """A temporary directory under /tmp (short: unix socket paths are at
    most 107 bytes), removed at exit."""
    d = tempfile.mkdtemp(prefix=prefix, dir="/tmp")
    with _lock:
        _dirs.append(d)
    return d


def clean_env():
    """The environment for child processes: no QUIRE_<SECTION>_<KEY>
    overrides leaking in from the caller."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("QUIRE_")}
    env["QUIRE_BUILD"] = os.environ.get("QUIRE_BUILD", "build")
    return env


# ============================== TAP ==========================================


class Tap:
    """One TAP line per check; details go on '# ' lines."""

    def __init__(self):
        self.passed = 0
        self.failed = 0

    def ok(self, cond, what, *details):
        if cond:
            self.passed += 1
            print("ok - " + what, flush=True)
        else:
            self.failed += 1
            print("not ok - " + what, flush=True)
            for d in details:
                for line in str(d).splitlines() or [""]:
                    print("#   " + line[:2000], flush=True)
        return bool(cond)

    def eq(self, got, want, what, *details):
        return self.ok(got == want, what, "got:  %r" % (got,), "want: %r" % (want,), *details)

    def note(self, text):
        for line in str(text).splitlines():
            print("# " + line, flush=True)

    def skip(self, what, why):
        self.passed += 1
        print("ok - %s # SKIP %s" % (what, why), flush=True)

    def finish(self):
        print("# %d passed, %d failed" % (self.passed, self.failed), flush=True)
        return 1 if self.failed else 0


def wait_until(pred, timeout, interval=0.05, max_tries=100000):
    """Calls pred() until it returns a true value or timeout seconds pass.
    Returns the last value."""
    deadline = time.monotonic() + timeout
    v = None
    for _ in range(max_tries):
        try:
            v = pred()
        except (OSError, http.client.HTTPException, ValueError):
            v = None
        if v:
            return v
        if time.monotonic() >= deadline:
            return v
        time.sleep(interval)
    return v


# ============================== Processes ====================================


def pid_alive(pid):
    try:
        with open("/proc/%d/stat" % pid) as f:
            state = f.read().rsplit(")", 1)[1].split()[0]
        return state != "Z"
    except (OSError, IndexError):
        return False


def find_procs(needle):
    """Pids of live processes whose command line contains needle."""
    out = []
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open("/proc/%s/cmdline" % name, "rb") as f:
                cmd = f.read().replace(b"\0", b" ").decode("utf-8", "replace")
        except OSError:
            continue
        if needle in cmd and pid_alive(int(name)):
            out.append(int(name))
    return out


def gen_sales(n, path, seed=None):
    args = [GEN_SALES, str(n), path]
    if seed is not None:
        args += ["--seed", str(seed)]
    subprocess.run(args, check=True, timeout=120, stdout=subprocess.DEVNULL)
    return path


# ============================== Config =======================================


def conf_value(v):
    if isinstance(v, bool):
        return "yes" if v else "no"
    if isinstance(v, (list, tuple)):
        return " ".join(str(x) for x in v)
    return str(v)


def write_config(path, kernel=None, server=None, sections=None):
    """Writes a quire.conf: [kernel] (plugin_dir and report_dirs defaulted),
    [server] and any further sections {name: {key: value}}."""
    k = {"plugin_dir": PLUGINS, "plugins": "*", "strict": True, "report_dirs": EXAMPLES,
         "log_level": "info"}
    k.update(kernel or {})
    lines = ["# written by tests/server/harness.py", "[kernel]"]
    lines += ["%s = %s" % (key, conf_value(v)) for key, v in k.items()]
    lines += ["", "[server]"]
    lines += ["%s = %s" % (key, conf_value(v)) for key, v in (server or {}).items()]
    for name, keys in (sections or {}).items():
        lines += ["", "[%s]" % name]
        lines += ["%s = %s" % (key, conf_value(v)) for key, v in keys.items()]
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")
    return path


# ============================== HTTP =========================================


class Response:
    def __init__(self, status, headers, body):
        self.status = status
        self.headers = headers  # lower-case name -> value
        self.body = body

    def json(self):
        try:
            return json.loads(self.body.decode("utf-8"))
        except (ValueError, UnicodeDecodeError):
            return None

    def header(self, name):
        return self.headers.get(name.lower())

    def text(self):
        return self.body.decode("utf-8", "replace")

    def __repr__(self):
        return "HTTP %d %s" % (self.status, self.body[:300])


def http_request(host, port, method, path, body=None, headers=None, token=None, timeout=30):
    h = dict(headers or {})
    if token is not None:
        h["Authorization"] = "Bearer " + token
    if isinstance(body, (dict, list)):
        body = json.dumps(body).encode()
        h.setdefault("Content-Type", "application/json")
    elif isinstance(body, str):
        body = body.encode()
    c = http.client.HTTPConnection(host, port, timeout=timeout)
    try:
        c.request(method, path, body=body, headers=h)
        r = c.getresponse()
        data = r.read()
        return Response(r.status, {k.lower(): v for k, v in r.getheaders()}, data)
    finally:
        c.close()


def raw_exchange(host, port, data, timeout=5, max_bytes=1 << 20):
    """Sends raw bytes, returns what the server sends until it closes or
    timeout seconds pass without data."""
    s = socket.create_connection((host, port), timeout=timeout)
    got = b""
    try:
        try:
            s.sendall(data)
        except OSError:
            pass  # the server may refuse mid-way; read its answer anyway
        deadline = time.monotonic() + timeout
        while len(got) < max_bytes and time.monotonic() < deadline:
            try:
                chunk = s.recv(65536)
            except socket.timeout:
                break
            except OSError:
                break
            if not chunk:
                break
            got += chunk
            # One complete response with a Content-Length is enough.
            head, sep, rest = got.partition(b"\r\n\r\n")
            if sep:
                m = re.search(rb"(?im)^content-length:\s*(\d+)", head)
                if m and len(rest) >= int(m.group(1)):
                    break
    finally:
        s.close()
    return got


def parse_raw_response(data):
    """(status, headers dict, body) of the first response in data, or
    (None, {}, data) when it is not one."""
    head, sep, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    m = re.match(r"HTTP/1\.[01] (\d{3})", lines[0]) if lines else None
    if not m:
        return None, {}, data
    headers = {}
    for line in lines[1:]:
        k, _, v = line.partition(":")
        headers[k.strip().lower()] = v.strip()
    return int(m.group(1)), headers, body


class SSEReader:
    """Reads a text/event-stream response: events(max_events, timeout) ->
    list of {"id", "event", "data"}; stops at end of stream too."""

    def __init__(self, host, port, path, token=None, last_event_id=None, timeout=20):
        self.conn = http.client.HTTPConnection(host, port, timeout=timeout)
        h = {"Accept": "text/event-stream"}
        if token:
            h["Authorization"] = "Bearer " + token
        if last_event_id:
            h["Last-Event-ID"] = last_event_id
        self.conn.request("GET", path, headers=h)
        self.resp = self.conn.getresponse()
        self.status = self.resp.status
        self.headers = {k.lower(): v for k, v in self.resp.getheaders()}
        self.ended = False

    def events(self, max_events=10000, timeout=20):
        out = []
        cur = {}
        deadline = time.monotonic() + timeout
        for _ in range(max_events * 20 + 100):
            if len(out) >= max_events or time.monotonic() > deadline:
                break
            try:
                line = self.resp.readline(65536)
            except (socket.timeout, OSError):
                break
            if not line:
                self.ended = True
                break
            line = line.decode("utf-8").rstrip("\r\n")
            if line == "":
                if cur:
                    out.append(cur)
                cur = {}
                continue
            if line.startswith(":"):
                continue
            k, _, v = line.partition(":")
            if v.startswith(" "):
                v = v[1:]
            if k == "data" and "data" in cur:
                cur["data"] += "\n" + v
            else:
                cur[k] = v
        return out

    def close(self):
        self.conn.close()


# ============================== WebSocket ====================================


class WSClient:
    """A minimal RFC 6455 client over a raw socket. Frames are masked unless
    told otherwise, so tests can send what a good or a bad client sends."""

    def __init__(self, host, port, path, token=None, timeout=10, extra_headers=None):
        self.sock = socket.create_connection((host, port), timeout=timeout)
        self.buf = b""
        self.close_code = None
        self.close_reason = None
        key = base64.b64encode(os.urandom(16)).decode()
        lines = ["GET %s HTTP/1.1" % path, "Host: %s:%d" % (host, port), "Upgrade: websocket",
                 "Connection: Upgrade", "Sec-WebSocket-Key: " + key, "Sec-WebSocket-Version: 13"]
        if token:
            lines.append("Authorization: Bearer " + token)
        lines += extra_headers or []
        self.sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
        head = self._read_until(b"\r\n\r\n", 65536)
        status, headers, rest = parse_raw_response(head)
        self.status = status
        self.headers = headers
        self.buf = rest
        want = base64.b64encode(hashlib.sha1((key + WS_GUID).encode()).digest()).decode()
        self.accept_ok = headers.get("sec-websocket-accept") == want
        if status != 101:
            # Read the rest of the refusal's body for the caller.
            m = re.search(r"\d+", headers.get("content-length", "0"))
            need = int(m.group(0)) if m else 0
            for _ in range(100):
                if len(self.buf) >= need:
                    break
                try:
                    chunk = self.sock.recv(65536)
                except OSError:
                    break
                if not chunk:
                    break
                self.buf += chunk
            self.body = self.buf

    def _read_until(self, marker, limit):
        for _ in range(10000):
            if marker in self.buf or len(self.buf) > limit:
                break
            chunk = self.sock.recv(65536)
            if not chunk:
                break
            self.buf += chunk
        data, self.buf = self.buf, b""
        return data

    def _recv_exact(self, n):
        for _ in range(100000):
            if len(self.buf) >= n:
                break
            chunk = self.sock.recv(65536)
            if not chunk:
                raise ConnectionError("connection closed")
            self.buf += chunk
        if len(self.buf) < n:
            raise ConnectionError("short read")
        data, self.buf = self.buf[:n], self.buf[n:]
        return data

    @staticmethod
    def frame(opcode, payload, fin=True, mask=True, rsv=0):
        b0 = (0x80 if fin else 0) | (rsv << 4) | opcode
        n = len(payload)
        mbit = 0x80 if mask else 0
        if n < 126:
            head = bytes([b0, mbit | n])
        elif n < 65536:
            head = bytes([b0, mbit | 126]) + n.to_bytes(2, "big")
        else:
            head = bytes([b0, mbit | 127]) + n.to_bytes(8, "big")
        if not mask:
            return head + payload
        key = os.urandom(4)
        masked = bytes(b ^ key[i % 4] for i, b in enumerate(payload))
        return head + key + masked

    def send_raw(self, data):
        self.sock.sendall(data)

    def send(self, opcode, payload, fin=True, mask=True):
        self.sock.sendall(self.frame(opcode, payload, fin, mask))

    def send_text(self, text):
        self.send(1, text.encode())

    def recv_frame(self):
        """(fin, opcode, payload) of the next frame."""
        b0, b1 = self._recv_exact(2)
        n = b1 & 0x7F
        if n == 126:
            n = int.from_bytes(self._recv_exact(2), "big")
        elif n == 127:
            n = int.from_bytes(self._recv_exact(8), "big")
        key = self._recv_exact(4) if b1 & 0x80 else None
        payload = self._recv_exact(n)
        if key:
            payload = bytes(b ^ key[i % 4] for i, b in enumerate(payload))
        return bool(b0 & 0x80), b0 & 0x0F, payload

    def recv_message(self, timeout=10):
        """Next data message as (opcode, bytes), answering pings; ("close",
        code) when the server closes (the close is echoed); None on timeout
        or a dropped connection."""
        self.sock.settimeout(timeout)
        parts, first_op = [], None
        try:
            for _ in range(10000):
                fin, op, payload = self.recv_frame()
                if op == 9:
                    self.send(10, payload)
                    continue
                if op == 10:
                    continue
                if op == 8:
                    code = int.from_bytes(payload[:2], "big") if len(payload) >= 2 else 1005
                    self.close_code = code
                    self.close_reason = payload[2:].decode("utf-8", "replace")
                    try:
                        self.send(8, payload[:2])
                    except OSError:
                        pass
                    return ("close", code)
                if op != 0:
                    first_op = op
                parts.append(payload)
                if fin:
                    return (first_op, b"".join(parts))
        except (socket.timeout, ConnectionError, OSError):
            return None
        return None

    def messages(self, max_messages=1000, timeout=20):
        """Data messages until the server closes (or limits hit)."""
        out = []
        deadline = time.monotonic() + timeout
        for _ in range(max_messages):
            left = deadline - time.monotonic()
            if left <= 0:
                break
            m = self.recv_message(timeout=left)
            if m is None or m[0] == "close":
                break
            out.append(m)
        return out

    def close(self, code=1000):
        try:
            self.send(8, code.to_bytes(2, "big"))
        except OSError:
            pass
        self.sock.close()


# ============================== Redis ========================================


class RedisClient:
    """A small RESP2 client (unix socket path or (host, port))."""

    def __init__(self, addr, timeout=5):
        if isinstance(addr, str):
            self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            self.sock.settimeout(timeout)
            self.sock.connect(addr)
        else:
            self.sock = socket.create_connection(addr, timeout=timeout)
        self.f = self.sock.makefile("rb")

    def _read(self):
        line = self.f.readline()
        if not line:
            raise ConnectionError("redis closed the connection")
        t, rest = line[:1], line[1:-2]
        if t == b"+":
            return rest.decode()
        if t == b"-":
            return RedisError(rest.decode())
        if t == b":":
            return int(rest)
        if t == b"$":
            n = int(rest)
            if n < 0:
                return None
            data = self.f.read(n + 2)
            return data[:-2]
        if t == b"*":
            n = int(rest)
            if n < 0:
                return None
            return [self._read() for _ in range(n)]
        raise ValueError("bad RESP reply %r" % line)

    def cmd(self, *args):
        out = b"*%d\r\n" % len(args)
        for a in args:
            a = a if isinstance(a, bytes) else str(a).encode()
            out += b"$%d\r\n%s\r\n" % (len(a), a)
        self.sock.sendall(out)
        return self._read()

    def hgetall(self, key):
        r = self.cmd("HGETALL", key)
        if not isinstance(r, list):
            return {}
        return {r[i].decode(): r[i + 1].decode("utf-8", "replace") for i in range(0, len(r), 2)}

    def close(self):
        try:
            self.f.close()
            self.sock.close()
        except OSError:
            pass


class RedisError(str):
    pass


class RedisServer:
    """A redis-server the test owns: unix socket DIR/redis.sock and a TCP port
    on loopback, data in DIR with appendonly yes (so a restart restores it)."""

    def __init__(self, dirpath, port=None):
        self.dir = dirpath
        os.makedirs(dirpath, exist_ok=True)
        self.sock = os.path.join(dirpath, "redis.sock")
        self.port = port or free_port()
        self.proc = None

    @property
    def url(self):
        return "redis://127.0.0.1:%d" % self.port

    def start(self, timeout=10):
        args = [REDIS_SERVER, "--port", str(self.port), "--bind", "127.0.0.1",
                "--unixsocket", self.sock, "--unixsocketperm", "700", "--dir", self.dir,
                "--appendonly", "yes", "--appendfsync", "always", "--save", "",
                "--daemonize", "no", "--logfile", os.path.join(self.dir, "redis.log"),
                "--protected-mode", "yes"]
        self.proc = track(subprocess.Popen(args, stdout=subprocess.DEVNULL,
                                           stderr=subprocess.DEVNULL, env=clean_env()))
        ok = wait_until(lambda: self.ping(), timeout)
        if not ok:
            raise RuntimeError("redis-server did not answer on %s within %ss" % (self.sock, timeout))
        return self

    def ping(self):
        if self.proc is None or self.proc.poll() is not None:
            return False
        try:
            c = RedisClient(self.sock, timeout=1)
            try:
                return c.cmd("PING") == "PONG"
            finally:
                c.close()
        except OSError:
            return False

    def client(self):
        return RedisClient(self.sock)

    def stop(self, timeout=10):
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            self.proc.terminate()
        try:
            rc = self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            rc = self.proc.wait(timeout=5)
        untrack(self.proc)
        self.proc = None
        return rc


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


# ============================== Nodes ========================================

LISTEN_RE = re.compile(r"listening on (\S+):(\d+)\s*$", re.M)


class Node:
    """One `quire serve` process with its own config file and scratch dir."""

    def __init__(self, name="node", server=None, kernel=None, sections=None, base=None,
                 listen="127.0.0.1:0"):
        self.name = name
        self.base = base or scratch_dir("qs-%s-" % name)
        self.tmp = os.path.join(self.base, "tmp")
        os.makedirs(self.tmp, exist_ok=True)
        self.conf = os.path.join(self.base, "quire.conf")
        self.log_path = os.path.join(self.base, "node.log")
        self.listen = listen
        self.server_opts = dict(server or {})
        k = {"temp_dir": self.tmp}
        k.update(kernel or {})
        self.kernel_opts = k
        self.sections = sections or {}
        self.proc = None
        self.log_offset = 0
        self.port = None
        self.host = "127.0.0.1"
        self.token = None  # default token for requests
        self.write_config()

    def write_config(self, path=None, **over):
        return write_config(path or self.conf, kernel=over.get("kernel", self.kernel_opts),
                            server=over.get("server", self.server_opts),
                            sections=over.get("sections", self.sections))

    def start(self, timeout=30, wait=True, extra_args=None):
        args = [QUIRE, "serve", "-c", self.conf]
        if self.listen:
            args += ["--listen", self.listen]
        args += extra_args or []
        self.logf = open(self.log_path, "ab")
        self.log_offset = os.path.getsize(self.log_path)
        self.proc = track(subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=self.logf,
                                           stderr=self.logf, env=clean_env(), cwd=self.base))
        if not wait:
            return self
        m = wait_until(lambda: self.proc.poll() is not None or LISTEN_RE.search(self.run_log()),
                       timeout)
        m = LISTEN_RE.search(self.run_log()) if m else None
        if not m:
            raise RuntimeError("%s did not log 'listening on' within %ss (exit %s); log:\n%s"
                               % (self.name, timeout, self.proc.poll(), self.run_log()[-4000:]))
        self.host, self.port = m.group(1), int(m.group(2))
        return self

    def run_to_exit(self, timeout=30, extra_args=None):
        """Starts the node expecting it to refuse; returns (rc, log)."""
        self.start(wait=False, extra_args=extra_args)
        try:
            rc = self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            rc = None
        untrack(self.proc)
        self.logf.close()
        return rc, self.run_log()

    def run_log(self):
        """The log of the current (last) run only."""
        return self.log(self.log_offset)

    def log(self, offset=0):
        try:
            with open(self.log_path, "rb") as f:
                f.seek(offset)
                return f.read().decode("utf-8", "replace")
        except OSError:
            return ""

    def diag(self, tail=3000):
        """For failure details: a sanitizer report from its start when the
        log has one (its stack is what matters), else the log's tail."""
        log = self.log()
        for mark in ("==ERROR", "runtime error", "==WARNING"):
            i = log.find(mark)
            if i >= 0:
                return log[max(0, i - 200):i + 6000]
        return log[-tail:]

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def send_signal(self, sig):
        if self.alive():
            os.kill(self.proc.pid, sig)

    def stop(self, timeout=30, sig=signal.SIGTERM):
        """Sends sig and waits; returns the exit status (None: had to kill)."""
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            os.kill(self.proc.pid, sig)
        try:
            rc = self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=10)
            rc = None
        untrack(self.proc)
        self.logf.close()
        return rc

    def kill9(self):
        if self.alive():
            os.kill(self.proc.pid, signal.SIGKILL)
        self.proc.wait(timeout=10)
        untrack(self.proc)
        self.logf.close()

    # HTTP helpers: token=None uses self.token; token="" sends none.
    def req(self, method, path, body=None, headers=None, token=None, timeout=30):
        t = self.token if token is None else (token or None)
        return http_request(self.host, self.port, method, path, body, headers, t, timeout)

    def get(self, path, **kw):
        return self.req("GET", path, **kw)

    def post(self, path, body=None, **kw):
        return self.req("POST", path, body, **kw)

    def raw(self, data, timeout=5):
        return raw_exchange(self.host, self.port, data, timeout)

    def sse(self, path, token=None, last_event_id=None, timeout=20):
        t = self.token if token is None else (token or None)
        return SSEReader(self.host, self.port, path, t, last_event_id, timeout)

    def ws(self, path, token=None, timeout=10):
        t = self.token if token is None else (token or None)
        return WSClient(self.host, self.port, path, t, timeout)

    def wait_job(self, job_id, timeout=60, states=("succeeded", "failed", "canceled")):
        """Polls GET /v1/jobs/ID until its state is in states; the last
        job JSON (or None)."""
        last = [None]

        def done():
            r = self.get("/v1/jobs/" + job_id, timeout=10)
            if r.status == 200:
                last[0] = r.json()
                return last[0] and last[0].get("state") in states
            return False

        wait_until(done, timeout, interval=0.1)
        return last[0]


# ============================== Independent checks ===========================


def csv_totals(path, limit=None):
    """(rows, total amount as Decimal, {region: (rows, total)}) of a sales CSV
    (its first `limit` rows), computed here with the csv module."""
    import csv
    from decimal import Decimal
    total = Decimal(0)
    n = 0
    by = {}
    with open(path, newline="") as f:
        for row in csv.DictReader(f):
            if limit is not None and n >= limit:
                break
            a = Decimal(row["amount"])
            total += a
            n += 1
            c, t = by.get(row["region"], (0, Decimal(0)))
            by[row["region"]] = (c + 1, t + a)
    return n, total, by


# A report that reads a CSV and prints one line: the tag parameter, the row
# count and the sum of amount (what the cluster and pause tests check).
TOTALS_REPORT = """# written by tests/server/harness.py
report { title = "%(title)s" }
source sales { plugin = csv; path = "%(path)s" }
param tag { type = int; default = 0; label = "Tag" }
variable orders { value = count() }
variable revenue { value = sum(amount) }
variable customers { value = count_distinct(customer) }
band summary {
    height = 14
    field tag { box = [0, 0, 100, 14]; value = tag }
    field orders { box = [100, 0, 100, 14]; value = orders }
    field revenue { box = [200, 0, 100, 14]; value = revenue }
    field customers { box = [300, 0, 100, 14]; value = customers }
}
"""


def write_totals_report(dirpath, name, csv_path, title="Totals"):
    path = os.path.join(dirpath, name + ".quire")
    with open(path, "w") as f:
        f.write(TOTALS_REPORT % {"title": title, "path": csv_path})
    return path


class FifoFeeder:
    """Feeds a CSV into a named pipe slowly, so a render reading it runs as
    long as the test wants: `rows_per_tick` rows every `tick` seconds (the
    first `max_rows` rows of the file, or all), for at most `max_seconds` in
    all. Every reader that opens the pipe gets the stream from the start.
    The node opens a job's source twice: once when the job is created (the
    report is compiled to validate it, which reads the header and a sample)
    and once to render it. The first `quick_streams` readers therefore get
    the header and `quick_rows` rows at once and then end of file, so the
    check never holds the stream the render should get. The writer never
    blocks: a paused render stops reading and the feeder waits; a reader
    that goes away ends that stream."""

    def __init__(self, fifo, csv_path, rows_per_tick=500, tick=0.05, max_seconds=60,
                 max_rows=None, quick_streams=1, quick_rows=200):
        self.fifo = fifo
        self.csv_path = csv_path
        self.rows_per_tick = rows_per_tick
        self.tick = tick
        self.max_rows = max_rows
        self.quick_streams = quick_streams
        self.quick_rows = quick_rows
        self.deadline = time.monotonic() + max_seconds
        self.streams = 0  # readers served so far
        self.fed = 0  # rows handed to the current full stream so far
        self.stop_flag = threading.Event()
        if not os.path.exists(fifo):
            os.mkfifo(fifo)
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _alive(self):
        return not self.stop_flag.is_set() and time.monotonic() < self.deadline

    def rows_sent(self):
        """Rows handed to the pipe in the current full stream (at least as
        many as the reader has read)."""
        return self.fed

    def _run(self):
        import errno
        for _ in range(1000):
            fd = None
            while fd is None and self._alive():
                try:
                    fd = os.open(self.fifo, os.O_WRONLY | os.O_NONBLOCK)
                except OSError as e:
                    if e.errno != errno.ENXIO:
                        return
                    time.sleep(0.01)
            if fd is None:
                return
            self.streams += 1
            try:
                if self.streams <= self.quick_streams:
                    self._quick(fd)
                else:
                    self._stream(fd)
            finally:
                os.close(fd)
            time.sleep(0.02)  # let the reader see EOF before the next open

    def _quick(self, fd):
        with open(self.csv_path, "rb") as src:
            data = b"".join(src.readline() for _ in range(self.quick_rows + 1))
        for _ in range(1000):
            if not data or not self._alive():
                return
            try:
                data = data[os.write(fd, data):]
            except BlockingIOError:
                time.sleep(0.01)
            except OSError:
                return

    def _stream(self, fd):
        written = 0
        with open(self.csv_path, "rb") as src:
            pending = src.readline()  # the header
            for _ in range(10 ** 7):
                if not self._alive():
                    return
                if not pending:
                    lines = []
                    for _ in range(self.rows_per_tick):
                        if self.max_rows is not None and written + len(lines) >= self.max_rows:
                            break
                        line = src.readline()
                        if not line:
                            break
                        lines.append(line)
                    if not lines:
                        return
                    written += len(lines)
                    self.fed = written
                    pending = b"".join(lines)
                try:
                    n = os.write(fd, pending)
                    pending = pending[n:]
                    if not pending:
                        time.sleep(self.tick)
                except BlockingIOError:
                    time.sleep(0.02)
                except OSError:
                    return  # the reader went away

    def stop(self):
        self.stop_flag.set()
        self.thread.join(timeout=5)
