# bench/peers/mawk.awk - the aggregation benchmark in awk (run with mawk:
# `mawk -F, -f mawk.awk FILE`).
#
# Prints the common result CSV of bench/run. One pass over the rows, state
# per "region,category" key; the mean and the sum of squared deviations are
# updated with Welford's method, so the variance needs no second pass and
# does not cancel digits. Column numbers: 3 region, 6 category, 8 quantity,
# 11 amount. awk has no sort: the rows go through `LC_ALL=C sort`.
NR == 1 { next }
{
    k = $3 "," $6
    x = $11 + 0
    c = ++n[k]
    if (c == 1) {
        lo[k] = x
        hi[k] = x
    } else {
        if (x < lo[k]) lo[k] = x
        if (x > hi[k]) hi[k] = x
    }
    s[k] += x
    q[k] += $8
    d = x - mean[k]
    mean[k] += d / c
    m2[k] += d * (x - mean[k])
}
END {
    print "region,category,count,sum_amount,avg_amount,min_amount,max_amount,stddev_amount,sum_quantity"
    cmd = "LC_ALL=C sort -t, -k1,1 -k2,2"
    for (k in n) {
        sd = n[k] > 1 ? sprintf("%.17g", sqrt(m2[k] / (n[k] - 1))) : ""
        printf "%s,%d,%.2f,%.17g,%.2f,%.2f,%s,%d\n", k, n[k], s[k], mean[k], lo[k], hi[k], sd, q[k] | cmd
    }
    close(cmd)
}
