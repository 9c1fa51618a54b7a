# shellcheck shell=sh
# One boot scenario, for either architecture: the body of
# tests/e2e/run-scenario.sh (x86_64) and tests/e2e-arm64/run-scenario-arm64.sh
# (arm64). Builds the busybox initramfs and the disks, boots, checks the
# console and prints one verdict line "E2E <scenario> PASS|FAIL <seconds>
# <reason>" (and a docs/MATRIX.md line through matrix_record).
#
# The entry point sources tests/e2e/lib.sh (and lib-arm64.sh for arm64), then
# this file, sets
#   SCENARIOS    the scenario names -l lists
#   NEG_OF       those that also run as "neg-<name>": the same image with
#                findroot=0, passing only when root does NOT appear
#   STATIC_OF    those that also run as "static-<name>" with a static findroot
#                (-f, required): the image must hold no shared object and no
#                dynamic loader; not listed by -l
# defines scenario_setup (below: the variables it may change) and runs
#   scenario_main "$@"
# which takes [-f FINDROOT] [-i INIT] [-x CMDLINE] [-r] SCENARIO, or -l.
# Exit: 0 PASS, 1 FAIL, 2 usage, 77 skipped (kernel or tools could not be had).

# scenario_setup sees NAME, BASE (NAME without static-/neg-), NEG, STATIC,
# FS_UUID, PART_UUID, FS_LABEL, PART_LABEL and may change these defaults:
#   KFLAVOR=$E2E_KFLAVOR  the kernel (tests/lib/kernels.sh)
#   IOMMU=1          a virtio-iommu-pci in the machine
#   UEFI=0           boot through the firmware (run_qemu -U; arm64: ACPI)
#   DISKS=blk:root   "bus:image" entries in bus order; buses: blk, scsi-rp
#                    (virtio-scsi behind a root port), nvme-rp, sata (q35
#                    AHCI); images: root, decoy (a blank GPT disk)
#   ROOTSPEC=UUID=$FS_UUID  root=
#   EXPECT_DEV=/dev/vda1    the node the hook must report and mount
#   CMD_EXTRA        more kernel command line
#   HOTPLUG=0        1: no disk at boot, the root disk hot-added over QMP into
#                    a root port 3 s after /init starts
#   BOGUS=0          1: root= names no disk: findroot must fail with a diagnosis
#   NEG_STALL=0      1: the kernel has a deferred-probe timeout (Debian 7.x), so
#                    the negative control may end with the kernel giving up on
#                    the IOMMU and probing the storage late: that is the bug too
#   NO_TIMEOUT_MSG=0 1: fail when the kernel hit its deferred-probe timeout
#   DETECT=0         1: INIT runs findroot diagnose first (detect-init.sh);
#                    the JSON evidence must hold DETECT_HAS and none of
#                    DETECT_NOT, and with DETECT_MAP=1 a devicetree_iommu_map
#                    that names the PCIe host (pcie@...)
#   INIT             the /init (-i, or detect-init.sh for DETECT=1)

scenario_usage() {
    echo "usage: $0 [-f FINDROOT] [-i INIT] [-x CMDLINE] [-r] SCENARIO | -l" >&2
    exit 2
}

scenario_main() {
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
            *) scenario_usage ;;
        esac
    done
    shift $((OPTIND - 1))
    [ $# = 1 ] || scenario_usage
    _scenario_args "$1"
    T_BEGIN=$(date +%s)
    _scenario_tools
    case $E2E_ARCH in arm64) W=$(e2e_tmpdir "arm64-$NAME") ;; *) W=$(e2e_tmpdir "$NAME") ;; esac || exit 1
    QPID=""
    trap _scenario_cleanup EXIT
    trap 'exit 1' INT TERM
    _scenario_table
    _scenario_images
    _scenario_boot
    _scenario_verdict
}

# NAME, BASE, NEG, STATIC from the scenario name; the usage checks
_scenario_args() {
    NAME=$1
    STATIC=0
    BASE=${NAME#static-}
    [ "$BASE" != "$NAME" ] && STATIC=1
    NEG=0
    case $BASE in neg-*) BASE=${BASE#neg-}; NEG=1 ;; esac
    _scenario_in "$BASE" "$SCENARIOS" || { echo "unknown scenario $BASE" >&2; exit 2; }
    if [ "$NEG" = 1 ] && ! _scenario_in "$BASE" "$NEG_OF"; then
        echo "scenario $NAME has no negative control" >&2
        exit 2
    fi
    if [ "$STATIC" = 1 ]; then
        _scenario_in "$BASE" "$STATIC_OF" || { echo "scenario $BASE has no static variant" >&2; exit 2; }
        [ "$NEG" = 0 ] || { echo "scenario $NAME: no static negative control" >&2; exit 2; }
        [ -n "$FINDROOT" ] || { echo "$NAME needs -f STATIC_FINDROOT" >&2; exit 2; }
    fi
    if [ -n "$FINDROOT" ] && [ ! -x "$FINDROOT" ]; then
        echo "findroot binary $FINDROOT is not executable" >&2
        exit 2
    fi
    case $FINDROOT in /* | '') ;; *) FINDROOT="$PWD/$FINDROOT" ;; esac
    case $INIT in /* | '') ;; *) INIT="$PWD/$INIT" ;; esac
}

# _scenario_in WORD LIST: WORD is one of the words of LIST
_scenario_in() {
    case " $(printf '%s' "$2" | tr '\n' ' ') " in *" $1 "*) return 0 ;; esac
    return 1
}

_scenario_tag() {
    case $E2E_ARCH in arm64) echo e2e-arm64 ;; *) echo e2e ;; esac
}

elapsed() { echo $(($(date +%s) - T_BEGIN)); }

_scenario_tools() {
    if [ "$STATIC" = 1 ]; then
        hdr=$(e2e_readelf -lhdW "$FINDROOT" 2>&1)
        case $hdr in *"Machine:"*"$E2E_ELF_MACHINE"*) ;; *) verdict "$NAME" FAIL "$(elapsed)" "findroot-not-$E2E_ARCH"; exit 1 ;; esac
        if printf '%s\n' "$hdr" | grep -q -e 'INTERP' -e '(NEEDED)'; then
            verdict "$NAME" FAIL "$(elapsed)" "findroot-not-static(has-INTERP-or-NEEDED)"
            exit 1
        fi
    fi
    case $E2E_ARCH in
        arm64)
            if ! command -v "$E2E_QEMU" >/dev/null 2>&1 || [ ! -r "$E2E_FW_CODE" ]; then
                ensure_arm64_tools || { verdict "$NAME" FAIL "$(elapsed)" "arm64-tools-missing(run-tools/cross-arm64.sh---deps)"; exit 77; }
            fi
            # resolved once here: the image builders then skip apt
            if ! E2E_ARM64_BUSYBOX=$(get_busybox_arm64); then
                verdict "$NAME" FAIL "$(elapsed)" "busybox-arm64-unavailable"
                exit 77
            fi
            export E2E_ARM64_BUSYBOX
            ;;
        *) ensure_e2e_tools || { verdict "$NAME" FAIL "$(elapsed)" "could not install the tools"; exit 1; } ;;
    esac
}

_scenario_cleanup() {
    if [ -n "$QPID" ]; then
        kill "$QPID" 2>/dev/null
        wait "$QPID" 2>/dev/null
    fi
    e2e_cleanup "$W"
}

_scenario_table() {
    KFLAVOR=$E2E_KFLAVOR
    IOMMU=1
    UEFI=0
    DISKS="blk:root"
    EXPECT_DEV=/dev/vda1
    CMD_EXTRA=""
    HOTPLUG=0
    BOGUS=0
    NEG_STALL=0
    NO_TIMEOUT_MSG=0
    DETECT=0
    DETECT_HAS=""
    DETECT_NOT=""
    DETECT_MAP=0
    NONCE=$(od -An -N6 -tx1 /dev/urandom | tr -d ' \n')
    MARKER="FINDROOT-E2E-ROOT-REACHED-$NONCE"
    FS_UUID=$(cat /proc/sys/kernel/random/uuid)
    PART_UUID=$(cat /proc/sys/kernel/random/uuid)
    FS_LABEL="e2eroot"
    PART_LABEL="e2e-root-part"
    ROOTSPEC="UUID=$FS_UUID"
    scenario_setup
    if [ "$DETECT" = 1 ]; then
        [ -n "$FINDROOT" ] || { echo "$NAME needs -f FINDROOT" >&2; exit 2; }
    fi
}

# --- kernel, images --------------------------------------------------------------
_scenario_images() {
    if ! KDIR=$(get_kernel "$KFLAVOR"); then
        verdict "$NAME" FAIL "$(elapsed)" "kernel-$KFLAVOR-unavailable"
        exit 77
    fi
    KIMG=$(kernel_image "$KDIR")
    KREL=$(kernel_release "$KDIR")
    echo "$(_scenario_tag): $NAME: kernel $(kernel_describe "$KDIR")"
    set --
    # a kernel that ships /usr/lib/modules gets a merged-/usr image, as its
    # generators make them
    [ -L "$KDIR/lib" ] && set -- "$@" -u
    [ -n "$FINDROOT" ] && set -- "$@" -f "$FINDROOT"
    [ -n "$INIT" ] && set -- "$@" -i "$INIT"
    if ! mkinitramfs_busybox "$@" "$W/initrd.img" "$KDIR"; then
        verdict "$NAME" FAIL "$(elapsed)" "initramfs-build-failed"
        exit 1
    fi
    [ "$STATIC" = 1 ] && _scenario_static_image
    if ! { make_rootfs_dir "$W/rootdir" "$MARKER" &&
        mkfs_ext4_image "$W/root.ext4" 24 "$W/rootdir" "$FS_LABEL" "$FS_UUID" &&
        mkdisk_gpt "$W/root.img" 32 "$W/root.ext4" "$PART_LABEL" "$PART_UUID" &&
        case " $DISKS " in *:decoy\ *) mkdisk_blank "$W/decoy.img" 8 ;; esac; }; then
        verdict "$NAME" FAIL "$(elapsed)" "disk-build-failed"
        exit 1
    fi
    rm -rf "$W/root.ext4" "$W/rootdir"
}

# What a busybox-only image is: no shared object, no loader, anywhere.
_scenario_static_image() {
    list=$(gzip -dc "$W/initrd.img" | cpio -it --quiet) || list=""
    [ -n "$list" ] || { verdict "$NAME" FAIL "$(elapsed)" "initramfs-unreadable"; exit 1; }
    shared=$(printf '%s\n' "$list" | grep -E '\.so($|\.)|(^|/)ld-(linux|musl)' | tr '\n' ' ')
    if [ -n "$shared" ]; then
        verdict "$NAME" FAIL "$(elapsed)" "image-has-shared-objects($(printf '%s' "$shared" | tr ' ' ','))"
        exit 1
    fi
    echo "$(_scenario_tag): $NAME: image holds busybox, findroot, $(printf '%s\n' "$list" | grep -c '\.ko') modules and no shared objects"
}

# --- QEMU command line and boot ------------------------------------------------------
_scenario_boot() {
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
    CMDLINE="$E2E_CONSOLE_CMDLINE root=$ROOTSPEC $CMD_EXTRA"
    [ "$NEG" = 1 ] && CMDLINE="$CMDLINE findroot=0"
    [ -n "$XCMD" ] && CMDLINE="$CMDLINE $XCMD"
    set -- "$@" -append "$CMDLINE"
    RUNQ=""
    [ "$UEFI" = 1 ] && RUNQ="-U"
    LOG="$W/console.log"
    if [ "$HOTPLUG" = 0 ]; then
        # shellcheck disable=SC2086 # RUNQ is empty or one option
        run_qemu "$LOG" $RUNQ -- "$@"
        RC=$?
        return
    fi
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
}

# --- verdict ------------------------------------------------------------------------
# one line for docs/MATRIX.md (tests/lib/matrix.sh): the boots with a
# virtio-iommu that are not detection runs
record() {
    [ "$DETECT" = 0 ] && [ "$IOMMU" = 1 ] || return 0
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
    case $E2E_ARCH:$UEFI in
        arm64:1) fw=", UEFI/ACPI" ;;
        arm64:0) fw=", device tree" ;;
        *:1) fw=", UEFI" ;;
        *) fw="" ;;
    esac
    kind="busybox + hook$fw ($bus)"
    [ "$STATIC" = 1 ] && kind="$kind, static findroot"
    variant=findroot
    [ "$NEG" = 1 ] && variant=stock
    case $1 in PASS) res=$2 ;; *) res="FAIL($3)" ;; esac
    matrix_record "$KREL" "$E2E_ARCH" "$kind" "$variant" "$res" "$SECS" "$(_scenario_tag)/$NAME"
}

show_log() {
    echo "---- console (last 80 lines) ----" >&2
    tail -n 80 "$CLEAN" >&2
    echo "---- end of console ----" >&2
}

fail() {
    show_log
    record FAIL - "$1"
    verdict "$NAME" FAIL "$SECS" "$1$STAMPS"
    exit 1
}

pass() {
    verdict "$NAME" PASS "$SECS" "$1$STAMPS"
    exit 0
}

_scenario_verdict() {
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

    [ "$RC" = 124 ] && fail "timeout-after-${E2E_BOOT_TIMEOUT}s"
    [ "$DETECT" = 1 ] && _scenario_detect
    [ -n "$T_START" ] || fail "init-never-started(qemu-rc=$RC)"
    [ "$NEG" = 1 ] && _scenario_negative
    [ "$BOGUS" = 1 ] && _scenario_bogus

    [ "$REACHED" = 1 ] || fail "root-not-reached"
    grep -q "findroot-init: time root=.* dev=$EXPECT_DEV" "$CLEAN" ||
        fail "wrong-root-device(want-$EXPECT_DEV)"
    grep -q "^$EXPECT_DEV on / type ext4 (ro" "$CLEAN" || fail "root-not-mounted-read-only-from-$EXPECT_DEV"
    if [ "$NO_TIMEOUT_MSG" = 1 ] && grep -q 'deferred probe timeout, ignoring dependency' "$CLEAN"; then
        fail "kernel-hit-its-deferred-probe-timeout(findroot-too-late)"
    fi
    record PASS root
    pass "root-reached(start=$T_START,root=$T_ROOT)"
}

_scenario_negative() {
    # Kernels with a deferred probe timeout stop waiting for the IOMMU after a
    # while and probe the storage without it: the kernel time of that, if it
    # happened.
    STALL=$(sed -n 's/^\[ *\([0-9.]*\)\] virtio-pci .*deferred probe timeout, ignoring dependency.*/\1/p' "$CLEAN" | head -n 1)
    if [ "$NEG_STALL" = 1 ] && [ -n "$STALL" ]; then
        # The bug as a stall: no disk until the kernel gave up on the IOMMU.
        grep -q 'findroot disabled' "$CLEAN" || fail "findroot-was-not-skipped"
        record PASS "root-after-stall(${STALL}s)"
        pass "storage-probed-only-after-the-kernel-gave-up-on-the-iommu(at=${STALL}s)"
    fi
    [ "$REACHED" = 0 ] || fail "root-appeared-without-findroot(bug-not-reproduced)"
    grep -q 'findroot-init: ERROR: gave up waiting for root' "$CLEAN" || fail "hook-did-not-give-up"
    grep -q 'findroot disabled' "$CLEAN" || fail "findroot-was-not-skipped"
    # Not just "not resolved" (plain findfs cannot do PARTUUID): the kernel must
    # have registered no disk at all, i.e. the controller stayed deferred.
    grep -qE '^findroot-init: block devices: none: the kernel has registered no disk$' "$CLEAN" || fail "a-disk-appeared-without-findroot"
    record PASS no-root
    pass "root-absent-as-expected(gave-up-at=${T_FAIL:-?})"
}

_scenario_bogus() {
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
    pass "failed-with-diagnosis(start=$T_START,fail=${T_FAIL:-?})"
}

_scenario_detect() {
    grep -q '^detect: end' "$CLEAN" || fail "detect-init-did-not-finish(qemu-rc=$RC)"
    json=$(sed -n '/^detect: --- diagnose json/{n;p;}' "$CLEAN")
    # The evidence list as "a,b,c", in the order findroot prints it.
    ev=$(printf '%s\n' "$json" | sed -n 's/.*"evidence" *: *\[\([^]]*\)\].*/\1/p' | tr -d ' "')
    present=$(printf '%s\n' "$json" | sed -n 's/.*"iommu" *: *{ *"present" *: *\([a-z]*\).*/\1/p')
    for e in $DETECT_HAS; do
        case ",$ev," in *",$e,"*) ;; *) fail "evidence-missing-$e(saw=[$ev],present=$present)" ;; esac
    done
    for e in $DETECT_NOT; do
        case ",$ev," in *",$e,"*) fail "evidence-wrongly-reported-$e(saw=[$ev])" ;; esac
    done
    # findroot names the node whose iommu-map points at the IOMMU: on QEMU
    # virt the PCIe host bridge (src/iommu.c, the JSON key is always there).
    map=$(printf '%s\n' "$json" | sed -n 's/.*"devicetree_iommu_map" *: *\("[^"]*"\|null\).*/\1/p' | tr -d '"')
    if [ "$DETECT_MAP" = 1 ]; then
        case $map in pcie@*) ;; *) fail "iommu-map-not-traced(devicetree_iommu_map=${map:-absent})" ;; esac
        ev="$ev;iommu-map=$map"
    fi
    if [ "$IOMMU" = 1 ]; then
        [ "$present" = true ] || fail "iommu-not-present-in-json(saw=[$ev])"
        grep -q 'virtio-iommu found' "$CLEAN" || fail "text-diagnosis-does-not-name-the-iommu"
    else
        [ "$present" = false ] || fail "iommu-reported-without-one(saw=[$ev])"
    fi
    pass "evidence=[$ev]"
}
