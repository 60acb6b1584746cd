# fmt.sh - `quire fmt` through the real binary: the canonical text on
# stdout, stdin with -, --check (silent, exit 1 and "PATH: not formatted"),
# -w (rewrites through a temporary file and a rename, keeping permissions,
# leaving nothing behind), syntax errors (exit 5 with file:line:col and a
# caret), unreadable files, bad command lines (exit 2), and that fmt only
# parses: a definition that would not load still formats.
source "$(dirname "$0")/../lib.sh"

run "$QUIRE" fmt --help
if [ "$RC" -ne 0 ]; then
    _not_ok "quire fmt is wired into main.c" "quire fmt --help: exit $RC" "$ERR"
    exit 0
fi

# ---------------------------------------------------------------- output

cat > "$TMP/messy.quire" <<'EOF'


# Sales   
report{title="Sales";page=a4}



source sales {plugin=csv ; path="sales.csv"}
style money {
  pattern="#,##0.00"    # money
  condition{when=total<0;color=red}

}
filter = amount>=10 AND region<>"x"
band detail{
   field{box=[0,0,80,14];value=(amount+tax)*2}
}
EOF
cat > "$TMP/want.quire" <<'EOF'
# Sales
report { title = "Sales"; page = a4 }

source sales { plugin = csv; path = "sales.csv" }
style money {
    pattern = "#,##0.00" # money
    condition { when = total < 0; color = red }
}
filter = amount >= 10 and region != "x"
band detail {
    field { box = [0, 0, 80, 14]; value = (amount + tax) * 2 }
}
EOF

run "$QUIRE" fmt "$TMP/messy.quire"
expect_rc 0 "fmt FILE exits 0"
expect_true "fmt FILE prints the canonical text" \
    cmp -s "$TMP/.out" "$TMP/want.quire"
expect_true "nothing on stderr" test -z "$ERR"

run "$QUIRE" fmt "$TMP/want.quire"
expect_true "a canonical file prints unchanged" cmp -s "$TMP/.out" "$TMP/want.quire"

run "$QUIRE" fmt - < "$TMP/messy.quire"
expect_rc 0 "fmt - exits 0"
expect_true "fmt - reads stdin" cmp -s "$TMP/.out" "$TMP/want.quire"

run "$QUIRE" fmt tests/data/reports/full.quire
expect_true "the full example is already canonical" \
    cmp -s "$TMP/.out" tests/data/reports/full.quire

# ---------------------------------------------------------------- --check

run "$QUIRE" fmt --check "$TMP/want.quire"
expect_rc 0 "--check on a canonical file exits 0"
expect_true "--check prints nothing" test -z "$OUT$ERR"

run "$QUIRE" fmt --check "$TMP/messy.quire"
expect_rc 1 "--check on an unformatted file exits 1"
expect_err_line "$TMP/messy.quire: not formatted" "and says which file"
expect_true "--check prints nothing on stdout" test -z "$OUT"

run "$QUIRE" fmt --check "$TMP/want.quire" "$TMP/messy.quire"
expect_rc 1 "--check over several files fails if one is not formatted"
expect_true "only that one is named" test "$ERR" = "$TMP/messy.quire: not formatted"

run "$QUIRE" fmt --check - < "$TMP/messy.quire"
expect_rc 1 "--check reads stdin too"
expect_err_line "<stdin>: not formatted" "naming it <stdin>"

# ---------------------------------------------------------------- -w

mkdir "$TMP/w"
cp "$TMP/messy.quire" "$TMP/w/r.quire"
chmod 640 "$TMP/w/r.quire"
run "$QUIRE" fmt -w "$TMP/w/r.quire"
expect_rc 0 "-w exits 0"
expect_true "-w prints nothing" test -z "$OUT$ERR"
expect_true "-w rewrites the file in canonical form" cmp -s "$TMP/w/r.quire" "$TMP/want.quire"
expect_true "-w keeps the file's permissions" test "$(stat -c %a "$TMP/w/r.quire")" = 640
expect_true "-w leaves no temporary file" test "$(ls -A "$TMP/w")" = r.quire
run "$QUIRE" fmt --check "$TMP/w/r.quire"
expect_rc 0 "the rewritten file passes --check"

cp "$TMP/want.quire" "$TMP/w/same.quire"
touch -d '2001-01-01' "$TMP/w/same.quire"
run "$QUIRE" fmt -w "$TMP/w/same.quire"
expect_rc 0 "-w on a canonical file exits 0"
expect_true "and leaves it untouched" test "$(stat -c %Y "$TMP/w/same.quire")" = \
    "$(date -d '2001-01-01' +%s)"

# ---------------------------------------------------------------- errors

printf 'report {\n    title = "open\n}\nx = 1 2\n' > "$TMP/bad.quire"
cp "$TMP/bad.quire" "$TMP/bad.orig"
run "$QUIRE" fmt "$TMP/bad.quire"
expect_rc 5 "a syntax error exits 5"
expect_err_line "$TMP/bad.quire:2:13: error: unterminated string" "with file:line:col and the message"
expect_err_line '        title = "open' "then the offending line (indented by four)"
expect_err_line "                ^" "and a caret under the column"
expect_err_line "$TMP/bad.quire:4:7: error: expected end of line or ';' after the value of 'x', got '2'" \
    "every syntax error is reported"
expect_true "nothing on stdout" test -z "$OUT"

run "$QUIRE" fmt -w "$TMP/bad.quire"
expect_rc 5 "-w on a file with errors exits 5"
expect_true "and leaves it as it was" cmp -s "$TMP/bad.quire" "$TMP/bad.orig"

run "$QUIRE" fmt "$TMP/none.quire"
expect_rc 5 "a missing file exits 5"
expect_err_line "error: $TMP/none.quire: cannot read: No such file or directory" "naming it"

printf 'x = "a\0b"\n' > "$TMP/nul.quire"
run "$QUIRE" fmt "$TMP/nul.quire"
expect_rc 5 "a NUL byte exits 5"
expect_err_has "$TMP/nul.quire:1:7: error: NUL byte in input" "pointing at it"

printf 'reprot { titel = 3 }\n' > "$TMP/unloadable.quire"
run "$QUIRE" fmt "$TMP/unloadable.quire"
expect_rc 0 "fmt only parses: unknown blocks and attributes still format"
expect_out_line "reprot { titel = 3 }" "unchanged"

# ---------------------------------------------------------------- usage

run "$QUIRE" fmt
expect_rc 2 "no file is a usage error"
expect_err_has "quire fmt: no file given" "saying so"
run "$QUIRE" fmt -w -
expect_rc 2 "-w cannot rewrite stdin"
run "$QUIRE" fmt -w --check "$TMP/want.quire"
expect_rc 2 "-w and --check together are refused"
run "$QUIRE" fmt --frob "$TMP/want.quire"
expect_rc 2 "an unknown option is a usage error"
expect_err_has "quire fmt: unknown option '--frob'" "naming it"
