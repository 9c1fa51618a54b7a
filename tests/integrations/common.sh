# shellcheck shell=sh
# Shared by the integration boot tests (dracut, initramfs-tools, mkinitcpio):
# reuses tests/e2e/lib.sh (kernels, disks, QEMU) and adds the root disk, the
# virtio-iommu boot, the verdicts and the benchmark lines these tests share.

INTEG_DIR=$(CDPATH='' cd -- "$(dirname -- "$0")" && pwd)
INTEG_REPO=$(CDPATH='' cd -- "$INTEG_DIR/../.." && pwd)
E2E_LIB=$INTEG_REPO/tests/e2e/lib.sh
# shellcheck source=../e2e/lib.sh
. "$E2E_LIB"

INTEG_MARKER=FINDROOT-INTEG-ROOT-REACHED
INTEG_UUID=5b1c7a1e-4f0d-4c1e-9a59-9d3c2b7e0f42
# Failing boots must end on their own: no shell, power off. The wait must
# still outlast a slow TCG boot on a busy machine (udevd can start 40 s in).
: "${INTEG_WAIT:=45}"
INTEG_FAIL_FAST="rd.timeout=$INTEG_WAIT rd.retry=$INTEG_WAIT rd.shell=0 rd.emergency=poweroff panic=-1"
INTEG_CACHE=$FINDROOT_CACHE/integrations
# a private temp root: other suites on this machine clean /tmp/findroot-e2e-*
TMPDIR=${INTEG_TMPDIR:-/var/tmp/findroot-integrations}
mkdir -p "$TMPDIR" && export TMPDIR
# used by the scripts that source this file
: "$INTEG_FAIL_FAST" "$INTEG_CACHE"

integ_log() {
    printf 'integrations: %s\n' "$*" >&2
}

# integ_kernel KFLAVOUR: the host tools of the boot tests, then KDIR and REL
# of that kernel (tests/lib/kernels.sh), and the cache dir
integ_kernel() {
    ensure_e2e_tools || return 1
    KDIR=$(get_kernel "$1") || return 1
    # shellcheck disable=SC2034 # read by the callers
    REL=$(kernel_release "$KDIR")
    echo "integrations: kernel $(kernel_describe "$KDIR")"
    mkdir -p "$INTEG_CACHE"
}

# integ_hash FILE|DIR...: one short content hash (cache keys)
integ_hash() {
    find "$@" -type f -print0 2>/dev/null | LC_ALL=C sort -z |
        xargs -0 stat -c '%a %n' | while read -r mode f; do
            printf '%s %s\n' "$mode" "$(sha256sum < "$f")"
        done | sha256sum | cut -c1-16
}

# integ_rootdisk DISK: GPT disk whose ext4 partition (UUID $INTEG_UUID) has an
# /sbin/init that prints $INTEG_MARKER and powers off
integ_rootdisk() {
    d=$(e2e_tmpdir rootfs) || return 1
    make_rootfs_dir "$d/root" "$INTEG_MARKER" || return 1
    # dracut's shell initrd wants /etc/fstab or it calls the root unusable
    : > "$d/root/etc/fstab"
    mkfs_ext4_image "$d/root.ext4" 48 "$d/root" introot "$INTEG_UUID" || return 1
    mkdisk_gpt "$1" 64 "$d/root.ext4" introot || return 1
    e2e_cleanup "$d"
}

# integ_boot LOG KDIR INITRD DISK CMDLINE: q35 + virtio-blk behind a
# virtio-iommu, TCG; prints the wall time in seconds (no_timer_check: a TCG
# guest on a loaded host can fail the IO-APIC timer check and panic at 0.05 s)
integ_boot() {
    log=$1
    kd=$2
    initrd=$3
    disk=$4
    append=$5
    t0=$(date +%s.%N)
    run_qemu "$log" -T "${INTEG_BOOT_TIMEOUT:-150}" -- -m 1024 \
        -kernel "$(kernel_image "$kd")" -initrd "$initrd" -append "console=ttyS0 no_timer_check $append" \
        -drive "file=$disk,if=none,format=raw,id=d0,snapshot=on" \
        -device virtio-blk-pci,drive=d0 -device virtio-iommu-pci
    rc=$?
    t1=$(date +%s.%N)
    awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f\n", b - a }'
    [ "$rc" = 124 ] && integ_log "boot hit the ${INTEG_BOOT_TIMEOUT:-150} s limit: $log"
    return 0
}

# integ_bench NAME RESULT WALL DETAIL: one line for the benchmark table
integ_bench() {
    line="BENCH integrations $1 $2 wall=${3}s $4"
    printf '%s\n' "$line"
    if [ -n "${FINDROOT_BENCH_FILE:-}" ]; then
        printf '%s\n' "$line" >> "$FINDROOT_BENCH_FILE"
    fi
}

# integ_matrix RESULT SECONDS: the docs/MATRIX.md line of this boot, when
# INTEG_MATRIX="KERNEL|KIND|stock|findroot|TEST" is set
integ_matrix() {
    [ -n "${INTEG_MATRIX:-}" ] || return 0
    old_ifs=$IFS
    IFS='|'
    # shellcheck disable=SC2086 # split on |
    set -- "$1" "$2" $INTEG_MATRIX
    IFS=$old_ifs
    matrix_record "$3" x86_64 "$4" "$5" "$1" "$2" "integrations/$6"
}

# integ_stall_of LOG: the kernel time at which it gave up waiting for the
# IOMMU and probed a virtio controller without it (7.x), or nothing
integ_stall_of() {
    tr -d '\r' < "$1" | sed -n 's/^\[ *\([0-9.]*\)\] virtio-pci .*deferred probe timeout, ignoring dependency.*/\1/p' | head -n 1
}

# integ_expect_boot NAME LOG WALL: root reached (marker on the console)
integ_expect_boot() {
    if grep -q "$INTEG_MARKER" "$2"; then
        up=$(uptime_of "$2" "$INTEG_MARKER")
        # on kernels with a deferred probe timeout, say whether the kernel had
        # already given up on the IOMMU (then findroot was not what made root appear)
        stall=$(integ_stall_of "$2")
        if [ -n "$stall" ]; then
            integ_log "$1: note: the kernel gave up on the IOMMU at $stall s (deferred probe timeout)"
            integ_matrix "root-with-kernel-timeout(${stall}s)" "$3"
        else
            integ_matrix root "$3"
        fi
        integ_bench "$1" BOOTS "$3" "root-reached-at=${up}s"
        verdict "$1" PASS "$3" "root reached at ${up} s guest uptime"
        return 0
    fi
    integ_log "$1: root not reached; console tail:"
    tail -n 40 "$2" | tr -d '\r' >&2
    integ_matrix "FAIL(root-not-reached)" "$3"
    verdict "$1" FAIL "$3" "root filesystem marker never printed"
}

# integ_expect_fail NAME LOG WALL PATTERN: stock image must end without root,
# with PATTERN (the generator's own give-up message) on the console
integ_expect_fail() {
    if grep -q "$INTEG_MARKER" "$2"; then
        # Kernels with a deferred probe timeout (Debian 7.x) give up waiting
        # for the IOMMU and probe the storage without it: root comes late, after
        # that message, instead of never. That is the bug too, as a stall.
        stall=$(integ_stall_of "$2")
        if [ -n "$stall" ]; then
            integ_log "$1: root reached only after the kernel's deferred probe timeout at $stall s"
            integ_matrix "root-after-stall(${stall}s)" "$3"
            integ_bench "$1" STALL "$3" "storage-probed-without-iommu-at=${stall}s"
            verdict "$1" PASS "$3" "root only after the kernel gave up on the IOMMU at $stall s (a stall)"
            return 0
        fi
        integ_matrix "FAIL(root-reached)" "$3"
        verdict "$1" FAIL "$3" "stock image reached root: the test does not reproduce the bug"
        return 1
    fi
    if ! grep -Eq "$4" "$2"; then
        integ_log "$1: no '$4' on the console; tail:"
        tail -n 40 "$2" | tr -d '\r' >&2
        integ_matrix "FAIL(no-give-up-message)" "$3"
        verdict "$1" FAIL "$3" "did not end with the generator's root-not-found message"
        return 1
    fi
    integ_log "$1: ended without root, as expected:"
    grep -E "$4" "$2" | tr -d '\r' | head -n 5 >&2
    integ_matrix no-root "$3"
    integ_bench "$1" NO-ROOT "$3" "as-expected"
    verdict "$1" PASS "$3" "ended without root, as expected"
}

# The cached chroots, in one table. KIND SUITE names one:
#   itools SUITE    initramfs-tools and busybox (itools-boot.sh)
#   dracut SUITE    dracut, systemd, udev, kmod (dracut-boot.sh)
#   pkg-itools, pkg-dracut (bookworm)
#                   the generator the built .debs are installed beside
#                   (tests/packages/deb-boot.sh, which primes its own copy)
# INTEG_CHROOTS lists those of the default test run, in the order the tests
# first need them (prefetch.sh builds them ahead, in the background).
# shellcheck disable=SC2034 # read by prefetch.sh
INTEG_CHROOTS="itools:bookworm itools:trixie dracut:trixie dracut:sid pkg-dracut:bookworm pkg-itools:bookworm"

# integ_chroot_dir KIND SUITE: where that chroot is cached
integ_chroot_dir() {
    case $1 in
    itools)
        # (the bookworm one keeps its old name: warm caches stay valid)
        if [ "$2" = bookworm ]; then
            echo "$INTEG_CACHE/itools-chroot"
        else
            echo "$INTEG_CACHE/itools-chroot-$2"
        fi
        ;;
    dracut) echo "$INTEG_CACHE/dracut-chroot-$2" ;;
    pkg-*) echo "$INTEG_CACHE/$1-chroot" ;;
    *) return 1 ;;
    esac
}

# integ_chroot_make KIND SUITE: that chroot, made once (log: DIR.log)
integ_chroot_make() {
    _dir=$(integ_chroot_dir "$1" "$2") || { integ_log "unknown chroot kind $1"; return 1; }
    case $1 in
    itools | pkg-itools) set -- "$2" initramfs-tools busybox ;;
    dracut) set -- "$2" dracut systemd udev kmod ;;
    pkg-dracut) set -- "$2" --no-install-recommends dracut ;;
    esac
    _s=$1
    shift
    integ_chroot -s "$_s" "$_dir" "$_dir.log" "$@"
}

# integ_chroot [-s SUITE] DIR LOG PACKAGE...: a Debian chroot of SUITE
# (default bookworm) with PACKAGEs installed, made once and marked complete,
# as a copy of the suite's base (integ_chroot_base); services never start in
# it. Other suites (trixie, sid) get no recommends. One maker per DIR at a
# time (DIR.lock).
integ_chroot() {
    _suite=bookworm
    if [ "$1" = -s ]; then
        _suite=$2
        shift 2
    fi
    [ -f "$1/.complete" ] && return 0
    mkdir -p "$(dirname -- "$1")" || return 1
    (
        flock 7 || exit 1
        integ_chroot_build "$_suite" "$@"
    ) 7> "$1.lock"
}

# integ_chroot_base SUITE: debootstrap minbase of SUITE from the system's
# mirror, once per suite (the chroots of a suite are copies of it, so each
# suite is unpacked once); policy-rc.d keeps services from starting; other
# suites than bookworm get their apt lists, and sid's reads its Release past
# Valid-Until (the chroot's own apt configuration, never the host's).
integ_chroot_base() {
    _b=$INTEG_CACHE/base-$1
    [ -f "$_b/.complete" ] && return 0
    (
        flock 6 || exit 1
        [ -f "$_b/.complete" ] && exit 0
        ensure_packages debootstrap || exit 1
        _mirror=$(apt_suite_mirror)
        rm -rf "$_b.tmp"
        integ_log "debootstrap $1 from $_mirror into $_b"
        if ! debootstrap --variant=minbase "$1" "$_b.tmp" "$_mirror" > "$_b.log" 2>&1 ||
            ! printf '#!/bin/sh\nexit 101\n' > "$_b.tmp/usr/sbin/policy-rc.d" ||
            ! chmod 755 "$_b.tmp/usr/sbin/policy-rc.d"; then
            tail -n 20 "$_b.log" >&2
            exit 1
        fi
        if [ "$1" = sid ]; then
            # sid's Release in this archive is past its Valid-Until date
            echo 'Acquire::Check-Valid-Until "false";' > "$_b.tmp/etc/apt/apt.conf.d/99findroot-tests"
        fi
        if [ "$1" != bookworm ] && ! chroot "$_b.tmp" env TMPDIR=/tmp apt-get -q update >> "$_b.log" 2>&1; then
            tail -n 20 "$_b.log" >&2
            exit 1
        fi
        rm -rf "$_b" && mv "$_b.tmp" "$_b" && : > "$_b/.complete"
    ) 6> "$_b.lock"
}

integ_chroot_build() {
    _suite=$1
    _ch=$2
    _log=$3
    shift 3
    [ -f "$_ch/.complete" ] && return 0
    _t0=$(date +%s)
    integ_chroot_base "$_suite" || return 1
    integ_log "$_suite chroot $_ch: a copy of $INTEG_CACHE/base-$_suite, then: $*"
    if [ "$_suite" != bookworm ]; then
        set -- --no-install-recommends "$@"
    fi
    rm -rf "$_ch.tmp"
    if ! cp -a "$INTEG_CACHE/base-$_suite" "$_ch.tmp" || ! rm -f "$_ch.tmp/.complete" ||
        ! chroot "$_ch.tmp" env TMPDIR=/tmp DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$@" \
            > "$_log" 2>&1; then
        tail -n 20 "$_log" >&2
        return 1
    fi
    chroot "$_ch.tmp" apt-get clean
    integ_log "$_suite chroot ready in $(($(date +%s) - _t0)) s"
    rm -rf "$_ch" && mv "$_ch.tmp" "$_ch" && : > "$_ch/.complete"
}
