#!/bin/sh
# run-one.sh TARGET SEEDDIR WORKDIR [LIBFUZZER-OPTIONS...]
# One libFuzzer run of TARGET: the seed corpus in the tree is read, never
# written (new inputs go to WORKDIR/NAME/corpus), crashes are saved to
# WORKDIR/NAME/. Prints libFuzzer's final stats line ("#N DONE cov: ...").
# Exit status: libFuzzer's (0 when no invariant broke and nothing crashed).
set -u
target=$1 seeds=$2 work=$3
shift 3
name=$(basename "$target")
if [ ! -d "$seeds" ] || [ -z "$(ls -A "$seeds")" ]; then
	echo "run-one: no seeds in $seeds" >&2
	exit 1
fi
mkdir -p "$work/$name/corpus"
log=$work/$name/fuzz.log
# -timeout: one input running longer is a hang, reported as a failure.
"$target" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
	-artifact_prefix="$work/$name/" "$@" "$work/$name/corpus" "$seeds" >"$log" 2>&1
rc=$?
grep -E '^#[0-9]+[[:space:]]+DONE|^Done [0-9]+ runs|stat::number_of_executed_units|stat::peak_rss_mb' "$log"
if [ "$rc" != 0 ]; then
	tail -n 40 "$log"
	echo "run-one: $name failed (exit $rc), log $log" >&2
fi
exit "$rc"
