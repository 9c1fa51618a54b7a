#!/bin/sh
# The main job, from a fresh Debian machine (as root): build findroot, fetch
# Debian's newest 6.12 kernel into the cache (never installed), and boot it
# under QEMU with a virtio-iommu twice from the same busybox initramfs:
#   1. without findroot (findroot=0): root never appears, as in the bug
#      reports; findroot's diagnosis (the emergency shell's report) in full;
#   2. with findroot: virtio_iommu is loaded first, the disk appears, root is
#      found and mounted.
# Between them only the console lines that tell the story; at the end one
# line with both outcomes, the seconds taken from the boots themselves.
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
work=$(mktemp -d "${TMPDIR:-/tmp}/findroot-demo.XXXXXX")
trap 'rm -rf "$work"' EXIT

# boot NAME [RUN-SCENARIO OPTIONS]: one boot; its console (CRs dropped) in
# $work/NAME.log, the test's verdict line in $work/NAME.verdict.
boot() {
	name=$1
	shift
	tmp=$work/run-$name
	mkdir -p "$tmp"
	rc=0
	E2E_KEEP=1 TMPDIR=$tmp sh "$repo/tests/e2e/run-scenario.sh" -f "$build/findroot" "$@" "$name" \
		> "$tmp/out" 2>&1 || rc=$?
	grep '^E2E ' "$tmp/out" > "$work/$name.verdict" || tail -n 20 "$tmp/out" > "$work/$name.verdict"
	cat "$tmp"/findroot-e2e-*/console.log 2> /dev/null | tr -d '\r' > "$work/$name.log" || true
	rm -rf "$tmp"
	return $rc
}

# The console lines that tell the story: the kernel's about the IOMMU, the
# deferred controllers, the disks and the root filesystem; findroot's about
# what it loads and finds (not its debug lines); the /init's; and findroot's
# diagnosis whole. findroot's own kernel log copies are left out.
story() {
	awk '
	function kernel_line(l) { return l ~ /^\[ *[0-9]+\.[0-9]+\]/ }
	function told(l) {
		return l ~ /Kernel command line|deferred probe pending|virtio_iommu|virtio_blk|virtio_scsi|\[(vd|sd)[a-z]+\]| (vd|sd)[a-z]+: |nvme[0-9]+n[0-9]+|(EXT4-fs|XFS|BTRFS)[^:]*: mounted/ &&
			l !~ /findroot(-init)?: /
	}
	/^findroot-init: findroot diagnose:/ { inreport = 1; n = 0; next }
	inreport && /^findroot-init: / {
		print "  +------ findroot diagnose: the report at the emergency shell ------"
		for (i = 1; i <= n; i++) print "  | " report[i]
		print "  +-----------------------------------------------------------------"
		inreport = 0
	}
	inreport {
		if (kernel_line($0)) { if (told($0)) print; next }
		report[++n] = $0
		next
	}
	kernel_line($0) { if (told($0)) print; next }
	/^findroot-init: time (start|fail)=/ { next }
	/^findroot-init: / { print; next }
	/^findroot: / {
		if ($0 ~ /virtio-iommu|loaded |root .* found|not found|failed|cannot|error|warning|rescanning/ &&
			$0 !~ /^findroot: inserted /)
			print
		next
	}
	/^FINDROOT-E2E-ROOT-REACHED-/ { print "(the root filesystem'"'"'s /sbin/init is running)"; next }
	/ on \/ type / { print; next }
	END { if (inreport) for (i = 1; i <= n; i++) print "  | " report[i] }
	' "$1"
}

# stamp LOG WHAT: the /init's /proc/uptime stamp "findroot-init: time WHAT=..."
stamp() {
	sed -n "s/^findroot-init: time $2=\([0-9.]*\).*/\1/p" "$1" | head -n 1
}

cat << 'EOF'
findroot demo: a virtual machine that cannot find its root disk, and the same machine with findroot.

The machine is QEMU (q35) with a virtio-iommu, a virtual IOMMU: the device that decides which
memory each PCI device may reach (Incus, Proxmox and libvirt give VMs one when asked). Debian's
6.12 kernel holds back every PCI device behind such an IOMMU, the disk controller included,
until the IOMMU's own driver, the module virtio_iommu, is loaded, and no stock initramfs loads
it. The same busybox initramfs boots twice; each boot takes about half a minute under emulation.
EOF

echo
echo "== 1. Without findroot (findroot=0): the initramfs loads the usual disk drivers and waits for root"
echo "   No disk appears; at the emergency shell the initramfs runs 'findroot diagnose', which says why."
ok1=0
boot "neg-$scenario" && ok1=1
kernel=$(sed -n 's/.*Linux version \([^ ]*\).*/\1/p' "$work/neg-$scenario.log" | head -n 1)
echo "   (kernel ${kernel:-unknown})"
story "$work/neg-$scenario.log"
echo
echo "== 2. With findroot: the same image on the same machine"
echo "   findroot sees the virtio-iommu and loads virtio_iommu first; the kernel then starts the disk"
echo "   controller it held back, findroot loads the disk's driver as the disk shows up, and finds root."
ok2=0
boot "$scenario" -x findroot.debug && ok2=1
story "$work/$scenario.log"

l1=$work/neg-$scenario.log
l2=$work/$scenario.log
t0=$(stamp "$l1" start)
t1=$(stamp "$l1" fail)
without="no result"
if [ -n "$t0" ] && [ -n "$t1" ] && ! grep -q '^FINDROOT-E2E-ROOT-REACHED-' "$l1"; then
	without="no root after $(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }') s, then the emergency shell"
elif grep -q '^FINDROOT-E2E-ROOT-REACHED-' "$l1"; then
	without="root found (the bug did not show)"
fi
after=$(sed -n 's/^findroot-init: time root=.* dev=\([^ ]*\) after=\([0-9.]*\) s.*/\2 s (\1)/p' "$l2" | head -n 1)
with="no root"
[ -n "$after" ] && grep -q '^FINDROOT-E2E-ROOT-REACHED-' "$l2" && with="root after $after, mounted"
echo
echo "== Summary (seconds from the start of the initramfs): without findroot: $without; with findroot: $with"
echo "   checked by the boot tests: $(cat "$work/neg-$scenario.verdict") | $(cat "$work/$scenario.verdict")"

if [ "$ok1" != 1 ]; then
	echo "demo: the run without findroot did not behave as expected" >&2
	exit 1
fi
[ "$ok2" = 1 ] || { echo "demo: the run with findroot failed" >&2; exit 1; }
