import { createHash, webcrypto } from 'node:crypto';
import { describe, expect, it, vi } from 'vitest';
import type { SessionInfo } from '../../src/api/session.ts';
import { roundsRule, stateAt, stateAtStep } from '../../src/engine/index.ts';
import { lastBreaks } from '../../src/game/breaks.ts';
import { EdgeError } from '../../src/api/edge.ts';
import { forEachState } from '../../src/engine/index.ts';
import { GameController, type GameSetup } from '../../src/game/game_controller.ts';
import { engineWindow } from '../../src/game/timeline.ts';
import { FakeTime } from './fake_time.ts';
import { socketFactory } from './fake_socket.ts';

const TWO_HOURS = 7_200_000;
const salt = '0123456789abcdef0123456789abcdef';
const seed = 4021914740115261n;
const commitment = createHash('sha256').update(`metronome-commit-v1:${salt}:${seed}`).digest('hex');

/**
 * A game against a fake edge whose clock is `skew` ms ahead of the client's
 * (the client's clock is 2 hours fast when skew is -2 h), 2 ms each way.
 */
function game(mode: 'client' | 'server', skew: number, opts: { withSocket?: boolean } = {}) {
  const time = new FakeTime();
  const factory = socketFactory();
  const serverNow = () => time.now + skew;
  const session: SessionInfo = {
    id: 'S1', seed: mode === 'client' ? seed : null, startAt: serverNow() + 3_000, tickMs: 100, rule: roundsRule(),
    mode, status: 'active', commitment: mode === 'server' ? commitment : null, owner: 'alice', region: 'eu',
  };
  const params = { seed, startAt: session.startAt, tickMs: 100, rule: roundsRule() };
  let status = 'active';
  let firstTicks = 0;
  const replays: { from: number; to: number }[] = [];
  /** What the fake edge's replay does: answer (from the engine, like the region), or fail. */
  let replayFailure: Error | null = null;
  const setup: GameSetup = { session, userId: 'alice', routedBy: 'default', wsEndpoint: 'ws://127.0.0.1:8081/ws' };
  const controller = new GameController(setup, {
    edge: {
      time: async (now) => {
        const sentAt = now();
        await time.sleep(2);
        const s = serverNow();
        await time.sleep(2);
        return { sentAt, receivedAt: now(), serverTimestamp: s };
      },
      session: async () => ({ ...session, status }),
      replay: async (_id, from, to) => {
        replays.push({ from, to });
        await time.sleep(5);
        if (replayFailure !== null) throw replayFailure;
        const current = Math.floor((serverNow() - session.startAt) / session.tickMs);
        if (mode === 'server' && to > current) throw new EdgeError('http', `Not allowed: this server-mode session is at step ${current}`, 403, 'forbidden');
        const states: { step: number; value: number; round: number; broken: boolean }[] = [];
        forEachState(params, from, to, (s) => states.push({ step: s.step, value: s.value, round: s.round, broken: s.broken }));
        return { from, to, breaksOnly: false, states };
      },
    },
    createSocket: opts.withSocket === false ? null : factory.create,
    now: () => time.now,
    timers: time,
    sleep: time.sleep,
    subtle: webcrypto.subtle as SubtleCrypto,
    onFirstTick: () => (firstTicks += 1),
  });
  return {
    time, factory, controller, session, params, serverNow, replays,
    setStatus: (s: string) => (status = s),
    failReplays: (e: Error | null) => (replayFailure = e),
    firstTicks: () => firstTicks,
  };
}

describe('GameController, client mode', () => {
  it('shows the server’s step although the device clock is 2 hours off', async () => {
    const g = game('client', -TWO_HOURS);
    void g.controller.start();
    await g.time.advance(1_000); // clock sync
    const snap = g.controller.snapshot();
    expect(Math.abs(snap.clock!.offsetMs + TWO_HOURS)).toBeLessThanOrEqual(1);
    expect(snap.phase).toBe('countdown');
    expect(snap.remainingMs).toBeGreaterThan(1_900);
    expect(snap.remainingMs).toBeLessThanOrEqual(2_100);

    await g.time.advance(12_345);
    const shown = g.controller.snapshot();
    const truth = stateAt(g.params, g.serverNow());
    expect(shown.phase).toBe('running');
    expect(Math.abs(shown.tick!.step - truth.step)).toBeLessThanOrEqual(1);
    expect(shown.tick).toEqual((({ step, value, round, broken }) => ({ step, value, round, broken }))(stateAtStep(g.params, shown.tick!.step)));
    expect(shown.breaks.length).toBeGreaterThan(0);
    expect(shown.timeline).toEqual(engineWindow(g.params, shown.tick!.step));
    expect(g.firstTicks()).toBe(1);
  });

  it('updates on every step boundary', async () => {
    const g = game('client', 0);
    void g.controller.start();
    await g.time.advance(3_000 + 1);
    const steps: number[] = [];
    const unsubscribe = g.controller.subscribe(() => steps.push(g.controller.snapshot().tick?.step ?? -1));
    await g.time.advance(1_000);
    unsubscribe();
    const distinct = [...new Set(steps)];
    expect(distinct.length).toBeGreaterThanOrEqual(9);
    expect(distinct.every((s, i) => i === 0 || s === distinct[i - 1]! + 1)).toBe(true);
  });

  it('keeps running without a live connection and notices the end by polling', async () => {
    const g = game('client', 0, { withSocket: false });
    void g.controller.start();
    await g.time.advance(5_000);
    expect(g.controller.snapshot().phase).toBe('running');
    g.setStatus('exited');
    await g.time.advance(5_000);
    expect(g.controller.snapshot().end).toMatchObject({ kind: 'exited' });
    const frozen = g.controller.snapshot().tick;
    await g.time.advance(2_000);
    expect(g.controller.snapshot().tick).toEqual(frozen);
    expect(g.time.pending).toBe(0);
  });
});

describe('GameController, replay on request', () => {
  it('shows any step range the region has, and refuses bad ranges before asking', async () => {
    const g = game('client', 0);
    void g.controller.start();
    await g.time.advance(1_000);
    void g.controller.replay(100, 400);
    expect(g.controller.snapshot().replay).toEqual({ state: 'loading', from: 100, to: 400 });
    await g.time.advance(5);
    expect(g.controller.snapshot().replay).toEqual({ state: 'done', from: 100, to: 400, window: engineWindow(g.params, 400, 301) });
    for (const [from, to, error] of [
      [5, 2, /must not come after/],
      [0, 5_000, /At most 5000 steps/],
      [-1, 3, /whole numbers/],
      [1.5, 3, /whole numbers/],
    ] as const) {
      await g.controller.replay(from, to);
      expect(g.controller.snapshot().replay).toMatchObject({ state: 'error', error: expect.stringMatching(error) });
    }
    expect(g.replays).toHaveLength(1);
  });
});

describe('GameController, server mode', () => {
  function joinAndTick(g: ReturnType<typeof game>, from: number, to: number) {
    const ws = g.factory.last();
    for (let step = from; step <= to; ++step) {
      const s = stateAtStep(g.params, step);
      ws.deliver({ type: 'tick', step, value: s.value, round: s.round, broken: s.broken, serverTimestamp: g.serverNow() });
    }
  }

  async function started() {
    const g = game('server', 0);
    void g.controller.start();
    const ws = g.factory.last();
    ws.open();
    ws.deliver({ type: 'session_joined', sessionId: 'S1', userId: 'alice', region: 'eu', mode: 'server', tickMs: 100,
      startAt: g.session.startAt, rule: { name: 'rounds' }, seed: null, commitment, resumed: false, serverTimestamp: g.serverNow() });
    await g.time.advance(1_000);
    return g;
  }

  it('shows the ticks it receives and logs their breaks', async () => {
    const g = await started();
    expect(g.controller.snapshot().phase).toBe('countdown');
    await g.time.advance(2_500);
    expect(g.controller.snapshot().phase).toBe('waiting');
    joinAndTick(g, 0, 400);
    const snap = g.controller.snapshot();
    expect(snap.phase).toBe('running');
    expect(snap.tick).toEqual({ step: 400, value: stateAtStep(g.params, 400).value, round: stateAtStep(g.params, 400).round, broken: stateAtStep(g.params, 400).broken });
    expect(snap.breaks[0]!.step).toBe(400 - stateAtStep(g.params, 400).value);
    // The chart: the last 300 steps received, exactly the engine's.
    expect(snap.timeline).toEqual(engineWindow(g.params, 400));
    expect(g.firstTicks()).toBe(1);
  });

  it('after the stop, checks the revealed seed against the commitment and every tick against it', async () => {
    const g = await started();
    joinAndTick(g, 0, 250);
    g.factory.last().deliver({ type: 'stopped', reason: 'stopped', seed: seed.toString(), salt });
    // WebCrypto answers from Node's thread pool: wait for it in real time.
    await vi.waitFor(() => expect(g.controller.snapshot().verification).not.toBe('pending'));
    const snap = g.controller.snapshot();
    expect(snap.end).toMatchObject({ kind: 'stopped' });
    expect(snap.verification).toEqual({ result: 'match', seed });
    expect(snap.tickCheck).toEqual({ checked: 251, mismatches: 0, firstMismatch: null });
  });

  it('flags a revealed seed that does not match', async () => {
    const g = await started();
    joinAndTick(g, 0, 10);
    g.factory.last().deliver({ type: 'stopped', reason: 'stopped', seed: (seed + 1n).toString(), salt });
    await vi.waitFor(() => expect(g.controller.snapshot().verification).not.toBe('pending'));
    const snap = g.controller.snapshot();
    expect(snap.verification).toMatchObject({ result: 'mismatch', expected: commitment });
  });

  it('ends with the server’s figures when kicked, then ignores further ticks', async () => {
    const g = await started();
    joinAndTick(g, 0, 5);
    const ws = g.factory.last();
    ws.deliver({ type: 'latency_status', status: 'warning', rttMs: 120, jitterMs: 4 });
    expect(g.controller.snapshot().latency).toEqual({ status: 'warning', rttMs: 120, jitterMs: 4 });
    ws.deliver({ type: 'kicked', reason: 'high_latency', rttMs: 251.5, jitterMs: 2 });
    ws.serverClose(4001);
    joinAndTick(g, 6, 9);
    const snap = g.controller.snapshot();
    expect(snap.end).toEqual({ kind: 'kicked', reason: 'high_latency', rttMs: 251.5, jitterMs: 2 });
    expect(snap.tick?.step).toBe(5);
    expect(snap.connection).toEqual({ state: 'closed', reason: 'kicked', code: 4001 });
  });

  it('plays on with a server that never sends its own ping: the client’s pings keep the link alive', async () => {
    const g = await started();
    const ws = g.factory.last();
    // 20 s of ticks and pongs to the client's pings, 4 ms later, nothing else.
    for (let second = 0; second < 20; ++second) {
      for (const m of ws.sent.splice(0)) {
        const p = m as { action: string; clientTimestamp?: number };
        if (p.action === 'ping') ws.deliver({ type: 'pong', clientTimestamp: p.clientTimestamp, serverTimestamp: g.serverNow() });
      }
      await g.time.advance(996);
      joinAndTick(g, second * 10, second * 10 + 9);
      await g.time.advance(4);
    }
    const snap = g.controller.snapshot();
    expect(snap.end).toBeNull();
    expect(snap.connection).toEqual({ state: 'open', resumed: false, wire: 'json' });
    expect(snap.clientRtt).toMatchObject({ samples: 5 });
    expect(snap.clientRtt!.lastMs).toBeGreaterThanOrEqual(0);
    expect(snap.clientRtt!.lastMs).toBeLessThanOrEqual(1_000);
  });

  it('counts frames it cannot read and says why, while the game goes on', async () => {
    const g = await started();
    const ws = g.factory.last();
    ws.deliverFrame('not json');
    ws.deliverFrame('{"type":"tick","step":-1}');
    joinAndTick(g, 0, 3);
    const snap = g.controller.snapshot();
    expect(snap.wireErrors).toEqual({ count: 2, last: 'a tick message with missing or bad fields' });
    expect(snap.tick?.step).toBe(3);
    expect(snap.end).toBeNull();
  });

  /** Plays steps [from, to] in time: each tick arrives on its step boundary. */
  async function play(g: ReturnType<typeof game>, from: number, to: number) {
    for (let step = from; step <= to; ++step) {
      const at = g.session.startAt + step * 100;
      if (g.serverNow() < at) await g.time.advance(at - g.serverNow());
      joinAndTick(g, step, step);
    }
  }

  it('a reconnection fills the steps it missed from the replay: no gap, every break in the log', async () => {
    const g = await started();
    await play(g, 0, 100);
    g.factory.last().serverClose(1006);
    await g.time.advance(250);
    const ws = g.factory.last();
    expect(g.factory.sockets).toHaveLength(2);
    ws.open();
    ws.deliver({ type: 'session_joined', sessionId: 'S1', userId: 'alice', region: 'eu', mode: 'server', tickMs: 100,
      startAt: g.session.startAt, rule: { name: 'rounds' }, seed: null, commitment, resumed: true, serverTimestamp: g.serverNow() });
    await play(g, 130, 130);
    expect(g.controller.snapshot().fill).toEqual({ state: 'loading', from: 101, to: 129 });
    expect(g.controller.snapshot().timeline!.gaps).toEqual([{ from: 101, to: 129 }]);
    await g.time.advance(5);
    const snap = g.controller.snapshot();
    expect(g.replays).toEqual([{ from: 101, to: 129 }]);
    expect(snap.fill).toMatchObject({ state: 'done', from: 101, to: 129, steps: 29 });
    expect(snap.timeline).toEqual(engineWindow(g.params, 130));
    expect(snap.breaks).toEqual(lastBreaks(g.params, 130));
    expect(snap.missedBreaks).toBe(0);
  });

  it('joining a running session fills the chart’s window before the first tick', async () => {
    const g = await started();
    const ws = g.factory.last();
    for (let i = 0; i < 52; ++i) {
      await g.time.advance(1_000);
      ws.deliver({ type: 'countdown', remainingMs: 0, serverTimestamp: g.serverNow() }); // keeps the link alive
    }
    await play(g, 500, 500);
    await g.time.advance(5);
    expect(g.replays).toEqual([{ from: 201, to: 499 }]);
    expect(g.controller.snapshot().timeline).toEqual(engineWindow(g.params, 500));
  });

  it('says so when the fill fails, keeps the gap, and plays on', async () => {
    const g = await started();
    await play(g, 0, 20);
    g.failReplays(new EdgeError('http', 'Not found: no route for GET /edge/sessions/S1/replay', 404, 'not_found'));
    await play(g, 25, 26);
    await g.time.advance(5);
    const snap = g.controller.snapshot();
    expect(snap.fill).toEqual({ state: 'error', from: 21, to: 24, error: 'Not found: no route for GET /edge/sessions/S1/replay' });
    expect(snap.timeline!.gaps).toEqual([{ from: 21, to: 24 }]);
    expect(snap.tick!.step).toBe(26);
    expect(snap.end).toBeNull();
  });

  it('a replay on request of future steps is refused with the region’s reason', async () => {
    const g = await started();
    await play(g, 0, 50);
    void g.controller.replay(10, 40);
    await g.time.advance(5);
    expect(g.controller.snapshot().replay).toEqual({ state: 'done', from: 10, to: 40, window: engineWindow(g.params, 40, 31) });
    void g.controller.replay(40, 900);
    await g.time.advance(5);
    expect(g.controller.snapshot().replay).toMatchObject({ state: 'error', error: expect.stringMatching(/^Not allowed: this server-mode session is at step 5\d/) });
  });

  it('says the connection was lost when it cannot come back within the grace period', async () => {
    const g = await started();
    joinAndTick(g, 0, 5);
    for (let i = 0; i < 20 && g.controller.snapshot().end === null; ++i) {
      g.factory.last().serverClose(1006);
      await g.time.advance(2_000);
    }
    expect(g.controller.snapshot().end).toMatchObject({ kind: 'lost' });
  });
});
