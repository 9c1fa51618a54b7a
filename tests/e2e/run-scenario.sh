#!/bin/sh
# One boot test: builds a busybox initramfs with findroot and the hook, disk
# images with real mkfs/sgdisk, boots a Debian kernel under QEMU (q35, TCG) and
# prints one verdict line "E2E <scenario> PASS|FAIL <seconds> <reason>".
#
# usage: run-scenario.sh [-f FINDROOT] [-i INIT] [-x CMDLINE] [-r] SCENARIO
#   -f FINDROOT  findroot binary to put in the image (default: none, then the
#                hook resolves root the plain way)
#   -i INIT      another /init (the benchmark's oracle)
#   -x CMDLINE   more kernel command line
#   -r           report the guest "time" stamps: adds "start=.. root=.." (and the
#                kernel log's "kstart=.. kroot=.." when the /init marks them) to the
#                reason (the benchmark parses them)
# Scenarios (run with -l to list): see scenario_setup below. A "neg-" prefix
# boots the same image with findroot=0 and passes only when root does NOT appear.
# Exit: 0 PASS, 1 FAIL, 2 usage, 77 skipped (kernel could not be had).

set -u
E2E_DIR=$(CDPATH='' cd -- "$(dirname -- "$0")" && pwd)
E2E_REPO=${E2E_REPO:-$(CDPATH='' cd -- "$E2E_DIR/../.." && pwd)}
export E2E_REPO
# shellcheck source=tests/e2e/lib.sh
. "$E2E_DIR/lib.sh"

SCENARIOS="blk-uuid-iommu scsi-label-rootport-iommu partuuid-second-disk-iommu
partlabel-second-disk-iommu blk-uuid-noiommu kernel61-iommu ovmf-iommu hotplug-iommu
bogus-uuid-iommu nvme-uuid-rootport-iommu sata-label-iommu trixie-blk-uuid-iommu
trixie-cloud-scsi-label-iommu sid-blk-uuid-iommu sid-scsi-partuuid-rootport-iommu"

FINDROOT=""
INIT=""
XCMD=""
REPORT=0
while getopts f:i:x:rl opt; do
    case $opt in
        f) FINDROOT=$OPTARG ;;
        i) INIT=$OPTARG ;;
        x) XCMD=$OPTARG ;;
        r) REPORT=1 ;;
        l)
            for s in $SCENARIOS; do echo "$s"; done
            for s in $SCENARIOS; do
                case $s in *-iommu) [ "$s" = bogus-uuid-iommu ] || echo "neg-$s" ;; esac
            done
            exit 0
            ;;
        *) exit 2 ;;
    esac
done
shift $((OPTIND - 1))
[ $# = 1 ] || { echo "usage: $0 [-f FINDROOT] [-i INIT] [-x CMDLINE] [-r] SCENARIO" >&2; exit 2; }
NAME=$1
BASE=${NAME#neg-}
NEG=0
[ "$BASE" != "$NAME" ] && NEG=1
# shellcheck disable=SC2086 # flatten the newlines of the list
set -- $SCENARIOS
case " $* " in
    *" $BASE "*) ;;
    *) echo "unknown scenario $BASE" >&2; exit 2 ;;
esac
if [ -n "$FINDROOT" ] && [ ! -x "$FINDROOT" ]; then
    echo "findroot binary $FINDROOT is not executable" >&2
    exit 2
fi

T_BEGIN=$(date +%s)
elapsed() { echo $(($(date +%s) - T_BEGIN)); }

ensure_e2e_tools || { verdict "$NAME" FAIL "$(elapsed)" "could not install the tools"; exit 1; }

W=$(e2e_tmpdir "$NAME") || exit 1
QPID=""
cleanup() {
    if [ -n "$QPID" ]; then
        kill "$QPID" 2>/dev/null
        wait "$QPID" 2>/dev/null
    fi
    e2e_cleanup "$W"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

# --- the scenario table ---------------------------------------------------------
KFLAVOR=6.12
IOMMU=1
UEFI=0
DISKS=""        # "bus:file" entries, see devices()
ROOTSPEC=""
EXPECT_DEV=""   # node the hook must report
HOTPLUG=0
BOGUS=0
CMD_EXTRA=""
NONCE=$(od -An -N6 -tx1 /dev/urandom | tr -d ' \n')
MARKER="FINDROOT-E2E-ROOT-REACHED-$NONCE"
FS_UUID=$(cat /proc/sys/kernel/random/uuid)
PART_UUID=$(cat /proc/sys/kernel/random/uuid)
FS_LABEL="e2eroot"
PART_LABEL="e2e-root-part"

case $BASE in
    blk-uuid-iommu)
        DISKS="blk:root"; ROOTSPEC="UUID=$FS_UUID"; EXPECT_DEV=/dev/vda1 ;;
    scsi-label-rootport-iommu)
        DISKS="scsi-rp:root"; ROOTSPEC="LABEL=$FS_LABEL"; EXPECT_DEV=/dev/sda1 ;;
    partuuid-second-disk-iommu)
        DISKS="blk:decoy blk:root"; ROOTSPEC="PARTUUID=$PART_UUID"; EXPECT_DEV=/dev/vdb1 ;;
    partlabel-second-disk-iommu)
        DISKS="blk:decoy blk:root"; ROOTSPEC="PARTLABEL=$PART_LABEL"; EXPECT_DEV=/dev/vdb1 ;;
    blk-uuid-noiommu)
        IOMMU=0; DISKS="blk:root"; ROOTSPEC="UUID=$FS_UUID"; EXPECT_DEV=/dev/vda1 ;;
    kernel61-iommu)
        KFLAVOR=6.1; DISKS="blk:root"; ROOTSPEC="UUID=$FS_UUID"; EXPECT_DEV=/dev/vda1 ;;
    ovmf-iommu)
        UEFI=1; DISKS="blk:root"; ROOTSPEC="UUID=$FS_UUID"; EXPECT_DEV=/dev/vda1 ;;
    hotplug-iommu)
        HOTPLUG=1; DISKS=""; ROOTSPEC="UUID=$FS_UUID"; EXPECT_DEV=/dev/vda1
        CMD_EXTRA="findroot.timeout=60" ;;
    nvme-uuid-rootport-iommu)
        DISKS="nvme-rp:root"; ROOTSPEC="UUID=$FS_UUID"; EXPECT_DEV=/dev/nvme0n1p1 ;;
    sata-label-iommu)
        DISKS="sata:root"; ROOTSPEC="LABEL=$FS_LABEL"; EXPECT_DEV=/dev/sda1 ;;
    # Debian 13 and 14 kernels (tests/lib/kernels.sh), modules under /usr/lib
    trixie-blk-uuid-iommu)
        KFLAVOR=6.12-trixie; DISKS="blk:root"; ROOTSPEC="UUID=$FS_UUID"; EXPECT_DEV=/dev/vda1 ;;
    trixie-cloud-scsi-label-iommu)
        KFLAVOR=6.12-trixie-cloud; DISKS="scsi-rp:root"; ROOTSPEC="LABEL=$FS_LABEL"; EXPECT_DEV=/dev/sda1 ;;
    sid-blk-uuid-iommu)
        KFLAVOR=sid; DISKS="blk:root"; ROOTSPEC="UUID=$FS_UUID"; EXPECT_DEV=/dev/vda1 ;;
    sid-scsi-partuuid-rootport-iommu)
        KFLAVOR=sid; DISKS="scsi-rp:root"; ROOTSPEC="PARTUUID=$PART_UUID"; EXPECT_DEV=/dev/sda1 ;;
    bogus-uuid-iommu)
        BOGUS=1; DISKS="blk:root"; ROOTSPEC="UUID=0badc0de-dead-4bad-8bad-0123456789ab"
        CMD_EXTRA="findroot.timeout=8" ;;
esac
# 6.1 ignores VIOT: with findroot=0 it boots, so its negative proves nothing.
if [ "$NEG" = 1 ] && { [ "$IOMMU" = 0 ] || [ "$KFLAVOR" = 6.1 ] || [ "$BOGUS" = 1 ]; }; then
    echo "scenario $NAME has no negative control" >&2
    exit 2
fi

# --- kernel, images --------------------------------------------------------------
if ! KDIR=$(get_kernel "$KFLAVOR"); then
    verdict "$NAME" FAIL "$(elapsed)" "kernel-$KFLAVOR-unavailable"
    exit 77
fi
KIMG=$(kernel_image "$KDIR")
KREL=$(kernel_release "$KDIR")
echo "e2e: $NAME: kernel $(kernel_describe "$KDIR")"

set -- -m "$E2E_DEFAULT_MODULES"
# a kernel that ships /usr/lib/modules gets a merged-/usr image, as its
# generators make them
[ -L "$KDIR/lib" ] && set -- "$@" -u
[ -n "$FINDROOT" ] && set -- "$@" -f "$FINDROOT"
[ -n "$INIT" ] && set -- "$@" -i "$INIT"
if ! mkinitramfs_busybox "$@" "$W/initrd.img" "$KDIR"; then
    verdict "$NAME" FAIL "$(elapsed)" "initramfs-build-failed"
    exit 1
fi
if ! { make_rootfs_dir "$W/rootdir" "$MARKER" &&
    mkfs_ext4_image "$W/root.ext4" 24 "$W/rootdir" "$FS_LABEL" "$FS_UUID" &&
    mkdisk_gpt "$W/root.img" 32 "$W/root.ext4" "$PART_LABEL" "$PART_UUID" &&
    mkdisk_blank "$W/decoy.img" 8; }; then
    verdict "$NAME" FAIL "$(elapsed)" "disk-build-failed"
    exit 1
fi
rm -f "$W/root.ext4"

# --- QEMU command line -------------------------------------------------------------
set -- -kernel "$KIMG" -initrd "$W/initrd.img"
[ "$IOMMU" = 1 ] && set -- "$@" -device virtio-iommu-pci
n=0
for d in $DISKS; do
    bus=${d%%:*}
    f="$W/${d#*:}.img"
    set -- "$@" -blockdev "driver=raw,node-name=d$n,file.driver=file,file.filename=$f"
    case $bus in
        blk) set -- "$@" -device "virtio-blk-pci,drive=d$n" ;;
        scsi-rp)
            set -- "$@" -device pcie-root-port,id=rp1,bus=pcie.0,chassis=1,addr=0x4 \
                -device virtio-scsi-pci,id=scsi0,bus=rp1 \
                -device "scsi-hd,drive=d$n,bus=scsi0.0" ;;
        # NVMe behind a PCIe root port; q35's own ICH9 AHCI controller is
        # there as on every q35 machine (its driver probes for ~0.7 s).
        nvme-rp)
            set -- "$@" -device pcie-root-port,id=rp2,bus=pcie.0,chassis=2,addr=0x5 \
                -device "nvme,drive=d$n,serial=findroot$n,bus=rp2" ;;
        # a disk on q35's ICH9 AHCI controller (SATA port 0)
        sata) set -- "$@" -device "ide-hd,drive=d$n,bus=ide.0" ;;
    esac
    n=$((n + 1))
done
if [ "$HOTPLUG" = 1 ]; then
    set -- "$@" -device pcie-root-port,id=rp1,bus=pcie.0,chassis=1,addr=0x4
fi
CMDLINE="console=ttyS0 panic=-1 root=$ROOTSPEC $CMD_EXTRA"
[ "$NEG" = 1 ] && CMDLINE="$CMDLINE findroot=0"
[ -n "$XCMD" ] && CMDLINE="$CMDLINE $XCMD"
set -- "$@" -append "$CMDLINE"
RUNQ=""
[ "$UEFI" = 1 ] && RUNQ="-U"
LOG="$W/console.log"

if [ "$HOTPLUG" = 1 ]; then
    QMP="$W/qmp.sock"
    # shellcheck disable=SC2086 # RUNQ is empty or one option
    run_qemu "$LOG" -Q "$QMP" $RUNQ -- "$@" &
    QPID=$!
    # Wait for /init to start, then 3 s more, then plug the disk in.
    i=0
    while ! grep -q 'findroot-init: time start=' "$LOG" 2>/dev/null; do
        i=$((i + 1))
        if [ $i -gt $((E2E_BOOT_TIMEOUT * 5)) ] || ! kill -0 "$QPID" 2>/dev/null; then
            break
        fi
        sleep 0.2
    done
    sleep 3
    echo "e2e: hot-adding the root disk" >&2
    qmp_cmd "$QMP" \
        "{\"execute\":\"blockdev-add\",\"arguments\":{\"driver\":\"raw\",\"node-name\":\"hp0\",\"file\":{\"driver\":\"file\",\"filename\":\"$W/root.img\"}}}" \
        '{"execute":"device_add","arguments":{"driver":"virtio-blk-pci","id":"hpdisk","drive":"hp0","bus":"rp1"}}' \
        >"$W/qmp.out" 2>&1
    wait "$QPID"
    RC=$?
    QPID=""
    grep -q '"error"' "$W/qmp.out" && echo "e2e: QMP said: $(cat "$W/qmp.out")" >&2
else
    # shellcheck disable=SC2086
    run_qemu "$LOG" $RUNQ -- "$@"
    RC=$?
fi

# --- verdict ------------------------------------------------------------------------
SECS=$(elapsed)
CLEAN="$W/console.txt"
tr -d '\r' <"$LOG" >"$CLEAN"
T_START=$(uptime_of "$CLEAN" 'findroot-init: time start=')
T_ROOT=$(uptime_of "$CLEAN" 'findroot-init: time root=')
T_FAIL=$(uptime_of "$CLEAN" 'findroot-init: time fail=')
STAMPS=""
# With the same moments from the kernel log marks, in microseconds (not in old hooks).
[ "$REPORT" = 1 ] && STAMPS=" start=${T_START:-none} root=${T_ROOT:-none} fail=${T_FAIL:-none}$(kmsg_stamps "$CLEAN")"
REACHED=0
grep -q "^$MARKER" "$CLEAN" && REACHED=1

# one line for docs/MATRIX.md (tests/lib/matrix.sh)
record() {
    bus=""
    for d in $DISKS; do
        case $d in
            blk:root) bus=virtio-blk ;;
            scsi-rp:root) bus="virtio-scsi behind a root port" ;;
            nvme-rp:root) bus="NVMe behind a root port" ;;
            sata:root) bus="SATA (AHCI)" ;;
        esac
    done
    [ "$HOTPLUG" = 1 ] && bus="virtio-blk hot-added"
    kind="busybox + hook ($bus)"
    [ "$UEFI" = 1 ] && kind="busybox + hook, UEFI ($bus)"
    variant=findroot
    [ "$NEG" = 1 ] && variant=stock
    case $1 in PASS) res=$2 ;; *) res="FAIL($3)" ;; esac
    matrix_record "$KREL" x86_64 "$kind" "$variant" "$res" "$SECS" "e2e/$NAME"
}

show_log() {
    echo "---- console (last 60 lines) ----" >&2
    tail -n 60 "$CLEAN" >&2
    echo "---- end of console ----" >&2
}

fail() {
    show_log
    record FAIL - "$1"
    verdict "$NAME" FAIL "$SECS" "$1$STAMPS"
    exit 1
}

[ "$RC" = 124 ] && fail "timeout-after-${E2E_BOOT_TIMEOUT}s"
[ -n "$T_START" ] || fail "init-never-started(qemu-rc=$RC)"

# Kernels with a deferred probe timeout (Debian 7.x: CONFIG_DRIVER_DEFERRED_
# PROBE_TIMEOUT=10) stop waiting for the IOMMU after a while and probe the
# storage without it: the kernel time of that, if it happened.
STALL=$(sed -n 's/^\[ *\([0-9.]*\)\] virtio-pci .*deferred probe timeout, ignoring dependency.*/\1/p' "$CLEAN" | head -n 1)

if [ "$NEG" = 1 ] && [ -n "$STALL" ]; then
    # The bug as a stall: no disk until the kernel gave up on the IOMMU.
    grep -q 'findroot disabled' "$CLEAN" || fail "findroot-was-not-skipped"
    record PASS "root-after-stall(${STALL}s)"
    verdict "$NAME" PASS "$SECS" "storage-probed-only-after-the-kernel-gave-up-on-the-iommu(at=${STALL}s)$STAMPS"
    exit 0
fi
if [ "$NEG" = 1 ]; then
    [ "$REACHED" = 0 ] || fail "root-appeared-without-findroot(bug-not-reproduced)"
    grep -q 'findroot-init: ERROR: gave up waiting for root' "$CLEAN" || fail "hook-did-not-give-up"
    grep -q 'findroot disabled' "$CLEAN" || fail "findroot-was-not-skipped"
    # Not just "not resolved" (plain findfs cannot do PARTUUID): the kernel must
    # have registered no disk at all, i.e. the controller stayed deferred.
    grep -qE '^findroot-init: block devices: none: the kernel has registered no disk$' "$CLEAN" || fail "a-disk-appeared-without-findroot"
    record PASS no-root
    verdict "$NAME" PASS "$SECS" "root-absent-as-expected(gave-up-at=${T_FAIL:-?})$STAMPS"
    exit 0
fi

if [ "$BOGUS" = 1 ]; then
    [ "$REACHED" = 0 ] || fail "root-reached-with-bogus-uuid"
    grep -q 'findroot-init: ERROR: findroot exited 1' "$CLEAN" || fail "no-findroot-exit-1-reported"
    # findroot's own lines (not the kernel's, not the hook's) between /init start
    # and the end must say something about the device or root; wording is free.
    sed -n '/findroot-init: time start=/,/findroot-init: emergency action/p' "$CLEAN" |
        grep -v -e '^\[ *[0-9]' -e '^findroot-init:' >"$W/diagnosis.txt"
    [ -s "$W/diagnosis.txt" ] || fail "no-diagnosis-printed"
    grep -qiE 'virtio|root|uuid|vda' "$W/diagnosis.txt" || fail "diagnosis-says-nothing-useful"
    # findroot.timeout=8: it must have given up within 8 s plus slack (TCG, load).
    if [ -n "$T_FAIL" ]; then
        waited=$(awk -v a="$T_START" -v b="$T_FAIL" 'BEGIN { printf "%d", b - a }')
        [ "$waited" -le 30 ] || fail "gave-up-too-late(${waited}s)"
    fi
    verdict "$NAME" PASS "$SECS" "failed-with-diagnosis(start=$T_START,fail=${T_FAIL:-?})$STAMPS"
    exit 0
fi

[ "$REACHED" = 1 ] || fail "root-not-reached"
if [ -n "$EXPECT_DEV" ]; then
    grep -q "findroot-init: time root=.* dev=$EXPECT_DEV" "$CLEAN" ||
        fail "wrong-root-device(want-$EXPECT_DEV)"
    grep -q "^$EXPECT_DEV on / type ext4 (ro" "$CLEAN" || fail "root-not-mounted-read-only-from-$EXPECT_DEV"
fi
record PASS root
verdict "$NAME" PASS "$SECS" "root-reached(start=$T_START,root=$T_ROOT)$STAMPS"
