# shellcheck shell=sh
# arm64 additions to tests/e2e/lib.sh: the same helpers for Debian's arm64
# kernel under qemu-system-aarch64 -M virt (TCG). Source tests/e2e/lib.sh
# first; this file only adds what differs (arm64 busybox, cross libraries,
# the virt machine and AAVMF).
#
# Environment (besides lib.sh's):
#   E2E_ARM64_QEMU   default qemu-system-aarch64
#   E2E_ARM64_CPU    default cortex-a57 (-cpu max is ~2.5x slower under TCG)
#   E2E_ARM64_TRIPLET  default aarch64-linux-gnu (multiarch library dirs)
#   AAVMF_CODE / AAVMF_VARS  firmware, default /usr/share/AAVMF/AAVMF_{CODE,VARS}.fd
#
# Functions:
#   ensure_arm64_tools            host packages the arm64 boot tests need
#                                 (tools/cross-arm64.sh --deps installs the same)
#   get_busybox_arm64             busybox-static:arm64 unpacked (never installed)
#                                 into $FINDROOT_CACHE/busybox-arm64/<version>;
#                                 prints the path of its busybox binary
#                                 ($E2E_ARM64_BUSYBOX when set: no apt look-up)
#   arm64_copy_with_libs SRC DST STAGE
#                                 an arm64 binary plus its shared libraries and
#                                 loader, found with readelf in the multiarch dirs
#   mkinitramfs_arm64 [-i INIT] [-f FINDROOT] [-m MODS] [-a SRC:DST] [-u] OUT KDIR
#                                 lib.sh's mkinitramfs_busybox for arm64 (-u:
#                                 merged /usr, modules in /usr/lib/modules)
#   make_rootfs_dir_arm64 DIR MARKER
#                                 lib.sh's make_rootfs_dir with an arm64 busybox
#   run_qemu_arm64 LOG [-T SEC] [-A] -- QEMU-ARGS...
#                                 -M virt, TCG, cortex-a57, -smp 1, -m 512; -A =
#                                 ACPI through AAVMF (UEFI), else device tree
#                                 (acpi=off, direct kernel boot). 0 when QEMU
#                                 exited by itself, 124 on timeout.

: "${E2E_ARM64_QEMU:=qemu-system-aarch64}"
: "${E2E_ARM64_CPU:=cortex-a57}"
: "${E2E_ARM64_TRIPLET:=aarch64-linux-gnu}"
: "${AAVMF_CODE:=/usr/share/AAVMF/AAVMF_CODE.fd}"
: "${AAVMF_VARS:=/usr/share/AAVMF/AAVMF_VARS.fd}"
# What an arm64 busybox image carries (virtio_pci is built into Debian's kernel).
E2E_ARM64_MODULES="virtio_iommu virtio_blk virtio_scsi sd_mod ext4 crc32c_generic"

ensure_arm64_tools() {
    ensure_packages qemu-system-arm qemu-efi-aarch64 ipxe-qemu busybox-static e2fsprogs gdisk \
        kmod cpio xz-utils util-linux binutils-aarch64-linux-gnu
}

get_busybox_arm64() {
    # apt-cache is slow on a loaded host: a runner resolves this once and
    # exports E2E_ARM64_BUSYBOX for the later calls.
    if [ -n "${E2E_ARM64_BUSYBOX:-}" ] && [ -x "$E2E_ARM64_BUSYBOX" ]; then
        printf '%s\n' "$E2E_ARM64_BUSYBOX"
        return 0
    fi
    broot="$FINDROOT_CACHE/busybox-arm64"
    mkdir -p "$broot" || return 1
    (
        flock 9 || exit 1
        # the version fetched last time, if its tree is complete
        ver=$(cat "$broot/.version" 2>/dev/null)
        if [ -z "$ver" ] || [ ! -f "$broot/$ver/.complete" ]; then
            rm -rf "$broot/.dl"
            # every version apt lists, newest first, until one downloads
            if ! ver=$(fr_apt_fetch_version fr_apt_tool busybox-static:arm64 "$broot/.dl" binary) ||
                ! deb=$(find "$broot/.dl" -maxdepth 1 -name '*.deb' | head -n 1) || [ -z "$deb" ] ||
                ! rm -rf "${broot:?}/${ver:?}" || ! mkdir -p "$broot/$ver.tmp" ||
                ! dpkg-deb -x "$deb" "$broot/$ver.tmp"; then
                rm -rf "$broot/.dl" "$broot/$ver.tmp"
                e2e_log "could not get busybox-static:arm64 (run tools/cross-arm64.sh --deps first?)"
                exit 1
            fi
            e2e_log "busybox-static:arm64 $ver"
            rm -rf "$broot/.dl"
            mv "$broot/$ver.tmp" "$broot/$ver" && : >"$broot/$ver/.complete" &&
                echo "$ver" >"$broot/.version" || exit 1
        fi
        printf '%s\n' "$broot/$ver/bin/busybox"
    ) 9>"$broot/.lock"
}

# The applets of the arm64 busybox: the host's busybox-static of the same
# Debian version has the same configuration, and it can run here.
_arm64_applets() {
    if [ -n "${E2E_ARM64_BUSYBOX:-}" ]; then
        /bin/busybox --list-full
        return
    fi
    hostver=$(dpkg-query -W -f='${Version}' busybox-static 2>/dev/null)
    armver=$(apt-cache policy busybox-static:arm64 2>/dev/null | awk '/Candidate:/ {print $2}')
    if [ -n "$hostver" ] && [ "${hostver%+b*}" != "${armver%+b*}" ]; then
        e2e_log "host busybox-static $hostver differs from arm64 $armver; applet list may differ"
    fi
    /bin/busybox --list-full
}

_arm64_find_lib() {
    for d in "/lib/$E2E_ARM64_TRIPLET" "/usr/lib/$E2E_ARM64_TRIPLET" "/usr/$E2E_ARM64_TRIPLET/lib"; do
        if [ -e "$d/$1" ]; then
            printf '%s\n' "$d/$1"
            return 0
        fi
    done
    return 1
}

_arm64_readelf() {
    if command -v "$E2E_ARM64_TRIPLET-readelf" >/dev/null 2>&1; then
        "$E2E_ARM64_TRIPLET-readelf" "$@"
    else
        readelf "$@"
    fi
}

arm64_copy_with_libs() {
    src=$1
    dst=$2
    stage=$3
    mkdir -p "$stage/$(dirname "$dst")" || return 1
    cp -L "$src" "$stage/$dst" || return 1
    chmod 0755 "$stage/$dst"
    interp=$(_arm64_readelf -l "$src" 2>/dev/null |
        sed -n 's/.*Requesting program interpreter: \([^]]*\)].*/\1/p')
    [ -n "$interp" ] || return 0 # static
    # The loader at the path the binary asks for (/lib/ld-linux-aarch64.so.1).
    if [ ! -e "$stage$interp" ]; then
        real=$(_arm64_find_lib "$(basename "$interp")") || {
            e2e_log "no arm64 loader $interp (is libc6:arm64 installed?)"
            return 1
        }
        mkdir -p "$stage$(dirname "$interp")"
        cp -L "$real" "$stage$interp" || return 1
    fi
    # NEEDED entries, breadth first; libraries go to /lib/<triplet>, which the
    # loader searches by default on Debian's multiarch layout.
    todo=$src
    while [ -n "$todo" ]; do
        next=""
        for f in $todo; do
            for lib in $(_arm64_readelf -d "$f" 2>/dev/null | sed -n 's/.*(NEEDED).*\[\(.*\)\].*/\1/p'); do
                out="$stage/lib/$E2E_ARM64_TRIPLET/$lib"
                [ -e "$out" ] && continue
                path=$(_arm64_find_lib "$lib") || {
                    e2e_log "arm64 library $lib (needed by $(basename "$f")) not found"
                    return 1
                }
                mkdir -p "$stage/lib/$E2E_ARM64_TRIPLET"
                cp -L "$path" "$out" || return 1
                next="$next $path"
            done
        done
        todo=$next
    done
}

mkinitramfs_arm64() {
    init="$(e2e_repo_root)/hooks/findroot-init.sh"
    fr=""
    mods=$E2E_ARM64_MODULES
    extras=""
    usrmerge=0
    OPTIND=1
    while getopts i:f:m:a:u opt; do
        case $opt in
            u) usrmerge=1 ;;
            i) init=$OPTARG ;;
            f) fr=$OPTARG ;;
            m) mods=$OPTARG ;;
            a) extras="$extras $OPTARG" ;;
            *) return 2 ;;
        esac
    done
    shift $((OPTIND - 1))
    out=$1
    kdir=$2
    rel=$(kernel_release "$kdir")
    [ -n "$rel" ] || { e2e_log "no kernel in $kdir"; return 1; }
    bb=$(get_busybox_arm64) || return 1
    applets=$(_arm64_applets) || return 1
    stage=$(mktemp -d "${TMPDIR:-/tmp}/findroot-e2e-initramfs-arm64.XXXXXX") || return 1
    case $init in /*) ;; *) init="$PWD/$init" ;; esac
    case $fr in /* | '') ;; *) fr="$PWD/$fr" ;; esac
    case $out in /*) ;; *) out="$PWD/$out" ;; esac
    [ -f "$init" ] || { e2e_log "no init script $init"; rm -rf "$stage"; return 1; }
    (
        # set -e would be void here (the subshell is followed by ||): check each step.
        cd "$stage" || exit 1
        mkdir -p bin sbin usr/bin usr/sbin dev proc sys root run tmp etc/findroot "lib/modules/$rel" &&
            cp "$bb" bin/busybox && chmod 0755 bin/busybox || exit 1
        # --list-full prints paths without the leading slash (bin/sh).
        for path in $applets; do
            path=./${path#/}
            [ -e "$path" ] || [ -L "$path" ] || ln -s /bin/busybox "$path" 2>/dev/null || true
        done
        [ -L bin/sh ] || { e2e_log "no /bin/sh applet link"; exit 1; }
        cp "$init" init && chmod 0755 init || exit 1
        if [ -n "$fr" ]; then
            arm64_copy_with_libs "$fr" /sbin/findroot "$stage" || exit 1
        fi
        mdir="$kdir/lib/modules/$rel"
        # shellcheck disable=SC2086 # the module list is space separated
        kernel_modules "$kdir" $mods | while read -r f; do
            relpath=${f#"$mdir"/}
            mkdir -p "lib/modules/$rel/$(dirname "$relpath")" &&
                cp "$f" "lib/modules/$rel/$relpath" || exit 1
        done || exit 1
        for f in modules.order modules.builtin modules.builtin.modinfo; do
            [ -f "$mdir/$f" ] && cp "$mdir/$f" "lib/modules/$rel/"
        done
        if [ "$usrmerge" = 1 ]; then
            mkdir -p usr/lib && mv lib/* usr/lib/ && rmdir lib && ln -s usr/lib lib || exit 1
        fi
        depmod -b "$stage" "$rel" || exit 1
        # What a generic busybox image modprobes when findroot is not run.
        printf '%s\n' virtio_blk virtio_scsi sd_mod >etc/findroot/fallback-modules || exit 1
        for e in $extras; do
            s=${e%%:*}
            d=${e#*:}
            mkdir -p "./$(dirname "$d")" && cp "$s" "./$d" || exit 1
        done
        mknod -m 600 dev/console c 5 1 2>/dev/null || true
        mknod -m 666 dev/null c 1 3 2>/dev/null || true
    ) || { rm -rf "$stage"; return 1; }
    (cd "$stage" && find . -print | LC_ALL=C sort | cpio -o -H newc --quiet -R 0:0 | gzip -6) >"$out"
    rc=$?
    rm -rf "$stage"
    return $rc
}

make_rootfs_dir_arm64() {
    make_rootfs_dir "$1" "$2" || return 1
    bb=$(get_busybox_arm64) || return 1
    cp "$bb" "$1/bin/busybox" && chmod 0755 "$1/bin/busybox"
}

run_qemu_arm64() {
    log=$1
    shift
    tmo=$E2E_BOOT_TIMEOUT
    acpi=0
    while [ $# -gt 0 ]; do
        case $1 in
            -T) tmo=$2; shift 2 ;;
            -A) acpi=1; shift ;;
            --) shift; break ;;
            *) break ;;
        esac
    done
    if [ "$acpi" = 1 ]; then
        # ACPI tables reach the guest only through UEFI: the EFI stub of the
        # -kernel image runs under AAVMF. A private copy of the variable store.
        vars="$log.AAVMF_VARS.fd"
        cp "$AAVMF_VARS" "$vars" || return 1
        set -- -M virt,acpi=on \
            -drive "if=pflash,format=raw,unit=0,readonly=on,file=$AAVMF_CODE" \
            -drive "if=pflash,format=raw,unit=1,file=$vars" "$@"
    else
        set -- -M virt,acpi=off "$@"
    fi
    set -- -accel tcg -cpu "$E2E_ARM64_CPU" -smp 1 -m 512 -nographic -no-reboot -nodefaults \
        -serial "file:$log" -monitor none "$@"
    : >"$log"
    timeout -k 5 "$tmo" "$E2E_ARM64_QEMU" "$@" </dev/null >"$log.qemu" 2>&1
    rc=$?
    [ "$acpi" = 1 ] && rm -f "$log.AAVMF_VARS.fd"
    if [ "$rc" = 124 ] || [ "$rc" = 137 ]; then
        return 124
    fi
    if [ "$rc" != 0 ]; then
        e2e_log "qemu exited $rc: $(tail -n 3 "$log.qemu")"
    fi
    return "$rc"
}
