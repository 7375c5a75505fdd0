#!/usr/bin/python3
"""A persistent world behind the gateway survives kill -9 (issue 11).

    tests/world/serve_durable.py METRONOME_BIN [ROUNDS]

Runs `metronome world serve --persist` on a free 127.0.0.1 port with a
temporary data directory. Three players connect and send commands. Each
round the test samples the live world's (tick, hash) from /health, kills the
process with SIGKILL at a random moment, and then requires:
  - `metronome world replay --tick T` gives the hash the live world had at
    every sampled tick T (the recovered history is the one that was played);
  - the restarted server recovers at least to the last sampled tick, and its
    own later (tick, hash) pairs agree with replay too;
  - each player's record is in DATA_DIR/players.db;
  - each player reconnects to the same entity (welcome flag "resumed"), and
    its new commands are accepted (no stale_sequence rejections).
Finally a SIGTERM leaves a snapshot: the next start replays no log.
Stdlib only; every wait is bounded; exit 0 when every check passed.
"""
import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import world_client as wc  # noqa: E402

from world_client import FAILURES, check  # noqa: E402

PLAYERS = ["alice", "bob", "carol"]


def health(port):
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=5) as r:
            return json.loads(r.read())
    except (OSError, ValueError):
        return None


def replay_hash(binary, world_dir, tick):
    out = subprocess.run([binary, "world", "replay", "--data-dir", world_dir, "--tick", str(tick)],
                         capture_output=True, text=True, timeout=120)
    if out.returncode != 0:
        return f"replay failed ({out.returncode}): {out.stderr.strip()}"
    return json.loads(out.stdout.strip().splitlines()[-1])["hash"]


class Server:
    def __init__(self, binary, data_dir, port, log_path):
        self.log = open(log_path, "a")
        self.proc = subprocess.Popen([binary, "world", "serve", "--persist", "--port", str(port), "--data-dir", data_dir,
                                      "--npcs", "20", "--size", "200", "--snapshot-every", "40", "--grace-ms", "600000"],
                                     stdout=self.log, stderr=subprocess.STDOUT)
        self.port = port

    def up(self):
        return wc.wait_listening(self.port, self.proc)

    def kill(self):
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(timeout=30)
        self.log.close()

    def term(self):
        code = wc.terminate(self.proc)
        self.log.close()
        return code


def samples_until(port, conns, ticks, timeout=60.0):
    """(tick, hash) pairs from /health until the world is `ticks` past the first; players keep moving."""
    first = health(port)
    if first is None:
        return []
    out = [(first["tick"], first["persistence"]["hash"])]
    deadline = time.monotonic() + timeout
    while out[-1][0] < first["tick"] + ticks and time.monotonic() < deadline:
        for c in conns:
            c.velocity(random.randint(-40, 40), random.randint(-40, 40))
            c.drain(0.01)
        h = health(port)
        if h is not None and h["tick"] != out[-1][0]:
            out.append((h["tick"], h["persistence"]["hash"]))
    return out


def connect_all(port, tokens, entities):
    conns = []
    for sub in PLAYERS:
        c = wc.Conn(port, tokens[sub])
        check(c.status == 101, f"{sub}: upgrade status {c.status}")
        welcome = c.read_welcome()
        if not check(welcome is not None, f"{sub}: no welcome"):
            continue
        entity, resumed, key = welcome
        check(key == sub, f"{sub}: welcome key {key!r}")
        if sub in entities:
            check(resumed and entity == entities[sub], f"{sub}: welcome {welcome}, want entity {entities[sub]} resumed")
        entities[sub] = entity
        conns.append(c)
    return conns


def stale_rejections(port):
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as r:
        text = r.read().decode()
    return sum(float(line.rsplit(" ", 1)[1]) for line in text.splitlines()
               if line.startswith("metronome_world_rejected_commands_total") and 'reason="stale_sequence"' in line)


def main():
    if len(sys.argv) not in (2, 3):
        print(__doc__, file=sys.stderr)
        return 2
    binary = sys.argv[1]
    rounds = int(sys.argv[2]) if len(sys.argv) == 3 else 3
    random.seed()
    with tempfile.TemporaryDirectory(prefix="metronome-serve-durable-") as tmp:
        data_dir = os.path.join(tmp, "data")
        world_dir = os.path.join(data_dir, "world")
        log_path = os.path.join(tmp, "serve.log")
        tokens = {sub: wc.mint(binary, sub, data_dir) for sub in PLAYERS}
        entities = {}
        port = wc.free_port()
        server = Server(binary, data_dir, port, log_path)
        try:
            for r in range(rounds):
                if not check(server.up(), f"round {r}: world serve did not start"):
                    break
                conns = connect_all(port, tokens, entities)
                h = health(port)
                check(h is not None and h["status"] == "ok", f"round {r}: /health {h}")
                if r > 0 and h is not None:
                    rec = h["persistence"]["recovered"]
                    check(not rec["fresh"] and h["tick"] >= last_tick,
                          f"round {r}: recovered {rec} at tick {h['tick']}, the killed world had reached {last_tick}")
                samples = samples_until(port, conns, random.randint(15, 70))
                check(len(samples) >= 2, f"round {r}: the world did not tick ({samples})")
                check(stale_rejections(port) == 0, f"round {r}: commands rejected as stale after the restart")
                server.kill()  # at a random moment: the loop above ends at a random tick
                for c in conns:
                    c.close()
                # History before the oldest kept snapshot is let go (docs/world.md, "Durability").
                kept = [int(n.split(".")[0]) for n in os.listdir(os.path.join(world_dir, "snapshots")) if n.endswith(".snap")]
                replayable = [x for x in samples if x[0] >= min(kept)]
                check(samples[-1] in replayable, f"round {r}: the last sampled tick {samples[-1][0]} is before every snapshot {kept}")
                for tick, live in random.sample(replayable, min(5, len(replayable))) + [samples[-1]]:
                    got = replay_hash(binary, world_dir, tick)
                    check(got == live, f"round {r}: tick {tick}: live hash {live}, replay {got}")
                last_tick = samples[-1][0]
                db = sqlite3.connect(f"file:{os.path.join(data_dir, 'players.db')}?mode=ro", uri=True, timeout=10)
                rows = {row[0]: row for row in db.execute("SELECT id, created_ms, last_seen_ms FROM players")}
                db.close()
                for sub in PLAYERS:
                    check(sub in rows and rows[sub][1] <= rows[sub][2], f"round {r}: no good record for {sub}: {rows.get(sub)}")
                server = Server(binary, data_dir, port, log_path)
            # A graceful stop snapshots: the next start replays nothing.
            if check(server.up(), "world serve did not start after the last kill"):
                connect_all(port, tokens, entities)
                code = server.term()
                check(code == 0, f"world serve exit code {code} on SIGTERM")
                server = Server(binary, data_dir, port, log_path)
                if check(server.up(), "world serve did not start after SIGTERM"):
                    h = health(port)
                    check(h is not None and h["persistence"]["recovered"]["replayedTicks"] == 0,
                          f"after a graceful stop the log should be empty past the snapshot: {h}")
        finally:
            if server.proc.poll() is None:
                server.term()
            if FAILURES:
                with open(log_path) as f:
                    print(f.read()[-4000:])
    print(f"serve_durable: {len(FAILURES)} failure(s)")
    return 1 if FAILURES else 0


if __name__ == "__main__":
    sys.exit(main())
