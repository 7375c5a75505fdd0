import { describe, expect, it } from 'vitest';
import { median, measureRegionRtts, type ProbeFetch } from '../../src/api/region_rtt.ts';
import { EdgeClient, type FetchLike } from '../../src/api/edge.ts';

/**
 * A fake network on a fake clock: each URL answers after the next of its
 * delays (ms; 'fail' rejects at once). Requests in flight at the same time
 * overlap as on a real network: run() resolves them in time order.
 */
function network(delays: Record<string, (number | 'fail')[]>) {
  let clock = 0;
  const seen: { url: string; init: RequestInit }[] = [];
  const pending: { at: number; resolve: () => void }[] = [];
  const fetch: ProbeFetch = (url, init) => {
    seen.push({ url, init });
    const next = delays[url]?.shift();
    if (next === undefined || next === 'fail') return Promise.reject(new TypeError('Failed to fetch'));
    return new Promise<unknown>((resolve) => pending.push({ at: clock + next, resolve: () => resolve({}) }));
  };
  const settle = () => new Promise<void>((r) => setTimeout(r, 0));
  /** Drives `work` to its end, answering requests in time order. */
  async function run<T>(work: Promise<T>): Promise<T> {
    let done = false;
    const out = work.finally(() => {
      done = true;
    });
    while (!done) {
      await settle();
      pending.sort((a, b) => a.at - b.at);
      const first = pending.shift();
      if (first) {
        clock = first.at;
        first.resolve();
      }
    }
    return out;
  }
  return { fetch, now: () => clock, seen, run };
}

describe('measureRegionRtts', () => {
  it('takes the median of three no-cors /healthz probes per region that is up', async () => {
    const net = network({
      'http://eu:1/healthz': [30, 90, 31],
      'http://us:2/healthz': [120, 118.25, 400],
      'http://asia:3/healthz': [5, 5, 5],
    });
    const rtt = await net.run(measureRegionRtts(
      [
        { name: 'eu', baseUrl: 'http://eu:1', up: true },
        { name: 'us', baseUrl: 'http://us:2/', up: true },
        { name: 'asia', baseUrl: 'http://asia:3', up: false },
      ],
      { now: net.now, fetch: net.fetch },
    ));
    expect(rtt).toEqual({ eu: 31, us: 120 });
    expect(net.seen.every((s) => s.init.mode === 'no-cors' && s.init.cache === 'no-store')).toBe(true);
    expect(net.seen.filter((s) => s.url.startsWith('http://asia')).length).toBe(0);
  });

  it('leaves out a region that never answers, or answers only past the bound', async () => {
    const net = network({ 'http://eu:1/healthz': ['fail', 'fail'], 'http://us:2/healthz': [5000, 40] });
    const rtt = await net.run(measureRegionRtts(
      [
        { name: 'eu', baseUrl: 'http://eu:1', up: true },
        { name: 'us', baseUrl: 'http://us:2', up: true },
        { name: 'odd', baseUrl: 'javascript:alert(1)', up: true },
      ],
      { now: net.now, fetch: net.fetch, samples: 2, timeoutMs: 1000 },
    ));
    expect(rtt).toEqual({ us: 40 });
  });

  it('median of odd and even counts', () => {
    expect(median([])).toBeNull();
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
  });

  it('the start sends the figures as rtt, and none when empty', async () => {
    const bodies: unknown[] = [];
    const answer: FetchLike = async (_url, init) => {
      bodies.push(JSON.parse(String(init?.body)));
      return new Response(
        JSON.stringify({
          gameId: 'G', seed: 1, startAt: 1000, tickMs: 100, status: 'active', rule: { name: 'rounds', mean_interval: 50, jitter: 49 },
          mode: 'client', user_id: 'u', backendRegion: 'eu', routedBy: 'rtt', wsEndpoint: 'ws://h:1/ws',
        }),
        { status: 201, headers: { 'Content-Type': 'application/json' } },
      );
    };
    const edge = new EdgeClient(answer);
    const g = await edge.start({ userId: 'u', mode: 'client', rtt: { eu: 31.5, us: 120 } });
    expect(bodies[0]).toEqual({ userId: 'u', mode: 'client', rtt: { eu: 31.5, us: 120 } });
    expect(g.routedBy).toBe('rtt');
    await edge.start({ userId: 'u', mode: 'client', rtt: {} });
    expect(bodies[1]).toEqual({ userId: 'u', mode: 'client' });
  });
});
