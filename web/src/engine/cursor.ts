// Walking a range of consecutive steps: replays, and tick loops that advance
// one step at a time without paying for random access on every step.
// Mirrors src/engine/replay.cpp and replay.hpp.
import { lcgRng32, seedLow32 } from './lcg.ts';
import type { SessionParams } from './params.ts';
import { roundsBreakStep } from './rounds.ts';
import { stateAtStep, type State } from './state.ts';

/** Largest number of steps a replay may cover in one call (CLI and HTTP). */
export const MAX_REPLAY_STEPS = 10_000_000;

/**
 * A position on the timeline that advances one step in O(1).
 * Invariant: `current` equals stateAtStep(params, current.step).
 * Steps stay within [0, 2^53 − 1]: do not advance past the last valid step.
 */
export class Cursor {
  private readonly params: SessionParams;
  private readonly seed32: number;
  private step: number;
  private value: number;
  private round: number;
  private broken: boolean;
  /** rounds: step of the next break after the current step (unused for lcg-counter). */
  private nextBreak = 0;

  /** The cursor at `step` (step ≥ 0); costs one random access. Precondition: validate(params) passed. */
  constructor(params: SessionParams, step: number) {
    this.params = params;
    this.seed32 = seedLow32(params.seed);
    const s = stateAtStep(params, step);
    this.step = s.step;
    this.value = s.value;
    this.round = s.round;
    this.broken = s.broken;
    if (params.rule.name === 'rounds') this.nextBreak = roundsBreakStep(params.seed, params.rule, this.round + 1);
  }

  /** The state at the cursor (a fresh object each call). */
  get current(): State {
    return { phase: 'running', step: this.step, value: this.value, round: this.round, broken: this.broken };
  }

  /** Moves to the next step. */
  advance(): void {
    ++this.step;
    const rule = this.params.rule;
    let broken: boolean;
    if (rule.name === 'rounds') {
      broken = this.step === this.nextBreak;
      if (broken) this.nextBreak = roundsBreakStep(this.params.seed, rule, this.round + 2);
    } else {
      broken = lcgRng32(this.seed32, this.step) % rule.breakProbability === 0;
    }
    this.broken = broken;
    if (broken) {
      ++this.round;
      this.value = 0;
    } else {
      ++this.value;
    }
  }

  /**
   * Moves to the first break step in (step, upTo], or to upTo when there is
   * none; does nothing when upTo ≤ step. O(1) for rounds; O(upTo − step) at
   * worst for lcg-counter.
   */
  advanceToNextBreak(upTo: number): void {
    if (this.params.rule.name === 'rounds') {
      const target = this.nextBreak < upTo ? this.nextBreak : upTo;
      if (target <= this.step) return;
      // No break lies in (step, target): jump to target − 1, then step onto target.
      this.value += target - 1 - this.step;
      this.step = target - 1;
      this.advance();
      return;
    }
    while (this.step < upTo) {
      this.advance();
      if (this.broken) return;
    }
  }
}

/** Calls fn(state) for every step in [from, to] (0 ≤ from ≤ to). */
export function forEachState(params: SessionParams, from: number, to: number, fn: (s: State) => void): void {
  const c = new Cursor(params, from);
  for (;;) {
    const s = c.current;
    fn(s);
    if (s.step >= to) break;
    c.advance();
  }
}

/**
 * Calls fn(state) for every break step in [from, to] (0 ≤ from ≤ to).
 * rounds: O(number of breaks + 1); lcg-counter: O(to − from).
 */
export function forEachBreak(params: SessionParams, from: number, to: number, fn: (s: State) => void): void {
  const c = new Cursor(params, from);
  let s = c.current;
  if (s.broken) fn(s);
  while (s.step < to) {
    c.advanceToNextBreak(to);
    s = c.current;
    if (s.broken) fn(s);
  }
}
