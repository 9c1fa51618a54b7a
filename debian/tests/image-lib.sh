# shellcheck shell=sh
# Shared by the image tests: the kernel to build for, a scratch directory,
# and what every findroot image must contain.

fail() {
    echo "FAIL: $*" >&2
    exit 1
}

scratch() {
    echo "${AUTOPKGTEST_TMP:-${TMPDIR:-/tmp}}"
}

# the newest kernel whose modules are installed (modules.dep present)
newest_kernel() {
    _k=$(for _d in /lib/modules/* /usr/lib/modules/*; do
        [ -f "$_d/modules.dep" ] && basename "$_d"
    done | sort -uV | tail -n 1)
    [ -n "$_k" ] || fail "no kernel modules installed"
    echo "$_k"
}

# expect_in_image LIST: findroot and the virtio-iommu driver are listed
expect_in_image() {
    grep -Eq '(^|[ /])usr/sbin/findroot$' "$1" || fail "findroot is not in the image"
    grep -Eq 'virtio[-_]iommu\.ko' "$1" || fail "virtio_iommu is not in the image"
}
