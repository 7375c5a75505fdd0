import { describe, expect, it } from 'vitest';
import { TickConnection, type ConnectionStatus } from '../../src/net/tick_connection.ts';
import type { ServerMessage } from '../../src/net/protocol.ts';
import { FakeTime } from './fake_time.ts';
import { socketFactory } from './fake_socket.ts';

function setup(options: { wire?: 'auto' | 'json' } = {}) {
  const time = new FakeTime();
  const factory = socketFactory();
  const statuses: ConnectionStatus[] = [];
  const messages: ServerMessage[] = [];
  const wireErrors: string[] = [];
  const conn = new TickConnection({
    url: 'ws://127.0.0.1:8081/ws',
    sessionId: 'S1',
    userId: 'alice',
    createSocket: factory.create,
    now: () => time.now,
    timers: time,
    onMessage: (m) => messages.push(m),
    onStatus: (s) => statuses.push(s),
    wire: options.wire,
    onWireError: (e) => wireErrors.push(e),
  });
  const joined = (resumed = false) => ({
    type: 'session_joined', sessionId: 'S1', userId: 'alice', region: 'eu', mode: 'server', tickMs: 100,
    startAt: 1, rule: { name: 'rounds' }, seed: null, commitment: null, resumed, serverTimestamp: 2,
  });
  /** Starts the connection, opens its socket (selecting `protocol`) and answers the join. */
  const joinedSocket = (protocol = '') => {
    conn.start();
    const ws = factory.last();
    ws.open(protocol);
    if (protocol === 'metronome.v1.bin') ws.deliverFrame(new Uint8Array([0x7f, ...new TextEncoder().encode(JSON.stringify(joined()))]));
    else ws.deliver(joined());
    return ws;
  };
  return { time, factory, statuses, messages, wireErrors, conn, joined, joinedSocket, last: () => statuses[statuses.length - 1] };
}

describe('TickConnection', () => {
  it('offers both subprotocols, binary first, and joins first (JSON when the server selects none)', () => {
    const t = setup();
    t.conn.start();
    const ws = t.factory.last();
    expect(ws.url).toBe('ws://127.0.0.1:8081/ws');
    expect(ws.protocols).toEqual(['metronome.v1.bin', 'metronome.v1.json']);
    expect(t.last()).toEqual({ state: 'connecting' });
    ws.open();
    expect(ws.sent).toEqual([{ action: 'join', sessionId: 'S1', userId: 'alice' }]);
    ws.deliver(t.joined());
    expect(t.last()).toEqual({ state: 'open', resumed: false, wire: 'json' });
    expect(t.messages.map((m) => m.type)).toEqual(['session_joined']);
  });

  it('echoes each server ping at once and unchanged', () => {
    const t = setup();
    t.conn.start();
    const ws = t.factory.last();
    ws.open();
    ws.deliver({ type: 'ping', seq: 7, serverTimestamp: 1234567 });
    expect(ws.sent[1]).toEqual({ action: 'pong', seq: 7, serverTimestamp: 1234567 });
  });

  it('speaks binary when the server selects metronome.v1.bin: join as JSON after 0x7F, pings in 9 bytes', async () => {
    const t = setup();
    t.conn.start();
    const ws = t.factory.last();
    expect(ws.binaryType).toBe('arraybuffer');
    ws.open('metronome.v1.bin');
    expect(ws.sentKinds).toEqual(['binary']);
    expect(ws.sent[0]).toEqual({ action: 'join', sessionId: 'S1', userId: 'alice' });
    ws.deliverFrame(new Uint8Array([0x7f, ...new TextEncoder().encode(JSON.stringify(t.joined()))]));
    expect(t.last()).toEqual({ state: 'open', resumed: false, wire: 'binary' });
    await t.time.advance(0);
    expect(ws.sentKinds).toEqual(['binary', 'binary']);
    expect(ws.sent[1]).toEqual({ action: 'ping', clientTimestamp: t.time.now });
    // A binary tick (34 bytes), and a text frame, which is read as JSON whatever the subprotocol.
    const tick = new Uint8Array(34);
    const view = new DataView(tick.buffer);
    tick[0] = 0x01;
    tick[1] = 1;
    view.setBigInt64(2, 500n, true);
    view.setBigInt64(10, 0n, true);
    view.setBigInt64(18, 9n, true);
    view.setBigInt64(26, 123n, true);
    ws.deliverFrame(tick);
    ws.deliver({ type: 'countdown', remainingMs: 5, serverTimestamp: 6 });
    expect(t.messages.slice(1)).toEqual([
      { type: 'tick', step: 500, value: 0, round: 9, broken: true, serverTimestamp: 123 },
      { type: 'countdown', remainingMs: 5, serverTimestamp: 6 },
    ]);
    // A server ping is echoed in the binary layout.
    ws.deliverFrame(new Uint8Array([0x03, 7, 0, 0, 0, 10, 0, 0, 0, 0, 0, 0, 0]));
    expect(ws.sent.at(-1)).toEqual({ action: 'pong', seq: 7, serverTimestamp: 10 });
    t.conn.leave();
    expect(ws.sent.at(-1)).toEqual({ action: 'leave' });
    expect(ws.sentKinds.at(-1)).toBe('binary');
  });

  it('falls back to JSON when the server selects no subprotocol, and offers only JSON with wire: json', () => {
    const t = setup();
    t.conn.start();
    t.factory.last().open('');
    expect(t.factory.last().sentKinds).toEqual(['text']);
    t.factory.last().deliver(t.joined());
    expect(t.last()).toEqual({ state: 'open', resumed: false, wire: 'json' });
    const j = setup({ wire: 'json' });
    j.conn.start();
    expect(j.factory.last().protocols).toEqual(['metronome.v1.json']);
  });

  it('reports a malformed frame with a clear reason, skips it, and stays connected', () => {
    const t = setup();
    const ws = t.joinedSocket('metronome.v1.bin');
    ws.deliverFrame(new Uint8Array([0x01, 0, 1, 2]));
    ws.deliverFrame(new Uint8Array([0x99]));
    ws.deliverFrame('{"type":"tick"');
    ws.onmessage?.({ data: new Blob(['x']) } as MessageEvent);
    expect(t.wireErrors).toEqual([
      'a binary tick is 34 bytes, this one 4',
      'unknown binary message type 0x99',
      'a text frame that is not JSON',
      'a frame that is neither text nor an ArrayBuffer',
    ]);
    expect(t.last()).toEqual({ state: 'open', resumed: false, wire: 'binary' });
    expect(t.messages.map((m) => m.type)).toEqual(['session_joined']);
  });

  it('sends seed 001’s own ping every second once joined, never needing a server ping', async () => {
    const t = setup();
    const ws = t.joinedSocket();
    await t.time.advance(0);
    expect(ws.sent[1]).toEqual({ action: 'ping', clientTimestamp: t.time.now });
    const pings = () => ws.sent.filter((m) => (m as { action: string }).action === 'ping');
    // The server answers each ping with a pong and sends nothing else: the link stays up.
    for (let i = 0; i < 30; ++i) {
      await t.time.advance(1_000);
      const last = pings().at(-1) as { clientTimestamp: number };
      ws.deliver({ type: 'pong', clientTimestamp: last.clientTimestamp, serverTimestamp: 5 });
    }
    expect(pings()).toHaveLength(31);
    expect(ws.sent.filter((m) => (m as { action: string }).action === 'pong')).toHaveLength(0);
    expect(t.last()).toEqual({ state: 'open', resumed: false, wire: 'json' });
    expect(t.messages.filter((m) => m.type === 'pong')).toHaveLength(30);
  });

  it('stops pinging once closed', async () => {
    const t = setup();
    const ws = t.joinedSocket();
    await t.time.advance(2_500);
    ws.serverClose(4001);
    const sent = ws.sent.length;
    await t.time.advance(10_000);
    expect(ws.sent.length).toBe(sent);
    expect(t.time.pending).toBe(0);
  });

  it('reconnects with doubling backoff after a drop and rejoins (resumed)', async () => {
    const t = setup();
    t.conn.start();
    t.factory.last().open();
    t.factory.last().deliver(t.joined());
    t.factory.last().serverClose(1006);
    expect(t.last()).toMatchObject({ state: 'reconnecting', attempt: 1, retryInMs: 250 });
    await t.time.advance(250);
    expect(t.factory.sockets).toHaveLength(2);
    t.factory.last().serverClose(1006); // refused again
    expect(t.last()).toMatchObject({ state: 'reconnecting', attempt: 2, retryInMs: 500 });
    await t.time.advance(500);
    const ws = t.factory.last();
    expect(t.factory.sockets).toHaveLength(3);
    ws.open();
    expect(ws.sent[0]).toEqual({ action: 'join', sessionId: 'S1', userId: 'alice' });
    ws.deliver(t.joined(true));
    expect(t.last()).toEqual({ state: 'open', resumed: true, wire: 'json' });
    // A later drop starts again from the first delay.
    ws.serverClose(1001);
    expect(t.last()).toMatchObject({ state: 'reconnecting', attempt: 1, retryInMs: 250 });
  });

  it('gives up when the grace period (10 s) would be over: lost', async () => {
    const t = setup();
    t.conn.start();
    t.factory.last().open();
    t.factory.last().deliver(t.joined());
    t.factory.last().serverClose(1006);
    const waits: number[] = [];
    for (let i = 0; i < 20; ++i) {
      const s = t.last()!;
      if (s.state !== 'reconnecting') break;
      waits.push(s.retryInMs);
      await t.time.advance(s.retryInMs);
      t.factory.last().serverClose(1006);
    }
    expect(t.last()).toEqual({ state: 'closed', reason: 'lost', code: 1006 });
    // Retries at +0.25, +0.75, +1.75, +3.75, +5.75, +7.75, +9.75 s; the next would be at 11.75 s.
    expect(waits).toEqual([250, 500, 1000, 2000, 2000, 2000, 2000]);
    expect(t.factory.sockets.length).toBe(8);
    await t.time.advance(20_000);
    expect(t.factory.sockets.length).toBe(8);
  });

  it('reports unavailable when it never joined', async () => {
    const t = setup();
    t.conn.start();
    for (let i = 0; i < 20 && t.last()!.state !== 'closed'; ++i) {
      t.factory.last().serverClose(1006);
      await t.time.advance(2_000);
    }
    expect(t.last()).toMatchObject({ state: 'closed', reason: 'unavailable' });
  });

  it.each([
    [4001, 'kicked'],
    [4006, 'kicked'],
    [4005, 'replaced'],
    [4004, 'refused'],
    [1000, 'ended'],
    [1008, 'protocol'],
    [4003, 'protocol'],
  ])('close %i is final (%s): no reconnection', async (code, reason) => {
    const t = setup();
    t.conn.start();
    t.factory.last().open();
    t.factory.last().deliver(t.joined());
    t.factory.last().serverClose(code);
    expect(t.last()).toEqual({ state: 'closed', reason, code });
    await t.time.advance(30_000);
    expect(t.factory.sockets).toHaveLength(1);
  });

  it('retries on a slow-consumer close (4002)', () => {
    const t = setup();
    t.conn.start();
    t.factory.last().open();
    t.factory.last().deliver(t.joined());
    t.factory.last().serverClose(4002);
    expect(t.last()).toMatchObject({ state: 'reconnecting' });
  });

  it('takes 5 s of silence after joining as a dead connection', async () => {
    const t = setup();
    t.conn.start();
    const ws = t.factory.last();
    ws.open();
    ws.deliver(t.joined());
    await t.time.advance(4_000);
    ws.deliver({ type: 'countdown', remainingMs: 1000, serverTimestamp: 1 });
    await t.time.advance(4_999);
    expect(t.last()).toEqual({ state: 'open', resumed: false, wire: 'json' });
    await t.time.advance(1);
    expect(t.last()).toMatchObject({ state: 'reconnecting' });
    expect(ws.closedByClient).not.toBeNull();
  });

  it('abandons a socket that does not open within 5 s', async () => {
    const t = setup();
    t.conn.start();
    await t.time.advance(5_000);
    expect(t.last()).toMatchObject({ state: 'reconnecting', attempt: 1 });
    expect(t.factory.sockets[0]!.closedByClient).not.toBeNull();
  });

  it('leave sends leave, closes with 1000 and never reconnects', async () => {
    const t = setup();
    t.conn.start();
    const ws = t.factory.last();
    ws.open();
    ws.deliver(t.joined());
    t.conn.leave();
    expect(ws.sent.at(-1)).toEqual({ action: 'leave' });
    expect(ws.closedByClient?.code).toBe(1000);
    expect(t.last()).toEqual({ state: 'closed', reason: 'left', code: 1000 });
    ws.serverClose(1000);
    await t.time.advance(30_000);
    expect(t.factory.sockets).toHaveLength(1);
    expect(t.time.pending).toBe(0);
  });

  it('ignores what it cannot parse and passes the rest on', () => {
    const t = setup();
    t.conn.start();
    const ws = t.factory.last();
    ws.open();
    ws.onmessage?.({ data: 'not json' } as MessageEvent);
    ws.deliver({ type: 'tick', step: 'x' });
    ws.deliver({ type: 'tick', step: 5, value: 6, round: 0, broken: false, serverTimestamp: 9 });
    expect(t.messages).toEqual([{ type: 'tick', step: 5, value: 6, round: 0, broken: false, serverTimestamp: 9 }]);
  });

  it('follows migrate to the new region at once and resumes after the last step it got', async () => {
    const t = setup();
    const eu = t.joinedSocket();
    const tick = (step: number) => ({ type: 'tick', step, value: step + 1, round: 0, broken: false, serverTimestamp: 10 + step });
    eu.deliver(tick(4));
    eu.deliver(tick(5));
    eu.deliver({ type: 'migrate', sessionId: 'S1', region: 'us', wsUrl: 'ws://127.0.0.1:9090/ws', lastStep: 5 });
    eu.serverClose(4007);
    // No backoff: the next socket is already there, at the new region.
    const us = t.factory.last();
    expect(us).not.toBe(eu);
    expect(us.url).toBe('ws://127.0.0.1:9090/ws');
    expect(t.conn.url).toBe('ws://127.0.0.1:9090/ws');
    us.open();
    expect(us.sent[0]).toEqual({ action: 'join', sessionId: 'S1', userId: 'alice', after: 5 });
    us.deliver({ ...t.joined(true), region: 'us' });
    // A repeated step is dropped; the next ones come through once each.
    us.deliver(tick(5));
    us.deliver(tick(6));
    us.deliver(tick(7));
    const steps = t.messages.filter((m) => m.type === 'tick').map((m) => (m.type === 'tick' ? m.step : -1));
    expect(steps).toEqual([4, 5, 6, 7]);
    expect(t.messages.some((m) => m.type === 'migrate')).toBe(true);
    expect(t.last()).toEqual({ state: 'open', resumed: true, wire: 'json' });
  });

  it('a join refused with session_moved goes where it names; without a URL the connection ends as moved', () => {
    const t = setup();
    t.conn.start();
    const old = t.factory.last();
    old.open();
    old.deliver({ type: 'error', code: 'session_moved', message: 'moved', region: 'us', wsUrl: 'ws://127.0.0.1:9091/ws' });
    old.serverClose(4007);
    expect(t.messages.some((m) => m.type === 'error')).toBe(false); // not a game error
    const next = t.factory.last();
    expect(next.url).toBe('ws://127.0.0.1:9091/ws');
    next.open();
    expect(next.sent[0]).toEqual({ action: 'join', sessionId: 'S1', userId: 'alice' });
    next.deliver({ type: 'migrate', sessionId: 'S1', region: 'asia', wsUrl: null, lastStep: 3 });
    next.serverClose(4007);
    expect(t.last()).toEqual({ state: 'closed', reason: 'moved', code: 4007 });
  });
});
