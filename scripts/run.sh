#!/usr/bin/env bash
# Sets everything up, builds the release binaries and runs the main job.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
cmake --preset release >/dev/null
cmake --build --preset release --target metronome
(cd web && npm run build)

# The whole system on this machine: edge + registry on :8080 (serving the web
# client), regions eu, us and asia on :8081 to :8083, one SQLite store under
# metronome-data/. Ctrl-C stops everything.
exec build/release/apps/metronome/metronome up --data-dir metronome-data --web-root web/dist
