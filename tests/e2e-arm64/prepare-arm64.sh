#!/bin/sh
# Set up the arm64 boot tests once (ctest fixture e2e-arm64/prepare): host
# packages (as root), the arm64 findroot cross-built into BUILD_DIR, Debian's
# arm64 6.12 kernel and busybox-static:arm64 in the cache.
#
# usage: prepare-arm64.sh BUILD_DIR [FINDROOT]
#   FINDROOT  an arm64 binary made elsewhere: checked, not built
# Prints the findroot path on its last line.
set -u
# shellcheck source=tests/e2e/lib.sh
. "$(dirname -- "$0")/../e2e/lib.sh"
e2e_arch arm64 || exit 2

[ $# = 1 ] || [ $# = 2 ] || { echo "usage: $0 BUILD_DIR [FINDROOT]" >&2; exit 2; }
build=$1
given=${2:-}

if [ "$(id -u)" = 0 ]; then
    sh "$E2E_REPO/tools/cross-arm64.sh" --deps || exit 1
fi
if [ -n "$given" ]; then
    [ -x "$given" ] || { echo "e2e-arm64: $given is not executable" >&2; exit 1; }
    case $(_arm64_readelf -h "$given" 2>/dev/null) in
        *AArch64*) ;;
        *) echo "e2e-arm64: $given is not an AArch64 binary" >&2; exit 1 ;;
    esac
    bin=$given
else
    bin=$(sh "$E2E_REPO/tools/cross-arm64.sh" --no-deps -B "$build") || exit 1
fi
for flavour in 6.12-arm64 6.12-trixie-arm64; do
    k=$(get_kernel "$flavour") || exit 1
    echo "e2e-arm64: kernel $flavour: $(kernel_describe "$k") in $k"
done
bb=$(get_busybox_arm64) || exit 1
echo "e2e-arm64: busybox $bb"
echo "e2e-arm64: findroot $bin"
