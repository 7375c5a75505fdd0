import { createHash, webcrypto } from 'node:crypto';
import { describe, expect, it, vi } from 'vitest';
import type { SessionInfo } from '../../src/api/session.ts';
import { roundsRule, stateAt, stateAtStep } from '../../src/engine/index.ts';
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
  let status = 'active';
  let firstTicks = 0;
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
    },
    createSocket: opts.withSocket === false ? null : factory.create,
    now: () => time.now,
    timers: time,
    sleep: time.sleep,
    subtle: webcrypto.subtle as SubtleCrypto,
    pongDelayMs: 0,
    onFirstTick: () => (firstTicks += 1),
  });
  const params = { seed, startAt: session.startAt, tickMs: 100, rule: roundsRule() };
  return { time, factory, controller, session, params, serverNow, setStatus: (s: string) => (status = s), firstTicks: () => firstTicks };
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
