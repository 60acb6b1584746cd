# env_collision.sh - two plugin keys whose QUIRE_<SECTION>_<KEY> override
# variables have the same name are reported, so an admin setting one from
# the environment is not silently configuring the other as well.
source "$(dirname "$0")/../lib.sh"

mkdir -p "$TMP/p"
cp "$QUIRE_BUILD/tests/plugins/env_clash_a.so" "$QUIRE_BUILD/tests/plugins/env_clash_b.so" "$TMP/p/"
cat > "$TMP/q.conf" <<CONF
[kernel]
plugin_dir = p
plugins = env_clash_a, env_clash_b
CONF
run "$QUIRE" config check -c "$TMP/q.conf"
expect_rc 0 "a name clash is a warning, not a refusal"
expect_err_line "warning: environment variable QUIRE_SOURCE_CLASH_X_Y overrides two keys: [source.clash_x] y and another plugin's key of the same upper-cased name" \
    "the clashing variable and one of its keys are named"

cat > "$TMP/one.conf" <<CONF
[kernel]
plugin_dir = p
plugins = env_clash_a
CONF
run "$QUIRE" config check -c "$TMP/one.conf"
expect_rc 0 "one plugin alone loads"
if grep -q "overrides two keys" "$TMP/.err"; then
    echo "not ok - no clash warning with a single plugin"
else
    echo "ok - no clash warning with a single plugin"
fi
