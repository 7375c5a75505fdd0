#!/usr/bin/python3
"""Edge gateway benchmark: edge -> region proxying side by side with nginx.

    bench/edge_bench.py [--duration 10] [--connections 64] [--rounds 1] [--out results.json]
                        [--perf edge.perf.data]

Builds nothing: run `cmake --preset release && cmake --build build/release
--target metronome` first. Starts on 127.0.0.1 (free ports, a temp dir) one
region node (SQLite, ACCESS_LOG=false), `metronome edge` with REGIONS=eu=<it>,
and nginx (Debian) as a reverse proxy to the same region with upstream
keep-alive (worker_processes 2, access_log off); stops all of them at the end.

What is measured: a proxied POST. The edge has no generic proxy route (GET
/edge/sessions/{id} answers from its cache), so the request is a game start:
  direct  POST /game/start        to the region (the baseline)
  edge    POST /edge/game/start   to the edge, which picks the region
                                  (rules, GeoIP lookup), proxies, adds its
                                  fields and caches the session
  nginx   POST /game/start        to nginx, proxy_pass to the region
Every request carries the same userId, so the region answers with the user's
running session (200; SQLite: one indexed read under a write lock, rolled
back, no fsync) and the store write does not dominate the proxy's cost. The
session is created once before the runs.

Per target: requests/s, p50/p99 latency (wrk --latency), and server
CPU-microseconds per request (utime+stime from /proc over the run, divided by
the requests wrk completed, as bench/http_bench.py does) for the proxy alone
and for proxy + region. wrk and the servers share the machine's cores, so
CPU-us per request is the figure to compare; requests/s is bounded by wrk.
The machine's load average is recorded at the start and end of each target.

--perf FILE: also profiles the edge during its (first) measured run,
`perf record -F 1999 -g -p <edge pid>`; read it with `perf report -i FILE`.
"""
import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import http_bench as hb  # noqa: E402  (free_port, wait_port, run_wrk, start_region, stop, children_of, ...)

USER = "bench-user"


def start_edge(work, store, region_port, threads=2):
    port = hb.free_port()
    env = dict(os.environ, PORT=str(port), STORE=store, REGIONS=f"eu=http://127.0.0.1:{region_port}", DEFAULT_REGION="eu",
               ACCESS_LOG="false", LOG_LEVEL="warn", THREADS=str(threads))
    log = open(os.path.join(work, "edge.log"), "w")
    p = subprocess.Popen([hb.BIN, "edge"], env=env, stdout=log, stderr=log)
    hb.wait_port(port)
    # Ready when it has probed the region and counts it healthy.
    deadline = time.time() + 15
    while time.time() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as r:
                if r.status == 200:
                    return p, port
        except Exception:  # 503 until the first probe, or not yet listening
            pass
        time.sleep(0.1)
    raise RuntimeError("the edge never saw the region healthy; see " + os.path.join(work, "edge.log"))


def start_nginx_proxy(work, region_port):
    """nginx as a reverse proxy to the region, with upstream keep-alive."""
    return hb.start_nginx(work, lambda port: f"""  upstream region {{
    server 127.0.0.1:{region_port};
    keepalive 64;
  }}
  server {{
    listen 127.0.0.1:{port};
    location / {{
      proxy_pass http://region;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
    }}
  }}""")


def write_lua(work):
    path = os.path.join(work, "start.lua")
    with open(path, "w") as f:
        f.write('wrk.method = "POST"\n'
                f'wrk.body = \'{{"userId":"{USER}"}}\'\n'
                'wrk.headers["Content-Type"] = "application/json"\n')
    return path


def measure(url, proxy_pids, region_pid, args, script):
    """One wrk run; CPU of the proxy alone and of proxy + region."""
    before_proxy, before_region = hb.cpu_seconds(proxy_pids), hb.cpu_seconds([region_pid])
    r = hb.run_wrk(url, proxy_pids + [region_pid], args, script)
    proxy_s = hb.cpu_seconds(proxy_pids) - before_proxy
    region_s = hb.cpu_seconds([region_pid]) - before_region
    n = max(r["requests"], 1)
    r["cpu_us_proxy"] = proxy_s * 1e6 / n if proxy_pids else 0.0
    r["cpu_us_region"] = region_s * 1e6 / n
    r["cpu_us_total"] = r.pop("cpu_us_per_request")
    return r


def load_of(results, name):
    """The load average before and after the target's runs, as 'a-b'."""
    loads = [x for r in results["rounds"] for x in r[name]["load_average"]]
    return f"{min(loads):.1f}-{max(loads):.1f}"


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--duration", type=int, default=10)
    ap.add_argument("--connections", type=int, default=64)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--warmup", type=int, default=2, help="seconds of unmeasured load before each target")
    ap.add_argument("--rounds", type=int, default=1, help="measure the three targets this many times, in rotation")
    ap.add_argument("--edge-threads", type=int, default=2, help="the edge's THREADS (server I/O threads; nginx has 2 workers)")
    ap.add_argument("--out", default="")
    ap.add_argument("--perf", default="", help="perf record the edge during its measured run into this file")
    args = ap.parse_args()
    if not os.path.exists(hb.BIN):
        sys.exit(f"{hb.BIN} not found: cmake --preset release && cmake --build build/release --target metronome")
    if not shutil.which("wrk") or not shutil.which("nginx"):
        sys.exit("needs wrk and nginx (apt-get install wrk nginx-light)")

    work = tempfile.mkdtemp(prefix="metronome-edge-bench-")
    procs = []
    results = {"machine": {"cores": os.cpu_count()}, "wrk": f"-t{args.threads} -c{args.connections} -d{args.duration}s --latency",
               "edge_threads": args.edge_threads, "request": f'POST {{"userId":"{USER}"}} (the user\'s running session: 200, no write)', "rounds": []}
    script = write_lua(work)
    try:
        region, region_port = hb.start_region(work, f"sqlite:{work}/bench.db", "region")
        procs.append(region)
        first = hb.post_json(region_port, "/game/start", {"userId": USER})
        edge, edge_port = start_edge(work, f"sqlite:{work}/bench.db", region_port, args.edge_threads)
        procs.append(edge)
        nginx, nginx_port = start_nginx_proxy(work, region_port)
        procs.append(nginx)
        deadline = time.time() + 10
        while len(hb.children_of(nginx.pid)) < 2 and time.time() < deadline:
            time.sleep(0.05)
        nginx_pids = [nginx.pid] + hb.children_of(nginx.pid)  # master + 2 workers
        # Every target answers with the same session.
        for port, path in ((edge_port, "/edge/game/start"), (nginx_port, "/game/start")):
            got = hb.post_json(port, path, {"userId": USER})
            assert got["gameId"] == first["gameId"], got

        targets = [
            ("direct (region)", f"http://127.0.0.1:{region_port}/game/start", []),
            ("edge", f"http://127.0.0.1:{edge_port}/edge/game/start", [edge.pid]),
            ("nginx", f"http://127.0.0.1:{nginx_port}/game/start", nginx_pids),
        ]
        warm = argparse.Namespace(threads=args.threads, connections=args.connections, duration=args.warmup)
        for _ in range(args.rounds):
            round_results = {}
            for name, url, pids in targets:
                if args.warmup > 0:
                    hb.run_wrk(url, pids + [region.pid], warm, script)
                perf = None
                if args.perf and name == "edge" and not results["rounds"]:
                    perf = subprocess.Popen(["perf", "record", "-F", "1999", "-g", "-p", str(edge.pid), "-o", args.perf, "--",
                                             "sleep", str(args.duration)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                load_before = os.getloadavg()[0]
                round_results[name] = measure(url, pids, region.pid, args, script)
                round_results[name]["load_average"] = [round(load_before, 2), round(os.getloadavg()[0], 2)]
                if perf is not None:
                    perf.wait(timeout=args.duration + 60)
            results["rounds"].append(round_results)
    finally:
        for p in reversed(procs):
            hb.stop(p)
        shutil.rmtree(work, ignore_errors=True)

    # Medians over rounds (one round: its figures).
    names = list(results["rounds"][0].keys())
    keys = ["rps", "p50_ms", "p99_ms", "cpu_us_proxy", "cpu_us_region", "cpu_us_total", "non_2xx"]
    summary = {n: {k: statistics.median(r[n][k] for r in results["rounds"]) for k in keys} for n in names}
    results["median"] = summary
    base = summary["direct (region)"]
    print(f"wrk {results['wrk']}, {results['request']}, {args.rounds} round(s), medians\n")
    print("| target | requests/s | p50 ms | p99 ms | added p50 ms | proxy CPU-us/req | region CPU-us/req | proxy + region CPU-us/req | non-2xx | load avg |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for n in names:
        s = summary[n]
        added = "" if n == "direct (region)" else f"{s['p50_ms'] - base['p50_ms']:+.2f}"
        proxy = "" if n == "direct (region)" else f"{s['cpu_us_proxy']:.1f}"
        print(f"| {n} | {s['rps']:,.0f} | {s['p50_ms']:.2f} | {s['p99_ms']:.2f} | {added} | {proxy} | {s['cpu_us_region']:.1f} | "
              f"{s['cpu_us_total']:.1f} | {s['non_2xx']:.0f} | {load_of(results, n)} |")
    e, x = summary["edge"], summary["nginx"]
    verdict = "meets" if e["cpu_us_proxy"] <= x["cpu_us_proxy"] else "misses"
    print(f"\nedge proxy CPU-us/request {e['cpu_us_proxy']:.1f} vs nginx {x['cpu_us_proxy']:.1f} "
          f"({e['cpu_us_proxy'] / max(x['cpu_us_proxy'], 1e-9):.2f}x): {verdict} the target (no more than nginx's)")
    if args.out:
        with open(args.out, "w") as f:
            json.dump(results, f, indent=2)


if __name__ == "__main__":
    main()
