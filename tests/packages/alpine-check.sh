#!/bin/sh
# The Alpine mkinitfs feature files (no Alpine tooling here: mkinitfs, apk
# and abuild are not in Debian): their syntax is mkinitfs's (one glob per
# line, blank lines and '#' comments dropped, .modules relative to
# /lib/modules/<kernel>/, .files absolute), and expanding them the way
# mkinitfs's feature_files() does, against the Debian 6.12 module tree and a
# `cmake --install` tree with prefix /usr, yields virtio-iommu.ko* and
# /usr/sbin/findroot, with no line that matches nothing; and the modules are
# the base list of the hooks' library (findroot_modules in hooks/lib/hook-lib.sh).
# Usage: alpine-check.sh BUILD_DIR
set -u
BUILD=$1
# shellcheck source=tests/packages/lib.sh
. "$(dirname -- "$0")/lib.sh"
# shellcheck source=tests/e2e/lib.sh
. "$PKG_REPO/tests/e2e/lib.sh"

A=${FINDROOT_ALPINE_DIR:-$PKG_REPO/packaging/alpine}
mkdir -p "$BUILD" || exit 1
KDIR=$(get_kernel 6.12) || exit 1
REL=$(kernel_release "$KDIR")
rc=0
bad() {
    echo "alpine: $*" >&2
    rc=1
}

# the lines mkinitfs reads: sed -e '/^$/d' -e '/^#/d'
lines() {
    sed -e '/^$/d' -e '/^#/d' "$1"
}
# expand BASE LINE: mkinitfs's expansion of one line (leading slashes
# replaced by BASE, glob, directories walked)
expand() {
    _g=$(printf '%s' "$2" | sed -e "s|^/*|$1|")
    for _f in $_g; do
        if [ -d "$_f" ]; then
            find "$_f" -type f
        elif [ -e "$_f" ]; then
            echo "$_f"
        fi
    done
}
check_syntax() {
    lines "$1" | while IFS= read -r l; do
        case $l in
            *[[:space:]]*) echo "$1: '$l': mkinitfs splits lines on blanks" ;;
        esac
    done
}
for f in findroot.modules findroot.files; do
    [ -f "$A/$f" ] || { bad "no packaging/alpine/$f"; continue; }
    s=$(check_syntax "$A/$f")
    [ -z "$s" ] || bad "$s"
done
lines "$A/findroot.modules" | grep '^/' | while read -r l; do echo "alpine: .modules line '$l' is absolute"; done | grep . >&2 && rc=1
lines "$A/findroot.files" | grep -v '^/' | while read -r l; do echo "alpine: .files line '$l' is not absolute"; done | grep . >&2 && rc=1
lines "$A/findroot.modules" | grep -qx 'kernel/drivers/iommu/\*' || bad "findroot.modules lacks kernel/drivers/iommu/*"

kd=$KDIR/lib/modules/$REL/
# built_in GLOB: a module this kernel has built in (virtio_pci on Debian's)
built_in() {
    while read -r _b; do
        # shellcheck disable=SC2254 # a glob of findroot.modules
        case $_b in $1) return 0 ;; esac
    done < "$kd/modules.builtin"
    return 1
}
: > "$BUILD/alpine-modules.list"
for l in $(lines "$A/findroot.modules"); do
    out=$(expand "$kd" "$l")
    [ -n "$out" ] || built_in "$l" ||
        bad "findroot.modules: '$l' matches nothing in the $REL module tree"
    printf '%s\n' "$out" >> "$BUILD/alpine-modules.list"
done
grep -Eq '/kernel/drivers/iommu/virtio[-_]iommu\.ko' "$BUILD/alpine-modules.list" ||
    bad "findroot.modules does not bring virtio_iommu for $REL"
# every module of the base list that this kernel builds as a module
for m in $(sh -c '. "$1" && findroot_modules alpine' sh "$PKG_REPO/hooks/lib/hook-lib.sh"); do
    re=$(echo "$m" | sed 's/[-_]/[-_]/g')
    find "$kd" -name "$m.ko*" -o -name "$(echo "$m" | tr _ -).ko*" | grep -q . || continue
    grep -Eq "/$re\.ko" "$BUILD/alpine-modules.list" ||
        bad "findroot.modules lacks $m (findroot_modules in hooks/lib/hook-lib.sh)"
done

dest=$BUILD/alpine-destdir
rm -rf "$dest"
if ! cmake -S "$PKG_REPO" -B "$BUILD/alpine-cmake" -DCMAKE_INSTALL_PREFIX=/usr -DBUILD_TESTING=OFF > "$BUILD/alpine-cmake.log" 2>&1 ||
    ! cmake --build "$BUILD/alpine-cmake" --target findroot >> "$BUILD/alpine-cmake.log" 2>&1 ||
    ! DESTDIR=$dest cmake --install "$BUILD/alpine-cmake" >> "$BUILD/alpine-cmake.log" 2>&1; then
    tail -n 20 "$BUILD/alpine-cmake.log" >&2
    bad "cmake --install failed"
fi
for l in $(lines "$A/findroot.files"); do
    out=$(expand "$dest/" "$l")
    [ -n "$out" ] || bad "findroot.files: '$l' is not installed by cmake --install (prefix /usr)"
done
if [ "$rc" = 0 ]; then
    pkg_verdict alpine PASS "mkinitfs format; $(wc -l < "$BUILD/alpine-modules.list") modules for $REL incl. virtio_iommu; findroot.files installed (no Alpine tooling here: not built or booted)"
else
    pkg_verdict alpine FAIL "see above"
fi
exit "$rc"
