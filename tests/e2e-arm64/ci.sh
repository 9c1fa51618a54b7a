#!/bin/sh
# CI entry point for arm64, from a clean clone on a Debian/Ubuntu x86_64 host:
# installs the packages (as root), configures the host tree (it registers the
# tests), cross-builds findroot for arm64 and boots every arm64 scenario.
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
# kernel; every scenario prints an "E2E <scenario> PASS|FAIL ..." line.
ctest --test-dir "$build" -L arm64 --output-on-failure -j "${CTEST_PARALLEL_LEVEL:-2}"
