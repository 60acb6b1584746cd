#!/usr/bin/env bash
# bench/peers/miller.sh FILE - the aggregation benchmark in Miller (mlr).
#
# Prints the common result CSV of bench/run. stats1 applies one list of
# accumulators to every field it is given, so the sum of quantity costs five
# more accumulators on quantity (count, mean, min, max, stddev) that are cut
# away afterwards. Miller reads amount as a float: bench/run compares the
# sums rounded to cents.
set -euo pipefail
[ $# -eq 1 ] || { echo "usage: miller.sh FILE" >&2; exit 2; }
mlr --icsv --ocsv \
    stats1 -a count,sum,mean,min,max,stddev -f amount,quantity -g region,category \
    "then" cut -o -f region,category,amount_count,amount_sum,amount_mean,amount_min,amount_max,amount_stddev,quantity_sum \
    "then" rename amount_count,count,amount_sum,sum_amount,amount_mean,avg_amount,amount_min,min_amount,amount_max,max_amount,amount_stddev,stddev_amount,quantity_sum,sum_quantity \
    "then" sort -f region,category \
    "$1"
