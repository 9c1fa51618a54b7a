#!/bin/bash
# A stand-in for mkinitcpio (not packaged by Debian) to build an image with
# mkinitcpio/install/findroot and mkinitcpio/hooks/findroot. It implements
# the install-hook API the findroot hook calls, with the semantics mkinitcpio
# v39 documents in mkinitcpio(8) "ABOUT INSTALL HOOKS" and in its functions:
#   add_dir DIR [MODE]             directory in the image
#   add_file SRC [DEST] [MODE]     file, DEST defaults to SRC
#   add_symlink NAME [TARGET]      symlink
#   add_binary SRC [DEST] [MODE]   binary plus the shared libraries ldd names
#   add_module NAME[?]             module and its dependencies; with a trailing
#                                  '?' a missing module is not an error
#   add_all_modules PATTERN...     every module whose path under kernel/
#                                  matches (no autodetect filter)
#   add_runscript                  hooks/$hook into /hooks, and the hook name
#                                  into EARLYHOOKS/HOOKS/LATEHOOKS/
#                                  CLEANUPHOOKS/EMERGENCYHOOKS for each
#                                  run_* function the script defines
#   add_systemd_unit NAME          unit file found in the unit path (as
#                                  mkinitcpio: /usr/lib/systemd/system, before
#                                  it $FINDROOT_UNIT_PATH for tests), its hard
#                                  dependencies (Requires, OnFailure) and Exec*
#                                  binaries, and its .requires links
#   add_udev_rule NAME             a udev rules file and the programs it runs
#   map FN ARG...                  FN on each ARG
#   msg/msg2/warning/error/plain   messages (error does not exit)
# The runtime side is harness-init + harness-init_functions (beside this).
# Usage: harness.sh -k KDIR -o OUT -H "HOOK..." [-d HOOKSDIR] [-M "MODULES"]
#   HOOKS are looked up as $HOOKSDIR/install/NAME and $HOOKSDIR/hooks/NAME;
#   "base" is the harness's own (busybox, blkid, mount, init); "systemd" is
#   the harness's stand-in for mkinitcpio's systemd hook (v40+): the host's
#   systemd as /init, udev with its storage and driver rules, the initrd units.
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
HOOKSDIR=$(cd "$HERE/../../../mkinitcpio" && pwd)
KDIR="" OUT="" HOOKLIST="" CONF_MODULES=""
while getopts k:o:H:d:M: opt; do
    case $opt in
        k) KDIR=$OPTARG ;;
        o) OUT=$OPTARG ;;
        H) HOOKLIST=$OPTARG ;;
        d) HOOKSDIR=$OPTARG ;;
        M) CONF_MODULES=$OPTARG ;;
        *) exit 2 ;;
    esac
done
[[ -n $KDIR && -n $OUT && -n $HOOKLIST ]] || { echo "usage: $0 -k KDIR -o OUT -H HOOKS" >&2; exit 2; }
KERNELVERSION=$(find "$KDIR/lib/modules" -mindepth 1 -maxdepth 1 -printf "%f\n" | head -n 1)
_d_kmod=$KDIR/lib/modules/$KERNELVERSION
BUILDROOT=$(mktemp -d "${TMPDIR:-/tmp}/mkinitcpio-harness.XXXXXX")
trap 'rm -rf "$BUILDROOT"' EXIT
_errors=0
_runhooks_early=() _runhooks_hook=() _runhooks_late=() _runhooks_cleanup=() _runhooks_emergency=()
_modules=()

plain() { printf '    %s\n' "$*" >&2; }
msg() { printf '==> %s\n' "$*" >&2; }
msg2() { printf '  -> %s\n' "$*" >&2; }
warning() { printf '==> WARNING: %s\n' "$*" >&2; }
error() { printf '==> ERROR: %s\n' "$*" >&2; _errors=$((_errors + 1)); return 1; }

map() {
    local fn=$1 r=0 a
    shift
    for a in "$@"; do
        "$fn" "$a" || r=1
    done
    return "$r"
}

add_dir() {
    [[ -d $BUILDROOT$1 ]] || install -d -m "${2:-755}" "$BUILDROOT$1"
}

add_symlink() {
    local name=$1 target=${2:-$1}
    [[ -n ${2:-} ]] || target=$(readlink -f "$1")
    add_dir "$(dirname "$name")"
    ln -sfn "$target" "$BUILDROOT$name"
}

add_file() {
    local src=$1 dest=${2:-$1} mode=${3:-}
    [[ -f $src ]] || { error "file not found: '$src'"; return 1; }
    [[ -e $BUILDROOT$dest ]] && return 0
    add_dir "$(dirname "$dest")"
    if [[ -n $mode ]]; then
        install -m "$mode" "$src" "$BUILDROOT$dest"
    else
        cp -L --preserve=mode "$src" "$BUILDROOT$dest"
    fi
}

add_binary() {
    local src=$1 dest=${2:-$1} mode=${3:-755} lib
    [[ -f $src ]] || src=$(command -v "$src") || { error "binary not found: '$1'"; return 1; }
    add_file "$src" "$dest" "$mode" || return 1
    # shared libraries (and the loader) at their own paths
    while read -r lib; do
        add_file "$lib" "$lib" 755
    done < <(ldd "$src" 2>/dev/null | grep -o '/[^ ]*')
    return 0
}

# module and its dependencies, resolved in the kernel's own modules.dep
add_module() {
    local name=${1%\?} optional=0 f found=0
    [[ $1 == *\? ]] && optional=1
    name=${name%.ko*}
    while read -r kind f; do
        case $kind in
            insmod) _modules+=("$f") found=1 ;;
            builtin) found=1 ;;
        esac
    done < <(modprobe -d "$KDIR" -S "$KERNELVERSION" -D "$name" 2>/dev/null)
    if ((!found)); then
        ((optional)) && return 0
        error "module not found: '$name'"
        return 1
    fi
}

add_all_modules() {
    local pattern f
    for pattern in "$@"; do
        while read -r f; do
            f=${f##*/}
            add_module "${f%%.ko*}?"
        done < <(find "$_d_kmod/kernel" -name '*.ko*' | grep -F -- "${pattern}")
    done
}

add_runscript() {
    local script=$HOOKSDIR/hooks/$hook fn
    [[ -f $script ]] || { error "runtime hook not found: '$script'"; return 1; }
    add_file "$script" "/hooks/$hook" 755
    for fn in $(bash -c '. "$1" >/dev/null 2>&1; declare -F | awk "{print \$3}"' _ "$script"); do
        case $fn in
            run_earlyhook) _runhooks_early+=("$hook") ;;
            run_hook) _runhooks_hook+=("$hook") ;;
            run_latehook) _runhooks_late+=("$hook") ;;
            run_cleanuphook) _runhooks_cleanup+=("$hook") ;;
            run_emergencyhook) _runhooks_emergency+=("$hook") ;;
        esac
    done
}

_unit_path() {
    PATH=${FINDROOT_UNIT_PATH:+$FINDROOT_UNIT_PATH:}/usr/lib/systemd/system:/lib/systemd/system \
        type -P "$1"
}

add_systemd_unit() {
    local unit key values dep d
    unit=$(_unit_path "$1") || { error "unit not found: '$1'"; return 1; }
    [[ -e $BUILDROOT/usr/lib/systemd/system/${unit##*/} ]] && return 0
    add_file "$unit" "/usr/lib/systemd/system/${unit##*/}" 644
    while IFS='=' read -r key values; do
        read -ra values <<< "$values"
        case $key in
            Requires | OnFailure)
                for dep in "${values[@]}"; do
                    if _unit_path "$dep" > /dev/null; then
                        add_systemd_unit "$dep" || return 1
                    else
                        warning "unit $dep (for ${unit##*/}) not found"
                    fi
                done
                ;;
            Exec*)
                dep=${values[0]#[-@!+:]}
                dep=${dep#[-@!+:]}
                [[ $dep == /* && -e $dep ]] && { add_binary "$dep" || return 1; }
                ;;
        esac
    done < "$unit"
    # (a host's .wants are its own choices; only .requires are hard)
    d=$unit.requires
    if [[ -d $d ]]; then
        for dep in "$d"/*; do
            [[ -e $dep ]] || continue
            _unit_path "${dep##*/}" > /dev/null || continue
            add_systemd_unit "${dep##*/}" &&
                add_symlink "/usr/lib/systemd/system/${d##*/}/${dep##*/}" "../${dep##*/}"
        done
    fi
    return 0
}

add_udev_rule() {
    local rule prog
    for rule in "/usr/lib/udev/rules.d/$1" "/lib/udev/rules.d/$1"; do
        [[ -f $rule ]] && break
    done
    [[ -f $rule ]] || { error "udev rule not found: '$1'"; return 1; }
    add_file "$rule" "/usr/lib/udev/rules.d/$1" 644
    # helpers the rules run by bare name live in /usr/lib/udev
    while read -r prog; do
        [[ -x /usr/lib/udev/$prog ]] && add_binary "/usr/lib/udev/$prog"
    done < <(grep -o 'PROGRAM="[^" ]*\|IMPORT{program}="[^" ]*' "$rule" | sed 's/.*="//')
    return 0
}

# the harness's "systemd": what mkinitcpio's systemd hook provides (v40+,
# HOOKS=(base systemd ...)), from the host's systemd
build_systemd() {
    local b u
    rm -f "$BUILDROOT/init"
    add_binary /usr/lib/systemd/systemd /init || return 1
    add_symlink /usr/lib/systemd/systemd /init
    for b in /usr/lib/systemd/systemd-udevd /usr/bin/udevadm /usr/bin/systemctl /usr/bin/journalctl \
        /usr/bin/systemd-tmpfiles /usr/lib/systemd/systemd-journald /usr/lib/systemd/systemd-shutdown \
        /usr/lib/systemd/systemd-sulogin-shell /usr/lib/systemd/systemd-fsck \
        /usr/lib/systemd/systemd-modules-load /usr/lib/systemd/systemd-sysroot-fstab-check \
        /usr/lib/systemd/system-generators/systemd-fstab-generator /usr/bin/mount /usr/bin/umount \
        /usr/sbin/sulogin /usr/bin/kmod; do
        [[ -e $b ]] && { add_binary "$b" || return 1; }
    done
    # kmod, not busybox, for the kernel's and udev's module requests
    for b in modprobe insmod rmmod lsmod depmod modinfo; do
        rm -f "$BUILDROOT/usr/bin/$b"
        ln -s kmod "$BUILDROOT/usr/bin/$b"
    done
    ln -sfn ../lib/systemd/systemd-udevd "$BUILDROOT/usr/bin/systemd-udevd"
    map add_udev_rule 50-udev-default.rules 60-block.rules 60-persistent-storage.rules \
        80-drivers.rules 99-systemd.rules
    for u in initrd.target initrd-fs.target initrd-root-fs.target initrd-root-device.target \
        initrd-switch-root.target initrd-switch-root.service initrd-cleanup.service \
        initrd-parse-etc.service initrd-udevadm-cleanup-db.service initrd-usr-fs.target \
        sysinit.target basic.target local-fs.target local-fs-pre.target paths.target slices.target \
        sockets.target swap.target timers.target emergency.target emergency.service \
        rescue.target rescue.service shutdown.target reboot.target poweroff.target final.target \
        systemd-poweroff.service systemd-reboot.service \
        kmod-static-nodes.service systemd-tmpfiles-setup-dev.service systemd-journald.service \
        systemd-journald.socket systemd-journald-dev-log.socket systemd-udevd.service \
        systemd-udevd-control.socket systemd-udevd-kernel.socket systemd-udev-trigger.service \
        systemd-fsck@.service systemd-fsck-root.service systemd-modules-load.service \
        sysroot.mount; do
        [[ -n $(_unit_path "$u") ]] && { add_systemd_unit "$u" || return 1; }
    done
    add_symlink /usr/lib/systemd/system/default.target initrd.target
    add_symlink /usr/lib/systemd/system/ctrl-alt-del.target reboot.target
    for u in systemd-udevd-control.socket systemd-udevd-kernel.socket systemd-journald.socket \
        systemd-journald-dev-log.socket; do
        add_symlink "/usr/lib/systemd/system/sockets.target.wants/$u" "../$u"
    done
    for u in systemd-udevd.service systemd-udev-trigger.service kmod-static-nodes.service \
        systemd-tmpfiles-setup-dev.service systemd-journald.service systemd-modules-load.service; do
        add_symlink "/usr/lib/systemd/system/sysinit.target.wants/$u" "../$u"
    done
    add_dir /etc
    printf 'NAME="harness initrd"\nID=harness\n' > "$BUILDROOT/etc/initrd-release"
    ln -sf initrd-release "$BUILDROOT/etc/os-release"
    : > "$BUILDROOT/etc/fstab"
    : > "$BUILDROOT/etc/machine-id"
    add_dir /var/tmp
    ln -sfn ../run "$BUILDROOT/var/run"
    # the journal to the console, so the boot log shows what ran
    add_dir /etc/systemd
    printf '[Journal]\nForwardToConsole=no\n' > "$BUILDROOT/etc/systemd/journald.conf"
}

# the harness's "base": what mkinitcpio's base hook provides, in small
build_base() {
    local a
    add_dir /proc; add_dir /sys; add_dir /dev; add_dir /run; add_dir /tmp; add_dir /sysroot
    add_dir /usr/bin; add_dir /usr/lib; add_symlink /bin usr/bin; add_symlink /sbin usr/bin
    add_symlink /lib usr/lib; add_symlink /lib64 usr/lib
    add_file /bin/busybox /usr/bin/busybox 755
    for a in $(/bin/busybox --list); do
        [[ -e $BUILDROOT/usr/bin/$a ]] || ln -s busybox "$BUILDROOT/usr/bin/$a"
    done
    rm -f "$BUILDROOT/usr/bin/blkid"
    add_binary /sbin/blkid /usr/bin/blkid    # util-linux, as mkinitcpio's base
    add_file "$HERE/harness-init" /init 755
    add_file "$HERE/harness-init_functions" /init_functions 644
    mknod -m 600 "$BUILDROOT/dev/console" c 5 1 2>/dev/null || true
}

# install hooks may look at the HOOKS array, as under mkinitcpio
read -ra HOOKS <<< "$HOOKLIST"
export HOOKS
for hook in "${HOOKS[@]}"; do
    if [[ $hook == base ]]; then
        build_base
        continue
    fi
    if [[ $hook == systemd ]]; then
        build_systemd || error "harness systemd hook failed"
        continue
    fi
    [[ -f $HOOKSDIR/install/$hook ]] || { error "no install hook '$hook'"; continue; }
    unset -f build help
    # shellcheck source=/dev/null
    . "$HOOKSDIR/install/$hook"
    declare -F build > /dev/null || { error "install/$hook has no build()"; continue; }
    declare -F help > /dev/null || warning "install/$hook has no help()"
    msg2 "running build hook: [$hook]"
    build || error "build hook '$hook' failed"
done
for m in $CONF_MODULES; do
    add_module "$m"
done

# modules: uncompressed (busybox modprobe), dependencies from depmod
mdir=$BUILDROOT/usr/lib/modules/$KERNELVERSION
mkdir -p "$mdir"
printf '%s\n' "${_modules[@]}" | awk 'NF && !seen[$0]++' | while read -r f; do
    rel=${f#"$_d_kmod"/}
    mkdir -p "$mdir/$(dirname "$rel")"
    case $f in
        *.xz) xz -dc "$f" > "$mdir/${rel%.xz}" ;;
        *.zst) zstd -qdc "$f" > "$mdir/${rel%.zst}" ;;
        *) cp "$f" "$mdir/$rel" ;;
    esac
done
for f in modules.builtin modules.builtin.modinfo modules.order; do
    [[ -f $_d_kmod/$f ]] && cp "$_d_kmod/$f" "$mdir/"
done
depmod -b "$BUILDROOT/usr" "$KERNELVERSION" || error "depmod failed"

{
    printf 'EARLYHOOKS="%s"\n' "${_runhooks_early[*]}"
    printf 'HOOKS="%s"\n' "${_runhooks_hook[*]}"
    printf 'LATEHOOKS="%s"\n' "${_runhooks_late[*]}"
    printf 'CLEANUPHOOKS="%s"\n' "${_runhooks_cleanup[*]}"
    printf 'EMERGENCYHOOKS="%s"\n' "${_runhooks_emergency[*]}"
    printf 'MODULES="%s"\n' "$CONF_MODULES"
} > "$BUILDROOT/config"
# systemd images load MODULES through systemd-modules-load, as mkinitcpio does
if [[ (-e $BUILDROOT/usr/lib/systemd/systemd || -L $BUILDROOT/usr/lib/systemd/systemd) && -n $CONF_MODULES ]]; then
    add_dir /etc/modules-load.d
    # shellcheck disable=SC2086 # one module a line
    printf '%s\n' $CONF_MODULES > "$BUILDROOT/etc/modules-load.d/MODULES.conf"
fi
msg "config: $(tr '\n' ' ' < "$BUILDROOT/config")"

((_errors == 0)) || { error "$_errors error(s), no image"; exit 1; }
(cd "$BUILDROOT" && find . -print | LC_ALL=C sort | cpio -o -H newc --quiet -R 0:0 | gzip -1) > "$OUT" || exit 1
msg "image: $OUT ($(du -k "$OUT" | cut -f1) KiB)"
