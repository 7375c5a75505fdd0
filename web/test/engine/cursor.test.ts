// The cursor against random access: every step it walks must equal
// stateAtStep, and the break-only walk must find exactly the break steps.
import { describe, expect, it } from 'vitest';
import {
  Cursor,
  breaksAt,
  forEachBreak,
  forEachState,
  lcgCounterRule,
  roundsRule,
  stateAtStep,
  type SessionParams,
  type State,
} from '../../src/engine/index.ts';

const paramSets: readonly SessionParams[] = [
  { seed: 0n, startAt: 0, tickMs: 1, rule: roundsRule() },
  { seed: 987654321n, startAt: 0, tickMs: 1, rule: roundsRule({ meanInterval: 10, jitter: 3 }) },
  { seed: (1n << 64n) - 1n, startAt: 0, tickMs: 1, rule: roundsRule({ meanInterval: 1, jitter: 0 }) },
  { seed: 42n, startAt: 0, tickMs: 1, rule: roundsRule({ meanInterval: 1000, jitter: 999 }) },
  { seed: 7n, startAt: 0, tickMs: 1, rule: roundsRule({ meanInterval: 2, jitter: 1 }) },
  { seed: 987654321n, startAt: 0, tickMs: 1, rule: lcgCounterRule() },
  { seed: 0n, startAt: 0, tickMs: 1, rule: lcgCounterRule({ breakProbability: 1 }) },
  { seed: 123n, startAt: 0, tickMs: 1, rule: lcgCounterRule({ breakProbability: 2 }) },
  { seed: 2147483647n, startAt: 0, tickMs: 1, rule: lcgCounterRule({ breakProbability: 7 }) },
];
const origins = [0, 2 ** 32 - 1000, 2 ** 40, 2 ** 53 - 2501];
const label = (p: SessionParams) => `${p.rule.name} ${JSON.stringify(p.rule)} seed ${p.seed}`;

describe('Cursor', () => {
  it.each(paramSets.map((p) => [label(p), p] as const))('%s: advance agrees with random access', (_, p) => {
    for (const from of origins) {
      const c = new Cursor(p, from);
      for (let i = 0; i < 2500; ++i) {
        const s = c.current;
        expect(s).toStrictEqual(stateAtStep(p, s.step));
        expect(s.broken).toBe(breaksAt(p, s.step));
        c.advance();
      }
    }
  });

  it.each(paramSets.map((p) => [label(p), p] as const))('%s: advanceToNextBreak lands on each break', (_, p) => {
    for (const from of origins) {
      const to = from + 2500;
      const expected: State[] = [];
      forEachState(p, from, to, (s) => {
        if (s.broken) expected.push(s);
      });
      const found: State[] = [];
      forEachBreak(p, from, to, (s) => found.push(s));
      expect(found).toStrictEqual(expected);

      // Stops at upTo when no break comes first, and never moves backwards.
      const c = new Cursor(p, from);
      c.advanceToNextBreak(from);
      expect(c.current.step).toBe(from);
      c.advanceToNextBreak(from + 1);
      expect(c.current).toStrictEqual(stateAtStep(p, from + 1));
    }
  });

  it('forEachState visits [from, to] in order', () => {
    const p = paramSets[1]!;
    const steps: number[] = [];
    forEachState(p, 5, 9, (s) => steps.push(s.step));
    expect(steps).toEqual([5, 6, 7, 8, 9]);
    const one: number[] = [];
    forEachState(p, 2 ** 53 - 1, 2 ** 53 - 1, (s) => one.push(s.step));
    expect(one).toEqual([2 ** 53 - 1]);
  });

  it('value counts steps since the last break like seed 000’s counter', () => {
    // handleTick: counter = 0 on a break, else counter + 1, from 0.
    for (const p of paramSets) {
      let counter = 0;
      for (let s = 0; s < 3000; ++s) {
        counter = breaksAt(p, s) ? 0 : counter + 1;
        expect(stateAtStep(p, s).value).toBe(counter);
      }
    }
  });
});
