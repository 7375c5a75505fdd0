#!/usr/bin/env bash
# The curl examples of seeds 002 and 004, run as the documents write them
# (only host:port and the ids the server returned substituted), against a
# freshly started `metronome region`, then the data checked with sqlite3.
set -u
bin=${1:?usage: seed_curl_examples.sh path/to/metronome}
work=$(mktemp -d)
port=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
db=$work/sessions.db
PORT=$port REGION=us STORE=sqlite:$db "$bin" region >"$work/region.log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null; rm -rf "$work"' EXIT
for _ in $(seq 100); do curl -s -o /dev/null "http://localhost:$port/healthz" && break; sleep 0.05; done

passed=0 failed=0
check() {  # check DESCRIPTION JQ-EXPRESSION JSON
  if jq -e "$2" <<<"$3" >/dev/null 2>&1; then passed=$((passed + 1)); else failed=$((failed + 1)); echo "FAIL: $1: $3"; fi
}

# --- Seed 004 ---
created=$(curl -s -X POST http://localhost:$port/v1/sessions \
  -H "Content-Type: application/json" \
  -d '{
    "tick_ms": 100,
    "metadata": {"game_type": "counter"}
  }')
check "004 create" '.id and .seed and .start_at and .tick_ms == 100 and .metadata.game_type == "counter" and .status == "running"' "$created"
id=$(jq -r .id <<<"$created")
got=$(curl -s http://localhost:$port/v1/sessions/$id)
check "004 get" ".id == \"$id\" and .status == \"running\" and .seed == $(jq .seed <<<"$created")" "$got"
state=$(curl -s http://localhost:$port/v1/sessions/$id/state)
check "004 state" '(.step|type) == "number" and (.value|type) == "number" and (.round|type) == "number" and (.broken|type) == "boolean" and .computed_at' "$state"
stopped=$(curl -s -X POST http://localhost:$port/v1/sessions/$id/stop)
check "004 stop" ".id == \"$id\" and .status == \"stopped\"" "$stopped"
health=$(curl -s http://localhost:$port/healthz)
check "004 healthz" '.status == "ok"' "$health"

# --- Seed 002 ---
health=$(curl -s http://localhost:$port/health)
check "002 health" '.status == "ok"' "$health"
started=$(curl -s -X POST http://localhost:$port/game/start \
  -H "Content-Type: application/json" \
  -d '{"user_id": "user123"}')
check "002 start" '.session_id and .user_id == "user123" and .region == "us" and .started_at and .status == "active"' "$started"
again=$(curl -s -X POST http://localhost:$port/game/start \
  -H "Content-Type: application/json" \
  -d '{"user_id": "user123", "region": "us"}')
check "002 start with region (the user's active session)" ".session_id == $(jq .session_id <<<"$started") and .resumed == true" "$again"
session_id=$(jq -r .session_id <<<"$started")
exited=$(curl -s -X POST http://localhost:$port/game/exit \
  -H "Content-Type: application/json" \
  -d "{\"session_id\": \"$session_id\"}")
check "002 exit" ".session_id == \"$session_id\" and .user_id == \"user123\" and .exited_at and .status == \"exited\"" "$exited"

# --- Seed 000's request bodies ---
g=$(curl -s -X POST http://localhost:$port/game/start -H "Content-Type: application/json" -d '{"userId": "user123"}')
check "000 start" '.gameId and (.seed|type) == "number" and (.startAt|type) == "number" and .tickMs == 100' "$g"
e=$(curl -s -X POST http://localhost:$port/game/exit -H "Content-Type: application/json" \
  -d "{\"gameId\": $(jq .gameId <<<"$g"), \"userId\": \"user123\"}")
check "000 exit" '.ok == true' "$e"

# --- The data, as docs/storage.md shows it ---
rows=$(sqlite3 -json "$db" "SELECT id, user_id, region, status FROM sessions ORDER BY created_at_ms" 2>&1)
check "sqlite3 sees the sessions" "length == 3 and .[0].id == \"$id\" and .[1].status == \"exited\" and .[1].region == \"us\"" "$rows"

echo "$passed passed, $failed failed"
[[ $failed -eq 0 ]]
