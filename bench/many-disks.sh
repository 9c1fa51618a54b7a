#!/bin/sh
# Many-disks benchmark (issue 17): boots a q35 guest under virtio-iommu with N
# SCSI disks (one virtio-scsi controller behind a pcie-root-port, N scsi-hd
# LUNs on target 0, each a small raw ext4 image with its own UUID and LABEL;
# the root disk is LUN N/2, so not the first once N > 1), for each N, with two
# initramfs strategies, interleaved:
#   findroot  busybox image, hooks/findroot-init.sh running findroot (which
#             makes the /dev/disk links for the devices it has when root is
#             found)
#   oracle    busybox image, tests/e2e/oracle-init.sh: modprobe virtio_iommu
#             virtio_scsi sd_mod, then findfs every 10 ms; it makes no links
#   udevd     a generic (--no-hostonly) dracut systemd image of the host's
#             dracut with virtio_iommu added (--add-drivers): udevd loads the
#             drivers and makes the links, systemd waits for the root device
# The busybox /inits are copies with bench/many-disks-init.sh sourced right
# after their "reached root" mark; the dracut image sources it from a
# pre-mount hook that first marks "reached root". It marks when the kernel has
# all N disks and when by-uuid and by-label hold N links each (running
# `findroot links` or `udevadm settle` again, once all disks are registered,
# while they do not). Guest times come from the kernel's timestamps of these
# /dev/kmsg marks, counted from the kernel's "Run /init as init process".
# Prints a Markdown table of medians (min-max) and the per-disk slope between
# the smallest N > 1 and the largest.
#
# usage: bench/many-disks.sh [-n RUNS] [-N "1 16 64 256"] [-s "findroot oracle udevd"]
#                            [-f FINDROOT] [-m MEM_MB] [-t SECONDS] [-o FILE.md]
#   -t     start no round of boots that would end past SECONDS (judged by the
#          round before); TERM or INT stops after the running boot; both
#          still print the table of what was measured
#   defaults: 3 runs, N = 1 16 64 256, all three strategies, build/findroot,
#   512 MiB per busybox guest (the systemd one gets 1024, as
#   tests/integrations does); disk images go to a temporary directory under
#   /var/tmp (BENCH_TMP), removed at the end unless BENCH_KEEP=1 (console
#   logs there); BENCH_BOOT_TIMEOUT: limit for one boot, default 300 s;
#   BENCH_UDEVD_IMAGE: a dracut image this script built before (kept with
#   BENCH_KEEP=1) instead of building one (a few minutes)

set -u
BENCH_DIR=$(CDPATH='' cd -- "$(dirname -- "$0")" && pwd)
# (lib.sh finds the tree by E2E_REPO)
REPO=${BENCH_DIR%/bench} && export E2E_REPO="$REPO"
# shellcheck source=tests/e2e/lib.sh
. "$REPO/tests/e2e/lib.sh"

RUNS=3
COUNTS="1 16 64 256"
FINDROOT="$REPO/build/findroot"
MEM=512
OUT=""
LIMIT=""
STRATS="findroot oracle udevd"
while getopts n:N:s:f:m:o:t: opt; do
    case $opt in
        n) RUNS=$OPTARG ;; N) COUNTS=$OPTARG ;; s) STRATS=$OPTARG ;; f) FINDROOT=$OPTARG ;;
        m) MEM=$OPTARG ;; o) OUT=$OPTARG ;; t) LIMIT=$OPTARG ;;
        *) exit 2 ;;
    esac
done
shift $((OPTIND - 1))
if [ ! -x "$FINDROOT" ]; then
    echo "bench: no findroot at $FINDROOT (build it: cmake -S . -B build && cmake --build build)" >&2
    exit 2
fi
MAXN=0
for n in $COUNTS; do
    case $n in '' | *[!0-9]* | 0) echo "bench: bad disk count '$n'" >&2; exit 2 ;; esac
    [ "$n" -gt "$MAXN" ] && MAXN=$n
done
# virtio-scsi takes LUNs 0-16383 on a target; Linux names sda..sdzzz
[ "$MAXN" -le 4096 ] || { echo "bench: at most 4096 disks" >&2; exit 2; }

ensure_e2e_tools || exit 1
KDIR=$(get_kernel 6.12) || exit 1
KREL=$(kernel_release "$KDIR")
KIMG=$(kernel_image "$KDIR")

TMPBASE=${BENCH_TMP:-/var/tmp}
# 2 MiB per disk (sparse: ~0.3 MiB written), the root, two initramfs images
need_kb=$(((MAXN * 2 + 64) * 1024))
avail_kb=$(df -Pk "$TMPBASE" | awk 'NR == 2 { print $4 }')
if [ "${avail_kb:-0}" -lt "$need_kb" ]; then
    echo "bench: $TMPBASE has ${avail_kb:-?} KiB free, $need_kb KiB needed" >&2
    exit 1
fi
W=$(mktemp -d "$TMPBASE/findroot-many-disks.XXXXXX") || exit 1
trap '[ "${BENCH_KEEP:-0}" = 1 ] && e2e_log "kept $W" || rm -rf "$W"' EXIT
trap 'exit 1' INT TERM
RAW=$W/raw.txt
: >"$RAW"

# --- disks: one template, copied, each with its own UUID and label ---------------
t_mk=$(date +%s)
mkfs.ext4 -q -F -t ext4 -O ^has_journal -L tmpl "$W/tmpl.img" 2M >/dev/null || exit 1
i=1
while [ "$i" -lt "$MAXN" ]; do
    cp --sparse=always "$W/tmpl.img" "$W/d$i.img" &&
        tune2fs -U "$(cat /proc/sys/kernel/random/uuid)" -L "disk$i" "$W/d$i.img" >/dev/null || exit 1
    i=$((i + 1))
done
ROOT_UUID=$(cat /proc/sys/kernel/random/uuid)
MARKER="FINDROOT-MANY-DISKS-ROOT-$(od -An -N6 -tx1 /dev/urandom | tr -d ' \n')"
# (dracut's systemd wants an /etc/fstab on root)
make_rootfs_dir "$W/rootdir" "$MARKER" && : >"$W/rootdir/etc/fstab" &&
    mkfs_ext4_image "$W/root.img" 8 "$W/rootdir" manyroot "$ROOT_UUID" || exit 1
rm -rf "$W/rootdir"
e2e_log "$MAXN disk images in $(($(date +%s) - t_mk)) s, $(du -sk "$W" | cut -f1) KiB on disk"

# --- the two images: the /inits with the marks added after root is found ---------
# shellcheck disable=SC2016 # sed patterns, not shell
sed '/^[[:space:]]*mark root "\$DEV"$/a\
        . /etc/bench-many-disks.sh' "$REPO/hooks/findroot-init.sh" >"$W/findroot-init.sh"
# shellcheck disable=SC2016
sed '/reached root \$dev" >\/dev\/kmsg$/a\
. /etc/bench-many-disks.sh' "$REPO/tests/e2e/oracle-init.sh" >"$W/oracle-init.sh"
for f in "$W/findroot-init.sh" "$W/oracle-init.sh"; do
    grep -q bench-many-disks "$f" || { echo "bench: cannot add the marks to $f (its root mark moved?)" >&2; exit 1; }
done
EXTRA="$BENCH_DIR/many-disks-init.sh:/etc/bench-many-disks.sh"
mkinitramfs_busybox -i "$W/findroot-init.sh" -f "$FINDROOT" -a "$EXTRA" "$W/findroot.img" "$KDIR" &&
    mkinitramfs_busybox -i "$W/oracle-init.sh" -a "$EXTRA" "$W/oracle.img" "$KDIR" || exit 1

# The dracut systemd image: a private copy of the host's dracut tree with one
# more module that installs the marks as a pre-mount hook.
dracut_image() {
    ensure_packages dracut || return 1
    base=$W/dracut
    m=$base/modules.d/99manydisks
    cp -a /usr/lib/dracut "$base" && mkdir -p "$m" || return 1
    cp "$BENCH_DIR/many-disks-init.sh" "$m/marks.sh" || return 1
    printf '%s\n' '#!/bin/sh' 'echo "<5>findroot-init: reached root" >/dev/kmsg' \
        '. /etc/bench-many-disks.sh' >"$m/root-found.sh"
    # shellcheck disable=SC2016 # dracut's module-setup.sh, expanded by dracut
    printf '%s\n' '#!/bin/bash' 'check() { return 255; }' 'depends() { echo systemd; }' \
        'install() {' '    inst_simple "$moddir/marks.sh" /etc/bench-many-disks.sh' \
        '    inst_hook pre-mount 99 "$moddir/root-found.sh"' '    inst_multiple find wc sleep' '}' \
        >"$m/module-setup.sh"
    chmod 0755 "$m/module-setup.sh" "$m/root-found.sh"
    DRACUT_VER=$(dpkg-query -W -f='${Version}' dracut-core 2>/dev/null)
    if [ -n "${BENCH_UDEVD_IMAGE:-}" ]; then
        cp "$BENCH_UDEVD_IMAGE" "$W/udevd.img" || return 1
        e2e_log "dracut image: $BENCH_UDEVD_IMAGE (given)"
        return 0
    fi
    t_dr=$(date +%s)
    dracutbasedir=$base dracut -q --force --no-hostonly --kver "$KREL" --kmoddir "$KDIR/lib/modules/$KREL" \
        --add manydisks --add-drivers "virtio_iommu virtio_scsi sd_mod" "$W/udevd.img" >"$W/dracut.log" 2>&1 ||
        { tail -n 20 "$W/dracut.log" >&2; return 1; }
    e2e_log "dracut $DRACUT_VER image in $(($(date +%s) - t_dr)) s, $(du -m "$W/udevd.img" | cut -f1) MiB"
}
DRACUT_VER=""
case " $STRATS " in
    *" udevd "*) dracut_image || exit 1 ;;
esac

LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
T0=$(date +%s)

# run_init_time LOG: the kernel's timestamp of "Run /init as init process"
run_init_time() {
    tr -d '\r' <"$1" | sed -n 's/^\[ *\([0-9]*\.[0-9]*\)\] Run \/init as init process.*/\1/p' | head -n 1
}

# mark_since LOG WHAT: seconds from the kernel's "Run /init" to the /init's
# "reached WHAT" mark, or -
mark_since() {
    s=$(run_init_time "$1")
    e=$(kmsg_time_of "$1" "$2")
    if [ -n "$s" ] && [ -n "$e" ]; then
        awk -v a="$s" -v b="$e" 'BEGIN { printf "%.3f\n", b - a }'
    else
        echo -
    fi
}

# boot N STRATEGY: appends "N strategy root disks links wall" to RAW
boot() {
    n=$1
    strat=$2
    rootpos=$((n / 2))
    mem=$MEM
    [ "$strat" = udevd ] && [ "$mem" -lt 1024 ] && mem=1024
    set -- -kernel "$KIMG" -initrd "$W/$strat.img" -m "$mem" -device virtio-iommu-pci \
        -device pcie-root-port,id=rp1,bus=pcie.0,chassis=1,addr=0x4 \
        -device virtio-scsi-pci,id=scsi0,bus=rp1
    i=0
    k=1
    while [ "$i" -lt "$n" ]; do
        if [ "$i" = "$rootpos" ]; then
            set -- "$@" -blockdev "driver=raw,node-name=d$i,file.driver=file,file.filename=$W/root.img"
        else
            set -- "$@" -blockdev "driver=raw,node-name=d$i,read-only=on,file.driver=file,file.filename=$W/d$k.img"
            k=$((k + 1))
        fi
        set -- "$@" -device "scsi-hd,drive=d$i,bus=scsi0.0,channel=0,scsi-id=0,lun=$i"
        i=$((i + 1))
    done
    # (no_timer_check as tests/integrations: a loaded host can fail TCG's
    # IO-APIC timer check and panic at 0.06 s)
    cmd="console=ttyS0 no_timer_check panic=-1 root=UUID=$ROOT_UUID bench.disks=$n"
    case $strat in
        oracle) cmd="$cmd oracle.modules=virtio_iommu,virtio_scsi,sd_mod" ;;
        udevd) cmd="$cmd ro rd.shell=0 rd.emergency=poweroff" ;;
    esac
    log=$W/console-$n-$strat.log
    tb=$(date +%s)
    run_qemu "$log" -T "${BENCH_BOOT_TIMEOUT:-300}" -- "$@" -append "$cmd"
    rc=$?
    wall=$(($(date +%s) - tb))
    t_root=$(mark_since "$log" root)
    t_all=$(mark_since "$log" disks)
    t_links=$(mark_since "$log" links)
    [ "$strat" = oracle ] && t_links=n/a
    grep -aq "^$MARKER" "$log" || t_root=-
    gap=$(awk -v a="$(run_init_time "$log")" -v b="$(kmsg_time_of "$log" start)" 'BEGIN { if (a != "" && b != "") printf "%.3f", b - a; else print "-" }')
    echo "$n $strat $t_root $t_all $t_links $wall $gap" >>"$RAW"
    extra=""
    [ "$t_root" = - ] && extra=" (qemu rc=$rc; console: $(tr -d '\r' <"$log" | grep -a -e 'findroot-init' -e 'Kernel panic' | tail -n 3 | tr '\n' '|'))"
    e2e_log "N=$n $strat: root $t_root s, all disks $t_all s, all links $t_links s, wall $wall s; /init start mark after $gap s; $(kmsg_line "$log" links)$extra"
}

# the text of the first "reached WHAT" mark
kmsg_line() {
    tr -d '\r' <"$1" | sed -n "s/^\[[ 0-9.]*\] findroot-init: reached $2 //p" | head -n 1
}

# TERM or INT: stop after the boot that is running and print what was measured
STOP=0
trap 'STOP=1' INT TERM
round=1
last=0
while [ "$round" -le "$RUNS" ] && [ "$STOP" = 0 ]; do
    tr0=$(date +%s)
    if [ -n "$LIMIT" ] && [ $((tr0 - T0 + last)) -gt "$LIMIT" ]; then
        e2e_log "stopping after $((round - 1)) rounds: another one (${last} s) would pass the -t limit"
        break
    fi
    for n in $COUNTS; do
        for strat in $STRATS; do
            [ "$STOP" = 0 ] && boot "$n" "$strat"
        done
    done
    last=$(($(date +%s) - tr0))
    round=$((round + 1))
done
DONE=$((round - 1))
T1=$(date +%s)
LOAD_AFTER=$(cut -d' ' -f1-3 /proc/loadavg)

# stats N STRAT FIELD -> "median min max count" (FIELD: 3 root, 4 disks, 5 links)
stats() {
    awk -v n="$1" -v s="$2" -v f="$3" '$1 == n && $2 == s && $f ~ /^[0-9.]+$/ { print $f }' "$RAW" | sort -n |
        awk '{ v[NR] = $1 }
             END {
                 if (NR == 0) { print "- - - 0"; exit }
                 med = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
                 printf "%.3f %.3f %.3f %d\n", med, v[1], v[NR], NR
             }'
}

cell() {
    # shellcheck disable=SC2046 # split the stats fields
    set -- $(stats "$1" "$2" "$3")
    if [ "$4" = 0 ]; then
        echo "-"
    elif [ "$4" = "$DONE" ]; then
        echo "$1 s ($2-$3)"
    else
        echo "$1 s ($2-$3), $4 boots"
    fi
}

median() {
    stats "$1" "$2" "$3" | cut -d' ' -f1
}

ratio() {
    awk -v a="$1" -v b="$2" 'BEGIN { if (a != "-" && b != "-" && b + 0 > 0) printf "%.2fx", a / b; else print "-" }'
}

# slope STRAT FIELD: ms per disk between the smallest N > 1 and the largest
slope() {
    lo=""
    for n in $COUNTS; do
        [ "$n" -gt 1 ] || continue
        if [ -z "$lo" ] || [ "$n" -lt "$lo" ]; then lo=$n; fi
    done
    if [ -z "$lo" ] || [ "$lo" = "$MAXN" ]; then
        echo "-"
        return
    fi
    awk -v a="$(median "$lo" "$1" "$2")" -v b="$(median "$MAXN" "$1" "$2")" -v x="$lo" -v y="$MAXN" \
        'BEGIN { if (a != "-" && b != "-") printf "%.2f ms/disk", (b - a) * 1000 / (y - x); else print "-" }'
}

table() {
    echo "| N disks | findroot: time to root | oracle: time to root | findroot/oracle | findroot: time to all links | udevd (dracut systemd): time to root | udevd: time to all links | kernel has all N disks (findroot / oracle / udevd boots) |"
    echo "|---|---|---|---|---|---|---|---|"
    for n in $COUNTS; do
        echo "| $n | $(cell "$n" findroot 3) | $(cell "$n" oracle 3) | $(ratio "$(median "$n" findroot 3)" "$(median "$n" oracle 3)") | $(cell "$n" findroot 5) | $(cell "$n" udevd 3) | $(cell "$n" udevd 5) | $(cell "$n" findroot 4) / $(cell "$n" oracle 4) / $(cell "$n" udevd 4) |"
    done
    lo=""
    for n in $COUNTS; do
        [ "$n" -gt 1 ] && { [ -z "$lo" ] || [ "$n" -lt "$lo" ]; } && lo=$n
    done
    echo "| per disk, ${lo:-?} -> $MAXN | $(slope findroot 3) | $(slope oracle 3) | | $(slope findroot 5) | $(slope udevd 3) | $(slope udevd 5) | $(slope findroot 4) / $(slope oracle 4) / $(slope udevd 4) |"
}

report() {
    echo "Made by \`bench/many-disks.sh -n $RUNS -N \"$COUNTS\" -s \"$STRATS\"\`: medians (min-max) of $DONE boots per cell,"
    echo "guest seconds from the kernel's \"Run /init as init process\" to the /init's kernel log marks."
    echo
    table
    echo
    echo "- machine: $(nproc) cores, $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1), QEMU $($E2E_QEMU --version | sed -n '1s/.*version \([^ ]*\).*/\1/p') TCG (-M q35 -smp 1 -m $MEM, no KVM)"
    [ -n "$DRACUT_VER" ] && echo "- udevd: dracut $DRACUT_VER (host), systemd $(dpkg-query -W -f='${Version}' systemd 2>/dev/null), image $(du -m "$W/udevd.img" | cut -f1) MiB, -m $([ "$MEM" -lt 1024 ] && echo 1024 || echo "$MEM")"
    echo "- kernel: $KREL ($(basename "$KDIR")); disks: one virtio-scsi-pci behind a pcie-root-port, N scsi-hd LUNs, 2 MiB ext4 each (root: 8 MiB, LUN N/2)"
    echo "- findroot: $("$FINDROOT" --version 2>&1 | head -n 1), $(file -b "$FINDROOT" 2>/dev/null | cut -d, -f1-2), tree at $(git -C "$REPO" describe --always --dirty 2>/dev/null || echo unknown); busybox $(busybox 2>&1 | sed -n '1s/BusyBox \(v[^ ]*\).*/\1/p')"
    echo "- runs: $DONE per strategy and N (of $RUNS asked), interleaved; wall time $((T1 - T0)) s for the boots; load average before $LOAD_BEFORE, after $LOAD_AFTER"
    printf '%s\n' "- date: $(date -u +%Y-%m-%dT%H:%MZ)" "" \
        "Raw results (N strategy root disks links wall-seconds start-mark-after-Run-/init, in boot order):" \
        "" '```'
    cat "$RAW"
    echo '```'
}

# the report on stdout, and in FILE.md with -o
report | tee "${OUT:-/dev/null}"
