#!/bin/sh
# Set up the static arm64 boot test (ctest fixture e2e-arm64/static-prepare,
# after e2e-arm64/prepare): the arm64 musl libraries built from Debian's
# source packages (tools/build-static-deps.sh --arch arm64, which installs
# musl-dev:arm64 and the cross binutils as root; cached in
# $FINDROOT_CACHE/static-arm64), then the static findroot cross-built into
# BUILD_DIR-static with cmake/Static.cmake. Nothing needs to be there before.
#
# usage: prepare-static-arm64.sh BUILD_DIR [STATIC_FINDROOT]
#   STATIC_FINDROOT  a static arm64 binary made elsewhere: checked, not built
# Prints the stripped static findroot's path on its last line.
set -u
A64_DIR=$(CDPATH='' cd -- "$(dirname -- "$0")" && pwd)
REPO=$(CDPATH='' cd -- "$A64_DIR/../.." && pwd)

[ $# = 1 ] || [ $# = 2 ] || { echo "usage: $0 BUILD_DIR [STATIC_FINDROOT]" >&2; exit 2; }
build=$1
given=${2:-}

if [ -n "$given" ]; then
    [ -x "$given" ] || { echo "e2e-arm64: $given is not executable" >&2; exit 1; }
    bin=$given
else
    t0=$(date +%s)
    # The deps first, on their own, so that their time is reported apart.
    no_install=""
    [ "$(id -u)" = 0 ] || no_install=1
    prefix=$(FINDROOT_NO_INSTALL=$no_install sh "$REPO/tools/build-static-deps.sh" --arch arm64) ||
        { echo "e2e-arm64: the arm64 static libraries could not be built" >&2; exit 1; }
    t1=$(date +%s)
    echo "e2e-arm64: arm64 static libraries in $prefix ($((t1 - t0)) s)"
    # e2e-arm64/prepare installed the cross packages and built the dynamic
    # binary into BUILD_DIR; cross-arm64.sh rebuilds nothing there.
    unstripped=$(FINDROOT_STATIC_ARM64_PREFIX=$prefix sh "$REPO/tools/cross-arm64.sh" \
        --no-deps --static -B "$build") || exit 1
    bin=$unstripped.stripped
    echo "e2e-arm64: static findroot built in $(($(date +%s) - t1)) s"
fi
[ -x "$bin" ] || { echo "e2e-arm64: no static findroot at $bin" >&2; exit 1; }
info=$(file -b "$bin")
echo "e2e-arm64: $info"
case $info in
    *aarch64*"statically linked"*) ;;
    *) echo "e2e-arm64: $bin is not a static aarch64 binary" >&2; exit 1 ;;
esac
echo "e2e-arm64: static findroot $bin ($(wc -c <"$bin") bytes)"
echo "$bin"
