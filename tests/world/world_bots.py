#!/usr/bin/python3
"""Bots against a real world gateway, checked against its truth.

    tests/world/world_bots.py METRONOME_BIN METRONOME_LOAD_BIN

Starts `metronome world serve` on a free 127.0.0.1 port with a temporary data
directory, then:
- GET /world/truth without the operator secret and with a wrong one: 401 and a
  JSON error body; with it: 200 and every entity at one tick;
- `metronome-load world` with a bad flag: exit 2 and a message;
- `metronome-load world --bots 50 --duration 5`: exit 0, every bot connected,
  frames received, brute-force checks made, zero mismatches, zero decode or
  view errors;
- the same bots with a wrong operator secret: the checks cannot run, exit 1.
Stops the server by PID. Stdlib only; every wait is bounded.
Exit code 0 when every check passed, 1 otherwise.
"""
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

from world_client import FAILURES, check  # noqa: E402


def start_server(metronome, data_dir, log):
    proc = subprocess.Popen(
        [metronome, "world", "serve", "--port", "0", "--data-dir", data_dir, "--npcs", "300"],
        stdout=subprocess.PIPE, stderr=log, text=True)
    deadline = time.monotonic() + 30
    line = ""
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if line.strip() or proc.poll() is not None:
            break
    if not line.strip():
        proc.kill()
        raise SystemExit("world serve printed nothing")
    url = json.loads(line)["world"]
    port = int(url.rsplit(":", 1)[1].split("/")[0])
    return proc, port


def get_truth(port, secret):
    req = urllib.request.Request(f"http://127.0.0.1:{port}/world/truth")
    if secret is not None:
        req.add_header("Authorization", "Bearer " + secret)
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()


def run_bots(load, args, timeout=120):
    p = subprocess.run([load, "world"] + args, capture_output=True, text=True, timeout=timeout)
    return p.returncode, p.stdout, p.stderr


def main():
    metronome, load = sys.argv[1], sys.argv[2]
    with tempfile.TemporaryDirectory(prefix="world_bots_") as tmp:
        data_dir = os.path.join(tmp, "data")
        log = open(os.path.join(tmp, "serve.log"), "w")
        proc, port = start_server(metronome, data_dir, log)
        try:
            with open(os.path.join(data_dir, "world-secret")) as f:
                secret = f.readline().strip()
            url = f"ws://127.0.0.1:{port}/world"

            for bad in (None, "x" * len(secret)):
                status, body = get_truth(port, bad)
                check(status == 401, f"truth with secret {bad!r:.12}: status {status}, want 401")
                try:
                    err = json.loads(body)["error"]
                    check(err["code"] == "unauthorized", f"truth 401 code {err['code']}")
                except (ValueError, KeyError, TypeError):
                    check(False, f"truth 401 body is not a JSON error: {body[:200]!r}")
            status, body = get_truth(port, secret)
            if check(status == 200, f"truth with the secret: status {status}"):
                t = json.loads(body)
                check(t["tick"] > 0 and len(t["entities"]) == 300, f"truth: tick {t['tick']}, {len(t['entities'])} entities")
                ids = [e[0] for e in t["entities"]]
                check(ids == sorted(set(ids)), "truth ids ascending")

            rc, out, err = run_bots(load, ["--url", url, "--bots", "0", "--data-dir", data_dir])
            check(rc == 2 and err.strip(), f"--bots 0: exit {rc}, stderr {err.strip()[:200]!r}")
            rc, out, err = run_bots(load, ["--url", "http://127.0.0.1:1/world", "--data-dir", data_dir])
            check(rc == 2 and "--url" in err, f"bad --url: exit {rc}, stderr {err.strip()[:200]!r}")
            rc, out, err = run_bots(load, ["--url", url, "--data-dir", os.path.join(tmp, "nowhere")])
            check(rc == 2 and "world-secret" in err, f"missing secret: exit {rc}, stderr {err.strip()[:200]!r}")

            report = os.path.join(tmp, "report.json")
            rc, out, err = run_bots(load, ["--url", url, "--bots", "50", "--duration", "5", "--warmup", "1",
                                           "--check-every", "10", "--check-bots", "5", "--data-dir", data_dir,
                                           "--out", report])
            print(err, end="", flush=True)
            check(rc == 0, f"50 bots: exit {rc}")
            r = json.load(open(report))
            check(r["connected"] == 50 and r["failed"] == 0, f"connected {r['connected']}, failed {r['failed']}")
            check(r["frames"] >= 50 * 20, f"frames {r['frames']}, want at least one per bot per tick for 1 s")
            check(r["decode_errors"] == 0 and r["view_errors"] == 0, f"decode {r['decode_errors']}, view {r['view_errors']}")
            check(r["check"]["comparisons"] >= 10, f"comparisons {r['check']['comparisons']}")
            check(r["check"]["mismatches"] == 0, f"mismatches {r['check']['mismatches']}: {r['first_failures'][:3]}")
            check(r["check"]["truth_errors"] == 0, f"truth errors {r['check']['truth_error_list']}")
            check(r["input_to_broadcast_ms"]["samples"] > 0, "no input-to-broadcast sample")
            check(r["bits_per_entity_update"] > 0, "no entity update")
            check(r["passed"] is True, "report says not passed")

            wrong = os.path.join(tmp, "wrong-operator-secret")
            with open(wrong, "w") as f:
                f.write("not-the-operator-secret-at-all\n")
            rc, out, err = run_bots(load, ["--url", url, "--bots", "5", "--duration", "1.5", "--warmup", "0",
                                           "--check-every", "5", "--data-dir", data_dir,
                                           "--operator-secret-file", wrong, "--out", report])
            r = json.load(open(report))
            check(rc == 1 and r["check"]["truth_errors"] > 0 and r["passed"] is False,
                  f"wrong operator secret: exit {rc}, truth errors {r['check']['truth_errors']}")
        finally:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=10)
            log.close()
        check(proc.returncode == 0, f"world serve exit {proc.returncode}")
    print("world_bots:", "FAILED" if FAILURES else "ok", flush=True)
    return 1 if FAILURES else 0


if __name__ == "__main__":
    sys.exit(main())
