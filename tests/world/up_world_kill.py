#!/usr/bin/python3
"""`metronome up`'s world survives kill -9, and bots see what is near them
there (issues 11 and 10, their acceptance in `up`).

    tests/world/up_world_kill.py METRONOME_BIN METRONOME_LOAD_BIN

Starts `metronome up` on free 127.0.0.1 ports with a temporary data
directory. Three players connect to its world gateway and move. The test
samples the live world's (tick, hash) from /health, then kills the gateway
process (up's child `metronome world serve`, found among up's children by its
command line) with SIGKILL. Then it requires that up starts the gateway
again, that the restarted world has recovered at least to the last sampled
tick, that `metronome world replay` gives the live hash at that tick, that
each player's record is in DATA_DIR/players.db, and that each player resumes
its own entity. Then 30 bots (`metronome-load world`) move in up's world,
and their sampled views must agree with the server's truth (brute force,
GET /world/truth) with no mismatch. Stops up with SIGTERM (exit 0). Stdlib
only; bounded waits.
"""
import json
import os
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import serve_durable as sd  # noqa: E402
import world_client as wc  # noqa: E402

check = sd.check


def world_child(up_pid):
    """The PID of up's `world serve` child, or None."""
    try:
        with open(f"/proc/{up_pid}/task/{up_pid}/children") as f:
            kids = [int(p) for p in f.read().split()]
    except OSError:
        return None
    for pid in kids:
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                args = f.read().split(b"\0")
        except OSError:
            continue
        if b"world" in args and b"serve" in args:
            return pid
    return None


def eventually(pred, timeout, step=0.05):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        got = pred()
        if got:
            return got
        time.sleep(step)
    return None


def main():
    if len(sys.argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    binary, load = sys.argv[1], sys.argv[2]
    with tempfile.TemporaryDirectory(prefix="metronome-up-world-") as tmp:
        data_dir = os.path.join(tmp, "data")
        edge_port, world_port = wc.free_port(), wc.free_port()
        # The regions take first-region-port and the two after it.
        first = next((p for p in (wc.free_port() for _ in range(50)) if p < 65000 and all(wc.is_free(p + i) for i in (1, 2))), None)
        if not check(first is not None, "no three free ports in a row"):
            return 1
        log = open(os.path.join(tmp, "up.log"), "w")
        up = subprocess.Popen([binary, "up", "--data-dir", data_dir, "--edge-port", str(edge_port), "--first-region-port", str(first),
                               "--world-port", str(world_port), "--start-timeout", "600"], stdout=log, stderr=subprocess.STDOUT)
        try:
            if not check(eventually(lambda: up.poll() is None and sd.health(world_port) is not None, 600), "up's world did not start"):
                return 1
            tokens = {sub: wc.mint(binary, sub, data_dir) for sub in sd.PLAYERS}
            entities = {}
            conns = sd.connect_all(world_port, tokens, entities)
            samples = sd.samples_until(world_port, conns, 30)
            check(len(samples) >= 2, f"the world did not tick: {samples}")
            pid = world_child(up.pid)
            if not check(pid is not None, "no world serve among up's children"):
                return 1
            os.kill(pid, signal.SIGKILL)
            for c in conns:
                c.close()
            last_tick, last_hash = samples[-1]
            again = eventually(lambda: (world_child(up.pid) not in (None, pid)) and sd.health(world_port), 120)
            if not check(again, "up did not start the world again"):
                return 1
            rec = again["persistence"]["recovered"]
            check(not rec["fresh"] and again["tick"] >= last_tick, f"recovered {rec} at tick {again['tick']}, the killed world was at {last_tick}")
            got = sd.replay_hash(binary, os.path.join(data_dir, "world"), last_tick)
            check(got == last_hash, f"tick {last_tick}: live hash {last_hash}, replay {got}")
            db = sqlite3.connect(f"file:{os.path.join(data_dir, 'players.db')}?mode=ro", uri=True, timeout=10)
            rows = {row[0] for row in db.execute("SELECT id FROM players")}
            db.close()
            check(set(sd.PLAYERS) <= rows, f"player records {sorted(rows)}, want {sd.PLAYERS}")
            for c in sd.connect_all(world_port, tokens, entities):  # resumed, same entities (checked inside)
                c.close()
            report = os.path.join(tmp, "bots.json")
            bots = subprocess.run([load, "world", "--url", f"ws://127.0.0.1:{world_port}/world", "--bots", "30", "--duration", "3",
                                   "--warmup", "1", "--check-every", "10", "--check-bots", "5", "--data-dir", data_dir, "--out", report],
                                  capture_output=True, text=True, timeout=180)
            if check(bots.returncode == 0 and os.path.exists(report), f"bots in up: exit {bots.returncode}: {bots.stderr[-2000:]}"):
                r = json.load(open(report))
                check(r["connected"] == 30 and r["check"]["comparisons"] >= 5 and r["check"]["mismatches"] == 0,
                      f"bots in up: connected {r['connected']}, comparisons {r['check']['comparisons']}, "
                      f"mismatches {r['check']['mismatches']}: {r['first_failures'][:3]}")
            check(up.poll() is None, "up exited")
        finally:
            if up.poll() is None:
                code = wc.terminate(up, 60)
                check(code == 0, f"up exit code {code} on SIGTERM (60 s)")
            log.close()
            if sd.FAILURES:
                with open(os.path.join(tmp, "up.log")) as f:
                    print(f.read()[-6000:])
    print(f"up_world_kill: {len(sd.FAILURES)} failure(s)")
    return 1 if sd.FAILURES else 0


if __name__ == "__main__":
    sys.exit(main())
