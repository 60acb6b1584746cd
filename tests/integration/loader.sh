# loader.sh - the plugin loader, end to end through the real `quire` binary:
# every way a plugin can be refused (kernel/loader.c), each in strict mode
# (exit 4, nothing initialised) and lenient mode (exit 0, the broken plugin
# listed as failed and skipped, its healthy neighbour ready), with the probe
# child (default) and without it (plugin_probe = no, the in-process loader);
# plus duplicates, init failure and the rollback of its registrations, old
# and wide ABI layouts, and `plugins info` by name and by path.
source "$(dirname "$0")/../lib.sh"
source tests/plugin_cases.sh

# refused STEM WHAT ERROR... - STEM.so next to good_source.so, both listed:
# every ERROR ("plugin P: " is prepended; "@P@" inside it is P too) must be
# printed, and nothing else.
refused() {
    local stem=$1 what=$2 e probe
    shift 2
    if [ "$stem" = garbage ]; then
        # A real file in the case directory, not a symlink into the build.
        new_case "$stem" good_source
        for e in 1 2 3 4 5 6 7 8; do printf 'this is not an ELF shared object; '; done \
            >"$CASE/plugins/garbage.so"
    else
        new_case "$stem" good_source "$stem"
    fi
    # "@P@" in an expected message stands for the plugin's path.
    set -- "${@//@P@/$(plug "$stem")}"

    write_conf yes "good_source, $stem"
    run "$QUIRE" plugins list -c "$CONF"
    expect_rc 4 "$what: strict mode exits 4 (plugin refused)"
    for e in "$@"; do
        expect_err_line "error: plugin $(plug "$stem"): $e" "$what: strict mode prints '$e'"
    done
    expect_err_count $# "$what: strict mode prints no other error"
    expect_err_lacks "info: source.good:" "$what: strict mode initialises no plugin when one is refused"
    expect_err_lacks "skipped (strict = no)" "$what: strict mode prints no 'skipped' warning"
    expect_row "$stem" - failed "$(plug "$stem")" "$what: strict mode lists the plugin as failed"

    write_conf no "good_source, $stem"
    run "$QUIRE" plugins list -c "$CONF"
    expect_rc 0 "$what: lenient mode exits 0"
    for e in "$@"; do
        expect_err_line "error: plugin $(plug "$stem"): $e" "$what: lenient mode still prints '$e'"
    done
    expect_err_line "warning: plugin $(plug "$stem"): skipped (strict = no)" \
        "$what: lenient mode warns that the plugin is skipped"
    expect_row "$stem" - failed "$(plug "$stem")" "$what: lenient mode lists the plugin as failed"
    expect_row good source ready "$(plug good_source)" "$what: lenient mode lists the healthy plugin as ready"
    expect_err_has "info: source.good: batch_rows=1024" "$what: lenient mode initialises the healthy plugin"

    # The same checks in-process, without the probe child.
    for probe in no; do
        write_conf yes "good_source, $stem" "$probe"
        run "$QUIRE" config check -c "$CONF"
        expect_rc 4 "$what: plugin_probe = no: strict mode exits 4"
        for e in "$@"; do
            expect_err_line "error: plugin $(plug "$stem"): $e" "$what: plugin_probe = no: prints '$e'"
        done
        expect_err_count $# "$what: plugin_probe = no: prints no other error"
        expect_out_lacks ": ok:" "$what: config check does not say ok"
    done
}

# ---------------------------------------------------------------- loader errors

refused garbage "a file that is not a shared object" \
    "cannot load: @P@: invalid ELF header"
refused undefined_symbol "a plugin with an unresolved symbol (RTLD_NOW)" \
    "cannot load: @P@: undefined symbol: quire_test_no_such_function"
refused no_entry "a shared object without quire_plugin_v1" \
    "no entry symbol 'quire_plugin_v1' (define it with QUIRE_PLUGIN_DEFINE)"
refused null_entry "an entry function returning NULL" \
    "quire_plugin_v1() returned NULL"
refused bad_magic "a descriptor with a bad magic" \
    "bad magic 0xdeadbeef, expected 0x52495551 (not a quire plugin descriptor)"
refused abi_major "a plugin built for ABI major 2" \
    "ABI major 2, kernel supports 1"
refused abi_minor "a plugin built for a newer ABI minor" \
    "ABI $ABI_MAJOR.$((ABI_MINOR + 1)) is newer than the kernel's $ABI"
refused small_desc "a descriptor smaller than the 1.0 layout" \
    "descriptor size 16, at least 116 required"
refused unknown_kind "a descriptor of unknown kind 9" \
    "unknown kind 9 (known: 1 source, 2 renderer, 3 chart, 4 transport)"
refused bad_name "a plugin with an invalid name" \
    "name 'Bad Name' is invalid (use [a-z][a-z0-9_]*, at most 32 bytes)"
refused no_version "a plugin without a version" \
    "missing version"
refused reserved_set "a descriptor with a reserved slot set" \
    "reserved[3] is not NULL"
refused no_ops "a plugin without an ops table" \
    "no source ops table"
refused small_ops "an ops table smaller than the kind's minimum" \
    "source ops table size 8, at least 48 required"
refused null_op "an ops table with a required op NULL" \
    "source op 'next' is NULL"
refused half_transport "a transport with attach but not the other serving ops (ABI 1.5)" \
    "transport op 'quiesce' is NULL"
refused bad_schema "a plugin with an invalid config schema (every problem reported)" \
    "config schema key 'level': default 500 is above the maximum 100" \
    "config schema key 'mode': enum without choices" \
    "config schema key 'token': is required and has a default"

# Paths in messages are normalised, and a relative plugin_dir is relative to
# the config file's directory, which is itself given relatively here.
new_case relcase abi_major
printf '[kernel]\nplugin_dir = ./plugins/../plugins//\nplugins = abi_major\n' >"$CONF"
run bash -c 'cd "$1" && exec "$2" plugins list -c relcase/quire.conf' - "$TMP" "$QUIRE_ABS"
expect_rc 4 "relative config path: the refused plugin exits 4"
expect_err_line "error: plugin relcase/plugins/abi_major.so: ABI major 2, kernel supports 1" \
    "relative config path: plugin path is resolved against the config's directory and normalised"
expect_row abi_major - failed relcase/plugins/abi_major.so "relative config path: list shows the normalised path"

# ---------------------------------------------------------------- duplicates

new_case dup dup_a dup_b good_source
write_conf yes "dup_a, dup_b"
run "$QUIRE" plugins list -c "$CONF"
expect_rc 4 "duplicates: strict mode exits 4"
expect_err_line "error: plugin $(plug dup_b): duplicate chart name 'dup', already loaded from $(plug dup_a)" \
    "duplicates: the second plugin of a kind and name is refused, naming the first"
expect_err_count 1 "duplicates: exactly one error"
expect_row dup chart failed "$(plug dup_b)" "duplicates: the second is listed as failed"
expect_row dup chart loaded "$(plug dup_a)" "duplicates: strict mode leaves the first loaded, not initialised"

write_conf yes "dup_b, dup_a"
run "$QUIRE" plugins list -c "$CONF"
expect_err_line "error: plugin $(plug dup_a): duplicate chart name 'dup', already loaded from $(plug dup_b)" \
    "duplicates: allow-list order decides which one loads first"

write_conf no "*"
run "$QUIRE" plugins list -c "$CONF"
expect_rc 0 "duplicates: lenient mode exits 0"
expect_err_line "error: plugin $(plug dup_b): duplicate chart name 'dup', already loaded from $(plug dup_a)" \
    "duplicates: with * files load in name order"
expect_err_line "warning: plugin $(plug dup_b): skipped (strict = no)" "duplicates: lenient mode skips the second"
expect_row dup chart ready "$(plug dup_a)" "duplicates: lenient mode initialises the first"
expect_row good source ready "$(plug good_source)" "duplicates: other plugins are unaffected"

run "$QUIRE" plugins info dup -c "$CONF"
expect_rc 0 "duplicates: plugins info NAME shows every record of that name"
expect_out_count '^name: +dup$' 2 "duplicates: plugins info dup prints two records"
expect_out_line "version:     2.0.0" "duplicates: plugins info shows the refused one's version"
expect_out_line "error:       plugin $(plug dup_b): duplicate chart name 'dup', already loaded from $(plug dup_a)" \
    "duplicates: plugins info shows why the second was refused"

# The same name in different kinds is not a duplicate.
new_case kinds good_source good_renderer good_chart
write_conf yes "*"
run "$QUIRE" plugins list -c "$CONF"
expect_rc 0 "same name, different kinds: all load"
expect_err_count 0 "same name, different kinds: no error"
expect_row good source ready "$(plug good_source)" "same name, different kinds: source.good ready"
expect_row good renderer ready "$(plug good_renderer)" "same name, different kinds: renderer.good ready"
expect_row good chart ready "$(plug good_chart)" "same name, different kinds: chart.good ready"
run "$QUIRE" plugins info renderer.good -c "$CONF"
expect_rc 0 "plugins info KIND.NAME exits 0"
expect_out_count '^name: ' 1 "plugins info KIND.NAME picks one of the plugins sharing a name"
expect_out_line "kind:        renderer" "plugins info KIND.NAME picks the right kind"
expect_out_line "formats:     testfmt (.tst, application/x-quire-test): Test output format" \
    "plugins info shows the format the renderer registered in init"
run "$QUIRE" plugins info chart.good -c "$CONF"
expect_out_line "chart types: bar: Vertical bars" "plugins info shows the first registered chart type"
expect_out_line "             pie" "plugins info shows the second chart type (no description)"
run "$QUIRE" plugins info good -c "$CONF"
expect_out_count '^name: +good$' 3 "plugins info NAME shows all three kinds called good"

# ---------------------------------------------------------------- init failure

new_case initfail good_source init_fail claim good_chart good_renderer
write_conf no "init_fail, claim, good_source"
add_conf <<'EOF'

[renderer.claim]
format = rollbackfmt
EOF
run "$QUIRE" plugins list -c "$CONF"
expect_rc 0 "init failure: lenient mode exits 0"
expect_err_line "error: plugin $(plug init_fail): init failed: deliberate failure after registering rollbackfmt" \
    "init failure: the plugin's own message is reported"
expect_err_line "warning: plugin $(plug init_fail): skipped (strict = no)" "init failure: lenient mode skips it"
expect_err_count 1 "init failure: exactly one error"
expect_row init_fail renderer failed "$(plug init_fail)" "init failure: listed as failed"
expect_row claim renderer ready "$(plug claim)" \
    "init failure: a later plugin registering the same format name succeeds (registration withdrawn)"
expect_err_line "info: renderer.claim: claimed format rollbackfmt" "init failure: the later plugin got the name"
run "$QUIRE" plugins info init_fail -c "$CONF"
expect_out_line "state:       failed" "init failure: plugins info shows the state"
expect_out_line "error:       plugin $(plug init_fail): init failed: deliberate failure after registering rollbackfmt" \
    "init failure: plugins info shows the error"
expect_out_lacks "formats:" "init failure: plugins info lists no format for the failed plugin (rolled back)"
run "$QUIRE" plugins info claim -c "$CONF"
expect_out_line "formats:     rollbackfmt (.rollbackfmt, application/x-claim): Claimed by the claim plugin" \
    "init failure: the format now belongs to the later plugin"

# Without the rollback the name stays taken: prove the check can fail.
write_conf no "good_renderer, claim"
add_conf <<'EOF'

[renderer.claim]
format = testfmt
EOF
run "$QUIRE" plugins list -c "$CONF"
expect_rc 0 "format conflict: lenient mode exits 0"
expect_err_line "error: plugin $(plug claim): init failed: format 'testfmt' already registered by plugin $(plug good_renderer)" \
    "format conflict: the second registration of a format fails init, naming the owner"
expect_row good renderer ready "$(plug good_renderer)" "format conflict: the owner stays ready"
expect_row claim renderer failed "$(plug claim)" "format conflict: the claimant is failed"

write_conf yes "good_source, init_fail, good_chart"
run "$QUIRE" plugins list -c "$CONF"
expect_rc 4 "init failure: strict mode exits 4"
expect_err_line "error: plugin $(plug init_fail): init failed: deliberate failure after registering rollbackfmt" \
    "init failure: strict mode reports it"
expect_err_lacks "skipped (strict = no)" "init failure: strict mode skips nothing"
expect_err_line "info: source.good: destroyed" "init failure: strict mode destroys the plugins already initialised"
expect_err_lacks "info: chart.good:" "init failure: strict mode initialises no plugin after the failed one"
expect_row good chart loaded "$(plug good_chart)" "init failure: strict mode leaves later plugins loaded"

# ---------------------------------------------------------------- ABI layouts

new_case layouts old_minor
write_conf yes "old_minor"
run "$QUIRE" plugins list -c "$CONF"
expect_rc 0 "old layout: a 1.0-sized descriptor (smaller than today's) loads in strict mode"
expect_err_count 0 "old layout: no error (bytes past the declared size are ignored)"
expect_row old_minor chart ready "$(plug old_minor)" "old layout: listed as ready"
expect_out_match "^old_minor +chart +1\.0\.0 +1\.0 " "old layout: list shows version and ABI 1.0"
expect_err_line "info: chart.old_minor: loaded by a kernel with ABI $ABI, smooth=0" \
    "old layout: init ran with the host table and its config"
run "$QUIRE" plugins info old_minor -c "$CONF"
expect_out_line "chart types: old_line: Drawn by a 1.0 plugin" "old layout: its registration is listed"
add_conf <<'EOF'

[chart.old_minor]
smooth = yes
EOF
run "$QUIRE" plugins list -c "$CONF"
expect_err_line "info: chart.old_minor: loaded by a kernel with ABI $ABI, smooth=1" \
    "old layout: its config section is applied"

new_case widekeys wide_keys
write_conf yes "wide_keys"
run "$QUIRE" plugins info wide_keys -c "$CONF"
expect_rc 0 "wide config keys: plugins info exits 0"
expect_out_count '^  [a-z_]+ \(' 3 "wide config keys: exactly three keys read with the plugin's stride"
expect_out_line "  alpha (int, default 5, 1..10)" "wide config keys: first key"
expect_out_line "  beta (enum: a|b, default b)" "wide config keys: second key"
expect_out_line "  gamma (duration, default 1s)" "wide config keys: third key"
add_conf <<'EOF'

[chart.wide_keys]
alpha = 11
EOF
run "$QUIRE" config check -c "$CONF"
expect_rc 3 "wide config keys: an out-of-range value is refused (exit 3)"
expect_err_line "error: $CONF:8: [chart.wide_keys] alpha: 11 is above the maximum 10" \
    "wide config keys: bounds come from the right key"

# ---------------------------------------------------------------- allow-list

new_case missing good_source
write_conf yes "good_source, missing"
run "$QUIRE" plugins list -c "$CONF"
expect_rc 4 "allow-list names a missing file: strict mode exits 4"
expect_err_line "error: plugin $(plug missing): file not found" "allow-list names a missing file: file not found"
expect_err_line "error: plugin $(plug missing): listed in the allow-list at $CONF:3" \
    "allow-list names a missing file: says where the entry is"
expect_err_count 2 "allow-list names a missing file: no other error"
write_conf no "good_source, missing"
run "$QUIRE" plugins list -c "$CONF"
expect_rc 0 "allow-list names a missing file: lenient mode exits 0"
expect_err_line "warning: plugin $(plug missing): skipped (strict = no)" "allow-list names a missing file: lenient mode skips it"
expect_row missing - failed "$(plug missing)" "allow-list names a missing file: listed as failed"
expect_row good source ready "$(plug good_source)" "allow-list names a missing file: the others load"

ln -s "$CASE/plugins/nowhere" "$CASE/plugins/dangling.so"
write_conf yes "dangling"
run "$QUIRE" plugins list -c "$CONF"
expect_err_line "error: plugin $(plug dangling): file not found" "a dangling symlink is a missing file"
write_conf yes "*"
run "$QUIRE" plugins list -c "$CONF"
expect_rc 4 "* with a dangling symlink: strict mode exits 4"
expect_err_line "error: plugin $(plug dangling): file not found" "* with a dangling symlink: file not found"
expect_err_lacks "listed in the allow-list" "* entries are not pointed at as if listed by name"

new_case notfile good_source
mkdir "$CASE/plugins/adir.so"
write_conf yes "*"
run "$QUIRE" plugins list -c "$CONF"
expect_rc 4 "a directory named *.so: strict mode exits 4"
expect_err_line "error: plugin $(plug adir): not a regular file" "a directory named *.so is not a regular file"

new_case names good_source
write_conf yes "good_source, ../x, sub/x, .hidden"
run "$QUIRE" plugins list -c "$CONF"
expect_rc 3 "allow-list entries that are not file names: exit 3 (configuration refused)"
expect_err_line "error: $CONF:3: [kernel] plugins: '../x' is not a plugin file name (a file in plugin_dir, without .so)" \
    "allow-list '../x' is refused"
expect_err_line "error: $CONF:3: [kernel] plugins: 'sub/x' is not a plugin file name (a file in plugin_dir, without .so)" \
    "allow-list 'sub/x' is refused"
expect_err_line "error: $CONF:3: [kernel] plugins: '.hidden' is not a plugin file name (a file in plugin_dir, without .so)" \
    "allow-list '.hidden' is refused"
expect_err_count 3 "allow-list: every bad entry is reported at once"
expect_err_lacks "info: source.good:" "allow-list: nothing is initialised on a refused config"
write_conf no "good_source, ../x"
run "$QUIRE" plugins list -c "$CONF"
expect_rc 3 "allow-list entries that are not file names are fatal in lenient mode too"

# Disabled: in plugin_dir, not listed, never opened.
new_case disabled good_source no_entry crash_entry
printf 'not an ELF file at all' >"$CASE/plugins/garbage.so"
write_conf yes "good_source" no
run "$QUIRE" plugins list -c "$CONF"
expect_rc 0 "unlisted broken plugins do not fail a strict config"
expect_err_count 0 "unlisted plugins are never opened: no error (no_entry, garbage) and no crash (crash_entry, no probe)"
expect_row no_entry - disabled "$(plug no_entry)" "an unlisted plugin is listed as disabled"
expect_row garbage - disabled "$(plug garbage)" "an unlisted garbage file is listed as disabled"
expect_row crash_entry - disabled "$(plug crash_entry)" "an unlisted crashing plugin is listed as disabled"
expect_row good source ready "$(plug good_source)" "the listed plugin is ready"
run "$QUIRE" plugins info no_entry -c "$CONF"
expect_rc 0 "plugins info on a disabled plugin (by file name) exits 0"
expect_out_line "state:       disabled" "plugins info shows a disabled plugin's state"
run "$QUIRE" config check -c "$CONF"
expect_out_line "$CONF: ok: plugins: 1 ready, 0 failed, 3 disabled" "config check counts disabled plugins"

new_case star good_source good_renderer good_chart old_minor
: >"$CASE/plugins/.hidden.so"
: >"$CASE/plugins/notes.txt"
write_conf yes "*"
run "$QUIRE" config check -c "$CONF"
expect_rc 0 "* loads every .so"
expect_out_line "$CONF: ok: plugins: 4 ready, 0 failed, 0 disabled" \
    "* loads every .so in plugin_dir (not dot files, not other files)"
write_conf yes "good_source, *, good_source"
run "$QUIRE" plugins list -c "$CONF"
expect_rc 0 "a plugin named twice (and by *) loads once"
expect_err_count 0 "a plugin named twice is not a duplicate"
expect_out_count "^good +source " 1 "a plugin named twice has one row"
write_conf yes ""
run "$QUIRE" config check -c "$CONF"
expect_rc 0 "an empty allow-list is valid"
expect_out_line "$CONF: ok: plugins: 0 ready, 0 failed, 4 disabled" "an empty allow-list disables everything"

# An unreadable plugin_dir is one problem, reported once, in either mode.
new_case nodir
printf '[kernel]\nplugin_dir = nodir\nplugins = good_source\nstrict = no\n\n[source.good]\nbatch_rows = 5\n' >"$CONF"
run "$QUIRE" config check -c "$CONF"
expect_rc 3 "unreadable plugin_dir: exit 3 even in lenient mode"
expect_err_line "error: $CONF:2: [kernel] plugin_dir: cannot read '$(realpath -ms "$CASE/nodir")': No such file or directory" \
    "unreadable plugin_dir: names the key, where it is set and the resolved directory"
expect_err_lacks "unknown section [source.good]" \
    "unreadable plugin_dir: plugin sections are not reported as unknown (no cascade)"

# ---------------------------------------------------------------- plugins info PATH

new_case infopath good_source
write_conf yes "good_source"
run "$QUIRE" plugins info "$PLUGSRC/good_chart.so" -c "$CONF"
expect_rc 0 "plugins info PATH opens a file outside plugin_dir and the allow-list"
expect_out_line "path:        $PLUGSRC/good_chart.so" "plugins info PATH shows the path"
expect_out_line "state:       loaded" "plugins info PATH loads but does not initialise the plugin"
expect_out_line "  max_series (int, default 8, 1..64)" "plugins info PATH lists the config keys"
expect_out_lacks "value:" "plugins info PATH shows no values (the plugin is not configured)"
expect_err_lacks "info: chart.good" "plugins info PATH does not call init"

run "$QUIRE" plugins info "$QUIRE_BUILD/tests/./plugins//abi_major.so" -c "$CONF"
expect_rc 4 "plugins info PATH of a refused plugin exits 4"
expect_err_line "error: plugin ${QUIRE_BUILD%/}/tests/plugins/abi_major.so: ABI major 2, kernel supports 1" \
    "plugins info PATH prints the loader's error with the normalised path"
expect_out_lacks "name:" "plugins info PATH prints no record for a refused plugin"

run "$QUIRE" plugins info ./nope/x.so -c "$CONF"
expect_rc 4 "plugins info PATH of a missing file exits 4"
expect_err_line "error: plugin nope/x.so: file not found" "plugins info PATH of a missing file says so"

run env ASAN_OPTIONS="${ASAN_OPTIONS:-}:handle_segv=0" "$QUIRE" plugins info "$PLUGSRC/crash_entry.so" -c "$CONF"
expect_rc 4 "plugins info PATH of a plugin that crashes while loading exits 4 (not killed by the signal)"
expect_err_line "error: plugin $PLUGSRC/crash_entry.so: crashed while loading (signal 11, Segmentation fault)" \
    "plugins info PATH probes the file like the allow-list does"

run "$QUIRE" plugins info nosuch -c "$CONF"
expect_rc 4 "plugins info of an unknown name exits 4"
expect_err_line "quire: no plugin called 'nosuch' (see quire plugins list)" "plugins info of an unknown name says so"
