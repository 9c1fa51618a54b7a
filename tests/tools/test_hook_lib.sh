#!/bin/sh
# hooks/lib/hook-lib.sh, the one copy of what the hooks share: its root=
# filter (findroot_root_ok) over a table of root= values, its module lists
# and its binary lookup, under dash and busybox ash; and every hook uses it
# instead of a list of its own (grep).
# Usage: test_hook_lib.sh REPO
set -u
REPO=$1
LIB=$REPO/hooks/lib/hook-lib.sh
T=$(mktemp -d) || exit 1
trap 'rm -rf "$T"' EXIT

fails=0 n=0
pass() {
    n=$((n + 1))
    echo "ok - $1"
}
fail() {
    n=$((n + 1))
    fails=$((fails + 1))
    echo "FAIL: $1"
}
# same GOT WANT WHAT
same() {
    if [ "$1" = "$2" ]; then pass "$3"; else fail "$3: got '$1', want '$2'"; fi
}
# run SHELL CODE ARG...: CODE with the library sourced, FINDROOT_* unset
run() {
    _sh=$1 _code=$2
    shift 2
    # shellcheck disable=SC2016 # the inner shell expands it
    env -u FINDROOT_BINARY -u FINDROOT_LIB_DIR "$_sh" -c '. "$1"; shift; '"$_code" sh "$LIB" "$@"
}
# root SHELL yes|no SPEC: findroot_root_ok's answer for root=SPEC
root() {
    # shellcheck disable=SC2016 # the inner shell expands it
    if run "$1" 'findroot_root_ok "$1"' "$3"; then got=yes; else got=no; fi
    if [ "$got" = "$2" ]; then pass "$1: root=$3 -> $2"; else fail "$1: root=$3 is $got, want $2"; fi
}

shells=dash
if command -v busybox > /dev/null; then
    printf '#!/bin/sh\nexec busybox sh "$@"\n' > "$T/ash" && chmod +x "$T/ash" && shells="$shells $T/ash"
fi
for sh in $shells; do
    # what findroot's parser (src/spec.c) accepts
    root "$sh" yes 'UUID=0b9a7a4c-6c2a-4b1e-9d6e-1f2a3b4c5d6e'
    root "$sh" yes 'LABEL=my disk'
    root "$sh" yes 'LABEL="my disk"'
    root "$sh" yes 'PARTUUID=4f68bce3-e8cd-4db1-96e7-fbcaf984b709'
    root "$sh" yes 'PARTUUID=4f68bce3-01/PARTNROFF=1'
    root "$sh" yes 'PARTLABEL=EFI system'
    root "$sh" yes /dev/vda1
    root "$sh" yes /dev/sda
    root "$sh" yes /dev/nvme0n1p2
    root "$sh" yes /dev/disk/by-id/virtio-fr-serial-1-part1
    root "$sh" yes /dev/disk/by-path/pci-0000:00:04.0-part1
    root "$sh" yes /dev/random-name
    root "$sh" yes 8:1
    root "$sh" yes 259:0
    root "$sh" yes 8:1:0
    root "$sh" yes 0x801
    root "$sh" yes 0X801
    root "$sh" yes 801
    root "$sh" yes 0801
    root "$sh" yes fe01
    root "$sh" yes FE01
    # left to the generator's own scripts
    root "$sh" no /dev/ram0
    root "$sh" no /dev/ram
    root "$sh" no /dev/nfs
    root "$sh" no /dev/mapper/vg-root
    root "$sh" no /dev/md0
    root "$sh" no /dev/md/root
    root "$sh" no /dev/dm-0
    root "$sh" no nfs:192.168.0.1:/srv/root
    root "$sh" no nfs4:server:/root
    root "$sh" no iscsi:192.168.0.1::::iqn.2009-06.dracut:target0
    root "$sh" no nbd:server:2000
    root "$sh" no cifs://server/share
    root "$sh" no live:CDLABEL=Fedora
    root "$sh" no zfs=rpool/ROOT/debian
    root "$sh" no ZFS=rpool/ROOT/debian
    root "$sh" no zfs:AUTO
    root "$sh" no tmpfs
    root "$sh" no dhcp
    root "$sh" no ''
    # not device numbers as findroot reads them
    root "$sh" no 0x
    root "$sh" no 8:
    root "$sh" no :1
    root "$sh" no 8::1
    root "$sh" no 8:1:0:0
    root "$sh" no 8:x
    root "$sh" no 801g
    root "$sh" no 'uuid=1234'
    root "$sh" no '*'

    # the module lists: the base list for every generator, dracut's addition
    base=$(run "$sh" 'findroot_modules initramfs-tools' | tr '\n' ' ')
    same "$base" "virtio_iommu virtio_pci virtio_mmio virtio_blk virtio_scsi sd_mod nvme ahci " \
        "$sh: findroot_modules initramfs-tools: the base list"
    same "$(run "$sh" 'findroot_modules mkinitcpio' | tr '\n' ' ')" "$base" "$sh: mkinitcpio: the base list"
    same "$(run "$sh" 'findroot_modules dracut' | tr '\n' ' ')" "${base}sr_mod " "$sh: dracut: the base list + sr_mod"
    # shellcheck disable=SC2016 # the inner shell expands it
    same "$(run "$sh" 'echo "$FINDROOT_IOMMU_DIR"')" drivers/iommu "$sh: the IOMMU directory"

    # the binary lookup: $FINDROOT_BINARY, then findroot.path beside the
    # library, then PATH, then the usual directories; SYSROOT prepended
    mkdir -p "$T/lib" "$T/bin" "$T/opt/sbin" "$T/sysroot$T/opt/sbin"
    printf '#!/bin/sh\n' > "$T/bin/findroot"
    cp "$T/bin/findroot" "$T/sysroot$T/opt/sbin/findroot"
    chmod +x "$T/bin/findroot" "$T/sysroot$T/opt/sbin/findroot"
    echo "$T/opt/sbin/findroot" > "$T/lib/findroot.path"
    lookup() {
        # shellcheck disable=SC2016 # the inner shell expands them
        got=$(env FINDROOT_LIB_DIR="$T/lib" FINDROOT_BINARY="$2" PATH="$3" "$sh" -c \
            '. "$1"; findroot_binary "$2"' sh "$LIB" "$4")
        same "$got" "$5" "$sh: findroot_binary: $1"
    }
    cp "$T/bin/findroot" "$T/opt/sbin/findroot"
    lookup "FINDROOT_BINARY first" "$T/bin/findroot" "$T/bin:/usr/bin:/bin" "" "$T/bin/findroot"
    lookup "findroot.path next" "" "$T/bin:/usr/bin:/bin" "" "$T/opt/sbin/findroot"
    lookup "a FINDROOT_BINARY that is missing is skipped" "$T/none" "/usr/bin:/bin" "" "$T/opt/sbin/findroot"
    rm "$T/opt/sbin/findroot"
    lookup "SYSROOT prepended, printed without" "" "/usr/bin:/bin" "$T/sysroot" "$T/opt/sbin/findroot"
    rm "$T/lib/findroot.path"
    lookup "then PATH" "" "$T/bin:/usr/bin:/bin" "" "$T/bin/findroot"
done

# every hook takes the three from the library, and lists none of its own
uses() {
    if grep -q "$2" "$REPO/$1"; then pass "$1 uses $2"; else fail "$1 does not use $2"; fi
}
for f in hooks/initramfs-tools/scripts/local-top/findroot dracut/90findroot/findroot-dracut.sh \
    mkinitcpio/hooks/findroot; do
    uses "$f" 'findroot_root_ok '
    uses "$f" '/usr/lib/findroot/hook-lib\.sh'
done
for f in hooks/initramfs-tools/hooks/findroot dracut/90findroot/module-setup.sh mkinitcpio/install/findroot; do
    uses "$f" 'findroot_binary'
    uses "$f" 'findroot_modules '
    uses "$f" 'FINDROOT_IOMMU_DIR'
    uses "$f" 'hook-lib\.sh'
done
for f in hooks/initramfs-tools/scripts/local-top/findroot hooks/initramfs-tools/hooks/findroot \
    dracut/90findroot/findroot-dracut.sh dracut/90findroot/module-setup.sh \
    mkinitcpio/hooks/findroot mkinitcpio/install/findroot; do
    # a filter of its own (a case on root= prefixes), a module list, a search path
    if grep -nE 'UUID=\*|/dev/nfs|virtio_blk|sd_mod|/usr/local/s?bin/findroot|findroot_binary\(\)' "$REPO/$f"; then
        fail "$f repeats what hook-lib.sh holds (lines above)"
    else
        pass "$f repeats nothing of hook-lib.sh"
    fi
done
echo "$n checks, $fails failed"
[ "$n" -gt 0 ] && [ "$fails" = 0 ]
