// The lcg-counter rule (seed 000): a step breaks when
// (1664525 * x + 1013904223) mod 2^32 is a multiple of q,
// x = (seed XOR step) mod 2^32. Mirrors detail/lcg.hpp and lcg.cpp step for
// step, so that results are identical to the C++ even where they depend on
// the algorithm (unsigned 64-bit wrapping in floorSum is reproduced, not
// avoided).
//
// Counting breaks up to a step in O(log) is what makes `round` cheap: the map
// x -> a*x + c mod 2^32 is a bijection (a is odd), so the breaks among the
// inputs x of an aligned block are the j < ceil(2^32/q) whose preimage
// a^-1 * (q*j - c) falls in the block, a count given by floor sums.
// docs/engine.md derives it.
//
// Representation: 32-bit values are numbers kept in [0, 2^32) with `>>> 0`
// and Math.imul; period-local steps and block starts are numbers in
// [0, 2^32] (bits read arithmetically, since JavaScript shifts count mod 32);
// floor sums run on BigInt with every product and sum wrapped to 64 bits.
import { add64, mul64, sub64 } from './u64.ts';

/** The LCG multiplier a of seed 000's deterministicRNG. */
export const LCG_MULTIPLIER = 1664525;
/** The LCG increment c of seed 000's deterministicRNG. */
export const LCG_INCREMENT = 1013904223;

const PERIOD = 2 ** 32;
const PERIOD_N = 1n << 32n;

/** a^-1 mod 2^32 by Newton's iteration (each round doubles the correct bits). */
function inverseMod2_32(a: number): number {
  let x = a; // correct to 3 bits for odd a
  for (let i = 0; i < 5; ++i) x = Math.imul(x, 2 - Math.imul(a, x)) >>> 0;
  return x;
}

const LCG_INVERSE = inverseMod2_32(LCG_MULTIPLIER);
if (Math.imul(LCG_MULTIPLIER, LCG_INVERSE) !== 1) throw new Error('lcg: bad modular inverse');
/** a^-1 * c mod 2^32, a constant of every block count. */
const LCG_INVERSE_TIMES_INCREMENT = Math.imul(LCG_INVERSE, LCG_INCREMENT) >>> 0;

/**
 * Blocks of 2^7 = 128 inputs or fewer are counted by evaluating every input:
 * cheaper than two floor sums.
 */
const ENUMERATE_MAX_LOG2 = 7;

/**
 * Steps scanned one by one before the block search in lcgLastBreak: with
 * q = 50 the gap exceeds this with probability (49/50)^256, about 0.6 %.
 */
const LINEAR_SCAN_STEPS = 256;

/** The low 32 bits of a seed, the only part the rule reads. */
export function seedLow32(seed: bigint): number {
  return Number(BigInt.asUintN(32, seed));
}

/** deterministicRNG of seed 000 with the seed's low 32 bits given. step ≥ 0, a safe integer. */
export function lcgRng32(seed32: number, step: number): number {
  // `^` reads both operands modulo 2^32 (ToInt32), exactly the C++ casts.
  const x = seed32 ^ step;
  return (Math.imul(LCG_MULTIPLIER, x) + LCG_INCREMENT) >>> 0;
}

/** deterministicRNG(seed, step) of seed 000: (a * ((seed XOR step) mod 2^32) + c) mod 2^32. */
export function lcgRng(seed: bigint, step: number): number {
  return lcgRng32(seedLow32(seed), step);
}

/** shouldBreak of seed 000: lcgRng(seed, step) mod q == 0. */
export function lcgBreaks(seed: bigint, q: number, step: number): boolean {
  return lcgRng(seed, step) % q === 0;
}

/**
 * `sum_{i=0}^{n-1} floor((a*i + b) / m)` by the Euclid-like reduction, in
 * unsigned 64-bit arithmetic exactly as the C++ (which is exact for
 * n ≤ 2^31, m ≤ 2^32, a < 2^32, b < 2^33, the engine's use). m ≥ 1.
 */
export function floorSum(n: bigint, m: bigint, a: bigint, b: bigint): bigint {
  // Invariant: the answer is ans + sum_{i<n} floor((a*i + b)/m). Each round
  // reduces a, b below m and swaps the roles of rows and columns of the
  // lattice-point count, like Euclid's algorithm on (m, a).
  let ans = 0n;
  for (;;) {
    if (a >= m) {
      ans = add64(ans, mul64(mul64(n, sub64(n, 1n)) / 2n, a / m));
      a %= m;
    }
    if (b >= m) {
      ans = add64(ans, mul64(n, b / m));
      b %= m;
    }
    const yMax = add64(mul64(a, n), b);
    if (yMax < m) return ans;
    n = yMax / m;
    b = yMax % m;
    const t = m;
    m = a;
    a = t;
  }
}

/** Bit k of v (v a non-negative safe integer, k ≤ 52). */
function bitAt(v: number, k: number): boolean {
  return Math.floor(v / 2 ** k) % 2 === 1;
}

/** v with its bits below bit k cleared (v a non-negative safe integer). */
function clearBelow(v: number, k: number): number {
  return v - (v % 2 ** k);
}

function popcount32(v: number): number {
  v >>>= 0;
  v -= (v >>> 1) & 0x55555555;
  v = (v & 0x33333333) + ((v >>> 2) & 0x33333333);
  v = (v + (v >>> 4)) & 0x0f0f0f0f;
  return Math.imul(v, 0x01010101) >>> 24;
}

/** Breaks among LCG inputs x in the aligned block [x0, x0 + 2^k), 0 ≤ k ≤ 32. */
function countInInputBlock(q: number, x0: number, k: number): number {
  const len = 2 ** k;
  if (q === 1) return len;
  if (k <= ENUMERATE_MAX_LOG2) {
    let n = 0;
    for (let i = 0; i < len; ++i) {
      if (((Math.imul(LCG_MULTIPLIER, x0 + i) + LCG_INCREMENT) >>> 0) % q === 0) ++n;
    }
    return n;
  }
  // Outputs y = q*j, j in [0, K), come from x_j = a^-1 * (q*j - c) mod 2^32.
  // x_j is in the block iff (A*j + D) mod 2^32 < len, with A = a^-1 * q and
  // D = -(a^-1 * c) - x0; and [v mod m < len] = floor(v/m) - floor((v + m - len)/m) + 1.
  const qN = BigInt(q);
  const kOutputs = (PERIOD_N + qN - 1n) / qN;
  const aCoef = BigInt(Math.imul(LCG_INVERSE, q) >>> 0);
  const dCoef = BigInt((0 - LCG_INVERSE_TIMES_INCREMENT - x0) >>> 0);
  const inside = sub64(
    floorSum(kOutputs, PERIOD_N, aCoef, dCoef),
    floorSum(kOutputs, PERIOD_N, aCoef, dCoef + PERIOD_N - BigInt(len)),
  );
  return Number(add64(inside, kOutputs));
}

/**
 * Breaks among period-local steps t in the aligned block [t0, t0 + 2^k),
 * 0 ≤ t0 ≤ 2^32, 0 ≤ k ≤ 32. XOR with the seed maps it onto an aligned
 * block of inputs.
 */
function countInStepBlock(seed32: number, q: number, t0: number, k: number): number {
  const x0 = k >= 32 ? 0 : (((seed32 ^ t0) >>> k) << k) >>> 0;
  return countInInputBlock(q, x0, k);
}

/**
 * Breaks among period-local steps t in [0, v), 0 ≤ v ≤ 2^32. [0, v) is the
 * union of one aligned block per set bit of v; [v, 2^32) of one per clear bit
 * plus {v}. Counting the smaller side bounds the work at 17 blocks.
 */
function countPrefix(seed32: number, q: number, v: number): number {
  const whole = countInInputBlock(q, 0, 32);
  if (v === PERIOD) return whole;
  if (popcount32(v) <= 16) {
    let n = 0;
    for (let k = 0; k < 32; ++k) {
      if (bitAt(v, k)) n += countInStepBlock(seed32, q, clearBelow(v, k + 1), k);
    }
    return n;
  }
  let suffix = countInStepBlock(seed32, q, v, 0);
  for (let k = 0; k < 32; ++k) {
    if (!bitAt(v, k)) suffix += countInStepBlock(seed32, q, clearBelow(v, k + 1) + 2 ** k, k);
  }
  return whole - suffix;
}

/**
 * Largest period-local step t < v that breaks, or −1 (0 ≤ v ≤ 2^32). The
 * blocks of [0, v) are scanned right to left; the first non-empty one is
 * halved down to a step.
 */
function lastInPrefix(seed32: number, q: number, v: number): number {
  for (let k = 0; k <= 32; ++k) {
    if (!bitAt(v, k)) continue;
    let t0 = clearBelow(v, k + 1);
    if (countInStepBlock(seed32, q, t0, k) === 0) continue;
    for (let half = k; half > 0; --half) {
      const right = t0 + 2 ** (half - 1);
      if (countInStepBlock(seed32, q, right, half - 1) > 0) t0 = right;
    }
    return t0;
  }
  return -1;
}

/**
 * Number of break steps in [0, step], for −1 ≤ step ≤ 2^53 − 1:
 * `floor((step + 1) / 2^32) * K + P((step + 1) mod 2^32)`, at most 17 block
 * counts whatever the step.
 */
export function lcgCountBreaks(seed: bigint, q: number, step: number): number {
  const steps = step + 1; // [0, step] has step + 1 steps
  const fullPeriods = Math.floor(steps / PERIOD);
  const seed32 = seedLow32(seed);
  const n = add64(
    mul64(BigInt(fullPeriods), BigInt(countPrefix(seed32, q, PERIOD))),
    BigInt(countPrefix(seed32, q, steps % PERIOD)),
  );
  return Number(n);
}

/**
 * The largest break step ≤ step, or −1 when there is none (step ≥ 0): a
 * scan of the 256 steps ending at `step`, then a block search of the rest of
 * this period, then of the whole previous period.
 */
export function lcgLastBreak(seed: bigint, q: number, step: number): number {
  const seed32 = seedLow32(seed);
  const scanEnd = step - LINEAR_SCAN_STEPS;
  for (let t = step; t > scanEnd && t >= 0; --t) {
    if (lcgRng32(seed32, t) % q === 0) return t;
  }
  if (scanEnd < 0) return -1;
  // The pattern repeats every 2^32 steps: search this period up to scanEnd,
  // then the whole previous period.
  const base = clearBelow(scanEnd, 32);
  const local = lastInPrefix(seed32, q, scanEnd - base + 1);
  if (local >= 0) return base + local;
  if (base === 0) return -1;
  return base - PERIOD + lastInPrefix(seed32, q, PERIOD);
}
