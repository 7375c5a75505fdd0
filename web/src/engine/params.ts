// Session parameters of the timeline engine and their validation.
// Mirrors src/engine/include/metronome/engine/params.hpp and params.cpp: the
// same bounds, the same order of checks, the same field names and messages.
import { U64_MAX } from './u64.ts';

/** Smallest tick length (ms). */
export const MIN_TICK_MS = 1;
/** Largest tick length (ms). */
export const MAX_TICK_MS = 60_000;
/** Default tick length (ms). */
export const DEFAULT_TICK_MS = 100;
/**
 * Timestamps (`startAt`, `now`) are ms since the Unix epoch in
 * [0, 2^53 − 1] (`Number.MAX_SAFE_INTEGER`), so every timestamp, step and
 * round is exactly representable as a JavaScript number.
 */
export const MAX_TIME_MS = Number.MAX_SAFE_INTEGER;

/** Largest `meanInterval` of the rounds rule (steps). */
export const MAX_MEAN_INTERVAL = 1_000_000_000;
/** Largest `breakProbability` of the lcg-counter rule. */
export const MAX_BREAK_PROBABILITY = 1_000_000;

/**
 * The default rule: break r (r ≥ 1) happens at step
 * `r * meanInterval + J_r`, J_r uniform in [0, jitter]. docs/engine.md, "rounds".
 */
export interface RoundsRule {
  readonly name: 'rounds';
  /** Mean steps between breaks, 1 to 10^9. Default 50. */
  readonly meanInterval: number;
  /** Largest offset of a break from its lattice point (steps), 0 to meanInterval − 1. Default meanInterval − 1. */
  readonly jitter: number;
}

/**
 * Seed 000's rule: a step breaks when
 * `(1664525 * ((seed XOR step) mod 2^32) + 1013904223) mod 2^32` is a
 * multiple of `breakProbability`.
 */
export interface LcgCounterRule {
  readonly name: 'lcg-counter';
  /** One break per this many steps on average, 1 to 10^6. Default 50. */
  readonly breakProbability: number;
}

export type Rule = RoundsRule | LcgCounterRule;

/** The rule names as used on the wire. */
export type RuleName = Rule['name'];

export interface SessionParams {
  /** Any unsigned 64-bit value, 0 to 2^64 − 1; see parseSeed for text seeds. */
  readonly seed: bigint;
  /** When step 0 begins (ms since the Unix epoch), 0 to 2^53 − 1. */
  readonly startAt: number;
  /** Step length (ms), 1 to 60,000. Default 100. */
  readonly tickMs: number;
  /** Default {@link roundsRule}(). */
  readonly rule: Rule;
}

/**
 * A rounds rule; omitted fields take their defaults (meanInterval 50,
 * jitter meanInterval − 1, as the CLI does).
 */
export function roundsRule(options: { meanInterval?: number; jitter?: number } = {}): RoundsRule {
  const meanInterval = options.meanInterval ?? 50;
  return { name: 'rounds', meanInterval, jitter: options.jitter ?? meanInterval - 1 };
}

/** An lcg-counter rule; breakProbability defaults to 50. */
export function lcgCounterRule(options: { breakProbability?: number } = {}): LcgCounterRule {
  return { name: 'lcg-counter', breakProbability: options.breakProbability ?? 50 };
}

/** The rule with this wire name and its default parameters, or null if unknown. */
export function ruleNamed(name: string): Rule | null {
  if (name === 'rounds') return roundsRule();
  if (name === 'lcg-counter') return lcgCounterRule();
  return null;
}

/**
 * Why a set of parameters was refused: the offending field, by its wire name
 * as the C++ reports it (`tick_ms`, `start_at`, `mean_interval`, `jitter`,
 * `break_probability`, or the name given to validateTime), and a sentence.
 */
export interface InvalidParams {
  readonly field: string;
  readonly message: string;
}

function rangeMessage(what: string, lo: number | bigint, hi: number | bigint): string {
  return `${what} must be an integer from ${lo} to ${hi}`;
}

/** True for an integer-valued number in [lo, hi] (false for NaN, fractions, non-numbers). */
function isIntegerIn(x: unknown, lo: number, hi: number): boolean {
  return typeof x === 'number' && Number.isInteger(x) && x >= lo && x <= hi;
}

/**
 * Checks a timestamp (ms since the Unix epoch) against [0, 2^53 − 1]; null
 * means valid. `field` names it in the result, e.g. "now".
 */
export function validateTime(field: string, timeMs: number): InvalidParams | null {
  if (!isIntegerIn(timeMs, 0, MAX_TIME_MS)) {
    return { field, message: `${rangeMessage(field, 0, MAX_TIME_MS)} (ms since the Unix epoch)` };
  }
  return null;
}

/**
 * Checks every field against its bounds, in the C++ order (tick_ms,
 * start_at, then the rule's fields); null means valid. The engine's other
 * functions assume parameters that passed.
 *
 * Beyond the C++ (whose types rule these out): a seed that is not a BigInt in
 * [0, 2^64 − 1] is refused as `seed`, an unknown rule name as `rule`, and a
 * number that is not an integer as its field.
 */
export function validate(params: SessionParams): InvalidParams | null {
  if (!isIntegerIn(params.tickMs, MIN_TICK_MS, MAX_TICK_MS)) {
    return { field: 'tick_ms', message: rangeMessage('tick_ms', MIN_TICK_MS, MAX_TICK_MS) };
  }
  const badStart = validateTime('start_at', params.startAt);
  if (badStart) return badStart;
  if (typeof params.seed !== 'bigint' || params.seed < 0n || params.seed > U64_MAX) {
    return { field: 'seed', message: rangeMessage('seed', 0, U64_MAX) };
  }
  const rule = params.rule;
  switch (rule.name) {
    case 'rounds':
      if (!isIntegerIn(rule.meanInterval, 1, MAX_MEAN_INTERVAL)) {
        return { field: 'mean_interval', message: rangeMessage('mean_interval', 1, MAX_MEAN_INTERVAL) };
      }
      if (!isIntegerIn(rule.jitter, 0, rule.meanInterval - 1)) {
        return {
          field: 'jitter',
          message: `${rangeMessage('jitter', 0, rule.meanInterval - 1)} (less than mean_interval, so that breaks stay ordered)`,
        };
      }
      return null;
    case 'lcg-counter':
      if (!isIntegerIn(rule.breakProbability, 1, MAX_BREAK_PROBABILITY)) {
        return { field: 'break_probability', message: rangeMessage('break_probability', 1, MAX_BREAK_PROBABILITY) };
      }
      return null;
    default:
      return { field: 'rule', message: 'rule must be rounds or lcg-counter' };
  }
}
