# shellcheck shell=sh
# Generators of another Debian suite (initramfs-tools, dracut) run in a
# debootstrap chroot of that suite, cached under $INTEG_CACHE. Source after
# common.sh. The chroot's own apt configuration is the chroot's business (sid:
# Acquire::Check-Valid-Until "false" there); the host's is never touched.
#
#   integ_chroot DIR SUITE PKG...   make DIR once (DIR/.complete): debootstrap
#                                   --variant=minbase SUITE from the host's
#                                   mirror, then PKG... installed inside
#   integ_chroot_modules DIR KDIR   put the kernel's modules and config where
#                                   the generator looks (/lib/modules/<v> and
#                                   /boot/config-<v>; merged /usr follows)

integ_chroot() {
    ch=$1
    suite=$2
    shift 2
    [ -f "$ch/.complete" ] && return 0
    mirror=$(apt_suite_mirror)
    log=$ch.log
    rm -rf "$ch.tmp"
    integ_log "debootstrap $suite from $mirror into $ch, then: $*"
    t0=$(date +%s)
    if ! debootstrap --variant=minbase "$suite" "$ch.tmp" "$mirror" >"$log" 2>&1; then
        integ_log "debootstrap $suite failed; log $log:"
        tail -n 20 "$log" >&2
        return 1
    fi
    if [ "$suite" = sid ]; then
        # sid's Release in this archive is past its Valid-Until date
        echo 'Acquire::Check-Valid-Until "false";' >"$ch.tmp/etc/apt/apt.conf.d/99findroot-tests"
    fi
    # services never start in a chroot
    printf '#!/bin/sh\nexit 101\n' >"$ch.tmp/usr/sbin/policy-rc.d" && chmod 0755 "$ch.tmp/usr/sbin/policy-rc.d"
    if ! chroot "$ch.tmp" apt-get -q update >>"$log" 2>&1 ||
        ! chroot "$ch.tmp" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
            --no-install-recommends "$@" >>"$log" 2>&1; then
        integ_log "installing $* in the $suite chroot failed; log $log:"
        tail -n 20 "$log" >&2
        return 1
    fi
    chroot "$ch.tmp" apt-get clean
    integ_log "$suite chroot ready in $(($(date +%s) - t0)) s"
    rm -rf "$ch" && mv "$ch.tmp" "$ch" && : >"$ch/.complete"
}

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
