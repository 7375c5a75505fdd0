// A small seeded generator for the tests' random parameters, independent of
// the engine's own generator (a bug there must not hide itself).
// mulberry32 (Tommy Ettinger), 32 bits per call.
export class TestRandom {
  private s: number;

  constructor(seed: number) {
    this.s = seed >>> 0;
  }

  u32(): number {
    this.s = (this.s + 0x6d2b79f5) >>> 0;
    let t = this.s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  }

  /** Uniform-ish integer in [0, n) for 1 ≤ n ≤ 2^53 (53 random bits mod n). */
  below(n: number): number {
    const x = (this.u32() >>> 11) * 2 ** 32 + this.u32(); // 53 bits
    return x % n;
  }

  /** Integer in [lo, hi]. */
  between(lo: number, hi: number): number {
    return lo + this.below(hi - lo + 1);
  }

  u64(): bigint {
    return (BigInt(this.u32()) << 32n) | BigInt(this.u32());
  }

  pick<T>(items: readonly T[]): T {
    return items[this.below(items.length)]!;
  }
}
