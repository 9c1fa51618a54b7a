#!/bin/sh
# arm64 boot-to-root benchmark, the counterpart of bench/boot-bench.sh: boots
# each arm64 virtio-iommu scenario several times with three /init strategies
# and reports the guest time from /init start to root found (median, min, max):
#   findroot  hooks/findroot-init.sh running findroot
#   shell     the same image with findroot=0 (busybox modprobe + findfs poll):
#             under the virtio-iommu it never finds root; its give-up time shows
#   oracle    tests/e2e/oracle-init.sh: exactly virtio_iommu + the storage driver
# Runs are interleaved so that changes in machine load hit all three alike.
#
# usage: tests/e2e-arm64/bench-arm64.sh [-n RUNS] [-f FINDROOT] [-o FILE.md] [SCENARIO...]
#   defaults: 3 runs, build-arm64/findroot, acpi-blk-uuid-iommu dt-blk-label-iommu

set -u
A64_DIR=$(CDPATH='' cd -- "$(dirname -- "$0")" && pwd)
REPO=$(CDPATH='' cd -- "$A64_DIR/../.." && pwd)
E2E_REPO=$REPO
export E2E_REPO
# shellcheck source=tests/e2e/lib.sh
. "$REPO/tests/e2e/lib.sh"
# shellcheck source=tests/e2e-arm64/lib-arm64.sh
. "$A64_DIR/lib-arm64.sh"
RUN="$A64_DIR/run-scenario-arm64.sh"
ORACLE="$REPO/tests/e2e/oracle-init.sh"

RUNS=3
FINDROOT="$REPO/build-arm64/findroot"
OUT=""
while getopts n:f:o: opt; do
    case $opt in
        n) RUNS=$OPTARG ;;
        f) FINDROOT=$OPTARG ;;
        o) OUT=$OPTARG ;;
        *) exit 2 ;;
    esac
done
shift $((OPTIND - 1))
[ $# -gt 0 ] || set -- acpi-blk-uuid-iommu dt-blk-label-iommu
SCENARIOS="$*"
if [ ! -x "$FINDROOT" ]; then
    echo "bench-arm64: no findroot at $FINDROOT (tools/cross-arm64.sh builds it)" >&2
    exit 2
fi

oracle_modules() {
    case $1 in
        *scsi*) echo virtio_iommu,virtio_scsi,sd_mod ;;
        *) echo virtio_iommu,virtio_blk ;;
    esac
}

KDIR=$(get_kernel 6.12-arm64) || exit 1
KREL=$(kernel_release "$KDIR")
E2E_ARM64_BUSYBOX=$(get_busybox_arm64) || exit 1
export E2E_ARM64_BUSYBOX
RAW=$(mktemp "${TMPDIR:-/tmp}/findroot-bench-arm64.XXXXXX") || exit 1
trap 'rm -f "$RAW"' EXIT
LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
T0=$(date +%s)

# one boot; appends "scenario strategy found|gaveup|broken seconds" to RAW
boot() {
    scen=$1
    strat=$2
    case $strat in
        findroot) line=$(sh "$RUN" -r -f "$FINDROOT" "$scen" 2>/dev/null | grep '^E2E ') ;;
        shell) line=$(sh "$RUN" -r -f "$FINDROOT" "neg-$scen" 2>/dev/null | grep '^E2E ') ;;
        oracle) line=$(sh "$RUN" -r -i "$ORACLE" -x "oracle.modules=$(oracle_modules "$scen")" "$scen" 2>/dev/null | grep '^E2E ') ;;
    esac
    # shellcheck disable=SC2046 # split "outcome seconds clock uptime-seconds end"
    set -- $(bench_outcome "$line")
    res="$1 $2 $5"
    echo "$scen $strat $res" >>"$RAW"
    echo "bench-arm64: $scen $strat $res  [$line]" >&2
}

i=1
while [ "$i" -le "$RUNS" ]; do
    for s in $SCENARIOS; do
        for strat in findroot oracle shell; do
            boot "$s" "$strat"
        done
    done
    i=$((i + 1))
done
T1=$(date +%s)
LOAD_AFTER=$(cut -d' ' -f1-3 /proc/loadavg)

# stats SCEN STRAT FIELD -> "median min max n outcome" (FIELD 4: /init to root,
# 5: kernel uptime at root)
stats() {
    awk -v s="$1" -v t="$2" -v f="$3" '$1 == s && $2 == t && $f != "-" { print $f, $3 }' "$RAW" |
        sort -n |
        awk '{ v[NR] = $1; o[$2]++ }
             END {
                 if (NR == 0) { print "- - - 0 none"; exit }
                 med = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
                 out = ""
                 for (k in o) out = out (out == "" ? "" : "+") k o[k]
                 printf "%.3f %.3f %.3f %d %s\n", med, v[1], v[NR], NR, out
             }'
}

table() {
    echo "| arm64 scenario | findroot: median (min-max) | oracle: median (min-max) | findroot/oracle | shell approach | findroot: uptime at root |"
    echo "|---|---|---|---|---|---|"
    for s in $SCENARIOS; do
        # shellcheck disable=SC2046 # split the stats fields
        set -- $(stats "$s" findroot 4)
        fr_med=$1 fr_line="$1 s ($2-$3), $4 runs, $5"
        # shellcheck disable=SC2046
        set -- $(stats "$s" findroot 5)
        up_line="$1 s ($2-$3)"
        # shellcheck disable=SC2046
        set -- $(stats "$s" oracle 4)
        or_med=$1 or_line="$1 s ($2-$3), $4 runs, $5"
        # shellcheck disable=SC2046
        set -- $(stats "$s" shell 4)
        case $5 in
            gaveup*) sh_line="never found root: gave up after $1 s ($2-$3), $4 runs" ;;
            *) sh_line="$1 s ($2-$3), $4 runs, $5" ;;
        esac
        ratio=$(awk -v a="$fr_med" -v b="$or_med" 'BEGIN { if (b + 0 > 0 && a != "-") printf "%.2fx", a / b; else print "-" }')
        echo "| $s | $fr_line | $or_line | $ratio | $sh_line | $up_line |"
    done
}

report() {
    echo "Guest time from /init start to root found (seconds, from the kernel log's timestamps of"
    echo "the /init's marks \"findroot-init: reached start|root\", else its /proc/uptime stamps)."
    echo
    table
    echo
    echo "- machine: $(nproc) cores x86_64, $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1), QEMU $($E2E_ARM64_QEMU --version | sed -n '1s/.*version \([^ ]*\).*/\1/p') TCG (-M virt -cpu $E2E_ARM64_CPU -smp 1 -m 512, no KVM); acpi- = AAVMF UEFI/ACPI, dt- = device tree"
    echo "- kernel: $KREL ($(basename "$KDIR")), modules .ko.xz as shipped"
    echo "- findroot: $(git -C "$REPO" describe --always --dirty 2>/dev/null || echo unknown), $(file -b "$FINDROOT" | cut -d, -f1-2,4)"
    echo "- runs: $RUNS per strategy and scenario, interleaved; wall time $((T1 - T0)) s; load average before $LOAD_BEFORE, after $LOAD_AFTER"
    echo "- date: $(date -u +%Y-%m-%dT%H:%MZ)"
    echo
    echo "Raw results (scenario strategy outcome init-to-root-seconds uptime):"
    echo
    echo '```'
    cat "$RAW"
    echo '```'
}

report
if [ -n "$OUT" ]; then
    report >"$OUT"
fi
