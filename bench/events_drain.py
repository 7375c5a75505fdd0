#!/usr/bin/python3
"""Events: how fast the outbox drains after a NATS outage (docs/events.md).

    bench/events_drain.py METRONOME_BIN [GAMES]

Starts nats-server (JetStream) and a region with --nats on 127.0.0.1 (free
ports, a temporary SQLite store), stops nats-server, plays GAMES games
(start + exit: 2 events each) so the outbox holds them, starts nats-server
again on the same store directory and times the drain: from nats-server
ready to an empty outbox. Prints one line with the figures.
"""
import os
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
for sub in ("../tests/support", "../tests/events", "../tests/protocol"):
    sys.path.insert(0, os.path.join(HERE, sub))
from nats_server import NatsServer, free_port  # noqa: E402
import events_nats as T  # noqa: E402


def main():
    binary, games = sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 1000
    tmp = tempfile.mkdtemp(prefix="metronome-events-drain-")
    os.makedirs(os.path.join(tmp, "nats"))
    nats = NatsServer(os.path.join(tmp, "nats"))
    port = free_port()
    region = T.start_server([binary, "region", "--port", str(port), "--store", "sqlite:" + os.path.join(tmp, "m.db")],
                            {"NATS_URL": nats.url, "COUNTDOWN_MS": "0", "ACCESS_LOG": "false"}, port, os.path.join(tmp, "region.log"))
    try:
        # The outage starts once the publisher is connected: the drain then
        # waits for the client's own reconnect, not for a connect backoff
        # (which a region started during an outage waits, up to 5 s).
        T.wait_for(lambda: (T.events_health(port) or {}).get("connected"), 30, "the publisher connects")
        nats.stop()
        t0 = time.monotonic()
        for i in range(games):
            _, g = T.http(port, "POST", "/game/start", {"userId": f"u{i}"})
            T.http(port, "POST", "/game/exit", {"gameId": g["gameId"], "userId": f"u{i}"})
        t1 = time.monotonic()
        T.wait_for(lambda: (T.events_health(port) or {}).get("outboxDepth", 0) >= 2 * games, 30, "the outbox holds the outage")
        nats.start()
        t2 = time.monotonic()
        T.wait_for(lambda: (lambda e: e and e["outboxDepth"] == 0 and e["connected"])(T.events_health(port)), 300, "drained")
        t3 = time.monotonic()
        published = T.events_health(port)["published"]
        print(f"{games} games ({2 * games} events) played during the outage in {t1 - t0:.2f} s; "
              f"{published} events drained in {t3 - t2:.2f} s after nats-server was ready ({published / (t3 - t2):.0f} events/s)")
    finally:
        region.stop()
        nats.stop()
    return 1 if T.FAILURES else 0


if __name__ == "__main__":
    sys.exit(main())
