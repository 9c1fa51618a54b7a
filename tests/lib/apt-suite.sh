# shellcheck shell=sh
# Other Debian suites than the host's, for the tests (newer kernels, chroots of
# newer generators): a private apt configuration per suite under
# $FINDROOT_CACHE/apt-suites/<suite> (its own sources.list, lists and cache;
# Dir::Etc::* pointed there). The system's apt configuration is never touched;
# the host's mirror is reused. Source it after tools/lib/apt.sh.
#
#   apt_suite_mirror            the Debian mirror the host uses (its first
#                               deb.debian.org-like URI, not the security one)
#   apt_suite_security_mirror   the host's security mirror
#   apt_suite_setup SUITE       make the private configuration and fetch its
#                               lists (once; again when older than
#                               $APT_SUITE_MAX_AGE seconds, default 6 h);
#                               safe to run concurrently
#   apt_suite SUITE TOOL ARGS...
#                               apt-get or apt-cache (TOOL) on that suite
#   apt_suite_cmd TOOL ARGS...  the same for the suite in $APT_SUITE: a CMD for
#                               tools/lib/apt.sh's fr_apt_fetch_version
#
# Suites: bookworm-backports, trixie (with trixie-updates and trixie-security),
# sid. sid's Release is past its Valid-Until date in the archive this project
# tests against: its private configuration (only) has
# Acquire::Check-Valid-Until "false".
# Test seam: APT_SUITE_SOURCES_<suite> (dashes as underscores) replaces the
# sources.list lines of that suite, e.g. a file: repository.

apt_suite_log() {
    printf 'apt-suite: %s\n' "$*" >&2
}

# URIs of the host's deb entries (one-line and deb822 formats), in order.
_apt_suite_host_uris() {
    for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
        [ -f "$f" ] || continue
        awk '$1 == "deb" { i = 2; if ($2 ~ /^\[/) { while (i <= NF && $i !~ /\]$/) i++; i++ } print $i }' "$f"
    done
    for f in /etc/apt/sources.list.d/*.sources; do
        [ -f "$f" ] || continue
        awk '/^Types:/ { deb = ($0 ~ /[ \t]deb([ \t]|$)/) } /^URIs:/ && deb { for (i = 2; i <= NF; i++) print $i }' "$f"
    done
}

apt_suite_mirror() {
    m=$(_apt_suite_host_uris | grep -E '/debian/?$' | grep -v -- '-security' | head -n 1)
    printf '%s\n' "${m:-http://deb.debian.org/debian}"
}

apt_suite_security_mirror() {
    m=$(_apt_suite_host_uris | grep -E -- '-security/?$' | head -n 1)
    printf '%s\n' "${m:-http://deb.debian.org/debian-security}"
}

_apt_suite_dir() {
    printf '%s\n' "$FINDROOT_CACHE/apt-suites/$1"
}

_apt_suite_sources() {
    seam=$(printf '%s' "$1" | tr -- '-.' '__')
    eval "over=\${APT_SUITE_SOURCES_$seam:-}"
    if [ -n "$over" ]; then
        printf '%s\n' "$over"
        return 0
    fi
    key=/usr/share/keyrings/debian-archive-keyring.gpg
    m=$(apt_suite_mirror)
    case $1 in
        trixie)
            printf 'deb [signed-by=%s] %s trixie main\n' "$key" "$m"
            printf 'deb [signed-by=%s] %s trixie-updates main\n' "$key" "$m"
            printf 'deb [signed-by=%s] %s trixie-security main\n' "$key" "$(apt_suite_security_mirror)"
            ;;
        sid | bookworm-backports)
            printf 'deb [signed-by=%s] %s %s main\n' "$key" "$m" "$1"
            ;;
        *)
            apt_suite_log "unknown suite '$1'"
            return 1
            ;;
    esac
}

apt_suite() {
    s=$1
    tool=$2
    shift 2
    d=$(_apt_suite_dir "$s")
    "$tool" -q -c "$d/apt.conf" -o DPkg::Lock::Timeout="${FR_APT_LOCK_TIMEOUT:-900}" "$@"
}

apt_suite_cmd() {
    apt_suite "$APT_SUITE" "$@"
}

apt_suite_setup() {
    s=$1
    d=$(_apt_suite_dir "$s")
    mkdir -p "$d/lists/partial" "$d/cache/archives/partial" "$d/sources.list.d" "$d/preferences.d" || return 1
    (
        flock 8 || exit 1
        src=$(_apt_suite_sources "$s") || exit 1
        printf '%s\n' "$src" >"$d/sources.list.new"
        {
            printf 'Dir::Etc::SourceList "%s/sources.list";\n' "$d"
            printf 'Dir::Etc::SourceParts "%s/sources.list.d";\n' "$d"
            printf 'Dir::Etc::Preferences "%s/preferences";\n' "$d"
            printf 'Dir::Etc::PreferencesParts "%s/preferences.d";\n' "$d"
            printf 'Dir::State::Lists "%s/lists";\n' "$d"
            printf 'Dir::Cache "%s/cache";\n' "$d"
            printf 'Dir::Cache::pkgcache "";\nDir::Cache::srcpkgcache "";\n'
            # the lists live under the caller's home: download as the caller
            printf 'APT::Sandbox::User "%s";\n' "$(id -un)"
            printf 'APT::Architectures { "%s"; "arm64"; };\n' "$(dpkg --print-architecture)"
            printf 'Acquire::Languages "none";\nAcquire::Retries "2";\n'
            [ "$s" = sid ] && printf 'Acquire::Check-Valid-Until "false";\n'
        } >"$d/apt.conf.new"
        changed=0
        cmp -s "$d/sources.list.new" "$d/sources.list" || changed=1
        cmp -s "$d/apt.conf.new" "$d/apt.conf" || changed=1
        mv "$d/sources.list.new" "$d/sources.list" && mv "$d/apt.conf.new" "$d/apt.conf" || exit 1
        stamp=$d/lists/.updated
        age=999999999
        [ -f "$stamp" ] && age=$(($(date +%s) - $(stat -c %Y "$stamp")))
        if [ "$changed" = 1 ] || [ "$age" -gt "${APT_SUITE_MAX_AGE:-21600}" ]; then
            apt_suite_log "apt-get update of $s (private lists in $d)"
            if ! apt_suite "$s" apt-get update >"$d/update.log" 2>&1 ||
                grep -Eq '^(E|W): Failed to fetch' "$d/update.log"; then
                apt_suite_log "apt-get update of $s failed: $(grep -E '^(E|W|Err):' "$d/update.log" | head -n 1 | cut -c1-200)"
                # keep older lists if there are any; without lists it is an error
                ls "$d/lists/"*_Packages* >/dev/null 2>&1 || exit 1
            else
                : >"$stamp"
            fi
        fi
    ) 8>"$d/.lock"
}
