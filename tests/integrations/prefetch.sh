#!/bin/sh
# Fetches ahead what the boot stages would otherwise download on their own
# critical path: the test kernels (tests/e2e/prepare.sh) and every cached
# chroot of common.sh's INTEG_CHROOTS, one after another. tests/run-all.sh
# starts it in the background while the CPU-bound build and sanitizer stages
# run (debootstrap mostly waits on the network and the disk). Each piece takes
# the lock the test that needs it takes, so a test that gets there first
# waits for it or finds it done; a piece that fails here is tried again by
# its test. Exit status 1 when any piece failed.
set -u
# shellcheck source=tests/integrations/common.sh
. "$(dirname -- "$0")/common.sh"

rc=0
t0=$(date +%s)
sh "$INTEG_REPO/tests/e2e/prepare.sh" || rc=1
mkdir -p "$INTEG_CACHE" || exit 1
for c in $INTEG_CHROOTS; do
    integ_chroot_make "${c%%:*}" "${c#*:}" || { integ_log "prefetch: chroot $c failed"; rc=1; }
done
integ_log "prefetch: done in $(($(date +%s) - t0)) s (exit $rc)"
exit "$rc"
