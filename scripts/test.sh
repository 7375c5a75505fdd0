#!/usr/bin/env bash
# Sets everything up, builds with ASan + UBSan and warnings as errors, and runs
# every test. .ci/run calls this verbatim.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
cmake --preset ci
cmake --build --preset ci
ctest --preset ci -j2
