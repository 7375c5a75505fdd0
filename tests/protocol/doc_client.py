#!/usr/bin/python3
"""A tick-broadcaster client written from docs/protocol.md alone (and
docs/openapi.yaml for creating and stopping sessions), not from the server's
code: if this passes, the document is enough to implement a client.

    tests/protocol/doc_client.py METRONOME_BIN

Starts `metronome region` on 127.0.0.1 (a free port, a temporary SQLite
store), plays through the document's promises, stops the region by PID.
Python stdlib only; its own RFC 6455 client. Every wait is bounded.
Exit code 0 when every check passed, 1 otherwise.
"""
import base64
import hashlib
import json
import os
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import time
import urllib.request

FAILURES = []


def check(cond, what):
    if not cond:
        FAILURES.append(what)
        print("FAIL:", what, flush=True)
    return cond


def verdict(label, logs=None):
    """A test script's exit code from its checks, with its closing line."""
    if FAILURES:
        print(f"{label}: {len(FAILURES)} check(s) failed" + (f"; logs in {logs}" if logs else ""), flush=True)
        return 1
    print(f"{label}: every check passed", flush=True)
    return 0


class Closed(Exception):
    pass


class WebSocket:
    """RFC 6455 client: masked frames out; answers pings unless told not to."""

    def __init__(self, port, path="/ws", subprotocols=None, answer_pings=True):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=5)
        key = base64.b64encode(os.urandom(16)).decode()
        lines = [f"GET {path} HTTP/1.1", f"Host: 127.0.0.1:{port}", "Upgrade: websocket", "Connection: Upgrade",
                 f"Sec-WebSocket-Key: {key}", "Sec-WebSocket-Version: 13"]
        if subprotocols:
            lines.append("Sec-WebSocket-Protocol: " + ", ".join(subprotocols))
        self.sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
        head = b""
        while b"\r\n\r\n" not in head:
            chunk = self.sock.recv(4096)
            if not chunk:
                raise Closed("no handshake answer")
            head += chunk
        head, self.buf = head.split(b"\r\n\r\n", 1)
        status, *headers = head.decode().split("\r\n")
        if " 101 " not in status + " ":
            raise Closed("handshake refused: " + status)
        h = {k.strip().lower(): v.strip() for k, v in (x.split(":", 1) for x in headers)}
        accept = base64.b64encode(hashlib.sha1((key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11").encode()).digest()).decode()
        if h.get("sec-websocket-accept") != accept:
            raise Closed("bad Sec-WebSocket-Accept")
        self.subprotocol = h.get("sec-websocket-protocol", "")
        self.answer_pings = answer_pings
        self.close_code = None
        self.pings_seen = 0

    def send_frame(self, opcode, payload):
        mask = os.urandom(4)
        n = len(payload)
        head = bytes([0x80 | opcode])
        if n < 126:
            head += bytes([0x80 | n])
        elif n < 65536:
            head += bytes([0x80 | 126]) + struct.pack(">H", n)
        else:
            head += bytes([0x80 | 127]) + struct.pack(">Q", n)
        self.sock.sendall(head + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(payload)))

    def send_json(self, obj, binary=False):
        text = json.dumps(obj).encode()
        if binary:
            self.send_frame(0x2, b"\x7f" + text)  # "Binary encoding": any other message is 0x7F + JSON
        else:
            self.send_frame(0x1, text)

    def _need(self, n, deadline):
        while len(self.buf) < n:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError
            self.sock.settimeout(left)
            try:
                chunk = self.sock.recv(65536)
            except socket.timeout:
                raise TimeoutError
            if not chunk:
                raise Closed("connection dropped")
            self.buf += chunk

    def read(self, timeout=5.0):
        """The next data message as (opcode, payload); raises Closed at the end."""
        deadline = time.monotonic() + timeout
        while True:
            if self.close_code is not None:
                raise Closed(f"closed {self.close_code}")
            self._need(2, deadline)
            b0, b1 = self.buf[0], self.buf[1]
            if b1 & 0x80:
                raise Closed("a server frame was masked")
            n, at = b1 & 0x7F, 2
            if n == 126:
                self._need(4, deadline)
                n, at = struct.unpack(">H", self.buf[2:4])[0], 4
            elif n == 127:
                self._need(10, deadline)
                n, at = struct.unpack(">Q", self.buf[2:10])[0], 10
            self._need(at + n, deadline)
            payload, self.buf = self.buf[at:at + n], self.buf[at + n:]
            op = b0 & 0x0F
            if op == 0x9:  # ping control frame: answer with the same payload
                self.pings_seen += 1
                if self.answer_pings:
                    self.send_frame(0xA, payload)
            elif op == 0xA:
                pass
            elif op == 0x8:
                self.close_code = struct.unpack(">H", payload[:2])[0] if len(payload) >= 2 else 1005
                try:
                    self.send_frame(0x8, payload[:2])
                except OSError:
                    pass
                raise Closed(f"closed {self.close_code}")
            else:
                return op, payload

    def messages(self, seconds):
        """Every JSON message for `seconds` (or until closed)."""
        out, until = [], time.monotonic() + seconds
        try:
            while time.monotonic() < until:
                try:
                    op, payload = self.read(until - time.monotonic())
                except TimeoutError:
                    break
                out.append(decode(op, payload))
        except Closed:
            pass
        return out

    def until(self, type_, timeout=5.0):
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            try:
                op, payload = self.read(end - time.monotonic())
            except TimeoutError:
                return None
            m = decode(op, payload)
            if m.get("type") == type_:
                return m
        return None

    def wait_closed(self, timeout=5.0):
        end = time.monotonic() + timeout
        try:
            while time.monotonic() < end:
                self.read(end - time.monotonic())
        except (Closed, TimeoutError, OSError):
            pass
        return self.close_code

    def close(self):
        self.sock.close()


def decode(op, payload):
    if op == 0x1:
        return json.loads(payload)
    t = payload[0]
    if t == 0x01:  # tick: u8 flags, i64 step, value, round, serverTimestamp
        flags, step, value, round_, ts = struct.unpack("<Bqqqq", payload[1:])
        return {"type": "tick", "step": step, "value": value, "round": round_, "broken": bool(flags & 1), "serverTimestamp": ts}
    if t == 0x02:
        remaining, ts = struct.unpack("<qq", payload[1:])
        return {"type": "countdown", "remainingMs": remaining, "serverTimestamp": ts}
    if t == 0x04:
        c, s = struct.unpack("<qq", payload[1:])
        return {"type": "pong", "clientTimestamp": c, "serverTimestamp": s}
    if t == 0x05:
        status, rtt, jitter = struct.unpack("<BII", payload[1:])
        return {"type": "latency_status", "status": "warning" if status else "ok", "rttMs": rtt / 1000, "jitterMs": jitter / 1000}
    if t == 0x7F:
        return json.loads(payload[1:])
    return {"type": f"unknown-0x{t:02x}"}


def http(port, method, path, body=None):
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(f"http://127.0.0.1:{port}{path}", data=data, method=method,
                                 headers={"Content-Type": "application/json"} if data else {})
    with urllib.request.urlopen(req, timeout=5) as r:
        return r.status, json.loads(r.read() or b"null")


def check_ticks(ticks, label):
    """docs/protocol.md "tick fields": value counts steps since the last break, round counts breaks."""
    check(len(ticks) >= 10, f"{label}: at least 10 ticks ({len(ticks)})")
    for a, b in zip(ticks, ticks[1:]):
        if b["step"] != a["step"] + 1:
            continue  # a late timer may skip a step (docs: "Ticks")
        if b["broken"]:
            check(b["value"] == 0 and b["round"] == a["round"] + 1, f"{label}: break at step {b['step']}")
        else:
            check(b["value"] == a["value"] + 1 and b["round"] == a["round"], f"{label}: step {b['step']} continues")


def main():
    binary = sys.argv[1]
    port = None
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    tmp = tempfile.mkdtemp(prefix="metronome-doc-client-")
    env = dict(os.environ, PORT=str(port), STORE=f"sqlite:{tmp}/s.db", REGION="eu", THREADS="2", COUNTDOWN_MS="600",
               PING_INTERVAL_MS="200", UNRESPONSIVE_MS="1000", REJOIN_COOLDOWN_MS="60000")
    log = open(os.path.join(tmp, "region.log"), "w")
    proc = subprocess.Popen([binary, "region"], env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 15
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                if time.monotonic() > deadline or proc.poll() is not None:
                    print("region did not start")
                    return 1
                time.sleep(0.05)
        scenarios(port, proc)
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
    print("doc client:", "OK" if not FAILURES else f"{len(FAILURES)} failures")
    return 0 if not FAILURES else 1


def scenarios(port, proc):
    # 1. Seed 001's client in JSON: join, ping every second, read everything.
    _, sess = http(port, "POST", "/v1/sessions", {"mode": "client", "tick_ms": 50})
    ws = WebSocket(port)
    check(ws.subprotocol == "", "no subprotocol offered: none chosen")
    ws.send_json({"action": "join", "sessionId": sess["id"], "userId": "doc-json"})
    joined = ws.until("session_joined")
    if check(joined is not None, "session_joined"):
        check(isinstance(joined["seed"], str) and joined["seed"].isdigit(), "client mode: seed is a decimal string")
        check("commitment" not in joined, "client mode: no commitment")
        check(isinstance(joined["rule"], dict) and joined["rule"].get("name") in ("rounds", "lcg-counter"), "rule is an object")
        check(joined["mode"] == "client" and joined["tickMs"] == 50 and isinstance(joined["startAt"], int), "mode, tickMs, startAt")
        check(joined["resumed"] is False, "a first join is not resumed")
    seen, ticks = {}, []
    end = time.monotonic() + 3.0
    next_ping = 0.0
    client_ts = None
    while time.monotonic() < end:
        if time.monotonic() >= next_ping:
            client_ts = int(time.time() * 1000)
            ws.send_json({"action": "ping", "clientTimestamp": client_ts})
            next_ping = time.monotonic() + 1.0
        try:
            m = decode(*ws.read(0.1))
        except TimeoutError:
            continue
        except Closed as e:
            check(False, f"the seed 001 client was closed: {e}")
            break
        seen[m["type"]] = seen.get(m["type"], 0) + 1
        if m["type"] == "tick":
            ticks.append(m)
        if m["type"] == "pong":
            check(isinstance(m["clientTimestamp"], int) and isinstance(m["serverTimestamp"], int), "pong fields are integers")
        if m["type"] == "latency_status":
            check(m["status"] == "ok", f"loopback latency is ok ({m})")
    check(seen.get("countdown", 0) >= 1, "a countdown before startAt")
    check(seen.get("pong", 0) >= 2, "pongs to our pings")
    check(seen.get("latency_status", 0) >= 3, "the server measured latency from our stack's pongs")
    check(ws.pings_seen >= 5, "ping control frames arrived")
    check(seen.get("kicked", 0) == 0 and seen.get("error", 0) == 0, "never kicked or refused")
    check_ticks(ticks, "json")
    ws.send_json({"action": "leave"})
    check(ws.wait_closed() == 1000, "leave closes with 1000")
    ws.close()
    ws = WebSocket(port)
    ws.send_json({"action": "join", "sessionId": sess["id"], "userId": "doc-json"})
    again = ws.until("session_joined")
    check(again is not None and again["resumed"] is False, "after a leave the next join is a new player")
    ws.close()

    # 2. The binary subprotocol: join with 0x7F + JSON, fixed-layout ticks.
    wb = WebSocket(port, subprotocols=["metronome.v1.json", "metronome.v1.bin"])
    check(wb.subprotocol == "metronome.v1.bin", "metronome.v1.bin is preferred")
    wb.send_json({"action": "join", "sessionId": sess["id"], "userId": "doc-bin"}, binary=True)
    wb.send_frame(0x2, b"\x11" + struct.pack("<q", 424242))  # binary client ping
    msgs = wb.messages(1.5)
    check(any(m["type"] == "session_joined" for m in msgs), "binary: session_joined as 0x7F + JSON")
    check(any(m["type"] == "pong" and m["clientTimestamp"] == 424242 for m in msgs), "binary: pong echoes the timestamp")
    check_ticks([m for m in msgs if m["type"] == "tick"], "binary")
    wb.send_json({"action": "leave"}, binary=True)
    check(wb.wait_closed() == 1000, "binary leave closes with 1000")
    wb.close()

    # 3. Server mode: the seed is hidden, then revealed and verifiable.
    _, srv = http(port, "POST", "/v1/sessions", {"mode": "server", "tick_ms": 50})
    ws = WebSocket(port)
    ws.send_json({"action": "join", "sessionId": srv["id"], "userId": "doc-srv"})
    joined = ws.until("session_joined")
    if check(joined is not None, "server mode: session_joined"):
        check(joined["seed"] is None, "server mode: seed is null")
        check(joined["commitment"]["algorithm"] == "sha256" and len(joined["commitment"]["value"]) == 64, "commitment object")
        ws.until("tick")
        http(port, "POST", f"/v1/sessions/{srv['id']}/stop")
        stopped = ws.until("stopped")
        if check(stopped is not None and stopped["reason"] == "stopped", "stopped after POST .../stop"):
            digest = hashlib.sha256(f"metronome-commit-v1:{stopped['salt']}:{stopped['seed']}".encode()).hexdigest()
            check(digest == joined["commitment"]["value"], "the revealed seed matches the commitment")
        check(ws.wait_closed() == 1000, "session end closes with 1000")
    ws.close()

    # 4. Refusals with their documented codes.
    ws = WebSocket(port)
    ws.send_json({"action": "join", "sessionId": "00000000-0000-4000-8000-000000000000", "userId": "x"})
    e = ws.until("error")
    check(e is not None and e["code"] == "session_not_found", "error session_not_found")
    check(ws.wait_closed() == 4004, "close 4004 after session_not_found")
    ws.close()
    ws = WebSocket(port)
    ws.send_json({"action": "join", "sessionId": srv["id"], "userId": "late"})
    e = ws.until("error")
    check(e is not None and e["code"] == "session_ended", "error session_ended")
    check(ws.wait_closed() == 4004, "close 4004 after session_ended")
    ws.close()

    # 5. Silence: a client whose stack does not answer pings and sends nothing
    #    is kicked as unresponsive, and may not come straight back.
    ws = WebSocket(port, answer_pings=False)
    ws.send_json({"action": "join", "sessionId": sess["id"], "userId": "doc-mute"})
    kicked = ws.until("kicked", timeout=5.0)
    check(kicked is not None and kicked["reason"] == "unresponsive" and "rttMs" in kicked, "kicked unresponsive")
    check(ws.wait_closed() == 4001, "close 4001 after kicked")
    ws.close()
    ws = WebSocket(port)
    ws.send_json({"action": "join", "sessionId": sess["id"], "userId": "doc-mute"})
    e = ws.until("error")
    check(e is not None and e["code"] == "rejoin_cooldown" and 0 < e["retryAfterMs"] <= 60000, "rejoin_cooldown after a kick")
    check(ws.wait_closed() == 4006, "close 4006 during the cool-down")
    ws.close()

    # 6. Shutdown: even a connection that never joined gets a close frame.
    idle = WebSocket(port)
    idle.send_json({"action": "dance"})  # its refusal shows the server has the connection
    e = idle.until("error")
    check(e is not None and e["code"] == "unknown_action", "error unknown_action")
    proc.send_signal(signal.SIGTERM)
    check(idle.wait_closed(10) == 1001, "shutdown closes a never-joined connection with 1001")
    idle.close()


if __name__ == "__main__":
    sys.exit(main())
