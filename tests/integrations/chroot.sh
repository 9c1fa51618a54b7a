# shellcheck shell=sh
# Generators of another Debian suite (initramfs-tools, dracut) run in a
# debootstrap chroot of that suite (common.sh's integ_chroot_make), cached
# under $INTEG_CACHE. Sources common.sh.
#
#   integ_chroot_modules DIR KDIR   put the kernel's modules and config where
#                                   the generator looks (/lib/modules/<v> and
#                                   /boot/config-<v>; merged /usr follows)

# shellcheck source=tests/integrations/common.sh
. "$(dirname -- "$0")/common.sh"

integ_chroot_modules() {
    ch=$1
    kd=$2
    rel=$(kernel_release "$kd")
    rm -rf "$ch/lib/modules/$rel" "$ch/usr/lib/modules/$rel"
    mkdir -p "$ch/lib/modules" "$ch/boot" || return 1
    cp -a "$kd/lib/modules/$rel" "$ch/lib/modules/$rel" || return 1
    cfg=$(kernel_config "$kd") || { integ_log "no config for $rel"; return 1; }
    cp "$cfg" "$ch/boot/config-$rel"
}
