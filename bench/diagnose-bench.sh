#!/bin/sh
# usage: bench/diagnose-bench.sh [-n DEVICES] [-r RUNS] FINDROOT_BINARY
#   e.g. bench/diagnose-bench.sh -n 1000 -r 5 build/findroot   (defaults: 1000 devices, 5 runs)
#
# What `findroot diagnose` costs on a machine with many disks, next to
# util-linux blkid probing the same device files: wall time, CPU time and peak
# RSS (median, min, max), as findroot/blkid ratios; also findroot's binary size
# (as built and stripped) and its start-up cost (`--version`, against
# `blkid --version` and /bin/true, the fork+exec floor).
#
# The fixture, in a temporary directory removed on exit, is the sysfs layout
# findroot reads (tests/fixture/mkfixture.sh): NVMe controllers on PCI, each
# with six block devices
#   nvmeCn1    GPT (2 partitions)      nvmeCn1p1  ext4     nvmeCn1p2  vfat
#   nvmeCn2    ext4 on the whole disk  nvmeCn3    swap     nvmeCn4    empty
# cut at DEVICES. The "device nodes" are sparse copies (1-4 MiB) of images
# made by mkfs.ext4, mkfs.vfat, mkswap and sfdisk; the ext4 copies get their
# own UUID (tune2fs -U random), the others keep duplicated UUIDs.
#
# Measured, RUNS times each, interleaved (the order rotates every run) after
# one untimed warm-up run of each, so all read the image files from the page
# cache and share the machine's noise:
#   findroot --sysfs=SYS --devfs=DEV --cmdline=FILE(root=UUID=bogus)
#            --modules-dir=EMPTY --no-modules --no-links diagnose [--json]
#   blkid -c /dev/null DEV/*     every node in one process; with an empty cache
#                                each one is probed (superblocks and partition
#                                table): the reference for the ratios
#   blkid -p DEV/*(not empty)    low-level probing, as findroot calls libblkid;
#                                blkid 2.38 stops at the first device with
#                                nothing on it, so it gets only the others
# Wall time: `date +%s%N` around `/usr/bin/time -f '%M %U %S'`, which gives
# the peak RSS and the CPU time (user+sys, 10 ms steps: steadier than the wall
# time on a busy machine); what time(1) itself adds goes to every tool alike.
# The ratios are findroot / `blkid -c /dev/null`, which does the same work.
# Needs: mkfs.ext4 tune2fs (e2fsprogs), mkfs.vfat (dosfstools), mkswap sfdisk
# blkid (util-linux), /usr/bin/time (GNU time), strip (binutils).
set -eu

DEVICES=1000
RUNS=5
while getopts n:r: opt; do
    case $opt in
        n) DEVICES=$OPTARG ;;
        r) RUNS=$OPTARG ;;
        *) echo "usage: $0 [-n DEVICES] [-r RUNS] FINDROOT_BINARY" >&2; exit 2 ;;
    esac
done
shift $((OPTIND - 1))
if [ $# -ne 1 ] || [ ! -x "$1" ]; then
    echo "usage: $0 [-n DEVICES] [-r RUNS] FINDROOT_BINARY (an executable findroot)" >&2
    exit 2
fi
case $DEVICES$RUNS in *[!0-9]*) echo "$0: -n and -r take numbers" >&2; exit 2 ;; esac
if [ "${DEVICES:-0}" -lt 1 ] || [ "${RUNS:-0}" -lt 1 ]; then
    echo "$0: -n and -r must be at least 1" >&2
    exit 2
fi
FINDROOT=$(CDPATH='' cd -- "$(dirname -- "$1")" && pwd)/$(basename -- "$1")

PATH=$PATH:/usr/sbin:/sbin
BLKID=$(command -v blkid) || { echo "$0: blkid (util-linux) is missing" >&2; exit 2; }
for tool in mkfs.ext4 tune2fs mkfs.vfat mkswap sfdisk strip /usr/bin/time; do
    command -v "$tool" >/dev/null || {
        echo "$0: $tool is missing (apt-get install e2fsprogs dosfstools fdisk util-linux binutils time)" >&2
        exit 2
    }
done

T=$(mktemp -d "${TMPDIR:-/tmp}/diagnose-bench.XXXXXX")
trap 'rm -rf "$T"' EXIT
trap 'exit 130' INT TERM HUP
trap 'exit 141' PIPE
# Paths are passed as unquoted word lists below.
case $T in *[[:space:]]*) echo "$0: the temp dir must not contain blanks: $T" >&2; exit 2 ;; esac

now_us() { echo $(($(date +%s%N) / 1000)); }

# ---- fixture -----------------------------------------------------------------
S=$T/sys
D=$T/dev
I=$T/img
P=$S/devices/pci0000:00
mkdir -p "$S/bus/pci/devices" "$S/bus/pci/drivers/nvme" "$S/class/block" "$S/class/nvme" "$D" "$I" \
    "$P" "$T/modules"
: >"$P/uevent"
printf 'root=UUID=bogus\n' >"$T/cmdline"

t_fix=$(now_us)
truncate -s 4M "$I/gpt"
sfdisk -q --no-reread --no-tell-kernel "$I/gpt" >/dev/null <<EOT
label: gpt
start=2048, size=2048, type=0FC63DAF-8483-4772-8E79-3D69D8477DE4, name="bench root"
start=4096, size=2048, type=C12A7328-F81F-11D2-BA4B-00A0C93EC93B, name="bench esp"
EOT
truncate -s 2M "$I/ext4"
mkfs.ext4 -q -F -O ^has_journal -b 1024 -L benchfs "$I/ext4" >/dev/null
mkfs.vfat -C -n BENCHESP "$I/vfat" 2048 >/dev/null
truncate -s 1M "$I/swap"
mkswap -L benchswap "$I/swap" >/dev/null 2>&1
truncate -s 1M "$I/empty"

CLASS_LINKS=$T/class-links
BUS_LINKS=$T/bus-links
: >"$CLASS_LINKS"
: >"$BUS_LINKS"

# blockdev DIR NAME MINOR DEVTYPE [PARTN]: fills the block device directory DIR (below $S)
blockdev() {
    echo "259:$3" >"$S/$1/dev"
    if [ -n "${5:-}" ]; then
        echo "$5" >"$S/$1/partition"
        printf 'MAJOR=259\nMINOR=%s\nDEVNAME=%s\nDEVTYPE=partition\nPARTN=%s\n' "$3" "$2" "$5" \
            >"$S/$1/uevent"
    else
        printf 'MAJOR=259\nMINOR=%s\nDEVNAME=%s\nDEVTYPE=disk\n' "$3" "$2" >"$S/$1/uevent"
        echo 1 >"$S/$1/nsid"
    fi
    # subsystem -> class/block: one ".." per component of DIR
    up='' rest=$1
    while [ "$rest" != "${rest#*/}" ]; do
        up=$up../
        rest=${rest#*/}
    done
    up=$up..
    ln -s "$up/class/block" "$S/$1/subsystem"
    echo "../../$1" >>"$CLASS_LINKS"
}

# node IMAGE NAME [newuuid]: the device node, a sparse copy of IMAGE
node() {
    cp --sparse=always --reflink=auto "$I/$1" "$D/$2"
    if [ -n "${3:-}" ]; then tune2fs -U random "$D/$2" >/dev/null 2>&1; fi
}

i=0
while [ "$i" -lt "$DEVICES" ]; do
    c=$((i / 6))
    case $((i % 6)) in
        0)  # a new PCI NVMe controller, bound to the nvme driver, and the
            # directories of its six block devices (forks are the slow part)
            # PCI domain 0, bus c/256, device (c/8)%32, function c%8
            ctl=devices/pci0000:00/$(printf '0000:%02x:%02x.%x' $((c / 256)) $((c / 8 % 32)) $((c % 8)))
            nv=$ctl/nvme/nvme$c
            mkdir -p "$S/$nv/nvme${c}n1/nvme${c}n1p1" "$S/$nv/nvme${c}n1/nvme${c}n1p2" \
                "$S/$nv/nvme${c}n2" "$S/$nv/nvme${c}n3" "$S/$nv/nvme${c}n4"
            printf 'DRIVER=nvme\nPCI_CLASS=10802\nMODALIAS=pci:v00001B36d00000010sv00001AF4sd00001100bc01sc08i02\n' \
                >"$S/$ctl/uevent"
            echo pci:v00001B36d00000010sv00001AF4sd00001100bc01sc08i02 >"$S/$ctl/modalias"
            echo 0x1b36 >"$S/$ctl/vendor"
            echo 0x0010 >"$S/$ctl/device"
            echo 0x010802 >"$S/$ctl/class"
            ln -s ../../../bus/pci "$S/$ctl/subsystem"
            ln -s ../../../bus/pci/drivers/nvme "$S/$ctl/driver"
            echo "../../../$ctl" >>"$BUS_LINKS"
            printf 'MAJOR=241\nMINOR=%s\nDEVNAME=nvme%s\n' "$c" "$c" >"$S/$nv/uevent"
            ln -s ../../../../../class/nvme "$S/$nv/subsystem"
            printf 'bench%08d\n' "$c" >"$S/$nv/serial"
            printf 'QEMU NVMe Ctrl                          \n' >"$S/$nv/model"
            blockdev "$nv/nvme${c}n1" "nvme${c}n1" "$i" disk
            node gpt "nvme${c}n1" ;;
        1)  blockdev "$nv/nvme${c}n1/nvme${c}n1p1" "nvme${c}n1p1" "$i" partition 1
            node ext4 "nvme${c}n1p1" newuuid ;;
        2)  blockdev "$nv/nvme${c}n1/nvme${c}n1p2" "nvme${c}n1p2" "$i" partition 2
            node vfat "nvme${c}n1p2" ;;
        3)  blockdev "$nv/nvme${c}n2" "nvme${c}n2" "$i" disk
            node ext4 "nvme${c}n2" newuuid ;;
        4)  blockdev "$nv/nvme${c}n3" "nvme${c}n3" "$i" disk
            node swap "nvme${c}n3" ;;
        5)  blockdev "$nv/nvme${c}n4" "nvme${c}n4" "$i" disk
            node empty "nvme${c}n4" ;;
    esac
    i=$((i + 1))
done
xargs ln -s -t "$S/class/block" <"$CLASS_LINKS"
xargs ln -s -t "$S/bus/pci/devices" <"$BUS_LINKS"
t_fix=$(($(now_us) - t_fix))

NODES=$T/nodes
(cd "$D" && ls) | sed "s|^|$D/|" >"$NODES"
NNODES=$(wc -l <"$NODES")
NEMPTY=$(grep -c 'n4$' "$NODES" || true)
DU=$(du -sk "$D" | cut -f1)
printf 'fixture: %s block devices (%s empty), %s KiB on disk, built in %s s\n' \
    "$NNODES" "$NEMPTY" "$DU" "$((t_fix / 1000000))"

# ---- the measured commands ------------------------------------------------------
NODELIST=$(cat "$NODES")
NODELIST_P=$(grep -v 'n4$' "$NODES")
FR_ARGS="--sysfs=$S --devfs=$D --cmdline=$T/cmdline --modules-dir=$T/modules --no-modules --no-links"
TOOLS="findroot findroot-json blkid-cache blkid-p"
STARTUP="findroot-version blkid-version true"
TRUE=/bin/true # a file: `true` alone is a shell builtin

label() {
    case $1 in
        findroot) echo "findroot diagnose" ;;
        findroot-json) echo "findroot diagnose --json" ;;
        blkid-p) echo "blkid -p ($((NNODES - NEMPTY)) non-empty devices)" ;;
        blkid-cache) echo "blkid -c /dev/null" ;;
        findroot-version) echo "findroot --version" ;;
        blkid-version) echo "blkid --version" ;;
        true) echo "/bin/true (fork+exec floor)" ;;
    esac
}

# measure TOOL OUT ERR: one timed run; appends "TOOL wall_us rss_kib cpu_ms" to $RAW
# shellcheck disable=SC2086 # FR_ARGS and NODELIST split on blanks (no path has one)
measure() {
    case $1 in
        findroot) set -- "$1" "$2" "$3" "$FINDROOT" $FR_ARGS diagnose ;;
        findroot-json) set -- "$1" "$2" "$3" "$FINDROOT" $FR_ARGS diagnose --json ;;
        blkid-p) set -- "$1" "$2" "$3" "$BLKID" -p $NODELIST_P ;;
        blkid-cache) set -- "$1" "$2" "$3" "$BLKID" -c /dev/null $NODELIST ;;
    esac
    m_tool=$1 m_out=$2 m_err=$3
    shift 3
    m_rc=0
    m_t0=$(now_us)
    /usr/bin/time -f '%M %U %S' -o "$T/rss" "$@" >"$m_out" 2>"$m_err" || m_rc=$?
    m_t1=$(now_us)
    echo "$m_tool $((m_t1 - m_t0)) $(tail -n 1 "$T/rss" | awk '{ printf "%d %d", $1, ($2 + $3) * 1000 + 0.5 }')" >>"$RAW"
}

# Warm-up (untimed in the results) and sanity: every tool sees every device.
RAW=$T/warmup
for tool in $TOOLS; do
    measure "$tool" "$T/out.$tool" "$T/err.$tool"
    case $tool in
        findroot*) ok=$((m_rc == 0)) ;;
        *) ok=$((m_rc == 0 || m_rc == 2)) ;; # 2: some device had nothing on it
    esac
    if [ "$ok" -ne 1 ]; then
        echo "$0: $tool failed (exit $m_rc):" >&2
        head -n 20 "$T/err.$tool" >&2
        exit 1
    fi
done
FR_PROBE=$(grep -o '"probe": *"[a-z_]*"' "$T/out.findroot-json" | tr -d '"' | sort | uniq -c |
    awk '{ printf "%s%s %s", sep, $1, $3; sep = ", " }')
FR_TEXT=$(grep -c '^  /.*  259:' "$T/out.findroot" || true)
echo "sanity: findroot lists $FR_TEXT block devices (probe results: $FR_PROBE);" \
    "blkid -c /dev/null prints $(wc -l <"$T/out.blkid-cache") lines, blkid -p $(wc -l <"$T/out.blkid-p")" \
    "(an empty device prints none); findroot stderr: $(wc -l <"$T/err.findroot") lines"
if [ "$FR_TEXT" -ne "$NNODES" ]; then
    echo "$0: findroot did not list all $NNODES devices" >&2
    exit 1
fi
for tool in blkid-cache blkid-p; do
    if [ "$(wc -l <"$T/out.$tool")" -ne $((NNODES - NEMPTY)) ]; then
        echo "$0: $(label "$tool") did not report all $((NNODES - NEMPTY)) non-empty devices" >&2
        exit 1
    fi
done

# rotate N WORD...: the words, starting with the Nth (1-based, wrapping)
rotate() {
    r_n=$((($1 - 1) % ($# - 1)))
    shift
    while [ "$r_n" -gt 0 ]; do
        r_first=$1
        shift
        set -- "$@" "$r_first"
        r_n=$((r_n - 1))
    done
    echo "$*"
}

# startup TOOL: LOOPS invocations in a row, then one under time(1); appends
# "TOOL wall_us_each rss_kib cpu_ms" to $RAW
LOOPS=50
startup() {
    case $1 in
        findroot-version) set -- "$1" "$FINDROOT" --version ;;
        blkid-version) set -- "$1" "$BLKID" --version ;;
        true) set -- "$1" "$TRUE" ;;
    esac
    s_tool=$1
    shift
    s_i=0
    s_t0=$(now_us)
    while [ "$s_i" -lt "$LOOPS" ]; do
        "$@" >/dev/null 2>&1 || true
        s_i=$((s_i + 1))
    done
    s_t1=$(now_us)
    /usr/bin/time -f '%M %U %S' -o "$T/rss" "$@" >/dev/null 2>&1 || true
    echo "$s_tool $(((s_t1 - s_t0) / LOOPS)) $(tail -n 1 "$T/rss" | awk '{ printf "%d %d", $1, ($2 + $3) * 1000 + 0.5 }')" >>"$RAW"
}

RAW=$T/raw
: >"$RAW"
LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
t_all=$(now_us)
run=1
while [ "$run" -le "$RUNS" ]; do
    # shellcheck disable=SC2086 # word lists
    for tool in $(rotate "$run" $TOOLS); do
        measure "$tool" /dev/null /dev/null
    done
    # shellcheck disable=SC2086
    for tool in $(rotate "$run" $STARTUP); do
        startup "$tool"
    done
    run=$((run + 1))
done
t_all=$(($(now_us) - t_all))
LOAD_AFTER=$(cut -d' ' -f1-3 /proc/loadavg)

# ---- report -------------------------------------------------------------------
# stats TOOL: "median min max" of wall (ms, 1 decimal), RSS (KiB), CPU (ms)
stats() {
    awk -v tool="$1" '
        function sort(a, n,   i, j, t) {
            for (i = 2; i <= n; i++)
                for (j = i; j > 1 && a[j - 1] > a[j]; j--) { t = a[j]; a[j] = a[j - 1]; a[j - 1] = t }
        }
        function med(a, n) { return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2 }
        $1 == tool { n++; w[n] = $2 / 1000; r[n] = $3; c[n] = $4 }
        END {
            if (!n) exit 1
            sort(w, n); sort(r, n); sort(c, n)
            printf "%.1f %.1f %.1f %d %d %d %d %d %d\n", med(w, n), w[1], w[n], med(r, n), r[1], r[n],
                med(c, n), c[1], c[n]
        }' "$RAW"
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2fx", (b > 0 ? a / b : 0) }'; }
libs() { ldd "$1" 2>/dev/null | grep -c '=> /' || true; }

read -r BC_W _ _ BC_R _ _ BC_C _ _ <<EOT
$(stats blkid-cache)
EOT

REPO=$(CDPATH='' cd -- "$(dirname -- "$0")/.." && pwd)
COMMIT=$(git -C "$REPO" rev-parse --short HEAD 2>/dev/null || echo unknown)
OS=$(sed -n 's/^PRETTY_NAME="*\([^"]*\)"*$/\1/p' /etc/os-release 2>/dev/null || echo '?')
CPU=$(grep -m1 '^model name' /proc/cpuinfo | sed 's/^[^:]*: *//')
echo
echo "## diagnose on $(printf '%s' "$NNODES" | sed ':a;s/\B[0-9]\{3\}\>/,&/;ta') block devices"
echo
echo "$RUNS runs per command, interleaved. Median (min-max) of: wall time in ms, CPU time"
echo "(user+sys) in ms, peak RSS in KiB; ratios: median over the median of blkid -c /dev/null."
echo
echo "| command | wall ms | CPU ms | peak RSS KiB | wall ratio | CPU ratio | RSS ratio |"
echo "|---|---|---|---|---|---|---|"
for tool in $TOOLS; do
    read -r w wmin wmax r rmin rmax cp cmin cmax <<EOT
$(stats "$tool")
EOT
    echo "| $(label "$tool") | $w ($wmin-$wmax) | $cp ($cmin-$cmax) | $r ($rmin-$rmax) |" \
        "$(ratio "$w" "$BC_W") | $(ratio "$cp" "$BC_C") | $(ratio "$r" "$BC_R") |"
done
echo
echo "Start-up: $LOOPS invocations in a row per run, wall time per invocation in ms."
echo
echo "| command | wall ms per run | peak RSS KiB | shared libraries | / blkid --version (wall, RSS) |"
echo "|---|---|---|---|---|"
read -r BV_W _ _ BV_R _ _ <<EOT
$(stats blkid-version)
EOT
for tool in $STARTUP; do
    read -r w wmin wmax r rmin rmax _ <<EOT
$(stats "$tool")
EOT
    case $tool in
        findroot*) nl=$(libs "$FINDROOT") ;;
        blkid*) nl=$(libs "$BLKID") ;;
        *) nl=$(libs "$TRUE") ;;
    esac
    echo "| $(label "$tool") | $w ($wmin-$wmax) | $r ($rmin-$rmax) | $nl | $(ratio "$w" "$BV_W"), $(ratio "$r" "$BV_R") |"
done
echo
strip -o "$T/findroot.stripped" "$FINDROOT"
FR_SIZE=$(stat -L -c %s "$FINDROOT")
FR_STRIPPED=$(stat -c %s "$T/findroot.stripped")
BL_SIZE=$(stat -L -c %s "$BLKID")
LIBBLKID=$(ldd "$FINDROOT" | awk '/libblkid/ { print $3 }')
echo "| binary | bytes |"
echo "|---|---|"
if command -v file >/dev/null; then
    echo "| findroot as given ($(file -b -L "$FINDROOT" | sed 's/, BuildID[^,]*//; s/, interpreter [^,]*//')) | $FR_SIZE |"
else
    echo "| findroot as given | $FR_SIZE |"
fi
echo "| findroot stripped | $FR_STRIPPED ($(ratio "$FR_STRIPPED" "$BL_SIZE") of blkid) |"
echo "| blkid ($BLKID, as packaged, stripped) | $BL_SIZE |"
if [ -n "$LIBBLKID" ]; then
    echo "| libblkid ($(readlink -f "$LIBBLKID"), used by both) | $(stat -L -c %s "$LIBBLKID") |"
fi
echo
echo "- machine: $(nproc) cores, $CPU; $OS (Debian $(cat /etc/debian_version 2>/dev/null || echo '?')), kernel $(uname -r)"
echo "- findroot: $("$FINDROOT" --version) ($FINDROOT; the repository's HEAD was $COMMIT); $("$BLKID" --version | tr -s ' ')"
echo "- fixture: $NNODES block devices ($NEMPTY empty), NVMe layout, sparse image files on $(df -P "$T" | awk 'NR == 2 { print $1 }') ($(stat -f -c %T "$T"))"
echo "- runs: $RUNS per command, interleaved, after one warm-up; wall time $((t_all / 1000000)) s; load average before $LOAD_BEFORE, after $LOAD_AFTER"
echo "- date: $(date -u +%Y-%m-%dT%H:%MZ)"
echo
echo "Raw results (command wall_us rss_kib cpu_ms; start-up rows: wall per invocation, then one run's RSS and CPU):"
echo
echo '```'
cat "$RAW"
echo '```'
