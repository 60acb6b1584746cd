"""test_auth.py - bearer tokens: the full matrix of every route in
kernel/api.c's route table (read from the source, so a new route is tested
too) against no token, a bad token and the viewer, editor and admin tokens:
401 with WWW-Authenticate, 403 with the role needed, or allowed. /healthz
and /readyz need no token. A reload changes the tokens live. No token ever
appears in the node's log (at log_level debug).
"""

import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness as h  # noqa: E402

tap = h.Tap()

TOKENS = {
    "admin": "adm-7f3c9a1e5b2d4c6f8a0b",
    "editor": "edt-1a2b3c4d5e6f7a8b9c0d",
    "viewer": "vwr-0f9e8d7c6b5a4f3e2d1c",
}
NAMES = {"admin": "ada", "editor": "ed", "viewer": "vera"}
BAD = "bad-00000000000000000000"
RANK = {"ROLE_NONE": 0, "ROLE_VIEWER": 1, "ROLE_EDITOR": 2, "ROLE_ADMIN": 3}
ROLE_OF = {"viewer": 1, "editor": 2, "admin": 3}


def routes_from_source():
    with open(os.path.join(h.REPO, "kernel", "api.c")) as f:
        src = f.read()
    table = re.search(r"static const api_route routes\[\] = \{(.*?)\n\};", src, re.S)
    return re.findall(r'\{"(\w+)", "([^"]+)", (ROLE_\w+), \w+\}', table.group(1) if table else "")


def tokens_conf(tokens):
    return " ".join("%s:%s:%s" % (NAMES[role], role, tok) for role, tok in tokens.items())


def concrete(pattern, job_id):
    return (pattern.replace("{name}", "pdf" if "/admin/" in pattern else "sales")
            .replace("{id}", job_id))


def body_for(method, pattern):
    if method != "POST":
        return None
    if pattern.endswith("/render"):
        return {"format": "csv"}
    if pattern == "/v1/jobs":
        return {"report": "sales", "format": "csv"}
    return None


def check_matrix(node, routes, job_id):
    callers = [("no token", ""), ("a bad token", BAD)] + [(r, TOKENS[r]) for r in
                                                            ("viewer", "editor", "admin")]
    for method, pattern, role in routes:
        need = RANK[role]
        path = concrete(pattern, job_id)
        for who, tok in callers:
            r = node.req(method, path, body_for(method, pattern), token=tok, timeout=60)
            what = "%s %s as %s" % (method, pattern, who)
            err = (r.json() or {}).get("error") or {}
            if need == 0 or (who in ROLE_OF and ROLE_OF[who] >= need):
                tap.ok(r.status not in (401, 403) and r.status < 500, "%s: allowed (%d)"
                       % (what, r.status), r)
            elif who == "no token":
                tap.ok(r.status == 401 and r.header("www-authenticate") == 'Bearer realm="quire"'
                       and err.get("code") == "unauthorized",
                       "%s: 401 with WWW-Authenticate: Bearer realm=\"quire\"" % what, r, r.headers)
            elif who == "a bad token":
                tap.ok(r.status == 401 and r.header("www-authenticate") ==
                       'Bearer realm="quire", error="invalid_token"' and
                       err.get("message") == "the bearer token is not valid",
                       "%s: 401 invalid_token" % what, r, r.headers)
            else:
                want = "%s %s needs the %s role; token '%s' has %s" % (
                    method, pattern, role[5:].lower(), NAMES[who], who)
                tap.ok(r.status == 403 and err.get("message") == want and
                       err.get("code") == "forbidden",
                       "%s: 403 naming the role needed" % what, "want: " + want, r)


def check_header_forms(node):
    ok = node.get("/v1/reports", headers={"Authorization": "bearer " + TOKENS["viewer"]},
                  token="")
    tap.eq(ok.status, 200, "the Bearer scheme is case-insensitive", ok)
    r = node.get("/v1/reports", headers={"Authorization": "Basic " + TOKENS["viewer"]}, token="")
    tap.eq(r.status, 401, "another scheme than Bearer: 401", r)
    r = node.get("/v1/reports", token=TOKENS["viewer"][:-1])
    tap.eq(r.status, 401, "a token one character short: 401", r)
    r = node.get("/v1/reports", token=TOKENS["viewer"] + "x")
    tap.eq(r.status, 401, "a token with one character more: 401", r)


def check_reload_tokens(node):
    new = dict(TOKENS)
    new["viewer"] = "vwr-new-11112222333344445555"
    node.server_opts["tokens"] = tokens_conf(new)
    node.write_config()
    r = node.post("/v1/admin/reload", token=TOKENS["editor"])
    tap.eq(r.status, 403, "POST /v1/admin/reload as editor: 403", r)
    r = node.post("/v1/admin/reload", token=TOKENS["admin"])
    tap.eq(r.status, 200, "POST /v1/admin/reload as admin with new tokens: 200", r)
    tap.eq(node.get("/v1/reports", token=new["viewer"]).status, 200,
           "after the reload the new viewer token is accepted")
    tap.eq(node.get("/v1/reports", token=TOKENS["viewer"]).status, 401,
           "after the reload the old viewer token is refused")
    return new


def main():
    if not os.access(h.QUIRE, os.X_OK):
        tap.ok(False, "the quire binary is built", h.QUIRE)
        return tap.finish()
    routes = routes_from_source()
    tap.ok(len(routes) >= 17, "the route table of kernel/api.c is read (%d routes)" % len(routes))
    node = h.Node("auth", server={"node_id": "auth-1", "tokens": tokens_conf(TOKENS),
                                  "drain_timeout": "5s"},
                  kernel={"log_level": "debug"})
    used = dict(TOKENS)
    try:
        node.start()
        r = node.post("/v1/jobs", {"report": "sales", "format": "csv"}, token=TOKENS["admin"])
        job_id = (r.json() or {}).get("id", "none")
        tap.eq(r.status, 201, "a job to test the job routes on is created", r)
        node.token = TOKENS["admin"]
        info = node.wait_job(job_id, timeout=60)
        tap.eq((info or {}).get("state"), "succeeded", "that job succeeds", info)
        check_matrix(node, routes, job_id)
        check_header_forms(node)
        new = check_reload_tokens(node)
        used.update({"viewer2": new["viewer"]})
        rc = node.stop(timeout=20)
        tap.eq(rc, 0, "the node stops with 0", node.diag())
    except Exception:
        import traceback
        tap.ok(False, "test_auth ran to the end", traceback.format_exc(), node.diag())
    finally:
        node.stop(timeout=10)
    log = node.log()
    tap.ok("debug:" in log, "the node logged at debug level", log[-500:])
    for name, tok in sorted(used.items()) + [("bad", BAD)]:
        tap.ok(tok not in log, "the %s token never appears in the log" % name)
    tap.ok(TOKENS["admin"] not in open(node.log_path, "rb").read().decode("latin-1"),
           "not even as raw bytes")
    return tap.finish()


if __name__ == "__main__":
    sys.exit(main())
