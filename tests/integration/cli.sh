# cli.sh - the `quire` command line: version, help, usage errors (exit 2),
# configuration files that cannot be read or parsed (exit 3), how the
# configuration file is found (-c, --config=, $QUIRE_CONF), and the
# `config check` summary line.
source "$(dirname "$0")/../lib.sh"
source tests/plugin_cases.sh

# ---------------------------------------------------------------- version and help

run "$QUIRE" --version
expect_rc 0 "--version exits 0"
expect_out_line "quire 0.1.0 (plugin ABI $ABI)" "--version prints the kernel version and the plugin ABI"
run "$QUIRE" -V
expect_out_line "quire 0.1.0 (plugin ABI $ABI)" "-V is --version"
run "$QUIRE" version
expect_out_line "quire 0.1.0 (plugin ABI $ABI)" "version is --version"

run "$QUIRE" help
expect_rc 0 "help exits 0"
expect_out_line "usage: quire <command> [options]" "help prints the usage on stdout"
expect_out_match "^  plugins list \[-c CONF\] " "help lists plugins list"
expect_out_match "^  config check \[-c CONF\] " "help lists config check"
expect_out_line "Exit codes: 0 ok, 1 failure, 2 usage, 3 configuration refused, 4 plugin refused," \
    "help documents the exit codes"
run "$QUIRE" --help
expect_out_line "usage: quire <command> [options]" "--help is help"
run "$QUIRE" help plugins
expect_rc 0 "help plugins exits 0"
expect_out_line "usage: quire plugins list [-c CONF]" "help plugins prints the plugins usage"
run "$QUIRE" help config
expect_out_line "usage: quire config check [-c CONF]" "help config prints the config usage"

# ---------------------------------------------------------------- usage errors

run "$QUIRE"
expect_rc 2 "no command exits 2"
expect_err_line "usage: quire <command> [options]" "no command prints the usage on stderr"
expect_true "no command prints nothing on stdout" test -z "$OUT"

run "$QUIRE" frobnicate
expect_rc 2 "an unknown command exits 2"
expect_err_line "quire: unknown command 'frobnicate' (see quire help)" "an unknown command is named"

run "$QUIRE" plugins list --frob
expect_rc 2 "an unknown option exits 2"
expect_err_line "quire: unknown option '--frob' (see quire help)" "an unknown option is named"

run "$QUIRE" plugins list -c
expect_rc 2 "-c without a file exits 2"
expect_err_line "quire: -c needs a file name" "-c without a file says so"

run "$QUIRE" plugins
expect_rc 2 "plugins without a subcommand exits 2"
expect_err_line "usage: quire plugins list [-c CONF]" "plugins without a subcommand prints its usage on stderr"
run "$QUIRE" plugins frob
expect_rc 2 "an unknown plugins subcommand exits 2"
expect_err_line "quire: unknown plugins command 'frob' (list, info)" "an unknown plugins subcommand is named"
run "$QUIRE" plugins list extra
expect_rc 2 "plugins list with an argument exits 2"
expect_err_line "quire: plugins list takes no arguments" "plugins list with an argument says so"
run "$QUIRE" plugins info
expect_rc 2 "plugins info without a name exits 2"
expect_err_line "usage: quire plugins info NAME|PATH [-c CONF]" "plugins info without a name prints its usage"
run "$QUIRE" plugins info a b
expect_rc 2 "plugins info with two names exits 2"

run "$QUIRE" config
expect_rc 2 "config without a subcommand exits 2"
expect_err_line "usage: quire config check [-c CONF]" "config without a subcommand prints its usage on stderr"
run "$QUIRE" config frob
expect_rc 2 "an unknown config subcommand exits 2"
expect_err_line "quire: unknown config command 'frob' (check)" "an unknown config subcommand is named"
run "$QUIRE" config check extra
expect_rc 2 "config check with an argument exits 2"
expect_err_line "quire: config check takes no arguments" "config check with an argument says so"

# ---------------------------------------------------------------- finding the config

run "$QUIRE" config check -c "$TMP/nope.conf"
expect_rc 3 "a missing -c file exits 3"
expect_err_line "error: $TMP/nope.conf: cannot read: No such file or directory" \
    "a missing -c file is named with the reason"
expect_err_count 1 "a missing -c file is the only error"
run "$QUIRE" plugins list --config="$TMP/nope.conf"
expect_rc 3 "a missing --config= file exits 3"
expect_err_line "error: $TMP/nope.conf: cannot read: No such file or directory" "--config=FILE is read"
run "$QUIRE" plugins info good --config "$TMP/nope.conf"
expect_rc 3 "plugins info with a missing --config file exits 3"
run "$QUIRE" config check -c "$TMP"
expect_rc 3 "a directory as config exits 3"
expect_err_line "error: $TMP: cannot read: Is a directory" "a directory as config says so"
run env QUIRE_CONF="$TMP/nope.conf" "$QUIRE" config check
expect_rc 3 "a missing \$QUIRE_CONF file exits 3"
expect_err_line "error: $TMP/nope.conf: cannot read: No such file or directory" "\$QUIRE_CONF is read when there is no -c"

new_case ok good_source good_chart abi_major
write_conf yes "good_source, good_chart"
run "$QUIRE" config check -c "$CONF"
expect_rc 0 "config check of a good config exits 0"
expect_out_line "$CONF: ok: plugins: 2 ready, 0 failed, 1 disabled" "config check prints the summary line"
expect_err_count 0 "config check of a good config prints no error"
run env QUIRE_CONF="$CONF" "$QUIRE" config check
expect_out_line "$CONF: ok: plugins: 2 ready, 0 failed, 1 disabled" "config check uses \$QUIRE_CONF"
run env QUIRE_CONF="$TMP/nope.conf" "$QUIRE" config check -c "$CONF"
expect_rc 0 "-c wins over \$QUIRE_CONF"

write_conf no "good_source, good_chart, abi_major"
run "$QUIRE" config check -c "$CONF"
expect_rc 4 "config check fails on a refused plugin in lenient mode too"
expect_out_line "$CONF: refused: plugins: 2 ready, 1 failed, 0 disabled" "config check in lenient mode counts the failure"
expect_err_line "error: plugin $(plug abi_major): ABI major 2, kernel supports 1" \
    "config check in lenient mode still prints the problem"

# Built-in defaults: no -c, no $QUIRE_CONF, and no default file. The
# default path is compiled in; `quire help` names it.
default_conf=$("$QUIRE" help | sed -n 's/.*else \$QUIRE_CONF, else \(.*\) if it exists\./\1/p')
if [ -n "$default_conf" ] && [ ! -e "$default_conf" ]; then
    run env QUIRE_KERNEL_PLUGIN_DIR="$PDIR" "$QUIRE" config check
    expect_rc 4 "no config file: the defaults are plugins = * and strict = yes"
    expect_err_line "error: plugin $(plug abi_major): ABI major 2, kernel supports 1" \
        "no config file: plugin_dir from the environment is used"
    run env QUIRE_KERNEL_PLUGIN_DIR="$PDIR" QUIRE_KERNEL_PLUGINS="good_source, good_chart" "$QUIRE" config check
    expect_rc 0 "no config file: built-in defaults plus environment overrides"
    expect_out_line "(built-in defaults): ok: plugins: 2 ready, 0 failed, 1 disabled" \
        "no config file: the summary says built-in defaults"
else
    echo "ok - no config file at all: # SKIP $default_conf exists on this machine"
fi

# ---------------------------------------------------------------- unreadable configs

new_case syntax good_source
printf '[kernel]\nplugin_dir plugins\nstrict = maybe\n[kernel]\nplugin_dirs = x\n' >"$CONF"
run "$QUIRE" plugins list -c "$CONF"
expect_rc 3 "syntax errors exit 3"
expect_err_line "error: $CONF:2: expected '[section]' or 'key = value'" "a line without = is a syntax error"
expect_err_line "error: $CONF:4: section [kernel] appears twice (first at line 1)" "a repeated section is an error"
expect_err_count 2 "every syntax error is reported (and nothing is validated after them)"
expect_true "syntax errors: no plugin list is printed" test -z "$OUT"

printf '[kernel]\nplugin_dir = plugins\nstrict = maybe\nplugin_dirs = x\nworkers = 1000\n' >"$CONF"
run "$QUIRE" config check -c "$CONF"
expect_rc 3 "an invalid [kernel] section exits 3"
expect_err_line "error: $CONF:3: [kernel] strict: 'maybe' is not a valid bool (yes/no, true/false, on/off, 1/0)" \
    "[kernel] wrong type"
expect_err_line "error: $CONF:4: [kernel] unknown key 'plugin_dirs'; allowed keys: plugin_dir, plugins, strict, plugin_probe, plugin_load_timeout, plugin_probe_cache, log_level, workers, report_dirs, temp_dir, sort_memory, font_dir, fonts, font_default, page_memory, default_chart_provider" \
    "[kernel] unknown key with the allowed keys"
expect_err_line "error: $CONF:5: [kernel] workers: 1000 is above the maximum 256" "[kernel] out of range"
expect_err_count 3 "every [kernel] problem is reported at once"
