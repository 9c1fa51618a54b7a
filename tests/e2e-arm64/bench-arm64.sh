#!/bin/sh
# arm64 boot-to-root benchmark: bench/boot-bench.sh -a arm64 (the options and
# the report are described there).
# usage: tests/e2e-arm64/bench-arm64.sh [-n RUNS] [-f FINDROOT] [-s STATIC_FINDROOT] [-q]
#                                       [-o FILE.md] [SCENARIO...]
#   defaults: 3 runs, build-arm64/findroot, acpi-blk-uuid-iommu dt-blk-label-iommu
exec sh "$(dirname -- "$0")/../../bench/boot-bench.sh" -a arm64 "$@"
