#!/bin/bash
# shellcheck disable=SC2154 # moddir, initdir, ... are set by dracut
# dracut module: ships findroot, the IOMMU and storage drivers a VM needs to
# see its root disk (virtio_iommu above all), and hooks that run findroot and
# explain in plain words why root is missing. See findroot(8).

# findroot's hook library (/usr/lib/findroot/hook-lib.sh): the binary
# lookup (cmake --install records the binary's path in findroot.path beside
# it; $FINDROOT_BINARY overrides), the module lists and, in the image, the
# root= filter. $FINDROOT_LIB_DIR overrides its directory (tests).
findroot_lib() {
    local _lib=${FINDROOT_LIB_DIR:-/usr/lib/findroot}/hook-lib.sh
    # shellcheck source=hooks/lib/hook-lib.sh
    [[ -r $_lib ]] && . "$_lib" && return 0
    derror "findroot: $_lib missing"
    return 1
}

# Is this build host a VM that may sit behind a virtio-iommu?
findroot_host_is_vm() {
    local _d
    [[ -e /sys/firmware/acpi/tables/VIOT ]] && return 0
    for _d in /sys/bus/virtio/devices/*; do
        [[ -e $_d ]] && return 0
    done
    # PCI vendor 0x1af4 (virtio), e.g. a virtio-iommu without bound driver
    grep -qs '^0x1af4$' /sys/bus/pci/devices/*/vendor && return 0
    return 1
}

# called by dracut
check() {
    findroot_lib || return 1
    if ! findroot_binary "${dracutsysrootdir-}" > /dev/null; then
        derror "findroot: binary not found (set FINDROOT_BINARY)"
        return 1
    fi
    # A generic image has to boot anywhere, VMs behind a virtio-iommu
    # included. A host-only image gets findroot on VMs, or when asked.
    [[ $hostonly ]] || return 0
    findroot_host_is_vm && return 0
    return 255
}

# called by dracut
depends() {
    return 0
}

# called by dracut
installkernel() {
    # Forced in even on host-only builds: a VM image is often built on a host
    # that has no IOMMU, and without the IOMMU driver every PCI function
    # behind a virtio-iommu stays deferred forever (see findroot(8)).
    # Missing or built-in drivers are skipped silently.
    findroot_lib || return 1
    hostonly='' instmods "=$FINDROOT_IOMMU_DIR"
    # shellcheck disable=SC2046 # one module name a word
    hostonly='' instmods $(findroot_modules dracut)
}

# called by dracut
install() {
    local _bin
    findroot_lib || return 1
    _bin=$(findroot_binary "${dracutsysrootdir-}") || return 1
    inst_binary "$_bin" /usr/sbin/findroot
    # findroot-dracut sources it for findroot_root_ok
    inst_simple "$FINDROOT_LIB_DIR/hook-lib.sh" "$FINDROOT_LIB_IMAGE_DIR/hook-lib.sh"
    inst_script "$moddir/findroot-dracut.sh" /usr/sbin/findroot-dracut

    # shell initrd: start findroot once udev has settled and root is still
    # missing; explain on the initqueue timeout and in the emergency shell
    inst_hook initqueue/settled 90 "$moddir/findroot-settled.sh"
    inst_hook initqueue/timeout 90 "$moddir/findroot-diagnose.sh"
    inst_hook pre-pivot 10 "$moddir/findroot-stop.sh"
    inst_hook emergency 10 "$moddir/findroot-diagnose.sh"
    inst_hook shutdown-emergency 10 "$moddir/findroot-diagnose.sh"

    # systemd initrd: a unit ordered before the root device is needed
    if dracut_module_included "systemd"; then
        inst_simple "$moddir/findroot.service" "$systemdsystemunitdir/findroot.service"
        $SYSTEMCTL -q --root "$initdir" add-wants initrd.target findroot.service
    fi
}
