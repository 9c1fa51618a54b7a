#!/bin/sh
# The Arch package: makepkg builds it from a copy of the tree (as a user:
# makepkg refuses root; -d, as Debian has no pacman database; PACMAN=true,
# as Debian's makepkg looks pacman up even with -d), check() runs the unit
# and fixture tests, and the package holds what Arch's tools look for:
# /usr/bin/findroot, /usr/lib/initcpio/{install,hooks}/findroot (644), the
# dracut module, the man page. .SRCINFO must match the PKGBUILD.
# Usage: arch-check.sh OUT   (FINDROOT_PKG_CHECK=1: with check())
set -u
OUT=$1
# shellcheck source=tests/packages/lib.sh
. "$(dirname -- "$0")/lib.sh"
# shellcheck source=tests/e2e/lib.sh
. "$PKG_REPO/tests/e2e/lib.sh"

ensure_packages makepkg fakeroot libarchive-tools cmake pkgconf libblkid-dev libkmod-dev \
    e2fsprogs dosfstools gdisk cpio || exit 1
as_user() { pkg_as_user PACMAN=true "$@"; }
PKG_HOME=$OUT/home
rm -rf "$OUT" && mkdir -p "$OUT/home" || exit 1
pkg_copy_tree "$OUT/src" || exit 1
pkg_user_tree "$OUT"
d=$OUT/src/packaging/arch
rc=0

if ! (cd "$d" && as_user makepkg -d --printsrcinfo) > "$OUT/srcinfo" 2> "$OUT/srcinfo.err" ||
    ! cmp -s "$OUT/srcinfo" "$PKG_REPO/packaging/arch/.SRCINFO"; then
    cat "$OUT/srcinfo.err" >&2
    diff -u "$PKG_REPO/packaging/arch/.SRCINFO" "$OUT/srcinfo" >&2
    pkg_verdict arch-srcinfo FAIL ".SRCINFO is not what makepkg --printsrcinfo says"
    rc=1
else
    pkg_verdict arch-srcinfo PASS ".SRCINFO up to date"
fi

t0=$(date +%s)
# check() repeats the build stage's unit and fixture tests (minutes on a
# busy machine): FINDROOT_PKG_CHECK=1 runs it
check=--nocheck
[ "${FINDROOT_PKG_CHECK:-0}" = 1 ] && check=--check
if ! (cd "$d" && as_user PKGDEST="$OUT/pkg" nice -n 10 makepkg -d -f "$check") > "$OUT/makepkg.log" 2>&1; then
    tail -n 30 "$OUT/makepkg.log" >&2
    pkg_verdict arch-build FAIL "makepkg failed, see $OUT/makepkg.log"
    exit 1
fi
pkg=$(find "$OUT/pkg" -name 'findroot-*.pkg.tar*' | head -n 1)
[ -n "$pkg" ] || { pkg_verdict arch-build FAIL "no package in $OUT/pkg"; exit 1; }
if [ "$check" = --check ] && ! grep -q 'Starting check()' "$OUT/makepkg.log"; then
    pkg_verdict arch-build FAIL "check() did not run"
    exit 1
fi
tests=$(sed -n 's/^.*tests passed, \([0-9]*\) tests failed out of \([0-9]*\).*/\2 tests, \1 failed/p' "$OUT/makepkg.log")
pkg_verdict arch-build PASS "$(($(date +%s) - t0)) s: $(basename "$pkg") $(stat -c %s "$pkg") bytes; check(): ${tests:-not run}"

bsdtar -tvf "$pkg" | awk '{print $1, $NF}' > "$OUT/files"
expect() {
    grep -qx -- "$1 $2" "$OUT/files" && return 0
    echo "arch: no '$1 $2' in the package" >&2
    rc=1
}
expect -rwxr-xr-x usr/bin/findroot
expect -rw-r--r-- usr/lib/findroot/hook-lib.sh
expect -rw-r--r-- usr/lib/findroot/findroot.path
expect -rw-r--r-- usr/lib/initcpio/install/findroot
expect -rw-r--r-- usr/lib/initcpio/hooks/findroot
expect -rw-r--r-- usr/lib/systemd/system/findroot-initrd.service
expect -rwxr-xr-x usr/lib/dracut/modules.d/90findroot/module-setup.sh
expect -rw-r--r-- usr/lib/dracut/dracut.conf.d/90-findroot.conf
grep -Eq '^-rw-r--r-- usr/share/man/man8/findroot\.8(\.gz)?$' "$OUT/files" || { echo "arch: no man page" >&2; rc=1; }
expect -rw-r--r-- usr/share/doc/findroot/mkinitcpio.conf.d-findroot.conf.example
grep -q 'initramfs-tools\|usr/sbin' "$OUT/files" && { echo "arch: Debian paths in the package" >&2; rc=1; }
[ "$(bsdtar -xOf "$pkg" usr/lib/findroot/findroot.path)" = /usr/bin/findroot ] ||
    { echo "arch: findroot.path does not name /usr/bin/findroot" >&2; rc=1; }
bsdtar -xOf "$pkg" .INSTALL | grep -q 'post_install' || { echo "arch: no .INSTALL message" >&2; rc=1; }
if [ "$rc" = 0 ]; then
    pkg_verdict arch-files PASS "$(grep -c '^-' "$OUT/files") files, paths and modes as Arch's tools expect"
else
    sed 's/^/  /' "$OUT/files" >&2
    pkg_verdict arch-files FAIL "see above"
fi
exit "$rc"
