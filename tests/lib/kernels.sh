# shellcheck shell=sh
# Debian kernels for the boot tests, from the host's suite or a newer one
# (tests/lib/apt-suite.sh), unpacked into $FINDROOT_CACHE/kernels, never
# installed. Versions rotate and a listed version can answer 404: every
# package name of the series is tried, newest first, and every version apt
# lists for it, until one downloads; the one used is said on stderr.
# Sourced by tests/e2e/lib.sh (needs e2e_log, tools/lib/apt.sh, apt-suite.sh).
#
#   get_kernel FLAVOUR        unpack (once) and print the kernel's directory
#       6.12 6.12-cloud 6.12-arm64 6.1 6.1-arm64   the host's suite (bookworm)
#       6.12-trixie 6.12-trixie-cloud 6.12-trixie-arm64   Debian 13
#       sid sid-arm64          the newest kernel of Debian unstable (7.x now)
#       linux-image-...        that package, from the host's suite
#   kernel_describe KDIR      "PACKAGE VERSION (SUITE)" of an unpacked kernel
#   kernel_config KDIR        path of its config (/boot/config-* up to 6.x,
#                             /usr/lib/modules/<v>/config from 7.x)
#
# Test seams: E2E_KERNEL_CANDIDATES (package names, newest first) replaces the
# archive listing; E2E_KERNEL_SUITE replaces the flavour's suite ("host" or a
# tests/lib/apt-suite.sh suite); E2E_KERNEL_PATTERN replaces its name pattern.
#
# An unpacked tree always has lib/modules/<v> (a symlink lib -> usr/lib is
# made for kernels that ship /usr/lib/modules, as trixie's and sid's do) and
# depmod's files; 7.x kernels come as linux-binary-<abi> (the image) plus
# linux-modules-<abi> and linux-base-<abi> (config, modules.builtin), unpacked
# into one tree.

# "SUITE ARCH PATTERN" for a flavour
_e2e_kernel_series() {
    abi='[0-9]+\.[0-9]+\.[0-9]+\+deb[0-9]+(\.[0-9]+)?'
    case $1 in
        6.12) echo "host amd64 ^linux-image-6\\.12\\.[0-9]+\\+deb[0-9]+(\\.[0-9]+)?-amd64(-unsigned)?\$" ;;
        6.12-cloud) echo "host amd64 ^linux-image-6\\.12\\.[0-9]+\\+deb[0-9]+(\\.[0-9]+)?-cloud-amd64(-unsigned)?\$" ;;
        6.12-arm64) echo "host arm64 ^linux-image-6\\.12\\.[0-9]+\\+deb[0-9]+(\\.[0-9]+)?-arm64(-unsigned)?\$" ;;
        6.1) echo "host amd64 ^linux-image-6\\.1\\.0-[0-9]+-amd64(-unsigned)?\$" ;;
        6.1-arm64) echo "host arm64 ^linux-image-6\\.1\\.0-[0-9]+-arm64(-unsigned)?\$" ;;
        6.12-trixie) echo "trixie amd64 ^linux-image-6\\.12\\.[0-9]+\\+deb13(\\.[0-9]+)?-amd64(-unsigned)?\$" ;;
        6.12-trixie-cloud) echo "trixie amd64 ^linux-image-6\\.12\\.[0-9]+\\+deb13(\\.[0-9]+)?-cloud-amd64(-unsigned)?\$" ;;
        6.12-trixie-arm64) echo "trixie arm64 ^linux-image-6\\.12\\.[0-9]+\\+deb13(\\.[0-9]+)?-arm64(-unsigned)?\$" ;;
        # 7.x: linux-binary-<abi>; older layouts: linux-image-<abi>-unsigned
        sid) echo "sid amd64 ^linux-(binary-$abi-amd64|image-$abi-amd64-unsigned)\$" ;;
        sid-arm64) echo "sid arm64 ^linux-(binary-$abi-arm64|image-$abi-arm64-unsigned)\$" ;;
        linux-image-*) echo "host amd64 ^$(printf '%s' "$1" | sed 's/[.+]/\\&/g')\$" ;;
        *)
            e2e_log "unknown kernel flavour '$1'"
            return 1
            ;;
    esac
}

# apt-get / apt-cache on the suite in $_e2e_ksuite
_e2e_kapt() {
    if [ "$_e2e_ksuite" = host ]; then
        fr_apt_tool "$@"
    else
        APT_SUITE=$_e2e_ksuite apt_suite_cmd "$@"
    fi
}

# package names of the series, newest first
_e2e_kernel_names() {
    if [ -n "${E2E_KERNEL_CANDIDATES:-}" ]; then
        # shellcheck disable=SC2086 # a list
        printf '%s\n' $E2E_KERNEL_CANDIDATES
        return 0
    fi
    _e2e_kapt apt-cache search --names-only "$1" 2>/dev/null | awk '{print $1}' |
        grep -E -- "$1" | sort -V -r | awk '!seen[$0]++'
}

# the packages that make up the kernel named $1: 7.x linux-binary-ABI comes
# with linux-modules-ABI and linux-base-ABI (config, modules.order/builtin)
_e2e_kernel_parts() {
    case $1 in
        linux-binary-*) echo "$1 linux-modules-${1#linux-binary-} linux-base-${1#linux-binary-}" ;;
        *) echo "$1" ;;
    esac
}

# the cache key: the package name (it carries the ABI); a 7.x
# binary+modules pair is kept under its linux-image-<abi> name
_e2e_kernel_key() {
    case $1 in
        linux-binary-*) printf 'linux-image-%s\n' "${1#linux-binary-}" ;;
        *) printf '%s\n' "$1" ;;
    esac
}

get_kernel() {
    flavor=$1
    kroot="$FINDROOT_CACHE/kernels"
    mkdir -p "$kroot" || return 1
    series=$(_e2e_kernel_series "$flavor") || return 1
    # shellcheck disable=SC2086 # three words
    set -- $series
    _e2e_ksuite=${E2E_KERNEL_SUITE:-$1}
    arch=$2
    pattern=${E2E_KERNEL_PATTERN:-$3}
    if [ "$_e2e_ksuite" != host ]; then
        apt_suite_setup "$_e2e_ksuite" || return 1
    fi
    # Concurrent tests wait for one another here; flock comes with util-linux.
    (
        flock 9 || exit 1
        # Newest first; an older cached one only when the newer cannot be had.
        # Stale package lists name files the mirror no longer has: on a failed
        # first round refresh the lists and try again.
        tried=""
        for round in 1 2; do
            if [ "$round" = 2 ]; then
                if [ "$_e2e_ksuite" = host ]; then
                    [ "$(id -u)" = 0 ] || break
                    e2e_log "refreshing the package lists"
                    fr_apt update >&2 || break
                else
                    APT_SUITE_MAX_AGE=0 apt_suite_setup "$_e2e_ksuite" || break
                fi
            fi
            for pkg in $(_e2e_kernel_names "$pattern"); do
                key=$(_e2e_kernel_key "$pkg")
                case " $tried " in *" $key "*) continue ;; esac
                tried="$tried $key"
                if [ -f "$kroot/$key/.complete" ]; then
                    e2e_log "kernel $flavor: $(kernel_describe "$kroot/$key") (cached)"
                    printf '%s\n' "$kroot/$key"
                    exit 0
                fi
                # shellcheck disable=SC2046 # the parts are space separated
                _e2e_fetch_kernel "$kroot/$key" "$arch" $(_e2e_kernel_parts "$pkg") || continue
                e2e_log "kernel $flavor: $(kernel_describe "$kroot/$key")"
                printf '%s\n' "$kroot/$key"
                exit 0
            done
            tried=""
        done
        e2e_log "no kernel could be downloaded for '$flavor' (suite $_e2e_ksuite, names matching $pattern)"
        exit 1
    ) 9>"$kroot/.lock"
}

# _e2e_fetch_kernel DIR ARCH PKG...: every version apt lists for the first
# package, newest first, until all packages download at that version; unpack
# them into DIR, depmod, mark DIR complete
_e2e_fetch_kernel() {
    dir=$1
    arch=$2
    shift 2
    q=""
    [ "$arch" = "$(dpkg --print-architecture)" ] || q=":$arch"
    vers=$(_e2e_kapt apt-cache madison "$1$q" 2>/dev/null | awk -F'|' '{gsub(/ /, "", $2); print $2}' |
        fr_versions_newest_first)
    if [ -z "$vers" ]; then
        e2e_log "$1$q: not listed in suite $_e2e_ksuite; next name"
        return 1
    fi
    for ver in $vers; do
        work=$(mktemp -d "$dir.dl.XXXXXX") || return 1
        chmod 0777 "$work" # apt-get download may drop to the _apt user
        ok=1
        for p in "$@"; do
            e2e_log "downloading $p$q $ver ($_e2e_ksuite)"
            if ! (cd "$work" && _e2e_kapt apt-get download "$p$q=$ver") >"$work/.log" 2>&1; then
                e2e_log "$p$q $ver could not be downloaded: $(grep -E '^(E|Err):' "$work/.log" | head -n 1 | cut -c1-160); trying the next version"
                ok=0
                break
            fi
        done
        if [ "$ok" = 1 ]; then
            mkdir -p "$work/root" || ok=0
            for deb in "$work"/*.deb; do
                [ "$ok" = 1 ] || break
                dpkg-deb -x "$deb" "$work/root" || { e2e_log "cannot unpack $deb"; ok=0; }
            done
        fi
        if [ "$ok" = 1 ]; then
            # modules under /usr/lib only (trixie on): the paths every helper uses
            if [ ! -e "$work/root/lib" ] && [ -d "$work/root/usr/lib/modules" ]; then
                ln -s usr/lib "$work/root/lib"
            fi
            rel=$(kernel_release "$work/root")
            if [ -z "$rel" ] || [ -z "$(kernel_image "$work/root")" ] ||
                ! kernel_config "$work/root" >/dev/null; then
                e2e_log "$* $ver: no kernel image, modules or config in the packages"
                ok=0
            elif ! depmod -b "$work/root" "$rel"; then
                e2e_log "depmod failed for $* $ver"
                ok=0
            fi
        fi
        if [ "$ok" = 1 ]; then
            printf '%s %s (%s)\n' "$*" "$ver" "$_e2e_ksuite" >"$work/root/.version"
            rm -rf "$dir"
            if mv "$work/root" "$dir" && : >"$dir/.complete"; then
                rm -rf "$work"
                return 0
            fi
        fi
        rm -rf "$work"
    done
    return 1
}

kernel_describe() {
    if [ -f "$1/.version" ]; then
        # older caches hold only the version
        case $(cat "$1/.version") in
            *" "*) cat "$1/.version" ;;
            *) printf '%s %s\n' "$(basename "$1")" "$(cat "$1/.version")" ;;
        esac
    else
        basename "$1"
    fi
}

kernel_config() {
    rel=$(kernel_release "$1")
    for c in "$1/boot/config-$rel" "$1/lib/modules/$rel/config"; do
        if [ -f "$c" ]; then
            printf '%s\n' "$c"
            return 0
        fi
    done
    return 1
}
