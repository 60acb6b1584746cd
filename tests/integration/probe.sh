# probe.sh - a plugin that crashes or hangs while loading is reported by the
# kernel's probe child instead of killing or blocking `quire`.
source "$(dirname "$0")/../lib.sh"

plugins=$QUIRE_BUILD/tests/plugins
mkdir -p "$TMP/p"
cp "$plugins/crash_entry.so" "$plugins/hang_entry.so" "$TMP/p/"
dir=$(cd "$TMP/p" && pwd)
# ASan would catch the SIGSEGV itself and exit 1; let the signal through so
# the probe sees what a production build sees.
export ASAN_OPTIONS=${ASAN_OPTIONS:-}:handle_segv=0

cat > "$TMP/crash.conf" <<CONF
[kernel]
plugin_dir = $dir
plugins = crash_entry
strict = yes
CONF
run "$QUIRE" config check -c "$TMP/crash.conf"
expect_rc 4 "strict: a plugin crashing in its entry function exits 4"
expect_err_line "error: plugin $dir/crash_entry.so: crashed while loading (signal 11, Segmentation fault)" \
    "the crash is reported with its signal"

sed -i 's/^strict = yes/strict = no/' "$TMP/crash.conf"
run "$QUIRE" plugins list -c "$TMP/crash.conf"
expect_rc 0 "lenient: quire survives a crashing plugin"
expect_out_match "^crash_entry +- +- +- +$dir/crash_entry.so +failed$" "the crashed plugin is listed as failed"

cat > "$TMP/hang.conf" <<CONF
[kernel]
plugin_dir = $dir
plugins = hang_entry
plugin_load_timeout = 300ms
CONF
run timeout 20 "$QUIRE" config check -c "$TMP/hang.conf"
expect_rc 4 "a plugin hanging in its entry function is refused, not waited for"
expect_err_line "error: plugin $dir/hang_entry.so: did not finish loading within 300 ms (probe killed)" \
    "the hang is reported with the timeout"

cat > "$TMP/noprobe.conf" <<CONF
[kernel]
plugin_dir = $dir
plugins = crash_entry
plugin_probe = no
CONF
run "$QUIRE" config check -c "$TMP/noprobe.conf"
if [ "$RC" -ge 128 ] || [ "$RC" -eq 1 ]; then
    echo "ok - plugin_probe = no loads in-process (a crashing plugin takes quire down: status $RC)"
else
    echo "not ok - plugin_probe = no should load in-process; status $RC"
fi
