#!/bin/sh
# findroot-dracut: runs findroot inside a dracut initrd (shell or systemd
# flavour) and turns its diagnosis into dracut warnings (kmsg, journal,
# rdsosreport.txt). Usage: findroot-dracut wait|start|stop|diagnose
# Turned off by rd.findroot=0 (or findroot=0).

# shellcheck source=/dev/null
type getarg > /dev/null 2>&1 || . /lib/dracut-lib.sh
# findroot_root_ok, put into the image by module-setup.sh
# shellcheck source=hooks/lib/hook-lib.sh
[ -r /usr/lib/findroot/hook-lib.sh ] && . /usr/lib/findroot/hook-lib.sh

FR_RUN=/run/findroot
FR_BIN=/usr/sbin/findroot

# each non-empty line as a dracut warning (kmsg: journal, rdsosreport.txt)
fr_warn_lines() {
    while IFS= read -r _l || [ -n "$_l" ]; do
        [ -n "$_l" ] && warn "$_l"
    done
    return 0
}

fr_enabled() {
    [ "$(getarg rd.findroot=)" = "0" ] && return 1
    [ "$(getarg findroot=)" = "0" ] && return 1
    [ -x "$FR_BIN" ]
}

# The root spec findroot can wait for, or nothing: network, assembled
# (LVM, MD, dm-crypt) and special roots are left to their dracut modules.
fr_spec() {
    _r=$(getarg root=)
    _r=${_r#block:}
    type findroot_root_ok > /dev/null 2>&1 && findroot_root_ok "$_r" || return 1
    echo "$_r"
}

# Our deadline: findroot.timeout= wins (findroot reads it); otherwise stay
# inside dracut's own limits so the diagnosis comes before dracut gives up.
fr_timeout() {
    getarg findroot.timeout= > /dev/null && return 1
    _t=$(getarg rd.timeout=)
    if [ -n "$_t" ] && [ "$_t" -gt 0 ] 2> /dev/null; then
        _t=$((_t * 2 / 3))
        [ "$_t" -ge 1 ] || _t=1
        echo "$_t"
        return 0
    fi
    return 1
}

fr_wait() {
    fr_enabled || return 0
    _spec=$(fr_spec) || {
        info "findroot: root=$(getarg root=) is not a block device spec, not waiting"
        return 0
    }
    mkdir -p "$FR_RUN"
    set -- wait "$_spec"
    if _t=$(fr_timeout); then
        set -- -t "$_t" "$@"
    fi
    info "findroot: waiting for $_spec"
    # stderr (the diagnosis) becomes dracut warnings; the node goes to a file
    "$FR_BIN" "$@" > "$FR_RUN/node" 2> "$FR_RUN/wait.err" &
    echo $! > "$FR_RUN/findroot.pid"
    wait $!
    _rc=$?
    rm -f "$FR_RUN/findroot.pid"
    echo "$_rc" > "$FR_RUN/status"
    if [ "$_rc" -eq 0 ]; then
        info "findroot: root $_spec is $(cat "$FR_RUN/node")"
    else
        warn "findroot: root $_spec did not appear (exit $_rc):"
        fr_warn_lines < "$FR_RUN/wait.err"
        : > "$FR_RUN/diagnosed"
    fi
    return "$_rc"
}

# shell initrd: run the wait in the background, once, so the initqueue goes on
fr_start() {
    [ -n "$DRACUT_SYSTEMD" ] && return 0
    [ -e "$FR_RUN/started" ] && return 0
    fr_enabled || return 0
    mkdir -p "$FR_RUN"
    : > "$FR_RUN/started"
    fr_wait &
}

# before switch_root: a findroot still waiting has nothing left to do
fr_stop() {
    [ -r "$FR_RUN/findroot.pid" ] || return 0
    read -r _pid < "$FR_RUN/findroot.pid"
    kill "$_pid" 2> /dev/null
    return 0
}

# plain-words report, once per boot, unless root is already mounted
fr_diagnose() {
    fr_enabled || return 0
    [ -e "$FR_RUN/diagnosed" ] && return 0
    [ -n "$NEWROOT" ] && [ -d "$NEWROOT/proc" ] && return 0
    mkdir -p "$FR_RUN"
    : > "$FR_RUN/diagnosed"
    warn "findroot: root=$(getarg root=) is missing; findroot diagnose says:"
    "$FR_BIN" diagnose > "$FR_RUN/diagnose.txt" 2>&1
    fr_warn_lines < "$FR_RUN/diagnose.txt"
}

case "$1" in
    wait) fr_wait ;;
    start) fr_start ;;
    stop) fr_stop ;;
    diagnose) fr_diagnose ;;
    *)
        echo "usage: findroot-dracut wait|start|stop|diagnose" >&2
        exit 2
        ;;
esac
