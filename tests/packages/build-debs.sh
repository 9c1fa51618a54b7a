#!/bin/sh
# Builds the Debian packages from a copy of the tree, as from a fresh clone
# (dpkg-buildpackage -us -uc -b, as a packager would), then checks them:
# lintian has no error and no warning, the split is as debian/control says,
# the update-initramfs trigger is declared by both image packages and no
# maintainer script calls update-initramfs. The .debs are left in OUT/debs.
# Usage: build-debs.sh OUT
# FINDROOT_PKG_CHECK=1 also runs the unit and fixture tests inside the build
# (the build stage runs them already).
set -u
OUT=$1
# shellcheck source=tests/packages/lib.sh
. "$(dirname -- "$0")/lib.sh"
# shellcheck source=tests/e2e/lib.sh
. "$PKG_REPO/tests/e2e/lib.sh"

ensure_packages dpkg-dev debhelper cmake pkgconf libblkid-dev libkmod-dev lintian cpio || exit 1
src=$OUT/src/findroot
PKG_HOME=$OUT/src
rm -rf "$OUT/src" "$OUT/debs"
pkg_copy_tree "$src" || exit 1
pkg_user_tree "$OUT/src"
opts="parallel=${FINDROOT_JOBS:-2}"
[ "${FINDROOT_PKG_CHECK:-0}" = 1 ] || opts="$opts nocheck"
t0=$(date +%s)
# as a user: Rules-Requires-Root: no must hold
if ! (cd "$src" && pkg_as_user DEB_BUILD_OPTIONS="$opts" nice -n 10 dpkg-buildpackage -us -uc -b) \
    > "$OUT/build.log" 2>&1; then
    tail -n 30 "$OUT/build.log" >&2
    pkg_verdict deb-build FAIL "dpkg-buildpackage failed, see $OUT/build.log"
    exit 1
fi
mkdir -p "$OUT/debs" && mv "$OUT/src/"*.deb "$OUT/src/"*.changes "$OUT/src/"*.buildinfo "$OUT/debs/" || exit 1
pkg_verdict deb-build PASS "$(($(date +%s) - t0)) s: $(find "$OUT/debs" -name '*.deb' -printf '%f ')"

rc=0
# lintian: errors and warnings fail (overrides carry their reason)
lintian --fail-on error,warning "$OUT/debs/"*.changes > "$OUT/lintian.log" 2>&1
lrc=$?
grep -v 'running with root privileges' "$OUT/lintian.log" >&2
if [ "$lrc" = 0 ]; then
    pkg_verdict deb-lintian PASS "E: $(grep -c '^E:' "$OUT/lintian.log") W: $(grep -c '^W:' "$OUT/lintian.log") I: $(grep -c '^I:' "$OUT/lintian.log")"
else
    pkg_verdict deb-lintian FAIL "lintian exit $lrc" || rc=1
fi

# contents: each file in the package it belongs to
contents() {
    dpkg-deb -c "$OUT/debs/$1"_*.deb | awk '{print $1, $NF}' | sed 's| \./| /|'
}
expect() {
    if contents "$1" | grep -qx -- "$2 $3"; then
        return 0
    fi
    echo "$1: no '$2 $3'" >&2
    rc=1
}
expect findroot '-rwxr-xr-x' /usr/sbin/findroot
expect findroot '-rw-r--r--' /usr/share/man/man8/findroot.8.gz
expect findroot '-rw-r--r--' /usr/lib/findroot/hook-lib.sh
expect findroot '-rw-r--r--' /usr/lib/findroot/findroot.path
expect findroot-initramfs '-rwxr-xr-x' /usr/share/initramfs-tools/hooks/findroot
expect findroot-initramfs '-rwxr-xr-x' /usr/share/initramfs-tools/scripts/local-top/findroot
expect findroot-dracut '-rwxr-xr-x' /usr/lib/dracut/modules.d/90findroot/module-setup.sh
expect findroot-dracut '-rw-r--r--' /usr/lib/dracut/dracut.conf.d/90-findroot.conf
if contents findroot-dracut | grep -q initramfs-tools || contents findroot-initramfs | grep -q dracut ||
    contents findroot | grep -Eq 'dracut|initramfs-tools|initcpio'; then
    echo "a package carries another one's files" >&2
    rc=1
fi
# findroot.path points the hooks' binary lookup at the packaged binary
[ "$(dpkg-deb --fsys-tarfile "$OUT/debs/"findroot_*.deb |
    tar -xOf - ./usr/lib/findroot/findroot.path)" = /usr/sbin/findroot ] ||
    { echo "findroot.path does not name /usr/sbin/findroot" >&2; rc=1; }
# triggers, and no direct update-initramfs call in any maintainer script
for p in findroot-initramfs findroot-dracut; do
    if ! dpkg-deb --ctrl-tarfile "$OUT/debs/$p"_*.deb | tar -xOf - ./triggers |
        grep -qx 'activate-noawait update-initramfs'; then
        echo "$p: no 'activate-noawait update-initramfs' trigger" >&2
        rc=1
    fi
done
for d in "$OUT/debs/"*.deb; do
    for s in preinst postinst prerm postrm; do
        if dpkg-deb --ctrl-tarfile "$d" | tar -xOf - "./$s" 2> /dev/null | grep -q update-initramfs; then
            echo "$(basename "$d"): $s calls update-initramfs" >&2
            rc=1
        fi
    done
done
# hardening: what dpkg-buildflags gives must be in the binary (bookworm's
# dpkg adds no -fcf-protection)
if command -v hardening-check > /dev/null 2>&1; then
    hardening-check --nocfprotection "$src/debian/findroot/usr/sbin/findroot" >&2 || rc=1
fi
if [ "$rc" = 0 ]; then
    pkg_verdict deb-contents PASS "split, modes, findroot.path, triggers, hardening"
else
    pkg_verdict deb-contents FAIL "see above"
fi
find "$OUT/debs" -name '*.deb' -printf '  %s %f\n' | sort -k2
exit "$rc"
