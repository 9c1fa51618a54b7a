#!/bin/sh
# The main job, from a fresh Debian machine (as root): build findroot, fetch
# Debian's newest 6.12 kernel into the cache (never installed), and boot it
# under QEMU with a virtio-iommu twice from the same busybox initramfs:
#   1. without findroot (findroot=0): root never appears, as in the bug reports;
#   2. with findroot: virtio_iommu is loaded, the disk appears, root is mounted.
# Prints the console lines that show it.
# usage: tools/demo.sh [SCENARIO]   (default blk-uuid-iommu; tests/e2e/run-scenario.sh -l lists them)
set -eu
repo=$(CDPATH='' cd -- "$(dirname -- "$0")/.." && pwd)
scenario=${1:-blk-uuid-iommu}
build=${FINDROOT_BUILD:-$repo/build}

# shellcheck source=tests/e2e/lib.sh
. "$repo/tests/e2e/lib.sh"
ensure_packages build-essential cmake pkg-config libblkid-dev libkmod-dev ||
	[ "$(id -u)" != 0 ] || exit 1
cmake -S "$repo" -B "$build" > /dev/null
cmake --build "$build" -j"$(nproc)" > /dev/null

show() {
	# the kept console log, the lines that tell the story
	grep -aE 'findroot|virtio_iommu|virtio_blk|deferred|sd [0-9]|vd[a-z]|FINDROOT-E2E-ROOT-REACHED|root found|switch_root|Kernel panic|emergency' \
		"$1/console.log" | grep -avE 'Command line|^\[.*findroot: |findroot: (no module|probe|block device|link|uevent|libkmod|iommu:)' |
		tail -n 30
}

demo_run() {
	tmp=$(mktemp -d "${TMPDIR:-/tmp}/findroot-demo.XXXXXX")
	rc=0
	E2E_KEEP=1 TMPDIR=$tmp sh "$repo/tests/e2e/run-scenario.sh" -f "$build/findroot" -x findroot.debug "$1" > "$tmp/out" 2>&1 || rc=$?
	grep '^E2E ' "$tmp/out" || tail -n 20 "$tmp/out"
	for d in "$tmp"/findroot-e2e-*; do
		[ -f "$d/console.log" ] && show "$d"
	done
	rm -rf "$tmp"
	return $rc
}

echo "== 1. the same image without findroot (findroot=0): the bug"
demo_run "neg-$scenario" || { echo "demo: the negative control did not behave as expected" >&2; exit 1; }
echo
echo "== 2. with findroot"
demo_run "$scenario"
