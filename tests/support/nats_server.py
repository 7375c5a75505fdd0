"""A real nats-server with JetStream for tests: started on 127.0.0.1 on a
free port with its store in a directory the caller owns, stopped by PID.

    from nats_server import NatsServer
    nats = NatsServer(store_dir)   # started, ready (bounded wait)
    nats.url                       # nats://127.0.0.1:PORT
    nats.stop()                    # SIGTERM, then SIGKILL after 10 s
    nats.start()                   # again, same port and store: an outage ends

Readiness is the server's monitoring endpoint answering /healthz with
JetStream up (bounded by `timeout`), never a fixed sleep. Python stdlib only.
"""
import json
import os
import shutil
import signal
import socket
import subprocess
import time
import urllib.request


def terminate(proc, grace=10):
    """SIGTERM by PID, then SIGKILL after `grace` seconds; waits for the exit."""
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class NatsServer:
    def __init__(self, store_dir, binary=None, timeout=20.0):
        self.binary = binary or shutil.which("nats-server") or "/usr/sbin/nats-server"  # Debian puts it in sbin
        self.store_dir = store_dir
        self.port = free_port()
        self.monitor_port = free_port()
        self.timeout = timeout
        self.proc = None
        self.log_path = os.path.join(store_dir, "nats-server.log")
        self.start()

    @property
    def url(self):
        return f"nats://127.0.0.1:{self.port}"

    def start(self):
        assert self.proc is None, "already running"
        log = open(self.log_path, "ab")
        self.proc = subprocess.Popen(
            [self.binary, "-a", "127.0.0.1", "-p", str(self.port), "-m", str(self.monitor_port), "-js", "-sd", self.store_dir],
            stdout=log, stderr=subprocess.STDOUT)
        log.close()
        deadline = time.monotonic() + self.timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"nats-server exited with {self.proc.returncode}; see {self.log_path}")
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{self.monitor_port}/healthz?js-enabled-only=true", timeout=1) as r:
                    if r.status == 200 and json.loads(r.read()).get("status") == "ok":
                        return
            except OSError:
                pass
            time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"nats-server not ready within {self.timeout} s; see {self.log_path}")

    def stop(self):
        if self.proc is None:
            return
        terminate(self.proc)
        self.proc = None
