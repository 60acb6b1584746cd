# fuzz_smoke.sh - builds every libFuzzer target (tests/fuzz/fuzz_*.c) and runs
# each for a few seconds over its seed corpus, so a parser change that crashes
# on a known input fails `make test`. Long runs are `make fuzz`.
source tests/lib.sh

secs=${FUZZ_SMOKE_SECONDS:-4}
run make --no-print-directory BUILD="$QUIRE_BUILD" fuzz-build
expect_rc 0 "the fuzz targets build with clang"
for src in tests/fuzz/fuzz_*.c; do
    name=$(basename "$src" .c)
    name=${name#fuzz_}
    corpus=tests/fuzz/corpus/$name
    mkdir -p "$TMP/corpus-$name"
    # A fixed seed: the smoke run explores the same inputs every time, so
    # `make test` does not turn red on a new finding of the random search
    # (that is what the long `make fuzz` runs are for).
    run "$QUIRE_BUILD/fuzz/fuzz_$name" -seed=1 -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 \
        -artifact_prefix="$TMP/" "$TMP/corpus-$name" "$corpus"
    expect_rc 0 "fuzz_$name runs ${secs}s over its $(ls "$corpus" 2>/dev/null | wc -l) seeds without a crash"
    if [ "$RC" -ne 0 ]; then
        echo "$ERR" | grep -E "ERROR|SUMMARY|Test unit written" | head -5 | sed 's/^/#   /'
    fi
done
