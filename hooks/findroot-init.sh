#!/bin/sh
# findroot-init: a generic /init for busybox initramfs images. Mounts the API
# filesystems, lets findroot wait for the root device (loading the IOMMU and
# storage modules it needs), mounts it and switch_root's into it.
#
# Kernel command line: root= rootfstype= rootflags= ro rw init= rootdelay=
#   rd.findroot=0 | findroot=0  do not run findroot: load
#                               /etc/findroot/fallback-modules and poll for root
#                               the plain way (findfs, /sys) for rootdelay (10 s)
#   rd.emergency=shell|poweroff|reboot|panic   what to do when root is not found
#   panic=N (N != 0)            on failure let the kernel panic (and reboot)
#   rd.shell=0                  never start a shell: power off instead
# Lines starting "findroot-init: time" carry /proc/uptime stamps for benchmarks;
# "findroot-init: reached start|root DEV|fail" go to the kernel log as well.
# shellcheck disable=SC2317 # functions are reached through the emergency loop

PATH=/usr/sbin:/usr/bin:/sbin:/bin
export PATH
umask 022

say() {
    echo "findroot-init: $*"
}

# Milestones also go to the kernel log: dmesg keeps them after switch_root,
# stamped in microseconds ("findroot-init: reached root /dev/vda1").
mark() {
    [ -w /dev/kmsg ] && echo "<5>findroot-init: reached $*" >/dev/kmsg 2>/dev/null
    return 0
}

# Clock readings without a subshell (a fork is milliseconds under
# emulation): clock_read sets UP to /proc/uptime's seconds
# and NOW to centiseconds since boot.
clock_read() {
    read -r UP _ </proc/uptime 2>/dev/null || UP=0.00
    case $UP in
        *.*) NOW=$((${UP%.*} * 100 + 1${UP#*.} - 100)) ;;
        *[!0-9]* | '') UP='?' NOW=0 ;;
        *) NOW=$((UP * 100)) ;;
    esac
}

is_mounted() {
    # busybox often has no mountpoint applet; /proc/mounts is enough
    [ -r /proc/mounts ] && grep -q "^[^ ]* $1 " /proc/mounts
}

# --- API filesystems ---------------------------------------------------------
mkdir -p /proc /sys /dev /run /root /tmp 2>/dev/null
is_mounted /proc || mount -t proc -o nosuid,nodev,noexec proc /proc || say "cannot mount /proc"
is_mounted /sys || mount -t sysfs -o nosuid,nodev,noexec sysfs /sys || say "cannot mount /sys"
if ! is_mounted /dev; then
    if ! mount -t devtmpfs -o mode=0755,nosuid devtmpfs /dev; then
        # No devtmpfs in this kernel: a tmpfs filled by mdev is the next best thing.
        say "no devtmpfs, using tmpfs + mdev"
        mount -t tmpfs -o mode=0755,nosuid tmpfs /dev && mdev -s
    fi
fi
mkdir -p /dev/pts /dev/shm 2>/dev/null
# Started without /dev/console in the image, the kernel gave us no stdio.
if [ ! -e /proc/self/fd/1 ] && [ -c /dev/console ]; then
    exec </dev/console >/dev/console 2>&1
fi
clock_read
T0=$NOW
say "time start=$UP"
mark start

# --- command line --------------------------------------------------------------
ROOT=""
ROOTFSTYPE=""
ROOTFLAGS=""
RWMODE=ro
INIT=/sbin/init
ROOTDELAY=""
USE_FINDROOT=1
EMERGENCY=""
PANIC=""
RDSHELL=1
CMDLINE=""
read -r CMDLINE </proc/cmdline 2>/dev/null

# The kernel's own splitting of its command line (lib/cmdline.c, next_arg),
# which findroot's parser follows too: blanks separate words except inside
# double quotes, so root="LABEL=my disk" is one word; a quote that opens the
# word, or its value after '=', is dropped with a closing quote at the word's
# end. cmdline_arg is called with each word. Without a quote, plain field
# splitting does the same at no cost.
cmdline_split() {
    case $1 in
        *\"*) ;;
        *)
            set -f
            for _w in $1; do cmdline_arg "$_w"; done
            set +f
            return 0
            ;;
    esac
    _rest=$1
    while :; do
        _rest=${_rest#"${_rest%%[! 	
]*}"}
        [ -n "$_rest" ] || return 0
        _w="" _q=0
        while [ -n "$_rest" ]; do
            _c=${_rest%"${_rest#?}"}
            _rest=${_rest#?}
            case $_c in
                \") _q=$((1 - _q)) ;;
                ' ' | '	' | '
') [ "$_q" = 1 ] || break ;;
            esac
            _w=$_w$_c
        done
        case $_w in
            \"*)
                _w=${_w#\"}
                _w=${_w%\"}
                ;;
            *=\"*)
                _v=${_w#*=}
                case $_v in \"*)
                    _v=${_v#\"}
                    _w=${_w%%=*}=${_v%\"}
                    ;;
                esac
                ;;
        esac
        cmdline_arg "$_w"
    done
}

cmdline_arg() {
    case $1 in
        root=*) ROOT=${1#root=} ;;
        rootfstype=*) ROOTFSTYPE=${1#rootfstype=} ;;
        rootflags=*) ROOTFLAGS=${1#rootflags=} ;;
        ro) RWMODE=ro ;;
        rw) RWMODE=rw ;;
        init=*) INIT=${1#init=} ;;
        rootdelay=*) ROOTDELAY=${1#rootdelay=} ;;
        rd.findroot=0 | findroot=0) USE_FINDROOT=0 ;;
        rd.findroot=* | findroot=*) USE_FINDROOT=1 ;;
        rd.emergency=*) EMERGENCY=${1#rd.emergency=} ;;
        panic=*) PANIC=${1#panic=} ;;
        rd.shell=0) RDSHELL=0 ;;
        rd.shell | rd.shell=1) RDSHELL=1 ;;
    esac
}

cmdline_split "$CMDLINE"

# The kernel asks this program for modules it wants itself (ext4 wants crc32c).
# It must be an absolute path: busybox sh answers "command -v" for its own
# applets with the bare name, so look along PATH.
MODPROBE=""
for _d in /sbin /usr/sbin /bin /usr/bin; do
    if [ -x "$_d/modprobe" ]; then
        MODPROBE=$_d/modprobe
        break
    fi
done
if [ -n "$MODPROBE" ] && [ -w /proc/sys/kernel/modprobe ]; then
    echo "$MODPROBE" >/proc/sys/kernel/modprobe
else
    say "no modprobe found: the kernel cannot load modules it asks for"
fi

load_module_list() {
    # one module name per line; '#' comments
    [ -r "$1" ] || return 0
    while read -r _m _; do
        case $_m in '' | '#'*) continue ;; esac
        modprobe -q "$_m" || say "could not load module $_m"
    done <"$1"
}

# Modules the image builder wants loaded in any case.
load_module_list /etc/findroot/modules

# --- finding root --------------------------------------------------------------
DEV=""
FAIL_REASON=""
DIAGNOSED=0

# Plain resolution, as a generic busybox script does it: only LABEL/UUID
# (findfs), PARTLABEL (sysfs) and device paths.
plain_lookup() {
    case $ROOT in
        UUID=* | LABEL=*) findfs "$ROOT" 2>/dev/null ;;
        PARTLABEL=*)
            for _u in /sys/class/block/*/uevent; do
                [ -r "$_u" ] || continue
                if grep -qx "PARTNAME=${ROOT#PARTLABEL=}" "$_u"; then
                    _d=${_u%/uevent}
                    echo "/dev/${_d##*/}"
                    return 0
                fi
            done
            return 1
            ;;
        /dev/*) [ -b "$ROOT" ] && echo "$ROOT" ;;
        *) return 1 ;;
    esac
}

plain_resolve() {
    load_module_list /etc/findroot/fallback-modules
    _delay=${ROOTDELAY:-10}
    case $_delay in '' | *[!0-9]*) _delay=10 ;; esac
    clock_read
    _end=$((NOW + _delay * 100))
    while :; do
        if DEV=$(plain_lookup) && [ -n "$DEV" ]; then
            return 0
        fi
        clock_read
        if [ "$NOW" -ge "$_end" ]; then
            FAIL_REASON="gave up waiting for root $ROOT after ${_delay} s (plain resolution, findroot not run)"
            return 1
        fi
        sleep 0.1
    done
}

findroot_resolve() {
    DEV=$(findroot)
    _rc=$?
    case $_rc in
        0)
            [ -n "$DEV" ] && return 0
            FAIL_REASON="findroot exited 0 but printed no device"
            ;;
        1)
            FAIL_REASON="findroot exited 1: root $ROOT not found"
            DIAGNOSED=1 # findroot printed its diagnosis on stderr already
            ;;
        2) FAIL_REASON="findroot exited 2: bad root= spec '$ROOT'" ;;
        *) FAIL_REASON="findroot exited $_rc" ;;
    esac
    return 1
}

resolve_root() {
    DEV=""
    DIAGNOSED=0
    if [ -z "$ROOT" ]; then
        FAIL_REASON="no root= on the kernel command line"
        return 1
    fi
    if [ "$USE_FINDROOT" = 1 ] && command -v findroot >/dev/null 2>&1; then
        findroot_resolve
        return
    fi
    if [ "$USE_FINDROOT" = 1 ]; then
        say "findroot is not in this image; plain resolution"
    else
        say "findroot disabled on the command line; plain resolution"
    fi
    plain_resolve
}

mount_root() {
    _opts=$RWMODE
    [ -n "$ROOTFLAGS" ] && _opts="$_opts,$ROOTFLAGS"
    _type=$ROOTFSTYPE
    if [ -z "$_type" ] && command -v blkid >/dev/null 2>&1; then
        # util-linux and busybox blkid both print TYPE="..."
        _type=$(blkid "$DEV" 2>/dev/null | sed -n 's/.* TYPE="\([^"]*\)".*/\1/p')
    fi
    if [ -n "$_type" ]; then
        # mount -t makes the kernel request fs-$_type itself, through modprobe
        mount -t "$_type" -o "$_opts" "$DEV" /root && return 0
        modprobe -q "$_type" 2>/dev/null && mount -t "$_type" -o "$_opts" "$DEV" /root && return 0
    else
        mount -o "$_opts" "$DEV" /root 2>/dev/null && return 0
        # busybox mount only tries types in /proc/filesystems: load the usual ones
        for _t in ext4 xfs btrfs f2fs vfat; do
            modprobe -q "$_t" 2>/dev/null || continue
            mount -t "$_t" -o "$_opts" "$DEV" /root 2>/dev/null && return 0
        done
    fi
    FAIL_REASON="could not mount $DEV on /root (type ${_type:-unknown}, options $_opts)"
    return 1
}

emergency() {
    clock_read
    say "time fail=$UP"
    mark fail
    say "ERROR: $FAIL_REASON"
    _bd=$(awk 'NR > 2 {printf "%s ", $4}' /proc/partitions 2>/dev/null)
    say "block devices: ${_bd:-none: the kernel has registered no disk}"
    if [ "$DIAGNOSED" = 1 ]; then
        say "(findroot's diagnosis is above)"
    elif command -v findroot >/dev/null 2>&1; then
        say "findroot diagnose:"
        findroot diagnose 2>&1
    else
        [ -r /sys/kernel/debug/devices_deferred ] && cat /sys/kernel/debug/devices_deferred
    fi
    _action=$EMERGENCY
    if [ -z "$_action" ]; then
        if [ -n "$PANIC" ] && [ "$PANIC" != 0 ]; then
            _action=panic
        elif [ "$RDSHELL" = 0 ]; then
            _action=poweroff
        else
            _action=shell
        fi
    fi
    say "emergency action: $_action"
    case $_action in
        poweroff | halt)
            sync
            poweroff -f
            ;;
        reboot)
            sync
            reboot -f
            ;;
        panic)
            # Exiting PID 1 panics the kernel, which then honours panic=.
            exit 1
            ;;
        *)
            say "starting a shell; exit it to try again"
            if command -v setsid >/dev/null 2>&1 && command -v cttyhack >/dev/null 2>&1; then
                setsid cttyhack sh
            else
                sh
            fi
            ;;
    esac
}

while :; do
    if resolve_root; then
        clock_read
        _t=$((NOW - T0))
        _cs=$((_t % 100))
        [ "$_cs" -lt 10 ] && _cs=0$_cs
        mark root "$DEV"
        say "time root=$UP dev=$DEV after=$((_t / 100)).$_cs s"
        if mount_root; then
            break
        fi
    fi
    emergency
done

# --- hand over -----------------------------------------------------------------
if [ ! -x "/root$INIT" ] && [ ! -L "/root$INIT" ]; then
    for _i in /sbin/init /etc/init /bin/init /bin/sh; do
        if [ -x "/root$_i" ] || [ -L "/root$_i" ]; then
            say "no $INIT on root, using $_i"
            INIT=$_i
            break
        fi
    done
fi
for _fs in /dev /proc /sys /run; do
    is_mounted "$_fs" || continue
    if [ -d "/root$_fs" ]; then
        mount --move "$_fs" "/root$_fs" 2>/dev/null || umount -l "$_fs" 2>/dev/null
    else
        umount -l "$_fs" 2>/dev/null
    fi
done
# After the moves /dev/console is under /root/dev; switch_root reopens nothing.
exec switch_root /root "$INIT"
