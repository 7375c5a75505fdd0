#!/usr/bin/python3
"""GET /edge/admin/world/map and the world's GET /world/map (docs/console.md,
"World"), against a real `metronome edge` and `metronome world serve`.

    tests/world/edge_world_map.py METRONOME_BIN

A world of 3 shards with 1200 NPCs and one connected player, and an edge that
shares its data directory (the operator secret): the map through the edge
carries the world's size, cell size and shard borders (x of a column's west
edge, increasing), counts per shard and kind that sum to the live entities
and agree with the listed positions against the borders. A world of 4500
NPCs lists at most the documented 2000, taken evenly. Refusals: 401 without
the admin token, the world's 401 without its secret and 405 for POST, 404
from an edge with no world, 503 from an edge without the secret or whose
world is down. Every process is stopped by PID; every wait is bounded.
"""
import bisect
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

ADMIN = "map-test-admin-token-0123"
MAP_LIMIT = 2000  # docs/console.md: the most entities GET /world/map lists


def get(port, path, token=None, method="GET"):
    """(status, parsed JSON body or None)."""
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    req = urllib.request.Request(f"http://127.0.0.1:{port}{path}", method=method, headers=headers,
                                 data=b"" if method == "POST" else None)
    try:
        with urllib.request.urlopen(req, timeout=15) as r:
            return r.status, json.loads(r.read() or b"null")
    except urllib.error.HTTPError as e:
        raw = e.read()
        try:
            return e.code, json.loads(raw)
        except ValueError:
            return e.code, None


def start(binary, tmp, name, args):
    port = wc.free_port()
    log = open(os.path.join(tmp, f"{name}.log"), "wb")
    proc = subprocess.Popen([binary] + args(port), stdout=log, stderr=subprocess.STDOUT)
    if not wc.wait_listening(port, proc):
        wc.terminate(proc)
        raise RuntimeError(f"{name} did not start: see {log.name}")
    return proc, port


def world_args(data, npcs):
    return lambda port: ["world", "serve", "--port", str(port), "--data-dir", data, "--npcs", str(npcs), "--size", "200",
                         "--shards", "3"]


def edge_args(tmp, name, extra):
    return lambda port: ["edge", "--port", str(port), "--store", f"sqlite:{os.path.join(tmp, name)}.db", "--geoip-db", "/nonexistent",
                         "--geoip6-db", "/nonexistent", "--admin-token", ADMIN] + extra


def check_map(m, live_npcs):
    """The map's shape and its agreement with itself."""
    check(m["half"] == 200 * 256 and m["unitsPerWorldUnit"] == 256 and m["shards"] == 3, f"size, units, shards: {m}")
    cell, half, borders = m["cellSize"], m["half"], m["borders"]
    check(len(borders) == 2 and borders == sorted(borders) and all(-half < b < half for b in borders), f"2 borders inside: {borders}")
    check(all((b + half) % cell == 0 for b in borders), f"each border is a column's west edge: {borders}, cell {cell}")
    check(len(m["players"]) == 3 and len(m["npcs"]) == 3, f"counts per shard: {m['players']} {m['npcs']}")
    check(sum(m["players"]) + sum(m["npcs"]) == m["live"], f"counts sum to the live entities: {m['live']}")
    check(sum(m["npcs"]) == live_npcs, f"{live_npcs} NPCs: {m['npcs']}")
    check(m["limit"] == MAP_LIMIT and len(m["entities"]) <= MAP_LIMIT, f"at most {MAP_LIMIT} listed: {len(m['entities'])}")
    check(m["stride"] == max(1, -(-m["live"] // MAP_LIMIT)), f"stride = ceil(live / limit): {m['stride']}, live {m['live']}")
    check(len(m["entities"]) == -(-m["live"] // m["stride"]), f"every stride-th live entity: {len(m['entities'])}")
    ids = [e[0] for e in m["entities"]]
    check(ids == sorted(set(ids)), "listed by id, once each")
    check(all(-half <= e[2] <= half and -half <= e[3] <= half and e[1] in (0, 1) for e in m["entities"]), "positions inside, kinds 0/1")


def main():
    binary = sys.argv[1]
    procs = []
    with tempfile.TemporaryDirectory() as tmp:
        data, big_data = os.path.join(tmp, "data"), os.path.join(tmp, "big")
        try:
            world, world_port = start(binary, tmp, "world", world_args(data, 1200))
            procs.append(world)
            url = f"ws://127.0.0.1:{world_port}/world"
            edge, port = start(binary, tmp, "edge", edge_args(tmp, "edge", ["--world-data-dir", data, "--world-url", url]))
            procs.append(edge)

            status, body = get(port, "/edge/admin/world/map")
            check(status == 401 and isinstance(body, dict) and "error" in body, f"no admin token: 401, got {status} {body}")
            status, body = get(port, "/edge/admin/world/map", "wrong-token-wrong-token")
            check(status == 401, f"a wrong admin token: 401, got {status}")

            # One player in the world, then the map counts it.
            conn = wc.Conn(world_port, wc.mint(binary, "mapper", data))
            check(conn.status == 101 and conn.read_welcome() is not None, "a player joined")
            m = None
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline:
                status, m = get(port, "/edge/admin/world/map", ADMIN)
                if status != 200 or sum(m["players"]) == 1:
                    break
                time.sleep(0.1)
            if check(status == 200 and isinstance(m, dict), f"the map through the edge: 200, got {status} {m}"):
                check(sum(m["players"]) == 1, f"the player is counted: {m['players']}")
                check_map(m, 1200)
                check(m["stride"] == 1 and len(m["entities"]) == m["live"], "a small world is listed whole")
                # Counts per shard agree with the positions against the borders (same tick).
                held = [[0, 0, 0], [0, 0, 0]]
                for _, kind, x, _ in m["entities"]:
                    held[kind][bisect.bisect_right(m["borders"], x)] += 1
                check(held[0] == m["players"] and held[1] == m["npcs"], f"shards by border {held} = counts {m['players']} {m['npcs']}")
                check(all(n > 0 for n in m["npcs"]), f"NPCs on every strip: {m['npcs']}")
                status, again = get(port, "/edge/admin/world/map", ADMIN)
                check(status == 200 and again["tick"] > m["tick"], f"a later map, a later tick: {m['tick']} then {again.get('tick')}")
            conn.close()

            # The world's own route: its secret, GET only.
            secret = open(os.path.join(data, "world-secret")).read().strip()
            status, body = get(world_port, "/world/map")
            check(status == 401 and isinstance(body, dict), f"world without its secret: 401, got {status} {body}")
            status, body = get(world_port, "/world/map", secret, method="POST")
            check(status == 405 and isinstance(body, dict), f"world POST: 405, got {status} {body}")

            # The bound: 4500 NPCs, at most 2000 listed, every third.
            big, big_port = start(binary, tmp, "big", world_args(big_data, 4500))
            procs.append(big)
            status, m = get(big_port, "/world/map", open(os.path.join(big_data, "world-secret")).read().strip())
            if check(status == 200, f"the big world's map: 200, got {status}"):
                check_map(m, 4500)
                check(m["stride"] == 3 and len(m["entities"]) == 1500, f"every third of 4500: {m['stride']}, {len(m['entities'])}")

            # Edges that cannot show a map.
            plain, plain_port = start(binary, tmp, "plain", edge_args(tmp, "plain", []))
            procs.append(plain)
            status, body = get(plain_port, "/edge/admin/world/map", ADMIN)
            check(status == 404 and "world-url" in json.dumps(body), f"no world: 404 naming --world-url, got {status} {body}")
            blind, blind_port = start(binary, tmp, "blind", edge_args(tmp, "blind", ["--world-url", url]))
            procs.append(blind)
            status, body = get(blind_port, "/edge/admin/world/map", ADMIN)
            check(status == 503 and "world-data-dir" in json.dumps(body), f"no secret: 503 naming --world-data-dir, got {status} {body}")
            wc.terminate(world)
            status, body = get(port, "/edge/admin/world/map", ADMIN)
            check(status == 503 and isinstance(body, dict) and "error" in body, f"the world down: 503, got {status} {body}")
        finally:
            for p in procs:
                if p.poll() is None:
                    wc.terminate(p)
    return verdict("edge world map")


if __name__ == "__main__":
    sys.exit(main())
