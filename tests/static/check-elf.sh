#!/bin/sh
# Checks that a findroot binary is fully static, carries libblkid, libkmod,
# zstd and xz decompression, runs, and fits the size budget once stripped.
# usage: check-elf.sh FINDROOT FINDROOT_STRIPPED [MAX_BYTES [MACHINE]]
#   MACHINE  the ELF machine readelf must report (e.g. AArch64 for the arm64
#            cross build). A binary for another machine than the host's is read
#            with that target's nm and run through qemu-user when installed
#            (qemu-aarch64[-static]); without it the run check is skipped.
set -u
bin=$1
case $bin in */*) ;; *) bin=./$bin ;; esac
stripped=$2
case $stripped in */*) ;; *) stripped=./$stripped ;; esac
max=${3:-614400}
machine=${4:-}
fails=0
passes=0

ok() { passes=$((passes + 1)); printf 'ok   %s\n' "$*"; }
bad() { fails=$((fails + 1)); printf 'FAIL %s\n' "$*"; }

for f in "$bin" "$stripped"; do
	[ -x "$f" ] || { echo "not executable: $f" >&2; exit 2; }
done

elf_machine=$(readelf -hW "$stripped" | sed -n 's/^ *Machine: *//p')
if [ -n "$machine" ]; then
	case $elf_machine in
	*"$machine"*) ok "ELF machine $elf_machine" ;;
	*) bad "ELF machine is '$elf_machine', not $machine" ;;
	esac
fi
# A cross binary: the target's nm, and qemu-user to run it.
nm="nm"
run=""
case $elf_machine in
*AArch64*)
	if [ "$(uname -m)" != aarch64 ]; then
		command -v aarch64-linux-gnu-nm >/dev/null 2>&1 && nm=aarch64-linux-gnu-nm
		run=none
		for q in qemu-aarch64-static qemu-aarch64; do
			if command -v "$q" >/dev/null 2>&1; then
				run=$q
				break
			fi
		done
	fi
	;;
esac

if readelf -lW "$stripped" | grep -q 'INTERP'; then
	bad "has a PT_INTERP (needs a dynamic loader)"
else
	ok "no PT_INTERP"
fi
if readelf -dW "$stripped" | grep -q '(NEEDED)'; then
	bad "has DT_NEEDED entries: $(readelf -dW "$stripped" | grep '(NEEDED)' | tr -s ' ' | tr '\n' ';')"
else
	ok "no DT_NEEDED"
fi
case $(file -b "$stripped") in
*"statically linked"*) ok "file(1): statically linked" ;;
*) bad "file(1) says: $(file -b "$stripped")" ;;
esac

# The libraries must really be inside, not stubbed out by section GC.
syms=$("$nm" "$bin" 2>/dev/null)
for s in blkid_do_safeprobe kmod_new kmod_module_probe_insert_module \
	ZSTD_decompressStream lzma_stream_decoder; do
	if printf '%s\n' "$syms" | grep -q " [Tt] $s\$"; then
		ok "links $s"
	else
		bad "symbol $s missing"
	fi
done

if [ "$run" = none ]; then
	printf 'skip runs: no qemu-user for %s on this host (the boot tests run it)\n' "$elf_machine"
elif out=$($run "$stripped" --version 2>&1); then
	ok "runs${run:+ (through $run)}: $out"
else
	bad "--version failed: $out"
fi

size=$(wc -c <"$stripped")
if [ "$size" -le "$max" ]; then
	ok "stripped size $size bytes ($((size / 1024)) KiB) <= $max"
else
	bad "stripped size $size bytes ($((size / 1024)) KiB) > budget $max"
fi

echo "$passes passed, $fails failed"
[ "$fails" = 0 ]
