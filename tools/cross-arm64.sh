#!/bin/sh
# Cross-build findroot for arm64 on a Debian/Ubuntu x86_64 host with multiarch
# packages, and (with --deps) install what the arm64 boot tests need.
#
# Usage: tools/cross-arm64.sh [OPTIONS]
#   -B DIR        build directory (default build-arm64 in the source tree)
#   --deps        install the host packages (cross gcc, arm64 -dev libraries,
#                 qemu-system-arm, AAVMF) and nothing else
#   --no-deps     never touch packages; fail if something is missing
#   --static      also build the static arm64 binary (cmake/Static.cmake with
#                 -DFINDROOT_STATIC=ON, musl) into DIR-static: DIR-static/findroot
#                 and DIR-static/findroot.stripped (the file to ship). Its arm64
#                 musl libraries come from $FINDROOT_STATIC_ARM64_PREFIX when set,
#                 else from `tools/build-static-deps.sh --arch arm64` (cached in
#                 $FINDROOT_CACHE/static-arm64; the first build takes minutes)
# Environment: FINDROOT_JOBS (make -j, default 2), CMAKE_BUILD_TYPE (default
# RelWithDebInfo), FINDROOT_CROSS_TRIPLET (default aarch64-linux-gnu).
# Prints the path of the built binary on stdout (the static one with --static);
# everything else on stderr.
set -eu

TRIPLET=${FINDROOT_CROSS_TRIPLET:-aarch64-linux-gnu}
JOBS=${FINDROOT_JOBS:-2}
BUILD_TYPE=${CMAKE_BUILD_TYPE:-RelWithDebInfo}
# Build packages (arch-qualified ones are the arm64 libraries to link).
# The host's own -dev packages too: the host tree (which registers the boot
# tests) must configure.
BUILD_PKGS="gcc-$TRIPLET libc6-dev-arm64-cross binutils-$TRIPLET cmake make pkgconf gcc file
 libblkid-dev:arm64 libkmod-dev:arm64 liblzma-dev:arm64 libzstd-dev:arm64 libblkid-dev libkmod-dev"
# What tests/e2e-arm64 needs besides a build: QEMU, AAVMF, image tools.
TEST_PKGS="qemu-system-arm qemu-efi-aarch64 ipxe-qemu e2fsprogs gdisk kmod cpio xz-utils
 util-linux busybox-static"

say() { printf 'cross-arm64: %s\n' "$*" >&2; }
die() {
    say "error: $*"
    exit 1
}

src=$(CDPATH='' cd -- "$(dirname -- "$0")/.." && pwd)
build=""
deps=auto
static=0
while [ $# -gt 0 ]; do
    case $1 in
        -B) build=$2; shift 2 ;;
        -B*) build=${1#-B}; shift ;;
        --deps) deps=only; shift ;;
        --no-deps) deps=no; shift ;;
        --static) static=1; shift ;;
        -h | --help)
            sed -n '2,/^set -eu/p' "$0" | sed '$d; s/^# \{0,1\}//' >&2
            exit 0
            ;;
        *) die "unknown option $1" ;;
    esac
done
[ -n "$build" ] || build=$src/build-arm64

# shellcheck source=tools/lib/apt.sh
. "$src/tools/lib/apt.sh"

install_deps() {
    # shellcheck disable=SC2086 # the lists are space separated on purpose
    ensure_packages $BUILD_PKGS $TEST_PKGS || die "cannot install the arm64 build and test packages"
}

case $deps in
    only)
        install_deps
        exit 0
        ;;
    auto) install_deps ;;
    no)
        # shellcheck disable=SC2086
        missing=$(fr_pkgs_missing $BUILD_PKGS)
        [ -z "$missing" ] || die "missing packages: $missing"
        ;;
esac

PKG_CONFIG_LIBDIR=/usr/lib/$TRIPLET/pkgconfig:/usr/share/pkgconfig
PKG_CONFIG_PATH=
export PKG_CONFIG_LIBDIR PKG_CONFIG_PATH

configure_and_build() {
    # configure_and_build DIR EXTRA-CMAKE-ARGS...
    dir=$1
    shift
    # Tests are cross binaries that cannot run here; the boot tests live in the
    # host build tree and call this script.
    cmake -S "$src" -B "$dir" -DCMAKE_TOOLCHAIN_FILE="$src/cmake/toolchain-aarch64.cmake" \
        -DFINDROOT_CROSS_TRIPLET="$TRIPLET" -DCMAKE_BUILD_TYPE="$BUILD_TYPE" \
        -DBUILD_TESTING=OFF "$@" >&2
    cmake --build "$dir" --target findroot -j "$JOBS" >&2
}

# Two builds at once into one tree (parallel ctest) would clobber each other.
mkdir -p "$build"
exec 9>"$build/.cross-arm64.lock"
flock 9

configure_and_build "$build"
bin=$build/findroot
[ -x "$bin" ] || die "no binary at $bin"
if command -v file >/dev/null 2>&1; then
    case $(file -b "$bin") in
        *aarch64*) ;;
        *) die "$bin is not an aarch64 binary: $(file -b "$bin")" ;;
    esac
fi

if [ "$static" = 1 ]; then
    # The static libraries must be arm64 musl builds, kept apart from the
    # host's prefix: tools/build-static-deps.sh --arch arm64 makes them (a
    # no-op when its cached prefix is up to date).
    if [ -n "${FINDROOT_STATIC_ARM64_PREFIX:-}" ]; then
        sprefix=$FINDROOT_STATIC_ARM64_PREFIX
    else
        no_install=""
        [ "$deps" = no ] && no_install=1
        sprefix=$(FINDROOT_NO_INSTALL=$no_install sh "$src/tools/build-static-deps.sh" --arch arm64) ||
            die "tools/build-static-deps.sh --arch arm64 failed"
    fi
    if [ -f "$src/cmake/Static.cmake" ]; then
        [ -f "$sprefix/lib/libblkid.a" ] ||
            die "no arm64 static libraries in $sprefix (set FINDROOT_STATIC_ARM64_PREFIX)"
        configure_and_build "$build-static" -DFINDROOT_STATIC=ON -DFINDROOT_STATIC_PREFIX="$sprefix"
        bin=$build-static/findroot
        [ -x "$bin" ] || die "no static binary at $bin"
    else
        say "no cmake/Static.cmake in this tree yet: static build skipped"
    fi
fi
printf '%s\n' "$bin"
