#!/usr/bin/env bash
# bench/peers/datamash.sh FILE - the aggregation benchmark in GNU datamash.
#
# Prints the common result CSV of bench/run. datamash groups runs of equal
# keys, so it needs sorted input: -s pipes the file through `LC_ALL=C sort`
# (a child process, which GNU sort runs on all cores) before grouping. Column
# numbers: 3 region, 6 category, 8 quantity, 11 amount. datamash computes in
# long double and prints 14 significant digits.
set -euo pipefail
[ $# -eq 1 ] || { echo "usage: datamash.sh FILE" >&2; exit 2; }
echo "region,category,count,sum_amount,avg_amount,min_amount,max_amount,stddev_amount,sum_quantity"
datamash -t, --header-in -s -g 3,6 count 11 sum 11 mean 11 min 11 max 11 sstdev 11 sum 8 <"$1"
