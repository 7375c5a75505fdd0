#!/usr/bin/env bash
# Installs every Debian and npm package Metronome needs on Debian 12
# (bookworm). Idempotent: a second run installs nothing and takes seconds.
# Nothing is downloaded at build time; npm packages come from the lockfiles.
set -euo pipefail
cd "$(dirname "$0")/.."

sudo_cmd=()
if [[ $(id -u) -ne 0 ]]; then sudo_cmd=(sudo); fi

packages=(
  # toolchain
  g++ cmake ninja-build ccache pkg-config git clang libclang-rt-14-dev
  # libraries
  libboost1.81-dev libboost-json1.81-dev libboost-url1.81-dev libcli11-dev libspdlog-dev libfmt-dev
  libsqlite3-dev libhiredis-dev libssl-dev libgeoip-dev geoip-database
  libgtest-dev libgmock-dev googletest libbenchmark-dev
  # servers and tools the tests and benchmarks start on 127.0.0.1
  sqlite3 redis-server redis-tools prometheus wrk nginx-light jq curl procps
  # the browser the end-to-end tests drive (playwright-core, no download)
  chromium
  # bench/metrics_bench.cpp measures src/obs against prometheus-cpp (rules helper)
  prometheus-cpp-dev
  # scripts/lint.sh: formatting and clang-tidy checks (rules helper)
  clang-format clang-tidy
  # src/gateway: JWT (HS256) verification and signing for the world gateway (gateway helper)
  libjwt-dev
  # src/world/players: the PostgreSQL player store (libpq) and its tests' own server (pgplayers helper)
  libpq-dev postgresql-15
  # bench/send_floor.cpp: the kernel's cost of a send, by send(2), writev(2) and io_uring (issue 12)
  liburing-dev
  # bench/world_wire_bench.cpp: /world frames against FlatBuffers, and permessage-deflate's zlib (issue 10)
  flatbuffers-compiler libflatbuffers-dev zlib1g-dev
  # src/events: the NATS C client the publisher and `metronome events tail` use (events helper, issue 14)
  libnats-dev
  # tests/events: the real NATS server (with JetStream) the events tests start on 127.0.0.1 (events helper, issue 14)
  nats-server
)
# Node.js 20 with npm: use the machine's if present (it may come from outside
# Debian's archive), else Debian's.
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then packages+=(nodejs npm); fi

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "setup: installing ${missing[*]}"
  "${sudo_cmd[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# The Debian packages start services we do not use: tests start their own
# servers on their own ports.
for svc in redis-server nginx prometheus postgresql nats-server; do
  if command -v systemctl >/dev/null && systemctl is-active --quiet "$svc" 2>/dev/null; then
    "${sudo_cmd[@]}" systemctl disable --now "$svc" >/dev/null 2>&1 || true
  fi
done

for dir in tests/compat tests/api web bench/peers; do
  if [[ -f $dir/package-lock.json ]]; then
    if [[ ! -d $dir/node_modules ]] || [[ $dir/package-lock.json -nt $dir/node_modules/.package-lock.json ]]; then
      echo "setup: npm install in $dir (from its lockfile)"
      (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error)
    fi
  fi
done
echo "setup: done"
