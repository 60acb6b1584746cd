# sqlite.sh - `quire data preview` with the sqlite source plugin, through the
# real binary, on databases built here with the sqlite3 shell: declared
# types mapped, types inferred for expressions, bind_NAME parameters of each
# kind, NULLs, bad values failing or skipped, and the error line and exit
# code for a missing database, a file that is not one, bad SQL, unknown and
# unused parameters, and a database locked past busy_timeout_ms.
source "$(dirname "$0")/../lib.sh"

case "$QUIRE_BUILD" in
/*) plugins="$QUIRE_BUILD/plugins" ;;
*) plugins="$PWD/$QUIRE_BUILD/plugins" ;;
esac
CONF="$TMP/quire.conf"
cat > "$CONF" <<EOF
[kernel]
plugin_dir = $plugins
plugins = sqlite
EOF
DB="$TMP/shop.db"
sqlite3 -batch "$DB" > /dev/null <<'EOF'
PRAGMA journal_mode = DELETE;
CREATE TABLE orders (id INTEGER PRIMARY KEY, region TEXT, amount DECIMAL(10,2),
                     day DATE, at DATETIME, paid BOOLEAN, weight REAL);
INSERT INTO orders VALUES (1, 'north', 12.5, '2024-02-29', '2024-02-29 10:00:00', 1, 1.5);
INSERT INTO orders VALUES (2, 'south', 0.1 + 0.2, '2024-03-01', '2024-03-01T08:30:00+01:00', 0, NULL);
INSERT INTO orders VALUES (3, NULL, 7, NULL, NULL, NULL, 2);
EOF

# ---------------------------------------------------------------- output

run "$QUIRE" data preview sqlite database="$DB" table=orders -c "$CONF"
expect_rc 0 "data preview of a table exits 0"
expect_out_line "$(printf 'id:int\tregion:string\tamount:decimal(2)\tday:date\tat:timestamp\tpaid:bool\tweight:float')" \
    "declared types map to column types"
expect_out_line "$(printf '1\tnorth\t12.50\t2024-02-29\t2024-02-29T10:00:00Z\ttrue\t1.5')" \
    "values convert: decimal with its scale, date, UTC timestamp, bool"
expect_out_line "$(printf '2\tsouth\t0.30\t2024-03-01\t2024-03-01T07:30:00Z\tfalse\t\\N')" \
    "0.1 + 0.2 stored as a real is the decimal 0.30; offsets are applied"
expect_out_line "$(printf '3\t\\N\t7.00\t\\N\t\\N\t\\N\t2')" "NULL is \\N"
expect_err_line "3 rows" "stderr ends with the row count"

run "$QUIRE" data preview sqlite database="$DB" \
    query="SELECT region, sum(amount) AS total, count(*) AS n, max(day) AS last
           FROM orders WHERE id >= :first AND region <> :skip GROUP BY region ORDER BY region" \
    bind_first=1 bind_skip=east -c "$CONF"
expect_rc 0 "a query with parameters exits 0"
expect_out_line "$(printf 'region:string\ttotal:float\tn:int\tlast:date')" \
    "expressions without a declared type are inferred from their values"
expect_out_line "$(printf 'north\t12.5\t1\t2024-02-29')" "the parameters bound"

run "$QUIRE" data preview sqlite database="$DB" \
    query="SELECT typeof(:i) AS i, typeof(:f) AS f, typeof(:t) AS t, typeof(:z) AS z" \
    bind_i=42 bind_f=2.5 bind_t=north bind_z=007 -c "$CONF"
expect_out_line "$(printf 'integer\treal\ttext\ttext')" \
    "integers bind as int64, other numbers as double, the rest (and 007) as text"

run "$QUIRE" data preview sqlite database="$DB" table=orders types=amount:string,paid:int -c "$CONF"
expect_out_line "$(printf '2\tsouth\t0.3\t2024-03-01\t2024-03-01T07:30:00Z\t0\t\\N')" \
    "types overrides the declared type"

# ---------------------------------------------------------------- bad values

run "$QUIRE" data preview sqlite database="$DB" query="SELECT id, weight FROM orders" \
    types=weight:int -c "$CONF"
expect_rc 5 "a value that does not fit exits 5"
expect_err_line "error: $DB: row 1: column 'weight': '1.5' is not an int (set by types at command line argument 6)" \
    "a bad value names the database, row, column, value and type"
run "$QUIRE" data preview sqlite database="$DB" query="SELECT id, weight FROM orders" \
    types=weight:int on_error=skip -c "$CONF"
expect_rc 0 "on_error=skip exits 0"
expect_err_line "info: source.sqlite: $DB: skipped 1 bad row of 3 (on_error = skip)" \
    "skipped rows are counted in one info line"
expect_err_line "2 rows" "the others are read"

# ---------------------------------------------------------------- errors

run "$QUIRE" data preview sqlite database="$TMP/missing.db" table=orders -c "$CONF"
expect_rc 5 "a missing database exits 5"
expect_err_line "error: $TMP/missing.db: cannot open: No such file or directory" \
    "a missing database is named with the reason"
expect_true "a missing database is not created" test ! -e "$TMP/missing.db"

run "$QUIRE" data preview sqlite database="$CONF" table=orders -c "$CONF"
expect_rc 5 "a file that is not a database exits 5"
expect_err_line "error: command line argument 4: sqlite: database: $CONF: file is not a database" \
    "sqlite's message comes with where the option was given"

run "$QUIRE" data preview sqlite database="$DB" query="SELECT * FROM orderz" -c "$CONF"
expect_rc 5 "bad SQL exits 5"
expect_err_line "error: command line argument 5: sqlite: query: no such table: orderz" \
    "bad SQL: sqlite's message and the query option's location"

run "$QUIRE" data preview sqlite database="$DB" query="SELECT * FROM orders WHERE region = :region" -c "$CONF"
expect_rc 5 "a parameter without a value exits 5"
expect_err_line "error: command line argument 5: sqlite: query: parameter :region has no value (set bind_region)" \
    "the missing parameter is named with the option to set"

run "$QUIRE" data preview sqlite database="$DB" query="SELECT * FROM orders WHERE region = :region" \
    bind_region=north bind_regoin=south -c "$CONF"
expect_rc 5 "an unused bind exits 5"
expect_err_line "error: command line argument 7: sqlite: bind_regoin: the query has no parameter :regoin (its parameters: :region)" \
    "an unused bind is named with the query's parameters"

run "$QUIRE" data preview sqlite database="$DB" -c "$CONF"
expect_rc 5 "no query or table exits 5"
expect_err_line "error: sqlite: source 'data preview': missing option 'query' or 'table' (what to read)" \
    "a missing query is named"

# ---------------------------------------------------------------- locking

# Another process holds an exclusive lock, its input kept open through a
# FIFO; wait, bounded, until it has the lock.
mkfifo "$TMP/locker.in"
sqlite3 -batch "$DB" < "$TMP/locker.in" > /dev/null &
locker=$!
exec 3> "$TMP/locker.in"
printf 'BEGIN EXCLUSIVE;\nINSERT INTO orders (id) VALUES (99);\n' >&3
for _ in $(seq 1 100); do
    run "$QUIRE" data preview sqlite database="$DB" table=orders busy_timeout_ms=0 -c "$CONF"
    [ "$RC" -ne 0 ] && break
    sleep 0.05
done
start=$(date +%s%N)
run "$QUIRE" data preview sqlite database="$DB" table=orders busy_timeout_ms=500 -c "$CONF"
elapsed_ms=$((($(date +%s%N) - start) / 1000000))
expect_rc 5 "a locked database exits 5 after the busy timeout"
expect_err_line "error: command line argument 4: sqlite: database: $DB: database is locked" \
    "a locked database says so"
expect_true "the busy timeout was waited for" test "$elapsed_ms" -ge 450
exec 3>&- # end of input: the shell rolls back and exits
wait "$locker"
run "$QUIRE" data preview sqlite database="$DB" table=orders -c "$CONF"
expect_rc 0 "once the lock is gone the database reads"
expect_err_line "3 rows" "the other process's insert was rolled back"
