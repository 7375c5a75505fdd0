// Validation: the C++ bounds, field names and messages (params.cpp).
import { describe, expect, it } from 'vitest';
import {
  MAX_TIME_MS,
  lcgCounterRule,
  roundsRule,
  ruleNamed,
  validate,
  validateTime,
  type Rule,
  type SessionParams,
} from '../../src/engine/index.ts';

const base: SessionParams = { seed: 1n, startAt: 1733850000000, tickMs: 100, rule: roundsRule() };
const withChange = (change: Partial<SessionParams>): SessionParams => ({ ...base, ...change });
const field = (p: SessionParams) => validate(p)?.field ?? null;

describe('validate', () => {
  it('accepts the defaults and both ends of every range', () => {
    expect(validate(base)).toBeNull();
    for (const tickMs of [1, 60_000]) expect(validate(withChange({ tickMs }))).toBeNull();
    for (const startAt of [0, MAX_TIME_MS]) expect(validate(withChange({ startAt }))).toBeNull();
    for (const seed of [0n, (1n << 64n) - 1n]) expect(validate(withChange({ seed }))).toBeNull();
    const rules: Rule[] = [
      roundsRule({ meanInterval: 1, jitter: 0 }),
      roundsRule({ meanInterval: 1_000_000_000, jitter: 999_999_999 }),
      roundsRule({ meanInterval: 10, jitter: 0 }),
      lcgCounterRule({ breakProbability: 1 }),
      lcgCounterRule({ breakProbability: 1_000_000 }),
    ];
    for (const rule of rules) expect(validate(withChange({ rule }))).toBeNull();
  });

  it('refuses tick_ms outside 1 to 60000 with the C++ message', () => {
    expect(validate(withChange({ tickMs: 0 }))).toEqual({ field: 'tick_ms', message: 'tick_ms must be an integer from 1 to 60000' });
    for (const tickMs of [-1, 60_001, 1.5, Number.NaN, Infinity]) expect(field(withChange({ tickMs }))).toBe('tick_ms');
  });

  it('refuses start_at outside 0 to 2^53 - 1', () => {
    expect(validate(withChange({ startAt: -1 }))).toEqual({
      field: 'start_at',
      message: 'start_at must be an integer from 0 to 9007199254740991 (ms since the Unix epoch)',
    });
    for (const startAt of [MAX_TIME_MS + 1, 0.5, Number.NaN]) expect(field(withChange({ startAt }))).toBe('start_at');
  });

  it('refuses mean_interval outside 1 to 10^9 and jitter outside 0 to mean_interval - 1', () => {
    expect(validate(withChange({ rule: roundsRule({ meanInterval: 0, jitter: 0 }) }))).toEqual({
      field: 'mean_interval',
      message: 'mean_interval must be an integer from 1 to 1000000000',
    });
    expect(field(withChange({ rule: roundsRule({ meanInterval: 1_000_000_001, jitter: 0 }) }))).toBe('mean_interval');
    expect(validate(withChange({ rule: roundsRule({ meanInterval: 10, jitter: 10 }) }))).toEqual({
      field: 'jitter',
      message: 'jitter must be an integer from 0 to 9 (less than mean_interval, so that breaks stay ordered)',
    });
    expect(field(withChange({ rule: roundsRule({ meanInterval: 1, jitter: 1 }) }))).toBe('jitter');
    expect(field(withChange({ rule: roundsRule({ meanInterval: 10, jitter: -1 }) }))).toBe('jitter');
  });

  it('refuses break_probability outside 1 to 10^6', () => {
    expect(validate(withChange({ rule: lcgCounterRule({ breakProbability: 0 }) }))).toEqual({
      field: 'break_probability',
      message: 'break_probability must be an integer from 1 to 1000000',
    });
    expect(field(withChange({ rule: lcgCounterRule({ breakProbability: 1_000_001 }) }))).toBe('break_probability');
  });

  it('checks fields in the C++ order: tick_ms, start_at, then the rule', () => {
    const allBad = { tickMs: 0, startAt: -1, rule: roundsRule({ meanInterval: 0, jitter: 0 }) };
    expect(field(withChange(allBad))).toBe('tick_ms');
    expect(field(withChange({ ...allBad, tickMs: 100 }))).toBe('start_at');
    expect(field(withChange({ ...allBad, tickMs: 100, startAt: 0 }))).toBe('mean_interval');
  });

  it('refuses what the C++ types rule out: seeds outside 64 bits, unknown rules', () => {
    expect(field(withChange({ seed: -1n }))).toBe('seed');
    expect(field(withChange({ seed: 1n << 64n }))).toBe('seed');
    expect(field(withChange({ rule: { name: 'coin-flip' } as unknown as Rule }))).toBe('rule');
  });

  it('validateTime names the field it checks', () => {
    expect(validateTime('now', 0)).toBeNull();
    expect(validateTime('now', MAX_TIME_MS)).toBeNull();
    expect(validateTime('now', MAX_TIME_MS + 1)).toEqual({
      field: 'now',
      message: 'now must be an integer from 0 to 9007199254740991 (ms since the Unix epoch)',
    });
    expect(validateTime('now', -1)?.field).toBe('now');
  });
});

describe('rules and their defaults', () => {
  it('defaults as the C++ and its CLI do', () => {
    expect(roundsRule()).toEqual({ name: 'rounds', meanInterval: 50, jitter: 49 });
    expect(roundsRule({ meanInterval: 10 })).toEqual({ name: 'rounds', meanInterval: 10, jitter: 9 });
    expect(lcgCounterRule()).toEqual({ name: 'lcg-counter', breakProbability: 50 });
    expect(ruleNamed('rounds')).toEqual(roundsRule());
    expect(ruleNamed('lcg-counter')).toEqual(lcgCounterRule());
    expect(ruleNamed('Rounds')).toBeNull();
  });
});
