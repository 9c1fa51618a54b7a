#!/bin/sh
# CI entry point for arm64, from a clean clone on a Debian/Ubuntu x86_64 host:
# installs the packages (as root), configures the host tree (it registers the
# tests), cross-builds findroot for arm64 and boots every arm64 scenario; then
# the static arm64 findroot: its musl libraries built from Debian's source
# packages (cached in $FINDROOT_CACHE/static-arm64; 6 to 13 minutes the first
# time on 2 shared cores), the ELF checks and a boot from a busybox-only initramfs.
#
# usage: tests/e2e-arm64/ci.sh [BUILD_DIR]     (default: build)
#   CTEST_PARALLEL_LEVEL  concurrent boots (default 2)
set -eu
repo=$(CDPATH='' cd -- "$(dirname -- "$0")/../.." && pwd)
build=${1:-$repo/build}

if [ "$(id -u)" = 0 ]; then
    sh "$repo/tools/cross-arm64.sh" --deps
fi
cmake -S "$repo" -B "$build" >/dev/null
# The fixture e2e-arm64/prepare cross-builds into $build/arm64 and fetches the
# kernel, e2e-arm64/static-prepare builds the static binary into
# $build/arm64-static; every scenario prints an "E2E <scenario> PASS|FAIL ..." line.
# The static tests must be registered: a tree without them is no arm64 CI run.
for t in e2e-arm64/static-prepare e2e-arm64/static-elf e2e-arm64/static-acpi-blk-uuid-iommu; do
    ctest --test-dir "$build" -N -L arm64 | grep -q " $t\$" ||
        { echo "ci.sh: $t is not registered in $build" >&2; exit 1; }
done
ctest --test-dir "$build" -L arm64 --output-on-failure -j "${CTEST_PARALLEL_LEVEL:-2}"
