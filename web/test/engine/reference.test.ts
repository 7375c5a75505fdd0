// Published reference values and the building blocks: SplitMix64, FNV-1a,
// the 128-bit high product, the seed rules, floor sums.
import { describe, expect, it } from 'vitest';
import { floorSum } from '../../src/engine/lcg.ts';
import { fnv1a64, hashSeedString, parseSeed } from '../../src/engine/seed.ts';
import { mix64, mulHigh64, scaleTo, splitmix64At } from '../../src/engine/splitmix.ts';
import { U64_MAX } from '../../src/engine/u64.ts';
import { TestRandom } from './random.ts';

const bytes = (s: string) => new TextEncoder().encode(s);

describe('SplitMix64', () => {
  it('matches the published outputs for seed 0', () => {
    // Vigna's splitmix64.c seeded with 0: outputs 1, 2, 3.
    expect(splitmix64At(0n, 1n)).toBe(0xe220a8397b1dcdafn);
    expect(splitmix64At(0n, 2n)).toBe(0x6e789e6aa1b965f4n);
    expect(splitmix64At(0n, 3n)).toBe(0x06c45d188009454fn);
  });

  it('wraps the counter modulo 2^64', () => {
    expect(splitmix64At(U64_MAX, 1n)).toBe(mix64(0x9e3779b97f4a7c14n));
    expect(splitmix64At(0n, 1n << 64n)).toBe(mix64(0n));
  });

  it('mulHigh64 is the high half of the 128-bit product', () => {
    expect(mulHigh64(U64_MAX, U64_MAX)).toBe(U64_MAX - 1n);
    expect(mulHigh64(1n << 63n, 2n)).toBe(1n);
    expect(mulHigh64(U64_MAX, 1n)).toBe(0n);
    // scaleTo maps onto [0, bound).
    expect(scaleTo(U64_MAX, 50n)).toBe(49n);
    expect(scaleTo(0n, 50n)).toBe(0n);
  });
});

describe('FNV-1a 64 and string seeds', () => {
  it('matches the FNV-1a reference values', () => {
    expect(fnv1a64(bytes(''))).toBe(0xcbf29ce484222325n);
    expect(fnv1a64(bytes('a'))).toBe(0xaf63dc4c8601ec8cn);
    expect(fnv1a64(bytes('foobar'))).toBe(0x85944171f73967e8n);
  });

  it('hashes text as mix64(fnv1a64(UTF-8 bytes))', () => {
    expect(parseSeed('a')).toBe(mix64(0xaf63dc4c8601ec8cn));
    expect(parseSeed('foobar')).toBe(mix64(0x85944171f73967e8n));
    expect(hashSeedString('')).toBe(mix64(0xcbf29ce484222325n));
    expect(hashSeedString('é')).toBe(hashSeedString(new Uint8Array([0xc3, 0xa9])));
  });

  it('reads 1 to 20 decimal digits up to 2^64 - 1 as a number', () => {
    expect(parseSeed('0')).toBe(0n);
    expect(parseSeed('987654321')).toBe(987654321n);
    expect(parseSeed('007')).toBe(7n);
    expect(parseSeed('00000000000000000007')).toBe(7n); // 20 digits
    expect(parseSeed('18446744073709551615')).toBe(U64_MAX);
  });

  it('hashes everything else, and refuses the empty string', () => {
    for (const text of ['18446744073709551616', '99999999999999999999', '000000000000000000007', '-1', '+1', ' 1', '1 ', '1e3', '0x10', '١٢٣']) {
      expect(parseSeed(text), text).toBe(hashSeedString(text));
    }
    expect(parseSeed('550e8400-e29b-41d4-a716-446655440000')).not.toBe(parseSeed('550e8400-e29b-41d4-a716-446655440001'));
    expect(parseSeed('')).toBeNull();
  });
});

describe('floorSum', () => {
  const naive = (n: bigint, m: bigint, a: bigint, b: bigint) => {
    let s = 0n;
    for (let i = 0n; i < n; ++i) s += (a * i + b) / m;
    return s;
  };
  // The same reduction without wrapping: BigInt is unbounded.
  const wide = (n: bigint, m: bigint, a: bigint, b: bigint) => {
    let ans = 0n;
    for (;;) {
      if (a >= m) {
        ans += ((n * (n - 1n)) / 2n) * (a / m);
        a %= m;
      }
      if (b >= m) {
        ans += n * (b / m);
        b %= m;
      }
      const y = a * n + b;
      if (y < m) return ans;
      [n, b, m, a] = [y / m, y % m, a, m];
    }
  };

  it('matches the naive sum on small inputs', () => {
    const rng = new TestRandom(1);
    for (let i = 0; i < 3000; ++i) {
      const n = BigInt(rng.below(300)), m = BigInt(1 + rng.below(1000));
      const a = BigInt(rng.below(3000)), b = BigInt(rng.below(3000));
      expect(floorSum(n, m, a, b)).toBe(naive(n, m, a, b));
    }
  });

  it('does not wrap at the engine’s largest inputs', () => {
    const rng = new TestRandom(2);
    const m = 1n << 32n;
    for (let i = 0; i < 3000; ++i) {
      const q = BigInt(2 + rng.below(1_000_000));
      const n = (m + q - 1n) / q;
      const a = BigInt(rng.u32()), b = BigInt(rng.below(2 ** 33));
      expect(floorSum(n, m, a, b)).toBe(wide(n, m, a, b));
    }
    expect(floorSum(m / 2n, m, m - 1n, 2n * m - 1n)).toBe(wide(m / 2n, m, m - 1n, 2n * m - 1n));
  });
});
