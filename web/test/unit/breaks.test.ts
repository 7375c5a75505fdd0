import { describe, expect, it } from 'vitest';
import { forEachBreak, lcgCounterRule, roundsRule, stateAtStep, type SessionParams } from '../../src/engine/index.ts';
import { BreakLog, checkTicks, lastBreaks } from '../../src/game/breaks.ts';

const rounds: SessionParams = { seed: 123456789n, startAt: 0, tickMs: 100, rule: roundsRule() };
const lcg: SessionParams = { seed: 5n, startAt: 0, tickMs: 100, rule: lcgCounterRule({ breakProbability: 3 }) };

/** The last n breaks by scanning every step: the slow, obvious answer. */
function scan(params: SessionParams, step: number, n: number) {
  const all: { step: number; round: number }[] = [];
  forEachBreak(params, 0, step, (s) => all.push({ step: s.step, round: s.round }));
  return all.reverse().slice(0, n);
}

describe('lastBreaks', () => {
  it.each([
    ['rounds', rounds],
    ['lcg-counter', lcg],
  ])('agrees with a scan of every step (%s)', (_name, params) => {
    for (const step of [0, 1, 49, 50, 51, 99, 100, 777, 5_000, 12_345]) {
      const got = lastBreaks(params, step, 8);
      expect(got.map(({ step, round }) => ({ step, round }))).toEqual(scan(params, step, 8));
    }
  });

  it('gives each round’s length as the distance from the break before', () => {
    const got = lastBreaks(rounds, 5_000, 8);
    for (let i = 0; i + 1 < got.length; ++i) expect(got[i]!.length).toBe(got[i]!.step - got[i + 1]!.step);
    // The first round counts from the virtual break at step -1.
    const first = lastBreaks(rounds, 5_000, 1000).at(-1)!;
    expect(first.round).toBe(1);
    expect(first.length).toBe(first.step + 1);
  });

  it('is empty before the first break', () => {
    expect(lastBreaks(rounds, 10)).toEqual([]);
  });
});

describe('BreakLog', () => {
  it('keeps the breaks seen in a tick stream, newest first, with round lengths', () => {
    const log = new BreakLog(3);
    let prev: number | null = null;
    for (let step = 0; step <= 400; ++step) {
      const s = stateAtStep(rounds, step);
      log.add(s, prev);
      prev = s.value;
    }
    expect(log.entries.map(({ step, round, length }) => ({ step, round, length }))).toEqual(lastBreaks(rounds, 400, 3));
    expect(log.missed).toBe(0);
  });

  it('counts breaks missed in a gap of ticks', () => {
    const log = new BreakLog();
    log.add({ step: 10, value: 11, round: 0, broken: false }, null);
    log.add({ step: 300, value: 0, round: 5, broken: true }, null); // breaks 1 to 4 were not seen
    expect(log.missed).toBe(4);
    expect(log.entries).toEqual([{ step: 300, round: 5, length: null }]);
  });

  it('BreakLog.of rebuilds the log of a run of steps, counting breaks in its gaps as missed', () => {
    const all = Array.from({ length: 401 }, (_, step) => stateAtStep(rounds, step));
    const full = BreakLog.of(all, 3);
    expect(full.entries.map(({ step, round, length }) => ({ step, round, length }))).toEqual(lastBreaks(rounds, 400, 3));
    expect(full.missed).toBe(0);
    const holed = BreakLog.of(all.filter((s) => s.step < 100 || s.step > 300));
    const inHole = all.filter((s) => s.step >= 100 && s.step <= 300 && s.broken).length;
    expect(inHole).toBeGreaterThan(0);
    expect(holed.missed).toBe(inHole);
  });

  it('does not log the same tick twice (a resumed join resends the current step)', () => {
    const log = new BreakLog();
    log.add({ step: 99, value: 0, round: 1, broken: true }, 98);
    log.add({ step: 99, value: 0, round: 1, broken: true }, null);
    expect(log.entries).toHaveLength(1);
  });
});

describe('checkTicks', () => {
  it('finds no mismatch in the engine’s own ticks, and the first one that differs', () => {
    const ticks = Array.from({ length: 300 }, (_, i) => stateAtStep(rounds, 1000 + i));
    expect(checkTicks(rounds, ticks)).toEqual({ checked: 300, mismatches: 0, firstMismatch: null });
    const forged = ticks.map((t, i) => (i === 7 ? { ...t, value: t.value + 1 } : t));
    const c = checkTicks(rounds, forged);
    expect(c.mismatches).toBe(1);
    expect(c.firstMismatch?.received.step).toBe(1007);
    // Another seed does not produce these ticks.
    expect(checkTicks({ ...rounds, seed: 987654321n }, ticks).mismatches).toBeGreaterThan(0);
  });
});
