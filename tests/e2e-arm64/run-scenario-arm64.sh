#!/bin/sh
# One arm64 boot test: Debian's arm64 6.12 kernel under qemu-system-aarch64
# -M virt (TCG, cortex-a57), a busybox initramfs with the arm64 findroot and
# hooks/findroot-init.sh, disks made with real mkfs/sgdisk. Prints one verdict
# line "E2E <scenario> PASS|FAIL <seconds> <reason>" like tests/e2e. The work
# is tests/lib/scenario.sh's, shared with tests/e2e/run-scenario.sh; this file
# holds the arm64 scenario table.
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
# shellcheck source=tests/e2e/lib.sh
. "$(dirname -- "$0")/../e2e/lib.sh"
e2e_arch arm64 || exit 2
# shellcheck source=tests/lib/scenario.sh
. "$E2E_REPO/tests/lib/scenario.sh"
# A private temp root (e2e_tmpdir makes it): other suites on this machine
# sweep /tmp/findroot-e2e-*.
TMPDIR=${E2E_ARM64_TMPDIR:-/var/tmp/findroot-arm64-e2e}
export TMPDIR

SCENARIOS="acpi-blk-uuid-iommu acpi-scsi-partuuid-rootport-iommu dt-blk-label-iommu
dt-blk-uuid-iommu-default-timeout acpi-blk-uuid-noiommu dt-blk-uuid-noiommu
detect-acpi-iommu detect-dt-iommu detect-dt-noiommu trixie-acpi-blk-uuid-iommu"
# Scenarios whose negative control proves the bug (the others boot without findroot).
NEG_OF="acpi-blk-uuid-iommu acpi-scsi-partuuid-rootport-iommu dt-blk-label-iommu trixie-acpi-blk-uuid-iommu"
# Scenarios booted with the static arm64 findroot too (not listed by -l: they
# need the static binary; tests/e2e-arm64/CMakeLists.txt registers them).
STATIC_OF="acpi-blk-uuid-iommu"

# The defaults (tests/lib/scenario.sh) but UEFI/ACPI: Debian 12's arm64 6.12,
# a virtio-iommu, one virtio-blk disk, root=UUID= resolving to /dev/vda1.
scenario_setup() {
    UEFI=1
    case $BASE in
        trixie-acpi-blk-uuid-iommu)
            # Debian 13's arm64 kernel (tests/lib/kernels.sh), modules under /usr/lib
            KFLAVOR=6.12-trixie-arm64 ;;
        acpi-scsi-partuuid-rootport-iommu)
            DISKS="scsi-rp:root"; ROOTSPEC="PARTUUID=$PART_UUID"; EXPECT_DEV=/dev/sda1 ;;
        dt-blk-label-iommu)
            # Without the -1 the kernel gives up on the IOMMU after 10 s and probes
            # anyway; with it, the device tree path hangs like ACPI does.
            UEFI=0; ROOTSPEC="LABEL=$FS_LABEL"; CMD_EXTRA="deferred_probe_timeout=-1" ;;
        dt-blk-uuid-iommu-default-timeout)
            # The stock 10 s deferred-probe timeout: findroot must bind the IOMMU
            # first, so the kernel never has to give up on it.
            UEFI=0; NO_TIMEOUT_MSG=1 ;;
        acpi-blk-uuid-noiommu) IOMMU=0 ;;
        dt-blk-uuid-noiommu) UEFI=0; IOMMU=0 ;;
        detect-*)
            DETECT=1; INIT="$E2E_REPO/tests/e2e-arm64/detect-init.sh"
            case $BASE in
                detect-acpi-iommu) DETECT_HAS="acpi_viot pci_device"; DETECT_NOT="devicetree" ;;
                detect-dt-iommu)
                    UEFI=0; CMD_EXTRA="deferred_probe_timeout=-1"; DETECT_MAP=1
                    DETECT_HAS="devicetree pci_device"; DETECT_NOT="acpi_viot" ;;
                detect-dt-noiommu)
                    UEFI=0; IOMMU=0; DETECT_NOT="acpi_viot devicetree pci_device virtio_device" ;;
            esac
            ;;
    esac
}

scenario_main "$@"
