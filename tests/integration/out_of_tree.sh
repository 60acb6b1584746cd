# out_of_tree.sh - the plugin-author kit works from an installed quire alone:
# `make install` into a DESTDIR puts the binary, headers, pkg-config file,
# sample config, man page and example plugins in place; the examples build
# with nothing but `pkg-config --cflags quire-plugin`; the kernel loads them;
# every installed header compiles on its own, as C11 and as C++11.
source "$(dirname "$0")/../lib.sh"

ROOT=$TMP/root
REPO=$(pwd)
# Nested make must not inherit the make that runs the tests (jobserver, -s).
unset MAKEFLAGS MAKELEVEL MFLAGS

# Install from a copy of the tested build: installing with PREFIX=/usr
# recompiles the kernel objects (the default config and plugin paths are
# compiled in), which must not happen to the build under test.
mkdir -p "$TMP/build"
for f in quire build_config.h obj plugins; do
    if [ -e "$QUIRE_BUILD/$f" ]; then cp -a "$QUIRE_BUILD/$f" "$TMP/build/"; fi
done
run make -s install DESTDIR="$ROOT" PREFIX=/usr BUILD="$TMP/build"
expect_rc 0 "make install DESTDIR=... PREFIX=/usr succeeds"

expect_true "installed bin/quire is executable" test -x "$ROOT/usr/bin/quire"
for so in "$QUIRE_BUILD"/plugins/*.so; do
    [ -e "$so" ] || continue
    expect_true "installed plugin $(basename "$so")" test -f "$ROOT/usr/lib/quire/plugins/$(basename "$so")"
done
for h in include/quire/*.h; do
    expect_true "installed header quire/$(basename "$h")" cmp -s "$h" "$ROOT/usr/include/quire/$(basename "$h")"
done
expect_true "installed lib/pkgconfig/quire-plugin.pc" test -f "$ROOT/usr/lib/pkgconfig/quire-plugin.pc"
expect_true "installed etc/quire/quire.conf.sample (PREFIX=/usr puts it in /etc)" \
    test -f "$ROOT/etc/quire/quire.conf.sample"
expect_true "installed share/man/man1/quire.1" test -f "$ROOT/usr/share/man/man1/quire.1"
for p in hello_source hello_renderer hello_chart hello_transport; do
    expect_true "installed example-plugins/$p/$p.c" \
        test -f "$ROOT/usr/share/doc/quire/example-plugins/$p/$p.c"
done
expect_true "installed example-plugins/Makefile" test -f "$ROOT/usr/share/doc/quire/example-plugins/Makefile"
expect_true "installed docs/plugin-authoring.md" test -f "$ROOT/usr/share/doc/quire/plugin-authoring.md"

run grep -x "plugin_dir = /usr/lib/quire/plugins" "$ROOT/etc/quire/quire.conf.sample"
expect_rc 0 "the sample config names the installed plugin_dir"

run "$ROOT/usr/bin/quire" --version
expect_out_line "quire 0.1.0 (plugin ABI $ABI)" "the installed binary runs"
run "$ROOT/usr/bin/quire" help
expect_out_has "else /etc/quire/quire.conf if it exists" "the installed binary has PREFIX=/usr paths compiled in"

# A second install over the first must not nest the examples.
run make -s install DESTDIR="$ROOT" PREFIX=/usr BUILD="$TMP/build"
expect_rc 0 "make install a second time succeeds"
expect_true "a second install does not nest example-plugins/plugins" \
    test ! -e "$ROOT/usr/share/doc/quire/example-plugins/plugins"

# ---------------------------------------------------------------------------
# pkg-config, as a plugin author's build sees it. The .pc file names /usr;
# the sysroot points it into the DESTDIR.
export PKG_CONFIG_PATH=$ROOT/usr/lib/pkgconfig
export PKG_CONFIG_SYSROOT_DIR=$ROOT
run pkg-config --cflags quire-plugin
expect_out_match "^-I$ROOT/usr/include *$" "pkg-config --cflags quire-plugin points at the installed headers"
run pkg-config --modversion quire-plugin
expect_out_line "0.1.0" "pkg-config --modversion matches quire --version"
run env -u PKG_CONFIG_SYSROOT_DIR pkg-config --variable=plugindir quire-plugin
expect_out_line "/usr/lib/quire/plugins" "pkg-config --variable=plugindir is the installed plugin_dir"

# ---------------------------------------------------------------------------
# The examples, built from the installed copy only.
OUTDIR=$TMP/conf/plugins
run make -s -C "$ROOT/usr/share/doc/quire/example-plugins" OUT="$OUTDIR"
expect_rc 0 "the example plugins build out of tree with the installed kit"
for p in hello_source hello_renderer hello_chart hello_transport; do
    run nm -D --defined-only "$OUTDIR/$p.so"
    if [ "$(printf '%s\n' "$OUT" | awk '$2 == "T" || $2 == "D" || $2 == "B" || $2 == "R" {print $3}')" = quire_plugin_v1 ]; then
        echo "ok - $p.so exports quire_plugin_v1 and nothing else"
    else
        echo "not ok - $p.so exports quire_plugin_v1 and nothing else"
        printf '%s\n' "$OUT" | sed 's/^/#   /'
    fi
done

cat > "$TMP/conf/quire.conf" <<'CONF'
[kernel]
plugin_dir = plugins
plugins = *
CONF
CONF=$TMP/conf/quire.conf

run "$QUIRE" plugins list -c "$CONF"
expect_rc 0 "plugins list loads the examples"
expect_out_match "^hello_source +source +0\.1\.0 +${ABI/./\\.} +.*/hello_source\.so +ready$" "hello_source: source, ready"
expect_out_match "^hello_renderer +renderer +0\.1\.0 +${ABI/./\\.} +.*/hello_renderer\.so +ready$" "hello_renderer: renderer, ready"
expect_out_match "^hello_chart +chart +0\.1\.0 +${ABI/./\\.} +.*/hello_chart\.so +ready$" "hello_chart: chart, ready"
expect_out_match "^hello_transport +transport +0\.1\.0 +${ABI/./\\.} +.*/hello_transport\.so +ready$" "hello_transport: transport, ready"

run "$QUIRE" plugins info hello_renderer -c "$CONF"
expect_rc 0 "plugins info hello_renderer"
expect_out_match "^formats: +outline \(\.txt, text/plain\)" "hello_renderer registered format outline (.txt)"

run "$QUIRE" plugins info hello_source -c "$CONF"
expect_out_line "  rows (int, default 10, 0..)" "plugins info hello_source shows the rows key"
expect_out_line "section:     [source.hello_source]" "plugins info hello_source names its section"

run "$QUIRE" plugins info hello_chart -c "$CONF"
expect_out_match "^chart types: hbar" "hello_chart registered chart type hbar"

run "$QUIRE" plugins info hello_transport -c "$CONF"
expect_out_line "scheme:      hello" "hello_transport serves scheme hello"

run "$QUIRE" config check -c "$CONF"
expect_rc 0 "config check passes with the examples"
expect_out_line "$CONF: ok: plugins: 4 ready, 0 failed, 0 disabled" "config check counts 4 ready plugins"

run "$ROOT/usr/bin/quire" plugins list -c "$CONF"
expect_out_match "^hello_source +source .* ready$" "the installed binary loads the examples too"

# What docs/plugin-authoring.md promises about configuration and errors.
run env QUIRE_SOURCE_HELLO_SOURCE_ROWS=25 "$QUIRE" plugins info hello_source -c "$CONF"
expect_out_line "      value: 25 (environment QUIRE_SOURCE_HELLO_SOURCE_ROWS)" \
    "QUIRE_<KIND>_<NAME>_<KEY> overrides a plugin key"
run env QUIRE_SOURCE_HELLO_SOURCE_ROWS=-3 "$QUIRE" config check -c "$CONF"
expect_rc 3 "a value below the schema's min is refused before init"
expect_err_line "error: environment QUIRE_SOURCE_HELLO_SOURCE_ROWS: [source.hello_source] rows: -3 is below the minimum 0" \
    "the refusal names the variable, section, key, value and bound"

cp "$CONF" "$TMP/conf/bad_color.conf"
printf '\n[chart.hello_chart]\nbar_color = blue\n' >> "$TMP/conf/bad_color.conf"
run "$QUIRE" config check -c "$TMP/conf/bad_color.conf"
expect_rc 4 "an init that fails refuses the plugin (strict)"
expect_err_has "hello_chart.so: init failed: [chart.hello_chart] bar_color: 'blue' is not a colour (write #rrggbb, e.g. #4e79a7)" \
    "the plugin's own error_set message reaches the admin"

# hello_source through the kernel: schema, values, and batches of 1024 rows.
run "$QUIRE" data preview hello_source rows=3 -c "$CONF"
expect_rc 0 "data preview runs hello_source"
expect_out_line "n:int	label:string	amount:decimal(2)" "hello_source's schema: n INT, label STRING, amount DECIMAL(2)"
expect_out_line "3	row 3	3.75" "hello_source's rows: n, label in the batch arena, exact decimal"
run "$QUIRE" data preview hello_source rows=2500 --rows 0 -c "$CONF"
expect_err_line "2500 rows" "hello_source honours batch capacity across several batches"
expect_out_line "2500	row 2500	3125.00" "the last of 2500 rows is right"
run "$QUIRE" data preview hello_source rows=0 -c "$CONF"
expect_err_line "0 rows" "rows = 0 gives QUIRE_DONE at once"
run "$QUIRE" data preview hello_source path=x.csv -c "$CONF"
expect_rc 5 "an unknown source option is refused as input (exit 5)"
expect_err_line "error: command line:0:4: source 'data preview': unknown option 'path' (hello_source knows: rows)" \
    "the option error names where the option was written"

run "$QUIRE" plugins info "$OUTDIR/hello_source.so"
expect_rc 0 "plugins info PATH opens a plugin outside the allow-list"
expect_out_line "state:       loaded" "plugins info PATH checks the plugin without init"

# ---------------------------------------------------------------------------
# Every installed header compiles on its own, strictly, as C11; the umbrella
# header also as C++11 (plugin authors write C++ too).
for h in "$ROOT"/usr/include/quire/*.h; do
    b=$(basename "$h")
    run sh -c "echo '#include <quire/$b>' | cc -std=c11 -Wall -Wextra -Werror -pedantic -fsyntax-only -I'$ROOT/usr/include' -x c -"
    expect_rc 0 "quire/$b compiles alone (C11, -pedantic)"
done
run sh -c "echo '#include <quire/quire.h>' | g++ -std=c++11 -Wall -Wextra -Werror -pedantic -fsyntax-only -I'$ROOT/usr/include' -x c++ -"
expect_rc 0 "quire/quire.h compiles as C++11"

# A C++20 plugin written like a C one: QUIRE_PLUGIN_HEADER in declaration
# order, QUIRE_PLUGIN_DEFINE with C linkage.
mkdir -p "$TMP/cxx"
cat > "$TMP/cxx/cxx_chart.cpp" <<'CXX'
#include <quire/quire.h>
static int my_draw(void *, const quire_chart_request *, const quire_canvas_api *,
                   quire_canvas *, quire_error *) { return QUIRE_OK; }
static const quire_chart_ops ops = {.size = sizeof(quire_chart_ops), .draw = my_draw};
static const quire_plugin_desc desc = {
    QUIRE_PLUGIN_HEADER(QUIRE_KIND_CHART),
    .name = "cxx_chart",
    .version = "1.0.0",
    .license = "MIT",
    .description = "A chart provider written in C++",
    .ops = &ops,
    .ops_size = sizeof(ops),
};
QUIRE_PLUGIN_DEFINE(desc)
CXX
run g++ -std=c++20 -Wall -Wextra -Wno-missing-field-initializers -Werror -I"$ROOT/usr/include" \
    -fPIC -fvisibility=hidden -shared -Wl,--no-undefined -o "$TMP/cxx/cxx_chart.so" "$TMP/cxx/cxx_chart.cpp"
expect_rc 0 "a C++20 plugin builds from the installed headers"
printf '[kernel]\nplugin_dir = .\nplugins = cxx_chart\n' > "$TMP/cxx/quire.conf"
run "$QUIRE" plugins list -c "$TMP/cxx/quire.conf"
expect_out_match "^cxx_chart +chart +1\.0\.0 +${ABI/./\\.} +.*cxx_chart\.so +ready$" \
    "the C++ plugin's entry is found unmangled and it loads"

# uninstall removes quire's files but not a third-party plugin.
touch "$ROOT/usr/lib/quire/plugins/third_party.so"
run make -s uninstall DESTDIR="$ROOT" PREFIX=/usr BUILD="$TMP/build"
expect_rc 0 "make uninstall succeeds"
expect_true "uninstall removes bin/quire" test ! -e "$ROOT/usr/bin/quire"
expect_true "uninstall removes the headers" test ! -e "$ROOT/usr/include/quire"
expect_true "uninstall keeps a third-party plugin in plugin_dir" \
    test -e "$ROOT/usr/lib/quire/plugins/third_party.so"
