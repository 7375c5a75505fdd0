/**
 * The timeline engine, a TypeScript port of src/engine that is bit-identical
 * to the C++: the same parameters give the same state on every region, every
 * browser and every replay. docs/engine.md specifies it; the tests reproduce
 * tests/vectors/engine.json and compare with the C++ CLI.
 *
 * Pure: no clock, no I/O. The caller supplies `now` (ms since the Unix epoch).
 *
 * @example
 * const seed = parseSeed('user123')!;
 * const params = { seed, startAt: 1733850000000, tickMs: 100, rule: roundsRule() };
 * if (validate(params) === null) stateAt(params, Date.now());
 *
 * @packageDocumentation
 */
export {
  DEFAULT_TICK_MS,
  MAX_BREAK_PROBABILITY,
  MAX_MEAN_INTERVAL,
  MAX_TICK_MS,
  MAX_TIME_MS,
  MIN_TICK_MS,
  lcgCounterRule,
  roundsRule,
  ruleNamed,
  validate,
  validateTime,
  type InvalidParams,
  type LcgCounterRule,
  type Rule,
  type RuleName,
  type RoundsRule,
  type SessionParams,
} from './params.ts';
export { fnv1a64, hashSeedString, parseSeed } from './seed.ts';
export { breaksAt, stateAt, stateAtStep, stepStartMs, type Phase, type State } from './state.ts';
export { Cursor, MAX_REPLAY_STEPS, forEachBreak, forEachState } from './cursor.ts';
