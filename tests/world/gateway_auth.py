#!/usr/bin/python3
"""The world gateway's door, tested from docs/protocol.md ("World",
"Connecting") with tokens made here, not by the server's code.

    tests/world/gateway_auth.py METRONOME_BIN

Starts `metronome world serve` on a free 127.0.0.1 port with a temporary data
directory, mints one good token with `metronome world token`, and forges the
bad ones itself with the secret that directory holds (HMAC from the standard
library). Every refused upgrade must be an HTTP 401 with a JSON error body,
before any WebSocket exists; a good token in either place gets 101 and a first
binary frame. Stops the server by PID. Stdlib only; every wait is bounded.
Exit code 0 when every check passed, 1 otherwise.
"""
import base64
import hashlib
import hmac
import json
import os
import socket
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import world_client as wc  # noqa: E402

SUBPROTOCOL = "metronome.world.v1"
from world_client import FAILURES, check  # noqa: E402


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def forge(header, claims, key, digest=hashlib.sha256):
    head = b64url(json.dumps(header, separators=(",", ":")).encode())
    body = b64url(json.dumps(claims, separators=(",", ":")).encode())
    signing_input = f"{head}.{body}".encode()
    if key is None:
        return f"{head}.{body}."
    sig = hmac.new(key, signing_input, digest).digest()
    return f"{head}.{body}.{b64url(sig)}"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def upgrade(port, query="", headers=(), subprotocol=True, timeout=10.0):
    """Sends one upgrade request; returns (status, headers text, body bytes, socket)."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    key = base64.b64encode(os.urandom(16)).decode()
    lines = [f"GET /world{query} HTTP/1.1", f"Host: 127.0.0.1:{port}", "Upgrade: websocket", "Connection: Upgrade",
             f"Sec-WebSocket-Key: {key}", "Sec-WebSocket-Version: 13"]
    if subprotocol:
        lines.append(f"Sec-WebSocket-Protocol: {SUBPROTOCOL}")
    lines.extend(headers)
    sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
    data = b""
    deadline = time.monotonic() + timeout
    while b"\r\n\r\n" not in data and time.monotonic() < deadline:
        chunk = sock.recv(4096)
        if not chunk:
            break
        data += chunk
    head, _, rest = data.partition(b"\r\n\r\n")
    text = head.decode(errors="replace")
    status = int(text.split(" ", 2)[1]) if text.startswith("HTTP/1.1 ") else 0
    length = 0
    for line in text.split("\r\n")[1:]:
        name, _, value = line.partition(":")
        if name.strip().lower() == "content-length":
            length = int(value.strip())
    while status != 101 and len(rest) < length and time.monotonic() < deadline:
        chunk = sock.recv(4096)
        if not chunk:
            break
        rest += chunk
    return status, text, rest, sock


def first_frame(sock, already, timeout=10.0):
    """The opcode of the first server frame (the welcome is binary: 2)."""
    data = already
    deadline = time.monotonic() + timeout
    while len(data) < 2 and time.monotonic() < deadline:
        chunk = sock.recv(4096)
        if not chunk:
            break
        data += chunk
    return data[0] & 0x0F if data else None


def expect_refused(port, what, code, query="", headers=()):
    status, head, body, sock = upgrade(port, query, headers)
    sock.close()
    if not check(status == 401, f"{what}: status {status}, want 401\n{head}"):
        return
    check("www-authenticate: bearer" in head.lower(), f"{what}: no WWW-Authenticate: Bearer")
    check("upgrade: websocket" not in head.lower(), f"{what}: a refusal must not upgrade")
    try:
        doc = json.loads(body)
    except ValueError:
        check(False, f"{what}: body is not JSON: {body[:200]!r}")
        return
    # The project's error body (docs/protocol.md, "World", "Connecting").
    err = doc.get("error") if isinstance(doc, dict) else None
    if not check(isinstance(err, dict) and isinstance(err.get("code"), str) and err.get("message"),
                 f"{what}: {{\"error\":{{\"code\",\"message\"}}}} wanted, got {doc}"):
        return
    check(err["code"] in ("missing_token", "bad_token", "token_expired", "token_not_yet_valid"),
          f"{what}: code {err['code']!r} is not a documented 401 code")
    if code is not None:
        check(err["code"] == code, f"{what}: code {err['code']!r}, want {code!r}")


def main():
    if len(sys.argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    binary = sys.argv[1]
    with tempfile.TemporaryDirectory(prefix="metronome-gateway-auth-") as tmp:
        data_dir = os.path.join(tmp, "data")
        good = subprocess.run([binary, "world", "token", "--sub", "alice", "--ttl", "300", "--data-dir", data_dir],
                              capture_output=True, text=True, timeout=60)
        if not check(good.returncode == 0, f"world token failed: {good.stderr}"):
            return 1
        token = good.stdout.strip()
        bad_ttl = subprocess.run([binary, "world", "token", "--sub", "alice", "--ttl", "0", "--data-dir", data_dir],
                                 capture_output=True, text=True, timeout=60)
        check(bad_ttl.returncode == 2 and bad_ttl.stderr, "world token --ttl 0 must be a usage error (exit 2)")
        with open(os.path.join(data_dir, "world-secret")) as f:
            secret = f.readline().strip().encode()
        check((os.stat(os.path.join(data_dir, "world-secret")).st_mode & 0o077) == 0, "world-secret must be mode 0600")

        port = free_port()
        log = open(os.path.join(tmp, "serve.log"), "w")
        proc = subprocess.Popen([binary, "world", "serve", "--port", str(port), "--data-dir", data_dir, "--npcs", "10",
                                 "--size", "100", "--token-leeway-s", "0"], stdout=log, stderr=subprocess.STDOUT)
        try:
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                try:
                    socket.create_connection(("127.0.0.1", port), timeout=1).close()
                    break
                except OSError:
                    if proc.poll() is not None:
                        break
                    time.sleep(0.05)
            if not check(proc.poll() is None, "world serve exited at start"):
                return 1
            scenarios(port, token, secret)
        finally:
            code = wc.terminate(proc)
            check(code == 0, f"world serve exit code {code} on SIGTERM (30 s)")
            log.close()
            if FAILURES:
                with open(os.path.join(tmp, "serve.log")) as f:
                    print(f.read()[-4000:])
    print(f"gateway_auth: {len(FAILURES)} failure(s)")
    return 1 if FAILURES else 0


def scenarios(port, token, secret):
    now = int(time.time())
    claims = {"sub": "mallory", "iss": "metronome", "aud": "metronome-world", "iat": now, "exp": now + 300}
    hs256 = {"alg": "HS256", "typ": "JWT"}

    expect_refused(port, "no token", "missing_token")
    expect_refused(port, "garbage token", "bad_token", query="?token=not.a.jwt")
    expect_refused(port, "bad signature", "bad_token", query="?token=" + forge(hs256, claims, b"another-secret-of-32-characters!!"))
    expect_refused(port, "alg none", "bad_token", query="?token=" + forge({"alg": "none", "typ": "JWT"}, claims, None))
    expect_refused(port, "alg HS512", "bad_token", query="?token=" + forge({"alg": "HS512", "typ": "JWT"}, claims, secret, hashlib.sha512))
    expect_refused(port, "expired", "token_expired", query="?token=" + forge(hs256, dict(claims, exp=now - 600), secret))
    expect_refused(port, "no exp", "bad_token", query="?token=" + forge(hs256, {k: v for k, v in claims.items() if k != "exp"}, secret))
    expect_refused(port, "not yet valid", "token_not_yet_valid", query="?token=" + forge(hs256, dict(claims, nbf=now + 600), secret))
    expect_refused(port, "wrong issuer", "bad_token", query="?token=" + forge(hs256, dict(claims, iss="someone-else"), secret))
    expect_refused(port, "wrong audience", "bad_token", query="?token=" + forge(hs256, dict(claims, aud="another-api"), secret))
    expect_refused(port, "empty sub", "bad_token", query="?token=" + forge(hs256, dict(claims, sub=""), secret))
    expect_refused(port, "bad signature in Authorization", "bad_token",
                   headers=["Authorization: Bearer " + forge(hs256, claims, b"another-secret-of-32-characters!!")])

    # The forged-but-correct token is accepted: the refusals above are about
    # what was wrong with each, not about tokens made outside the server.
    for what, query, headers in [("token in the query", "?token=" + token, ()),
                                 ("token in Authorization", "", ["Authorization: Bearer " + token]),
                                 ("token made with the secret", "?token=" + forge(hs256, claims, secret), ())]:
        status, head, rest, sock = upgrade(port, query, headers)
        if check(status == 101, f"{what}: status {status}, want 101\n{head}"):
            check(f"sec-websocket-protocol: {SUBPROTOCOL}" in head.lower(), f"{what}: subprotocol not selected")
            check(first_frame(sock, rest) == 2, f"{what}: the first frame must be binary (the welcome)")
        sock.close()

    # A good token without the subprotocol is a 400, also before the upgrade.
    status, head, _, sock = upgrade(port, "?token=" + token, subprotocol=False)
    sock.close()
    check(status == 400, f"no subprotocol: status {status}, want 400")

    # A connection lasts as long as its token (the server runs with
    # --token-leeway-s 0): error token_expired, then close 4104.
    short = forge(hs256, dict(claims, sub="brief", exp=int(time.time()) + 2), secret)
    c = wc.Conn(port, short)
    if check(c.status == 101 and c.read_welcome() is not None, f"short-lived token: status {c.status}, no welcome"):
        error, close = None, None
        deadline = time.monotonic() + 20
        while close is None and time.monotonic() < deadline:
            got = c.frame(deadline - time.monotonic())
            if got is None:
                break
            opcode, payload = got
            if opcode == 2 and payload[:1] == b"\x7f":
                n, at = wc.read_varint(payload, 1)
                error = payload[at:at + n].decode()
            elif opcode == 8:
                close = int.from_bytes(payload[:2], "big") if len(payload) >= 2 else 0
        check(error == "token_expired" and close == 4104, f"token expiry: error {error!r}, close {close}, want token_expired and 4104")
    c.close()


if __name__ == "__main__":
    sys.exit(main())
