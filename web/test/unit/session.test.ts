import { describe, expect, it } from 'vitest';
import { parseSession, readRule, readSeed } from '../../src/api/session.ts';

// Answers as the edge and the region send them (captured from `metronome up`).
const clientStart = {
  gameId: 'a6bde035-0caa-4a25-915e-60e9d27b9bf4', seed: 3683114764611028, startAt: 1795325662334, tickMs: 100,
  session_id: 'a6bde035-0caa-4a25-915e-60e9d27b9bf4', user_id: 'alice', region: 'eu', started_at: '2026-11-22T05:34:19.334Z',
  status: 'active', rule: { name: 'lcg-counter', break_probability: 50 }, mode: 'client', resumed: false,
  backendRegion: 'eu', routedBy: 'default', wsEndpoint: 'ws://127.0.0.1:18081/ws',
};
const serverStart = {
  gameId: '70bdc372-9a79-4bbc-81cd-620a6096df82', seed: null, startAt: 1795325662349, tickMs: 100, user_id: 'bob', region: 'eu',
  status: 'active', rule: { name: 'rounds', mean_interval: 50, jitter: 49 }, mode: 'server',
  commitment: 'aa2e2703fc7ad4155b0f03af59669f6e659f5fe21713c384d87a2ff3bfbac0fe', backendRegion: 'eu',
};
const regionView = {
  id: 'S', seed: '18446744073709551615', start_at_ms: 1795325662349, tick_ms: 50, rule: { name: 'rounds', mean_interval: 10, jitter: 3 },
  status: 'stopped', region: 'us', mode: 'server', user_id: 'carol',
  commitment: { algorithm: 'sha256', value: 'AA2E2703FC7AD4155B0F03AF59669F6E659F5FE21713C384D87A2FF3BFBAC0FE' }, salt: '00',
};

describe('parseSession', () => {
  it('reads the edge’s client-mode start answer', () => {
    expect(parseSession(clientStart)).toEqual({
      id: clientStart.gameId, seed: 3683114764611028n, startAt: 1795325662334, tickMs: 100,
      rule: { name: 'lcg-counter', breakProbability: 50 }, mode: 'client', status: 'active', commitment: null,
      owner: 'alice', region: 'eu',
    });
  });

  it('reads a server-mode answer: no seed, a commitment', () => {
    const s = parseSession(serverStart)!;
    expect(s.seed).toBeNull();
    expect(s.mode).toBe('server');
    expect(s.commitment).toBe(serverStart.commitment);
    expect(s.rule).toEqual({ name: 'rounds', meanInterval: 50, jitter: 49 });
  });

  it('reads the region’s view (decimal seed up to 2^64 - 1, commitment object)', () => {
    const s = parseSession(regionView)!;
    expect(s.seed).toBe(18446744073709551615n);
    expect(s.tickMs).toBe(50);
    expect(s.commitment).toBe(serverStart.commitment);
    expect(s.region).toBe('us');
    expect(s.status).toBe('stopped');
  });

  it('refuses what the engine would refuse or cannot read', () => {
    expect(parseSession({ ...clientStart, tickMs: 0 })).toBeNull();
    expect(parseSession({ ...clientStart, startAt: -1 })).toBeNull();
    expect(parseSession({ ...clientStart, seed: 2 ** 53 + 2 })).toBeNull(); // not exact as a number
    expect(parseSession({ ...clientStart, rule: { name: 'dice' } })).toBeNull();
    expect(parseSession({ ...clientStart, rule: { name: 'rounds', mean_interval: 10, jitter: 10 } })).toBeNull();
    expect(parseSession({ ...clientStart, mode: 'peer' })).toBeNull();
    expect(parseSession({ ...clientStart, gameId: undefined })).toBeNull();
    expect(parseSession('nope')).toBeNull();
  });
});

describe('readSeed and readRule', () => {
  it('reads seeds as numbers or decimal strings, within 64 bits', () => {
    expect(readSeed(0)).toBe(0n);
    expect(readSeed('007')).toBe(7n);
    expect(readSeed('18446744073709551616')).toBeUndefined();
    expect(readSeed('1e3')).toBeUndefined();
    expect(readSeed(-1)).toBeUndefined();
    expect(readSeed(null)).toBeNull();
  });

  it('reads bare rule names with their defaults', () => {
    expect(readRule('rounds')).toEqual({ name: 'rounds', meanInterval: 50, jitter: 49 });
    expect(readRule({ name: 'rounds', mean_interval: 20 })).toEqual({ name: 'rounds', meanInterval: 20, jitter: 19 });
    expect(readRule('lcg-counter')).toEqual({ name: 'lcg-counter', breakProbability: 50 });
  });
});
