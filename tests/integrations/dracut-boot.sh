#!/bin/sh
# Boot test of dracut/90findroot: a real generic dracut image, once stock and
# once with --add findroot, each booted under a virtio-iommu. Stock must end
# without root, findroot's must reach root. The host's dracut and Debian 12
# 6.12 kernel by default; with SUITE, the dracut of a cached debootstrap
# chroot of that suite (trixie: 106, sid: 112) and the kernel of KFLAVOUR
# (tests/lib/kernels.sh).
# Usage: dracut-boot.sh FINDROOT_BINARY systemd|shell [SUITE KFLAVOUR]
set -u
FR_BIN=$1
FLAVOUR=${2:-systemd}
SUITE=${3:-host}
KFLAVOUR=${4:-6.12}
. "$(dirname -- "$0")/chroot.sh"

[ "$(id -u)" = 0 ] || { echo "SKIP: needs root (dracut, apt)"; exit 77; }
integ_kernel "$KFLAVOUR" || exit 1
if [ "$SUITE" = host ]; then
    ensure_packages dracut || exit 1
else
    ensure_packages debootstrap || exit 1
fi
NAME=dracut-$FLAVOUR
[ "$SUITE" = host ] || NAME=dracut-$SUITE-$FLAVOUR
work=$(e2e_tmpdir "$NAME") || exit 1
CH=$(integ_chroot_dir dracut "$SUITE")

case $FLAVOUR in
    systemd) set -- ;;
    shell) set -- --omit "systemd systemd-initrd dracut-systemd" ;;
    *) echo "unknown flavour $FLAVOUR" >&2; exit 2 ;;
esac

if [ "$SUITE" = host ]; then
    dver=$(dpkg-query -W -f='${Version}' dracut-core 2>/dev/null)
else
    (
        flock 9 || exit 1
        integ_chroot_make dracut "$SUITE"
    ) 9> "$INTEG_CACHE/.dracut-$SUITE.lock" || exit 1
    # shellcheck disable=SC2016 # dpkg-query's own format
    dver=$(chroot "$CH" dpkg-query -W -f='${Version}' dracut-core 2>/dev/null ||
        chroot "$CH" dpkg-query -W -f='${Version}' dracut)
fi
# dracut_image OUT [dracut args...]: build once, cached by kernel, dracut
# version, our module and findroot binary
dracut_image() {
    out=$1
    shift
    if [ -s "$out" ]; then
        integ_log "cached: $out"
        return 0
    fi
    integ_log "building $out"
    t0=$(date +%s)
    if [ "$SUITE" = host ]; then
        dracut -q --force --no-hostonly --kver "$REL" --kmoddir "$KDIR/lib/modules/$REL" \
            "$@" "$out.tmp" > "$out.log" 2>&1 || { tail -n 20 "$out.log" >&2; rm -f "$out.tmp"; return 1; }
    else
        # in the chroot, one build at a time: the module and the binary are
        # put in place only for the findroot image
        (
            flock 9 || exit 1
            rm -rf "$CH/usr/lib/dracut/modules.d/90findroot" "$CH/usr/local/sbin/findroot" "$CH/usr/lib/findroot"
            case " $* " in
                *" findroot "*)
                    cp -a "$INTEG_REPO/dracut/90findroot" "$CH/usr/lib/dracut/modules.d/90findroot" &&
                        install -D -m 0644 "$INTEG_REPO/hooks/lib/hook-lib.sh" "$CH/usr/lib/findroot/hook-lib.sh" &&
                        install -D -m 0755 "$FR_BIN" "$CH/usr/local/sbin/findroot" || exit 1
                    ;;
            esac
            integ_chroot_modules "$CH" "$KDIR" || exit 1
            mount -t proc proc "$CH/proc" || exit 1
            chroot "$CH" env -u TMPDIR -u dracutbasedir -u FINDROOT_LIB_DIR FINDROOT_BINARY=/usr/local/sbin/findroot dracut -q --force --no-hostonly \
                --kver "$REL" "$@" /tmp/dracut.img > "$out.log" 2>&1
            rc=$?
            umount "$CH/proc"
            rm -rf "$CH/usr/lib/dracut/modules.d/90findroot" "$CH/usr/local/sbin/findroot" "$CH/usr/lib/findroot" \
                "$CH/lib/modules/$REL"
            [ "$rc" = 0 ] && mv "$CH/tmp/dracut.img" "$out.tmp"
        ) 9> "$INTEG_CACHE/.dracut-$SUITE.lock" || { tail -n 20 "$out.log" >&2; rm -f "$out.tmp"; return 1; }
    fi
    mv "$out.tmp" "$out"
    integ_log "built in $(($(date +%s) - t0)) s: $out ($(du -m "$out" | cut -f1) MiB)"
}

# lsinitrd of the generator that made the image
lsinitrd_() {
    if [ "$SUITE" = host ]; then
        lsinitrd "$1"
    else
        chroot "$CH" env -u TMPDIR sh -c 'cat > /tmp/l.img && lsinitrd /tmp/l.img; rm -f /tmp/l.img' < "$1"
    fi
}

# A private dracut tree with our module, so the system's stays untouched.
# (a chroot's dracut gets the module only while it builds the findroot image)
base=$work/dracut
if [ "$SUITE" = host ]; then
    cp -a /usr/lib/dracut "$base" || exit 1
    cp -a "$INTEG_REPO/dracut/90findroot" "$base/modules.d/90findroot" || exit 1
fi

key=$REL-$dver-$FLAVOUR
[ "$SUITE" = host ] || key=$key-$SUITE
fkey=$key-$(integ_hash "$INTEG_REPO/dracut/90findroot" "$INTEG_REPO/hooks/lib" "$FR_BIN")
stock=$INTEG_CACHE/dracut-stock-$key.img
withfr=$INTEG_CACHE/dracut-findroot-$fkey.img
dracut_image "$stock" "$@" || exit 1
if [ ! -s "$withfr" ]; then
    # lsinitrd must show the module and the binary in the image
    dracutbasedir=$base FINDROOT_BINARY=$FR_BIN FINDROOT_LIB_DIR=$INTEG_REPO/hooks/lib dracut_image "$withfr" "$@" --add findroot || exit 1
fi
lsinitrd_ "$withfr" > "$work/withfr.list"
if ! grep -Eq 'virtio[-_]iommu.ko' "$work/withfr.list"; then
    echo "findroot image lacks virtio_iommu.ko" >&2
    exit 1
fi
grep -q 'usr/lib/findroot/hook-lib.sh$' "$work/withfr.list" || { echo "findroot image lacks hook-lib.sh" >&2; exit 1; }
lsinitrd_ "$stock" | grep -Eq 'virtio[-_]iommu.ko' && integ_log "note: stock image has virtio_iommu.ko"

disk=$work/disk.img
integ_rootdisk "$disk" || exit 1
append="root=UUID=$INTEG_UUID ro $INTEG_FAIL_FAST"

# The shell initrd's initqueue does not reach its rd.retry give-up under a
# virtio-iommu within minutes on TCG (udevadm settle blocks), so failing
# shell boots are cut at FAIL_LIMIT; the kernel's "deferred probe pending"
# for the storage controller is the evidence then.
FAIL_LIMIT=${INTEG_BOOT_TIMEOUT:-150}
[ "$FLAVOUR" = shell ] && FAIL_LIMIT=${INTEG_SHELL_FAIL_LIMIT:-100}
rc=0
# The stock image has no virtio_iommu.ko, so the kernel's "deferred probe
# pending" for the controller (10 s after boot) means it stays deferred: the
# guest is stopped a few seconds after that instead of at the limit.
stock_fail='Timed out waiting for device|Could not boot|does not exist|deferred probe pending'
wall=$(E2E_STOP_PATTERN=$stock_fail E2E_STOP_GRACE=5 INTEG_BOOT_TIMEOUT=$FAIL_LIMIT \
    integ_boot "$work/stock.log" "$KDIR" "$stock" "$disk" "$append")
KIND="dracut ${dver%%-*} $FLAVOUR"
[ "$SUITE" = host ] || KIND="$KIND ($SUITE)"
INTEG_MATRIX="$REL|$KIND|stock|$NAME" integ_expect_fail "$NAME-stock" "$work/stock.log" "$wall" "$stock_fail" || rc=1
wall=$(integ_boot "$work/findroot.log" "$KDIR" "$withfr" "$disk" "$append")
INTEG_MATRIX="$REL|$KIND|findroot|$NAME" integ_expect_boot "$NAME-findroot" "$work/findroot.log" "$wall" || rc=1
grep -a 'findroot' "$work/findroot.log" | tr -d '\r' | head -n 5 >&2
# With findroot and a root that is not there: findroot's own plain-words
# report must reach the console (and the kernel log, so rdsosreport.txt).
# One flavour is enough for the time budget: the shell one, whose path
# (background findroot, initqueue/timeout hook) differs most.
if [ "${INTEG_DIAG_BOOT:-$FLAVOUR}" = shell ] || [ "${INTEG_DIAG_BOOT:-}" = 1 ]; then
    diag='findroot: root .* did not appear|findroot diagnose says'
    wall=$(E2E_STOP_PATTERN=$diag E2E_STOP_GRACE=5 INTEG_BOOT_TIMEOUT=$FAIL_LIMIT \
        integ_boot "$work/diag.log" "$KDIR" "$withfr" "$disk" \
        "root=UUID=0badc0de-0000-4000-8000-000000000000 ro $INTEG_FAIL_FAST")
    integ_expect_fail "$NAME-findroot-missing-root" "$work/diag.log" "$wall" "$diag" || rc=1
    grep -a 'findroot' "$work/diag.log" | tr -d '\r' | head -n 20 >&2
fi
[ "$rc" = 0 ] && e2e_cleanup "$work"
exit "$rc"
