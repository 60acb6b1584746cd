# probe_cache.sh - the plugin probe cache (kernel/probe_cache.c): a plugin
# file that passed its probe and has not changed since is loaded without a
# probe child. Counted with count_ctor.so, whose constructor appends a line
# to $COUNT_CTOR_FILE at every load: 2 lines when probed (child, then
# quire), 1 when the cache spared the probe. The cache file is checked
# against what stat(1) says about the plugin file.
source "$(dirname "$0")/../lib.sh"

plugins=$QUIRE_BUILD/tests/plugins
mkdir -p "$TMP/p"
cp "$plugins/count_ctor.so" "$plugins/crash_entry.so" "$plugins/good_chart.so" "$TMP/p/"
dir=$(cd "$TMP/p" && pwd)
so=$dir/count_ctor.so
export COUNT_CTOR_FILE="$TMP/count"
# ASan would catch crash_entry's SIGSEGV itself; let the probe see it.
export ASAN_OPTIONS=${ASAN_OPTIONS:-}:handle_segv=0
cache=$XDG_CACHE_HOME/quire/plugin-probes
VERSION=$(sed -n 's/^#define QUIRE_VERSION "\(.*\)"$/\1/p' kernel/kernel.h)
HEADER="quire-probe-cache 1 quire $VERSION abi $ABI"

# conf NAME [LINE...]: $TMP/NAME.conf loading count_ctor from $dir, plus LINEs.
conf() {
    local name=$1 line
    shift
    printf '[kernel]\nplugin_dir = %s\nplugins = count_ctor\n' "$dir" >"$TMP/$name.conf"
    for line in "$@"; do printf '%s\n' "$line" >>"$TMP/$name.conf"; done
}

# loads CONF [ENV...]: `quire plugins list -c CONF` (with ENV through env);
# LOADS is how often count_ctor's constructor ran.
loads() {
    local c=$1
    shift
    rm -f "$COUNT_CTOR_FILE"
    run env "$@" "$QUIRE" plugins list -c "$c"
    LOADS=0
    [ -f "$COUNT_CTOR_FILE" ] && LOADS=$(wc -l <"$COUNT_CTOR_FILE")
}
expect_loads() { # WANT WHAT
    if [ "$RC" -eq 0 ] && [ "$LOADS" -eq "$1" ]; then _ok "$2"; else
        _not_ok "$2" "loaded $LOADS times (status $RC), expected $1" "stderr: $ERR"; fi
}

# entry_of FILE: the cache fields stat(1) gives for FILE, CONFIRMED left out:
# DEV INO SIZE MTIME_S MTIME_NS CTIME_S CTIME_NS.
entry_of() {
    local m c
    m=$(stat -c %.9Y "$1")
    c=$(stat -c %.9Z "$1")
    echo "$(stat -c '%d %i %s' "$1") ${m%.*} $((10#${m#*.})) ${c%.*} $((10#${c#*.}))"
}
# expect_entry CACHE FILE T0 T1 WHAT: CACHE has FILE's entry, confirmed in [T0, T1].
expect_entry() {
    local line f
    line=$(grep -F " $2" "$1" | head -1)
    read -r -a f <<<"$line"
    if [ "${f[*]:0:7}" = "$(entry_of "$2")" ] && [ "${f[8]:-}" = "$2" ] &&
        [ "${f[7]:-0}" -ge "$3" ] && [ "${f[7]:-0}" -le "$4" ]; then _ok "$5"; else
        _not_ok "$5" "entry: $line" "stat:  $(entry_of "$2") (confirmed in $3..$4) $2"; fi
}

# ------------------------------------------------------------ hits and misses

conf base
t0=$(date +%s)
loads "$TMP/base.conf"
t1=$(date +%s)
expect_loads 2 "first run: the plugin is probed (loaded twice)"
expect_out_match "^count +chart .* +$so +ready$" "first run: the plugin is ready"
expect_true "the cache file is created under XDG_CACHE_HOME" test -f "$cache"
expect_true "the cache file has mode 0600 (got $(stat -c %a "$cache" 2>/dev/null))" \
    test "$(stat -c %a "$cache" 2>/dev/null)" = 600
expect_true "its directory is created with mode 0700" \
    test "$(stat -c %a "$XDG_CACHE_HOME/quire" 2>/dev/null)" = 700
expect_true "the first line names the format, quire's version and the ABI" \
    test "$(head -1 "$cache")" = "$HEADER"
expect_true "one entry besides the header" test "$(wc -l <"$cache")" -eq 2
expect_entry "$cache" "$so" "$t0" "$t1" "the entry is the file's stat identity, confirmed during the run"
cp -p "$cache" "$TMP/cache.first"

loads "$TMP/base.conf"
expect_loads 1 "second run, same file: no probe (loaded once)"
expect_out_match "^count +chart .* +$so +ready$" "second run: the plugin is ready"
expect_true "a hit alone does not rewrite the cache" cmp -s "$cache" "$TMP/cache.first"
expect_true "no temporary file is left next to the cache" \
    test "$(ls "$XDG_CACHE_HOME/quire")" = plugin-probes

sleep 0.01
touch "$so"
loads "$TMP/base.conf"
expect_loads 2 "after touch (new mtime): probed again"
loads "$TMP/base.conf"
expect_loads 1 "and then cached again"

# ctime alone: the content is rewritten and the mtime put back.
cp -p "$so" "$TMP/ref.so"
sleep 0.01
cat "$TMP/ref.so" >"$so"
touch -r "$TMP/ref.so" "$so"
expect_true "(the mtime is back to the recorded one)" \
    test "$(stat -c %.9Y "$so")" = "$(stat -c %.9Y "$TMP/ref.so")"
loads "$TMP/base.conf"
expect_loads 2 "a file whose ctime alone changed is probed again"

cp "$plugins/count_ctor.so" "$dir/new.tmp"
mv "$dir/new.tmp" "$so"
loads "$TMP/base.conf"
expect_loads 2 "a replaced file (new inode) is probed again"
t0=$(date +%s)
loads "$TMP/base.conf"
t1=$(date +%s)
expect_loads 1 "the replacement is cached after its probe"
expect_entry "$cache" "$so" 0 "$t1" "the entry follows the replacement"

# config check probes everything, and refreshes the cache.
rm -f "$COUNT_CTOR_FILE"
run "$QUIRE" config check -c "$TMP/base.conf"
expect_rc 0 "config check passes"
expect_true "config check probes a cached plugin anyway (loaded $(wc -l <"$COUNT_CTOR_FILE") times)" \
    test "$(wc -l <"$COUNT_CTOR_FILE")" -eq 2
loads "$TMP/base.conf"
expect_loads 1 "after config check, the cache still spares the probe"

# What the cache cannot see: a plugin file unchanged while something it
# loads changed (COUNT_CTOR_CRASH stands in for a changed library). A cached
# plugin is loaded without a probe, so its crash takes quire down; config
# check probes it, reports the crash and drops the entry, so the next
# command probes it and survives.
run env COUNT_CTOR_CRASH=1 "$QUIRE" plugins list -c "$TMP/base.conf"
expect_true "a cached plugin is loaded without a probe: its crash is not caught (status $RC)" \
    test "$RC" -ge 128
run env COUNT_CTOR_CRASH=1 "$QUIRE" config check -c "$TMP/base.conf"
expect_rc 4 "config check re-probes the cached plugin and refuses it"
expect_err_line "error: plugin $so: crashed while loading (signal 11, Segmentation fault)" \
    "config check reports the crash"
expect_true "config check drops the crashed plugin's entry" test -z "$(grep -F " $so" "$cache")"
run env COUNT_CTOR_CRASH=1 "$QUIRE" plugins list -c "$TMP/base.conf"
expect_rc 4 "the next command probes the plugin again and survives its crash"
loads "$TMP/base.conf"
expect_loads 2 "once healthy again it is probed and recorded"

# A confirmed time older than a day is refreshed (the file is rewritten).
old=$(($(date +%s) - 2 * 86400))
awk -v old="$old" 'NR == 1 { print; next } { $8 = old; print }' "$cache" >"$TMP/aged"
cat "$TMP/aged" >"$cache"
t0=$(date +%s)
loads "$TMP/base.conf"
t1=$(date +%s)
expect_loads 1 "an entry confirmed two days ago is still a hit"
expect_entry "$cache" "$so" "$t0" "$t1" "its confirmed time is rewritten to now"

# ------------------------------------------------------------ failures

cat >"$TMP/crash.conf" <<CONF
[kernel]
plugin_dir = $dir
plugins = crash_entry, count_ctor
strict = no
CONF
for n in 1 2; do
    loads "$TMP/crash.conf"
    expect_err_line "error: plugin $dir/crash_entry.so: crashed while loading (signal 11, Segmentation fault)" \
        "run $n: the crashing plugin is reported as crashed"
    expect_out_match "^crash_entry +- +- +- +$dir/crash_entry.so +failed$" "run $n: it is listed as failed"
done
expect_true "a crashing plugin is never recorded" test -z "$(grep -F crash_entry "$cache")"
expect_true "its healthy neighbour is (the cache was written)" test -n "$(grep -F " $so" "$cache")"

# A plugin file that is gone is dropped the next time the cache is written.
cat >"$TMP/two.conf" <<CONF
[kernel]
plugin_dir = $dir
plugins = good_chart, count_ctor
CONF
loads "$TMP/two.conf"
expect_true "both plugins are recorded" test "$(wc -l <"$cache")" -eq 3
rm "$dir/good_chart.so"
touch "$so"
loads "$TMP/base.conf"
expect_loads 2 "(touched: probed, so the cache is rewritten)"
expect_true "the entry of the deleted plugin file is dropped" \
    test -z "$(grep -F good_chart "$cache")" -a "$(wc -l <"$cache")" -eq 2

# ------------------------------------------------------------ turned off

for setting in "plugin_probe_cache = off" "plugin_probe_cache ="; do
    conf off "$setting"
    mkdir -p "$TMP/xdg-off"
    loads "$TMP/off.conf" XDG_CACHE_HOME="$TMP/xdg-off"
    expect_loads 2 "'$setting': probed"
    loads "$TMP/off.conf" XDG_CACHE_HOME="$TMP/xdg-off"
    expect_loads 2 "'$setting': probed every time"
    expect_true "'$setting': nothing is written" test -z "$(ls -A "$TMP/xdg-off")"
done

conf noprobe "plugin_probe = no"
mkdir -p "$TMP/xdg-noprobe"
loads "$TMP/noprobe.conf" XDG_CACHE_HOME="$TMP/xdg-noprobe"
expect_loads 1 "plugin_probe = no: loaded once, in-process"
expect_true "plugin_probe = no: no cache file is written" test -z "$(ls -A "$TMP/xdg-noprobe")"

# ------------------------------------------------------------ where it lives

conf mine "plugin_probe_cache = $TMP/mine/probes"
loads "$TMP/mine.conf"
expect_loads 2 "an absolute path: probed first"
loads "$TMP/mine.conf"
expect_loads 1 "an absolute path: cached next"
expect_true "its directory is created with mode 0700" test "$(stat -c %a "$TMP/mine")" = 700
expect_true "the file is where the key says" test "$(head -1 "$TMP/mine/probes")" = "$HEADER"

mkdir -p "$TMP/home"
loads "$TMP/base.conf" -u XDG_CACHE_HOME HOME="$TMP/home"
expect_loads 2 "auto without XDG_CACHE_HOME: probed first"
loads "$TMP/base.conf" -u XDG_CACHE_HOME HOME="$TMP/home"
expect_loads 1 "auto without XDG_CACHE_HOME: cached next"
expect_true "the cache is HOME/.cache/quire/plugin-probes" test -f "$TMP/home/.cache/quire/plugin-probes"
expect_true "HOME/.cache is created with mode 0700" test "$(stat -c %a "$TMP/home/.cache")" = 700

mkdir -p "$TMP/home2"
loads "$TMP/base.conf" XDG_CACHE_HOME=relative/cache HOME="$TMP/home2"
expect_true "a relative XDG_CACHE_HOME is not used; HOME is" \
    test -f "$TMP/home2/.cache/quire/plugin-probes" -a ! -e relative

loads "$TMP/base.conf" -u XDG_CACHE_HOME -u HOME
expect_loads 2 "auto with neither XDG_CACHE_HOME nor HOME: probed"
loads "$TMP/base.conf" -u XDG_CACHE_HOME -u HOME
expect_loads 2 "auto with neither: no cache, probed every time"

conf rel "plugin_probe_cache = cache/probes"
run "$QUIRE" config check -c "$TMP/rel.conf"
expect_rc 3 "a relative plugin_probe_cache is refused (exit 3)"
expect_err_line "error: $TMP/rel.conf:4: [kernel] plugin_probe_cache: 'cache/probes' is not an absolute path (use an absolute path, auto or off)" \
    "the error names the file, line, key and value"
run env QUIRE_KERNEL_PLUGIN_PROBE_CACHE=rel "$QUIRE" config check -c "$TMP/base.conf"
expect_rc 3 "a relative path from the environment is refused too"
expect_err_line "error: environment QUIRE_KERNEL_PLUGIN_PROBE_CACHE: [kernel] plugin_probe_cache: 'rel' is not an absolute path (use an absolute path, auto or off)" \
    "the error names the variable"

# ------------------------------------------------------------ distrusted files

conf debug "log_level = debug"
loads "$TMP/debug.conf"
expect_loads 1 "(a valid cache: a hit)"
cp -p "$cache" "$TMP/cache.valid"

chmod 0666 "$cache"
loads "$TMP/debug.conf"
expect_loads 2 "a cache writable by others is ignored: probed"
expect_err_line "debug: plugin probe cache $cache: ignored: writable by group or others (mode 0666)" \
    "mode 0666: why is logged at debug level"
expect_true "mode 0666: the file is left alone" \
    test "$(stat -c %a "$cache")" = 666 -a "$(cat "$cache")" = "$(cat "$TMP/cache.valid")"
chmod 0600 "$cache"

if [ "$(id -u)" -eq 0 ]; then
    chown 65534 "$cache"
    loads "$TMP/debug.conf"
    expect_loads 2 "a cache owned by another user is ignored: probed"
    expect_err_line "debug: plugin probe cache $cache: ignored: owned by uid 65534, not by uid 0" \
        "another owner: why is logged"
    expect_true "another owner: the file is left alone" \
        test "$(stat -c %u "$cache")" = 65534 -a "$(cat "$cache")" = "$(cat "$TMP/cache.valid")"
    chown 0 "$cache"
else
    echo "ok - # SKIP a cache owned by another user (needs root to chown)"
fi

mv "$cache" "$TMP/cache.target"
ln -s "$TMP/cache.target" "$cache"
loads "$TMP/debug.conf"
expect_loads 2 "a symbolic link is not followed: probed"
expect_err_line "debug: plugin probe cache $cache: ignored: a symbolic link" "symlink: why is logged"
expect_true "symlink: left alone" test -L "$cache" -a "$(cat "$TMP/cache.target")" = "$(cat "$TMP/cache.valid")"
rm "$cache"

mkfifo "$cache"
rm -f "$COUNT_CTOR_FILE"
run timeout 20 "$QUIRE" plugins list -c "$TMP/debug.conf"
expect_rc 0 "a FIFO in the cache's place neither blocks nor fails the command"
expect_err_line "debug: plugin probe cache $cache: ignored: not a regular file" "FIFO: why is logged"
expect_true "FIFO: left alone" test -p "$cache"
rm "$cache"

head -c 1048577 /dev/zero | tr '\0' x >"$cache"
chmod 0600 "$cache"
loads "$TMP/debug.conf"
expect_loads 2 "a cache larger than 1 MiB is ignored: probed"
expect_err_line "debug: plugin probe cache $cache: ignored: larger than 1048576 bytes (1048577)" \
    "too large: why is logged"
expect_true "too large: left alone" test "$(stat -c %s "$cache")" -eq 1048577

printf 'this is not a probe cache\n\001\002 garbage\n' >"$cache"
loads "$TMP/debug.conf"
expect_loads 2 "a garbage cache is ignored: probed, and the command succeeds"
expect_err_has "debug: plugin probe cache $cache: ignored: line 1: written by another quire or plugin ABI" \
    "garbage: why is logged"
expect_true "garbage: the file is replaced by a valid one" test "$(head -1 "$cache")" = "$HEADER"
expect_entry "$cache" "$so" 0 "$(date +%s)" "garbage: the replacement records the plugin"
loads "$TMP/debug.conf"
expect_loads 1 "after the garbage was replaced: cached"

{ echo "$HEADER"; echo "1 2 3 4 5 6 7 8 relative/path.so"; } >"$cache"
loads "$TMP/debug.conf"
expect_loads 2 "a malformed entry line makes the whole cache ignored"
expect_err_line "debug: plugin probe cache $cache: ignored: line 2: the path is not absolute or longer than 3072 bytes; it will be rewritten" \
    "a malformed line: why is logged with its line number"

sed "1s/quire $VERSION/quire 0.0.0-other/" "$TMP/cache.valid" >"$cache"
expect_true "(the other version's cache holds the plugin's entry)" test -n "$(grep -F " $so" "$cache")"
loads "$TMP/debug.conf"
expect_loads 2 "a cache written by another quire version is ignored: probed"
expect_true "the other version's cache is rewritten with this header" test "$(head -1 "$cache")" = "$HEADER"
sed "1s/abi $ABI/abi $ABI_MAJOR.$((ABI_MINOR + 1))/" "$TMP/cache.valid" >"$cache"
loads "$TMP/debug.conf"
expect_loads 2 "a cache written for another plugin ABI is ignored: probed"
