#!/usr/bin/env bash
# Sets everything up, builds with ASan + UBSan and warnings as errors, and runs
# every test. .ci/run calls this verbatim.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
cmake --preset ci
cmake --build --preset ci
ctest --preset ci -j2
scripts/lint.sh  # formatting of every C++ file, clang-tidy on the non-Beast units

# ThreadSanitizer (no ASan) over the tests that run threads: the server's and
# the client's I/O threads, the store threads. Only those binaries are built
# (the tsan build preset lists them; the test preset selects their tests).
cmake --preset tsan
cmake --build --preset tsan
ctest --preset tsan -j2

# A short coverage-guided fuzz run of every parser (20 s each; clang +
# libFuzzer). The seed corpora already replayed in the ctest run above.
cmake --preset fuzz
cmake --build --preset fuzz --target metronome_fuzzers
ctest --test-dir build/fuzz -L fuzz -j2 --output-on-failure
