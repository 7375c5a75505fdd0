import { describe, expect, it } from 'vitest';
import { HISTORY_LIMIT, WorldModel } from '../../src/world/model.ts';
import type { EntityState, EntityUpdate, TickFrame, WorldEvent } from '../../src/world/protocol.ts';

const player = (id: number, x: number, y: number, key = `p${id}`): EntityState => ({ id, kind: 'player', x, y, key });
const npc = (id: number, x: number, y: number): EntityState => ({ id, kind: 'npc', x, y, key: '' });
const enter = (e: EntityState): WorldEvent => ({ type: 'enter', entity: e });
const leave = (id: number): WorldEvent => ({ type: 'leave', id });
const rel = (id: number, x: number, y: number): EntityUpdate => ({ id, absolute: false, x, y });
const abs = (id: number, x: number, y: number): EntityUpdate => ({ id, absolute: true, x, y });

function frame(tick: number, base: number, events: WorldEvent[], updates: EntityUpdate[] = [], reset = false): TickFrame {
  return { type: 'tick', tick, reset, base, events, updates };
}
const reset = (tick: number, entities: EntityState[]) => frame(tick, 0, entities.map(enter), [], true);
const positions = (m: WorldModel) => m.entities().map((e) => [e.id, e.x, e.y]);

describe('WorldModel', () => {
  it('follows the document example: a reset with one NPC, then a delta against it', () => {
    const m = new WorldModel();
    expect(m.apply(reset(7, [npc(9, 32, -16)]))).toEqual({ kind: 'applied', tick: 7 });
    expect(m.apply(frame(8, 7, [], [rel(9, 2, 0)]))).toEqual({ kind: 'applied', tick: 8 });
    expect(m.entity(9)).toEqual({ id: 9, kind: 'npc', x: 34, y: -16, key: '', tick: 8 });
  });

  it('applies events in order, then updates; entities without an update keep their position', () => {
    const m = new WorldModel();
    m.apply(reset(10, [player(0, 0, 0), npc(5, 100, -100)]));
    m.apply(frame(11, 10, [enter(npc(7, 1, 2))], [rel(0, 30, -4), abs(7, 3, 3)]));
    expect(positions(m)).toEqual([[0, 30, -4], [5, 100, -100], [7, 3, 3]]);
    // Leave then enter of the same id in one frame: a new entity.
    m.apply(frame(12, 11, [leave(5), leave(7), enter(player(7, 50, 50, 'ann'))], [rel(0, 1, 1)]));
    expect(positions(m)).toEqual([[0, 31, -3], [7, 50, 50]]);
    expect(m.entity(7)).toMatchObject({ key: 'ann', kind: 'player' });
    expect(m.entity(5)).toBeNull();
    expect(m.size).toBe(2);
  });

  it('relative updates are against the position at the base, not the last frame', () => {
    const m = new WorldModel();
    m.apply(reset(1, [npc(3, 0, 0)]));
    m.apply(frame(2, 1, [], [rel(3, 10, 0)])); // 10 at tick 2
    // The gateway has not seen the ack of tick 2: tick 3 is still against tick 1.
    m.apply(frame(3, 1, [], [rel(3, 25, 5)]));
    expect(m.entity(3)).toMatchObject({ x: 25, y: 5, tick: 3 });
    m.apply(frame(4, 3, [], [rel(3, 1, 1)]));
    expect(m.entity(3)).toMatchObject({ x: 26, y: 6 });
    // Not updated for a while: its newest position at a tick ≤ base counts.
    m.apply(frame(5, 4, []));
    m.apply(frame(9, 5, [], [rel(3, -26, -6)]));
    expect(m.entity(3)).toMatchObject({ x: 0, y: 0, tick: 9 });
  });

  it('a reset forgets everything, whatever its tick', () => {
    const m = new WorldModel();
    m.apply(reset(5, [npc(1, 0, 0), npc(2, 0, 0)]));
    m.apply(reset(5, [npc(2, 9, 9), player(4, 1, 1)]));
    expect(positions(m)).toEqual([[2, 9, 9], [4, 1, 1]]);
    expect(m.resets).toBe(2);
  });

  it('ignores a frame that is not newer (not a reset)', () => {
    const m = new WorldModel();
    m.apply(reset(5, [npc(1, 0, 0)]));
    m.apply(frame(6, 5, [], [rel(1, 4, 0)]));
    expect(m.apply(frame(6, 5, [], [rel(1, 4, 0)]))).toEqual({ kind: 'stale', tick: 6 });
    expect(positions(m)).toEqual([[1, 4, 0]]);
  });

  it('refuses, whole and without change, a frame it cannot follow', () => {
    const m = new WorldModel();
    expect(m.apply(frame(2, 1, []))).toMatchObject({ kind: 'unusable', error: expect.stringMatching(/before any reset/) });
    m.apply(reset(10, [npc(1, 0, 0)]));
    // An update of an entity not in view, in a frame that also has an enter and a move.
    let r = m.apply(frame(11, 10, [enter(npc(2, 0, 0))], [rel(1, 5, 5), rel(99, 1, 1)]));
    expect(r).toMatchObject({ kind: 'unusable', error: expect.stringMatching(/entity 99, which is not in view/) });
    expect(positions(m)).toEqual([[1, 0, 0]]);
    expect(m.tick).toBe(10);
    // A relative update of an entity entering in this frame has no position at the base.
    r = m.apply(frame(11, 10, [enter(npc(2, 0, 0))], [rel(2, 1, 1)]));
    expect(r).toMatchObject({ kind: 'unusable', error: expect.stringMatching(/entity 2 has no position at a tick ≤ base 10/) });
    // An update of an entity that left in this frame.
    r = m.apply(frame(11, 10, [leave(1)], [abs(1, 1, 1)]));
    expect(r).toMatchObject({ kind: 'unusable' });
    expect(positions(m)).toEqual([[1, 0, 0]]);
  });

  it('forgets positions older than the newest at or before the base, and keeps a bounded history', () => {
    const m = new WorldModel();
    m.apply(reset(1, [npc(1, 0, 0)]));
    for (let t = 2; t <= 6; ++t) m.apply(frame(t, t - 1, [], [rel(1, 1, 0)]));
    expect(m.entity(1)).toMatchObject({ x: 5 });
    // Base 5 at tick 6 let the positions before tick 5 go: an older base cannot be followed.
    expect(m.apply(frame(7, 2, [], [rel(1, 0, 0)])).kind).toBe('unusable');
    const n = new WorldModel();
    n.apply(reset(1, [npc(1, 0, 0)]));
    // Acks that never arrive (the gateway resets after 32 ticks): every frame against base 1.
    for (let t = 2; t <= HISTORY_LIMIT + 1; ++t) expect(n.apply(frame(t, 1, [], [rel(1, t, 0)])).kind).toBe('applied');
    expect(n.entity(1)).toMatchObject({ x: HISTORY_LIMIT + 1 });
    // The history stays bounded: past HISTORY_LIMIT positions the base is forgotten.
    expect(n.apply(frame(HISTORY_LIMIT + 2, 1, [], [rel(1, 0, 0)]))).toMatchObject({ kind: 'unusable' });
    expect(n.apply(reset(HISTORY_LIMIT + 2, [npc(1, 3, 3)])).kind).toBe('applied');
  });
});
