#!/bin/sh
# Runs ShellCheck on every script the integrations ship (hooks run in busybox,
# dracut's bash, mkinitcpio's bash) and on these tests themselves.
# Usage: lint.sh SOURCE_DIR
set -u
src=$1
if ! command -v shellcheck > /dev/null 2>&1; then
    # shellcheck source=tools/lib/apt.sh
    . "$src/tools/lib/apt.sh"
    ensure_packages shellcheck || { echo "FAIL: no shellcheck"; exit 1; }
fi
rc=0
check() {
    if shellcheck "$@"; then
        echo "ok: $*"
    else
        rc=1
    fi
}
cd "$src" || exit 1
# POSIX sh, run in the initramfs (busybox ash, dash)
check -x -s sh dracut/90findroot/findroot-dracut.sh dracut/90findroot/findroot-settled.sh \
    dracut/90findroot/findroot-stop.sh dracut/90findroot/findroot-diagnose.sh
check -x -s sh hooks/initramfs-tools/hooks/findroot hooks/initramfs-tools/scripts/local-top/findroot
check -x -s sh mkinitcpio/hooks/findroot hooks/lib/hook-lib.sh
# bash, sourced by the generators at build time
check -x -s bash dracut/90findroot/module-setup.sh mkinitcpio/install/findroot
# the tests
check -x -P SCRIPTDIR tests/integrations/common.sh tests/integrations/dracut-boot.sh \
    tests/integrations/itools-boot.sh tests/integrations/mkinitcpio-boot.sh \
    tests/integrations/lint.sh tests/integrations/install-check.sh tests/integrations/bench-table.sh \
    tests/integrations/prefetch.sh \
    tests/integrations/mkinitcpio/harness-init tests/integrations/mkinitcpio/harness-init_functions
check tests/integrations/mkinitcpio/harness.sh
check -x -P SCRIPTDIR tests/integrations/chroot.sh tests/lib/apt-suite.sh tests/lib/kernels.sh \
    tests/lib/matrix.sh tests/matrix-table.sh tests/run-extended.sh tests/tools/test_kernel_select.sh \
    tests/tools/test_hook_lib.sh
# the suite's driver and the tools it runs
check -x -P SCRIPTDIR tests/run-all.sh tests/tools/test_apt.sh tools/lib/apt.sh \
    tools/build-static-deps.sh tools/cross-arm64.sh tools/demo.sh .ci/run
exit "$rc"
