# config_cli.sh - plugin configuration through the real `quire` binary: each
# plugin's [kind.name] section validated against its schema with every
# problem reported at once (FILE:LINE, both values for ranges, the allowed
# keys for typos), required keys, values and their origins in
# `plugins info`, QUIRE_<SECTION>_<KEY> environment overrides (including
# QUIRE_KERNEL_STRICT), and unknown sections in strict and lenient mode.
source "$(dirname "$0")/../lib.sh"
source tests/plugin_cases.sh

# ---------------------------------------------------------------- every error at once

new_case allerrors good_source needs_config dup_a
write_conf yes "good_source, needs_config, dup_a"
add_conf <<'EOF'

[source.good]
batch_rows = lots
timeout = 2h
on_error = explode
colour = red
max_file = 10
header = maybe
data_dir =
batch_size = 5

[chart.dup]
x = 1
EOF
run "$QUIRE" config check -c "$CONF"
expect_rc 3 "invalid plugin config: strict mode exits 3 (configuration refused)"
expect_err_line "error: $CONF:8: [source.good] batch_rows: 'lots' is not a valid int" \
    "wrong type: int, with file:line, section, key and value"
expect_err_line "error: $CONF:9: [source.good] timeout: 2h is above the maximum 1h" \
    "out of range: value and maximum as written"
expect_err_line "error: $CONF:10: [source.good] on_error: 'explode' is not one of fail, skip, null" \
    "enum: the value and every choice"
expect_err_line "error: $CONF:11: [source.good] unknown key 'colour'; allowed keys: batch_rows, on_error, max_file, timeout, header, data_dir, password, columns" \
    "unknown key: the allowed keys are listed"
expect_err_line "error: $CONF:12: [source.good] max_file: 10 is below the minimum 1kb" \
    "below the minimum: value and minimum as written"
expect_err_line "error: $CONF:13: [source.good] header: 'maybe' is not a valid bool (yes/no, true/false, on/off, 1/0)" \
    "wrong type: bool, with the accepted spellings"
expect_err_line "error: $CONF:14: [source.good] data_dir: '' is not a valid path (empty)" \
    "wrong type: an empty path"
expect_err_line "error: $CONF:15: [source.good] unknown key 'batch_size'; allowed keys: batch_rows, on_error, max_file, timeout, header, data_dir, password, columns" \
    "a second unknown key in the same section is reported too"
expect_err_line "error: plugin $(plug good_source): configuration [source.good] refused" \
    "the plugin whose section is refused is named"
expect_err_line "error: $CONF: [chart.needs] missing required key 'token' (no [chart.needs] section)" \
    "missing required key, section absent"
expect_err_line "error: plugin $(plug needs_config): configuration [chart.needs] refused" \
    "the plugin missing a required key is named"
expect_err_line "error: $CONF:18: [chart.dup] unknown key 'x'; this section takes no keys" \
    "a key in the section of a plugin without a schema"
expect_err_line "error: plugin $(plug dup_a): configuration [chart.dup] refused" \
    "the plugin without a schema is named"
expect_err_count 13 "every configuration problem is reported in one run, and nothing else"
expect_err_lacks "info: " "no plugin is initialised on a refused configuration"
expect_out_lacks ": ok:" "config check does not say ok"

sed -i 's/^strict = yes/strict = no/' "$CONF"
run "$QUIRE" plugins list -c "$CONF"
expect_rc 0 "invalid plugin config: lenient mode exits 0"
expect_err_count 13 "invalid plugin config: lenient mode reports the same problems"
expect_err_line "warning: plugin $(plug good_source): skipped (strict = no)" "lenient: the misconfigured plugin is skipped"
expect_err_line "warning: plugin $(plug needs_config): skipped (strict = no)" "lenient: the plugin missing a required key is skipped"
expect_row good source failed "$(plug good_source)" "lenient: the misconfigured plugin is listed as failed"
expect_row needs chart failed "$(plug needs_config)" "lenient: the plugin missing a required key is listed as failed"
expect_err_lacks "unknown section" "sections of misconfigured plugins are not also reported as unknown"
run "$QUIRE" config check -c "$CONF"
expect_rc 3 "lenient: config check still fails on invalid plugin sections"
expect_out_line "$CONF: refused: plugins: 0 ready, 3 failed, 0 disabled" "lenient: config check counts the failed plugins"

# ---------------------------------------------------------------- required keys

new_case required needs_config good_transport
write_conf yes "needs_config, good_transport"
add_conf <<'EOF'

[chart.needs]
retries = 2

[transport.good]
port = 8080
EOF
run "$QUIRE" config check -c "$CONF"
expect_rc 3 "required key absent from its section: exit 3"
expect_err_line "error: $CONF:7: [chart.needs] missing required key 'token'" \
    "required key absent from its section: points at the section header"
expect_err_count 2 "required key absent: one problem line and one refusal line"

run env QUIRE_CHART_NEEDS_TOKEN=abc "$QUIRE" plugins info needs -c "$CONF"
expect_rc 0 "a required key set by the environment is accepted"
expect_out_line "state:       ready" "the plugin with its required key from the environment is ready"
expect_out_line "      value: (secret) (environment QUIRE_CHART_NEEDS_TOKEN)" \
    "a secret is not shown, its origin is"
expect_out_line "      value: 2 ($CONF:8)" "a value from the file shows FILE:LINE as origin"
expect_out_line "  token (string, required)" "plugins info marks a required key"
expect_err_line "info: chart.needs: token length 3, retries 2" "the plugin reads both values in init"
expect_out_lacks "abc" "the secret's text is never printed"

run env QUIRE_CHART_NEEDS_TOKEN=abc "$QUIRE" plugins info transport.good -c "$CONF"
expect_out_line "  port (int, required, 1..65535)" "plugins info shows a required key's bounds"
expect_out_line "      value: 8080 ($CONF:11)" "plugins info shows where the required key is set"
expect_out_line "scheme:      testproto" "plugins info shows a transport's scheme"
expect_err_line "info: transport.good: port=8080 (set=1) tls=0 idle_timeout_ms=120000 banner=''" \
    "config_is_set is 1 for a key the admin set, defaults read through the host API"

sed -i 's/^port = 8080/port = 0/' "$CONF"
run env QUIRE_CHART_NEEDS_TOKEN=abc "$QUIRE" config check -c "$CONF"
expect_rc 3 "a required key with an invalid value is refused"
expect_err_line "error: $CONF:11: [transport.good] port: 0 is below the minimum 1" \
    "a required key out of range is reported as out of range"
expect_err_lacks "missing required key" "a required key written with a bad value is not also called missing"

# ---------------------------------------------------------------- values and origins

new_case values good_source
write_conf yes "good_source"
add_conf <<'EOF'

[source.good]
batch_rows = 500
on_error = skip
max_file = 2mb
timeout = 1.5s
header = off
data_dir = ../shared/./data
password = hunter2
columns = a, b c
EOF
run "$QUIRE" plugins info good -c "$CONF"
expect_rc 0 "file values: plugins info exits 0"
expect_out_line "      value: 500 ($CONF:8)" "file values: int with its origin"
expect_out_line "      value: skip ($CONF:9)" "file values: enum with its origin"
expect_out_line "      value: 2mb ($CONF:10)" "file values: size as written"
expect_out_line "      value: 1.5s ($CONF:11)" "file values: duration as written"
expect_out_line "      value: off ($CONF:12)" "file values: bool as written"
expect_out_line "      value: $(realpath -ms "$TMP/shared/data") ($CONF:13)" \
    "file values: a relative path is resolved against the config file's directory"
expect_out_line "      value: (secret) ($CONF:14)" "file values: a secret shows its origin only"
expect_out_lacks "hunter2" "file values: the secret's text is never printed"
expect_err_line "info: source.good: batch_rows=500 on_error=skip max_file=2097152 timeout_ms=1500 header=0 data_dir=$(realpath -ms "$TMP/shared/data") password=set columns=3" \
    "file values: init reads typed values (size in bytes, duration in ms, bool, list count)"

run env QUIRE_SOURCE_GOOD_BATCH_ROWS=77 QUIRE_SOURCE_GOOD_ON_ERROR=null "$QUIRE" plugins info good -c "$CONF"
expect_rc 0 "environment override: exit 0"
expect_out_line "      value: 77 (environment QUIRE_SOURCE_GOOD_BATCH_ROWS)" \
    "environment override: plugins info shows the value and its origin"
expect_out_line "      value: null (environment QUIRE_SOURCE_GOOD_ON_ERROR)" \
    "environment override: a second key"
expect_err_has "info: source.good: batch_rows=77 on_error=null " "environment override: the plugin sees the value"

run env QUIRE_SOURCE_GOOD_BATCH_ROWS=abc "$QUIRE" config check -c "$CONF"
expect_rc 3 "invalid environment override: exit 3"
expect_err_line "error: environment QUIRE_SOURCE_GOOD_BATCH_ROWS: [source.good] batch_rows: 'abc' is not a valid int" \
    "invalid environment override: names the variable"
run env QUIRE_SOURCE_GOOD_TIMEOUT=50ms "$QUIRE" config check -c "$CONF"
expect_err_line "error: environment QUIRE_SOURCE_GOOD_TIMEOUT: [source.good] timeout: 50ms is below the minimum 100ms" \
    "out-of-range environment override: both values"
run env QUIRE_SOURCE_GOOD_PASSWORD= QUIRE_SOURCE_GOOD_COLUMNS= "$QUIRE" plugins list -c "$CONF"
expect_err_has " password=empty columns=0" "an empty environment variable overrides the file"

new_case defaults good_source
write_conf yes "good_source"
run "$QUIRE" plugins info good -c "$CONF"
expect_out_line "      value: 1024 (default)" "defaults: the origin is 'default'"
expect_out_line "      value: $CASE/data (default)" "defaults: a default path is resolved against the config's directory"
expect_out_line "  max_file (size, default 16mb, 1kb..1gb)" "plugins info shows type, default and both bounds"
expect_out_line "  on_error (enum: fail|skip|null, default fail)" "plugins info shows an enum's choices"
expect_out_line "      Rows per batch." "plugins info shows the help text"
expect_out_line "section:     [source.good]" "plugins info names the section to write"
expect_err_line "info: source.good: batch_rows=1024 on_error=fail max_file=16777216 timeout_ms=30000 header=1 data_dir=$CASE/data password=empty columns=0" \
    "defaults: init reads every default through the host API"

# ---------------------------------------------------------------- kernel overrides

new_case strictenv good_source abi_major
write_conf yes "good_source, abi_major"
run env QUIRE_KERNEL_STRICT=no "$QUIRE" plugins list -c "$CONF"
expect_rc 0 "QUIRE_KERNEL_STRICT=no makes a strict config lenient"
expect_err_line "warning: plugin $(plug abi_major): skipped (strict = no)" "QUIRE_KERNEL_STRICT=no: the plugin is skipped"
expect_row good source ready "$(plug good_source)" "QUIRE_KERNEL_STRICT=no: the healthy plugin is ready"
write_conf no "good_source, abi_major"
run env QUIRE_KERNEL_STRICT=yes "$QUIRE" plugins list -c "$CONF"
expect_rc 4 "QUIRE_KERNEL_STRICT=yes makes a lenient config strict"
run env QUIRE_KERNEL_STRICT=sometimes "$QUIRE" plugins list -c "$CONF"
expect_rc 3 "an invalid QUIRE_KERNEL_STRICT is refused"
expect_err_line "error: environment QUIRE_KERNEL_STRICT: [kernel] strict: 'sometimes' is not a valid bool (yes/no, true/false, on/off, 1/0)" \
    "an invalid QUIRE_KERNEL_STRICT names the variable"

write_conf yes "good_source"
run env QUIRE_KERNEL_PLUGINS="good_source gone" "$QUIRE" plugins list -c "$CONF"
expect_rc 4 "QUIRE_KERNEL_PLUGINS replaces the allow-list"
expect_err_line "error: plugin $(plug gone): listed in the allow-list at environment QUIRE_KERNEL_PLUGINS" \
    "a missing plugin listed by the environment points at the variable"

run env QUIRE_KERNEL_LOG_LEVEL=warn "$QUIRE" plugins list -c "$CONF"
expect_rc 0 "log_level = warn: exit 0"
expect_err_lacks "info: source.good" "log_level = warn hides the plugins' info lines"
run env QUIRE_KERNEL_LOG_LEVEL=debug "$QUIRE" plugins list -c "$CONF"
expect_err_line "debug: source.good: initialised from $(plug good_source)" "log_level = debug shows the kernel's debug lines"

# ---------------------------------------------------------------- unknown sections

new_case sections good_source abi_major
write_conf yes "good_source"
add_conf <<'EOF'

[source.goood]
batch_rows = 5
EOF
run "$QUIRE" config check -c "$CONF"
expect_rc 3 "unknown section: strict mode exits 3"
expect_err_line "error: $CONF:7: unknown section [source.goood]; known sections: kernel, server, source.good" \
    "unknown section: strict mode names it and lists the valid sections"
write_conf no "good_source"
add_conf <<'EOF'

[source.goood]
batch_rows = 5
EOF
run "$QUIRE" config check -c "$CONF"
expect_rc 0 "unknown section: lenient mode exits 0"
expect_err_line "warning: $CONF:7: unknown section [source.goood] ignored; known sections: kernel, server, source.good" \
    "unknown section: lenient mode warns"
expect_err_count 0 "unknown section: lenient mode prints no error"

write_conf no "good_source, abi_major"
add_conf <<'EOF'

[chart.abi_major]
level = 5
EOF
run "$QUIRE" config check -c "$CONF"
expect_err_lacks "unknown section" "the section of a plugin that failed to load is not reported as unknown"
