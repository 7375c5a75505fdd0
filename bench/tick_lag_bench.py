#!/usr/bin/python3
"""Tick lag under a create burst: does a burst of session creates on SQLite
delay the ticks other sessions are broadcasting? (issue 12, item 5)

    bench/tick_lag_bench.py [--clients 1000] [--burst 5000] [--burst-connections 16]
                            [--store sqlite] [--out results.json]

Builds nothing: build `metronome` and `metronome-load` in Release first
(`cmake --preset release && cmake --build --preset release --target metronome metronome-load`,
or pass --build-dir). Stdlib only.

One region (THREADS=2, 127.0.0.1) on a fresh SQLite file (or --store URL):
1. A calibration burst: --burst creates (POST /v1/sessions) over
   --burst-connections keep-alive connections (a Python thread each), with
   no WebSocket clients.
   Its duration W (at least 1 s) becomes the length of both windows below,
   so that the burst fills the "during" window.
2. Sessions for the clients (server mode, 10 Hz, rooms of 50), then
   metronome-load joins --clients WebSocket clients and measures tick lag
   (kernel receive time minus the tick's scheduled time) over W: "idle".
3. The same again, with a second burst started at the moment the load
   client opens its window: "during the burst". The burst's client runs on
   the same two cores, so the "during" lag includes its CPU too.
Target: p99 during the burst at most twice the idle p99.

The server's CPU is sampled at both window edges. Loopback only; every process
started here is stopped by PID; every wait is bounded.
"""
import argparse
import http.client
import json
import os
import queue
import shutil
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from broadcast_bench import ROOM_SIZE, child_setup, cpu_seconds, free_port, post_json, raise_nofile, stop, wait_port  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

BURST_BODY = b'{"tick_ms":100,"metadata":{"game_type":"counter"}}'


def run_burst(port, args):
    """Runs one burst to its end: args.burst creates over
    args.burst_connections keep-alive connections, one thread each (wrk
    cannot stop after N requests without also waiting out its duration).
    Returns (creates answered 2xx, seconds, others)."""
    per = [args.burst // args.burst_connections + (1 if i < args.burst % args.burst_connections else 0)
           for i in range(args.burst_connections)]
    counts = [[0, 0] for _ in per]

    def worker(i):
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        try:
            for _ in range(per[i]):
                conn.request("POST", "/v1/sessions", body=BURST_BODY, headers={"Content-Type": "application/json"})
                r = conn.getresponse()
                r.read()
                counts[i][0 if 200 <= r.status < 300 else 1] += 1
        finally:
            conn.close()

    started = time.monotonic()
    threads = [threading.Thread(target=worker, args=(i,)) for i in range(len(per))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=300)
    return sum(c[0] for c in counts), time.monotonic() - started, sum(c[1] for c in counts)


def measure(server, port, session_ids, window_s, work, args, with_burst):
    """One metronome-load window of window_s seconds; with_burst starts a
    burst as the window opens. Returns the row for the table."""
    out = os.path.join(work, f"load-{'burst' if with_burst else 'idle'}.json")
    cmd = [args.load, "--url", f"ws://127.0.0.1:{port}/ws", "--clients", str(args.clients), "--duration", str(window_s),
           "--warmup", "2", "--ramp-per-second", "1000", "--threads", "1", "--source-addresses", "4",
           "--connect-timeout-ms", "20000", "--peer", "metronome", "--protocol", "bin",
           "--session-ids", ",".join(session_ids), "--out", out]
    load = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=open(out + ".err", "w"), text=True, preexec_fn=child_setup)
    lines = queue.Queue()
    threading.Thread(target=lambda: [lines.put(l) for l in load.stdout], daemon=True).start()
    marks, burst, burst_thread = {}, {}, None
    deadline = time.time() + args.clients / 1000 + window_s + 120
    try:
        while "measure_end" not in marks and time.time() < deadline:
            try:
                line = lines.get(timeout=1)
            except queue.Empty:
                if load.poll() is not None:
                    break
                continue
            if not line.startswith("event "):
                continue
            event = line.split()[1]
            marks[event] = (time.monotonic(), cpu_seconds(server.pid))
            if event == "measure_start" and with_burst:
                burst_thread = threading.Thread(target=lambda: burst.update(zip(("creates", "seconds", "non_2xx"),
                                                                                run_burst(port, args))))
                burst_thread.start()
        if "measure_start" not in marks or "measure_end" not in marks:
            raise RuntimeError(f"the load client never finished its window (see {out}.err)")
        load.wait(timeout=60)
        if burst_thread is not None:
            burst_thread.join(timeout=180)
    finally:
        if load.poll() is None:
            load.kill()
            load.wait()
    with open(out) as f:
        report = json.load(f)
    (t0, cpu0), (t1, cpu1) = marks["measure_start"], marks["measure_end"]
    return {"phase": "during the burst" if with_burst else "idle", "window_s": window_s, "clients": report["connected"],
            "messages_per_s": report["messages_per_s"], "expected_per_s": args.clients * 10, "lag_ms": report["lag_ms"],
            "server_cpu_pct": 100 * (cpu1 - cpu0) / (t1 - t0), "kicked": report["kicked"], "burst": burst or None,
            "loadavg_1m": os.getloadavg()[0]}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--clients", type=int, default=1000, help="WebSocket clients receiving ticks")
    ap.add_argument("--burst", type=int, default=5000, help="creates per burst")
    ap.add_argument("--burst-connections", type=int, default=16, help="keep-alive connections of a burst")
    ap.add_argument("--store", default="", help="store URL (default: a fresh sqlite file)")
    ap.add_argument("--build-dir", default=os.path.join(ROOT, "build", "release"))
    ap.add_argument("--out", default="")
    args = ap.parse_args()
    args.build_dir = os.path.abspath(args.build_dir)
    args.metronome = os.path.join(args.build_dir, "apps", "metronome", "metronome")
    args.load = os.path.join(args.build_dir, "apps", "metronome-load", "metronome-load")
    for path in (args.metronome, args.load):
        if not os.path.exists(path):
            sys.exit(f"{path} not found: build metronome and metronome-load in Release (see --help)")
    raise_nofile()

    work = tempfile.mkdtemp(prefix="metronome-tick-lag-bench-")
    port = free_port()
    store = args.store or f"sqlite:{work}/bench.db"
    env = dict(os.environ, PORT=str(port), STORE=store, REGION="eu", COUNTDOWN_MS="1000", ACCESS_LOG="false",
               LOG_LEVEL="warn", THREADS="2", MAX_LATENCY_MS="60000", MAX_JITTER_MS="60000",
               WARNING_LATENCY_MS="60000", WARNING_JITTER_MS="60000")
    log = open(os.path.join(work, "region.log"), "w")
    server = subprocess.Popen([args.metronome, "region"], env=env, stdout=log, stderr=log, preexec_fn=child_setup, cwd=work)
    results = {"machine": {"cores": os.cpu_count(), "loadavg_at_start": os.getloadavg()},
               "config": {"clients": args.clients, "burst": args.burst, "burst_connections": args.burst_connections,
                          "store": "sqlite (fresh file)" if not args.store else args.store, "hz": 10},
               "runs": []}
    try:
        wait_port(port, server)
        creates, took, non2xx = run_burst(port, args)
        window = max(1.0, round(took * 2) / 2)
        results["calibration"] = {"creates": creates, "seconds": took, "non_2xx": non2xx, "window_s": window}
        sessions = max(1, (args.clients + ROOM_SIZE - 1) // ROOM_SIZE)
        ids = [post_json(port, "/v1/sessions", {"mode": "server", "tick_ms": 100})["id"] for _ in range(sessions)]
        time.sleep(1.2)  # past the countdown: the sessions tick when clients join
        for with_burst in (False, True):
            results["runs"].append(measure(server, port, ids, window, work, args, with_burst))
            time.sleep(1)
    finally:
        stop(server)
        log.close()
        shutil.rmtree(work, ignore_errors=True)

    cal = results["calibration"]
    print(f"calibration burst: {cal['creates']:,} creates in {cal['seconds']:.2f} s ({cal['non_2xx']} non-2xx); "
          f"window {cal['window_s']} s")
    print("| phase | clients | delivered msg/s (of) | lag p50 ms | p99 ms | p999 ms | server CPU % | creates in window | load avg |")
    print("|---|---|---|---|---|---|---|---|---|")
    for r in results["runs"]:
        lag, b = r["lag_ms"], r["burst"]
        burst = f"{b['creates']:,} in {b['seconds']:.2f} s" if b else "-"
        print(f"| {r['phase']} | {r['clients']:,} | {r['messages_per_s']:,.0f} ({r['expected_per_s']:,}) | {lag['p50']:.2f} "
              f"| {lag['p99']:.2f} | {lag['p999']:.2f} | {r['server_cpu_pct']:.0f} | {burst} | {r['loadavg_1m']:.1f} |")
    idle, during = results["runs"][0]["lag_ms"]["p99"], results["runs"][1]["lag_ms"]["p99"]
    results["p99_ratio"] = during / idle if idle > 0 else None
    print(f"p99 during / idle: {results['p99_ratio']:.2f} (target <= 2)" if idle > 0 else "idle p99 is 0")
    if args.out:
        with open(args.out, "w") as f:
            json.dump(results, f, indent=2)


if __name__ == "__main__":
    main()
