#!/bin/sh
# run-long.sh [-B BUILDDIR] [-j JOBS] [-n RUNS] [-t SECONDS] [TARGET...]
# Runs each libFuzzer target long: until RUNS executions (default 10 M) or
# SECONDS (default 3600) have passed, whichever comes first, JOBS at a time
# (default 1), niced. Builds BUILDDIR (default build-fuzz) with clang first.
# Prints a table per target: executions, seconds, exec/s, cov and ft (from
# libFuzzer's final stats), and the verdict; the logs and the grown corpora
# stay in BUILDDIR/tests/fuzz/long/. Exit status 1 when a target failed.
set -u
repo=$(CDPATH='' cd -- "$(dirname -- "$0")/../.." && pwd)
build=$repo/build-fuzz jobs=1 runs=10000000 secs=3600
while getopts B:j:n:t: o; do
	case $o in
	B) build=$OPTARG ;;
	j) jobs=$OPTARG ;;
	n) runs=$OPTARG ;;
	t) secs=$OPTARG ;;
	*) exit 2 ;;
	esac
done
shift $((OPTIND - 1))
if ! CC=clang cmake -S "$repo" -B "$build" -DFINDROOT_FUZZ=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null ||
	! cmake --build "$build" -j"$jobs" >/dev/null; then
	echo "run-long: build failed" >&2
	exit 1
fi
work=$build/tests/fuzz/long
mkdir -p "$work"
if [ $# -eq 0 ]; then
	for f in "$repo"/tests/fuzz/fuzz_*.c; do set -- "$@" "$(basename "$f" .c)"; done
fi

one() {
	t0=$(date +%s)
	nice -n 15 sh "$repo/tests/fuzz/run-one.sh" "$build/tests/fuzz/$1" "$repo/tests/fuzz/corpus/$1" \
		"$work" -runs="$runs" -max_total_time="$secs" >/dev/null 2>&1
	echo "$? $(($(date +%s) - t0))" >"$work/$1.result"
}

running=0
for t in "$@"; do
	rm -f "$work/$t.result"
	one "$t" &
	running=$((running + 1))
	# POSIX sh has no "wait for one": run in batches of JOBS
	if [ "$running" -ge "$jobs" ]; then
		wait
		running=0
	fi
done
wait

failed=0
printf '| target | executions | seconds | exec/s | cov | ft | verdict |\n|---|---:|---:|---:|---:|---:|---|\n'
for t in "$@"; do
	log=$work/$t/fuzz.log
	read -r rc took <"$work/$t.result"
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
	last=$(grep -E '^#[0-9]+' "$log" | tail -n 1)
	cov=$(echo "$last" | sed -n 's/.* cov: \([0-9]*\).*/\1/p')
	ft=$(echo "$last" | sed -n 's/.* ft: \([0-9]*\).*/\1/p')
	verdict=ok
	if [ "$rc" != 0 ]; then
		verdict="FAILED (exit $rc, $log)"
		failed=1
	fi
	printf '| %s | %s | %s | %s | %s | %s | %s |\n' "$t" "${execs:-?}" "$took" \
		"$(( ${execs:-0} / (took > 0 ? took : 1) ))" "${cov:-?}" "${ft:-?}" "$verdict"
done
exit $failed
