#!/usr/bin/python3
"""World gateway benchmark: `metronome-load world` bots against `metronome
world serve`, server and bots on the same machine (seed 003, issue 10).

    bench/world_online_bench.py [--bots 1000,2000,5000,10000] [--duration 10] [--warmup S]
                                [--radius 30] [--spread 300] [--budget 8000] [--check-every 40]
                                [--build-dir build/release] [--out results.json]

Builds nothing: build `metronome` and `metronome-load` in Release first
(`cmake --preset release && cmake --build --preset release --target metronome metronome-load`).
Stdlib only.

For each bot count N: start `metronome world serve` on a free 127.0.0.1 port
(a temporary data directory, 200 NPCs, --max-connections N + 100, the
descriptor limit raised to the hard limit), run `metronome-load world --bots
N` (ramp 500/s from 254 source addresses; each bot first moves at the speed
limit to a random point of the disc of --spread world units around the
origin, since every player joins at the origin; a warm-up long enough for
that, spread / 6 + 5 s unless --warmup; then a --duration window with the
brute-force check every --check-every ticks). With the defaults (area of
interest 30 world units, disc 300) a bot sees about N / 100 others. The load client prints
"event measure_start" / "event measure_end"; at exactly those two moments
this script reads the server's utime+stime (/proc/PID/stat) and its /metrics,
so every server figure is over the window:

- tick p50/p99: metronome_world_tick_seconds (the world step alone; the
  histogram's bucket edges, so "<= edge");
- input wait p50/p99: metronome_world_input_latency_seconds (a command's
  arrival to the start of the tick that applies it);
- frames/s, bytes per client per second, deferred updates per second
  (metronome_world_*_total deltas);
- server CPU-us per delivered frame: server CPU over the window / frames sent.

From the bots' report: input-to-broadcast p50/p99 (apps/metronome-load/README.md
defines it), frames and bytes per client per second as received, bits per
entity update, checks and mismatches, the bots' own CPU.

A count "fits" when every bot connected, the bots received at least 19 of 20
frames per second each, the step p99 is at most 25 ms and no check failed.
The first count that does not fit ends the sweep (larger ones would not
either) unless --keep-going. Each row records the 1-minute load average: above 3 the machine is
shared and the figures are skewed. Loopback only; every process it starts is
stopped by PID; every wait is bounded.
"""
import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from broadcast_bench import raise_nofile, rss_kib  # noqa: E402  (one home for both)

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CLK_TCK = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK  # utime, stime


def scrape(port):
    """The /metrics text as {name: value} and {histogram: [(le, count)]}."""
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=10) as r:
        text = r.read().decode()
    values, buckets = {}, {}
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        name, value = line.rsplit(" ", 1)
        if "_bucket{le=" in name:
            base = name.split("_bucket{", 1)[0]
            le = name.split('le="', 1)[1].split('"', 1)[0]
            buckets.setdefault(base, []).append((float("inf") if le == "+Inf" else float(le), float(value)))
        else:
            values[name] = float(value)
    return values, buckets


def quantile(before, after, name, q):
    """The bucket edge holding the q-quantile of the window's observations (None when empty)."""
    b0 = dict(before[1].get(name, []))
    rows = [(le, c - b0.get(le, 0)) for le, c in after[1].get(name, [])]
    total = rows[-1][1] if rows else 0
    if total <= 0:
        return None
    for le, c in rows:
        if c >= q * total:
            return le
    return float("inf")


def delta(before, after, name):
    return after[0].get(name, 0) - before[0].get(name, 0)


def start_server(args, data_dir, n):
    binary = os.path.join(args.build_dir, "apps", "metronome", "metronome")
    cmd = [binary, "world", "serve", "--port", "0", "--data-dir", data_dir, "--npcs", "200",
           "--radius", str(args.radius), "--budget-bytes-per-second", str(args.budget),
           "--max-connections", str(n + 100)]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, preexec_fn=raise_nofile)
    lines = []
    reader = threading.Thread(target=lambda: lines.append(proc.stdout.readline()), daemon=True)
    reader.start()
    reader.join(30)
    if not lines or not lines[0].strip():
        proc.kill()
        raise RuntimeError("world serve printed nothing in 30 s")
    url = json.loads(lines[0])["world"]
    return proc, int(url.rsplit(":", 1)[1].split("/")[0])


def stop(proc):
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)


def one_run(args, n):
    with tempfile.TemporaryDirectory(prefix="world_online_") as tmp:
        data_dir = os.path.join(tmp, "data")
        proc, port = start_server(args, data_dir, n)
        try:
            load = os.path.join(args.build_dir, "apps", "metronome-load", "metronome-load")
            report = os.path.join(tmp, "report.json")
            cmd = [load, "world", "--url", f"ws://127.0.0.1:{port}/world", "--bots", str(n),
                   "--duration", str(args.duration), "--warmup", str(args.warmup), "--ramp-per-second", "500",
                   "--source-addresses", "254", "--threads", str(args.threads), "--check-every", str(args.check_every),
                   "--spread", str(args.spread),
                   "--data-dir", data_dir, "--connect-timeout-ms", "20000", "--out", report]
            bound = n / 500 + args.warmup + args.duration + 120
            bots = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, preexec_fn=raise_nofile)
            marks = {}
            deadline = time.time() + bound
            timer = threading.Timer(bound, bots.kill)
            timer.start()
            try:
                for line in bots.stdout:
                    if line.startswith("event measure_start"):
                        marks["start"] = (cpu_seconds(proc.pid), scrape(port), rss_kib(proc.pid), os.getloadavg()[0])
                    elif line.startswith("event measure_end"):
                        marks["end"] = (cpu_seconds(proc.pid), scrape(port), rss_kib(proc.pid), os.getloadavg()[0])
                    if time.time() > deadline:
                        break
                bots.wait(timeout=60)
            finally:
                timer.cancel()
            err = bots.stderr.read()
            if "start" not in marks or "end" not in marks or not os.path.exists(report):
                raise RuntimeError(f"metronome-load world did not finish (exit {bots.returncode}): {err[-2000:]}")
            r = json.load(open(report))
        finally:
            stop(proc)
    cpu0, m0, rss0, load0 = marks["start"]
    cpu1, m1, rss1, load1 = marks["end"]
    window = r["window_s"]
    frames = delta(m0, m1, "metronome_world_frames_sent_total")
    sent_bytes = delta(m0, m1, "metronome_world_bytes_sent_total")
    connected = max(1, r["connected"])
    tick_p99 = quantile(m0, m1, "metronome_world_tick_seconds", 0.99)
    row = {
        "bots": n,
        "connected": r["connected"],
        "passed": r["passed"],
        "load_avg_1m": round(max(load0, load1), 2),
        "input_to_broadcast_ms": r["input_to_broadcast_ms"],
        "probes_lost": r["probes_lost"],
        "tick_p50_s_le": quantile(m0, m1, "metronome_world_tick_seconds", 0.5),
        "tick_p99_s_le": tick_p99,
        "input_wait_p50_s_le": quantile(m0, m1, "metronome_world_input_latency_seconds", 0.5),
        "input_wait_p99_s_le": quantile(m0, m1, "metronome_world_input_latency_seconds", 0.99),
        "server_frames_per_s": round(frames / window, 1),
        "server_bytes_per_client_per_s": round(sent_bytes / window / connected, 1),
        "deferred_updates_per_s": round(delta(m0, m1, "metronome_world_updates_deferred_total") / window, 1),
        "inbox_dropped": delta(m0, m1, "metronome_world_inbox_dropped_total"),
        "aoi_pairs": m1[0].get("metronome_world_aoi_pairs", 0),
        "server_cpu_s": round(cpu1 - cpu0, 3),
        "server_cpu_us_per_frame": round((cpu1 - cpu0) * 1e6 / frames, 2) if frames else None,
        "server_rss_kib": rss1,
        "bot_frames_per_client_per_s": r["frames_per_client_per_s"],
        "bot_bytes_per_client_per_s": r["bytes_per_client_per_s"],
        "bits_per_entity_update": r["bits_per_entity_update"],
        "frame_bits_per_entity_update": r["frame_bits_per_entity_update"],
        "updates_per_client_per_s": r["updates_per_client_per_s"],
        "check": {k: r["check"][k] for k in ("rounds", "comparisons", "unavailable", "mismatches", "truth_errors")},
        "first_failures": r["first_failures"][:3],
        "bots_cpu_s": r["client_cpu_s"],
    }
    row["fits"] = (r["connected"] == n and r["frames_per_client_per_s"] >= 19 and tick_p99 is not None and tick_p99 <= 0.025
                   and r["check"]["mismatches"] == 0)
    return row


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--bots", default="1000,2000,5000,10000")
    ap.add_argument("--duration", type=float, default=10)
    ap.add_argument("--warmup", type=float)
    ap.add_argument("--radius", type=int, default=30)
    ap.add_argument("--spread", type=float, default=300)
    ap.add_argument("--budget", type=int, default=8000)
    ap.add_argument("--check-every", type=int, default=40)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--build-dir", default=os.path.join(ROOT, "build", "release"))
    ap.add_argument("--keep-going", action="store_true", help="run every count even after one did not fit")
    ap.add_argument("--out")
    args = ap.parse_args()
    if args.warmup is None:
        args.warmup = args.spread / 6 + 5
    counts = [int(x) for x in args.bots.split(",") if x]
    rows = []
    for n in counts:
        print(f"== {n} bots", flush=True)
        row = one_run(args, n)
        rows.append(row)
        print(json.dumps(row), flush=True)
        if not row["fits"] and not args.keep_going:
            print(f"== {n} bots do not fit; stopping the sweep", flush=True)
            break
    if args.out:
        with open(args.out, "w") as f:
            json.dump({"radius": args.radius, "spread": args.spread, "budget": args.budget, "duration": args.duration,
                       "warmup": args.warmup, "rows": rows}, f, indent=1)
    print("| bots | load | in->bcast p50/p99 ms | step p99 <= ms | frames/client/s | B/client/s | bits/update | deferred/s | CPU-us/frame | checks/mismatches |")
    for r in rows:
        lat = r["input_to_broadcast_ms"]
        p99 = "-" if r["tick_p99_s_le"] is None else f"{r['tick_p99_s_le'] * 1000:g}"
        print(f"| {r['bots']} | {r['load_avg_1m']} | {lat['p50']:.1f} / {lat['p99']:.1f} | {p99} | {r['bot_frames_per_client_per_s']} | "
              f"{r['bot_bytes_per_client_per_s']} | {r['bits_per_entity_update']} | {r['deferred_updates_per_s']} | "
              f"{r['server_cpu_us_per_frame']} | {r['check']['comparisons']}/{r['check']['mismatches']} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
