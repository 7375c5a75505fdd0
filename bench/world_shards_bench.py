#!/usr/bin/python3
"""World shards over NATS against the in-process world (issue 11, item 5).

    bench/world_shards_bench.py [--build-dir build/release] [--entities 10000] [--players 1000]
                                [--ticks 400] [--out results.json]

Builds nothing: build `metronome` in Release first (`cmake --preset release &&
cmake --build --preset release --target metronome`). Stdlib only.

The same seeded world (N entities, P players, [-500, 500]^2 world units, radius
30, margin 2, NPCs wandering) is stepped --ticks ticks:
  - in process, `metronome world run --timing`, 1 shard and 2 shards (two
    threads): the step's time per tick;
  - as 1 and as 2 `metronome world shard` processes over a nats-server on
    127.0.0.1 driven by `metronome world drive`: the barrier's time per tick
    (publish of the batch to the last shard's done), each shard's compute and
    wait (time blocked in the phase exchanges: the hop plus the slower peer),
    and the NATS messages and bytes the shards sent per tick.
Each run's hashes are compared with the in-process run (they must agree).
Loopback only; every process started here is stopped by PID; every wait is
bounded (--timeout seconds per run).
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "support"))
from nats_server import NatsServer, terminate  # noqa: E402


def world_flags(a):
    return ["--seed", "7", "--entities", str(a.entities), "--players", str(a.players), "--size", "500", "--radius", "30",
            "--leave-margin", "2"]


def hashes(text):
    return [line for line in text.splitlines() if '"hash"' in line]


def in_process(a, binary, shards):
    r = subprocess.run([binary, "world", "run"] + world_flags(a) + ["--ticks", str(a.ticks), "--shards", str(shards), "--timing"],
                       capture_output=True, text=True, timeout=a.timeout, check=True)
    timing = json.loads(r.stdout.splitlines()[-1])["timing"]
    return timing, hashes(r.stdout)


def over_nats(a, binary, url, k, tmp):
    name = f"bench{k}"
    shards = []
    for i in range(k):
        log = open(os.path.join(tmp, f"{name}-{i}.log"), "wb")
        shards.append(subprocess.Popen([binary, "world", "shard", "--index", str(i), "--of", str(k)] + world_flags(a) +
                                       ["--nats", url, "--world", name], stdout=subprocess.DEVNULL, stderr=log))
        log.close()
    try:
        r = subprocess.run([binary, "world", "drive", "--shard-processes", str(k), "--ticks", str(a.ticks), "--nats", url, "--world", name,
                            "--stop-shards"], capture_output=True, text=True, timeout=a.timeout, check=True)
        for p in shards:
            p.wait(timeout=30)
    finally:
        for p in shards:
            terminate(p, grace=5)
    summary = json.loads(r.stdout.splitlines()[-1])["drive"]
    return summary, hashes(r.stdout)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build-dir", default=os.path.join(HERE, "..", "build", "release"))
    ap.add_argument("--entities", type=int, default=10000)
    ap.add_argument("--players", type=int, default=1000)
    ap.add_argument("--ticks", type=int, default=400)
    ap.add_argument("--timeout", type=float, default=300)
    ap.add_argument("--out")
    a = ap.parse_args()
    binary = os.path.join(a.build_dir, "apps", "metronome", "metronome")
    results = {"entities": a.entities, "players": a.players, "ticks": a.ticks}
    one, want = in_process(a, binary, 1)
    two, two_hashes = in_process(a, binary, 2)
    results["in_process"] = {"shards_1": one, "shards_2_threads": two}
    agree = two_hashes == want
    with tempfile.TemporaryDirectory(prefix="world-shards-bench-") as tmp:
        nats = NatsServer(tmp)
        try:
            for k in (1, 2):
                summary, got = over_nats(a, binary, nats.url, k, tmp)
                results[f"nats_{k}_processes"] = summary
                agree = agree and got == want
        finally:
            nats.stop()
    results["hashes_agree"] = agree
    text = json.dumps(results, indent=2)
    print(text)
    if a.out:
        with open(a.out, "w") as f:
            f.write(text + "\n")
    return 0 if agree else 1


if __name__ == "__main__":
    sys.exit(main())
