#!/usr/bin/env bash
# metronome state / replay: good output, and every kind of bad input gets a
# message on stderr, exit code 2 and nothing on stdout.
set -u
bin=${1:?usage: engine_commands_test.sh path/to/metronome}
out=$(mktemp) err=$(mktemp)
trap 'rm -f "$out" "$err"' EXIT
source "$(dirname "$0")/cli_expect.sh"

expect_out() {  # expect_out DESCRIPTION EXPECTED ARGS...
  local what=$1 want=$2; shift 2
  local got; got=$("$bin" "$@" 2>"$err"); local rc=$?
  if [[ $rc -ne 0 || "$got" != "$want" ]]; then fail "$what: exit $rc, got '$got', want '$want' ($(cat "$err"))"; return; fi
  passed=$((passed + 1))
}

base=(--seed 987654321 --start-at 1000 --tick-ms 100)
expect_out "countdown" '{"phase":"countdown","step":0,"value":0,"round":0,"broken":false,"remainingMs":500}' state "${base[@]}" --at 500
expect_out "step 0" '{"phase":"running","step":0,"value":1,"round":0,"broken":false}' state "${base[@]}" --at 1000
expect_out "leading zeros name the same numeric seed" \
  "$("$bin" state --seed 7 --start-at 0 --at 123456)" state --seed 007 --start-at 0 --at 123456
lines=$("$bin" replay "${base[@]}" --from 0 --to 999 | wc -l)
[[ $lines -eq 1000 ]] && passed=$((passed + 1)) || fail "replay 0..999 printed $lines lines"
breaks=$("$bin" replay "${base[@]}" --from 0 --to 9999 --breaks-only | grep -c '"broken":true')
all_breaks=$("$bin" replay "${base[@]}" --from 0 --to 9999 | grep -c '"broken":true')
[[ $breaks -eq $all_breaks && $breaks -gt 100 ]] && passed=$((passed + 1)) || fail "breaks-only: $breaks vs $all_breaks"
state_line=$("$bin" state "${base[@]}" --rule lcg-counter --at $((1000 + 100 * 5000 + 99)))
replay_line=$("$bin" replay "${base[@]}" --rule lcg-counter --from 5000 --to 5000)
[[ "$(jq -c '[.step,.value,.round,.broken]' <<<"$state_line")" == "$(jq -c '[.step,.value,.round,.broken]' <<<"$replay_line")" ]] \
  && passed=$((passed + 1)) || fail "state and replay disagree: $state_line vs $replay_line"

expect_bad "no subcommand"
expect_bad "unknown subcommand" frobnicate
expect_bad "missing --seed" state --start-at 1000 --at 5
expect_bad "missing --start-at" state --seed 1 --at 5
expect_bad "empty seed" state --seed "" --start-at 1000 --at 5
expect_bad "non-numeric --start-at" state --seed 1 --start-at soon --at 5
expect_bad "non-numeric --at" state "${base[@]}" --at 12x
expect_bad "negative --at" state "${base[@]}" --at -5
expect_bad "--at beyond 2^53-1" state "${base[@]}" --at 9007199254740992
expect_bad "tick 0" state --seed 1 --start-at 0 --tick-ms 0 --at 5
expect_bad "tick negative" state --seed 1 --start-at 0 --tick-ms -100 --at 5
expect_bad "tick above maximum" state --seed 1 --start-at 0 --tick-ms 60001 --at 5
expect_bad "tick not a number" state --seed 1 --start-at 0 --tick-ms 1e2 --at 5
expect_bad "unknown rule" state "${base[@]}" --rule chaos --at 5
expect_bad "jitter too large" state "${base[@]}" --mean-interval 10 --jitter 10 --at 5
expect_bad "mean 0" state "${base[@]}" --mean-interval 0 --at 5
expect_bad "rounds param on lcg rule" state "${base[@]}" --rule lcg-counter --jitter 3 --at 5
expect_bad "lcg param on rounds rule" state "${base[@]}" --break-probability 3 --at 5
expect_bad "break probability 0" state "${base[@]}" --rule lcg-counter --break-probability 0 --at 5
expect_bad "unknown flag" state "${base[@]}" --colour red --at 5
expect_bad "replay missing --to" replay "${base[@]}" --from 0
expect_bad "replay from > to" replay "${base[@]}" --from 10 --to 9
expect_bad "replay negative from" replay "${base[@]}" --from -1 --to 9
expect_bad "replay over 10^7 steps" replay "${base[@]}" --from 0 --to 10000000
expect_bad "replay non-numeric" replay "${base[@]}" --from zero --to 9
expect_bad "replay past the time domain" replay --seed 1 --start-at 0 --tick-ms 60000 --from 9007199254740000 --to 9007199254740100

echo "$passed passed, $failed failed"
[[ $failed -eq 0 ]]
