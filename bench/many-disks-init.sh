# shellcheck shell=sh
# bench/many-disks.sh's addition to the /inits it boots: sourced by its copies
# of hooks/findroot-init.sh and tests/e2e/oracle-init.sh right after their
# "reached root" mark, and by the dracut image's pre-mount hook. It writes two
# more kernel log marks:
#   findroot-init: reached disks N     the kernel has registered all
#                                      bench.disks=N SCSI disks (/sys/block/sd*)
#   findroot-init: reached links U L T where findroot or udevadm is in the
#                                      image: by-uuid and by-label in /dev/disk
#                                      hold N links each (U, L; T links in
#                                      all); as long as they do not, once all
#                                      disks are there, `findroot links` is run
#                                      again (busybox image), or `udevadm
#                                      settle` (dracut image: udevd makes them)
#   findroot-init: reached incomplete  neither within about 60 s
# Variables and functions start with _bl_ (the /init's own stay untouched).

_bl_want=0
read -r _bl_cmd </proc/cmdline
for _bl_a in $_bl_cmd; do
    case $_bl_a in bench.disks=*) _bl_want=${_bl_a#bench.disks=} ;; esac
done

_bl_mark() {
    echo "<5>findroot-init: reached $*" >/dev/kmsg
}

# _bl_count GLOB: how many paths GLOB matches (links too) -> _bl_n
_bl_count() {
    _bl_n=0
    # shellcheck disable=SC2086 # GLOB is to be expanded
    for _bl_f in $1; do
        if [ -e "$_bl_f" ] || [ -L "$_bl_f" ]; then
            _bl_n=$((_bl_n + 1))
        fi
    done
}

_bl_tool=none
if command -v findroot >/dev/null 2>&1; then
    _bl_tool=findroot
elif command -v udevadm >/dev/null 2>&1; then
    _bl_tool=udevadm
fi
_bl_i=0
_bl_disks=0
_bl_passes=0
while [ "$_bl_i" -lt 6000 ]; do
    _bl_i=$((_bl_i + 1))
    if [ "$_bl_disks" = 0 ]; then
        _bl_count '/sys/block/sd*'
        if [ "$_bl_n" -ge "$_bl_want" ]; then
            _bl_mark disks "$_bl_n"
            _bl_disks=1
        fi
    fi
    if [ "$_bl_tool" = none ]; then
        [ "$_bl_disks" = 1 ] && break
        sleep 0.01
        continue
    fi
    _bl_count '/dev/disk/by-uuid/*'
    _bl_u=$_bl_n
    _bl_count '/dev/disk/by-label/*'
    if [ "$_bl_u" -ge "$_bl_want" ] && [ "$_bl_n" -ge "$_bl_want" ]; then
        _bl_mark links "$_bl_u $_bl_n $(find /dev/disk -type l | wc -l) passes=$_bl_passes"
        break
    fi
    if [ "$_bl_disks" = 1 ]; then
        case $_bl_tool in
            findroot) findroot links >/dev/null 2>&1 ;;
            *) udevadm settle --timeout=60 ;;
        esac
        _bl_passes=$((_bl_passes + 1))
    else
        sleep 0.01
    fi
done
[ "$_bl_i" -ge 6000 ] && _bl_mark incomplete "disks=$_bl_disks"
