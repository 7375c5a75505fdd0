#!/usr/bin/env bash
# Sets everything up, builds the release binaries and runs the main job.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
cmake --preset release >/dev/null
cmake --build --preset release --target metronome
bin=build/release/apps/metronome/metronome

# A session that starts in 3 seconds, as a region would create it, shown the
# way every client computes it: from seed, start time and tick length alone.
seed=$(od -An -N8 -tu8 /dev/urandom | tr -d ' ')
start=$(( $(date +%s%3N) + 3000 ))
echo "session: seed=$seed startAt=$start tickMs=100 rule=rounds"
end=$(( start + 5000 ))
while (( $(date +%s%3N) < end )); do
  "$bin" state --seed "$seed" --start-at "$start" --tick-ms 100
  sleep 0.25
done
echo "breaks in the first 500 steps:"
"$bin" replay --seed "$seed" --start-at "$start" --tick-ms 100 --from 0 --to 499 --breaks-only
