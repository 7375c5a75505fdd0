#!/usr/bin/python3
"""POST /edge/world/token, tested from docs/protocol.md ("World",
"Connecting") against a real `metronome edge` and `metronome world serve`.

    tests/world/edge_token.py METRONOME_BIN

The edge and the world share a data directory (the world's secret). A token
the edge issues for a userId must open /world as that player (101, a welcome
with the userId as its key), carry the asked lifetime, and come with the
gateway's URL. Every bad request gets its HTTP status and a JSON error body;
an edge started without the world's directory answers 404 with a message; in
AUTH_MODE=owner only the admin token gets a token. Every process is stopped
by PID; every wait is bounded. Exit code 0 when every check passed.
"""
import base64
import json
import os
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import world_client as wc  # noqa: E402

from world_client import check, verdict  # noqa: E402


def post(port, body, content_type="application/json", method="POST", headers=None):
    """(status, parsed JSON body or None)."""
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    req = urllib.request.Request(f"http://127.0.0.1:{port}/edge/world/token", data=data if method == "POST" else None,
                                 method=method, headers={"Content-Type": content_type, **(headers or {})})
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.status, json.loads(r.read() or b"null")
    except urllib.error.HTTPError as e:
        raw = e.read()
        try:
            return e.code, json.loads(raw)
        except ValueError:
            return e.code, None


def claims(token):
    body = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))


def start_edge(binary, tmp, name, extra):
    port = wc.free_port()
    log = open(os.path.join(tmp, f"{name}.log"), "wb")
    proc = subprocess.Popen([binary, "edge", "--port", str(port), "--store", f"sqlite:{os.path.join(tmp, name)}.db",
                             "--geoip-db", "/nonexistent", "--geoip6-db", "/nonexistent"] + extra,
                            stdout=log, stderr=subprocess.STDOUT)
    if not wc.wait_listening(port, proc):
        wc.terminate(proc)
        raise RuntimeError(f"the {name} edge did not start: see {log.name}")
    return proc, port


def main():
    binary = sys.argv[1]
    procs = []
    with tempfile.TemporaryDirectory() as tmp:
        data = os.path.join(tmp, "data")
        try:
            world_port = wc.free_port()
            world_log = open(os.path.join(tmp, "world.log"), "wb")
            world = subprocess.Popen([binary, "world", "serve", "--port", str(world_port), "--data-dir", data, "--npcs", "10",
                                      "--size", "100"], stdout=world_log, stderr=subprocess.STDOUT)
            procs.append(world)
            if not wc.wait_listening(world_port, world):
                raise RuntimeError(f"world serve did not start: see {world_log.name}")
            url = f"ws://127.0.0.1:{world_port}/world"
            edge, port = start_edge(binary, tmp, "edge", ["--world-data-dir", data, "--world-url", url])
            procs.append(edge)

            # A token for alice opens the world as alice.
            before = time.time()
            status, body = post(port, {"userId": "alice"})
            if check(status == 200 and isinstance(body, dict), f"a token for alice: 200, got {status} {body}"):
                check(body.get("userId") == "alice" and body.get("gateway") == url, f"userId and gateway echoed: {body}")
                c = claims(body["token"])
                check(c.get("sub") == "alice", f"the token's sub is the userId: {c}")
                check(abs(c.get("exp", 0) - (before + 3600)) < 30, f"default lifetime 3600 s: exp {c.get('exp')}, now {before}")
                check(abs(body.get("expiresAt", 0) - c.get("exp", 0) * 1000) < 1000, f"expiresAt is exp in ms: {body}")
                conn = wc.Conn(world_port, body["token"])
                check(conn.status == 101, f"the world accepts the edge's token: {conn.status}")
                welcome = conn.read_welcome()
                check(welcome is not None and welcome[2] == "alice", f"the welcome names alice: {welcome}")
                conn.close()

            status, body = post(port, {"userId": "bob", "ttlSeconds": 120})
            if check(status == 200, f"ttlSeconds 120: 200, got {status}"):
                c = claims(body["token"])
                check(c["exp"] - c.get("iat", c.get("nbf", c["exp"] - 120)) == 120, f"the asked lifetime: {c}")

            # Bad requests: their status and a JSON error body.
            bad = [
                ({}, 400, "no userId"),
                ({"userId": ""}, 400, "an empty userId"),
                ({"userId": "a\u0001b"}, 400, "a control character"),
                ({"userId": "x" * 65}, 400, "a userId over 64 bytes"),
                ({"userId": 7}, 400, "a number as userId"),
                ({"userId": "carol", "ttlSeconds": 0}, 400, "ttlSeconds 0"),
                ({"userId": "carol", "ttlSeconds": 86401}, 400, "ttlSeconds over a day"),
                ({"userId": "carol", "ttlSeconds": "60"}, 400, "ttlSeconds as a string"),
                (b"[1,2]", 400, "an array body"),
                (b"{not json", 400, "a body that is not JSON"),
            ]
            for payload, want, what in bad:
                status, body = post(port, payload)
                check(status == want and isinstance(body, dict) and "error" in body, f"{what}: {want} + JSON error, got {status} {body}")
            status, body = post(port, {"userId": "carol"}, content_type="text/plain")
            check(status == 415 and isinstance(body, dict), f"text/plain: 415, got {status} {body}")
            status, body = post(port, None, method="GET")
            check(status == 405 and isinstance(body, dict), f"GET: 405, got {status} {body}")

            # An edge that does not know the world: 404 with a message.
            plain, plain_port = start_edge(binary, tmp, "plain", [])
            procs.append(plain)
            status, body = post(plain_port, {"userId": "alice"})
            check(status == 404 and isinstance(body, dict) and "world-data-dir" in json.dumps(body),
                  f"an edge without the world: 404 naming --world-data-dir, got {status} {body}")

            # AUTH_MODE=owner: only the admin token gets a token.
            owner, owner_port = start_edge(binary, tmp, "owner",
                                           ["--world-data-dir", data, "--auth-mode", "owner", "--admin-token", "s3cret-admin-token-0123"])
            procs.append(owner)
            status, body = post(owner_port, {"userId": "alice"})
            check(status == 401 and isinstance(body, dict), f"owner mode without the admin token: 401, got {status} {body}")
            status, body = post(owner_port, {"userId": "alice"}, headers={"Authorization": "Bearer wrong"})
            check(status == 401, f"owner mode with a wrong token: 401, got {status}")
            status, body = post(owner_port, {"userId": "alice"}, headers={"Authorization": "Bearer s3cret-admin-token-0123"})
            check(status == 200 and "token" in (body or {}) and "gateway" not in body,
                  f"owner mode with the admin token: 200 (no gateway URL configured), got {status} {body}")
        finally:
            for p in procs:
                wc.terminate(p)
    return verdict("edge world tokens")


if __name__ == "__main__":
    sys.exit(main())
