// The rounds rule: break r (r ≥ 1) at b_r = r * meanInterval + J_r, J_r in
// [0, jitter]. b_0 = −1 is a virtual break before the first step, so that
// `value` counts steps since the last break in every round, as seed 000's
// counter does. Mirrors detail/rounds.hpp.
//
// Numbers, not BigInt, hold steps: every step is at most 2^53 − 1. A break
// step computed past 2^53 (only the cursor asks that far ahead) may be
// rounded, but stays above every valid step, which is all it is compared with.
import type { RoundsRule } from './params.ts';
import { scaleTo, splitmix64At } from './splitmix.ts';

/** J_r: SplitMix64 output r scaled to [0, jitter]. r ≥ 1. */
export function roundsOffset(seed: bigint, rule: RoundsRule, r: number): number {
  return Number(scaleTo(splitmix64At(seed, BigInt(r)), BigInt(rule.jitter) + 1n));
}

/** b_r, the step of break r (r ≥ 0; b_0 = −1). */
export function roundsBreakStep(seed: bigint, rule: RoundsRule, r: number): number {
  if (r === 0) return -1;
  return Number(BigInt(r) * BigInt(rule.meanInterval) + BigInt(roundsOffset(seed, rule, r)));
}

/**
 * The round containing `step` (step ≥ 0): the largest r with b_r ≤ step.
 * Since r * mean ≤ b_r ≤ r * mean + mean − 1, it is q = floor(step / mean)
 * or q − 1: one generator call whatever the step.
 */
export function roundsRoundAt(seed: bigint, rule: RoundsRule, step: number): number {
  const q = (step - (step % rule.meanInterval)) / rule.meanInterval; // exact floor division
  if (q === 0) return 0;
  return roundsBreakStep(seed, rule, q) <= step ? q : q - 1;
}
