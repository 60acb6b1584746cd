# bench_gen.sh - bench/gen_sales (the C benchmark data generator) writes
# byte for byte what the reference ../shared/bench/gen_sales.py writes, for
# N = 0, 1, 1000 and 50000 under the default seed and seed 7, and for seeds
# that exercise the seeding: 0, a negative one (abs is taken), one above 2^32
# (a key of two words) and a 30-digit one; "-" writes to standard output;
# bad command lines exit 2 with a message. Also the agreement check of
# `make bench`, bench/peers/compare.py, on hand-written results: what agrees
# (cents after rounding, 1e-9 relative) and the exact message for each kind
# of disagreement. GEN_SALES_PY overrides where the reference is; without it
# or python3 the comparisons with the reference are skipped.
source "$(dirname "$0")/../lib.sh"

GEN=$QUIRE_BUILD/bench/gen_sales
REF=${GEN_SALES_PY:-../shared/bench/gen_sales.py}

expect_true "gen_sales is built ($GEN)" test -x "$GEN"

sha() { sha256sum "$1" | cut -d' ' -f1; }

# same_as_reference WHAT N [--seed S]: both write N rows; the digests match.
same_as_reference() {
    local what=$1 n=$2
    shift 2
    if ! python3 "$REF" "$@" -- "$n" "$TMP/ref.csv" 2>"$TMP/ref.err"; then
        _not_ok "$what" "the reference failed: $(cat "$TMP/ref.err")"
        return
    fi
    run "$GEN" "$n" "$TMP/gen.csv" "$@"
    if [ "$RC" -ne 0 ]; then
        _not_ok "$what" "gen_sales exited $RC: $ERR"
    elif [ "$(sha "$TMP/gen.csv")" = "$(sha "$TMP/ref.csv")" ]; then
        _ok "$what"
    else
        _not_ok "$what" "sha256 differs; first difference: $(cmp "$TMP/gen.csv" "$TMP/ref.csv")"
    fi
}

if [ -r "$REF" ] && command -v python3 >/dev/null; then
    for seed in default 7; do
        seed_args=()
        [ "$seed" = default ] || seed_args=(--seed "$seed")
        for n in 0 1 1000 50000; do
            same_as_reference "N=$n, seed $seed: same bytes as the reference" "$n" "${seed_args[@]}"
        done
    done
    same_as_reference "seed 0 (a key of one zero word)" 300 --seed 0
    same_as_reference "a negative seed is taken as its absolute value" 300 --seed -99
    same_as_reference "seed 2^32 (a key of two words)" 300 --seed 4294967296
    same_as_reference "a 30-digit seed" 300 --seed 123456789012345678901234567890
    same_as_reference "--seed=S with underscores between digits" 300 --seed=1_000_003
    same_as_reference "a negative N writes the header only" -5
else
    echo "ok - comparison with the reference # SKIP $REF or python3 not found"
fi

# Independent of the reference: the shape of the output.
run "$GEN" 1000 "$TMP/a.csv"
expect_rc 0 "gen_sales 1000 FILE exits 0"
expect_true "1000 rows and a header" test "$(wc -l <"$TMP/a.csv")" -eq 1001
expect_true "the header names the 11 columns" test "$(head -n 1 "$TMP/a.csv")" = \
    "order_id,order_date,region,country,product,category,customer,quantity,unit_price,discount,amount"
expect_true "every row has 11 fields, ids 1..N in order, dates in 2021..2023" \
    awk -F, 'NR > 1 && (NF != 11 || $1 != NR - 1 || $2 < "2021-01-01" || $2 > "2023-12-31") \
        { bad = 1 } END { exit bad }' "$TMP/a.csv"
expect_true "amount = quantity * unit_price * (1 - discount), half up to the cent" \
    awk -F, 'NR > 1 { p = int($9 * 100 + 0.5); d = int($10 * 100 + 0.5)
        if (int($11 * 100 + 0.5) != int(($8 * p * (100 - d) + 50) / 100)) bad = 1 }
        END { exit bad }' "$TMP/a.csv"
run "$GEN" 1000 - --seed 20240611
expect_true "\"-\" writes the same bytes to standard output" \
    test "$(printf '%s\n' "$OUT" | sha256sum)" = "$(sha256sum <"$TMP/a.csv")"

# Bad command lines.
run "$GEN"
expect_rc 2 "no arguments: exit 2"
expect_err_line "usage: gen_sales N OUTFILE [--seed SEED]" "no arguments: the usage line"
run "$GEN" 10x "$TMP/x.csv"
expect_rc 2 "a bad N: exit 2"
expect_err_line "gen_sales: N: '10x' is not an integer in 64 bits" "a bad N is named"
run "$GEN" 99999999999999999999 "$TMP/x.csv"
expect_err_line "gen_sales: N: '99999999999999999999' is not an integer in 64 bits" \
    "an N beyond 64 bits is refused"
run "$GEN" 10 "$TMP/x.csv" --seed 1.5
expect_rc 2 "a bad seed: exit 2"
expect_err_line "gen_sales: --seed: '1.5' is not an integer" "a bad seed is named"
run "$GEN" 10 "$TMP/no/such/dir/x.csv"
expect_rc 1 "an output that cannot be created: exit 1"
expect_err_line "gen_sales: $TMP/no/such/dir/x.csv: No such file or directory" \
    "the unwritable path is named with the reason"

if [ -w /dev/full ]; then
    run "$GEN" 100000 /dev/full
    expect_rc 1 "a full device: exit 1"
    expect_true "a full device: one message naming it" \
        test "$ERR" = "gen_sales: /dev/full: No space left on device"
fi

# ---------------------------------------------------------------- compare.py

CMP=bench/peers/compare.py
H=region,category,count,sum_amount,avg_amount,min_amount,max_amount,stddev_amount,sum_quantity
printf '%s\n' "$H" "Africa,Books,3,10.00,3.3333333333333335,1.00,5.00,2.0816659994661326,7" \
    "Asia,Toys,1,2.50,2.5,2.50,2.50,,4" >"$TMP/ref.csv"
# Floating sums within half a cent, avg and stddev within 1e-9 relative.
printf '%s\n' "$H" "Africa,Books,3,10.004999,3.33333333333,1,5.0,2.08166599947,7.0" \
    "Asia,Toys,1,2.5,2.5000000000,2.5,2.5,,4" >"$TMP/ok.csv"
run python3 "$CMP" quire "$TMP/ref.csv" tool "$TMP/ok.csv"
expect_rc 0 "compare: a result equal to the cent and within 1e-9 agrees"
expect_out_match '^agree [0-9.e-]+ [0-9.e-]+$' "compare: agreement prints the largest relative errors"

sed 's/^Africa,Books,3,10.00,/Africa,Books,3,10.01,/' "$TMP/ref.csv" >"$TMP/bad.csv"
run python3 "$CMP" quire "$TMP/ref.csv" mawk "$TMP/bad.csv"
expect_rc 1 "compare: a sum off by a cent disagrees"
expect_out_line "mawk disagrees with quire: group Africa,Books: sum_amount is 10.01 in mawk, 10.00 in quire" \
    "compare: the message names the tool, the group, the column and both values"
sed 's/,3.3333333333333335,/,3.33333334,/' "$TMP/ref.csv" >"$TMP/bad.csv"
run python3 "$CMP" quire "$TMP/ref.csv" mawk "$TMP/bad.csv"
expect_out_line "mawk disagrees with quire: group Africa,Books: avg_amount is 3.33333334 in mawk, 3.3333333333333335 in quire" \
    "compare: an avg off by 2e-9 relative disagrees"
sed 's/^Africa,Books,3,/Africa,Books,4,/' "$TMP/ref.csv" >"$TMP/bad.csv"
run python3 "$CMP" quire "$TMP/ref.csv" mawk "$TMP/bad.csv"
expect_out_line "mawk disagrees with quire: group Africa,Books: count is 4 in mawk, 3 in quire" \
    "compare: counts must be identical"
sed 's/,4$/,/' "$TMP/ref.csv" >"$TMP/bad.csv"
run python3 "$CMP" quire "$TMP/ref.csv" mawk "$TMP/bad.csv"
expect_out_line "mawk disagrees with quire: group Asia,Toys: sum_quantity is '' in mawk, '4' in quire" \
    "compare: an empty value where the reference has one disagrees"
grep -v '^Asia' "$TMP/ref.csv" >"$TMP/bad.csv"
run python3 "$CMP" quire "$TMP/ref.csv" mawk "$TMP/bad.csv"
expect_out_line "mawk: group Asia,Toys is missing (quire has it)" "compare: a missing group is named"
printf '%s\n' "$H" "Asia,Toys,1,2.50,2.5,2.50,2.50,,4" \
    "Africa,Books,3,10.00,3.3333333333333335,1.00,5.00,2.0816659994661326,7" >"$TMP/bad.csv"
run python3 "$CMP" quire "$TMP/ref.csv" mawk "$TMP/bad.csv"
expect_out_line "mawk: line 3: group Africa,Books is not after Asia,Toys (rows must be in ascending region, category order)" \
    "compare: rows out of order are refused"
sed '1s/count/n/' "$TMP/ref.csv" >"$TMP/bad.csv"
run python3 "$CMP" quire "$TMP/ref.csv" mawk "$TMP/bad.csv"
expect_out_line "mawk: header is '${H/count/n}', expected '$H'" "compare: a wrong header is refused"
