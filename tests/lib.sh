# tests/lib.sh - helpers for integration tests that drive the real binaries.
#
# Source it from tests/integration/*.sh. Each check prints one TAP line,
# "ok - what" or "not ok - what" followed by "# " lines saying what differed.
#
#   run CMD...                 run CMD, keep stdout in $OUT, stderr in $ERR,
#                              exit status in $RC (never aborts the script)
#   expect_rc WANT WHAT        $RC == WANT
#   expect_err_line LINE WHAT  stderr has exactly this line
#   expect_out_line LINE WHAT  stdout has exactly this line
#   expect_err_has TEXT WHAT   stderr contains TEXT
#   expect_out_has TEXT WHAT   stdout contains TEXT
#   expect_out_match RE WHAT   stdout has a line matching extended regex RE
#   expect_true WHAT CMD...    CMD succeeds
#   tmpdir                     a scratch directory removed at exit ($TMP)
#   use_plugins LIST           write $TMP/quire.conf loading LIST (e.g. "csv, data")
#                              from $QUIRE_BUILD/plugins and export it as QUIRE_CONF
set -u
cd "$(dirname "${BASH_SOURCE[0]}")/.." || exit 2
QUIRE_BUILD=${QUIRE_BUILD:-build}
QUIRE=$QUIRE_BUILD/quire
# The plugin ABI version of the headers the build used, for messages that
# print it.
ABI_MAJOR=$(sed -n 's/^#define QUIRE_ABI_MAJOR \([0-9]*\)$/\1/p' include/quire/plugin.h)
ABI_MINOR=$(sed -n 's/^#define QUIRE_ABI_MINOR \([0-9]*\)$/\1/p' include/quire/plugin.h)
ABI="$ABI_MAJOR.$ABI_MINOR"
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
# The kernel's plugin probe cache (plugin_probe_cache = auto) goes here, not
# to the real ~/.cache: each test script starts with an empty one, in use.
export XDG_CACHE_HOME="$TMP/xdg-cache"
mkdir -p "$XDG_CACHE_HOME"
OUT=""
ERR=""
RC=0

# Run the test plugins' kernel with no environment overrides leaking in.
for v in $(env | grep -oE '^QUIRE_[A-Z0-9_]+' | grep -v '^QUIRE_BUILD$'); do unset "$v"; done

run() {
    "$@" >"$TMP/.out" 2>"$TMP/.err"
    RC=$?
    OUT=$(cat "$TMP/.out")
    ERR=$(cat "$TMP/.err")
}

_ok() { echo "ok - $1"; }
_not_ok() {
    echo "not ok - $1"
    shift
    local line
    for line in "$@"; do printf '%s\n' "$line" | sed 's/^/#   /'; done
}

expect_rc() {
    if [ "$RC" -eq "$1" ]; then _ok "$2"; else
        _not_ok "$2" "exit status $RC, expected $1" "stderr: $ERR" "stdout: $OUT"; fi
}
expect_err_line() {
    if grep -qxF -- "$1" "$TMP/.err"; then _ok "$2"; else
        _not_ok "$2" "stderr lacks the line: $1" "stderr was:" "$ERR"; fi
}
expect_out_line() {
    if grep -qxF -- "$1" "$TMP/.out"; then _ok "$2"; else
        _not_ok "$2" "stdout lacks the line: $1" "stdout was:" "$OUT"; fi
}
expect_err_has() {
    if grep -qF -- "$1" "$TMP/.err"; then _ok "$2"; else
        _not_ok "$2" "stderr lacks: $1" "stderr was:" "$ERR"; fi
}
expect_out_has() {
    if grep -qF -- "$1" "$TMP/.out"; then _ok "$2"; else
        _not_ok "$2" "stdout lacks: $1" "stdout was:" "$OUT"; fi
}
expect_out_match() {
    if grep -qE -- "$1" "$TMP/.out"; then _ok "$2"; else
        _not_ok "$2" "no stdout line matches: $1" "stdout was:" "$OUT"; fi
}
expect_true() {
    local what=$1; shift
    if "$@"; then _ok "$what"; else _not_ok "$what" "command failed: $*"; fi
}

use_plugins() {
    local dir
    case "$QUIRE_BUILD" in
    /*) dir="$QUIRE_BUILD/plugins" ;;
    *) dir="$PWD/$QUIRE_BUILD/plugins" ;;
    esac
    printf '[kernel]\nplugin_dir = %s\nplugins = %s\n' "$dir" "$1" > "$TMP/quire.conf"
    export QUIRE_CONF="$TMP/quire.conf"
}
