#!/bin/sh
# Boot-to-root benchmark: boots each virtio-iommu scenario several times with
# up to four /init strategies and prints, per scenario, the guest time from
# /init start to root found (median, min, max; the kernel's timestamps of the
# /init's kernel log marks, else /proc/uptime stamps on the console):
#   findroot  hooks/findroot-init.sh running findroot (what users get)
#   static    the same with the static findroot (-s; busybox-only image)
#   oracle    tests/e2e/oracle-init.sh: loads exactly virtio_iommu and the one
#             storage driver, then polls every 10 ms: the practical floor
#   shell     the same image with findroot=0: busybox modprobe of the storage
#             modules, then findfs every 0.1 s (a generic busybox init, like
#             mkinitcpio's busybox path); under virtio-iommu it never finds root,
#             so its give-up time (rootdelay, 10 s) is reported (-q leaves it out)
# and the ratio findroot/oracle (medians), and findroot's kernel uptime at root.
# The runs are interleaved so that a change in machine load hits the
# strategies alike. Each boot is one run-scenario -r (tests/e2e, or
# tests/e2e-arm64 with -a arm64; tests/e2e-arm64/bench-arm64.sh is that).
#
# usage: bench/boot-bench.sh [-a x86_64|arm64] [-n RUNS] [-f FINDROOT] [-s STATIC_FINDROOT] [-q]
#                            [-o FILE.md] [SCENARIO...]
#   -a     the guest architecture (default x86_64)
#   -s     also boot the static build as a fourth strategy
#   -q     leave out the shell approach (it only ever gives up, after 10 s a boot)
#   defaults x86_64: 5 runs, build/findroot, scenarios blk-uuid-iommu
#             scsi-label-rootport-iommu nvme-uuid-rootport-iommu sata-label-iommu
#   defaults arm64: 3 runs, build-arm64/findroot, acpi-blk-uuid-iommu dt-blk-label-iommu
#   FILE.md gets the Markdown report with the machine and kernel
#   (docs/BENCHMARK.md, docs/BENCHMARK-arm64.md)

set -u
# shellcheck source=tests/e2e/lib.sh
. "$(dirname -- "$0")/../tests/e2e/lib.sh"
REPO=$E2E_REPO
ORACLE="$REPO/tests/e2e/oracle-init.sh"

usage() {
    echo "usage: $0 [-a x86_64|arm64] [-n RUNS] [-f FINDROOT] [-s STATIC_FINDROOT] [-q] [-o FILE.md] [SCENARIO...]" >&2
    exit 2
}
ARCH=x86_64 RUNS="" FINDROOT="" OUT="" STATIC="" SHELL_STRAT=shell
while getopts a:n:f:s:o:q opt; do
    case $opt in
        a) ARCH=$OPTARG ;;
        n) RUNS=$OPTARG ;;
        f) FINDROOT=$OPTARG ;;
        o) OUT=$OPTARG ;;
        s) STATIC=$OPTARG ;;
        q) SHELL_STRAT="" ;;
        *) usage ;;
    esac
done
shift $((OPTIND - 1))
case $ARCH in
    x86_64)
        RUN="$REPO/tests/e2e/run-scenario.sh"
        : "${RUNS:=5}" "${FINDROOT:=$REPO/build/findroot}"
        [ $# -gt 0 ] || set -- blk-uuid-iommu scsi-label-rootport-iommu nvme-uuid-rootport-iommu sata-label-iommu
        BUILD_HINT="build it: cmake -S . -B build && cmake --build build"
        MACHINE="-M q35 -smp 1 -m 512" MACHINE_NOTE=""
        ;;
    arm64)
        e2e_arch arm64 || exit 2
        RUN="$REPO/tests/e2e-arm64/run-scenario-arm64.sh"
        : "${RUNS:=3}" "${FINDROOT:=$REPO/build-arm64/findroot}"
        [ $# -gt 0 ] || set -- acpi-blk-uuid-iommu dt-blk-label-iommu
        BUILD_HINT="tools/cross-arm64.sh builds it"
        MACHINE="-M virt -cpu $E2E_ARM64_CPU -smp 1 -m 512" MACHINE_NOTE="; acpi- = AAVMF UEFI/ACPI, dt- = device tree"
        ;;
    *) usage ;;
esac
SCENARIOS="$*"
if [ ! -x "$FINDROOT" ]; then
    echo "bench: no findroot at $FINDROOT ($BUILD_HINT)" >&2
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

if [ "$ARCH" = arm64 ]; then
    # resolved once: the boots then skip apt
    E2E_ARM64_BUSYBOX=$(get_busybox_arm64) || exit 1
    export E2E_ARM64_BUSYBOX
else
    ensure_e2e_tools || exit 1
fi
KDIR=$(get_kernel "$E2E_KFLAVOR") || exit 1
KREL=$(kernel_release "$KDIR")
RAW=$(mktemp "${TMPDIR:-/tmp}/findroot-bench.XXXXXX") || exit 1
trap 'rm -f "$RAW"' EXIT
LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
T0=$(date +%s)

# one boot; appends to RAW "scenario strategy" and bench_outcome's fields:
# found|gaveup|broken, seconds, kmsg|uptime (the clock), the uptime stamps'
# seconds and the uptime at the end (root or give-up), "-" where missing
boot() {
    scen=$1
    strat=$2
    case $strat in
        findroot) line=$(sh "$RUN" -r -f "$FINDROOT" "$scen" 2>/dev/null | grep '^E2E ') ;;
        static) line=$(sh "$RUN" -r -f "$STATIC" "$scen" 2>/dev/null | grep '^E2E ') ;;
        shell) line=$(sh "$RUN" -r -f "$FINDROOT" "neg-$scen" 2>/dev/null | grep '^E2E ') ;;
        oracle) line=$(sh "$RUN" -r -i "$ORACLE" -x "oracle.modules=$(oracle_modules "$scen")" "$scen" 2>/dev/null | grep '^E2E ') ;;
    esac
    res="$(bench_outcome "$line")"
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

# stats SCEN STRAT FIELD -> "median min max n outcome" (FIELD 4: /init to root,
# 7: the kernel uptime at root)
stats() {
    awk -v s="$1" -v t="$2" -v f="$3" '$1 == s && $2 == t && $f != "-" { print $f, $3 }' "$RAW" | sort -n |
        awk '{ v[NR] = $1; o[$2]++ }
             END {
                 if (NR == 0) { print "- - - 0 none"; exit }
                 med = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
                 out = ""
                 for (k in o) out = out (out == "" ? "" : "+") k o[k]
                 printf "%.3f %.3f %.3f %d %s\n", med, v[1], v[NR], NR, out
             }'
}

# ratio A B: "A/Bx" or "-"
ratio() {
    awk -v a="$1" -v b="$2" 'BEGIN { if (b + 0 > 0 && a != "-") printf "%.2fx", a / b; else print "-" }'
}

table() {
    st_head="" st_rule=""
    [ -n "$STATIC" ] && st_head=" findroot, static: median (min-max), static/oracle |" st_rule="---|"
    echo "| $ARCH scenario | findroot: median (min-max) | oracle: median (min-max) | findroot/oracle |$st_head shell approach | findroot: uptime at root |"
    echo "|---|---|---|---|$st_rule---|---|"
    for s in $SCENARIOS; do
        # shellcheck disable=SC2046 # split the stats fields
        set -- $(stats "$s" findroot 4)
        fr_med=$1 fr_line="$1 s ($2-$3), $4 runs, $5"
        # shellcheck disable=SC2046
        set -- $(stats "$s" findroot 7)
        up_line="$1 s ($2-$3)"
        # shellcheck disable=SC2046
        set -- $(stats "$s" oracle 4)
        or_med=$1 or_line="$1 s ($2-$3), $4 runs, $5"
        st_line=""
        if [ -n "$STATIC" ]; then
            # shellcheck disable=SC2046
            set -- $(stats "$s" static 4)
            st_line=" $1 s ($2-$3), $4 runs, $5: $(ratio "$1" "$or_med") |"
        fi
        # shellcheck disable=SC2046
        set -- $(stats "$s" shell 4)
        case ${SHELL_STRAT:-none}:$5 in
            none:*) sh_line="not run (-q)" ;;
            *:gaveup*) sh_line="never found root: gave up after $1 s ($2-$3), $4 runs" ;;
            *) sh_line="$1 s ($2-$3), $4 runs, $5" ;;
        esac
        echo "| $s | $fr_line | $or_line | $(ratio "$fr_med" "$or_med") |$st_line $sh_line | $up_line |"
    done
}

report() {
    echo "# Boot-to-root benchmark under virtio-iommu ($ARCH)"
    echo
    echo "Made by \`bench/boot-bench.sh -a $ARCH -n $RUNS\`. Guest time from /init start to root found"
    echo "(seconds, from the kernel log's timestamps of the marks \"findroot-init: reached"
    echo "start\" and \"reached root\" that both /inits write to /dev/kmsg; the /proc/uptime"
    echo "stamps, in 10 ms steps, are kept in the raw results). The shell approach never finds"
    echo "root under virtio-iommu, so its give-up time is shown."
    echo
    table
    echo
    echo "- machine: $(nproc) cores $(uname -m), $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1), QEMU $($E2E_QEMU --version | sed -n '1s/.*version \([^ ]*\).*/\1/p') TCG ($MACHINE, no KVM)$MACHINE_NOTE"
    echo "- kernel: $KREL ($(basename "$KDIR")), modules .ko.xz as shipped"
    version=$("$FINDROOT" --version 2>/dev/null | head -n 1)
    echo "- findroot: ${version:+$version, }$(file -b "$FINDROOT" 2>/dev/null | cut -d, -f1-2), tree at $(git -C "$REPO" describe --always --dirty 2>/dev/null || echo unknown); busybox $(busybox 2>&1 | sed -n '1s/BusyBox \(v[^ ]*\).*/\1/p')"
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
    echo "Raw results (scenario strategy outcome seconds clock uptime-seconds uptime-at-end):"
    echo
    echo '```'
    cat "$RAW"
    echo '```'
}

report
if [ -n "$OUT" ]; then
    report >"$OUT"
fi
