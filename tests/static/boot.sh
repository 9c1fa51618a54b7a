#!/bin/sh
# Boot test of the static findroot: the busybox initramfs of tests/e2e holding
# only busybox (static), the static findroot and kernel modules. First checks
# that such an image has no shared object and no dynamic loader at all, then
# boots the virtio-iommu scenario with it through tests/e2e/run-scenario.sh.
# usage: boot.sh STATIC_FINDROOT [SCENARIO]   (default blk-uuid-iommu)
# Exit: 0 pass, 1 fail, 77 skipped (no kernel could be had).
set -u
fr=$1
scenario=${2:-blk-uuid-iommu}
# shellcheck source=tests/e2e/lib.sh
. "$(dirname -- "$0")/../e2e/lib.sh"

if readelf -lW "$fr" | grep -q INTERP || readelf -dW "$fr" | grep -q '(NEEDED)'; then
	echo "static/boot: $fr is not a static binary" >&2
	exit 1
fi
ensure_e2e_tools || exit 1
kdir=$(get_kernel 6.12) || exit 77
tmp=$(e2e_tmpdir static) || exit 1
mkinitramfs_busybox -f "$fr" "$tmp/initrd.img" "$kdir" || {
	e2e_cleanup "$tmp"
	exit 1
}
list=$(gzip -dc "$tmp/initrd.img" | cpio -it --quiet) || list=""
e2e_cleanup "$tmp"
if [ -z "$list" ]; then
	echo "static/boot: could not list the initramfs" >&2
	exit 1
fi
shared=$(printf '%s\n' "$list" | grep -E '\.so($|\.)|(^|/)ld-(linux|musl)' || true)
if [ -n "$shared" ]; then
	echo "static/boot: the image carries shared objects:" >&2
	printf '%s\n' "$shared" >&2
	exit 1
fi
echo "static/boot: image has busybox, findroot, $(printf '%s\n' "$list" | grep -c '\.ko') modules and no shared objects"
exec sh "$E2E_REPO/tests/e2e/run-scenario.sh" -f "$fr" "$scenario"
