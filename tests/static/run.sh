#!/bin/sh
# Builds the static findroot from a clean tree and runs the test suite against
# it: the static deps (cached), a FINDROOT_STATIC=ON build in BUILD_DIR, the
# sizes, then ctest. With no ctest arguments: unit, fixture and static tests,
# including the busybox-only boot test; pass e.g. `-L e2e` or `-E nothing` for
# more.
# usage: tests/static/run.sh [-B BUILD_DIR] [-d DYNAMIC_FINDROOT] [CTEST-ARGS...]
#   FINDROOT_JOBS    parallel jobs (default 2)
set -eu
repo=$(CDPATH='' cd -- "$(dirname -- "$0")/../.." && pwd)
build=$repo/build-static
dynamic=""
jobs=${FINDROOT_JOBS:-2}
while getopts B:d: opt; do
	case $opt in
	B) build=$OPTARG ;;
	d) dynamic=$OPTARG ;;
	*) exit 2 ;;
	esac
done
shift $((OPTIND - 1))

t0=$(date +%s)
prefix=$(sh "$repo/tools/build-static-deps.sh" | tail -n 1)
t1=$(date +%s)
echo "static: dependencies ready in $((t1 - t0)) s: $prefix"
cmake -S "$repo" -B "$build" -DFINDROOT_STATIC=ON -DFINDROOT_STATIC_PREFIX="$prefix"
cmake --build "$build" -j"$jobs"
echo "static: build done in $(($(date +%s) - t1)) s"
# shellcheck disable=SC2086 # an empty $dynamic must vanish
sh "$repo/tests/static/sizes.sh" -p "$prefix" "$build/findroot.stripped" $dynamic
if [ $# = 0 ]; then
	set -- -L 'unit|fixture|static'
fi
ctest --test-dir "$build" --output-on-failure -j"$jobs" "$@"
