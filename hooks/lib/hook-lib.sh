# shellcheck shell=sh
# findroot's hook library: the facts every initramfs hook shares (which root=
# findroot waits for, which drivers go into the image, where the binary is),
# written once. Installed as /usr/lib/findroot/hook-lib.sh; sourced by the
# build-time hooks (dracut's module-setup.sh, mkinitcpio's install/findroot,
# initramfs-tools' hooks/findroot), which also copy it into the image for the
# boot-time hooks. POSIX sh (busybox ash, dash, bash); names start findroot_.
# FINDROOT_LIB_DIR (default /usr/lib/findroot) and FINDROOT_BINARY override
# the installed paths (tests, builds from a source tree).

# Where the library is in every image, and on this build host.
FINDROOT_LIB_IMAGE_DIR=/usr/lib/findroot
FINDROOT_LIB_DIR=${FINDROOT_LIB_DIR:-$FINDROOT_LIB_IMAGE_DIR}

# findroot_root_ok SPEC: 0 when findroot is to wait for root=SPEC, 1 when the
# generator's own scripts must handle it. Yes: what findroot's parser
# (src/spec.c) accepts: UUID=, LABEL=, PARTUUID=, PARTLABEL=, /dev/...,
# MAJ:MIN[:OFFSET] and the kernel's hex dev_t (801, 0801, 0x801). No:
#   /dev/nfs          the kernel's name for an NFS root (nfsroot=): no block
#                     device of that name ever appears
#   /dev/ram*         the initial RAM disk (brd), filled by the kernel or a
#                     script, no hardware behind it: findroot has no driver
#                     to load and would only wait out its timeout
#   /dev/mapper/*, /dev/md*, /dev/dm-*
#                     assembled by cryptsetup, LVM or mdadm in the
#                     generator's own scripts; not there before they run
#   anything else (nfs:, nfs4:, iscsi:, nbd:, cifs:, live:, zfs=, ZFS=,
#   tmpfs, dhcp, empty, ...)
#                     network, live, ZFS-pool and memory roots, or no root=:
#                     not one block device, and not in findroot's grammar
# Values findroot would then reject (UUID= with no value, major 0) are
# passed on: findroot says what is wrong with them.
findroot_root_ok() {
    case $1 in
        /dev/nfs | /dev/ram* | /dev/mapper/* | /dev/md* | /dev/dm-*) return 1 ;;
        UUID=* | LABEL=* | PARTUUID=* | PARTLABEL=* | /dev/*) return 0 ;;
        *[!0-9:]* | :* | *: | *::* | *:*:*:*) ;;
        *:*) return 0 ;;
    esac
    case ${1#0[xX]} in
        '' | *[!0-9a-fA-F]*) return 1 ;;
    esac
    return 0
}

# shellcheck disable=SC2034 # read by the hooks that source this file
# Drivers every image gets, whatever the build host has (a VM image is often
# built on a host without an IOMMU): all of the IOMMU directory (modules
# paths are relative to kernel/), then these module names. Missing and
# built-in ones are skipped by every generator.
FINDROOT_IOMMU_DIR=drivers/iommu
FINDROOT_IOMMU_MODULES="virtio_iommu"
FINDROOT_STORAGE_MODULES="virtio_pci virtio_mmio virtio_blk virtio_scsi sd_mod nvme ahci"

# findroot_modules GENERATOR: the module names for that generator's image,
# one a line: the two lists above plus the generator's own additions, which
# are written here and nowhere else:
#   dracut      sr_mod (dracut images also boot from a CD-ROM drive)
# (packaging/alpine/findroot.modules holds the same base list as mkinitfs
# paths; tests/packages/alpine-check.sh keeps the two in step.)
findroot_modules() {
    for _fr_m in $FINDROOT_IOMMU_MODULES $FINDROOT_STORAGE_MODULES; do
        echo "$_fr_m"
    done
    case $1 in
        dracut) echo sr_mod ;;
    esac
}

# findroot_binary [SYSROOT]: the findroot to copy into the image: the first
# executable of $FINDROOT_BINARY, the path `cmake --install` recorded in
# findroot.path beside this library, findroot in PATH, then the usual
# directories (a build host's PATH may lack /usr/local/sbin). SYSROOT is
# prepended when testing (dracut's --sysroot); the path printed is without it.
findroot_binary() {
    _fr_path=""
    [ -r "$FINDROOT_LIB_DIR/findroot.path" ] && read -r _fr_path < "$FINDROOT_LIB_DIR/findroot.path"
    for _fr_c in "${FINDROOT_BINARY:-}" "$_fr_path" "$(command -v findroot 2> /dev/null)" \
        /usr/sbin/findroot /usr/bin/findroot /sbin/findroot /usr/local/sbin/findroot \
        /usr/local/bin/findroot; do
        case $_fr_c in /*) ;; *) continue ;; esac
        if [ -x "${1:-}$_fr_c" ]; then
            echo "$_fr_c"
            return 0
        fi
    done
    return 1
}
