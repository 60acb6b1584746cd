#!/usr/bin/env bash
# bench/peers/sqlite3.sh FILE - the aggregation benchmark in the sqlite3 CLI.
#
# Prints the common result CSV of bench/run. The file is .import'ed into an
# in-memory table with typed columns (amount REAL: sqlite has no decimal
# type, so sums are floating and bench/run compares them rounded to cents).
# sqlite has no stddev, so it is computed in two passes: the per-group count,
# sum, mean, extremes go to a table keyed by (region, category), then a
# second scan joins each row to its group's mean and sums the squared
# deviations. That costs a second scan and a sort, but it is numerically as
# stable as the other tools' methods, where the one-pass sum-of-squares
# formula cancels digits when the mean is large against the spread.
set -euo pipefail
[ $# -eq 1 ] || { echo "usage: sqlite3.sh FILE" >&2; exit 2; }
# A dot-command's quoted argument has no escapes.
case $1 in *"'"*) echo "sqlite3.sh: $1: a path with a single quote cannot be .import'ed" >&2; exit 2 ;; esac
sqlite3 :memory: <<SQL
CREATE TABLE sales(order_id INTEGER, order_date TEXT, region TEXT, country TEXT,
    product TEXT, category TEXT, customer TEXT, quantity INTEGER, unit_price REAL,
    discount REAL, amount REAL);
.import --csv --skip 1 '$1' sales
CREATE TABLE g(region TEXT, category TEXT, n INTEGER, s REAL, mean REAL, lo REAL, hi REAL,
    q INTEGER, PRIMARY KEY (region, category)) WITHOUT ROWID;
INSERT INTO g
    SELECT region, category, count(*), sum(amount), avg(amount), min(amount), max(amount),
           sum(quantity)
    FROM sales GROUP BY region, category;
.headers on
.mode csv
SELECT g.region, g.category, g.n AS count, printf('%.2f', g.s) AS sum_amount,
       printf('%.17g', g.mean) AS avg_amount, printf('%.2f', g.lo) AS min_amount,
       printf('%.2f', g.hi) AS max_amount,
       CASE WHEN g.n > 1 THEN
           printf('%.17g', sqrt(sum((s.amount - g.mean) * (s.amount - g.mean)) / (g.n - 1)))
       END AS stddev_amount,
       g.q AS sum_quantity
FROM sales AS s JOIN g ON s.region = g.region AND s.category = g.category
GROUP BY g.region, g.category
ORDER BY g.region, g.category;
SQL
