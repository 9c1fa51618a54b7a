#!/bin/sh
# The extended boot matrix: cells beyond tests/run-all.sh's default set (one
# cell per kernel series and per generator there). Here: the trixie cloud
# kernel on virtio-scsi, sid's kernel on virtio-scsi behind a root port (each
# with its negative control), initramfs-tools 0.151 in a sid chroot with the
# sid kernel. Writes docs/MATRIX-extended.md from the boots it ran.
# usage: tests/run-extended.sh   (as root; FINDROOT_BUILD, FINDROOT_JOBS as run-all)
set -eu
repo=$(CDPATH='' cd -- "$(dirname -- "$0")/.." && pwd)
jobs=${FINDROOT_JOBS:-2}
out=${FINDROOT_BUILD:-$repo/build}
start=$(date +%s)
cmake -S "$repo" -B "$out" -DFINDROOT_WERROR=ON >/dev/null
cmake --build "$out" -j"$jobs" >/dev/null
mkdir -p "$out/logs"
FINDROOT_MATRIX_FILE=$out/logs/matrix-extended.txt
rm -f "$FINDROOT_MATRIX_FILE"
export FINDROOT_MATRIX_FILE
rc=0
ctest --test-dir "$out" -L extended --output-on-failure -j"$jobs" || rc=1
if [ -s "$FINDROOT_MATRIX_FILE" ]; then
    sh "$repo/tests/matrix-table.sh" -t "Boot matrix, extended cells" "$FINDROOT_MATRIX_FILE" \
        > "$out/logs/MATRIX-extended.md"
    cp "$out/logs/MATRIX-extended.md" "$repo/docs/MATRIX-extended.md"
    cat "$out/logs/MATRIX-extended.md"
fi
echo "run-extended: $(($(date +%s) - start)) s, $([ "$rc" = 0 ] && echo passed || echo FAILED)"
exit "$rc"
