#!/bin/sh
# get_kernel (tests/lib/kernels.sh) against a real apt and a local file:
# archive (private configuration of tests/lib/apt-suite.sh), with fake kernel
# packages: the newest listed version's file is missing (as a 404 on the
# mirror), a listed name has no package at all, a 7.x-style split kernel
# (linux-binary + linux-modules + linux-base under /usr/lib/modules). Checks
# which kernel is picked, that it says so, and the error when nothing can be had.
# usage: test_kernel_select.sh REPO
# shellcheck disable=SC2015 # ok and bad always succeed: A && ok || bad is if-then-else
set -u
repo=$1
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fails=0
ok() { echo "ok: $*"; }
bad() { fails=$((fails + 1)); echo "FAIL: $*"; }

for t in apt-get apt-cache dpkg-deb dpkg-scanpackages depmod; do
    command -v "$t" >/dev/null || { echo "SKIP: no $t"; exit 77; }
done

# mkpkg NAME VERSION LAYOUT(boot|usr|none|base) [RELEASE]
mkpkg() {
    d=$T/build/$1_$2
    rel=${4:-9.9.0-test}
    mkdir -p "$d/DEBIAN"
    printf 'Package: %s\nVersion: %s\nArchitecture: amd64\nMaintainer: t <t@example.org>\nDescription: fake kernel\n' \
        "$1" "$2" >"$d/DEBIAN/control"
    case $3 in
        boot)
            mkdir -p "$d/boot" "$d/lib/modules/$rel/kernel"
            echo "kernel $2" >"$d/boot/vmlinuz-$rel"
            echo "CONFIG_X=y" >"$d/boot/config-$rel"
            ;;
        usr) # 7.x binary: image under /usr/lib/modules
            mkdir -p "$d/usr/lib/modules/$rel/kernel"
            echo "kernel $2" >"$d/usr/lib/modules/$rel/vmlinuz"
            ;;
        base)
            mkdir -p "$d/usr/lib/modules/$rel"
            echo "CONFIG_X=y" >"$d/usr/lib/modules/$rel/config"
            : >"$d/usr/lib/modules/$rel/modules.order"
            ;;
        none) mkdir -p "$d/usr/lib/modules/$rel/kernel" ;;
    esac
    dpkg-deb -Zgzip --build "$d" "$T/repo/$1_$2_amd64.deb" >/dev/null
}

mkdir -p "$T/repo" "$T/cache"
# 9.9.2: version 2 is listed but its file is gone; version 1 is there
mkpkg linux-image-9.9.2+test-amd64-unsigned 2 boot 9.9.2-test
mkpkg linux-image-9.9.2+test-amd64-unsigned 1 boot 9.9.2-test
mkpkg linux-image-9.9.1+test-amd64-unsigned 1 boot 9.9.1-test
# split 7.x-style kernel
mkpkg linux-binary-9.10.0+deb99-amd64 1 usr 9.10.0-test
mkpkg linux-modules-9.10.0+deb99-amd64 1 none 9.10.0-test
mkpkg linux-base-9.10.0+deb99-amd64 1 base 9.10.0-test
(cd "$T/repo" && dpkg-scanpackages -m . /dev/null 2>/dev/null >Packages) || { echo "FAIL: scanpackages"; exit 1; }
{
    printf 'Origin: test\nLabel: test\nSuite: test\nCodename: test\nDate: %s\nArchitectures: amd64\nSHA256:\n' \
        "$(LC_ALL=C date -u '+%a, %d %b %Y %H:%M:%S UTC')"
    printf ' %s %s Packages\n' "$(sha256sum <"$T/repo/Packages" | cut -d' ' -f1)" "$(stat -c %s "$T/repo/Packages")"
} >"$T/repo/Release"
rm -f "$T/repo/linux-image-9.9.2+test-amd64-unsigned_2_amd64.deb"

FINDROOT_CACHE="$T/cache"
E2E_REPO="$repo"
export FINDROOT_CACHE E2E_REPO
export APT_SUITE_SOURCES_fake="deb [trusted=yes] file:$T/repo ./"
# shellcheck source=tests/e2e/lib.sh
. "$repo/tests/e2e/lib.sh"

# 1. the listing: newest name whose newest version is missing -> its version 1
k=$(E2E_KERNEL_SUITE=fake E2E_KERNEL_PATTERN='^linux-image-9\.9\.[0-9]+\+test-amd64-unsigned$' \
    get_kernel 6.12 2>"$T/err1")
cat "$T/err1"
if [ "$k" = "$T/cache/kernels/linux-image-9.9.2+test-amd64-unsigned" ] &&
    grep -q '^kernel 1$' "$k/boot/vmlinuz-9.9.2-test" 2>/dev/null; then
    ok "newest listed version missing: fell back to the older version of the same kernel"
else
    bad "fallback to version 1 of 9.9.2 (got '$k')"
fi
grep -q 'linux-image-9.9.2+test-amd64-unsigned 2 could not be downloaded' "$T/err1" &&
    ok "the missing version is named" || bad "the missing version is named"
grep -q 'kernel 6.12: linux-image-9.9.2+test-amd64-unsigned 1 (fake)' "$T/err1" &&
    ok "says which kernel was used" || bad "says which kernel was used"
[ -f "$k/lib/modules/9.9.2-test/modules.dep" ] && ok "depmod ran" || bad "depmod ran"

# 2. a candidate list (the seam) whose first entries do not exist at all
rm -rf "$T/cache/kernels"
k=$(E2E_KERNEL_SUITE=fake E2E_KERNEL_CANDIDATES='linux-image-9.9.9+test-amd64-unsigned linux-image-9.9.1+test-amd64-unsigned' \
    get_kernel 6.12 2>"$T/err2")
cat "$T/err2"
[ "$k" = "$T/cache/kernels/linux-image-9.9.1+test-amd64-unsigned" ] &&
    ok "unknown first candidate: the next one" || bad "unknown first candidate (got '$k')"
grep -q 'linux-image-9.9.9+test-amd64-unsigned: not listed' "$T/err2" &&
    ok "the unknown one is named" || bad "the unknown one is named"

# 3. cached: no download, still says which
k2=$(E2E_KERNEL_SUITE=fake E2E_KERNEL_CANDIDATES='linux-image-9.9.1+test-amd64-unsigned' get_kernel 6.12 2>"$T/err3")
[ "$k2" = "$k" ] && grep -q '(cached)' "$T/err3" && ! grep -q downloading "$T/err3" &&
    ok "cached kernel reused and named" || bad "cached kernel reused and named"

# 4. split kernel under /usr/lib/modules, found through the sid pattern
k=$(E2E_KERNEL_SUITE=fake get_kernel sid 2>"$T/err4")
cat "$T/err4"
if [ "$k" = "$T/cache/kernels/linux-image-9.10.0+deb99-amd64" ] &&
    [ "$(kernel_release "$k")" = 9.10.0-test ] &&
    [ "$(kernel_image "$k")" = "$k/lib/modules/9.10.0-test/vmlinuz" ] &&
    [ "$(kernel_config "$k")" = "$k/lib/modules/9.10.0-test/config" ] &&
    [ -f "$k/usr/lib/modules/9.10.0-test/modules.dep" ]; then
    ok "7.x-style binary+modules+base kernel unpacked into one tree"
else
    bad "split kernel (got '$k', release '$(kernel_release "$k" 2>/dev/null)')"
fi

# 5. nothing downloadable: an error naming the flavour, no directory left
rm -f "$T/repo/linux-image-9.9.1+test-amd64-unsigned_1_amd64.deb"
rm -rf "$T/cache/kernels"
if k=$(E2E_KERNEL_SUITE=fake E2E_KERNEL_CANDIDATES='linux-image-9.9.1+test-amd64-unsigned' get_kernel 6.12 2>"$T/err5"); then
    bad "nothing downloadable must fail (got '$k')"
else
    grep -q "no kernel could be downloaded for '6.12'" "$T/err5" &&
        ok "nothing downloadable: one clear error" || { cat "$T/err5"; bad "error message"; }
fi
left=$(find "$T/cache/kernels" -mindepth 1 -maxdepth 1 ! -name .lock 2>/dev/null)
[ -z "$left" ] &&
    ok "no half-made kernel directory left" || bad "leftovers: $left"

echo "test_kernel_select: $fails failure(s)"
[ "$fails" = 0 ]
