# openapi.sh - the server's documentation cannot drift from the server:
# the "METHOD PATH ROLE" routes of kernel/api.c's route table must be exactly
# the operations of docs/openapi.yaml (path, method, x-quire-role), the
# "### METHOD PATH" endpoint headings of docs/api.md and the rows of its
# role table; the metric names api_admin.c writes must all be in api.md; the
# [server] keys of kernel/kernel_conf.c (name and default) must be exactly
# the rows of docs/configuration.md's [server] table. Plain text tools only
# (no YAML library needed); when PyYAML happens to be installed the YAML is
# also parsed with it.
source "$(dirname "$0")/../lib.sh"

API_C=kernel/api.c
YAML=docs/openapi.yaml
MD=docs/api.md

# "METHOD PATH ROLE" of the route table: {"GET", "/v1/jobs", ROLE_VIEWER, ...}.
routes_of_code() {
    sed -nE 's/^[[:space:]]*\{"([A-Z]+)", "([^"]+)", ROLE_([A-Z]+),.*/\1 \2 \3/p' "$1" |
        tr 'A-Z' 'a-z' | awk '{ print toupper($1), $2, $3 }' | sort
}

# "METHOD PATH ROLE" of an OpenAPI file by indentation: paths at two spaces
# under the top-level "paths:", methods at four, x-quire-role at six.
routes_of_yaml() {
    awk '
        /^[^ #]/ { in_paths = ($0 ~ /^paths:/) ; next }
        !in_paths { next }
        /^  [^ ]/ { p = $1; sub(/:$/, "", p); gsub(/"/, "", p); next }
        /^    (get|post|put|patch|delete|head|options):/ {
            m = $1; sub(/:$/, "", m); next
        }
        /^      x-quire-role:/ { r = $2; gsub(/"/, "", r); print toupper(m), p, r }
    ' "$1" | sort
}

# "METHOD PATH" of the endpoint headings of api.md.
routes_of_headings() {
    sed -nE 's/^### (GET|POST|PUT|PATCH|DELETE) (\/[^ ]*)$/\1 \2/p' "$1" | sort
}

# "METHOD PATH ROLE" of the role table rows of api.md.
routes_of_role_table() {
    sed -nE 's/^\| (GET|POST|PUT|PATCH|DELETE) \| (\/[^ ]*) \| (none|viewer|editor|admin) \|$/\1 \2 \3/p' "$1" |
        sort
}

code=$(routes_of_code "$API_C")
n=$(printf '%s\n' "$code" | grep -c .)
if [ "$n" -ge 10 ]; then _ok "the route table of $API_C is read ($n routes)"; else
    _not_ok "the route table of $API_C is read ($n routes)" "$code"; fi

same() { # what, want, got
    if [ "$2" = "$3" ]; then _ok "$1"; else
        _not_ok "$1" "only in $API_C / got only in the doc:" \
            "$(diff <(printf '%s\n' "$2") <(printf '%s\n' "$3") | grep '^[<>]')"
    fi
}

same "$YAML: every route with its method and role, and nothing else" \
    "$code" "$(routes_of_yaml "$YAML")"
same "$MD: one '### METHOD PATH' heading per route, and nothing else" \
    "$(printf '%s\n' "$code" | cut -d' ' -f1,2)" "$(routes_of_headings "$MD")"
same "$MD: the role table lists every route with its least role" \
    "$code" "$(routes_of_role_table "$MD")"

# The checks notice drift: a route missing from a copy of the YAML.
awk '/^  "\/v1\/admin\/reload":/ { skip = 1; next } skip && /^  [^ ]/ { skip = 0 } !skip' "$YAML" \
    >"$TMP/drift.yaml"
if [ "$(routes_of_yaml "$TMP/drift.yaml")" != "$code" ] &&
    ! routes_of_yaml "$TMP/drift.yaml" | grep -q '/v1/admin/reload'; then
    _ok "the YAML check notices a route left out"
else
    _not_ok "the YAML check notices a route left out" "$(routes_of_yaml "$TMP/drift.yaml")"
fi

# OpenAPI essentials, by text.
expect_yaml_line() {
    if grep -qxF -- "$1" "$YAML"; then _ok "$YAML has: $1"; else
        _not_ok "$YAML has: $1" "no such line"; fi
}
expect_yaml_line 'openapi: "3.0.3"'
expect_yaml_line '    bearer:'
expect_yaml_line '      scheme: "bearer"'
for s in Job Event Report ReportDescription Error Plugin; do
    expect_yaml_line "    $s:"
done

# A full parse when a YAML library is at hand (not required).
if python3 -c 'import yaml' 2>/dev/null; then
    run python3 -c '
import sys, yaml
d = yaml.safe_load(open(sys.argv[1]))
assert d["openapi"] == "3.0.3"
refs = set()
def walk(v):
    if isinstance(v, dict):
        for k, x in v.items():
            if k == "$ref": refs.add(x)
            walk(x)
    elif isinstance(v, list):
        for x in v: walk(x)
walk(d)
for r in sorted(refs):
    _, _, kind, name = r.split("/")
    assert name in d["components"][kind], r
for p, ops in d["paths"].items():
    for m, op in ops.items():
        for code in op["responses"]:
            assert isinstance(code, str), (p, m, code)
print("ok")
' "$YAML"
    expect_out_line ok "$YAML parses as YAML and every \$ref resolves"
fi

# Every metric name api_admin.c writes is documented in api.md.
metrics=$(grep -oE 'metric_head\(&b, "[a-z_]+"' kernel/api_admin.c | sed -E 's/.*"(.*)"/\1/' | sort -u)
missing=""
for m in $metrics; do grep -qF "\`$m\`" "$MD" || missing="$missing $m"; done
if [ -n "$metrics" ] && [ -z "$missing" ]; then _ok "$MD documents every metric ($(echo $metrics | wc -w))"; else
    _not_ok "$MD documents every metric" "missing:$missing"; fi

# [server] keys: "name default" from kernel_conf.c against the table in
# configuration.md (first column `name`, third column `default` or "none").
keys_of_code() {
    awk '/server_keys\[\] = \{/ { on = 1 } on && /^\};/ { on = 0 } on' kernel/kernel_conf.c |
        tr '\n' ' ' | grep -oE '\.name = "[a-z_]+"[^}]*\.default_value = (NULL|"[^"]*")' |
        sed -E 's/\.name = "([a-z_]+)".*\.default_value = (NULL|"([^"]*)")/\1 \3/' |
        sed -E 's/ $/ -/' | sort
}
keys_of_doc() {
    awk '/^## The \[server\] section/ { on = 1; next } /^## / { on = 0 } on' docs/configuration.md |
        sed -nE 's/^\| `([a-z_]+)` \| [^|]+ \| (`([^`]*)`|empty|none)[^|]*\|.*/\1 \3/p' |
        sed -E 's/ $/ -/' | sort
}
same "docs/configuration.md: the [server] table has every key of kernel_conf.c with its default" \
    "$(keys_of_code)" "$(keys_of_doc)"
if awk '/^## The \[kernel\] section/ { on = 1; next } /^## / { on = 0 } on' docs/configuration.md |
    grep -qE '^\| `(listen|redis_url)` '; then
    _not_ok "the [kernel] table no longer lists listen and redis_url" "still there"
else
    _ok "the [kernel] table no longer lists listen and redis_url"
fi
