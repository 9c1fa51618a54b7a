#!/bin/sh
# One arm64 boot test: Debian's arm64 6.12 kernel under qemu-system-aarch64
# -M virt (TCG, cortex-a57), a busybox initramfs with the arm64 findroot and
# hooks/findroot-init.sh, disks made with real mkfs/sgdisk. Prints one verdict
# line "E2E <scenario> PASS|FAIL <seconds> <reason>" like tests/e2e.
#
# usage: run-scenario-arm64.sh [-f FINDROOT] [-i INIT] [-x CMDLINE] [-r] SCENARIO
#        run-scenario-arm64.sh -l      list the scenarios
#   -f FINDROOT  arm64 findroot (dynamic: its libraries come from the multiarch
#                dirs; or static). Without it the hook resolves root plainly.
#   -i INIT      another /init (the benchmark's oracle, tests/e2e/oracle-init.sh)
#   -x CMDLINE   more kernel command line
#   -r           add the guest "time" stamps to the reason (for the benchmark)
# Firmware paths: "acpi-" scenarios boot through AAVMF (UEFI, ACPI with a VIOT
# table, as Incus's aarch64 VMs do); "dt-" ones boot the kernel directly with a
# device tree (iommu-map on the PCIe host node). A "neg-" prefix boots the same
# image with findroot=0 and passes only when root does NOT appear. A "static-"
# prefix boots the same scenario with a static findroot (-f, required) and
# fails unless the initramfs holds no shared object and no dynamic loader:
# only busybox (static), findroot, the hook and modules.
# "detect-" scenarios run findroot diagnose before anything is loaded and check
# which evidence it reports.
# Exit: 0 PASS, 1 FAIL, 2 usage, 77 skipped (kernel or tools could not be had).

set -u
A64_DIR=$(CDPATH='' cd -- "$(dirname -- "$0")" && pwd)
E2E_REPO=${E2E_REPO:-$(CDPATH='' cd -- "$A64_DIR/../.." && pwd)}
export E2E_REPO
# shellcheck source=tests/e2e/lib.sh
. "$E2E_REPO/tests/e2e/lib.sh"
# shellcheck source=tests/e2e-arm64/lib-arm64.sh
. "$A64_DIR/lib-arm64.sh"
# TCG arm64 under a loaded host: UEFI alone can take 20 s.
E2E_BOOT_TIMEOUT=${E2E_ARM64_BOOT_TIMEOUT:-180}

SCENARIOS="acpi-blk-uuid-iommu acpi-scsi-partuuid-rootport-iommu dt-blk-label-iommu
dt-blk-uuid-iommu-default-timeout acpi-blk-uuid-noiommu dt-blk-uuid-noiommu
detect-acpi-iommu detect-dt-iommu detect-dt-noiommu trixie-acpi-blk-uuid-iommu"
# Scenarios whose negative control proves the bug (the others boot without findroot).
NEG_OF="acpi-blk-uuid-iommu acpi-scsi-partuuid-rootport-iommu dt-blk-label-iommu trixie-acpi-blk-uuid-iommu"
# Scenarios booted with the static arm64 findroot too (not listed by -l: they
# need the static binary; tests/e2e-arm64/CMakeLists.txt registers them).
STATIC_OF="acpi-blk-uuid-iommu"

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
            for s in $NEG_OF; do echo "neg-$s"; done
            exit 0
            ;;
        *) exit 2 ;;
    esac
done
shift $((OPTIND - 1))
[ $# = 1 ] || { echo "usage: $0 [-f FINDROOT] [-i INIT] [-x CMDLINE] [-r] SCENARIO" >&2; exit 2; }
NAME=$1
STATIC=0
BASE=${NAME#static-}
[ "$BASE" != "$NAME" ] && STATIC=1
NEG=0
case $BASE in neg-*) BASE=${BASE#neg-}; NEG=1 ;; esac
# shellcheck disable=SC2086 # flatten the newlines of the list
set -- $SCENARIOS
case " $* " in
    *" $BASE "*) ;;
    *) echo "unknown scenario $BASE" >&2; exit 2 ;;
esac
if [ "$NEG" = 1 ]; then
    case " $NEG_OF " in
        *" $BASE "*) ;;
        *) echo "scenario $NAME has no negative control" >&2; exit 2 ;;
    esac
fi
if [ "$STATIC" = 1 ]; then
    case " $STATIC_OF " in
        *" $BASE "*) [ "$NEG" = 0 ] || { echo "scenario $NAME: no static negative control" >&2; exit 2; } ;;
        *) echo "scenario $BASE has no static variant" >&2; exit 2 ;;
    esac
    [ -n "$FINDROOT" ] || { echo "$NAME needs -f STATIC_FINDROOT" >&2; exit 2; }
fi
if [ -n "$FINDROOT" ] && [ ! -x "$FINDROOT" ]; then
    echo "findroot binary $FINDROOT is not executable" >&2
    exit 2
fi
case $FINDROOT in /* | '') ;; *) FINDROOT="$PWD/$FINDROOT" ;; esac
case $INIT in /* | '') ;; *) INIT="$PWD/$INIT" ;; esac

T_BEGIN=$(date +%s)
elapsed() { echo $(($(date +%s) - T_BEGIN)); }

if [ "$STATIC" = 1 ]; then
    hdr=$(_arm64_readelf -lhdW "$FINDROOT" 2>&1)
    case $hdr in *AArch64*) ;; *) verdict "$NAME" FAIL "$(elapsed)" "findroot-not-aarch64"; exit 1 ;; esac
    if printf '%s\n' "$hdr" | grep -q -e 'INTERP' -e '(NEEDED)'; then
        verdict "$NAME" FAIL "$(elapsed)" "findroot-not-static(has-INTERP-or-NEEDED)"
        exit 1
    fi
fi

if ! command -v "$E2E_ARM64_QEMU" >/dev/null 2>&1 || [ ! -r "$AAVMF_CODE" ]; then
    ensure_arm64_tools || { verdict "$NAME" FAIL "$(elapsed)" "arm64-tools-missing(run-tools/cross-arm64.sh---deps)"; exit 77; }
fi

# A private temp root: other suites on this machine sweep /tmp/findroot-e2e-*.
TMPDIR=${E2E_ARM64_TMPDIR:-/var/tmp/findroot-arm64-e2e}
mkdir -p "$TMPDIR" && export TMPDIR
W=$(e2e_tmpdir "arm64-$NAME") || exit 1
cleanup() { e2e_cleanup "$W"; }
trap cleanup EXIT
trap 'exit 1' INT TERM

# --- the scenario table ---------------------------------------------------------
ACPI=1
IOMMU=1
KFLAVOR=6.12-arm64
DISKS="blk:root"
ROOTSPEC=""
EXPECT_DEV=/dev/vda1
DETECT=0
NO_TIMEOUT_MSG=0
CMD_EXTRA=""
NONCE=$(od -An -N6 -tx1 /dev/urandom | tr -d ' \n')
MARKER="FINDROOT-E2E-ROOT-REACHED-$NONCE"
FS_UUID=$(cat /proc/sys/kernel/random/uuid)
PART_UUID=$(cat /proc/sys/kernel/random/uuid)
FS_LABEL="e2eroot"
PART_LABEL="e2e-root-part"

case $BASE in
    acpi-blk-uuid-iommu)
        ROOTSPEC="UUID=$FS_UUID" ;;
    trixie-acpi-blk-uuid-iommu)
        # Debian 13's arm64 kernel (tests/lib/kernels.sh), modules under /usr/lib
        KFLAVOR=6.12-trixie-arm64; ROOTSPEC="UUID=$FS_UUID" ;;
    acpi-scsi-partuuid-rootport-iommu)
        DISKS="scsi-rp:root"; ROOTSPEC="PARTUUID=$PART_UUID"; EXPECT_DEV=/dev/sda1 ;;
    dt-blk-label-iommu)
        # Without the -1 the kernel gives up on the IOMMU after 10 s and probes
        # anyway; with it, the device tree path hangs like ACPI does.
        ACPI=0; ROOTSPEC="LABEL=$FS_LABEL"; CMD_EXTRA="deferred_probe_timeout=-1" ;;
    dt-blk-uuid-iommu-default-timeout)
        # The stock 10 s deferred-probe timeout: findroot must bind the IOMMU
        # first, so the kernel never has to give up on it.
        ACPI=0; ROOTSPEC="UUID=$FS_UUID"; NO_TIMEOUT_MSG=1 ;;
    acpi-blk-uuid-noiommu)
        IOMMU=0; ROOTSPEC="UUID=$FS_UUID" ;;
    dt-blk-uuid-noiommu)
        ACPI=0; IOMMU=0; ROOTSPEC="UUID=$FS_UUID" ;;
    detect-acpi-iommu)
        DETECT=1; ROOTSPEC="UUID=$FS_UUID" ;;
    detect-dt-iommu)
        DETECT=1; ACPI=0; ROOTSPEC="UUID=$FS_UUID"; CMD_EXTRA="deferred_probe_timeout=-1" ;;
    detect-dt-noiommu)
        DETECT=1; ACPI=0; IOMMU=0; ROOTSPEC="UUID=$FS_UUID" ;;
esac
if [ "$DETECT" = 1 ]; then
    [ -n "$FINDROOT" ] || { echo "$NAME needs -f FINDROOT" >&2; exit 2; }
    INIT="$A64_DIR/detect-init.sh"
fi

# --- kernel, images --------------------------------------------------------------
if ! KDIR=$(get_kernel "$KFLAVOR"); then
    verdict "$NAME" FAIL "$(elapsed)" "kernel-$KFLAVOR-unavailable"
    exit 77
fi
KIMG=$(kernel_image "$KDIR")
KREL=$(kernel_release "$KDIR")
echo "e2e-arm64: $NAME: kernel $(kernel_describe "$KDIR")"
if ! E2E_ARM64_BUSYBOX=$(get_busybox_arm64); then
    verdict "$NAME" FAIL "$(elapsed)" "busybox-arm64-unavailable"
    exit 77
fi
export E2E_ARM64_BUSYBOX

set --
[ -n "$FINDROOT" ] && set -- "$@" -f "$FINDROOT"
[ -n "$INIT" ] && set -- "$@" -i "$INIT"
# a kernel that ships /usr/lib/modules gets a merged-/usr image
[ -L "$KDIR/lib" ] && set -- "$@" -u
if ! mkinitramfs_arm64 "$@" "$W/initrd.img" "$KDIR"; then
    verdict "$NAME" FAIL "$(elapsed)" "initramfs-build-failed"
    exit 1
fi
if [ "$STATIC" = 1 ]; then
    # What a busybox-only image is: no shared object, no loader, anywhere.
    list=$(gzip -dc "$W/initrd.img" | cpio -it --quiet) || list=""
    [ -n "$list" ] || { verdict "$NAME" FAIL "$(elapsed)" "initramfs-unreadable"; exit 1; }
    shared=$(printf '%s\n' "$list" | grep -E '\.so($|\.)|(^|/)ld-(linux|musl)' | tr '\n' ' ')
    if [ -n "$shared" ]; then
        verdict "$NAME" FAIL "$(elapsed)" "image-has-shared-objects($(printf '%s' "$shared" | tr ' ' ','))"
        exit 1
    fi
    echo "e2e-arm64: $NAME: image holds busybox, findroot, $(printf '%s\n' "$list" | grep -c '\.ko') modules and no shared objects"
fi
if ! { make_rootfs_dir_arm64 "$W/rootdir" "$MARKER" &&
    mkfs_ext4_image "$W/root.ext4" 24 "$W/rootdir" "$FS_LABEL" "$FS_UUID" &&
    mkdisk_gpt "$W/root.img" 32 "$W/root.ext4" "$PART_LABEL" "$PART_UUID"; }; then
    verdict "$NAME" FAIL "$(elapsed)" "disk-build-failed"
    exit 1
fi
rm -rf "$W/root.ext4" "$W/rootdir"

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
    esac
    n=$((n + 1))
done
CMDLINE="console=ttyAMA0 panic=-1 rd.emergency=poweroff root=$ROOTSPEC $CMD_EXTRA"
[ "$NEG" = 1 ] && CMDLINE="$CMDLINE findroot=0"
[ -n "$XCMD" ] && CMDLINE="$CMDLINE $XCMD"
set -- "$@" -append "$CMDLINE"
RUNQ=""
[ "$ACPI" = 1 ] && RUNQ="-A"
LOG="$W/console.log"
# shellcheck disable=SC2086 # RUNQ is empty or one option
run_qemu_arm64 "$LOG" $RUNQ -- "$@"
RC=$?

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

show_log() {
    echo "---- console (last 80 lines) ----" >&2
    tail -n 80 "$CLEAN" >&2
    echo "---- end of console ----" >&2
}

# one line for docs/MATRIX.md (tests/lib/matrix.sh)
record() {
    kind="busybox + hook, device tree (virtio-blk)"
    [ "$ACPI" = 1 ] && kind="busybox + hook, UEFI/ACPI (virtio-blk)"
    [ "$DISKS" = "scsi-rp:root" ] && kind="busybox + hook, UEFI/ACPI (virtio-scsi behind a root port)"
    variant=findroot
    [ "$NEG" = 1 ] && variant=stock
    case $1 in PASS) res=$2 ;; *) res="FAIL($3)" ;; esac
    [ "$STATIC" = 1 ] && kind="$kind, static findroot"
    matrix_record "$KREL" arm64 "$kind" "$variant" "$res" "$SECS" "e2e-arm64/$NAME"
}

fail() {
    show_log
    [ "$DETECT" = 1 ] || [ "$IOMMU" = 0 ] || record FAIL - "$1"
    verdict "$NAME" FAIL "$SECS" "$1$STAMPS"
    exit 1
}

[ "$RC" = 124 ] && fail "timeout-after-${E2E_BOOT_TIMEOUT}s"

if [ "$DETECT" = 1 ]; then
    grep -q '^detect: end' "$CLEAN" || fail "detect-init-did-not-finish(qemu-rc=$RC)"
    json=$(sed -n '/^detect: --- diagnose json/{n;p;}' "$CLEAN")
    # The evidence list as "a,b,c", in the order findroot prints it.
    ev=$(printf '%s\n' "$json" | sed -n 's/.*"evidence" *: *\[\([^]]*\)\].*/\1/p' | tr -d ' "')
    present=$(printf '%s\n' "$json" | sed -n 's/.*"iommu" *: *{ *"present" *: *\([a-z]*\).*/\1/p')
    case $BASE in
        detect-acpi-iommu) want_has="acpi_viot pci_device"; want_not="devicetree" ;;
        detect-dt-iommu) want_has="devicetree pci_device"; want_not="acpi_viot" ;;
        *) want_has=""; want_not="acpi_viot devicetree pci_device virtio_device" ;;
    esac
    for e in $want_has; do
        case ",$ev," in *",$e,"*) ;; *) fail "evidence-missing-$e(saw=[$ev],present=$present)" ;; esac
    done
    for e in $want_not; do
        case ",$ev," in *",$e,"*) fail "evidence-wrongly-reported-$e(saw=[$ev])" ;; esac
    done
    # findroot names the node whose iommu-map points at the IOMMU: on QEMU
    # virt the PCIe host bridge (src/iommu.c, the JSON key is always there).
    map=$(printf '%s\n' "$json" | sed -n 's/.*"devicetree_iommu_map" *: *\("[^"]*"\|null\).*/\1/p' | tr -d '"')
    if [ "$BASE" = detect-dt-iommu ]; then
        case $map in pcie@*) ;; *) fail "iommu-map-not-traced(devicetree_iommu_map=${map:-absent})" ;; esac
        ev="$ev;iommu-map=$map"
    fi
    if [ "$IOMMU" = 1 ]; then
        [ "$present" = true ] || fail "iommu-not-present-in-json(saw=[$ev])"
        grep -q 'virtio-iommu found' "$CLEAN" || fail "text-diagnosis-does-not-name-the-iommu"
    else
        [ "$present" = false ] || fail "iommu-reported-without-one(saw=[$ev])"
    fi
    verdict "$NAME" PASS "$SECS" "evidence=[$ev]"
    exit 0
fi

[ -n "$T_START" ] || fail "init-never-started(qemu-rc=$RC)"

if [ "$NEG" = 1 ]; then
    [ "$REACHED" = 0 ] || fail "root-appeared-without-findroot(bug-not-reproduced)"
    grep -q 'findroot-init: ERROR: gave up waiting for root' "$CLEAN" || fail "hook-did-not-give-up"
    grep -q 'findroot disabled' "$CLEAN" || fail "findroot-was-not-skipped"
    # not just unresolved: the kernel registered no disk (the controller stayed deferred)
    if [ "$KFLAVOR" != 6.12-arm64 ]; then
        grep -qE '^findroot-init: block devices: none: the kernel has registered no disk$' "$CLEAN" || fail "a-disk-appeared-without-findroot"
    fi
    record PASS no-root
    verdict "$NAME" PASS "$SECS" "root-absent-as-expected(gave-up-at=${T_FAIL:-?})$STAMPS"
    exit 0
fi

[ "$REACHED" = 1 ] || fail "root-not-reached"
grep -q "findroot-init: time root=.* dev=$EXPECT_DEV" "$CLEAN" ||
    fail "wrong-root-device(want-$EXPECT_DEV)"
grep -q "^$EXPECT_DEV on / type ext4 (ro" "$CLEAN" || fail "root-not-mounted-read-only-from-$EXPECT_DEV"
if [ "$NO_TIMEOUT_MSG" = 1 ] && grep -q 'deferred probe timeout, ignoring dependency' "$CLEAN"; then
    fail "kernel-hit-its-deferred-probe-timeout(findroot-too-late)"
fi
[ "$IOMMU" = 0 ] || record PASS root
verdict "$NAME" PASS "$SECS" "root-reached(start=$T_START,root=$T_ROOT)$STAMPS"
