#!/bin/sh
# Markdown table from the "BENCH integrations ..." lines the boot tests print
# (or append to $FINDROOT_BENCH_FILE). Usage: bench-table.sh [FILE...]
# e.g. FINDROOT_BENCH_FILE=/tmp/b ctest -L integrations; bench-table.sh /tmp/b
printf '| image | result | wall (s) | guest uptime at root (s) |\n|---|---|---|---|\n'
grep -h '^BENCH integrations ' "$@" | awk '{
    wall = $5; sub(/^wall=/, "", wall); sub(/s$/, "", wall)
    up = "-"
    for (i = 6; i <= NF; i++) if ($i ~ /^root-reached-at=/) { up = $i; sub(/^root-reached-at=/, "", up); sub(/s$/, "", up) }
    res = ($4 == "BOOTS") ? "root reached" : ($4 == "STALL") ? "root late: the kernel gave up on the IOMMU (expected)" : "no root (expected)"
    printf "| %s | %s | %s | %s |\n", $3, res, wall, up
}'
