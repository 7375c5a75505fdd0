// SplitMix64 (Steele, Lea, Flood 2014), used as a counter-based generator:
// output n of the stream keyed by `key` is mix64(key + n * GOLDEN_GAMMA).
// Mirrors src/engine/include/metronome/engine/detail/splitmix.hpp.
import { add64, mul64 } from './u64.ts';

/** The SplitMix64 increment, 2^64 / φ rounded to odd. */
export const GOLDEN_GAMMA = 0x9e3779b97f4a7c15n;

/**
 * The SplitMix64 finalizer (Stafford's variant 13). `z` must be in
 * [0, 2^64); the result is too.
 */
export function mix64(z: bigint): bigint {
  z = mul64(z ^ (z >> 30n), 0xbf58476d1ce4e5b9n);
  z = mul64(z ^ (z >> 27n), 0x94d049bb133111ebn);
  return z ^ (z >> 31n);
}

/**
 * Output number `n` (n ≥ 1) of SplitMix64 seeded with `key`:
 * `mix64(key + n * GOLDEN_GAMMA mod 2^64)`. Random access: no state.
 */
export function splitmix64At(key: bigint, n: bigint): bigint {
  return mix64(add64(key, mul64(n, GOLDEN_GAMMA)));
}

/**
 * The high 64 bits of the 128-bit product `x * y` (x, y in [0, 2^64)).
 * BigInt multiplies exactly, so this is the product shifted right by 64;
 * the C++ builds the same value from 32-bit halves.
 */
export function mulHigh64(x: bigint, y: bigint): bigint {
  return (x * y) >> 64n;
}

/** `floor(x * bound / 2^64)`: maps a uniform 64-bit `x` to [0, bound). */
export function scaleTo(x: bigint, bound: bigint): bigint {
  return mulHigh64(x, bound);
}
