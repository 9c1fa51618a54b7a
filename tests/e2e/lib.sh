# shellcheck shell=sh
# Shared library for findroot's boot tests: real Debian kernels under QEMU.
# Source it (". tests/e2e/lib.sh"); it defines functions and sets nothing else
# but E2E_REPO and the defaults below. POSIX sh; every function returns non-zero on error
# and prints its complaint on stderr prefixed "e2e:".
#
# The guest architecture is x86_64 (q35, OVMF); "e2e_arch arm64" right after
# sourcing switches the same functions to arm64 (virt, AAVMF): it sources
# tests/e2e-arm64/lib-arm64.sh, which sets the variables below marked "per
# architecture" and adds the arm64 helpers.
#
# Environment (all optional):
#   FINDROOT_CACHE    cache root, default $HOME/.cache/findroot (kernels/ below it)
#   E2E_BOOT_TIMEOUT  hard limit for one QEMU boot in seconds, default 120
#   E2E_KEEP          1 = keep temp dirs (logs, images) for post-mortem
#   E2E_QEMU          QEMU binary, default qemu-system-x86_64 (per architecture)
#
# Per architecture (set here for x86_64, by lib-arm64.sh for arm64):
#   E2E_ARCH             x86_64 | arm64 (the arch column of docs/MATRIX.md)
#   E2E_KFLAVOR          the default kernel (get_kernel FLAVOR)
#   E2E_ELF_MACHINE      what readelf -h says of a guest binary ("Machine:")
#   E2E_DEFAULT_MODULES  modules (with deps) a busybox image carries
#   E2E_FALLBACK_MODULES what the image's /init modprobes when findroot is not run
#   E2E_CONSOLE_CMDLINE  the kernel command line every boot starts with
#   E2E_FW_CODE E2E_FW_VARS  the UEFI firmware run_qemu -U boots
#
# Sets E2E_REPO (exported): the repository root, see e2e_repo_root.
#
# Functions:
#   e2e_arch x86_64|arm64          the guest architecture (once, first)
#   e2e_log MSG...                 message on stderr
#   ensure_packages PKG...         from tools/lib/apt.sh: install the missing ones
#                                  (waits for the dpkg lock, retries once after
#                                  apt-get update, one line per failing package)
#   ensure_e2e_tools               the packages the x86 boot tests need
#                                  (ensure_arm64_tools: the arm64 ones)
#   get_kernel FLAVOR              tests/lib/kernels.sh: "6.12", "6.1", "6.12-cloud",
#                                  "6.12-arm64", "6.1-arm64" (host suite),
#                                  "6.12-trixie[-cloud|-arm64]", "sid[-arm64]", or
#                                  an exact package name; the newest that downloads,
#                                  unpacked into $FINDROOT_CACHE/kernels/<package>
#                                  (depmod run), prints that dir; says on stderr
#                                  which package and version. Cached; safe to run
#                                  concurrently.
#   kernel_describe KDIR           "PACKAGE VERSION (SUITE)" of an unpacked kernel
#   kernel_config KDIR             its config file
#   kernel_release KDIR            the uname -r of an unpacked kernel (from lib/modules)
#   kernel_image KDIR              path of its vmlinuz
#   kernel_modules KDIR NAME...    module files (absolute, as shipped) for NAME and their
#                                  dependencies, one per line; builtins skipped
#   mkinitramfs_busybox [opts] OUT KDIR
#        -i FILE    the /init (default: hooks/findroot-init.sh of this repo)
#        -f FILE    findroot binary to include as /sbin/findroot (+ its libraries
#                   and loader: e2e_copy_with_libs)
#        -m "MODS"  modules (with deps) to include; default $E2E_DEFAULT_MODULES
#        -a SRC:DST extra file (repeatable); DST inside the image
#        -z gzip|zstd  compression (default gzip)
#        -u         merged /usr: modules in /usr/lib/modules, /lib -> usr/lib
#                   (as trixie's and later generators make images)
#      Builds a newc cpio: static busybox (e2e_busybox) with a symlink per applet,
#      modules kept .ko.xz as Debian ships them plus modules.builtin*/order and a
#      depmod run on the image tree, /dev/console, /etc/findroot/fallback-modules.
#   e2e_busybox                    the path of the guest's static busybox
#   e2e_readelf ARGS...            readelf for guest binaries
#   e2e_copy_with_libs SRC DST STAGE
#                                  a guest binary into STAGE at DST, with the shared
#                                  libraries and loader it needs (ldd on x86_64)
#   make_rootfs_dir DIR MARKER     a tiny root tree whose /sbin/init prints
#                                  "<MARKER> <uptime>" on the console and powers off
#   mkfs_ext4_image IMG SIZE_MB DIR [LABEL] [UUID]
#                                  ext4 image populated from DIR (mkfs.ext4 -d: no
#                                  loop devices, no root needed)
#   mkdisk_gpt DISK SIZE_MB PARTIMG [PARTLABEL] [PARTUUID]
#                                  raw GPT disk (sgdisk) whose partition 1 starts at
#                                  1 MiB and holds PARTIMG (dd at the offset)
#   mkdisk_blank DISK SIZE_MB      a GPT disk with one empty partition (a decoy)
#   e2e_tmpdir NAME                make and print a fresh temp dir (removed by
#                                  e2e_cleanup unless E2E_KEEP=1)
#   run_qemu LOG [-T SEC] [-Q QMPSOCK] [-U] -- QEMU-ARGS...
#                                  q35 (arm64: virt, E2E_ARM64_CPU), TCG, -smp 1,
#                                  -m 512, -nographic, -no-reboot, serial to LOG,
#                                  killed after -T (default E2E_BOOT_TIMEOUT)
#                                  seconds; -U = UEFI (OVMF; arm64: AAVMF and
#                                  ACPI, else a device tree and acpi=off).
#                                  Returns 0 when QEMU exited by itself, 124 on timeout.
#                                  E2E_STOP_PATTERN (ERE): stop the guest E2E_STOP_GRACE
#                                  (3) s after it shows on the console; returns 0 then.
#                                  With -Q the QMP socket is created; run it in the
#                                  background and use qmp_cmd meanwhile.
#   qmp_cmd SOCK JSON...           send QMP commands (capabilities handshake done)
#   uptime_of LOG TAG              the guest uptime printed after TAG in LOG
#   kmsg_stamps LOG                " kstart=.. kroot=.. kfail=.." from kmsg_time_of
#   bench_outcome VERDICT_LINE     "found|gaveup SECONDS kmsg|uptime UPTIME_S END",
#                                  "broken - - - -" without stamps
#   kmsg_time_of LOG WHAT          the kernel timestamp of the hook's kernel
#                                  log mark "findroot-init: reached WHAT"
#   verdict SCENARIO PASS|FAIL SECONDS REASON
#                                  print "E2E <scenario> PASS|FAIL <s> <reason>" on
#                                  stdout and return 0 for PASS, 1 for FAIL

: "${FINDROOT_CACHE:=${HOME:-/root}/.cache/findroot}"
: "${E2E_BOOT_TIMEOUT:=120}"
: "${E2E_QEMU:=qemu-system-x86_64}"
E2E_ARCH=x86_64
E2E_KFLAVOR=6.12
E2E_ELF_MACHINE=X86-64
# Storage, IOMMU and filesystem modules a generic busybox image carries.
E2E_DEFAULT_MODULES="virtio_pci virtio_iommu virtio_blk virtio_scsi sd_mod nvme ahci ext4 crc32c_generic crc32c_intel"
# What a generic busybox image would modprobe when findroot is not run.
E2E_FALLBACK_MODULES="virtio_pci virtio_blk virtio_scsi sd_mod nvme ahci"
# panic=-1: the hook's emergency action is a panic, and -no-reboot ends QEMU.
E2E_CONSOLE_CMDLINE="console=ttyS0 panic=-1"
E2E_FW_CODE=/usr/share/OVMF/OVMF_CODE_4M.fd
E2E_FW_VARS=/usr/share/OVMF/OVMF_VARS_4M.fd
# (read by the scripts that source this file)
: "$E2E_KFLAVOR" "$E2E_ELF_MACHINE" "$E2E_CONSOLE_CMDLINE"

e2e_log() {
    printf 'e2e: %s\n' "$*" >&2
}

# The repository root: $E2E_REPO, else the first directory above the calling
# script (or the current one) that holds hooks/findroot-init.sh.
e2e_repo_root() {
    if [ -n "${E2E_REPO:-}" ]; then
        printf '%s\n' "$E2E_REPO"
        return 0
    fi
    for start in "$(dirname -- "$0")" "$PWD"; do
        d=$(CDPATH='' cd -- "$start" 2>/dev/null && pwd) || continue
        while [ -n "$d" ] && [ "$d" != / ]; do
            if [ -f "$d/hooks/findroot-init.sh" ]; then
                printf '%s\n' "$d"
                return 0
            fi
            d=$(dirname -- "$d")
        done
    done
    e2e_log "cannot find the repository root; set E2E_REPO"
    return 1
}

# The one package installer of the tree (and archive downloads that survive
# a moving archive): ensure_packages, fr_apt_fetch_version, ...
E2E_REPO=$(e2e_repo_root) || return 1
export E2E_REPO
# shellcheck source=tools/lib/apt.sh
. "$E2E_REPO/tools/lib/apt.sh"

e2e_arch() {
    case $1 in
        x86_64) ;;
        arm64)
            # shellcheck source=tests/e2e-arm64/lib-arm64.sh
            . "$E2E_REPO/tests/e2e-arm64/lib-arm64.sh"
            ;;
        *) e2e_log "unknown architecture $1"; return 1 ;;
    esac
}

ensure_e2e_tools() {
    ensure_packages qemu-system-x86 busybox-static e2fsprogs gdisk ovmf kmod cpio xz-utils zstd util-linux socat
}

# get_kernel, kernel_describe, kernel_config (and the other suites' apt)
# shellcheck source=tests/lib/apt-suite.sh
. "$E2E_REPO/tests/lib/apt-suite.sh"
# shellcheck source=tests/lib/kernels.sh
. "$E2E_REPO/tests/lib/kernels.sh"
# matrix_record (docs/MATRIX.md)
# shellcheck source=tests/lib/matrix.sh
. "$E2E_REPO/tests/lib/matrix.sh"

kernel_release() {
    # (lib may be a symlink to usr/lib: the trailing slash follows it)
    find "$1/lib/modules/" -mindepth 1 -maxdepth 1 -type d -printf '%f\n' 2>/dev/null | sort | head -n 1
}

kernel_image() {
    rel=$(kernel_release "$1")
    for f in "$1/boot/vmlinuz-$rel" "$1/lib/modules/$rel/vmlinuz"; do
        [ -f "$f" ] && { printf '%s\n' "$f"; return 0; }
    done
    find "$1/boot" -maxdepth 1 -name 'vmlinu*' 2>/dev/null | head -n 1
}

kernel_modules() {
    kdir=$1
    shift
    rel=$(kernel_release "$kdir")
    for m in "$@"; do
        # modprobe -D prints "insmod /path" for each module and "builtin NAME" for
        # built-in ones; unknown modules are skipped quietly (not every kernel has all).
        modprobe -d "$kdir" -S "$rel" -D "$m" 2>/dev/null | awk '$1 == "insmod" {print $2}'
    done | awk '!seen[$0]++'
}

e2e_busybox() {
    case $E2E_ARCH in
        arm64) get_busybox_arm64 ;;
        *) printf '%s\n' /bin/busybox ;;
    esac
}

e2e_readelf() {
    case $E2E_ARCH in
        arm64) _arm64_readelf "$@" ;;
        *) readelf "$@" ;;
    esac
}

e2e_copy_with_libs() {
    src=$1
    dst=$2
    stage=$3
    mkdir -p "$stage/$(dirname "$dst")" || return 1
    cp -L "$src" "$stage/$dst" || return 1
    chmod 0755 "$stage/$dst"
    [ "$E2E_ARCH" = arm64 ] && { arm64_copy_libs "$src" "$stage"; return; }
    # "not a dynamic executable" (static) prints nothing we keep.
    ldd "$src" 2>/dev/null | awk '{for (i = 1; i <= NF; i++) if ($i ~ /^\//) print $i}' |
        while read -r lib; do
            [ -e "$stage$lib" ] && continue
            mkdir -p "$stage$(dirname "$lib")"
            cp -L "$lib" "$stage$lib" || exit 1
        done || return 1
}

mkinitramfs_busybox() {
    init="$(e2e_repo_root)/hooks/findroot-init.sh"
    fr=""
    mods=$E2E_DEFAULT_MODULES
    extras=""
    comp=gzip
    usrmerge=0
    OPTIND=1
    while getopts i:f:m:a:z:u opt; do
        case $opt in
            u) usrmerge=1 ;;
            i) init=$OPTARG ;;
            f) fr=$OPTARG ;;
            m) mods=$OPTARG ;;
            a) extras="$extras $OPTARG" ;;
            z) comp=$OPTARG ;;
            *) return 2 ;;
        esac
    done
    shift $((OPTIND - 1))
    out=$1
    kdir=$2
    rel=$(kernel_release "$kdir")
    [ -n "$rel" ] || { e2e_log "no kernel in $kdir"; return 1; }
    bb=$(e2e_busybox) || return 1
    # The image is staged in another directory: make paths absolute first.
    case $init in /*) ;; *) init="$PWD/$init" ;; esac
    case $fr in /* | '') ;; *) fr="$PWD/$fr" ;; esac
    case $out in /*) ;; *) out="$PWD/$out" ;; esac
    if [ ! -f "$init" ]; then
        e2e_log "no init script $init"
        return 1
    fi
    stage=$(mktemp -d "${TMPDIR:-/tmp}/e2e-initramfs.XXXXXX") || return 1
    (
        # (set -e is void in a subshell that is followed by ||: check each step)
        cd "$stage" || exit 1
        mkdir -p bin sbin usr/bin usr/sbin dev proc sys root run tmp etc/findroot "lib/modules/$rel" &&
            cp "$bb" bin/busybox && chmod 0755 bin/busybox || exit 1
        # Symlinks for every applet, made on the host: its static busybox lists
        # them (the guest's is the same Debian build; see get_busybox_arm64),
        # as paths without the leading slash (bin/sh).
        for path in $(/bin/busybox --list-full); do
            path=./${path#/}
            [ -e "$path" ] || [ -L "$path" ] || ln -s /bin/busybox "$path" 2>/dev/null || true
        done
        [ -L bin/sh ] || { e2e_log "no /bin/sh applet link"; exit 1; }
        cp "$init" init && chmod 0755 init || exit 1
        if [ -n "$fr" ]; then
            e2e_copy_with_libs "$fr" /sbin/findroot "$stage" || exit 1
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
        # shellcheck disable=SC2086 # one module a line
        printf '%s\n' $E2E_FALLBACK_MODULES >etc/findroot/fallback-modules || exit 1
        for e in $extras; do
            s=${e%%:*}
            d=${e#*:}
            mkdir -p "./$(dirname "$d")" && cp "$s" "./$d" || exit 1
        done
        # The kernel opens /dev/console before devtmpfs exists; without the node
        # /init has no stdout (the hook re-opens it after mounting devtmpfs too).
        mknod -m 600 dev/console c 5 1 2>/dev/null || true
        mknod -m 666 dev/null c 1 3 2>/dev/null || true
    ) || { rm -rf "$stage"; return 1; }
    case $comp in
        zstd) cmd="zstd -q -19 -T0" ;;
        *) cmd="gzip -6" ;;
    esac
    (cd "$stage" && find . -print | LC_ALL=C sort | cpio -o -H newc --quiet -R 0:0 | $cmd) >"$out"
    rc=$?
    rm -rf "$stage"
    return $rc
}

make_rootfs_dir() {
    dir=$1
    marker=$2
    bb=$(e2e_busybox) || return 1
    mkdir -p "$dir/bin" "$dir/sbin" "$dir/dev" "$dir/proc" "$dir/sys" "$dir/run" "$dir/tmp" "$dir/etc" || return 1
    cp "$bb" "$dir/bin/busybox" && chmod 0755 "$dir/bin/busybox" || return 1
    ln -sf busybox "$dir/bin/sh"
    # /proc was moved here by the hook; mount it anyway in case it was not.
    cat >"$dir/sbin/init" <<EOF
#!/bin/busybox sh
/bin/busybox mount -t proc proc /proc 2>/dev/null
read -r up _ </proc/uptime
echo "$marker \$up"
/bin/busybox cat /proc/cmdline
/bin/busybox mount | /bin/busybox grep ' / '
/bin/busybox sync
/bin/busybox poweroff -f
EOF
    chmod 0755 "$dir/sbin/init"
    printf 'ID=findroot-e2e\nNAME="findroot e2e root"\n' >"$dir/etc/os-release"
}

mkfs_ext4_image() {
    img=$1
    size=$2
    dir=$3
    label=${4:-}
    uuid=${5:-}
    rm -f "$img"
    set -- -q -F -t ext4 -d "$dir"
    [ -n "$label" ] && set -- "$@" -L "$label"
    [ -n "$uuid" ] && set -- "$@" -U "$uuid"
    mkfs.ext4 "$@" "$img" "${size}M" >/dev/null 2>&1 || mkfs.ext4 "$@" "$img" "${size}M" >&2
}

mkdisk_gpt() {
    disk=$1
    size=$2
    part=$3
    plabel=${4:-root}
    puuid=${5:-R}
    psize=$(( ($(stat -c %s "$part") + 511) / 512 ))
    rm -f "$disk"
    truncate -s "${size}M" "$disk" || return 1
    sgdisk -o -n "1:2048:+$psize" -t 1:8300 -c "1:$plabel" -u "1:$puuid" "$disk" >/dev/null || return 1
    dd if="$part" of="$disk" bs=512 seek=2048 conv=notrunc,sparse status=none
}

mkdisk_blank() {
    disk=$1
    size=$2
    rm -f "$disk"
    truncate -s "${size}M" "$disk" || return 1
    sgdisk -o -n 1:2048:0 -t 1:8300 -c 1:data "$disk" >/dev/null
}

e2e_tmpdir() {
    # A private TMPDIR goes with its last user (e2e_cleanup): made again here,
    # and once more should another run's cleanup have just removed it.
    for _try in 1 2; do
        mkdir -p "${TMPDIR:-/tmp}" 2>/dev/null
        if d=$(mktemp -d "${TMPDIR:-/tmp}/findroot-e2e-$1.XXXXXX"); then
            printf '%s\n' "$d"
            return 0
        fi
    done
    return 1
}

e2e_cleanup() {
    # e2e_cleanup DIR...: remove temp dirs unless E2E_KEEP=1
    if [ "${E2E_KEEP:-0}" = 1 ]; then
        e2e_log "kept: $*"
        return 0
    fi
    for d in "$@"; do
        case $d in
            */findroot-e2e-*) rm -rf "$d" ;;
        esac
        # the suites' private temp roots go with their last user
        case ${d%/*} in
            */findroot-arm64-e2e | */findroot-integrations) rmdir "${d%/*}" 2>/dev/null || : ;;
        esac
    done
}

run_qemu() {
    log=$1
    shift
    tmo=$E2E_BOOT_TIMEOUT
    qmp=""
    uefi=0
    while [ $# -gt 0 ]; do
        case $1 in
            -T) tmo=$2; shift 2 ;;
            -Q) qmp=$2; shift 2 ;;
            -U) uefi=1; shift ;;
            --) shift; break ;;
            *) break ;;
        esac
    done
    case $E2E_ARCH in
        # ACPI tables reach an arm64 guest only through UEFI (the EFI stub of
        # the -kernel image runs under AAVMF); without it, a device tree.
        arm64) set -- -M "virt,acpi=$([ "$uefi" = 1 ] && echo on || echo off)" -cpu "$E2E_ARM64_CPU" "$@" ;;
        *) set -- -M q35 "$@" ;;
    esac
    set -- -accel tcg -smp 1 -m 512 -nographic -no-reboot -nodefaults \
        -serial "file:$log" -monitor none "$@"
    if [ -n "$qmp" ]; then
        set -- -qmp "unix:$qmp,server=on,wait=off" "$@"
    fi
    vars="$log.FW_VARS.fd"
    if [ "$uefi" = 1 ]; then
        # a private copy of the variable store
        cp "$E2E_FW_VARS" "$vars" || return 1
        set -- -drive "if=pflash,format=raw,unit=0,readonly=on,file=$E2E_FW_CODE" \
            -drive "if=pflash,format=raw,unit=1,file=$vars" "$@"
    fi
    : >"$log"
    # timeout(1) sends TERM, then KILL 5 s later: a hung guest always ends.
    if [ -z "${E2E_STOP_PATTERN:-}" ]; then
        timeout -k 5 "$tmo" "$E2E_QEMU" "$@" </dev/null >"$log.qemu" 2>&1
        rc=$?
    else
        # A boot that is expected to fail ends once its evidence is on the
        # console (plus E2E_STOP_GRACE seconds), not at the time limit.
        timeout -k 5 "$tmo" "$E2E_QEMU" "$@" </dev/null >"$log.qemu" 2>&1 &
        qpid=$!
        stopped=0
        while kill -0 "$qpid" 2>/dev/null; do
            if grep -aEq "$E2E_STOP_PATTERN" "$log" 2>/dev/null; then
                sleep "${E2E_STOP_GRACE:-3}"
                kill "$qpid" 2>/dev/null && stopped=1
                break
            fi
            sleep 0.5
        done
        wait "$qpid"
        rc=$?
        if [ "$stopped" = 1 ]; then
            e2e_log "guest stopped: console shows '$E2E_STOP_PATTERN'"
            rc=0
        fi
    fi
    rm -f "$vars"
    if [ "$rc" = 124 ] || [ "$rc" = 137 ]; then
        return 124
    fi
    if [ "$rc" != 0 ]; then
        e2e_log "qemu exited $rc: $(tail -n 3 "$log.qemu")"
    fi
    return "$rc"
}

qmp_cmd() {
    sock=$1
    shift
    {
        printf '{"execute":"qmp_capabilities"}\n'
        for c in "$@"; do
            printf '%s\n' "$c"
            sleep 0.2
        done
        sleep 0.5
    } | _e2e_unix_connect "$sock"
}

_e2e_unix_connect() {
    # python3 is not always there; socat and nc flavours vary. Prefer what exists.
    if command -v socat >/dev/null 2>&1; then
        socat - "UNIX-CONNECT:$1"
    elif command -v python3 >/dev/null 2>&1; then
        python3 -c '
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.connect(sys.argv[1])
s.sendall(sys.stdin.buffer.read())
s.settimeout(2)
try:
    while True:
        b = s.recv(65536)
        if not b:
            break
        sys.stdout.buffer.write(b)
except socket.timeout:
    pass
' "$1"
    else
        e2e_log "need socat or python3 for QMP"
        return 1
    fi
}

kmsg_time_of() {
    # the kernel's timestamp of the first console line "[ SECS] findroot-init: reached WHAT"
    tr -d '\r' <"$1" | awk -v what="$2" '
        { i = index($0, "] findroot-init: reached " what); if (!i || substr($0, 1, 1) != "[") next
          rest = substr($0, i + length("] findroot-init: reached " what), 1)
          if (rest != "" && rest != " ") next
          t = substr($0, 2, i - 2); gsub(/ /, "", t)
          if (t ~ /^[0-9]+\.[0-9]+$/) { print t; exit } }'
}

kmsg_stamps() {
    # " kstart=.. kroot=.. kfail=.." (none where missing) for run-scenario's -r line
    printf ' kstart=%s kroot=%s kfail=%s' "$(kmsg_time_of "$1" start)" "$(kmsg_time_of "$1" root)" \
        "$(kmsg_time_of "$1" fail)" | sed 's/=\( \|$\)/=none\1/g'
}

bench_outcome() {
    # "found|gaveup SECONDS CLOCK UPTIME_SECONDS UPTIME_END" from run-scenario's
    # -r verdict line: SECONDS from the kernel log marks (microseconds) when the
    # /init wrote them, else from its /proc/uptime stamps (10 ms steps); the
    # uptime stamps' own duration and end (root or fail) follow, "-" if absent.
    # "broken - - - -" without either clock.
    printf '%s\n' "$1" | awk '
        { for (i = 1; i <= NF; i++) { split($i, kv, "="); if (kv[2] ~ /^[0-9]+(\.[0-9]+)?$/) v[kv[1]] = kv[2] } }
        END {
            end = ("root" in v) ? v["root"] : ("fail" in v) ? v["fail"] : ""
            up = ("start" in v && end != "") ? sprintf("%.2f %s", end - v["start"], end) : "- -"
            if ("kstart" in v && "kroot" in v) printf "found %.3f kmsg %s\n", v["kroot"] - v["kstart"], up
            else if ("kstart" in v && "kfail" in v) printf "gaveup %.3f kmsg %s\n", v["kfail"] - v["kstart"], up
            else if ("start" in v && "root" in v) printf "found %.2f uptime %s\n", v["root"] - v["start"], up
            else if ("start" in v && "fail" in v) printf "gaveup %.2f uptime %s\n", v["fail"] - v["start"], up
            else print "broken - - - -"
        }'
}

uptime_of() {
    # first number after TAG on a console line
    tr -d '\r' <"$1" | awk -v tag="$2" '{ i = index($0, tag); if (i) { s = substr($0, i + length(tag)); n = split(s, f, " "); for (j = 1; j <= n; j++) if (f[j] ~ /^[0-9]+(\.[0-9]+)?$/) { print f[j]; exit } } }'
}

verdict() {
    printf 'E2E %s %s %s %s\n' "$1" "$2" "$3" "$4"
    [ "$2" = PASS ]
}
