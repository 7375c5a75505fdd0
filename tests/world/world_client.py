"""A minimal /world client from docs/protocol.md ("World"): the upgrade,
RFC 6455 framing (client frames masked), varints, the welcome and commands.
Standard library only; every read is bounded. Shared by the tests here."""
import base64
import os
import signal
import socket
import struct
import subprocess
import sys
import time

SUBPROTOCOL = "metronome.world.v1"

# What failed, for the test scripts here: the protocol client's check() and
# FAILURES (tests/protocol/doc_client.py), the one home of that rule.
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "protocol"))
from doc_client import FAILURES, check, verdict  # noqa: E402,F401


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def is_free(port):
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", port))
            return True
        except OSError:
            return False


def terminate(proc, timeout=30.0):
    """SIGTERM, then the exit code; "timeout" (after a SIGKILL) if it did not end within `timeout` s."""
    proc.send_signal(signal.SIGTERM)
    try:
        return proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=10)
        return "timeout"


def wait_listening(port, proc, timeout=60.0):
    """True once 127.0.0.1:port accepts; False if proc exits or time runs out."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            return False
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return True
        except OSError:
            time.sleep(0.05)
    return False


def mint(binary, sub, data_dir, ttl=600):
    out = subprocess.run([binary, "world", "token", "--sub", sub, "--ttl", str(ttl), "--data-dir", data_dir],
                         capture_output=True, text=True, timeout=60, check=True)
    return out.stdout.strip()


def varint(n):
    out = bytearray()
    while True:
        byte = n & 0x7F
        n >>= 7
        if n:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def svarint(n):
    return varint((n << 1) ^ (n >> 63) if n < 0 else n << 1)


def read_varint(data, at):
    value, shift = 0, 0
    while True:
        byte = data[at]
        at += 1
        value |= (byte & 0x7F) << shift
        shift += 7
        if not byte & 0x80:
            return value, at


class Conn:
    """One /world connection. `welcome` is (entity, resumed, key) once read."""

    def __init__(self, port, token, timeout=10.0):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
        key = base64.b64encode(os.urandom(16)).decode()
        request = (f"GET /world HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                   f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: {SUBPROTOCOL}\r\n"
                   f"Authorization: Bearer {token}\r\n\r\n")
        self.sock.sendall(request.encode())
        self.buf = b""
        deadline = time.monotonic() + timeout
        while b"\r\n\r\n" not in self.buf and time.monotonic() < deadline:
            chunk = self.sock.recv(65536)
            if not chunk:
                break
            self.buf += chunk
        head, _, self.buf = self.buf.partition(b"\r\n\r\n")
        self.status = int(head.split(b" ", 2)[1]) if head.startswith(b"HTTP/1.1 ") else 0
        self.seq = 0
        self.welcome = None

    def frame(self, timeout=10.0):
        """(opcode, payload) of the next server frame, or None on close or timeout."""
        deadline = time.monotonic() + timeout
        while True:
            got = self._parse()
            if got is not None:
                return got
            left = deadline - time.monotonic()
            if left <= 0:
                return None
            self.sock.settimeout(left)
            try:
                chunk = self.sock.recv(65536)
            except (socket.timeout, OSError):
                return None
            if not chunk:
                return None
            self.buf += chunk

    def _parse(self):
        """The first whole frame in the buffer (server frames are unmasked), or None."""
        if len(self.buf) < 2:
            return None
        length, at = self.buf[1] & 0x7F, 2
        if length == 126:
            if len(self.buf) < 4:
                return None
            length, at = struct.unpack(">H", self.buf[2:4])[0], 4
        elif length == 127:
            if len(self.buf) < 10:
                return None
            length, at = struct.unpack(">Q", self.buf[2:10])[0], 10
        if len(self.buf) < at + length:
            return None
        opcode, payload = self.buf[0] & 0x0F, self.buf[at:at + length]
        self.buf = self.buf[at + length:]
        return opcode, payload

    def read_welcome(self, timeout=10.0):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            got = self.frame(deadline - time.monotonic())
            if got is None:
                return None
            opcode, payload = got
            if opcode == 2 and payload[:1] == b"\x10":
                entity, at = read_varint(payload, 1)
                flags = payload[at]
                at += 1
                for _ in range(5):  # tick_hz, q_per_world_unit, half, radius, margin
                    _, at = read_varint(payload, at)
                _, at = read_varint(payload, at)  # max_speed
                n, at = read_varint(payload, at)
                self.welcome = (entity, bool(flags & 1), payload[at:at + n].decode())
                return self.welcome
        return None

    def drain(self, seconds=0.05):
        """Reads whatever frames arrive within `seconds` (keeps the server's queue short)."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline and self.frame(max(0.001, deadline - time.monotonic())) is not None:
            pass

    def send(self, payload):
        mask = os.urandom(4)
        head = bytes([0x82])
        n = len(payload)
        head += bytes([0x80 | n]) if n < 126 else bytes([0x80 | 126]) + struct.pack(">H", n)
        self.sock.sendall(head + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(payload)))

    def velocity(self, vx, vy):
        self.seq += 1
        self.send(b"\x01" + varint(self.seq) + b"\x00" + svarint(vx) + svarint(vy))

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass
