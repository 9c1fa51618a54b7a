#!/bin/sh
# Prints the sizes the static-build issue asks for: the stripped static
# findroot and, when given, the stripped dynamic one plus its shared libraries
# (what a dynamic findroot really adds to an initramfs); with -p, the Debian
# source versions the static libraries were built from (the prefix's SOURCES,
# written by tools/build-static-deps.sh).
# usage: sizes.sh [-p STATIC_PREFIX] STATIC_FINDROOT [DYNAMIC_FINDROOT]
set -eu
prefix=""
if [ "${1:-}" = -p ]; then
	prefix=$2
	shift 2
fi
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
if [ -n "$prefix" ]; then
	if [ -f "$prefix/SOURCES" ]; then
		echo "static libraries built from Debian sources: $(tr '\n' ',' <"$prefix/SOURCES" | sed 's/,$//; s/,/, /g')"
	else
		echo "static libraries: no SOURCES record in $prefix (rerun tools/build-static-deps.sh)" >&2
		exit 1
	fi
fi
