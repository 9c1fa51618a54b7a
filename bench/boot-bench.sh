#!/bin/sh
# Boot-to-root benchmark: boots each virtio-iommu scenario several times with
# three /init strategies and prints, per scenario, the guest time from /init
# start to root found (median, min, max; the kernel's timestamps of the /init's
# kernel log marks, else /proc/uptime stamps on the console):
#   findroot  hooks/findroot-init.sh running findroot (what users get)
#   shell     the same image with findroot=0: busybox modprobe of the storage
#             modules, then findfs every 0.1 s (a generic busybox init, like
#             mkinitcpio's busybox path); under virtio-iommu it never finds root,
#             so its give-up time (rootdelay, 10 s) is reported
#   oracle    tests/e2e/oracle-init.sh: loads exactly virtio_iommu and the one
#             storage driver, then polls every 10 ms: the practical floor
# and the ratio findroot/oracle (medians). The runs are interleaved so that a
# change in machine load hits the three strategies alike.
#
# usage: bench/boot-bench.sh [-n RUNS] [-f FINDROOT] [-s STATIC_FINDROOT] [-q] [-o FILE.md] [SCENARIO...]
#   -s     also boot the static build (busybox-only image) as a fourth strategy
#   -q     leave out the shell approach (it only ever gives up, after 10 s a boot)
#   defaults: 5 runs, build/findroot, scenarios blk-uuid-iommu scsi-label-rootport-iommu
#             nvme-uuid-rootport-iommu sata-label-iommu
#   FILE.md gets the Markdown table with the machine and kernel (docs/BENCHMARK.md)

set -u
BENCH_DIR=$(CDPATH='' cd -- "$(dirname -- "$0")" && pwd)
REPO=$(CDPATH='' cd -- "$BENCH_DIR/.." && pwd)
E2E_REPO=$REPO
export E2E_REPO
# shellcheck source=tests/e2e/lib.sh
. "$REPO/tests/e2e/lib.sh"
RUN="$REPO/tests/e2e/run-scenario.sh"
ORACLE="$REPO/tests/e2e/oracle-init.sh"

RUNS=5
FINDROOT="$REPO/build/findroot"
OUT=""
STATIC=""
SHELL_STRAT=shell
while getopts n:f:s:o:q opt; do
    case $opt in
        n) RUNS=$OPTARG ;;
        f) FINDROOT=$OPTARG ;;
        o) OUT=$OPTARG ;;
        s) STATIC=$OPTARG ;;
        q) SHELL_STRAT="" ;;
        *) exit 2 ;;
    esac
done
shift $((OPTIND - 1))
[ $# -gt 0 ] || set -- blk-uuid-iommu scsi-label-rootport-iommu nvme-uuid-rootport-iommu sata-label-iommu
SCENARIOS="$*"
if [ ! -x "$FINDROOT" ]; then
    echo "bench: no findroot at $FINDROOT (build it: cmake -S . -B build && cmake --build build)" >&2
    exit 2
fi

oracle_modules() {
    case $1 in
        *scsi*) echo virtio_iommu,virtio_scsi,sd_mod ;;
        *nvme*) echo virtio_iommu,nvme ;;
        *sata*) echo virtio_iommu,ahci,sd_mod ;;
        *) echo virtio_iommu,virtio_blk ;;
    esac
}

ensure_e2e_tools || exit 1
KDIR=$(get_kernel 6.12) || exit 1
KREL=$(kernel_release "$KDIR")
RAW=$(mktemp "${TMPDIR:-/tmp}/findroot-bench.XXXXXX") || exit 1
trap 'rm -f "$RAW"' EXIT
LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
T0=$(date +%s)

# one boot; appends "scenario strategy ok|fail seconds" to RAW
boot() {
    scen=$1
    strat=$2
    case $strat in
        findroot) line=$(sh "$RUN" -r -f "$FINDROOT" "$scen" 2>/dev/null | grep '^E2E ') ;;
        static) line=$(sh "$RUN" -r -f "$STATIC" "$scen" 2>/dev/null | grep '^E2E ') ;;
        shell) line=$(sh "$RUN" -r -f "$FINDROOT" "neg-$scen" 2>/dev/null | grep '^E2E ') ;;
        oracle) line=$(sh "$RUN" -r -i "$ORACLE" -x "oracle.modules=$(oracle_modules "$scen")" "$scen" 2>/dev/null | grep '^E2E ') ;;
    esac
    # shellcheck disable=SC2046 # split "outcome seconds clock uptime-seconds end"
    set -- $(bench_outcome "$line")
    res="$1 $2 $3"
    [ "$4" != - ] && res="$res (uptime stamps: $4)"
    echo "$scen $strat $res" >>"$RAW"
    echo "bench: $scen $strat $res  [$line]" >&2
}

i=1
while [ "$i" -le "$RUNS" ]; do
    for s in $SCENARIOS; do
        for strat in findroot ${STATIC:+static} oracle $SHELL_STRAT; do
            boot "$s" "$strat"
        done
    done
    i=$((i + 1))
done
T1=$(date +%s)
LOAD_AFTER=$(cut -d' ' -f1-3 /proc/loadavg)

# stats SCEN STRAT -> "median min max n outcome"
stats() {
    awk -v s="$1" -v t="$2" '$1 == s && $2 == t && $4 != "-" { print $4, $3 }' "$RAW" | sort -n |
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
    if [ -n "$STATIC" ]; then
        echo "| scenario | findroot, dynamic: median (min-max) | oracle: median (min-max) | dynamic/oracle | findroot, static: median (min-max), static/oracle | shell approach |"
        echo "|---|---|---|---|---|---|"
    else
        echo "| scenario | findroot: median (min-max) | oracle: median (min-max) | findroot/oracle | shell approach |"
        echo "|---|---|---|---|---|"
    fi
    for s in $SCENARIOS; do
        # shellcheck disable=SC2046 # split the stats fields
        set -- $(stats "$s" findroot)
        fr_med=$1 fr_line="$1 s ($2-$3), $4 runs, $5"
        # shellcheck disable=SC2046
        set -- $(stats "$s" oracle)
        or_med=$1 or_line="$1 s ($2-$3), $4 runs, $5"
        # shellcheck disable=SC2046
        set -- $(stats "$s" shell)
        case ${SHELL_STRAT:-none}:$5 in
            none:*) sh_line="not run (-q)" ;;
            *:gaveup*) sh_line="never found root: gave up after $1 s ($2-$3), $4 runs" ;;
            *) sh_line="$1 s ($2-$3), $4 runs, $5" ;;
        esac
        ratio=$(awk -v a="$fr_med" -v b="$or_med" 'BEGIN { if (b + 0 > 0 && a != "-") printf "%.2fx", a / b; else print "-" }')
        if [ -n "$STATIC" ]; then
            # shellcheck disable=SC2046
            set -- $(stats "$s" static)
            st_ratio=$(awk -v a="$1" -v b="$or_med" 'BEGIN { if (b + 0 > 0 && a != "-") printf "%.2fx", a / b; else print "-" }')
            echo "| $s | $fr_line | $or_line | $ratio | $1 s ($2-$3), $4 runs, $5: $st_ratio | $sh_line |"
        else
            echo "| $s | $fr_line | $or_line | $ratio | $sh_line |"
        fi
    done
}

report() {
    echo "# Boot-to-root benchmark under virtio-iommu"
    echo
    echo "Made by \`bench/boot-bench.sh -n $RUNS\`. Guest time from /init start to root found"
    echo "(seconds, from the kernel log's timestamps of the marks \"findroot-init: reached"
    echo "start\" and \"reached root\" that both /inits write to /dev/kmsg; the /proc/uptime"
    echo "stamps, in 10 ms steps, are kept in the raw results). The shell approach never finds"
    echo "root under virtio-iommu, so its give-up time is shown."
    echo
    table
    echo
    echo "- machine: $(nproc) cores, $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1), QEMU $($E2E_QEMU --version | sed -n '1s/.*version \([^ ]*\).*/\1/p') TCG (-M q35 -smp 1 -m 512, no KVM)"
    echo "- kernel: $KREL ($(basename "$KDIR")), modules .ko.xz as shipped"
    echo "- findroot: $("$FINDROOT" --version 2>&1 | head -n 1), $(file -b "$FINDROOT" 2>/dev/null | cut -d, -f1-2), tree at $(git -C "$REPO" describe --always --dirty 2>/dev/null || echo unknown); busybox $(busybox 2>&1 | sed -n '1s/BusyBox \(v[^ ]*\).*/\1/p')"
    if [ -n "$STATIC" ]; then
        echo "- static findroot: $(file -b "$STATIC" 2>/dev/null | cut -d, -f1-2); busybox-only image (no shared libraries)"
    fi
    echo "- sizes:"
    echo
    echo '```'
    if [ -n "$STATIC" ]; then
        sh "$REPO/tests/static/sizes.sh" "$STATIC" "$FINDROOT" 2>&1
    else
        echo "size: dynamic findroot $(wc -c < "$FINDROOT") bytes as built (give -s for the static one)"
    fi
    echo '```'
    echo
    echo "- runs: $RUNS per strategy and scenario, interleaved; wall time $((T1 - T0)) s; load average before $LOAD_BEFORE, after $LOAD_AFTER"
    echo "- date: $(date -u +%Y-%m-%dT%H:%MZ)"
    echo
    echo "Raw results (scenario strategy outcome seconds clock (uptime stamps)):"
    echo
    echo '```'
    cat "$RAW"
    echo '```'
}

report
if [ -n "$OUT" ]; then
    report >"$OUT"
fi
