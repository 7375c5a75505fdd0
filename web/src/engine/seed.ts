// Seeds: unsigned 64-bit integers, or strings hashed to 64 bits.
// docs/engine.md, "Seeds given as strings"; mirrors src/engine/seed.cpp.
import { mix64 } from './splitmix.ts';
import { U64_MAX, mul64 } from './u64.ts';

const FNV_OFFSET_BASIS = 0xcbf29ce484222325n;
const FNV_PRIME = 0x100000001b3n;

/** Longest decimal text read as a number: 2^64 − 1 has 20 digits. */
const MAX_DECIMAL_DIGITS = 20;

const utf8 = new TextEncoder();

/** FNV-1a 64 over `bytes`. */
export function fnv1a64(bytes: Uint8Array): bigint {
  let h = FNV_OFFSET_BASIS;
  for (const b of bytes) h = mul64(h ^ BigInt(b), FNV_PRIME);
  return h;
}

/**
 * `mix64(fnv1a64(bytes))`: FNV-1a 64, then the SplitMix64 finalizer so that
 * similar strings give unrelated seeds. A string is hashed as its UTF-8
 * encoding (TextEncoder). Note: a JavaScript string with an unpaired
 * surrogate has no UTF-8 encoding; TextEncoder writes U+FFFD for it, so pass
 * the bytes themselves when they matter.
 */
export function hashSeedString(text: string | Uint8Array): bigint {
  return mix64(fnv1a64(typeof text === 'string' ? utf8.encode(text) : text));
}

function isAsciiDigits(text: string): boolean {
  for (let i = 0; i < text.length; ++i) {
    const c = text.charCodeAt(i);
    if (c < 0x30 || c > 0x39) return false;
  }
  return true;
}

/**
 * A seed as people type it. Text of 1 to 20 ASCII digits whose value is at
 * most 2^64 − 1 is that number (leading zeros allowed: "007" is 7); any other
 * non-empty text (letters, signs, spaces, 2^64 or more) is
 * {@link hashSeedString}(text). The empty string is not a seed: null.
 */
export function parseSeed(text: string): bigint | null {
  if (text.length === 0) return null;
  if (text.length <= MAX_DECIMAL_DIGITS && isAsciiDigits(text)) {
    const value = BigInt(text);
    if (value <= U64_MAX) return value;
  }
  return hashSeedString(text);
}
