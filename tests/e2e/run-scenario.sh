#!/bin/sh
# One x86_64 boot test: builds a busybox initramfs with findroot and the hook,
# disk images with real mkfs/sgdisk, boots a Debian kernel under QEMU (q35,
# TCG) and prints one verdict line "E2E <scenario> PASS|FAIL <seconds> <reason>".
# The work is tests/lib/scenario.sh's, shared with tests/e2e-arm64; this file
# holds the x86_64 scenario table.
#
# usage: run-scenario.sh [-f FINDROOT] [-i INIT] [-x CMDLINE] [-r] SCENARIO
#        run-scenario.sh -l      list the scenarios
#   -f FINDROOT  findroot binary to put in the image (default: none, then the
#                hook resolves root the plain way)
#   -i INIT      another /init (the benchmark's oracle)
#   -x CMDLINE   more kernel command line
#   -r           report the guest "time" stamps: adds "start=.. root=.. fail=.."
#                and the kernel log's "kstart=.. kroot=.. kfail=.." (none where
#                missing) to the reason (the benchmark parses them)
# Scenarios: see scenario_setup below. A "neg-" prefix boots the same image
# with findroot=0 and passes only when root does NOT appear (NEG_OF).
# Exit: 0 PASS, 1 FAIL, 2 usage, 77 skipped (kernel could not be had).

set -u
# shellcheck source=tests/e2e/lib.sh
. "$(dirname -- "$0")/lib.sh"
# shellcheck source=tests/lib/scenario.sh
. "$E2E_REPO/tests/lib/scenario.sh"

SCENARIOS="blk-uuid-iommu scsi-label-rootport-iommu partuuid-second-disk-iommu
partlabel-second-disk-iommu blk-uuid-noiommu kernel61-iommu ovmf-iommu hotplug-iommu
bogus-uuid-iommu nvme-uuid-rootport-iommu sata-label-iommu trixie-blk-uuid-iommu
trixie-cloud-scsi-label-iommu sid-blk-uuid-iommu sid-scsi-partuuid-rootport-iommu"
# Not the ones without an IOMMU, not bogus-uuid-iommu (root is never there) and
# not kernel61-iommu: 6.1 ignores VIOT, with findroot=0 it boots, so its
# negative proves nothing.
NEG_OF="blk-uuid-iommu scsi-label-rootport-iommu partuuid-second-disk-iommu
partlabel-second-disk-iommu ovmf-iommu hotplug-iommu nvme-uuid-rootport-iommu
sata-label-iommu trixie-blk-uuid-iommu trixie-cloud-scsi-label-iommu sid-blk-uuid-iommu
sid-scsi-partuuid-rootport-iommu"
# (tests/static/boot.sh checks the static x86_64 image itself)
STATIC_OF=""

# The defaults (tests/lib/scenario.sh): Debian 12's 6.12, a virtio-iommu,
# one virtio-blk disk, root=UUID= resolving to /dev/vda1.
scenario_setup() {
    case $BASE in
        scsi-label-rootport-iommu)
            DISKS="scsi-rp:root"; ROOTSPEC="LABEL=$FS_LABEL"; EXPECT_DEV=/dev/sda1 ;;
        partuuid-second-disk-iommu)
            DISKS="blk:decoy blk:root"; ROOTSPEC="PARTUUID=$PART_UUID"; EXPECT_DEV=/dev/vdb1 ;;
        partlabel-second-disk-iommu)
            DISKS="blk:decoy blk:root"; ROOTSPEC="PARTLABEL=$PART_LABEL"; EXPECT_DEV=/dev/vdb1 ;;
        blk-uuid-noiommu) IOMMU=0 ;;
        kernel61-iommu) KFLAVOR=6.1 ;;
        ovmf-iommu) UEFI=1 ;;
        hotplug-iommu) HOTPLUG=1; DISKS=""; CMD_EXTRA="findroot.timeout=60" ;;
        nvme-uuid-rootport-iommu) DISKS="nvme-rp:root"; EXPECT_DEV=/dev/nvme0n1p1 ;;
        sata-label-iommu) DISKS="sata:root"; ROOTSPEC="LABEL=$FS_LABEL"; EXPECT_DEV=/dev/sda1 ;;
        # Debian 13 and 14 kernels (tests/lib/kernels.sh), modules under /usr/lib
        trixie-blk-uuid-iommu) KFLAVOR=6.12-trixie ;;
        trixie-cloud-scsi-label-iommu)
            KFLAVOR=6.12-trixie-cloud; DISKS="scsi-rp:root"; ROOTSPEC="LABEL=$FS_LABEL"; EXPECT_DEV=/dev/sda1 ;;
        # Debian 14's 7.x kernel gives up on the IOMMU after 10 s
        # (CONFIG_DRIVER_DEFERRED_PROBE_TIMEOUT): its negative may end so.
        sid-blk-uuid-iommu) KFLAVOR=sid; NEG_STALL=1 ;;
        sid-scsi-partuuid-rootport-iommu)
            KFLAVOR=sid; NEG_STALL=1; DISKS="scsi-rp:root"; ROOTSPEC="PARTUUID=$PART_UUID"; EXPECT_DEV=/dev/sda1 ;;
        bogus-uuid-iommu)
            BOGUS=1; ROOTSPEC="UUID=0badc0de-dead-4bad-8bad-0123456789ab"; CMD_EXTRA="findroot.timeout=8" ;;
    esac
}

scenario_main "$@"
