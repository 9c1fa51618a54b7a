# shellcheck shell=sh
# The boot matrix (docs/MATRIX.md): each boot test appends one line per boot
# to $FINDROOT_MATRIX_FILE (nothing when unset); tests/matrix-table.sh turns
# the lines of a run into the table. Sourced by tests/e2e/lib.sh.
#
#   matrix_record KERNEL ARCH KIND VARIANT RESULT SECONDS TEST
#       KERNEL   uname -r of the booted kernel
#       KIND     image kind, e.g. "busybox+hook (virtio-blk)", "dracut 106 systemd"
#       VARIANT  stock | findroot
#       RESULT   what the boot did: "root", "no-root", or "FAIL(reason)" when
#                the test's expectation was not met
#       TEST     the ctest name that booted it

matrix_record() {
    [ -n "${FINDROOT_MATRIX_FILE:-}" ] || return 0
    line=$(printf 'MATRIX|%s|%s|%s|%s|%s|%s|%s' "$1" "$2" "$3" "$4" "$5" "$6" "$7" | tr -d '\n')
    mkdir -p "$(dirname -- "$FINDROOT_MATRIX_FILE")" 2>/dev/null
    # one append of a short line is atomic; flock keeps it so on odd filesystems
    (
        flock 5
        printf '%s\n' "$line" >>"$FINDROOT_MATRIX_FILE"
    ) 5>>"$FINDROOT_MATRIX_FILE.lock"
}
