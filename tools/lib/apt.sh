# shellcheck shell=sh
# Getting things from Debian's archive for the tests and the build tools: the
# one package installer of the tree, and downloads that survive a moving
# archive. Source it; it defines functions and sets nothing else.
#
# A moving archive: versions rotate, a listed version can answer 404, and
# several callers (parallel tests, background builds) run apt at once. So:
#  - every apt-get waits for the dpkg lock (DPkg::Lock::Timeout) instead of
#    failing, and our own callers also queue on one flock, so that the second
#    one re-checks what is still missing after the first one installed;
#  - an install that fails is retried once after a fresh `apt-get update`;
#    a failure after that is one line per package saying why;
#  - downloads try every version apt lists, newest first, and say which one
#    they got.
#
#   ensure_packages PKG[:ARCH]...   install the missing ones (adds a foreign
#                                   architecture first when a :ARCH needs it)
#   fr_apt ARGS...                  apt-get with the lock timeout and retries
#   fr_apt_tool TOOL ARGS...        the same for TOOL (apt-get or apt-cache)
#   fr_versions_newest_first        sort Debian versions on stdin, newest first
#   fr_apt_fetch_version CMD PKG DIR KIND
#                                   fetch PKG into DIR trying each version
#                                   `CMD apt-cache` lists: KIND "source"
#                                   (`CMD apt-get source --download-only`) or
#                                   "binary" (`CMD apt-get download`); CMD is
#                                   fr_apt_tool or a caller's own wrapper (a
#                                   private apt configuration); prints the
#                                   version fetched
#
# Environment: FR_APT_LOCK_TIMEOUT (seconds, default 900), FR_APT_LOCK (the
# flock file, default /run/lock/findroot-apt.lock), FR_APT_ANY_USER (set:
# install even when not root; for the tests, whose apt-get is a fake).

fr_apt_log() {
    printf 'apt: %s\n' "$*" >&2
}

fr_apt_tool() {
    _tool=$1
    shift
    DEBIAN_FRONTEND=noninteractive "$_tool" -q \
        -o DPkg::Lock::Timeout="${FR_APT_LOCK_TIMEOUT:-900}" \
        -o Acquire::Retries=2 "$@"
}

fr_apt() {
    fr_apt_tool apt-get "$@"
}

# The packages of the list that are not installed, space separated.
fr_pkgs_missing() {
    # one dpkg-query for all: it is slow on a loaded machine
    _inst=$(dpkg-query -W -f='${Package}:${Architecture} ${Package} ${Status}\n' "$@" 2>/dev/null |
        awk '/ install ok installed$/ {print $1; print $2}' | tr '\n' ' ')
    _miss=""
    for _p in "$@"; do
        case " $_inst " in
            *" $_p "*) ;;
            *) _miss="$_miss $_p" ;;
        esac
    done
    printf '%s\n' "${_miss# }"
}

# Why PKG cannot be installed, in a few words, from apt's own log.
_fr_apt_why() {
    _cand=$(apt-cache policy "$1" 2>/dev/null | awk '/Candidate:/ {print $2}')
    if [ -z "$_cand" ] || [ "$_cand" = "(none)" ]; then
        echo "not in the configured archive (no installation candidate)"
        return 0
    fi
    _line=$(grep -E '^(E|Err):' "$2" | grep -F -- "${1%%:*}" | head -n 1)
    [ -n "$_line" ] || _line=$(grep -E '^E:' "$2" | head -n 1)
    [ -n "$_line" ] || _line="apt-get failed (candidate $_cand)"
    printf '%s\n' "$_line" | tr -d '\r' | cut -c1-200
}

_fr_apt_install_locked() {
    missing=$(fr_pkgs_missing "$@")
    [ -n "$missing" ] || return 0
    need_update=0
    for p in $missing; do
        case $p in
            *:*)
                a=${p#*:}
                [ "$a" = "$(dpkg --print-architecture)" ] && continue
                if ! dpkg --print-foreign-architectures | grep -qx "$a"; then
                    fr_apt_log "adding the $a architecture to dpkg"
                    dpkg --add-architecture "$a" || return 1
                    need_update=1
                fi
                ;;
        esac
    done
    # Package lists may be absent on a fresh machine, or lack a new architecture.
    for p in $missing; do
        apt-cache show "$p" >/dev/null 2>&1 || need_update=1
    done
    log=$(mktemp) || return 1
    if [ "$need_update" = 1 ]; then
        fr_apt_log "apt-get update"
        fr_apt update >"$log" 2>&1 || fr_apt_log "apt-get update failed: $(grep -E '^(E|Err):' "$log" | head -n 1)"
    fi
    fr_apt_log "installing: $missing"
    # shellcheck disable=SC2086 # the list is space separated on purpose
    if ! fr_apt install -y --no-install-recommends $missing >"$log" 2>&1; then
        # a transient archive error or stale lists: once more, fresh
        fr_apt_log "install failed ($(grep -E '^E:' "$log" | head -n 1 | cut -c1-160)); apt-get update and one retry"
        fr_apt update >>"$log" 2>&1 || true
        : >"$log.2"
        # shellcheck disable=SC2086
        if ! fr_apt install -y --no-install-recommends $missing >"$log.2" 2>&1; then
            for p in $(fr_pkgs_missing $missing); do
                fr_apt_log "cannot install $p: $(_fr_apt_why "$p" "$log.2")"
            done
            rm -f "$log" "$log.2"
            return 1
        fi
    fi
    rm -f "$log" "$log.2"
    # apt-get may succeed without installing a package it could not resolve
    # to an exact architecture; check the result, not the exit code.
    # shellcheck disable=SC2086
    left=$(fr_pkgs_missing $missing)
    if [ -n "$left" ]; then
        fr_apt_log "still missing after apt-get install: $left"
        return 1
    fi
}

ensure_packages() {
    missing=$(fr_pkgs_missing "$@")
    [ -n "$missing" ] || return 0
    if [ "$(id -u)" != 0 ] && [ -z "${FR_APT_ANY_USER:-}" ]; then
        fr_apt_log "missing packages: $missing (run as root to install them)"
        return 1
    fi
    # One installer at a time among our own callers; the dpkg lock timeout
    # covers everybody else.
    lock=${FR_APT_LOCK:-/run/lock/findroot-apt.lock}
    mkdir -p "$(dirname -- "$lock")" 2>/dev/null
    (
        flock -w "${FR_APT_LOCK_TIMEOUT:-900}" 7 || { fr_apt_log "cannot lock $lock"; exit 1; }
        _fr_apt_install_locked "$@"
    ) 7>"$lock"
}

# Debian versions on stdin, one per line, newest first (dpkg's ordering).
fr_versions_newest_first() {
    _sorted=""
    while read -r _v; do
        [ -n "$_v" ] || continue
        case " $_sorted " in *" $_v "*) continue ;; esac
        _out=""
        _placed=0
        for _s in $_sorted; do
            if [ "$_placed" = 0 ] && dpkg --compare-versions "$_v" gt "$_s"; then
                _out="$_out $_v"
                _placed=1
            fi
            _out="$_out $_s"
        done
        [ "$_placed" = 1 ] || _out="$_out $_v"
        _sorted=${_out# }
    done
    for _s in $_sorted; do
        printf '%s\n' "$_s"
    done
}

# fr_apt_fetch_version CMD PKG DIR KIND: CMD runs `CMD apt-get|apt-cache
# ARGS...` (fr_apt_tool, or a caller's private apt configuration); the
# candidates are the versions `CMD apt-cache` lists (showsrc for sources,
# madison for binaries), newest first. Each attempt downloads into a fresh directory, so a
# half-fetched version never looks complete. On success DIR holds exactly one
# version's files and the version is printed on stdout.
fr_apt_fetch_version() {
    _cmd=$1 _pkg=$2 _dir=$3 _kind=$4
    _name=${_pkg%%:*}
    case $_kind in
        source)
            _cands=$("$_cmd" apt-cache showsrc "$_pkg" 2>/dev/null | awk -v p="$_name" '
                /^Package: / { cur = $2 } /^Version: / { if (cur == p) print $2 }' |
                fr_versions_newest_first)
            ;;
        binary)
            _cands=$("$_cmd" apt-cache madison "$_pkg" 2>/dev/null | awk -F'|' '{gsub(/ /, "", $2); print $2}' |
                fr_versions_newest_first)
            ;;
        *) fr_apt_log "fr_apt_fetch_version: unknown kind $_kind"; return 2 ;;
    esac
    if [ -z "$_cands" ]; then
        fr_apt_log "$_pkg: no $_kind version listed by the archive"
        return 1
    fi
    mkdir -p "$_dir" || return 1
    _tried=""
    for _v in $_cands; do
        _work=$(mktemp -d "$_dir/.fetch.XXXXXX") || return 1
        chmod 0777 "$_work" # apt-get drops to the _apt user for downloads
        # callers run under set -e, which dash keeps inside $(...): every
        # command that may fail is tested
        if [ "$_kind" = source ]; then
            _get="source --download-only"
        else
            _get=download
        fi
        # shellcheck disable=SC2086 # $_get is two words on purpose
        if (cd "$_work" && "$_cmd" apt-get $_get "$_pkg=$_v") >"$_work/.log" 2>&1; then
            rm -f "$_work/.log"
            mv "$_work"/* "$_dir/" && rmdir "$_work" || return 1
            [ -z "$_tried" ] || fr_apt_log "$_pkg: using $_v (not downloadable:$_tried)"
            printf '%s\n' "$_v"
            return 0
        fi
        _why=$(grep -E '^(E|Err):' "$_work/.log" | head -n 1 | cut -c1-160)
        fr_apt_log "$_pkg $_v could not be downloaded${_why:+: $_why}; trying the next version"
        rm -rf "$_work"
        _tried="$_tried $_v"
    done
    fr_apt_log "$_pkg: no listed version could be downloaded (tried:$_tried)"
    return 1
}
