#!/bin/sh
# The RPM packages: rpmbuild -bb builds findroot and findroot-dracut from a
# tarball of the tree (--nodeps: Debian's rpm has no package database), and
# rpm -qlp shows the files where Fedora's and openSUSE's dracut looks; the
# dracut package rebuilds images in %posttrans and on erase.
# Usage: rpm-check.sh OUT
# FINDROOT_PKG_CHECK=1 also runs %check (unit and fixture tests).
set -u
OUT=$1
# shellcheck source=tests/packages/lib.sh
. "$(dirname -- "$0")/lib.sh"
# shellcheck source=tests/e2e/lib.sh
. "$PKG_REPO/tests/e2e/lib.sh"

ensure_packages rpm cmake pkgconf libblkid-dev libkmod-dev cpio || exit 1
spec=$PKG_REPO/packaging/rpm/findroot.spec
ver=$(sed -n 's/^Version: *//p' "$spec")
rm -rf "$OUT" && mkdir -p "$OUT/rpmbuild/SOURCES" || exit 1
pkg_copy_tree "$OUT/findroot-$ver" || exit 1
tar -C "$OUT" -czf "$OUT/rpmbuild/SOURCES/findroot-$ver.tar.gz" "findroot-$ver" || exit 1
rm -rf "${OUT:?}/findroot-$ver"
check=--nocheck
[ "${FINDROOT_PKG_CHECK:-0}" = 1 ] && check=
t0=$(date +%s)
# shellcheck disable=SC2086 # $check is one option or none
if ! nice -n 10 rpmbuild -bb --nodeps $check --define "_topdir $OUT/rpmbuild" "$spec" \
    > "$OUT/rpmbuild.log" 2>&1; then
    tail -n 30 "$OUT/rpmbuild.log" >&2
    pkg_verdict rpm-build FAIL "rpmbuild failed, see $OUT/rpmbuild.log"
    exit 1
fi
main=$(find "$OUT/rpmbuild/RPMS" -name "findroot-$ver-*.rpm" | head -n 1)
dracut=$(find "$OUT/rpmbuild/RPMS" -name "findroot-dracut-$ver-*.rpm" | head -n 1)
if [ -z "$main" ] || [ -z "$dracut" ]; then pkg_verdict rpm-build FAIL "missing .rpm in $OUT/rpmbuild/RPMS"; exit 1; fi
pkg_verdict rpm-build PASS "$(($(date +%s) - t0)) s: $(basename "$main") $(stat -c %s "$main") bytes, $(basename "$dracut") $(stat -c %s "$dracut") bytes"

rc=0
rpm -qlp "$main" > "$OUT/main.files" 2> /dev/null
rpm -qlp "$dracut" > "$OUT/dracut.files" 2> /dev/null
expect() {
    grep -qx -- "$2" "$OUT/$1.files" && return 0
    echo "rpm: $1 lacks $2" >&2
    rc=1
}
expect main /usr/sbin/findroot
expect main /usr/lib/findroot/hook-lib.sh
expect main /usr/lib/findroot/findroot.path
grep -Eq '^/usr/share/man/man8/findroot\.8(\.gz|\.xz|\.bz2)?$' "$OUT/main.files" || { echo "rpm: no man page" >&2; rc=1; }
for f in module-setup.sh findroot-dracut.sh findroot-settled.sh findroot-stop.sh \
    findroot-diagnose.sh findroot.service; do
    expect dracut "/usr/lib/dracut/modules.d/90findroot/$f"
done
expect dracut /usr/lib/dracut/dracut.conf.d/90-findroot.conf
if grep -Eq 'initramfs-tools|initcpio' "$OUT/main.files" "$OUT/dracut.files" ||
    grep -q dracut "$OUT/main.files"; then
    echo "rpm: files of other generators, or dracut files in the main package" >&2
    rc=1
fi
rpm -qp --scripts "$dracut" > "$OUT/dracut.scripts" 2> /dev/null
for s in 'posttrans scriptlet' 'postuninstall scriptlet'; do
    grep -q "$s" "$OUT/dracut.scripts" || { echo "rpm: findroot-dracut has no $s" >&2; rc=1; }
done
grep -q 'dracut -f --regenerate-all' "$OUT/dracut.scripts" || { echo "rpm: scriptlets do not rebuild images" >&2; rc=1; }
rpm -qp --requires "$dracut" 2> /dev/null | grep -q '^dracut' || { echo "rpm: findroot-dracut does not require dracut" >&2; rc=1; }
# the hooks' binary lookup finds the packaged binary
rpm2cpio "$main" | (cd "$OUT" && cpio -idm --quiet ./usr/lib/findroot/findroot.path)
[ "$(cat "$OUT/usr/lib/findroot/findroot.path" 2> /dev/null)" = /usr/sbin/findroot ] ||
    { echo "rpm: findroot.path does not name /usr/sbin/findroot" >&2; rc=1; }
if [ "$rc" = 0 ]; then
    pkg_verdict rpm-files PASS "rpm -qlp: $(wc -l < "$OUT/main.files") + $(wc -l < "$OUT/dracut.files") paths as expected; %posttrans/%postun rebuild images"
else
    sed 's/^/  /' "$OUT/main.files" "$OUT/dracut.files" >&2
    pkg_verdict rpm-files FAIL "see above"
fi
exit "$rc"
