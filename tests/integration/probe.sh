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

# Probes run a few plugins ahead (registry.c, PROBES_AHEAD): while the kernel
# waits for one child, the next ones are already checking theirs. Each
# plugin still gets its own verdict, in allow-list order: a plugin whose
# child finished while an earlier one hung is ready, not timed out, and a
# second hanging plugin is reported like the first.
mkdir -p "$TMP/q"
cp "$plugins/crash_entry.so" "$plugins/good_source.so" "$plugins/good_renderer.so" \
    "$plugins/good_chart.so" "$TMP/q/"
cp "$plugins/hang_entry.so" "$TMP/q/hang_a.so"
cp "$plugins/hang_entry.so" "$TMP/q/hang_b.so"
qdir=$(cd "$TMP/q" && pwd)
cat > "$TMP/ahead.conf" <<CONF
[kernel]
plugin_dir = $qdir
plugins = good_source, crash_entry, hang_a, good_renderer, hang_b, good_chart
strict = no
plugin_load_timeout = 300ms
CONF
run timeout 20 "$QUIRE" plugins list -c "$TMP/ahead.conf"
expect_rc 0 "probes ahead: lenient mode lists every plugin"
expect_out_match "^good +source .* +$qdir/good_source.so +ready$" "probes ahead: the first healthy plugin is ready"
expect_out_match "^good +renderer .* +$qdir/good_renderer.so +ready$" \
    "probes ahead: a healthy plugin probed while a hanging one was waited for is ready"
expect_out_match "^good +chart .* +$qdir/good_chart.so +ready$" \
    "probes ahead: the healthy plugin after the second hang is ready"
expect_out_match "^crash_entry +- +- +- +$qdir/crash_entry.so +failed$" "probes ahead: the crash is failed"
expect_out_match "^hang_a +- +- +- +$qdir/hang_a.so +failed$" "probes ahead: the first hang is failed"
expect_out_match "^hang_b +- +- +- +$qdir/hang_b.so +failed$" "probes ahead: the second hang is failed"
expect_err_line "error: plugin $qdir/crash_entry.so: crashed while loading (signal 11, Segmentation fault)" \
    "probes ahead: the crash is reported"
expect_err_line "error: plugin $qdir/hang_a.so: did not finish loading within 300 ms (probe killed)" \
    "probes ahead: the first hang is reported"
expect_err_line "error: plugin $qdir/hang_b.so: did not finish loading within 300 ms (probe killed)" \
    "probes ahead: the second hang is reported"
errors=$(grep '^error: ' "$TMP/.err" | sed -E 's|^error: plugin [^ ]*/([a-z_]+)\.so: .*|\1|' | tr '\n' ' ')
expect_true "probes ahead: errors come in allow-list order (got: $errors)" \
    test "$errors" = "crash_entry hang_a hang_b "
# A probe child has quire's command line: a hanging one not killed would
# still be running.
expect_true "probes ahead: no probe child is left running" \
    test -z "$(pgrep -f -- "$TMP/ahead.conf")"
