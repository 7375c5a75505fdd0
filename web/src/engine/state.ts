// The state of a session at a moment: the one function everything stands on.
// Mirrors src/engine/state.cpp; docs/engine.md, "Phase and step".
import { lcgBreaks, lcgCountBreaks, lcgLastBreak } from './lcg.ts';
import type { SessionParams } from './params.ts';
import { roundsBreakStep, roundsRoundAt } from './rounds.ts';

export type Phase =
  /** now < startAt: the game has not begun. */
  | 'countdown'
  /** now ≥ startAt. */
  | 'running';

/** The state of a session: the same fields, with the same values, as the C++ `state`. */
export interface State {
  readonly phase: Phase;
  /** floor((now − startAt) / tickMs); 0 in countdown. */
  readonly step: number;
  /** Steps since the last break (0 on a break step); 0 in countdown. */
  readonly value: number;
  /** Number of breaks in steps [0, step]; 0 in countdown. */
  readonly round: number;
  /** True exactly on a step where a break happens. */
  readonly broken: boolean;
  /** startAt − now, present in countdown only (ms). */
  readonly remainingMs?: number;
}

/** floor(a / b) for non-negative safe integers, exactly (no rounding of a / b). */
function floorDiv(a: number, b: number): number {
  return (a - (a % b)) / b;
}

/**
 * The running state at `step` (0 ≤ step ≤ 2^53 − 1), independent of time.
 * Precondition: validate(params) passed.
 */
export function stateAtStep(params: SessionParams, step: number): State {
  const { seed, rule } = params;
  let round: number;
  let lastBreak: number;
  if (rule.name === 'rounds') {
    round = roundsRoundAt(seed, rule, step);
    lastBreak = roundsBreakStep(seed, rule, round);
  } else {
    lastBreak = lcgLastBreak(seed, rule.breakProbability, step);
    round = lcgCountBreaks(seed, rule.breakProbability, step);
  }
  return { phase: 'running', step, value: step - lastBreak, round, broken: step === lastBreak };
}

/**
 * The state at `nowMs` (ms since the Unix epoch). Preconditions:
 * validate(params) and validateTime('now', nowMs) passed. Pure: the caller
 * supplies the time. Cost does not grow with the step: one generator call
 * for rounds, at most about 50 block counts for lcg-counter.
 */
export function stateAt(params: SessionParams, nowMs: number): State {
  if (nowMs < params.startAt) {
    return { phase: 'countdown', step: 0, value: 0, round: 0, broken: false, remainingMs: params.startAt - nowMs };
  }
  return stateAtStep(params, floorDiv(nowMs - params.startAt, params.tickMs));
}

/** True when a break happens at `step` (step ≥ 0). Cheaper than stateAtStep. */
export function breaksAt(params: SessionParams, step: number): boolean {
  const { seed, rule } = params;
  if (rule.name === 'rounds') return step === roundsBreakStep(seed, rule, roundsRoundAt(seed, rule, step));
  return lcgBreaks(seed, rule.breakProbability, step);
}

/**
 * When step `step` begins: startAt + step * tickMs (ms since the Unix epoch).
 * Exact whenever the result is at most 2^53 − 1, as it is for every step
 * reached at a valid `now`.
 */
export function stepStartMs(params: SessionParams, step: number): number {
  return params.startAt + step * params.tickMs;
}
