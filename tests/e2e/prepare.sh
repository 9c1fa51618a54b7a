#!/bin/sh
# Install what the boot tests need and fetch the kernels into the cache, once,
# before the boots run (ctest fixture e2e/prepare).
set -u
# shellcheck source=tests/e2e/lib.sh
. "$(dirname -- "$0")/lib.sh"

ensure_e2e_tools || exit 1
rc=0
for flavour in 6.12 6.1 6.12-trixie sid; do
    if k=$(get_kernel "$flavour"); then
        echo "e2e: kernel $flavour: $(kernel_describe "$k") in $k"
    else
        echo "e2e: kernel $flavour: not available" >&2
        rc=1
    fi
done
exit $rc
