# tests/plugin_cases.sh - helpers for the integration tests that drive the
# plugin loader (tests/integration/loader.sh, config_cli.sh, cli.sh).
# Source it after tests/lib.sh. Each case gets its own plugin directory under
# $TMP holding symlinks to the purpose-built plugins in
# $QUIRE_BUILD/tests/plugins (see the comment at the top of each
# tests/plugins/*.c for what it is and which error it provokes).
#
#   new_case NAME [STEM...]  make $TMP/NAME/plugins with STEM.so symlinks; sets
#                            CASE   the case directory
#                            PDIR   the plugin dir as the kernel prints it
#                            CONF   $CASE/quire.conf (not written yet)
#   add_plugin STEM [AS]     one more symlink in the current case (as AS.so)
#   write_conf STRICT ALLOW [PROBE]
#                            write $CONF with a fixed layout, so tests know the
#                            line numbers:
#                              1 [kernel]
#                              2 plugin_dir = plugins
#                              3 plugins = ALLOW
#                              4 strict = STRICT
#                              5 plugin_probe = PROBE (default yes)
#   add_conf                 append stdin to $CONF (line 6 onwards after
#                            write_conf)
#   plug STEM                the path the kernel prints for $PDIR/STEM.so
#   expect_row NAME KIND STATE PATH WHAT
#                            `plugins list` output ($OUT) has a row with that
#                            NAME, KIND, PATH and STATE
#   expect_no_row PATH WHAT  no row for PATH
#   expect_err_lacks TEXT WHAT / expect_out_lacks TEXT WHAT
#   expect_err_count N WHAT  stderr has exactly N "error: " lines
#   expect_out_count RE N WHAT  exactly N stdout lines match extended regex RE

PLUGSRC=$(cd "$QUIRE_BUILD/tests/plugins" 2>/dev/null && pwd)
if [ -z "$PLUGSRC" ] || [ ! -e "$PLUGSRC/good_source.so" ]; then
    echo "not ok - test plugins are not built in $QUIRE_BUILD/tests/plugins (run make tests)"
    exit 1
fi
# An absolute path to the binary, for tests that run quire from another
# directory.
QUIRE_ABS=$(realpath "$QUIRE")

CASE=""
PDIR=""
CONF=""

new_case() {
    local name=$1 stem
    shift
    CASE=$TMP/$name
    mkdir -p "$CASE/plugins"
    # The kernel normalises plugin paths lexically; do the same (no symlinks
    # resolved) so expected lines match even if $TMP has "//" or "/./".
    PDIR=$(realpath -ms "$CASE/plugins")
    CONF=$CASE/quire.conf
    for stem in "$@"; do add_plugin "$stem"; done
}

add_plugin() {
    ln -sf "$PLUGSRC/$1.so" "$CASE/plugins/${2:-$1}.so"
}

write_conf() {
    printf '[kernel]\nplugin_dir = plugins\nplugins = %s\nstrict = %s\nplugin_probe = %s\n' \
        "$2" "$1" "${3:-yes}" >"$CONF"
}

add_conf() {
    cat >>"$CONF"
}

plug() {
    printf '%s/%s.so' "$PDIR" "$1"
}

expect_row() {
    if awk -v n="$1" -v k="$2" -v s="$3" -v p="$4" \
        '$1 == n && $2 == k && $5 == p && $6 == s { found = 1 } END { exit !found }' "$TMP/.out"; then
        _ok "$5"
    else
        _not_ok "$5" "no plugins list row: NAME=$1 KIND=$2 PATH=$4 STATE=$3" "stdout was:" "$OUT"
    fi
}

expect_no_row() {
    if awk -v p="$1" '$5 == p { found = 1 } END { exit !found }' "$TMP/.out"; then
        _not_ok "$2" "unexpected plugins list row for $1" "stdout was:" "$OUT"
    else
        _ok "$2"
    fi
}

expect_err_lacks() {
    if grep -qF -- "$1" "$TMP/.err"; then
        _not_ok "$2" "stderr has: $1" "stderr was:" "$ERR"
    else
        _ok "$2"
    fi
}

expect_out_lacks() {
    if grep -qF -- "$1" "$TMP/.out"; then
        _not_ok "$2" "stdout has: $1" "stdout was:" "$OUT"
    else
        _ok "$2"
    fi
}

expect_err_count() {
    local n
    n=$(grep -c '^error: ' "$TMP/.err")
    if [ "$n" -eq "$1" ]; then _ok "$2"; else
        _not_ok "$2" "$n error lines on stderr, expected $1" "stderr was:" "$ERR"; fi
}

expect_out_count() {
    local n
    n=$(grep -cE -- "$1" "$TMP/.out")
    if [ "$n" -eq "$2" ]; then _ok "$3"; else
        _not_ok "$3" "$n stdout lines match $1, expected $2" "stdout was:" "$OUT"; fi
}
