// Every case of tests/vectors/engine.json, the vectors the C++ generates
// (apps/metronome-vectors), reproduced exactly: seed parsing and state.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  lcgCounterRule,
  parseSeed,
  roundsRule,
  stateAt,
  validate,
  validateTime,
  type Rule,
  type SessionParams,
} from '../../src/engine/index.ts';

interface VectorCase {
  what: string;
  seed: string;
  seedU64: string;
  rule: { name: string; mean_interval?: number; jitter?: number; break_probability?: number };
  startAt: number;
  tickMs: number;
  now: number;
  expect: Record<string, unknown>;
}

const path = new URL('../../../tests/vectors/engine.json', import.meta.url);
const cases: VectorCase[] = JSON.parse(readFileSync(path, 'utf8')).cases;

function ruleOf(c: VectorCase): Rule {
  if (c.rule.name === 'rounds') return roundsRule({ meanInterval: c.rule.mean_interval, jitter: c.rule.jitter });
  if (c.rule.name === 'lcg-counter') return lcgCounterRule({ breakProbability: c.rule.break_probability });
  throw new Error(`unknown rule ${c.rule.name}`);
}

describe('tests/vectors/engine.json', () => {
  it('holds the cases the docs promise', () => {
    expect(cases.length).toBeGreaterThanOrEqual(1000); // 1,552 when written
    const kinds = new Set(cases.map((c) => c.what));
    for (const k of ['countdown', 'step 0', 'tick boundary - 1 ms', 'step near 2^53', 'random']) expect(kinds).toContain(k);
  });

  it.each(cases.map((c, i) => [i, c] as const))('case %i', (_, c) => {
    const seed = parseSeed(c.seed);
    expect(seed).toBe(BigInt(c.seedU64));
    const params: SessionParams = { seed: seed!, startAt: c.startAt, tickMs: c.tickMs, rule: ruleOf(c) };
    expect(validate(params)).toBeNull();
    expect(validateTime('now', c.now)).toBeNull();
    // Same keys, same values, same order as the C++ JSON.
    expect(stateAt(params, c.now)).toStrictEqual(c.expect);
    expect(JSON.stringify(stateAt(params, c.now))).toBe(JSON.stringify(c.expect));
  });
});
