#!/usr/bin/python3
"""The edge's /health `events` section (docs/events.md) with real processes:

    tests/integration/edge_events_health.py METRONOME_BIN

A real `nats-server -js` (tests/support/nats_server.py), a region and an
edge with NATS_URL on 127.0.0.1: /health shows the publisher (connected,
outboxDepth, published, failed) and the region.up the edge published; with
nats-server stopped it says disconnected and the edge stays healthy; an edge
without NATS has no section. Every wait is bounded, every process stopped by
PID. Exit 0 when every check passed.
"""
import json
import os
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "support"))
sys.path.insert(0, os.path.join(HERE, "..", "protocol"))
from nats_server import NatsServer, free_port, terminate  # noqa: E402
from doc_client import check, verdict  # noqa: E402


def http(port, path):
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=5) as r:
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read() or b"null")


def wait_for(pred, timeout, what):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        try:
            v = pred()
        except OSError:
            v = None
        if v:
            return v
        time.sleep(0.05)
    check(False, f"{what} (within {timeout} s)")
    return None


def start(args, env, port, log_path):
    full = dict(os.environ)
    full.update(env)
    p = subprocess.Popen(args, env=full, stdout=open(log_path, "ab"), stderr=subprocess.STDOUT)
    if not wait_for(lambda: http(port, "/healthz")[0] in (200, 503), 20, f"{args[1]} on :{port} answers"):
        terminate(p, 15)
        raise SystemExit(f"cannot start {args}; see {log_path}")
    return p


def main():
    binary = sys.argv[1]
    tmp = tempfile.mkdtemp(prefix="metronome-edge-events-")
    os.makedirs(os.path.join(tmp, "nats"))
    nats = NatsServer(os.path.join(tmp, "nats"))
    procs = []
    try:
        region_port, edge_port, plain_port = free_port(), free_port(), free_port()
        store = "sqlite:" + os.path.join(tmp, "metronome.db")
        common = {"STORE": store, "THREADS": "2", "LOG_LEVEL": "info"}
        procs.append(start([binary, "region", "--port", str(region_port)], dict(common, NATS_URL=""), region_port,
                           os.path.join(tmp, "region.log")))
        edge_env = dict(common, REGIONS=f"eu=http://127.0.0.1:{region_port}", HEALTH_INTERVAL_MS="200")
        procs.append(start([binary, "edge", "--port", str(edge_port)], dict(edge_env, NATS_URL=nats.url), edge_port,
                           os.path.join(tmp, "edge.log")))

        # region.up for eu is published: the section counts it.
        def published():
            status, body = http(edge_port, "/health")
            ev = body.get("events") if isinstance(body, dict) else None
            return (status, ev) if ev and ev.get("connected") and ev.get("published", 0) >= 1 else None
        got = wait_for(published, 30, "the edge's /health shows events connected with region.up published")
        if got:
            status, ev = got
            check(status == 200, f"/health 200 with events: {status}")
            for field in ("connected", "outboxDepth", "published", "failed"):
                check(field in ev, f"events has {field}: {ev}")
            check(ev["failed"] == 0 and ev["outboxDepth"] == 0, f"nothing failed or waiting: {ev}")

        # NATS away: the section says so; the edge itself stays healthy.
        nats.stop()
        down = wait_for(lambda: (lambda b: b if b.get("events", {}).get("connected") is False else None)(http(edge_port, "/health")[1]),
                        30, "events connected: false once nats-server stops")
        if down:
            check(down["status"] == "ok", f"a NATS outage does not make the edge unhealthy: {down}")

        # Without NATS: no section.
        procs.append(start([binary, "edge", "--port", str(plain_port)], dict(edge_env, NATS_URL=""), plain_port,
                           os.path.join(tmp, "plain.log")))
        status, body = http(plain_port, "/health")
        check("events" not in body, f"no events section without NATS: {body}")
    finally:
        for p in reversed(procs):
            terminate(p, 15)
        nats.stop()
    return verdict("edge /health events", tmp)


if __name__ == "__main__":
    sys.exit(main())
