#!/usr/bin/python3
"""Events on NATS (docs/events.md) against real processes:

    tests/events/events_nats.py METRONOME_BIN

Starts a real `nats-server -js` (tests/support/nats_server.py), a region and
an edge on 127.0.0.1 (free ports, a temporary SQLite store), and checks:
1. payloads: region.up, game.started and game.exited (client and server
   mode), game.break for every break a player saw, player.kicked, each with
   the fields docs/events.md lists;
2. the outage: nats-server stopped, sessions created and exited, /health
   and the metrics say so, nats-server started again on the same store
   directory, and every event arrives (by id; copies of one id are equal);
3. region.down when the region stops;
4. a full outbox (NATS away, EVENTS_OUTBOX_MAX=4): games go on, the
   dropped events are counted in /health and the metrics;
5. without NATS the region behaves as before: no events in /health or the
   metrics, and the outbox table stays empty;
6. on a standalone Redis store, the outage again;
7. bad arguments exit 2 with a message.
Every wait is bounded; every process is stopped by PID. Exit 0 when every
check passed, 1 otherwise.
"""
import json
import os
import queue
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "support"))
sys.path.insert(0, os.path.join(HERE, "..", "protocol"))
from nats_server import NatsServer, free_port, terminate  # noqa: E402
# The protocol document's client, and its check() and verdict().
from doc_client import Closed, WebSocket, check, decode, verdict  # noqa: E402

# docs/events.md, "Payloads": the fields of each subject's data.
ENVELOPE = {"id", "subject", "time", "atMs", "source", "data"}
STARTED = {"gameId", "userId", "region", "mode", "startAt", "tickMs", "createdAt", "rule", "metadata"}
EXITED = {"gameId", "userId", "region", "mode", "status", "startAt", "tickMs", "endedAt", "seed"}
BREAK = {"gameId", "step", "round"}
KICKED = {"gameId", "userId", "reason", "rttMs", "jitterMs"}
REGION = {"region", "reason"}


def wait_for(pred, timeout, what):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        v = pred()
        if v:
            return v
        time.sleep(0.05)
    check(False, f"{what} (within {timeout} s)")
    return None


def http(port, method, path, body=None):
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(f"http://127.0.0.1:{port}{path}", data=data, method=method,
                                 headers={"Content-Type": "application/json"} if data else {})
    try:
        with urllib.request.urlopen(req, timeout=5) as r:
            raw = r.read()
            return r.status, (json.loads(raw) if path != "/metrics" else raw.decode())
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read() or b"null")


class Proc:
    def __init__(self, args, env, log_path):
        self.log_path = log_path
        full = dict(os.environ)
        full.update(env)
        self.proc = subprocess.Popen(args, env=full, stdout=open(log_path, "ab"), stderr=subprocess.STDOUT)

    def stop(self):
        terminate(self.proc, 15)


def start_server(args, env, port, log_path):
    p = Proc(args, env, log_path)

    def up():
        try:
            return http(port, "GET", "/healthz")[0] in (200, 503)
        except OSError:
            return False
    if not wait_for(up, 20, f"{args[1]} on :{port} answers"):
        p.stop()
        raise SystemExit(f"cannot start {args}; see {log_path}")
    return p


class Tail:
    """`metronome events tail` in the background; events by id as they come."""

    def __init__(self, binary, nats_url, subject=None, from_start=True):
        args = [binary, "events", "tail", "--nats", nats_url]
        if subject:
            args += ["--subject", subject]
        if from_start:
            args.append("--from-start")
        self.proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        self.lines = queue.Queue()
        self.events = []
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        for line in self.proc.stdout:
            self.lines.put(line)

    def collect(self, pred, timeout, what):
        """Reads events until pred(events) holds; returns the events."""
        end = time.monotonic() + timeout
        while not pred(self.events):
            left = end - time.monotonic()
            if left <= 0:
                check(False, f"{what} (within {timeout} s; {len(self.events)} events read)")
                break
            try:
                line = self.lines.get(timeout=min(left, 0.5))
            except queue.Empty:
                continue
            self.events.append(json.loads(line))
        return self.events

    def stop(self):
        terminate(self.proc)


def of(events, subject, **match):
    return [e for e in events if e["subject"] == subject and all(e["data"].get(k) == v for k, v in match.items())]


def check_shape(e, fields, what):
    check(set(e.keys()) == ENVELOPE, f"{what}: envelope fields {sorted(e.keys())}")
    missing = fields - set(e["data"].keys())
    check(not missing, f"{what}: data has {sorted(fields)} (missing {sorted(missing)})")
    check(isinstance(e["atMs"], int) and e["time"].endswith("Z"), f"{what}: atMs and time")


def events_health(port):
    status, body = http(port, "GET", "/health")
    return body.get("events") if isinstance(body, dict) else None


def payloads(binary, nats, region_port, tail):
    # region.up: the edge saw eu healthy.
    ups = tail.collect(lambda es: of(es, "region.up", region="eu"), 30, "region.up for eu")
    if of(ups, "region.up", region="eu"):
        e = of(ups, "region.up", region="eu")[0]
        check_shape(e, REGION, "region.up")
        check(e["source"] == "edge", "region.up comes from the edge")

    # A client-mode game, started and exited through seed 002's routes.
    _, g = http(region_port, "POST", "/game/start", {"userId": "alice"})
    gid = g["gameId"]
    _, ex = http(region_port, "POST", "/game/exit", {"gameId": gid, "userId": "alice"})
    check(ex.get("ok") is True, "exit ok")
    es = tail.collect(lambda es: of(es, "game.started", gameId=gid) and of(es, "game.exited", gameId=gid), 20,
                      "game.started and game.exited of a client game")
    for e in of(es, "game.started", gameId=gid)[:1]:
        check_shape(e, STARTED | {"seed"}, "game.started (client)")
        d = e["data"]
        check(d["userId"] == "alice" and d["region"] == "eu" and d["mode"] == "client", "game.started user, region, mode")
        check(d["seed"] == g["seed"] and d["startAt"] == g["startAt"] and d["tickMs"] == g["tickMs"], "game.started seed, startAt, tickMs")
        check(e["source"] == "region:eu", "game.started source")
    for e in of(es, "game.exited", gameId=gid)[:1]:
        check_shape(e, EXITED, "game.exited (client)")
        check(e["data"]["status"] == "exited" and e["data"]["userId"] == "alice", "game.exited status and user")
    # An exit of an ended game changes nothing and publishes nothing.
    http(region_port, "POST", "/game/exit", {"gameId": gid, "userId": "alice"})

    # A server-mode game with a player: breaks every 5 steps of 50 ms.
    _, srv = http(region_port, "POST", "/v1/sessions",
                  {"mode": "server", "tick_ms": 50, "rule": {"name": "rounds", "mean_interval": 5, "jitter": 0}})
    sid = srv["id"]
    ws = WebSocket(region_port)
    ws.send_json({"action": "join", "sessionId": sid, "userId": "bob"})
    broken_steps = set()
    end = time.monotonic() + 20
    while len(broken_steps) < 3 and time.monotonic() < end:
        try:
            op, payload = ws.read(end - time.monotonic())
        except (TimeoutError, Closed):
            break
        m = decode(op, payload)
        if m.get("type") == "tick" and m.get("broken"):
            broken_steps.add(m["step"])
    ws.close()
    check(len(broken_steps) >= 3, f"the player saw 3 breaks ({sorted(broken_steps)})")
    _, stopped = http(region_port, "POST", f"/v1/sessions/{sid}/stop", {})
    es = tail.collect(lambda es: all(of(es, "game.break", gameId=sid, step=s) for s in broken_steps) and of(es, "game.exited", gameId=sid),
                      20, "a game.break for every break the player saw, and game.exited")
    started = of(es, "game.started", gameId=sid)
    if check(started, "game.started of the server game"):
        check_shape(started[0], STARTED | {"commitment"}, "game.started (server)")
        check("seed" not in started[0]["data"], "game.started of a server game keeps the seed secret")
        check(started[0]["data"]["commitment"] == srv["commitment"]["value"], "game.started commitment")
    for e in of(es, "game.break", gameId=sid):
        check_shape(e, BREAK, "game.break")
        check(e["id"] == f"{sid}:break:{e['data']['step']}", "game.break id is the session and the step")
    for e in of(es, "game.exited", gameId=sid)[:1]:
        check(e["data"]["status"] == "stopped", "game.exited status stopped")
        check(str(e["data"].get("seed")) == str(stopped.get("seed")) and e["data"].get("salt") == stopped.get("salt"),
              f"game.exited reveals the server seed and salt ({e['data']} vs {stopped})")

    # A player whose stack answers no ping is kicked as unresponsive.
    _, sess = http(region_port, "POST", "/v1/sessions", {"mode": "client", "tick_ms": 50})
    mute = WebSocket(region_port, answer_pings=False)
    mute.send_json({"action": "join", "sessionId": sess["id"], "userId": "mute"})
    k = mute.until("kicked", timeout=10)
    mute.close()
    check(k is not None, "the mute player was kicked")
    es = tail.collect(lambda es: of(es, "player.kicked", gameId=sess["id"]), 20, "player.kicked")
    for e in of(es, "player.kicked", gameId=sess["id"])[:1]:
        check_shape(e, KICKED, "player.kicked")
        check(e["data"]["userId"] == "mute" and e["data"]["reason"] == "unresponsive", "player.kicked user and reason")


def outage(binary, nats, region_port, games_count=20):
    nats.stop()
    wait_for(lambda: (events_health(region_port) or {}).get("connected") is False, 30, "/health says events are disconnected")
    games = []
    for i in range(games_count):
        _, g = http(region_port, "POST", "/game/start", {"userId": f"outage-{region_port}-{i}"})
        games.append(g["gameId"])
        _, ex = http(region_port, "POST", "/game/exit", {"gameId": g["gameId"], "userId": f"outage-{region_port}-{i}"})
        check(ex.get("ok") is True, f"exit {i} during the outage")
    h = wait_for(lambda: (lambda e: e if e and e["outboxDepth"] >= 2 * games_count else None)(events_health(region_port)), 15,
                 f"the outbox holds the {2 * games_count} events of the outage")
    if h:
        check(h["status"] == "disconnected" and h["lastError"] != "" and h["failed"] > 0, f"/health during the outage: {h}")
    _, metrics = http(region_port, "GET", "/metrics")
    check("metronome_events_connected 0" in metrics, "metrics: metronome_events_connected 0 during the outage")
    nats.start()
    wait_for(lambda: (lambda e: e if e and e["outboxDepth"] == 0 and e["connected"] else None)(events_health(region_port)), 60,
             "the outbox drains after nats-server is back")
    fresh = Tail(binary, nats.url, "game.>")
    try:
        es = fresh.collect(lambda es: all(of(es, "game.started", gameId=g) and of(es, "game.exited", gameId=g) for g in games), 60,
                           "every game.started and game.exited of the outage arrives")
    finally:
        fresh.stop()
    by_id = {}
    for e in es:
        by_id.setdefault(e["id"], []).append(e)
    check(all(all(c == copies[0] for c in copies) for copies in by_id.values()), "copies of one event id are identical")
    for g in games:
        check(len({e["id"] for e in of(es, "game.started", gameId=g)}) == 1, f"one game.started id for {g}")
        check(len({e["id"] for e in of(es, "game.exited", gameId=g)}) == 1, f"one game.exited id for {g}")
    _, metrics = http(region_port, "GET", "/metrics")
    check("metronome_events_outbox_depth 0" in metrics and "metronome_events_connected 1" in metrics, "metrics after the outage")


def on_redis(binary, nats, tmp):
    """The same outbox on a standalone Redis store: the outage again."""
    redis_port, port = free_port(), free_port()
    redis = Proc(["redis-server", "--bind", "127.0.0.1", "--port", str(redis_port), "--save", "", "--appendonly", "no",
                  "--dir", tmp], {}, os.path.join(tmp, "redis.log"))
    try:
        wait_for(lambda: subprocess.run(["redis-cli", "-p", str(redis_port), "PING"], capture_output=True, text=True).stdout.strip() == "PONG",
                 10, "redis-server answers")
        p = start_server([binary, "region", "--port", str(port), "--region", "us", "--store", f"redis://127.0.0.1:{redis_port}"],
                         {"NATS_URL": nats.url, "COUNTDOWN_MS": "0"}, port, os.path.join(tmp, "region-redis.log"))
        try:
            outage(binary, nats, port, games_count=10)
        finally:
            p.stop()
    finally:
        redis.stop()


def full_outbox(binary, tmp):
    """NATS never reachable and a 4-event bound: games go on, drops are counted and shown."""
    port = free_port()
    env = {"NATS_URL": f"nats://127.0.0.1:{free_port()}", "EVENTS_OUTBOX_MAX": "4", "COUNTDOWN_MS": "0"}
    p = start_server([binary, "region", "--port", str(port), "--store", "sqlite:" + os.path.join(tmp, "full.db")], env, port,
                     os.path.join(tmp, "full.log"))
    try:
        for i in range(3):
            s1, g = http(port, "POST", "/game/start", {"userId": f"full-{i}"})
            s2, _ = http(port, "POST", "/game/exit", {"gameId": g["gameId"], "userId": f"full-{i}"})
            check(s1 == 201 and s2 == 200, f"game {i} starts and exits with a full outbox ({s1}, {s2})")
        h = wait_for(lambda: (lambda e: e if e and e["dropped"] == 2 and e["outboxDepth"] == 4 else None)(events_health(port)), 15,
                     "/health counts the 2 events that did not fit")
        if h:
            check(h["status"] == "outbox_full" and h["outboxDepth"] == 4 and h["outboxMax"] == 4, f"/health with a full outbox: {h}")
        _, metrics = http(port, "GET", "/metrics")
        check("metronome_events_dropped_total 2" in metrics, "metrics: metronome_events_dropped_total 2")
    finally:
        p.stop()


def no_nats(binary, tmp):
    port = free_port()
    db = os.path.join(tmp, "plain.db")
    env = {"COUNTDOWN_MS": "0", "NATS_URL": ""}
    p = start_server([binary, "region", "--port", str(port), "--store", "sqlite:" + db], env, port, os.path.join(tmp, "plain.log"))
    try:
        _, g = http(port, "POST", "/game/start", {"userId": "carol"})
        status, ex = http(port, "POST", "/game/exit", {"gameId": g["gameId"], "userId": "carol"})
        check(status == 200 and ex["status"] == "exited", "without NATS a game starts and exits as before")
        _, h = http(port, "GET", "/health")
        check("events" not in h and h["status"] == "ok", f"/health without NATS has no events: {h}")
        _, metrics = http(port, "GET", "/metrics")
        check("metronome_events_" not in metrics, "no events metrics without NATS")
    finally:
        p.stop()
    n = sqlite3.connect(db).execute("SELECT count(*) FROM outbox").fetchone()[0]
    check(n == 0, f"without NATS the outbox stays empty ({n} rows)")


def bad_arguments(binary):
    cases = [
        ([binary, "events", "tail", "--subject", "game..started"], "subject"),
        ([binary, "events", "tail", "--subject", "game.>.x"], "subject"),
        ([binary, "events", "tail", "--nats", "http://127.0.0.1:4222"], "nats://"),
        ([binary, "events", "tail", "--count", "0"], "--count"),
        ([binary, "region", "--nats", "127.0.0.1:4222"], "nats://"),
        ([binary, "edge", "--nats", "nats://127.0.0.1:port"], "nats://"),
        ([binary, "region", "--events-outbox-max", "0", "--nats", "nats://127.0.0.1:1"], "EVENTS_OUTBOX_MAX"),
        ([binary, "up", "--nats", "nats:/x"], "nats://"),
        ([binary, "region", "--port", "0", "--store", "redis-cluster://127.0.0.1:1", "--nats", "nats://127.0.0.1:1"],
         "keeps no event outbox"),
    ]
    for args, says in cases:
        r = subprocess.run(args, capture_output=True, text=True, timeout=30)
        check(r.returncode == 2 and says in r.stderr, f"{' '.join(args[1:])}: exit 2 naming {says} (got {r.returncode}: {r.stderr.strip()})")
    # NATS down: a clear message, exit 1.
    r = subprocess.run([binary, "events", "tail", "--nats", f"nats://127.0.0.1:{free_port()}", "--timeout-ms", "1000"],
                       capture_output=True, text=True, timeout=30)
    check(r.returncode == 1 and "nats" in r.stderr, f"tail with no server: exit 1 with a message ({r.returncode}: {r.stderr.strip()})")


def main():
    binary = sys.argv[1]
    tmp = tempfile.mkdtemp(prefix="metronome-events-")
    os.makedirs(os.path.join(tmp, "nats"))
    nats = NatsServer(os.path.join(tmp, "nats"))
    procs, tail = [], None
    try:
        region_port, edge_port = free_port(), free_port()
        store = "sqlite:" + os.path.join(tmp, "metronome.db")
        common = {"NATS_URL": nats.url, "STORE": store, "THREADS": "2", "LOG_LEVEL": "info"}
        region = start_server([binary, "region", "--port", str(region_port)],
                              dict(common, COUNTDOWN_MS="0", PING_INTERVAL_MS="200", UNRESPONSIVE_MS="1000"), region_port,
                              os.path.join(tmp, "region.log"))
        procs.append(region)
        edge = start_server([binary, "edge", "--port", str(edge_port)],
                            dict(common, REGIONS=f"eu=http://127.0.0.1:{region_port}", HEALTH_INTERVAL_MS="200"), edge_port,
                            os.path.join(tmp, "edge.log"))
        procs.append(edge)
        tail = Tail(binary, nats.url)
        payloads(binary, nats, region_port, tail)
        tail.stop()
        outage(binary, nats, region_port)
        tail = Tail(binary, nats.url, "region.down")
        region.stop()
        es = tail.collect(lambda es: of(es, "region.down", region="eu"), 30, "region.down for eu after the region stops")
        for e in of(es, "region.down", region="eu")[:1]:
            check_shape(e, REGION, "region.down")
            check(e["data"]["reason"] in ("probe", "heartbeat", "breaker"), "region.down reason")
        on_redis(binary, nats, tmp)
        full_outbox(binary, tmp)
        no_nats(binary, tmp)
        bad_arguments(binary)
    finally:
        if tail:
            tail.stop()
        for p in reversed(procs):
            p.stop()
        nats.stop()
    return verdict("events_nats", tmp)


if __name__ == "__main__":
    sys.exit(main())
