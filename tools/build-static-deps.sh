#!/bin/sh
# Build the libraries a static findroot links (libblkid, libkmod, liblzma,
# libzstd) from Debian's own source packages, against musl, into a prefix in
# the cache. Idempotent; prints the prefix on stdout, everything else on stderr.
#
# Usage: tools/build-static-deps.sh [--arch ARCH] [--print-prefix]
#   --arch ARCH     Debian architecture to build for: the host's (default), or
#                   arm64 on an amd64 host (cross-built with Debian's
#                   musl-dev:arm64 and gcc-aarch64-linux-gnu; the arm64
#                   architecture is added to dpkg when missing)
#   --print-prefix  print the prefix and exit
#   FINDROOT_CACHE  cache root (default $HOME/.cache/findroot). Sources (apt
#                   lists, source packages, unpacked trees) in .../static for
#                   every architecture; the host's build and prefix in
#                   .../static, a cross architecture's in .../static-ARCH
#   FINDROOT_JOBS   make -j (default 2)
#   FINDROOT_NO_INSTALL  set: fail on a missing host package, never apt-get
#   MUSL_CC         musl compiler driver (default musl-gcc; for arm64
#                   aarch64-linux-musl-gcc, which musl-dev:arm64 ships)
#
# Sources come through a private apt configuration under the cache (deb-src
# entries derived at run time from the system's own deb entries), so the
# system's apt sources are never changed. No third-party code lives in the repo.
set -eu

ROOT=${FINDROOT_CACHE:-${HOME:-/root}/.cache/findroot}
JOBS=${FINDROOT_JOBS:-2}
SRC_PKGS="util-linux kmod xz-utils libzstd"
# Size first: these libraries end up in a binary with a 600 KiB budget.
OPT_CFLAGS="-Os -fno-pie -ffunction-sections -fdata-sections -fno-asynchronous-unwind-tables -fno-unwind-tables"

say() { printf 'build-static-deps: %s\n' "$*" >&2; }
die() { say "error: $*"; exit 1; }

arch=""
print_prefix=0
while [ $# -gt 0 ]; do
	case $1 in
	--arch) [ $# -ge 2 ] || die "--arch needs a value"; arch=$2; shift 2 ;;
	--arch=*) arch=${1#--arch=}; shift ;;
	--print-prefix) print_prefix=1; shift ;;
	-h | --help) sed -n '2,/^set -eu/p' "$0" | sed '$d; s/^# \{0,1\}//' >&2; exit 0 ;;
	*) die "unknown argument $1" ;;
	esac
done
host_arch=$(dpkg --print-architecture 2>/dev/null || echo amd64)
case $arch in
'') arch=$host_arch ;;
x86_64) arch=amd64 ;;
aarch64) arch=arm64 ;;
esac

# Shared by all architectures: the Debian sources (fetched and unpacked once).
SHARED=$ROOT/static
APTDIR=$SHARED/apt
DLDIR=$SHARED/dl
SRCDIR=$SHARED/src
# Per architecture: build trees and the prefix.
if [ "$arch" = "$host_arch" ]; then
	CROSS=""
	CACHE=$SHARED
	MUSL_CC=${MUSL_CC:-musl-gcc}
	# kernel UAPI asm/ headers of the target, under /usr/include/<multiarch>
	gnu_multiarch=""
	# musl-tools: musl-gcc; linux-libc-dev: the kernel UAPI headers.
	ARCH_PKGS="musl-tools gcc linux-libc-dev"
else
	case $host_arch:$arch in
	amd64:arm64) gnu=aarch64-linux-gnu musl=aarch64-linux-musl ;;
	*) die "cannot build for $arch on a $host_arch host (cross builds: arm64 on amd64)" ;;
	esac
	CROSS=$gnu
	CACHE=$ROOT/static-$arch
	# musl-dev:arm64 ships /usr/bin/aarch64-linux-musl-gcc: the cross gcc
	# pointed at musl's arm64 headers and libraries through musl-gcc.specs.
	MUSL_CC=${MUSL_CC:-$musl-gcc}
	gnu_multiarch=$gnu
	# gcc, linux-libc-dev: configure's build compiler and /usr/include/linux.
	# linux-libc-dev:ARCH: the target's asm/ headers.
	ARCH_PKGS="musl-dev:$arch gcc-$gnu binutils-$gnu linux-libc-dev:$arch gcc linux-libc-dev"
fi
PREFIX=$CACHE/prefix
# Packages this script needs on the build host.
# autoconf/automake/libtool: kmod's Debian source is a git snapshot without
# configure; Debian runs autoreconf for it too.
HOST_PKGS="$ARCH_PKGS dpkg-dev make pkg-config xz-utils autoconf automake libtool"

script_dir=$(cd "$(dirname "$0")" && pwd)
# The stamp changes whenever this script changes, so edits rebuild the prefix.
STAMP=$(sha256sum "$script_dir/$(basename "$0")" | cut -c1-16)

if [ "$print_prefix" = 1 ]; then
	echo "$PREFIX"
	exit 0
fi

up_to_date() { [ -f "$PREFIX/.stamp" ] && [ "$(cat "$PREFIX/.stamp")" = "$STAMP" ]; }
if up_to_date; then
	say "up to date: $PREFIX"
	echo "$PREFIX"
	exit 0
fi
# One builder per architecture at a time (CI and a developer's ctest may
# race); the loser finds the prefix built when it gets the lock.
mkdir -p "$CACHE" "$SHARED"
exec 9>"$CACHE/.lock"
flock 9 || die "cannot lock $CACHE/.lock"
if up_to_date; then
	say "up to date: $PREFIX"
	echo "$PREFIX"
	exit 0
fi
t_begin=$(date +%s)

# ---- host packages ---------------------------------------------------------
# shellcheck source=tools/lib/apt.sh
. "$script_dir/lib/apt.sh"
# shellcheck disable=SC2086  # word splitting of the package list is wanted
missing=$(fr_pkgs_missing $HOST_PKGS)
if [ -n "$missing" ]; then
	[ -z "${FINDROOT_NO_INSTALL:-}" ] || die "missing packages: $missing (FINDROOT_NO_INSTALL is set)"
	# shellcheck disable=SC2086
	ensure_packages $HOST_PKGS || die "missing packages: $missing"
fi
command -v "$MUSL_CC" >/dev/null || die "$MUSL_CC not found"
if [ -n "$CROSS" ]; then
	for t in ar ranlib nm strip objdump; do
		command -v "$CROSS-$t" >/dev/null || die "$CROSS-$t not found"
	done
fi
t_pkgs=$(date +%s)

# ---- private apt configuration with deb-src entries -----------------------
# The sources are shared by every architecture's build: one fetcher at a time.
exec 8>"$SHARED/.src.lock"
flock 8 || die "cannot lock $SHARED/.src.lock"
# shellcheck source=/dev/null
codename=$(. /etc/os-release && echo "${VERSION_CODENAME:-}")
[ -n "$codename" ] || die "no VERSION_CODENAME in /etc/os-release"

mkdir -p "$APTDIR/lists/partial" "$APTDIR/cache/archives/partial" \
	"$APTDIR/sources.list.d" "$DLDIR" "$SRCDIR"

# Keep only the system's entries for this Debian release (codename,
# codename-updates, codename-security) and turn them into deb-src. The mirror
# URIs are read here, at run time, and never written into the repository.
{
	for f in /etc/apt/sources.list.d/*.sources; do
		[ -f "$f" ] || continue
		awk -v cn="$codename" '
			function flush() {
				if (para != "" && isdeb && keep) printf "%s\n", para
				para = ""; isdeb = 0; keep = 0
			}
			/^[ \t]*#/ { next }
			/^[ \t]*$/ { flush(); next }
			/^Types:/ {
				for (i = 2; i <= NF; i++) if ($i == "deb") isdeb = 1
				para = para "Types: deb-src\n"; next
			}
			/^Suites:/ {
				for (i = 2; i <= NF; i++) if ($i == cn || index($i, cn "-") == 1) keep = 1
			}
			{ para = para $0 "\n" }
			END { flush() }' "$f"
	done
} >"$APTDIR/sources.list.d/findroot-src.sources"
{
	for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
		[ -f "$f" ] || continue
		awk -v cn="$codename" '
			$1 != "deb" { next }
			{
				i = 2
				if ($2 ~ /^\[/) { while (i <= NF && $i !~ /\]$/) i++; i++ }
				suite = $(i + 1)
				if (suite == cn || index(suite, cn "-") == 1) { $1 = "deb-src"; print }
			}' "$f"
	done
} >"$APTDIR/sources.list"
if [ ! -s "$APTDIR/sources.list" ] && [ ! -s "$APTDIR/sources.list.d/findroot-src.sources" ]; then
	die "no apt entries for $codename found in /etc/apt"
fi

# apt_priv apt-get|apt-cache ARGS...: the tool with the private configuration
apt_priv() {
	tool=$1
	shift
	fr_apt_tool "$tool" \
		-o Dir::Etc::SourceList="$APTDIR/sources.list" \
		-o Dir::Etc::SourceParts="$APTDIR/sources.list.d" \
		-o Dir::State::Lists="$APTDIR/lists" \
		-o Dir::Cache="$APTDIR/cache" \
		-o Dir::Cache::pkgcache= -o Dir::Cache::srcpkgcache= \
		-o APT::Sandbox::User="$(id -un)" \
		"$@"
}

if ! ls "$APTDIR/lists/"*_Sources* >/dev/null 2>&1; then
	say "apt-get update (private source lists in $APTDIR)"
	apt_priv apt-get update >&2 || die "apt-get update of the deb-src lists failed"
fi

# ---- fetch and unpack ------------------------------------------------------
# A moving archive: the newest listed version (often the security suite's)
# may answer 404 for its files; fr_apt_fetch_version then takes the next one
# apt lists (the release suite's), and the version used is recorded.
sources=""
for pkg in $SRC_PKGS; do
	pdir=$DLDIR/$pkg
	if [ ! -f "$pdir/.version" ]; then
		rm -rf "$pdir"
		say "fetching source package $pkg"
		if ! got=$(fr_apt_fetch_version apt_priv "$pkg" "$pdir" source); then
			say "retrying after apt-get update (lists may be stale)"
			apt_priv apt-get update >&2 || die "apt-get update of the deb-src lists failed"
			got=$(fr_apt_fetch_version apt_priv "$pkg" "$pdir" source) ||
				die "source package $pkg: no listed version could be downloaded"
		fi
		echo "$got" >"$pdir/.version"
	fi
	sources="$sources$pkg $(cat "$pdir/.version")
"
	dsc=$(find "$pdir" -maxdepth 1 -name "${pkg}_*.dsc" | head -n 1)
	[ -n "$dsc" ] || die "source package $pkg: no .dsc in $pdir"
	ver=$(basename "$dsc" .dsc)
	if [ ! -d "$SRCDIR/$ver" ]; then
		say "unpacking $ver"
		rm -rf "$SRCDIR/$ver.tmp"
		dpkg-source --no-copy -x "$dsc" "$SRCDIR/$ver.tmp" >&2
		# Debian's patches touch configure.ac and Makefile.am for programs
		# not built here (util-linux: tty setgid, tests); one common mtime
		# keeps the shipped, upstream-generated build system from being
		# regenerated, which would need autoconf, automake and gtk-doc.
		find "$SRCDIR/$ver.tmp" -exec touch -h -d @1000000000 {} +
		if [ -f "$SRCDIR/$ver.tmp/configure.ac" ] && [ ! -x "$SRCDIR/$ver.tmp/configure" ]; then
			say "autoreconf $ver (no configure shipped)"
			# As kmod's autogen.sh does without gtk-doc installed.
			if [ -d "$SRCDIR/$ver.tmp/libkmod/docs" ]; then
				touch "$SRCDIR/$ver.tmp/libkmod/docs/gtk-doc.make"
			fi
			(cd "$SRCDIR/$ver.tmp" && autoreconf --force --install >&2)
		fi
		mv "$SRCDIR/$ver.tmp" "$SRCDIR/$ver"
	fi
	case $pkg in
	util-linux) src_util=$SRCDIR/$ver ;;
	kmod) src_kmod=$SRCDIR/$ver ;;
	xz-utils) src_xz=$SRCDIR/$ver ;;
	libzstd) src_zstd=$SRCDIR/$ver ;;
	esac
done
exec 8>&-
t_src=$(date +%s)

# ---- build -----------------------------------------------------------------
rm -rf "$PREFIX" "$CACHE/build"
mkdir -p "$PREFIX/include" "$PREFIX/lib/pkgconfig" "$CACHE/build"

# musl-gcc searches only musl's own headers; libkmod and findroot need the
# kernel's UAPI headers, which are libc-neutral. Copy them into the prefix:
# linux/ and asm-generic/ are the same for every architecture, asm/ is the
# target's (linux-libc-dev:ARCH for a cross build).
[ -n "$gnu_multiarch" ] || gnu_multiarch=$(gcc -print-multiarch)
[ -d "/usr/include/$gnu_multiarch/asm" ] || die "no /usr/include/$gnu_multiarch/asm"
cp -R /usr/include/linux /usr/include/asm-generic "$PREFIX/include/"
cp -R "/usr/include/$gnu_multiarch/asm" "$PREFIX/include/asm"

export CC="$MUSL_CC"
export CFLAGS="$OPT_CFLAGS"
export CPPFLAGS="-isystem $PREFIX/include"
# -fno-pie objects cannot go into the PIE executables configure tests link.
export LDFLAGS="-no-pie"
export PKG_CONFIG_LIBDIR="$PREFIX/lib/pkgconfig"
unset PKG_CONFIG_PATH
# configure: cross options, and the target's binutils (there are no
# aarch64-linux-musl-* tools; the -gnu ones handle the same ELF objects).
set --
zstd_tools=""
if [ -n "$CROSS" ]; then
	set -- --build="$(gcc -dumpmachine)" --host="$musl"
	export AR="$CROSS-ar" RANLIB="$CROSS-ranlib" NM="$CROSS-nm" STRIP="$CROSS-strip" \
		OBJDUMP="$CROSS-objdump" PKG_CONFIG=pkg-config
	zstd_tools="AR=$AR"
fi
start=$(date +%s)

say "zstd (decompression only) from $(basename "$src_zstd")"
rm -rf "$CACHE/build/zstd" && cp -R "$src_zstd" "$CACHE/build/zstd"
zstd_opts="ZSTD_LIB_COMPRESSION=0 ZSTD_LIB_DICTBUILDER=0 ZSTD_LIB_DEPRECATED=0 \
ZSTD_LEGACY_SUPPORT=0 HUF_FORCE_DECOMPRESS_X1=1 ZSTD_FORCE_DECOMPRESS_SEQUENCES_SHORT=1 \
ZSTD_NO_INLINE=1 ZSTD_STRIP_ERROR_STRINGS=1 ZSTD_NO_UNUSED_FUNCTIONS=1"
# shellcheck disable=SC2086
make -C "$CACHE/build/zstd/lib" -j"$JOBS" $zstd_opts $zstd_tools CC="$CC" \
	CFLAGS="$CFLAGS" MOREFLAGS="$CPPFLAGS" PREFIX="$PREFIX" libzstd.a >&2
# Not in the same make run: install-static would build its own copy in parallel.
# shellcheck disable=SC2086
make -C "$CACHE/build/zstd/lib" $zstd_opts $zstd_tools PREFIX="$PREFIX" \
	install-static install-includes install-pc >&2

say "liblzma (decoders only) from $(basename "$src_xz")"
mkdir -p "$CACHE/build/xz"
(cd "$CACHE/build/xz" && "$src_xz/configure" "$@" --prefix="$PREFIX" \
	--disable-shared --enable-static --disable-encoders --enable-small \
	--enable-threads=no --disable-xz --disable-xzdec --disable-lzmadec \
	--disable-lzmainfo --disable-lzma-links --disable-scripts --disable-doc \
	--disable-nls --disable-rpath >&2)
make -C "$CACHE/build/xz/src/liblzma" -j"$JOBS" install >&2

say "libblkid from $(basename "$src_util")"
mkdir -p "$CACHE/build/util-linux"
(cd "$CACHE/build/util-linux" && "$src_util/configure" "$@" --prefix="$PREFIX" \
	--disable-shared --enable-static --disable-all-programs --enable-libblkid \
	--disable-nls --disable-bash-completion --disable-asciidoc --disable-poman \
	--disable-makeinstall-chown --disable-makeinstall-setuid \
	--without-udev --without-systemd --without-python --without-readline \
	--without-ncursesw --without-ncurses --without-tinfo --without-libmagic \
	--without-econf --without-cap-ng --without-btrfs --without-selinux \
	--without-audit --without-smack --without-user --without-utempter >&2)
make -C "$CACHE/build/util-linux" -j"$JOBS" >&2
make -C "$CACHE/build/util-linux" install >&2

say "libkmod (xz + zstd) from $(basename "$src_kmod")"
# kmod's configure refuses --enable-static, but its tools link the
# convenience archive libkmod-internal (libkmod plus its shared/ helpers):
# that archive is the static libkmod, built exactly as Debian's kmod uses it.
mkdir -p "$CACHE/build/kmod"
(cd "$CACHE/build/kmod" && "$src_kmod/configure" "$@" --prefix="$PREFIX" \
	--with-xz --with-zstd --without-zlib --without-openssl \
	--disable-manpages --disable-test-modules --disable-python >&2)
make -C "$CACHE/build/kmod" -j"$JOBS" libkmod/libkmod-internal.la >&2
cp "$CACHE/build/kmod/libkmod/.libs/libkmod-internal.a" "$PREFIX/lib/libkmod.a"
cp "$src_kmod/libkmod/libkmod.h" "$PREFIX/include/"

for lib in blkid kmod zstd lzma; do
	[ -f "$PREFIX/lib/lib$lib.a" ] || die "lib$lib.a was not built"
done
end=$(date +%s)
say "$arch: built in $((end - start)) s; in all $((end - t_begin)) s" \
	"(packages $((t_pkgs - t_begin)) s, sources $((t_src - t_pkgs)) s)"
# Which Debian source versions this prefix was built from (tests/static/sizes.sh
# reports them beside the binary's size).
printf '%s' "$sources" >"$PREFIX/SOURCES"
say "built from: $(printf '%s' "$sources" | tr '\n' ',' | sed 's/,$//; s/,/, /g')"
echo "$STAMP" >"$PREFIX/.stamp"
echo "$PREFIX"
