#!/bin/sh
# The Debian packages end to end, for one image generator: in a bookworm
# chroot (debootstrap minbase + the generator, cached), the built .debs are
# installed with apt; the update-initramfs trigger must rebuild the image of
# the test kernel (Debian 6.12, modules bound read-only into the chroot's
# /lib/modules), which must boot under -device virtio-iommu-pci to root. An
# upgrade (the same .debs repacked one version up; dracut run only unless
# FINDROOT_PKG_UPGRADE names both) must rebuild it again with findroot in.
# Then the packages are purged: the trigger must rebuild the image once
# more, without findroot, and that image must end without root, as stock
# images do. Before install and after purge, the chroot's
# file list must be the same (piuparts' check, on this chroot).
# Usage: deb-boot.sh DEBS_DIR itools|dracut
# Each run works in an overlay over the cached chroot, which stays pristine.
# FINDROOT_PKG_AUTOPKGTEST=1 also runs debian/tests in the chroot.
set -u
DEBS=$1
GEN=$2
# shellcheck source=tests/packages/lib.sh
. "$(dirname -- "$0")/lib.sh"
# shellcheck source=tests/integrations/common.sh
. "$PKG_REPO/tests/integrations/common.sh"

[ "$(id -u)" = 0 ] || { echo "SKIP: needs root (debootstrap, chroot, mounts)"; exit 77; }
case $GEN in
    itools)
        OURS="findroot findroot-initramfs"
        LIST=lsinitramfs
        TRIGGERED='Processing triggers for initramfs-tools'
        APPEND="root=UUID=$INTEG_UUID ro panic=-1"
        ;;
    dracut)
        OURS="findroot findroot-dracut"
        LIST=lsinitrd
        TRIGGERED='Processing triggers for dracut'
        APPEND="root=UUID=$INTEG_UUID ro $INTEG_FAIL_FAST"
        ;;
    *) echo "usage: deb-boot.sh DEBS_DIR itools|dracut" >&2; exit 2 ;;
esac
for p in $OURS; do
    [ -f "$(echo "$DEBS/${p}_"*.deb)" ] || { echo "no $p .deb in $DEBS" >&2; exit 1; }
done
ensure_e2e_tools || exit 1
KDIR=$(get_kernel 6.12) || exit 1
REL=$(kernel_release "$KDIR")
mkdir -p "$INTEG_CACHE" || exit 1
BASE=$(integ_chroot_dir "pkg-$GEN" bookworm)
work=$(e2e_tmpdir "pkg-$GEN") || exit 1
root=$work/root
T0=$(date +%s)

# mounts made by this run, undone in reverse order
mounts=""
mnt() {
    _dst=$1
    shift
    mount "$@" "$_dst" && mounts="$_dst $mounts"
}
unmount_all() {
    for _m in $mounts; do
        umount "$_m" 2> /dev/null || umount -l "$_m"
    done
    mounts=""
}
trap unmount_all EXIT
trap 'unmount_all; exit 1' INT TERM

# bind the kernel's modules (read-only) and the API filesystems into ROOT
chroot_mounts() {
    mkdir -p "$1/lib/modules/$REL" || return 1
    mnt "$1/lib/modules/$REL" --bind "$KDIR/lib/modules/$REL" &&
        mount -o remount,bind,ro "$1/lib/modules/$REL" &&
        mnt "$1/proc" -t proc proc &&
        mnt "$1/sys" -t sysfs sysfs &&
        mnt "$1/dev" --bind /dev
}

# The cached chroot: the generator, the kernel's /boot files, and for
# initramfs-tools a first image (update-initramfs -u only updates images
# it made, as on an installed system).
(
    flock 9 || exit 1
    integ_chroot_make "pkg-$GEN" bookworm || exit 1
    [ -f "$BASE/.primed-$REL" ] && exit 0
    rm -f "$BASE"/.primed-* "$BASE"/boot/* && rm -rf "$BASE"/var/lib/initramfs-tools/*
    cp "$KDIR/boot/config-$REL" "$(kernel_image "$KDIR")" "$BASE/boot/" || exit 1
    [ -f "$BASE/boot/vmlinuz-$REL" ] || mv "$BASE/boot/$(basename "$(kernel_image "$KDIR")")" "$BASE/boot/vmlinuz-$REL"
    if [ "$GEN" = itools ]; then
        chroot_mounts "$BASE" || exit 1
        pkg_log "first image in the cached chroot (update-initramfs -c -k $REL)"
        chroot "$BASE" env TMPDIR=/tmp update-initramfs -c -k "$REL" > "$work/prime.log" 2>&1 ||
            { tail -n 20 "$work/prime.log" >&2; exit 1; }
        unmount_all
    fi
    : > "$BASE/.primed-$REL"
) 9> "$INTEG_CACHE/.pkg-$GEN.lock" || exit 1
pkg_verdict "$GEN-chroot" PASS "$(($(date +%s) - T0)) s"

# this run's root: an overlay over the cached chroot (a copy where overlayfs
# is not possible)
mkdir -p "$root" "$work/upper" "$work/ovl"
if ! mnt "$root" -t overlay overlay -o "lowerdir=$BASE,upperdir=$work/upper,workdir=$work/ovl"; then
    pkg_log "no overlayfs here: copying the chroot"
    cp -a "$BASE/." "$root/" || exit 1
fi
chroot_mounts "$root" || exit 1
IMG=/boot/initrd.img-$REL

# what piuparts compares: every path outside the volatile places
snapshot() {
    (cd "$root" && find . -xdev \( -path ./proc -o -path ./sys -o -path ./dev -o -path ./run \
        -o -path ./tmp -o -path ./var/tmp -o -path ./boot -o -path ./var/cache -o -path ./var/log \
        -o -path ./var/lib/apt -o -path ./var/lib/dpkg -o -path ./lib/modules \) -prune \
        -o -printf '%y %m %u %p\n') | LC_ALL=C sort
}
# in_chroot LOG CMD...: runs CMD in the chroot, output to LOG
in_chroot() {
    _log=$1
    shift
    chroot "$root" env TMPDIR=/tmp DEBIAN_FRONTEND=noninteractive LC_ALL=C "$@" > "$_log" 2>&1 ||
        { tail -n 30 "$_log" >&2; return 1; }
}
image_list() {
    chroot "$root" env TMPDIR=/tmp "$LIST" "$IMG" > "$work/$1.list" 2> "$work/$1.list.err"
}
stamp() {
    stat -c %Y "$root$IMG" 2> /dev/null || echo 0
}
fail() {
    pkg_verdict "$GEN-$1" FAIL "$2"
    exit 1
}
# apt_step NAME DIR APT-GET-ARGS: apt-get in DIR of the chroot; the trigger
# must rebuild the image
apt_step() {
    _n=$1
    _before=$(stamp)
    sleep 1
    _t=$(date +%s)
    in_chroot "$work/$_n.log" sh -c "cd $2 && apt-get -y -q $3" || fail "$_n" "apt-get $3 failed"
    grep -q "$TRIGGERED" "$work/$_n.log" || fail "$_n" "the update-initramfs trigger did not run"
    [ "$(stamp)" != "$_before" ] || fail "$_n" "$IMG was not rebuilt"
    image_list "$_n" || fail "$_n" "$LIST cannot read $IMG"
    pkg_log "$_n: $(($(date +%s) - _t)) s (apt-get and the trigger's image rebuild)"
}
has_findroot() {
    ( . "$PKG_REPO/debian/tests/image-lib.sh" && expect_in_image "$1" )
}

snapshot > "$work/before.files"
mkdir -p "$root/tmp/debs"
for p in $OURS; do
    cp "$DEBS/${p}_"*.deb "$root/tmp/debs/"
done

# 1. install: image rebuilt with findroot, boots to root
apt_step install /tmp/debs 'install ./findroot*.deb'
has_findroot "$work/install.list" || fail install "the rebuilt image lacks findroot or virtio_iommu"
pkg_verdict "$GEN-install" PASS "trigger rebuilt $IMG with findroot and virtio_iommu"
if [ "${FINDROOT_PKG_AUTOPKGTEST:-0}" = 1 ]; then
    cp -a "$PKG_REPO/debian/tests" "$root/tmp/autopkgtest"
    t=initramfs-tools-image
    [ "$GEN" = dracut ] && t=dracut-image
    mkdir -p "$root/tmp/autopkgtest-tmp"
    in_chroot "$work/autopkgtest.log" env AUTOPKGTEST_TMP=/tmp/autopkgtest-tmp sh "/tmp/autopkgtest/$t" ||
        fail autopkgtest "debian/tests/$t failed"
    pkg_verdict "$GEN-autopkgtest" PASS "$(tail -n 1 "$work/autopkgtest.log")"
fi
disk=$work/disk.img
integ_rootdisk "$disk" || exit 1
cp "$root$IMG" "$work/installed.img"
wall=$(integ_boot "$work/installed-boot.log" "$KDIR" "$work/installed.img" "$disk" "$APPEND")
integ_expect_boot "pkg-$GEN-installed" "$work/installed-boot.log" "$wall" || fail installed-boot "root not reached"

# 2. upgrade to the same packages one version up: rebuilt again, findroot
# in. One image build more: by default only in the dracut run (faster
# builds); FINDROOT_PKG_UPGRADE="itools dracut" for both.
case " ${FINDROOT_PKG_UPGRADE:-dracut} " in
    *" $GEN "*)
        mkdir -p "$root/tmp/debs2"
        for d in "$root"/tmp/debs/*.deb; do
            x=$work/x.$(basename "$d")
            dpkg-deb -R "$d" "$x" || exit 1
            sed -i 's/^Version: \(.*\)$/Version: \1+pkgtest1/' "$x/DEBIAN/control"
            dpkg-deb -b "$x" "$root/tmp/debs2/" > /dev/null || exit 1
            rm -rf "$x"
        done
        apt_step upgrade /tmp/debs2 'install ./findroot*.deb'
        grep -q "Unpacking findroot .*over (" "$work/upgrade.log" || fail upgrade "apt did not upgrade findroot"
        has_findroot "$work/upgrade.list" || fail upgrade "the image lost findroot on upgrade"
        pkg_verdict "$GEN-upgrade" PASS "trigger rebuilt $IMG, findroot still in"
        ;;
esac

# 3. purge: rebuilt without findroot, boots as stock (no root)
apt_step purge / "purge $OURS"
if grep -qi findroot "$work/purge.list"; then
    grep -i findroot "$work/purge.list" | head -n 5 >&2
    fail purge "the image rebuilt on removal still holds findroot files"
fi
pkg_verdict "$GEN-purge" PASS "trigger rebuilt $IMG without any findroot file"
rm -rf "$root/tmp/debs" "$root/tmp/debs2" "$root/tmp/autopkgtest" "$root/tmp/autopkgtest-tmp"
snapshot > "$work/after.files"
left=$(ls "$root"/var/lib/dpkg/info/findroot* 2> /dev/null)
if ! diff -u "$work/before.files" "$work/after.files" > "$work/files.diff" || [ -n "$left" ]; then
    cat "$work/files.diff" >&2
    [ -n "$left" ] && echo "dpkg still has: $left" >&2
    fail files "install, upgrade and purge left files behind"
fi
pkg_verdict "$GEN-files" PASS "$(wc -l < "$work/before.files") paths before install = after purge"
cp "$root$IMG" "$work/removed.img"
stock_fail='Gave up waiting for root|ALERT!.*does not exist|Timed out waiting for device|Could not boot|deferred probe pending'
wall=$(E2E_STOP_PATTERN=$stock_fail E2E_STOP_GRACE=5 INTEG_BOOT_TIMEOUT=120 \
    integ_boot "$work/removed-boot.log" "$KDIR" "$work/removed.img" "$disk" "$APPEND")
integ_expect_fail "pkg-$GEN-removed" "$work/removed-boot.log" "$wall" "$stock_fail" ||
    fail removed-boot "the image rebuilt on removal does not behave as stock"
unmount_all
trap - EXIT INT TERM
pkg_verdict "$GEN" PASS "$(($(date +%s) - T0)) s in all"
e2e_cleanup "$work"
