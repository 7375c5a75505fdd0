// Unsigned 64-bit arithmetic on BigInt, wrapping modulo 2^64 exactly as C++'s
// std::uint64_t does. Every product and sum in the engine goes through these.

/** 2^64 − 1, the largest unsigned 64-bit value. */
export const U64_MAX = (1n << 64n) - 1n;

/** `(x * y) mod 2^64`. */
export function mul64(x: bigint, y: bigint): bigint {
  return BigInt.asUintN(64, x * y);
}

/** `(x + y) mod 2^64`. */
export function add64(x: bigint, y: bigint): bigint {
  return BigInt.asUintN(64, x + y);
}

/** `(x − y) mod 2^64`. */
export function sub64(x: bigint, y: bigint): bigint {
  return BigInt.asUintN(64, x - y);
}
