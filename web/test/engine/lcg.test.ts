// The lcg-counter rule's O(log) counting against plain scans.
import { describe, expect, it } from 'vitest';
import { lcgBreaks, lcgCountBreaks, lcgLastBreak, lcgRng } from '../../src/engine/lcg.ts';
import { TestRandom } from './random.ts';

const cases: readonly [bigint, number][] = [
  [987654321n, 50],
  [0n, 50],
  [(1n << 64n) - 1n, 50],
  [123n, 1],
  [123n, 2],
  [2147483647n, 3],
  [55n, 1000],
  [1n, 99991],
];

describe('lcg-counter', () => {
  it('is seed 000’s deterministicRNG: low 32 bits of seed and step', () => {
    // (1664525 * (seed ^ step) + 1013904223) mod 2^32, computed exactly in BigInt.
    const ref = (seed: bigint, step: bigint) =>
      Number((1664525n * BigInt.asUintN(32, seed ^ step) + 1013904223n) % (1n << 32n));
    const rng = new TestRandom(7);
    for (let i = 0; i < 2000; ++i) {
      const seed = rng.u64(), step = rng.below(2 ** 53);
      expect(lcgRng(seed, step)).toBe(ref(seed, BigInt(step)));
    }
    expect(lcgRng(0n, 0)).toBe(1013904223);
    expect(lcgRng(0n, 2 ** 32)).toBe(1013904223); // period 2^32
  });

  it.each(cases)('seed %s q %i: count and last break match a scan from step 0', (seed, q) => {
    let count = 0, last = -1;
    for (let s = 0; s < 10_000; ++s) {
      if (lcgBreaks(seed, q, s)) {
        ++count;
        last = s;
      }
      if (s % 7 === 0 || s < 300) {
        expect(lcgCountBreaks(seed, q, s)).toBe(count);
        expect(lcgLastBreak(seed, q, s)).toBe(last);
      }
    }
    expect(lcgCountBreaks(seed, q, -1)).toBe(0);
  });

  it.each(cases)('seed %s q %i: counts agree with scans far from zero', (seed, q) => {
    const rng = new TestRandom(Number(seed % 1000n) + q);
    const origins = [2 ** 32 - 2500, 2 ** 40 - 77, 2 ** 53 - 3000, 3 * 2 ** 32 + 12345, rng.below(2 ** 52)];
    for (const s0 of origins) {
      const base = lcgCountBreaks(seed, q, s0);
      let scanned = 0;
      for (let s = s0 + 1; s <= s0 + 2500; ++s) {
        if (lcgBreaks(seed, q, s)) ++scanned;
        if (s % 97 === 0 || s === s0 + 2500) expect(lcgCountBreaks(seed, q, s) - base).toBe(scanned);
      }
    }
  });

  it.each(cases)('seed %s q %i: last break matches a backward scan far from zero', (seed, q) => {
    const rng = new TestRandom(q * 31 + 1);
    for (let i = 0; i < 15; ++i) {
      const s = rng.below(2 ** 53);
      let t = s;
      while (!lcgBreaks(seed, q, t)) --t;
      expect(lcgLastBreak(seed, q, s)).toBe(t);
    }
  });

  it('counts a whole period as ceil(2^32 / q) breaks', () => {
    for (const q of [1, 2, 3, 50, 1000, 99991, 1_000_000]) {
      const k = Math.ceil(2 ** 32 / q);
      expect(lcgCountBreaks(42n, q, 2 ** 32 - 1)).toBe(k);
      expect(lcgCountBreaks(42n, q, 5 * 2 ** 32 - 1)).toBe(5 * k);
    }
    expect(lcgCountBreaks(0n, 1, 2 ** 53 - 1)).toBe(2 ** 53);
  });
});
