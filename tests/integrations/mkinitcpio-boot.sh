#!/bin/sh
# Boot test of mkinitcpio/install/findroot + mkinitcpio/hooks/findroot: the
# harness (mkinitcpio v39 install-hook API, mkinitcpio's init sequence) builds
# a busybox-only image (HOOKS: base findroot) for the Debian 6.12 kernel; it
# boots under a virtio-iommu, where nothing but findroot loads the drivers.
# Usage: mkinitcpio-boot.sh FINDROOT_BINARY
set -u
FR_BIN=$1
. "$(dirname -- "$0")/common.sh"

ensure_e2e_tools || exit 1
KDIR=$(get_kernel 6.12) || exit 1
work=$(e2e_tmpdir mkinitcpio) || exit 1

mk_img=$work/initramfs-findroot.img
FINDROOT_BINARY=$FR_BIN bash "$INTEG_DIR/mkinitcpio/harness.sh" -k "$KDIR" -o "$mk_img" \
    -H "base findroot" -M "crc32c_generic ext4" || exit 1
# the hook must have been registered as a run and an emergency hook
gzip -dc "$mk_img" | cpio -i --quiet --to-stdout config > "$work/config" 2>/dev/null
grep -q '^HOOKS="findroot"' "$work/config" || { echo "findroot not in HOOKS" >&2; cat "$work/config" >&2; exit 1; }
grep -q '^EMERGENCYHOOKS="findroot"' "$work/config" || { echo "findroot not in EMERGENCYHOOKS" >&2; exit 1; }

disk=$work/disk.img
integ_rootdisk "$disk" || exit 1
rc=0
wall=$(integ_boot "$work/findroot.log" "$KDIR" "$mk_img" "$disk" "root=UUID=$INTEG_UUID ro panic=-1")
integ_expect_boot mkinitcpio-busybox-findroot "$work/findroot.log" "$wall" || rc=1
grep -a 'findroot' "$work/findroot.log" | tr -d '\r' | head -n 5 >&2
[ "$rc" = 0 ] && e2e_cleanup "$work"
exit "$rc"
