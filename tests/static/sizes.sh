#!/bin/sh
# Prints the sizes the static-build issue asks for: the stripped static
# findroot and, when given, the stripped dynamic one plus its shared libraries
# (what a dynamic findroot really adds to an initramfs).
# usage: sizes.sh STATIC_FINDROOT [DYNAMIC_FINDROOT]
set -eu
static=$1
dynamic=${2:-}

stripped_size() {
	tmp=$(mktemp)
	strip --strip-all -o "$tmp" "$1"
	wc -c <"$tmp"
	rm -f "$tmp"
}

kib() { echo "$(($1 / 1024)).$(($1 % 1024 * 10 / 1024))"; }

s=$(stripped_size "$static")
echo "size: static findroot stripped $s bytes ($(kib "$s") KiB), no shared libraries"
if [ -n "$dynamic" ]; then
	d=$(stripped_size "$dynamic")
	libs=0
	names=""
	for lib in $(ldd "$dynamic" | awk '{for (i = 1; i <= NF; i++) if ($i ~ /^\//) print $i}'); do
		libs=$((libs + $(wc -c <"$lib")))
		names="$names $(basename "$lib")"
	done
	echo "size: dynamic findroot stripped $d bytes ($(kib "$d") KiB), plus shared libraries $libs bytes ($(kib "$libs") KiB):$names"
fi
