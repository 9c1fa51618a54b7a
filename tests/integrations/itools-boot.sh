#!/bin/sh
# Boot test of hooks/initramfs-tools: Debian's real mkinitramfs (in a cached
# debootstrap chroot of SUITE, as initramfs-tools conflicts with dracut)
# builds an image for the kernel of KFLAVOUR (tests/lib/kernels.sh), once
# stock and once with the findroot hook and local-top script; both boot under
# a virtio-iommu. Stock must give up after its 30 s, findroot's must reach root.
# Usage: itools-boot.sh FINDROOT_BINARY [SUITE KFLAVOUR]   (default bookworm 6.12)
set -u
FR_BIN=$1
SUITE=${2:-bookworm}
KFLAVOUR=${3:-6.12}
. "$(dirname -- "$0")/chroot.sh"

[ "$(id -u)" = 0 ] || { echo "SKIP: needs root (debootstrap, chroot)"; exit 77; }
integ_kernel "$KFLAVOUR" || exit 1
ensure_packages debootstrap || exit 1
CH=$(integ_chroot_dir itools "$SUITE")
NAME=itools
[ "$SUITE" = bookworm ] || NAME=itools-$SUITE
work=$(e2e_tmpdir "$NAME") || exit 1


mounted=""
cleanup() {
    [ -n "$mounted" ] && umount "$CH/proc" 2>/dev/null
    mounted=""
}
trap cleanup EXIT
trap 'cleanup; exit 1' INT TERM

IT=usr/share/initramfs-tools
SRC=$INTEG_REPO/hooks/initramfs-tools
# mkinitramfs OUT with|without: our hook and script in place or not
build_image() {
    out=$1
    if [ -s "$out" ]; then
        integ_log "cached: $out"
        return 0
    fi
    rm -rf "$CH/$IT/hooks/findroot" "$CH/$IT/scripts/local-top/findroot" "$CH/usr/local/sbin/findroot" \
        "$CH/usr/lib/findroot"
    if [ "$2" = with ]; then
        install -D -m 0755 "$SRC/hooks/findroot" "$CH/$IT/hooks/findroot"
        install -D -m 0755 "$SRC/scripts/local-top/findroot" "$CH/$IT/scripts/local-top/findroot"
        install -D -m 0755 "$FR_BIN" "$CH/usr/local/sbin/findroot"
        install -D -m 0644 "$INTEG_REPO/hooks/lib/hook-lib.sh" "$CH/usr/lib/findroot/hook-lib.sh"
    fi
    integ_log "building $out ($2 findroot)"
    t0=$(date +%s)
    chroot "$CH" mkinitramfs -o /tmp/image.img "$REL" > "$out.log" 2>&1 ||
        { tail -n 20 "$out.log" >&2; return 1; }
    mv "$CH/tmp/image.img" "$out"
    integ_log "built in $(($(date +%s) - t0)) s: $out ($(du -m "$out" | cut -f1) MiB)"
}

(
    flock 9 || exit 1
    integ_chroot_make itools "$SUITE" || exit 1
    # shellcheck disable=SC2016 # dpkg-query's own format, not ours
    itver=$(chroot "$CH" dpkg-query -W -f='${Version}' initramfs-tools)
    key=$REL-$itver
    echo "$itver" > "$work/itver"
    stock=$INTEG_CACHE/itools-stock-$key.img
    withfr=$INTEG_CACHE/itools-findroot-$key-$(integ_hash "$SRC" "$INTEG_REPO/hooks/lib" "$FR_BIN").img
    if [ ! -s "$stock" ] || [ ! -s "$withfr" ]; then
        integ_chroot_modules "$CH" "$KDIR" || exit 1
        mount -t proc proc "$CH/proc" && mounted=1
        build_image "$stock" without || exit 1
        build_image "$withfr" with || exit 1
        rm -rf "$CH/$IT/hooks/findroot" "$CH/$IT/scripts/local-top/findroot" "$CH/usr/local/sbin/findroot" \
            "$CH/usr/lib/findroot"
        cleanup
    fi
    printf '%s\n%s\n' "$stock" "$withfr" > "$work/images"
) 9> "$INTEG_CACHE/.itools.lock" || exit 1
trap - EXIT INT TERM
stock=$(sed -n 1p "$work/images")
withfr=$(sed -n 2p "$work/images")

lsinitramfs_() {
    # the image is a plain (possibly compressed) cpio; unmkinitramfs is in the chroot
    chroot "$CH" sh -c 'cat > /tmp/l.img && lsinitramfs /tmp/l.img; rm -f /tmp/l.img' < "$1"
}
lsinitramfs_ "$withfr" > "$work/withfr.list"
grep -Eq 'virtio[-_]iommu\.ko' "$work/withfr.list" || { echo "findroot image lacks virtio_iommu" >&2; exit 1; }
grep -q 'usr/sbin/findroot$' "$work/withfr.list" || { echo "findroot image lacks findroot" >&2; exit 1; }
grep -q 'scripts/local-top/findroot$' "$work/withfr.list" || { echo "image lacks local-top/findroot" >&2; exit 1; }
grep -q 'usr/lib/findroot/hook-lib.sh$' "$work/withfr.list" || { echo "image lacks hook-lib.sh" >&2; exit 1; }

disk=$work/disk.img
integ_rootdisk "$disk" || exit 1
append="root=UUID=$INTEG_UUID ro panic=-1"

rc=0
stock_fail='Gave up waiting for root|ALERT!.*does not exist'
KIND="initramfs-tools $(cat "$work/itver") ($SUITE)"
wall=$(E2E_STOP_PATTERN=$stock_fail integ_boot "$work/stock.log" "$KDIR" "$stock" "$disk" "$append")
INTEG_MATRIX="$REL|$KIND|stock|$NAME" integ_expect_fail "$NAME-stock" "$work/stock.log" "$wall" "$stock_fail" || rc=1
wall=$(integ_boot "$work/findroot.log" "$KDIR" "$withfr" "$disk" "$append")
INTEG_MATRIX="$REL|$KIND|findroot|$NAME" integ_expect_boot "$NAME-findroot" "$work/findroot.log" "$wall" || rc=1
grep -a 'findroot' "$work/findroot.log" | tr -d '\r' | head -n 5 >&2
[ "$rc" = 0 ] && e2e_cleanup "$work"
exit "$rc"
