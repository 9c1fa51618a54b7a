#!/bin/sh
# Boot test of mkinitcpio/install/findroot + mkinitcpio/hooks/findroot (and
# findroot-initrd.service): the harness (mkinitcpio's install-hook API and
# init sequence) builds images for a Debian kernel, stock and with findroot,
# in one of mkinitcpio's two flavours; each boots under a virtio-iommu.
#   busybox  HOOKS: base [findroot]; nothing but findroot loads the drivers:
#            stock gives up after rootdelay, findroot's reaches root
#   systemd  HOOKS: base systemd [findroot] (v40+): udev loads drivers by
#            modalias; stock has no virtio_iommu.ko and its storage stays
#            deferred; with findroot the image has it, findroot-initrd.service
#            runs before the root device is needed, and root is reached
# Usage: mkinitcpio-boot.sh FINDROOT_BINARY [busybox|systemd] [KFLAVOUR]
set -u
FR_BIN=$1
FLAVOUR=${2:-busybox}
KFLAVOUR=${3:-6.12}
. "$(dirname -- "$0")/common.sh"

case $FLAVOUR in
    busybox) base="base" ;;
    systemd)
        base="base systemd"
        [ -x /usr/lib/systemd/systemd ] || { echo "SKIP: no systemd on this host"; exit 77; }
        ;;
    *) echo "unknown flavour $FLAVOUR" >&2; exit 2 ;;
esac
integ_kernel "$KFLAVOUR" || exit 1
NAME=mkinitcpio-$FLAVOUR
work=$(e2e_tmpdir "$NAME") || exit 1

stock_img=$work/initramfs-stock.img
mk_img=$work/initramfs-findroot.img
# stock: the storage driver and the filesystem, as a MODULES= line would have them
FINDROOT_UNIT_PATH=$INTEG_REPO/mkinitcpio bash "$INTEG_DIR/mkinitcpio/harness.sh" -k "$KDIR" \
    -o "$stock_img" -H "$base" -M "virtio_pci virtio_blk crc32c_generic ext4" || exit 1
FINDROOT_BINARY=$FR_BIN FINDROOT_LIB_DIR=$INTEG_REPO/hooks/lib FINDROOT_UNIT_PATH=$INTEG_REPO/mkinitcpio bash "$INTEG_DIR/mkinitcpio/harness.sh" \
    -k "$KDIR" -o "$mk_img" -H "$base findroot" -M "crc32c_generic ext4" || exit 1
gzip -dc "$mk_img" | cpio -it --quiet > "$work/list" 2>/dev/null
gzip -dc "$stock_img" | cpio -it --quiet > "$work/stock.list" 2>/dev/null
gzip -dc "$mk_img" | cpio -i --quiet --to-stdout config > "$work/config" 2>/dev/null
grep -Eq 'virtio[-_]iommu\.ko' "$work/list" || { echo "findroot image lacks virtio_iommu" >&2; exit 1; }
grep -q 'usr/lib/findroot/hook-lib.sh$' "$work/list" || { echo "findroot image lacks hook-lib.sh" >&2; exit 1; }
if grep -Eq 'virtio[-_]iommu\.ko' "$work/stock.list"; then
    echo "stock image has virtio_iommu: it would not show the bug" >&2
    exit 1
fi
if [ "$FLAVOUR" = busybox ]; then
    # the hook must have been registered as a run and an emergency hook
    grep -q '^HOOKS="findroot"' "$work/config" || { echo "findroot not in HOOKS" >&2; cat "$work/config" >&2; exit 1; }
    grep -q '^EMERGENCYHOOKS="findroot"' "$work/config" || { echo "findroot not in EMERGENCYHOOKS" >&2; exit 1; }
else
    # the unit, enabled; the run hook alone would do nothing here
    grep -q 'usr/lib/systemd/system/findroot-initrd.service$' "$work/list" ||
        { echo "image lacks findroot-initrd.service" >&2; exit 1; }
    grep -q 'usr/lib/systemd/system/initrd.target.wants/findroot-initrd.service$' "$work/list" ||
        { echo "findroot-initrd.service is not enabled in initrd.target" >&2; exit 1; }
fi

disk=$work/disk.img
integ_rootdisk "$disk" || exit 1
append="root=UUID=$INTEG_UUID ro panic=-1"
KIND="mkinitcpio-harness $FLAVOUR"
rc=0
# stock: busybox gives up after rootdelay (10 s); systemd would wait 90 s for
# the device: the kernel's "deferred probe pending" (storage stays deferred,
# no IOMMU driver) is the evidence, and the guest stops a few seconds later
stock_fail='Failed to mount the real root device|deferred probe pending'
wall=$(E2E_STOP_PATTERN=$stock_fail E2E_STOP_GRACE=5 integ_boot "$work/stock.log" "$KDIR" "$stock_img" "$disk" "$append")
INTEG_MATRIX="$REL|$KIND|stock|$NAME" integ_expect_fail "$NAME-stock" "$work/stock.log" "$wall" "$stock_fail" || rc=1
wall=$(integ_boot "$work/findroot.log" "$KDIR" "$mk_img" "$disk" "$append")
INTEG_MATRIX="$REL|$KIND|findroot|$NAME" integ_expect_boot "$NAME-findroot" "$work/findroot.log" "$wall" || rc=1
if [ "$FLAVOUR" = systemd ] && [ "$rc" = 0 ]; then
    # the unit ran, and finished before the root device target was reached
    tr -d '\r' < "$work/findroot.log" > "$work/findroot.txt"
    fin=$(grep -n 'Finished.*findroot' "$work/findroot.txt" | head -n 1 | cut -d: -f1)
    dev=$(grep -n 'Reached target.*Initrd Root Device' "$work/findroot.txt" | head -n 1 | cut -d: -f1)
    if [ -z "$fin" ]; then
        integ_log "$NAME: findroot-initrd.service did not run; console tail:"
        tail -n 40 "$work/findroot.txt" >&2
        verdict "$NAME-unit" FAIL "$wall" "findroot-initrd.service never finished"
        rc=1
    elif [ -n "$dev" ] && [ "$fin" -gt "$dev" ]; then
        verdict "$NAME-unit" FAIL "$wall" "findroot-initrd.service finished after initrd-root-device.target"
        rc=1
    else
        verdict "$NAME-unit" PASS "$wall" "findroot-initrd.service finished before the root device target"
    fi
fi
grep -a 'findroot' "$work/findroot.log" | tr -d '\r' | head -n 8 >&2
[ "$rc" = 0 ] && e2e_cleanup "$work"
exit "$rc"
