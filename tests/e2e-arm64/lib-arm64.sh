# shellcheck shell=sh
# The arm64 side of tests/e2e/lib.sh: sourced by its "e2e_arch arm64",
# switches its image builder and run_qemu to Debian's arm64 kernel under qemu-system-aarch64
# -M virt (TCG) and adds what only arm64 needs (the arm64 busybox, libraries
# found in the multiarch dirs, AAVMF).
#
# Environment (besides lib.sh's):
#   E2E_ARM64_QEMU   default qemu-system-aarch64 (becomes lib.sh's E2E_QEMU)
#   E2E_ARM64_CPU    default cortex-a57 (-cpu max is ~2.5x slower under TCG)
#   E2E_ARM64_TRIPLET  default aarch64-linux-gnu (multiarch library dirs)
#   E2E_ARM64_BOOT_TIMEOUT  default 180 (becomes E2E_BOOT_TIMEOUT)
#   AAVMF_CODE / AAVMF_VARS  firmware, default /usr/share/AAVMF/AAVMF_{CODE,VARS}.fd
#
# Functions:
#   ensure_arm64_tools            host packages the arm64 boot tests need
#                                 (tools/cross-arm64.sh --deps installs the same)
#   get_busybox_arm64             busybox-static:arm64 unpacked (never installed)
#                                 into $FINDROOT_CACHE/busybox-arm64/<version>;
#                                 prints the path of its busybox binary
#                                 ($E2E_ARM64_BUSYBOX when set: no apt look-up);
#                                 lib.sh's e2e_busybox on arm64
#   arm64_copy_libs BIN STAGE     the shared libraries and loader of an arm64
#                                 binary, found with readelf in the multiarch
#                                 dirs (lib.sh's e2e_copy_with_libs on arm64)

: "${E2E_ARM64_QEMU:=qemu-system-aarch64}"
: "${E2E_ARM64_CPU:=cortex-a57}"
: "${E2E_ARM64_TRIPLET:=aarch64-linux-gnu}"
: "${AAVMF_CODE:=/usr/share/AAVMF/AAVMF_CODE.fd}"
: "${AAVMF_VARS:=/usr/share/AAVMF/AAVMF_VARS.fd}"
# lib.sh's per-architecture settings
E2E_ARCH=arm64
E2E_KFLAVOR=6.12-arm64
E2E_ELF_MACHINE=AArch64
E2E_QEMU=$E2E_ARM64_QEMU
# TCG arm64 under a loaded host: UEFI alone can take 20 s.
E2E_BOOT_TIMEOUT=${E2E_ARM64_BOOT_TIMEOUT:-180}
# virtio_pci is built into Debian's arm64 kernel.
E2E_DEFAULT_MODULES="virtio_iommu virtio_blk virtio_scsi sd_mod ext4 crc32c_generic"
E2E_FALLBACK_MODULES="virtio_blk virtio_scsi sd_mod"
E2E_CONSOLE_CMDLINE="console=ttyAMA0 panic=-1 rd.emergency=poweroff"
E2E_FW_CODE=$AAVMF_CODE
E2E_FW_VARS=$AAVMF_VARS
# (read by lib.sh and the scripts that source these files)
: "$E2E_BOOT_TIMEOUT" "$E2E_ARCH" "$E2E_KFLAVOR" "$E2E_ELF_MACHINE" "$E2E_QEMU" "$E2E_DEFAULT_MODULES" "$E2E_FALLBACK_MODULES" "$E2E_CONSOLE_CMDLINE" \
    "$E2E_FW_CODE" "$E2E_FW_VARS"

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
            # mkinitramfs_busybox takes the applet list from the host's busybox
            hostver=$(dpkg-query -W -f='${Version}' busybox-static 2>/dev/null)
            if [ -n "$hostver" ] && [ "${hostver%+b*}" != "${ver%+b*}" ]; then
                e2e_log "host busybox-static $hostver differs from arm64 $ver; applet list may differ"
            fi
            rm -rf "$broot/.dl"
            mv "$broot/$ver.tmp" "$broot/$ver" && : >"$broot/$ver/.complete" &&
                echo "$ver" >"$broot/.version" || exit 1
        fi
        printf '%s\n' "$broot/$ver/bin/busybox"
    ) 9>"$broot/.lock"
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

arm64_copy_libs() {
    src=$1
    stage=$2
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
