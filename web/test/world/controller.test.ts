import { describe, expect, it } from 'vitest';
import { WorldController, type WorldSocket } from '../../src/world/controller.ts';
import { FakeSocket } from '../unit/fake_socket.ts';
import { FakeTime, flush } from '../unit/fake_time.ts';
import { errorFrame, readClient, tickFrame, welcome } from './doc_encoder.ts';

/** The tick broadcaster's fake socket, reading what the page sends as the world protocol. */
class FakeWorldSocket extends FakeSocket implements WorldSocket {
  readonly worldSent: Record<string, unknown>[] = [];
  override send(data: string | Uint8Array<ArrayBuffer>): void {
    if (this.readyState !== 1) throw new Error('send on a socket that is not open');
    if (typeof data === 'string') throw new Error('a text frame on /world');
    this.worldSent.push(readClient(data));
  }
  get closed(): boolean {
    return this.closedByClient !== null;
  }
}

const W = { entity: 4, resumed: false, tickHz: 20, q: 32, half: 32_000, radius: 3_200, margin: 160, maxSpeed: 76, key: 'ann' };

function setup(diagnose?: () => Promise<string | null>) {
  const time = new FakeTime();
  const sockets: FakeWorldSocket[] = [];
  const c = new WorldController({
    url: 'ws://127.0.0.1:9/world?token=t',
    createSocket: (url, protocols) => {
      const s = new FakeWorldSocket(url, protocols);
      sockets.push(s);
      return s;
    },
    now: () => time.now,
    timers: time,
    diagnose,
  });
  c.start();
  return { c, time, sockets, last: () => sockets[sockets.length - 1]! };
}

/** Opens the last socket and plays a welcome and a reset with yourself and one other player. */
function join(last: () => FakeWorldSocket, resumed = false, tick = 10) {
  const s = last();
  s.open('metronome.world.v1');
  s.deliverFrame(welcome({ ...W, resumed }));
  s.deliverFrame(
    tickFrame({ tick, reset: true, base: 0, events: [{ t: 'enter', id: 4, kind: 0, x: 0, y: 0, key: 'ann' }, { t: 'enter', id: 7, kind: 0, x: 320, y: 0, key: 'bob' }], updates: [] }),
  );
  return s;
}

describe('WorldController', () => {
  it('connects with the subprotocol, applies frames and acknowledges each one', () => {
    const { c, last } = setup();
    expect(last().url).toBe('ws://127.0.0.1:9/world?token=t');
    expect(last().protocols).toEqual(['metronome.world.v1']);
    expect(c.snapshot().link).toEqual({ state: 'connecting', attempt: 0 });
    const s = join(last);
    expect(c.snapshot().link).toEqual({ state: 'open', resumed: false });
    expect(c.snapshot().self).toMatchObject({ id: 4, key: 'ann', x: 0, y: 0 });
    expect(c.snapshot().others.map((e) => [e.key, e.x])).toEqual([['bob', 320]]);
    s.deliverFrame(tickFrame({ tick: 11, reset: false, base: 10, events: [], updates: [{ id: 7, absolute: false, x: 8, y: -8 }] }));
    expect(c.snapshot().others[0]).toMatchObject({ x: 328, y: -8, tick: 11 });
    expect(s.worldSent).toEqual([{ type: 'ack', tick: 10 }, { type: 'ack', tick: 11 }]);
    expect(c.snapshot().frames).toBe(3);
    expect(c.snapshot().framesPerSecond).toBe(1.5);
  });

  it('sends commands with seq from 1, and again from 1 on a new connection', async () => {
    const { c, time, last } = setup();
    expect(c.command({ kind: 'stop' })).toBe(false); // not open: dropped, not queued
    const s = join(last);
    expect(c.command({ kind: 'velocity', vx: 76, vy: 0 })).toBe(true);
    expect(c.command({ kind: 'moveTo', x: 2560, y: -256, speed: 76 })).toBe(true);
    expect(c.snapshot().target).toEqual({ x: 2560, y: -256 });
    c.command({ kind: 'emote', text: 'hi' });
    expect(s.worldSent.filter((m) => m.type === 'command')).toEqual([
      { type: 'command', seq: 1, kind: 'velocity', vx: 76, vy: 0 },
      { type: 'command', seq: 2, kind: 'moveTo', x: 2560, y: -256, speed: 76 },
      { type: 'command', seq: 3, kind: 'emote', text: 'hi' },
    ]);
    s.serverClose(1006);
    await time.advance(250);
    const t = join(last, true, 20);
    c.command({ kind: 'stop' });
    expect(t.worldSent.find((m) => m.type === 'command')).toEqual({ type: 'command', seq: 1, kind: 'stop' });
    expect(c.snapshot().target).toBeNull();
  });

  it('reconnects with the same token after a drop and shows the resumed entity', async () => {
    const { c, time, sockets, last } = setup();
    join(last).serverClose(1006);
    expect(c.snapshot().link).toMatchObject({ state: 'reconnecting', attempt: 1, retryInMs: 250 });
    await time.advance(249);
    expect(sockets.length).toBe(1);
    await time.advance(1);
    expect(sockets.length).toBe(2);
    expect(last().url).toBe(sockets[0]!.url);
    // The second attempt fails too: backoff doubles.
    last().serverClose(1006);
    await time.advance(499);
    expect(sockets.length).toBe(2);
    await time.advance(1);
    const s = join(last, true, 30);
    expect(c.snapshot().link).toEqual({ state: 'open', resumed: true });
    expect(c.snapshot().resumes).toBe(1);
    expect(c.snapshot().welcome?.entity).toBe(4);
    expect(c.snapshot().tick).toBe(30);
    expect(s.worldSent).toEqual([{ type: 'ack', tick: 30 }]);
  });

  it('gives up after the grace period, and can be started again by hand', async () => {
    const { c, time, sockets, last } = setup();
    join(last).serverClose(1006);
    for (let i = 0; i < 20 && c.snapshot().link.state !== 'closed'; ++i) {
      await time.advance(2_000);
      if (last().readyState === 0) last().serverClose(1006);
    }
    expect(c.snapshot().link).toMatchObject({ state: 'closed', final: false, reason: /lost: not back within the grace period/ });
    const made = sockets.length;
    await time.advance(10_000);
    expect(sockets.length).toBe(made);
    c.reconnect();
    expect(sockets.length).toBe(made + 1);
  });

  it.each([
    [4005, /replaced: this player connected from another page/],
    [4102, /too many messages/],
    [4103, /world is full/],
    [4101, /could not read a message/],
    [1000, /ended the connection/],
  ])('a close %i is final, with its reason', async (code, reason) => {
    const { c, time, sockets, last } = setup();
    join(last).serverClose(code);
    await time.advance(5_000);
    expect(sockets.length).toBe(1);
    expect(c.snapshot().link).toMatchObject({ state: 'closed', code, final: true, reason });
    c.reconnect();
    expect(sockets.length).toBe(1);
  });

  it("shows the gateway's error message with the close that follows it", () => {
    const { c, last } = setup();
    const s = join(last);
    s.deliverFrame(errorFrame('rate_limited', 'over 60 messages per second'));
    s.serverClose(4102);
    expect(c.snapshot().link).toMatchObject({ state: 'closed', reason: /too many messages.*rate_limited: over 60 messages per second/ });
  });

  it('counts refused commands and keeps emotes', () => {
    const { c, last } = setup();
    const s = join(last);
    s.deliverFrame(tickFrame({ tick: 11, reset: false, base: 10, events: [{ t: 'rejected', seq: 2, reason: 6 }, { t: 'emote', id: 7, text: 'hello' }], updates: [] }));
    expect(c.snapshot().rejected).toEqual({ count: 1, last: 'too_fast' });
    expect(c.snapshot().emotes).toMatchObject([{ id: 7, text: 'hello' }]);
  });

  it('a frame it cannot read or follow is counted, and the connection is made again (the gateway resets)', async () => {
    const { c, time, sockets, last } = setup();
    const s = join(last);
    s.deliverFrame(new Uint8Array([0x11, 0x05]));
    expect(c.snapshot().wireErrors).toMatchObject({ count: 1, last: /a varint cut short|needs 1 byte/ });
    expect(s.closed).toBe(true);
    await time.advance(250);
    expect(sockets.length).toBe(2);
    const t = join(last, true, 40);
    // A relative update of an entity with no position at the base.
    t.deliverFrame(tickFrame({ tick: 41, reset: false, base: 40, events: [{ t: 'enter', id: 9, kind: 1, x: 0, y: 0, key: '' }], updates: [{ id: 9, absolute: false, x: 1, y: 1 }] }));
    expect(c.snapshot().wireErrors).toMatchObject({ count: 2, last: /tick 41: entity 9 has no position/ });
    expect(t.worldSent).toEqual([{ type: 'ack', tick: 40 }]);
    await time.advance(250);
    expect(sockets.length).toBe(3);
  });

  it('a socket that closes before it opens is diagnosed: a refused token is final, with the reason', async () => {
    const { c, time, sockets, last } = setup(async () => 'the gateway refused the token: token_expired');
    last().serverClose(1006);
    await flush();
    expect(c.snapshot().link).toMatchObject({ state: 'closed', final: true, reason: 'the gateway refused the token: token_expired' });
    await time.advance(5_000);
    expect(sockets.length).toBe(1);
  });

  it('a diagnosis that finds nothing final retries as usual', async () => {
    const { c, time, sockets, last } = setup(async () => null);
    last().serverClose(1006);
    await flush();
    expect(c.snapshot().link).toMatchObject({ state: 'reconnecting', attempt: 1 });
    await time.advance(250);
    expect(sockets.length).toBe(2);
  });

  it('measures input to view: a command, then the first frame where your motion changes', async () => {
    const { c, time, last } = setup();
    const s = join(last);
    s.deliverFrame(tickFrame({ tick: 11, reset: false, base: 10, events: [], updates: [] }));
    c.command({ kind: 'velocity', vx: 76, vy: 0 });
    await time.advance(40);
    s.deliverFrame(tickFrame({ tick: 12, reset: false, base: 11, events: [], updates: [] })); // not yet applied
    expect(c.snapshot().rttMs).toBeNull();
    await time.advance(30);
    s.deliverFrame(tickFrame({ tick: 13, reset: false, base: 12, events: [], updates: [{ id: 4, absolute: false, x: 10, y: 0 }] }));
    expect(c.snapshot().rttMs).toBe(70);
  });

  it('dispose closes for good', async () => {
    const { c, time, sockets, last } = setup();
    const s = join(last);
    c.dispose();
    expect(s.closed).toBe(true);
    expect(c.snapshot().link).toMatchObject({ state: 'closed', final: true });
    await time.advance(10_000);
    expect(sockets.length).toBe(1);
  });
});
