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
#   map FN ARG...                  FN on each ARG
#   msg/msg2/warning/error/plain   messages (error does not exit)
# The runtime side is harness-init + harness-init_functions (beside this).
# Usage: harness.sh -k KDIR -o OUT -H "HOOK..." [-d HOOKSDIR] [-M "MODULES"]
#   HOOKS are looked up as $HOOKSDIR/install/NAME and $HOOKSDIR/hooks/NAME;
#   "base" is the harness's own (busybox, blkid, mount, init).
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

for hook in $HOOKLIST; do
    if [[ $hook == base ]]; then
        build_base
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
msg "config: $(tr '\n' ' ' < "$BUILDROOT/config")"

((_errors == 0)) || { error "$_errors error(s), no image"; exit 1; }
(cd "$BUILDROOT" && find . -print | LC_ALL=C sort | cpio -o -H newc --quiet -R 0:0 | gzip -1) > "$OUT" || exit 1
msg "image: $OUT ($(du -k "$OUT" | cut -f1) KiB)"
