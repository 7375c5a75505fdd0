#!/usr/bin/python3
"""HTTP benchmark of the region node, side by side with nginx and Redis.

    bench/http_bench.py [--duration 10] [--connections 64] [--out results.json]

Builds nothing: run `cmake --preset release && cmake --build --preset release`
first. Starts every server itself on 127.0.0.1 (free ports, temp dirs), runs
wrk (Debian) against each target in turn, and stops everything it started.

For each target: requests/s, p50/p99 latency (wrk --latency), and server
CPU-microseconds per request: the server processes' utime+stime from /proc
over the run, divided by the requests wrk completed. Client and server share
the machine's cores, so CPU-us per request is the figure to compare; raw
throughput is bounded by wrk itself.
"""
import argparse
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.path.join(ROOT, "build/release/apps/metronome/metronome")
CLK_TCK = os.sysconf("SC_CLK_TCK")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_port(port, timeout=10.0):
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"nothing listens on {port}")


def cpu_seconds(pids):
    """utime + stime of the processes and their reaped children."""
    total = 0
    for pid in pids:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        total += sum(int(x) for x in fields[11:15])  # utime stime cutime cstime
    return total / CLK_TCK


def children_of(pid):
    try:
        out = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout
    except FileNotFoundError:
        return []
    return [int(p) for p in out.split()]


def parse_latency(text, pct):
    m = re.search(rf"^\s+{pct}%\s+([\d.]+)(us|ms|s)\s*$", text, re.M)
    if not m:
        return None
    v, unit = float(m.group(1)), m.group(2)
    return v / 1000 if unit == "us" else v if unit == "ms" else v * 1000


def run_wrk(url, pids, args, script=None):
    cmd = ["wrk", f"-t{args.threads}", f"-c{args.connections}", f"-d{args.duration}s", "--latency"]
    if script:
        cmd += ["-s", script]
    cmd.append(url)
    before = cpu_seconds(pids)
    out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    after = cpu_seconds(pids)
    total = int(re.search(r"(\d+) requests in", out).group(1))
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    errors = re.search(r"Socket errors: (.*)", out)
    return {
        "requests": total,
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),
        "p50_ms": parse_latency(out, 50),
        "p99_ms": parse_latency(out, 99),
        "cpu_us_per_request": (after - before) * 1e6 / max(total, 1),
        "non_2xx": int(non2xx.group(1)) if non2xx else 0,
        "socket_errors": errors.group(1) if errors else "",
    }


def start_region(work, store, name):
    port = free_port()
    env = dict(os.environ, PORT=str(port), STORE=store, REGION="eu", ACCESS_LOG="false", LOG_LEVEL="warn", THREADS="2")
    log = open(os.path.join(work, f"{name}.log"), "w")
    p = subprocess.Popen([BIN, "region"], env=env, stdout=log, stderr=log)
    wait_port(port)
    return p, port


def stop(p):
    if p.poll() is None:
        p.send_signal(signal.SIGTERM)
        try:
            p.wait(timeout=10)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()


def post_json(port, path, body):
    req = urllib.request.Request(f"http://127.0.0.1:{port}{path}", data=json.dumps(body).encode(),
                                 headers={"Content-Type": "application/json"}, method="POST")
    with urllib.request.urlopen(req) as r:
        return json.loads(r.read())


def start_nginx(work, http_body=None):
    """nginx with 2 workers and no access log on a free port. `http_body(port)`
    returns what goes in its http block (servers, upstreams); the default is a
    server answering `return 200`."""
    port = free_port()
    if http_body is None:
        http_body = lambda p: f"""  server {{
    listen 127.0.0.1:{p};
    location / {{ default_type application/json; return 200 '{{"status":"ok"}}'; }}
  }}"""
    conf = os.path.join(work, "nginx.conf")
    with open(conf, "w") as f:
        f.write(f"""
worker_processes 2;
pid {work}/nginx.pid;
error_log {work}/nginx-error.log warn;
events {{ worker_connections 4096; }}
http {{
  access_log off;
  client_body_temp_path {work}/body; proxy_temp_path {work}/proxy; fastcgi_temp_path {work}/fcgi;
  uwsgi_temp_path {work}/uwsgi; scgi_temp_path {work}/scgi;
{http_body(port)}
}}
""")
    p = subprocess.Popen(["nginx", "-c", conf, "-g", "daemon off;"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wait_port(port)
    return p, port


def start_redis(work):
    port = free_port()
    p = subprocess.Popen(["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                          "--dir", work], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wait_port(port)
    return p, port


def redis_benchmark(port, pipeline):
    out = subprocess.run(["redis-benchmark", "-p", str(port), "-c", "50", "-n", "200000", "-t", "set,get", "-P", str(pipeline),
                          "-q"], capture_output=True, text=True, check=True).stdout
    rates = {}
    for line in out.replace("\r", "\n").splitlines():
        m = re.match(r"(SET|GET): ([\d.]+) requests per second", line.strip())
        if m:
            rates[m.group(1)] = float(m.group(2))
    return rates


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--duration", type=int, default=10)
    ap.add_argument("--connections", type=int, default=64)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--out", default="")
    args = ap.parse_args()
    if not os.path.exists(BIN):
        sys.exit(f"{BIN} not found: cmake --preset release && cmake --build --preset release")

    work = tempfile.mkdtemp(prefix="metronome-bench-")
    procs = []
    results = {"machine": {"cores": os.cpu_count()}, "wrk": f"-t{args.threads} -c{args.connections} -d{args.duration}s",
               "targets": {}}
    post_script = os.path.join(work, "post.lua")
    with open(post_script, "w") as f:
        f.write('wrk.method = "POST"\nwrk.body = \'{"tick_ms":100,"metadata":{"game_type":"counter"}}\'\n'
                'wrk.headers["Content-Type"] = "application/json"\n')
    try:
        nginx, nginx_port = start_nginx(work)
        procs.append(nginx)
        results["targets"]["nginx return 200"] = run_wrk(f"http://127.0.0.1:{nginx_port}/", [nginx.pid] + children_of(nginx.pid), args)
        stop(nginx)

        region, port = start_region(work, f"sqlite:{work}/bench.db", "region-sqlite")
        procs.append(region)
        sid = post_json(port, "/v1/sessions", {})["id"]
        results["targets"]["region GET /v1/sessions/{id} (sqlite)"] = run_wrk(f"http://127.0.0.1:{port}/v1/sessions/{sid}", [region.pid], args)
        results["targets"]["region POST /v1/sessions (sqlite)"] = run_wrk(f"http://127.0.0.1:{port}/v1/sessions", [region.pid], args, post_script)
        stop(region)

        redis, redis_port = start_redis(work)
        procs.append(redis)
        region, port = start_region(work, f"redis://127.0.0.1:{redis_port}", "region-redis")
        procs.append(region)
        sid = post_json(port, "/v1/sessions", {})["id"]
        both = [region.pid, redis.pid]
        results["targets"]["region GET /v1/sessions/{id} (redis)"] = run_wrk(f"http://127.0.0.1:{port}/v1/sessions/{sid}", both, args)
        results["targets"]["region POST /v1/sessions (redis)"] = run_wrk(f"http://127.0.0.1:{port}/v1/sessions", both, args, post_script)
        stop(region)
        results["redis-benchmark -c 50"] = redis_benchmark(redis_port, 1)
        results["redis-benchmark -c 50 -P 16"] = redis_benchmark(redis_port, 16)
    finally:
        for p in procs:
            stop(p)
        shutil.rmtree(work, ignore_errors=True)

    print(f"| target | requests/s | p50 ms | p99 ms | server CPU-us/request | non-2xx |")
    print(f"|---|---|---|---|---|---|")
    for name, r in results["targets"].items():
        print(f"| {name} | {r['rps']:,.0f} | {r['p50_ms']:.2f} | {r['p99_ms']:.2f} | {r['cpu_us_per_request']:.1f} | {r['non_2xx']} |")
    for k in ("redis-benchmark -c 50", "redis-benchmark -c 50 -P 16"):
        print(f"{k}: SET {results[k].get('SET', 0):,.0f}/s, GET {results[k].get('GET', 0):,.0f}/s")
    if args.out:
        with open(args.out, "w") as f:
            json.dump(results, f, indent=2)


if __name__ == "__main__":
    main()
