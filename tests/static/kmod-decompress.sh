#!/bin/sh
# Builds a tiny module-shaped ELF object with a .modinfo section, compresses
# it as Debian's kernels do (xz --check=crc32) and with zstd, and checks that
# the static libkmod (through kmod-modinfo) reads all three forms.
# usage: kmod-decompress.sh KMOD_MODINFO_BINARY
set -eu
prog=$1
case $prog in */*) ;; *) prog=./$prog ;; esac
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

printf '%s\n' \
	'__attribute__((section(".modinfo"), used, aligned(1)))' \
	'static const char modinfo[] = "license=GPL\0description=findroot static test\0";' \
	'int findroot_test_fn(void) { return 0; }' >"$tmp/m.c"
cc -c -o "$tmp/m.ko" "$tmp/m.c"
xz --check=crc32 --lzma2=dict=1MiB -k "$tmp/m.ko"
zstd -q -k -o "$tmp/m.ko.zst" "$tmp/m.ko"

fails=0
passes=0
for f in m.ko m.ko.xz m.ko.zst; do
	if out=$("$prog" "$tmp/$f" 2>&1) &&
		printf '%s\n' "$out" | grep -q 'description=findroot static test'; then
		passes=$((passes + 1))
		echo "ok   $f"
	else
		fails=$((fails + 1))
		echo "FAIL $f: $out"
	fi
done
echo "$passes passed, $fails failed"
[ "$fails" = 0 ]
