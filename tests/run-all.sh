#!/bin/sh
# shellcheck disable=SC2317 # stage() runs the st_* functions through "$@"
# The whole test suite, from a fresh Debian machine (run as root: it installs
# Debian packages with apt-get and fetches kernels with apt-get download into
# $FINDROOT_CACHE, default ~/.cache/findroot; nothing goes to /boot or
# /lib/modules).
#
#   1. build with -Werror; unit, fixture and lint tests
#   2. ASan+UBSan build; unit and fixture tests
#   3. valgrind: unit tests and the fixture tests' findroot runs
#   3b. fuzz: clang libFuzzer targets (tests/fuzz), a short run each
#   4. x86_64 boot tests (real Debian kernels under QEMU with virtio-iommu)
#   5. the static build: deps from Debian sources, its tests, busybox-only boot
#   6. dracut / initramfs-tools / mkinitcpio integration boots
#   7. arm64: cross-build and boot tests
#   8. packages: .deb/.rpm/Arch builds; .debs installed, image rebuilt, booted
#
# usage: tests/run-all.sh [STAGE...]   (default: all; stages: build asan
#        valgrind fuzz e2e static integrations arm64 packages)
# A skipped test fails the run: nothing here is optional on a CI machine.
set -eu
repo=$(CDPATH='' cd -- "$(dirname -- "$0")/.." && pwd)
jobs=${FINDROOT_JOBS:-2}
out=${FINDROOT_BUILD:-$repo/build}
logdir=$out/logs
summary=""
failed=0
start=$(date +%s)

say() { printf '\n=== %s\n' "$*"; }

# shellcheck source=tests/e2e/lib.sh
. "$repo/tests/e2e/lib.sh"

# Every package the chosen stages need, installed before any stage starts, so
# that parallel tests find them in place (ensure_packages also waits for the
# dpkg lock and retries once, for the callers that still install on their own).
install_packages() {
	set -- build-essential cmake pkg-config libblkid-dev libkmod-dev \
		e2fsprogs fdisk gdisk dosfstools util-linux kmod busybox-static cpio \
		xz-utils zstd bzip2 shellcheck valgrind python3 socat qemu-system-x86 ovmf
	case " $stages " in *" integrations "*) set -- "$@" dracut debootstrap ;; esac
	case " $stages " in
	*" packages "*) set -- "$@" dpkg-dev debhelper lintian rpm makepkg fakeroot libarchive-tools debootstrap ;;
	esac
	case " $stages " in *" fuzz "*) set -- "$@" clang libclang-rt-14-dev ;; esac
	ensure_packages "$@" || return 1
	case " $stages " in
	*" arm64 "*) sh "$repo/tools/cross-arm64.sh" --deps || return 1 ;;
	esac
}

# run_ctest NAME ctest-args...: fails on a failed or skipped test
run_ctest() {
	ct_name=$1
	shift
	log=$logdir/$ct_name.log
	rcf=$logdir/$ct_name.rc
	{ ctest --output-on-failure -j"$jobs" "$@"; echo $? > "$rcf"; } 2>&1 | tee "$log"
	rc=$(cat "$rcf")
	if grep -Eq '\*\*\*Skipped|Not Run|No tests were found' "$log"; then
		echo "run-all: $ct_name: skipped or missing tests count as failures" >&2
		rc=1
	fi
	return "$rc"
}

stage() {
	st_name=$1
	shift
	say "$st_name"
	t0=$(date +%s)
	if "$@"; then
		verdict=ok
	else
		verdict=FAILED
		failed=1
	fi
	summary="$summary$(printf '%-14s %-7s %5d s' "$st_name" "$verdict" $(($(date +%s) - t0)))
"
}

st_build() {
	cmake -S "$repo" -B "$out" -DFINDROOT_WERROR=ON &&
		cmake --build "$out" -j"$jobs" &&
		run_ctest build --test-dir "$out" -L 'unit|fixture|lint'
}

st_asan() {
	cmake -S "$repo" -B "$out-asan" -DFINDROOT_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug &&
		cmake --build "$out-asan" -j"$jobs" &&
		ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
			run_ctest asan --test-dir "$out-asan" -L 'unit|fixture'
}

st_valgrind() {
	# fixture scripts run findroot through $FINDROOT_WRAP
	FINDROOT_WRAP="valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite" \
		run_ctest valgrind-fixture --test-dir "$out" -L fixture || return 1
	ok=0
	for t in "$out"/tests/test_*; do
		[ -x "$t" ] || continue
		valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite \
			"$t" > "$logdir/valgrind-$(basename "$t").log" 2>&1 ||
			{ echo "valgrind: $(basename "$t") failed, see $logdir" >&2; ok=1; }
	done
	return "$ok"
}

# libFuzzer targets built with clang (ASan+UBSan), ~12 s each (tests/fuzz;
# tests/fuzz/run-long.sh runs them long).
st_fuzz() {
	CC=clang cmake -S "$repo" -B "$out-fuzz" -DFINDROOT_FUZZ=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo &&
		cmake --build "$out-fuzz" -j"$jobs" &&
		run_ctest fuzz --test-dir "$out-fuzz" -L fuzz
}

st_e2e() { run_ctest e2e --test-dir "$out" -R '^e2e/'; }

st_static() { sh "$repo/tests/static/run.sh" -B "$out-static" -d "$out/findroot"; }

st_integrations() {
	rm -f "$logdir/integrations-bench.txt"
	FINDROOT_BENCH_FILE=$logdir/integrations-bench.txt \
		run_ctest integrations --test-dir "$out" -R '^integrations/' || return 1
	# stock and findroot boot times of each generator's image
	sh "$repo/tests/integrations/bench-table.sh" "$logdir/integrations-bench.txt"
}

# Debian packages installed in chroots (trigger, boot, purge, boot), Arch, RPM, Alpine
st_packages() { run_ctest packages --test-dir "$out" -L packages; }

st_arm64() { CTEST_PARALLEL_LEVEL=$jobs sh "$repo/tests/e2e-arm64/ci.sh" "$out"; }

[ $# -gt 0 ] || set -- build asan valgrind fuzz e2e static integrations arm64 packages
stages=" $* "
say "packages"
if ! install_packages; then
	echo "run-all: could not install the packages the tests need (see the lines above)" >&2
	exit 1
fi
mkdir -p "$logdir"
# The boot matrix of this run (tests/lib/matrix.sh; tests/matrix-table.sh).
FINDROOT_MATRIX_FILE=$logdir/matrix.txt
rm -f "$FINDROOT_MATRIX_FILE"
export FINDROOT_MATRIX_FILE
# The static dependencies build from Debian sources (minutes, cached): start
# it now, beside the CPU-bound boots; the static stage then finds it done.
case " $* " in
*" static "*)
	sh "$repo/tools/build-static-deps.sh" > "$logdir/static-deps.log" 2>&1 &
	echo "static dependencies: building in the background ($logdir/static-deps.log)"
	;;
esac
case " $* " in
*" arm64 "*)
	sh "$repo/tools/build-static-deps.sh" --arch arm64 > "$logdir/static-deps-arm64.log" 2>&1 &
	echo "arm64 static dependencies: building in the background ($logdir/static-deps-arm64.log)"
	;;
esac
# The kernels and the debootstrap chroots of the boot stages download while
# the CPU-bound stages run (tests/integrations/prefetch.sh; the tests take
# the same locks and redo what it could not).
case " $* " in
*" integrations "* | *" packages "*)
	nice -n 5 sh "$repo/tests/integrations/prefetch.sh" > "$logdir/prefetch.log" 2>&1 &
	echo "kernels and chroots: fetching in the background ($logdir/prefetch.log)"
	;;
esac
# the build stage configures $out, which the later stages need
case " $* " in *" build "*) ;; *) [ -f "$out/CMakeCache.txt" ] || set -- build "$@" ;; esac
for s in "$@"; do
	case $s in
	build) stage build st_build ;;
	asan) stage asan st_asan ;;
	valgrind) stage valgrind st_valgrind ;;
	fuzz) stage fuzz st_fuzz ;;
	e2e) stage e2e st_e2e ;;
	static) stage static st_static ;;
	integrations) stage integrations st_integrations ;;
	arm64) stage arm64 st_arm64 ;;
	packages) stage packages st_packages ;;
	*) echo "run-all: unknown stage '$s'" >&2; exit 2 ;;
	esac
done
if [ -s "$FINDROOT_MATRIX_FILE" ]; then
	sh "$repo/tests/matrix-table.sh" "$FINDROOT_MATRIX_FILE" > "$logdir/MATRIX.md"
	# A run with every boot stage regenerates docs/MATRIX.md.
	# (each its own test: adjacent names share the blank between them)
	case "$stages" in *" e2e "*) case "$stages" in *" integrations "*) case "$stages" in *" arm64 "*)
		cp "$logdir/MATRIX.md" "$repo/docs/MATRIX.md" ;; esac ;; esac ;; esac
	say "boot matrix ($logdir/MATRIX.md)"
	cat "$logdir/MATRIX.md"
fi
say "summary ($(($(date +%s) - start)) s in all)"
printf '%s' "$summary"
exit $failed
