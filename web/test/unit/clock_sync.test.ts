import { describe, expect, it } from 'vitest';
import { estimateOffset, synchronizeClock, type ClockSample } from '../../src/game/clock_sync.ts';
import { stateAt, roundsRule } from '../../src/engine/index.ts';
import { FakeTime } from './fake_time.ts';

const TWO_HOURS = 2 * 3600 * 1000;

describe('estimateOffset', () => {
  it('applies offset = s + rtt/2 - t1 to one sample', () => {
    const e = estimateOffset([{ sentAt: 1000, receivedAt: 1010, serverTimestamp: 5005 }]);
    expect(e).toEqual({ offsetMs: 4000, rttMs: 10, samples: 1 });
  });

  it('keeps the half with the lowest round trip, then takes the median offset', () => {
    // Four fast samples agree on +100 (one is +103); four slow ones were queued and are far off.
    const fast = [100, 101, 103, 100].map((off, i) => ({ sentAt: i * 100, receivedAt: i * 100 + 4, serverTimestamp: i * 100 + 4 + off - 2 }));
    const slow = [900, 950, -700, 1200].map((off, i) => ({ sentAt: 1000 + i * 100, receivedAt: 1000 + i * 100 + 300, serverTimestamp: 1000 + i * 100 + 300 + off - 150 }));
    const e = estimateOffset([...slow, ...fast]);
    expect(e.rttMs).toBe(4);
    expect(e.offsetMs).toBe(101); // the median of 100, 100, 101, 103 is 100.5, rounded
    expect(e.samples).toBe(8);
  });

  it('refuses no samples', () => {
    expect(() => estimateOffset([])).toThrow();
  });
});

describe('synchronizeClock', () => {
  /** A server whose clock is `skew` ahead of the client's, with the given one-way delays per request. */
  function fakeServer(time: FakeTime, skew: number, delays: readonly [number, number][]) {
    let i = 0;
    return async (): Promise<ClockSample> => {
      const [up, down] = delays[i++ % delays.length]!;
      const sentAt = time.now;
      await time.sleep(up);
      const serverTimestamp = time.now + skew;
      await time.sleep(down);
      return { sentAt, receivedAt: time.now, serverTimestamp };
    };
  }

  it('finds a clock 2 hours off to within a few ms, and the step is the server’s within 1', async () => {
    const time = new FakeTime();
    // Symmetric 3 ms paths, except two samples held 80 ms in a queue on the way back.
    const delays: [number, number][] = [[3, 3], [3, 83], [4, 3], [3, 3], [3, 90], [3, 4], [3, 3], [5, 5]];
    const done = synchronizeClock(fakeServer(time, -TWO_HOURS, delays), time.sleep);
    await time.advance(2_000);
    const e = await done;
    expect(Math.abs(e.offsetMs - -TWO_HOURS)).toBeLessThanOrEqual(2);
    expect(e.samples).toBe(8);

    const params = { seed: 42n, startAt: time.now - 10_000 - TWO_HOURS, tickMs: 100, rule: roundsRule() };
    const server = stateAt(params, time.now - TWO_HOURS);
    const client = stateAt(params, time.now + e.offsetMs);
    expect(Math.abs(server.step - client.step)).toBeLessThanOrEqual(1);
  });

  it('takes 8 samples 100 ms apart', async () => {
    const time = new FakeTime();
    const sentAt: number[] = [];
    const done = synchronizeClock(async () => {
      sentAt.push(time.now);
      return { sentAt: time.now, receivedAt: time.now, serverTimestamp: time.now };
    }, time.sleep);
    await time.advance(1_000);
    await done;
    expect(sentAt.map((t) => t - sentAt[0]!)).toEqual([0, 100, 200, 300, 400, 500, 600, 700]);
  });

  it('reports the estimate after each sample but the last, so the display can start at once', async () => {
    const time = new FakeTime();
    const partial: number[] = [];
    const done = synchronizeClock(
      async () => ({ sentAt: time.now, receivedAt: time.now + 2, serverTimestamp: time.now + 1 + 300 }),
      time.sleep,
      8,
      100,
      (e) => partial.push(e.samples),
    );
    await time.advance(1_000);
    expect((await done).offsetMs).toBe(300);
    expect(partial).toEqual([1, 2, 3, 4, 5, 6, 7]);
  });

  it('drops failed samples and uses the rest', async () => {
    const time = new FakeTime();
    let n = 0;
    const done = synchronizeClock(async () => {
      if (n++ % 2 === 0) throw new Error('lost');
      return { sentAt: time.now, receivedAt: time.now + 2, serverTimestamp: time.now + 501 };
    }, time.sleep);
    await time.advance(1_000);
    const e = await done;
    expect(e.samples).toBe(4);
    expect(e.offsetMs).toBe(500);
  });

  it('rejects with the error when the server never answers, after two tries', async () => {
    const time = new FakeTime();
    let calls = 0;
    const done = synchronizeClock(async () => {
      calls += 1;
      throw new Error('unreachable');
    }, time.sleep);
    const outcome = done.catch((e: Error) => e.message);
    await time.advance(1_000);
    expect(await outcome).toBe('unreachable');
    expect(calls).toBe(2);
  });
});
