#!/usr/bin/env bash
# metronome world run: the printed visible sets agree with brute force over the
# printed positions (with and without the leave margin), the hash lines are the
# same for 1, 2, 4 and 8 shards, commands apply and are refused, and bad input
# gets a message on stderr, exit code 2 and nothing on stdout.
set -u
bin=${1:?usage: world_run_test.sh path/to/metronome}
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
out=$tmp/out err=$tmp/err
source "$here/cli_expect.sh"
ok() { passed=$((passed + 1)); }

small=(world run --seed 7 --entities 260 --players 50 --size 60 --radius 12)
for margin in 3 0; do
  if "$bin" "${small[@]}" --ticks 30 --leave-margin "$margin" --positions --aoi >"$out" 2>"$err"; then
    if /usr/bin/python3 "$here/world_check.py" <"$out" >"$tmp/check"; then ok; else fail "margin $margin: $(cat "$tmp/check")"; fi
  else
    fail "margin $margin: exit $? ($(cat "$err"))"
  fi
done
# The same with 4 shards: the visible sets are still exact.
if "$bin" "${small[@]}" --ticks 30 --leave-margin 2 --shards 4 --positions --aoi >"$out" 2>"$err" &&
   /usr/bin/python3 "$here/world_check.py" <"$out" >"$tmp/check"; then ok; else fail "4 shards: $(cat "$tmp/check" "$err")"; fi

# One hash per tick, identical for every shard count (and across runs).
big=(world run --seed determinism --entities 4000 --players 1000 --size 300 --radius 40 --leave-margin 4)
"$bin" "${big[@]}" --ticks 60 --shards 1 | grep '"hash"' >"$tmp/k1"
[[ $(wc -l <"$tmp/k1") -eq 60 ]] && ok || fail "expected 60 hash lines, got $(wc -l <"$tmp/k1")"
for k in 2 4 8; do
  "$bin" "${big[@]}" --ticks 60 --shards "$k" | grep '"hash"' >"$tmp/k$k"
  cmp -s "$tmp/k1" "$tmp/k$k" && ok || fail "hashes differ between 1 and $k shards: $(diff "$tmp/k1" "$tmp/k$k" | head -3)"
done
"$bin" "${big[@]}" --ticks 60 --shards 1 | grep '"hash"' | cmp -s - "$tmp/k1" && ok || fail "two runs differ"
[[ $(sort -u "$tmp/k1" | wc -l) -eq 60 ]] && ok || fail "the hash does not change from tick to tick"
# The visible sets also agree across shard counts.
"$bin" "${big[@]}" --ticks 20 --aoi --shards 1 | md5sum >"$tmp/a1"
"$bin" "${big[@]}" --ticks 20 --aoi --shards 8 | sed 's/"shards":8/"shards":1/' | md5sum | cmp -s - "$tmp/a1" && ok ||
  fail "visible sets differ between 1 and 8 shards"

# The first line describes the world.
first=$("$bin" "${small[@]}" --leave-margin 3 --ticks 1 | head -1)
[[ $(jq -c '.world | [.seed, .unitsPerWorldUnit, .radius, .leaveMargin, .half]' <<<"$first") == "[7,256,3072,768,15360]" ]] && ok ||
  fail "first line: $first"

# Commands: accepted ones change the world, refused ones are reported by reason.
cat >"$tmp/cmds" <<'JSON'
{"tick":1,"player":0,"seq":1,"type":"velocity","vx":0,"vy":0}
{"tick":2,"player":0,"seq":2,"type":"moveTo","x":0,"y":0,"speed":60}

{"tick":2,"player":1,"seq":1,"type":"velocity","vx":5000,"vy":0}
{"tick":3,"player":1,"seq":0,"type":"stop"}
{"tick":3,"player":0,"seq":3,"entity":1,"type":"stop"}
{"tick":3,"player":2,"seq":1,"type":"emote","text":"hello"}
JSON
"$bin" "${small[@]}" --leave-margin 3 --ticks 4 --commands "$tmp/cmds" >"$out" 2>"$err" || fail "commands run: $(cat "$err")"
[[ $(jq -c 'select(.rejected) | [.tick, [.rejected[].reason]]' "$out" | tr '\n' ' ') == '[2,["too_fast"]] [3,["not_owner","stale_sequence"]] ' ]] && ok ||
  fail "rejections: $(grep rejected "$out")"
"$bin" "${small[@]}" --leave-margin 3 --ticks 4 | grep '"hash"' >"$tmp/plain"
grep '"hash"' "$out" | cmp -s - "$tmp/plain" && fail "accepted commands changed nothing" || ok

expect_bad "no world subcommand" world
expect_bad "missing --seed" world run --entities 10 --players 1 --size 10 --radius 2 --leave-margin 1 --ticks 1
expect_bad "missing --ticks" world run --seed 1 --entities 10 --players 1 --size 10 --radius 2 --leave-margin 1
expect_bad "empty seed" world run --seed "" --entities 10 --players 1 --size 10 --radius 2 --leave-margin 1 --ticks 1
expect_bad "players above entities" world run --seed 1 --entities 10 --players 11 --size 10 --radius 2 --leave-margin 1 --ticks 1
expect_bad "negative entities" world run --seed 1 --entities -1 --players 0 --size 10 --radius 2 --leave-margin 1 --ticks 1
expect_bad "size 0" world run --seed 1 --entities 10 --players 1 --size 0 --radius 2 --leave-margin 1 --ticks 1
expect_bad "size not a number" world run --seed 1 --entities 10 --players 1 --size 1e3 --radius 2 --leave-margin 1 --ticks 1
expect_bad "radius 0" world run --seed 1 --entities 10 --players 1 --size 10 --radius 0 --leave-margin 1 --ticks 1
expect_bad "margin too large" world run --seed 1 --entities 10 --players 1 --size 1000 --radius 2 --leave-margin 256 --ticks 1
expect_bad "ticks 0" world run --seed 1 --entities 10 --players 1 --size 10 --radius 2 --leave-margin 1 --ticks 0
expect_bad "shards 0" world run --seed 1 --entities 10 --players 1 --size 10 --radius 2 --leave-margin 1 --ticks 1 --shards 0
expect_bad "more shards than columns" world run --seed 1 --entities 10 --players 1 --size 10 --radius 2 --leave-margin 1 --ticks 1 --shards 9
expect_bad "missing command file" world run --seed 1 --entities 10 --players 1 --size 10 --radius 2 --leave-margin 1 --ticks 1 --commands "$tmp/nope"
for bad in '{"tick":1' '[1,2]' '{"tick":1,"player":0,"seq":1,"type":"jump"}' '{"tick":1,"player":0,"seq":1,"type":"stop","extra":1}' \
           '{"tick":-1,"player":0,"seq":1,"type":"stop"}' '{"tick":1,"player":0,"seq":1,"type":"velocity","vx":1.5,"vy":0}' \
           '{"tick":1,"player":0,"seq":1,"type":"velocity","vx":99999999999,"vy":0}' '{"player":0,"seq":1,"type":"stop"}' \
           '{"tick":1,"player":0,"seq":1,"type":"emote","text":5}'; do
  printf '%s\n' '{"tick":1,"player":0,"seq":1,"type":"stop"}' "$bad" >"$tmp/bad"
  expect_bad "command file line 2: $bad" world run --seed 1 --entities 10 --players 1 --size 10 --radius 2 --leave-margin 1 --ticks 1 --commands "$tmp/bad"
  grep -q 'line 2' "$err" || fail "no line number in: $(cat "$err")"
done
expect_bad "bench: unknown scenario" world bench --only z
expect_bad "bench: ticks 0" world bench --ticks 0

echo "world run: $passed passed, $failed failed"
[[ $failed -eq 0 ]]
