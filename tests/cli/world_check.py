#!/usr/bin/env python3
"""Checks `metronome world run --positions --aoi` output against a brute-force
area of interest computed from the positions it printed itself.

Reads the JSON lines on stdin. For every tick t and player p the visible set
must be exactly {e != p : d <= R} | {e in visible_{t-1}(p) : d <= R + M}, with
d^2 = dx^2 + dy^2 in fixed-point units, where nothing is visible before the
first tick. Exits 1 with a message on the first disagreement."""
import json
import sys


def main() -> int:
    lines = [json.loads(line) for line in sys.stdin if line.strip()]
    world = lines[0]["world"]
    r, m = world["radius"], world["leaveMargin"]
    players, entities, ticks = world["players"], world["entities"], world["ticks"]
    r2, l2 = r * r, (r + m) * (r + m)
    pos, views, hashes = {}, {}, {}
    for obj in lines[1:]:
        if "hash" in obj:
            hashes[obj["tick"]] = obj["hash"]
        elif "x" in obj:
            pos.setdefault(obj["tick"], {})[obj["id"]] = (obj["x"], obj["y"])
        elif "visible" in obj:
            views.setdefault(obj["tick"], {})[obj["player"]] = obj["visible"]
    if sorted(hashes) != list(range(1, ticks + 1)):
        print(f"expected hash lines for ticks 1..{ticks}")
        return 1
    before = {p: set() for p in range(players)}
    checked = 0
    for t in range(1, ticks + 1):
        at = pos.get(t, {})
        if len(at) != entities or len(views.get(t, {})) != players:
            print(f"tick {t}: {len(at)} positions and {len(views.get(t, {}))} views printed")
            return 1
        for p in range(players):
            px, py = at[p]
            now = set()
            for e in range(entities):
                if e == p:
                    continue
                dx, dy = at[e][0] - px, at[e][1] - py
                d2 = dx * dx + dy * dy
                if d2 <= r2 or (d2 <= l2 and e in before[p]):
                    now.add(e)
            got = views[t][p]
            if got != sorted(now):
                print(f"tick {t} player {p}: printed {len(got)} visible, brute force {len(now)}: "
                      f"extra {sorted(set(got) - now)[:5]} missing {sorted(now - set(got))[:5]}")
                return 1
            checked += len(now)
            before[p] = now
    if checked == 0:
        print("no player ever saw anything: the check proves nothing")
        return 1
    print(f"ok: {ticks} ticks, {players} players, {checked} visible pairs agree")
    return 0


if __name__ == "__main__":
    sys.exit(main())
