# admin_messages.sh - what an admin reads when something is off: the reason
# recorded for a refused plugin is the specific problem, allow-list slips get
# a fix, a disabled plugin may keep its section, empty values are visible,
# and help refuses topics it does not have.
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/../plugin_cases.sh"

# ---------------------------------------------------------------- refusal reason
new_case reason needs_config good_source
write_conf no "needs_config, good_source"
run "$QUIRE" plugins info needs -c "$CONF"
expect_out_line "error:       $CONF: [chart.needs] missing required key 'token' (no [chart.needs] section)" \
    "plugins info shows the specific problem, not only 'configuration refused'"

# ---------------------------------------------------------------- .so in the allow-list
new_case dotso good_source
write_conf yes "good_source.so"
run "$QUIRE" config check -c "$CONF"
expect_rc 3 "an allow-list entry ending in .so is a configuration error"
expect_err_line "error: $CONF:3: [kernel] plugins: 'good_source.so': write it without .so ('good_source')" \
    "the message says how to write it"

# ---------------------------------------------------------------- disabled plugin keeps its section
new_case disabled good_source good_chart
write_conf yes "good_chart"
add_conf <<'CONF'
[source.good_source]
batch_rows = 10
CONF
run "$QUIRE" config check -c "$CONF"
expect_rc 0 "a disabled plugin's section is not an unknown section"
expect_err_lacks "unknown section" "no unknown-section error for the disabled plugin"
add_conf <<'CONF'
[source.typo]
x = 1
CONF
run "$QUIRE" config check -c "$CONF"
expect_rc 3 "a section naming no plugin at all is still refused"
expect_err_line "error: $CONF:8: unknown section [source.typo]; known sections: kernel, server, chart.good" \
    "known sections lists the kernel and the loaded plugins"

# ---------------------------------------------------------------- empty values
new_case empty good_source
write_conf yes "good_source"
run "$QUIRE" plugins info good -c "$CONF"
expect_out_line '      value: "" (default)' "an empty value is shown as \"\""

# ---------------------------------------------------------------- help topics
run "$QUIRE" help frob
expect_rc 2 "help for an unknown topic is a usage error"
expect_err_line "quire: no help for 'frob' (topics: plugins, config, data, render, check, fmt, serve)" "and names the topics"
run "$QUIRE" help data
expect_rc 0 "help data"
expect_out_has "usage: quire data preview SOURCE" "help data prints the data command's usage"
run "$QUIRE" help plugins
expect_rc 0 "help plugins"
expect_out_has "loaded (accepted, but not initialised" "help documents the loaded state"
