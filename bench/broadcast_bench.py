#!/usr/bin/python3
"""WebSocket broadcast benchmark: Metronome's tick broadcaster side by side
with a Node `ws` broadcast server and a Colyseus room, at 10 Hz.

    bench/broadcast_bench.py [--clients 1000,5000,10000] [--quick] [--out results.json]
                             [--servers metronome,metronome-bin,ws,colyseus] [--duration 15]

Builds nothing: build `metronome` and `metronome-load` in Release first
(`cmake --preset release && cmake --build --preset release --target metronome metronome-load`,
or pass --build-dir), and `npm ci` in bench/peers. Stdlib only.

For each server and each client count N: start the server on 127.0.0.1
(file-descriptor limit raised to the hard limit), for Metronome create N/50
server-mode sessions (rooms of 50, as Colyseus'; latency kicks off unless
--production-kicks: the peers kick nobody), read the server's RSS,
run the load client (metronome-load; for Colyseus bench/peers/colyseus_load.mjs,
since metronome-load does not speak Colyseus' protocol), which ramps the
connections up, warms up, then measures for --duration seconds. The load
client prints "event measure_start" / "event measure_end"; the server's
utime+stime (/proc/PID/stat) is sampled at exactly those two moments, and its
RSS at measure_start (every client connected, joined and receiving).

Figures per row:
- delivered msg/s: tick messages received by all clients over the window;
- server CPU-us per delivered message: server CPU over the window / messages;
- lag p50/p99/p999: receive time - the tick's scheduled time (Metronome:
  startAt + step * tickMs, with the client's synchronized clock; peers: the
  serverTimestamp they put in the tick, which is the scheduled boundary).
  metronome-load takes the receive time from the kernel (SO_TIMESTAMPNS: when
  the bytes reached the socket), so its own queue is not counted; the Node
  Colyseus client can only take it when its handler runs, so the Colyseus
  lags include that client's own delays (an upper bound);
- RSS per connection: (RSS at measure_start - RSS before any client) / clients.

Client and server share the machine's two cores (and, on a developer's
machine, other people's builds): compare CPU-us per message and ratios taken
in one run, not raw throughput. Each row records the 1-minute load average;
--nice -10 shields the runs from other work on a shared machine (and slows
that work down while it runs). Loopback only; every process it starts is
stopped by PID; every wait is bounded.
"""
import argparse
import json
import os
import queue
import resource
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PEERS = os.path.join(ROOT, "bench", "peers")
CLK_TCK = os.sysconf("SC_CLK_TCK")
ROOM_SIZE = 50  # clients per Metronome session and per Colyseus room


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_port(port, proc, timeout=15.0):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode} before listening on {port}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"nothing listens on {port}")


def cpu_seconds(pid):
    """utime + stime of the process and its reaped children."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return sum(int(x) for x in fields[11:15]) / CLK_TCK


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def raise_nofile():
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


NICE = 0  # --nice: niceness of every process started (negative needs root)


def child_setup():
    raise_nofile()
    if NICE:
        os.setpriority(os.PRIO_PROCESS, 0, NICE)


def stop(p, timeout=10):
    if p is None or p.poll() is not None:
        return
    p.send_signal(signal.SIGTERM)
    try:
        p.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        p.kill()
        p.wait()


def post_json(port, path, body):
    req = urllib.request.Request(f"http://127.0.0.1:{port}{path}", data=json.dumps(body).encode(),
                                 headers={"Content-Type": "application/json"}, method="POST")
    with urllib.request.urlopen(req, timeout=10) as r:
        return json.loads(r.read())


class Server:
    """One server under test: process, port, and how the load client reaches it."""

    def __init__(self, kind, work, args):
        self.kind, self.work, self.args = kind, work, args
        self.port = free_port()
        self.log = open(os.path.join(work, f"{kind}-{self.port}.log"), "w")
        if kind.startswith("metronome"):
            env = dict(os.environ, PORT=str(self.port), STORE=f"sqlite:{work}/bench-{self.port}.db", REGION="eu",
                       COUNTDOWN_MS="1000", ACCESS_LOG="false", LOG_LEVEL="warn", THREADS=str(args.server_threads))
            if not args.production_kicks:
                # Still pinged and measured (the same work), never kicked: on a
                # starved shared machine the RTT jitter of a loaded client
                # would otherwise measure the kick policy, not broadcasting.
                env.update(MAX_LATENCY_MS="60000", MAX_JITTER_MS="60000", WARNING_LATENCY_MS="60000",
                           WARNING_JITTER_MS="60000")
            cmd = [args.metronome, "region"]
        elif kind == "ws":
            env, cmd = dict(os.environ), ["node", os.path.join(PEERS, "ws_server.mjs"), str(self.port), "10"]
        elif kind == "colyseus":
            env, cmd = dict(os.environ), ["node", os.path.join(PEERS, "colyseus_server.mjs"), str(self.port), "10"]
        else:
            raise ValueError(kind)
        self.proc = subprocess.Popen(cmd, env=env, stdout=self.log, stderr=self.log, preexec_fn=child_setup, cwd=work)
        wait_port(self.port, self.proc)

    def ramp(self):
        return self.args.colyseus_ramp if self.kind == "colyseus" else self.args.ramp

    def load_command(self, clients, out):
        a = self.args
        common = ["--clients", str(clients), "--duration", str(a.duration), "--warmup", str(a.warmup),
                  "--ramp-per-second", str(self.ramp()), "--out", out]
        if self.kind == "colyseus":
            return ["node", os.path.join(PEERS, "colyseus_load.mjs"), "--url", f"http://127.0.0.1:{self.port}",
                    "--connect-timeout-ms", "30000"] + common
        cmd = [a.load, "--url", f"ws://127.0.0.1:{self.port}/ws", "--threads", str(a.load_threads),
               "--source-addresses", str(a.source_addresses), "--connect-timeout-ms", "20000"] + common
        if self.kind == "ws":
            return cmd + ["--peer", "plain"]
        sessions = max(1, (clients + ROOM_SIZE - 1) // ROOM_SIZE)
        ids = [post_json(self.port, "/v1/sessions", {"mode": "server", "tick_ms": 100})["id"] for _ in range(sessions)]
        time.sleep(1.2)  # past the countdown: the sessions are ticking when clients join
        return cmd + ["--peer", "metronome", "--protocol", "bin" if self.kind == "metronome-bin" else "json",
                      "--session-ids", ",".join(ids)]

    def stop(self):
        stop(self.proc)
        self.log.close()


def run_one(kind, clients, work, args):
    server = Server(kind, work, args)
    load = None
    try:
        out = os.path.join(work, f"load-{kind}-{clients}.json")
        cmd = server.load_command(clients, out)
        time.sleep(0.5)
        rss0 = rss_kib(server.proc.pid)
        load = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=open(os.path.join(work, f"load-{kind}-{clients}.err"), "w"),
                                text=True, preexec_fn=child_setup, cwd=PEERS)
        lines = queue.Queue()
        threading.Thread(target=lambda: [lines.put(l) for l in load.stdout], daemon=True).start()
        budget = clients / max(server.ramp(), 1) + args.warmup + args.duration + 90
        deadline = time.time() + budget
        marks = {}
        while "measure_end" not in marks and time.time() < deadline:
            try:
                line = lines.get(timeout=1)
            except queue.Empty:
                if load.poll() is not None:
                    break
                continue
            if line.startswith("event "):
                event = line.split()[1]
                marks[event] = (time.monotonic(), cpu_seconds(server.proc.pid), rss_kib(server.proc.pid))
                if args.verbose:
                    print(f"  {kind} {clients}: {line.strip()}", file=sys.stderr)
        if "measure_start" not in marks or "measure_end" not in marks:
            raise RuntimeError(f"{kind} {clients}: the load client never finished its window (see {work})")
        try:
            load.wait(timeout=60)
        except subprocess.TimeoutExpired:
            load.kill()
            load.wait()
        with open(out) as f:
            report = json.load(f)
        t0, cpu0, rss1 = marks["measure_start"]
        t1, cpu1, _ = marks["measure_end"]
        server_cpu = cpu1 - cpu0
        msgs = max(report["messages"], 1)
        return {
            "server": kind, "clients": clients, "connected": report["connected"], "failed": report["failed"],
            "kicked": report["kicked"], "closed_early": report["closed_early"],
            "messages_per_s": report["messages_per_s"], "expected_per_s": clients * 10,
            "server_cpu_pct": 100 * server_cpu / (t1 - t0), "server_cpu_us_per_message": server_cpu * 1e6 / msgs,
            "lag_ms": report["lag_ms"], "rss_before_kib": rss0, "rss_connected_kib": rss1,
            "rss_per_connection_kib": (rss1 - rss0) / max(report["connected"], 1),
            "client_cpu_pct": report["client_cpu_pct"], "loadavg_1m_after": os.getloadavg()[0], "load_report": report,
        }
    finally:
        if load is not None and load.poll() is None:
            load.kill()
            load.wait()
        server.stop()


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--clients", default="1000,5000,10000", help="comma-separated client counts")
    ap.add_argument("--quick", action="store_true", help="1,000 clients only, 8 s window")
    ap.add_argument("--servers", default="metronome,metronome-bin,ws,colyseus")
    ap.add_argument("--duration", type=float, default=15, help="measuring window (s)")
    ap.add_argument("--warmup", type=float, default=3, help="after the ramp, before the window (s)")
    ap.add_argument("--ramp", type=float, default=1000, help="connections opened per second")
    ap.add_argument("--load-threads", type=int, default=1, help="metronome-load I/O threads")
    ap.add_argument("--server-threads", type=int, default=2, help="Metronome region I/O threads (THREADS)")
    ap.add_argument("--source-addresses", type=int, default=4)
    ap.add_argument("--colyseus-ramp", type=float, default=200,
                    help="Colyseus joins per second (each join is a matchmaking HTTP request plus a WebSocket)")
    ap.add_argument("--build-dir", default=os.path.join(ROOT, "build", "release"))
    ap.add_argument("--nice", type=int, default=0,
                    help="niceness of the servers and load clients (e.g. -10 on a machine busy with other work; needs root)")
    ap.add_argument("--production-kicks", action="store_true",
                    help="keep the region's latency kick thresholds (default: raised so that nobody is kicked)")
    ap.add_argument("--out", default="")
    ap.add_argument("--verbose", action="store_true")
    args = ap.parse_args()
    global NICE
    NICE = args.nice
    if args.quick:
        args.clients, args.duration = "1000", min(args.duration, 8)
    args.build_dir = os.path.abspath(args.build_dir)
    args.metronome = os.path.join(args.build_dir, "apps", "metronome", "metronome")
    args.load = os.path.join(args.build_dir, "apps", "metronome-load", "metronome-load")
    servers = [s for s in args.servers.split(",") if s]
    needed = ([args.metronome] if any(s.startswith("metronome") for s in servers) else []) + \
        ([args.load] if any(s != "colyseus" for s in servers) else [])
    for path in needed:
        if not os.path.exists(path):
            sys.exit(f"{path} not found: build metronome and metronome-load in Release (see --help)")
    if any(s in ("ws", "colyseus") for s in servers) and not os.path.isdir(os.path.join(PEERS, "node_modules")):
        sys.exit("bench/peers/node_modules missing: (cd bench/peers && npm ci)")
    raise_nofile()

    work = tempfile.mkdtemp(prefix="metronome-broadcast-bench-")
    results = {"machine": {"cores": os.cpu_count(), "loadavg_at_start": os.getloadavg()},
               "config": {"hz": 10, "room_size": ROOM_SIZE, "duration_s": args.duration, "warmup_s": args.warmup,
                          "ramp_per_s": args.ramp, "colyseus_ramp_per_s": args.colyseus_ramp, "load_threads": args.load_threads,
                          "server_threads": args.server_threads, "nice": args.nice,
                          "production_kicks": args.production_kicks},
               "runs": []}
    try:
        for clients in [int(c) for c in args.clients.split(",")]:
            for kind in servers:
                print(f"running {kind} with {clients} clients ...", file=sys.stderr, flush=True)
                try:
                    results["runs"].append(run_one(kind, clients, work, args))
                except Exception as e:  # one failed run must not lose the others
                    print(f"  {kind} {clients}: {e}", file=sys.stderr)
                    results["runs"].append({"server": kind, "clients": clients, "error": str(e)})
                time.sleep(2)  # let TIME_WAIT and the CPU settle between runs
        results["machine"]["loadavg_at_end"] = os.getloadavg()
    finally:
        if not args.verbose:
            shutil.rmtree(work, ignore_errors=True)
        else:
            print(f"logs kept in {work}", file=sys.stderr)

    print("| server | clients | connected | delivered msg/s (of) | server CPU % | server CPU-us/msg "
          "| lag p50 ms | p99 ms | p999 ms | RSS/conn KiB | kicked | client CPU % | load avg |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    for r in results["runs"]:
        if "error" in r:
            print(f"| {r['server']} | {r['clients']} | error: {r['error'][:60]} ||||||||||")
            continue
        lag = r["lag_ms"]
        print(f"| {r['server']} | {r['clients']:,} | {r['connected']:,} | {r['messages_per_s']:,.0f} ({r['expected_per_s']:,}) "
              f"| {r['server_cpu_pct']:.1f} | {r['server_cpu_us_per_message']:.2f} | {lag['p50']:.2f} | {lag['p99']:.2f} "
              f"| {lag['p999']:.2f} | {r['rss_per_connection_kib']:.1f} | {r['kicked']} | {r['client_cpu_pct']:.0f} "
              f"| {r['loadavg_1m_after']:.1f} |")
    if args.out:
        with open(args.out, "w") as f:
            json.dump(results, f, indent=2)


if __name__ == "__main__":
    main()
