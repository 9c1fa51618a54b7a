#!/bin/sh
# `cmake --install` into a DESTDIR: every integration piece must land where
# its generator looks (the FINDROOT_*_DIR cache values), with the right modes.
# Usage: install-check.sh BUILD_DIR SOURCE_DIR
set -u
build=$1
src=$2
cache() {
    sed -n "s|^$1:[A-Z]*=||p" "$build/CMakeCache.txt"
}
dracut=$(cache FINDROOT_DRACUT_DIR)
initcpio=$(cache FINDROOT_INITCPIO_DIR)
itools=$(cache FINDROOT_INITRAMFS_TOOLS_DIR)
unitdir=$(cache FINDROOT_SYSTEMD_UNIT_DIR)
prefix=$(cache CMAKE_INSTALL_PREFIX)
sbindir=$(cache CMAKE_INSTALL_SBINDIR)
mandir=$(cache CMAKE_INSTALL_MANDIR)
case $sbindir in /*) ;; *) sbindir=$prefix/${sbindir:-sbin} ;; esac
case $mandir in /*) ;; *) mandir=$prefix/${mandir:-share/man} ;; esac
if [ -z "$dracut" ] || [ -z "$initcpio" ] || [ -z "$itools" ]; then
    echo "FINDROOT_*_DIR not in $build/CMakeCache.txt (cmake/Integrations.cmake not included?)" >&2
    exit 1
fi

d=$(mktemp -d "${TMPDIR:-/tmp}/findroot-install.XXXXXX") || exit 1
trap 'rm -rf "$d"' EXIT
DESTDIR=$d cmake --install "$build" > "$d.log" 2>&1 || { cat "$d.log" >&2; rm -f "$d.log"; exit 1; }
rm -f "$d.log"

fail=0
# expect PATH MODE(x|r)
expect() {
    if [ ! -f "$d$1" ]; then
        echo "MISSING $1" >&2
        fail=1
        return
    fi
    if [ "$2" = x ] && [ ! -x "$d$1" ]; then
        echo "NOT EXECUTABLE $1" >&2
        fail=1
        return
    fi
    echo "ok: $1"
}
expect "$sbindir/findroot" x
for f in module-setup.sh findroot-dracut.sh findroot-settled.sh \
    findroot-stop.sh findroot-diagnose.sh; do
    expect "$dracut/90findroot/$f" x
done
expect "$dracut/90findroot/findroot.service" r
expect /usr/lib/findroot/hook-lib.sh r
expect /usr/lib/findroot/findroot.path r
expect "$initcpio/install/findroot" r
expect "$initcpio/hooks/findroot" r
expect "${unitdir:-/usr/lib/systemd/system}/findroot-initrd.service" r
expect "$itools/hooks/findroot" x
expect "$itools/scripts/local-top/findroot" x
expect "$mandir/man8/findroot.8" r
# the hooks' binary lookup must be pointed at the installed binary
if [ -f "$d/usr/lib/findroot/findroot.path" ] &&
    [ "$(cat "$d/usr/lib/findroot/findroot.path")" != "$sbindir/findroot" ]; then
    echo "findroot.path says $(cat "$d/usr/lib/findroot/findroot.path"), not $sbindir/findroot" >&2
    fail=1
fi
# installed copies are the sources
cmp -s "$src/mkinitcpio/hooks/findroot" "$d$initcpio/hooks/findroot" || { echo "hooks/findroot differs" >&2; fail=1; }
cmp -s "$src/hooks/lib/hook-lib.sh" "$d/usr/lib/findroot/hook-lib.sh" || { echo "hook-lib.sh differs" >&2; fail=1; }
if command -v man > /dev/null 2>&1 && [ -f "$d$mandir/man8/findroot.8" ]; then
    if MANWIDTH=80 man -l "$d$mandir/man8/findroot.8" 2>&1 > /dev/null | grep -q .; then
        echo "man page has warnings:" >&2
        MANWIDTH=80 man -l "$d$mandir/man8/findroot.8" 2>&1 > /dev/null | head >&2
        fail=1
    fi
fi
exit "$fail"
