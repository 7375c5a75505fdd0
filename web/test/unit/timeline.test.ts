import { describe, expect, it } from 'vitest';
import { forEachBreak, roundsRule, stateAtStep, type SessionParams } from '../../src/engine/index.ts';
import { CHART_STEPS, StepHistory, describeWindow, engineWindow, stepsIn, windowOf } from '../../src/game/timeline.ts';

const params: SessionParams = { seed: 123456789n, startAt: 0, tickMs: 100, rule: roundsRule() };
const tick = (step: number) => {
  const s = stateAtStep(params, step);
  return { step, value: s.value, round: s.round, broken: s.broken };
};

describe('engineWindow', () => {
  it('holds every step of the last CHART_STEPS from the engine, with its breaks', () => {
    const w = engineWindow(params, 1_000);
    expect(w.from).toBe(1_000 - CHART_STEPS + 1);
    expect(w.to).toBe(1_000);
    expect(w.points).toHaveLength(CHART_STEPS);
    expect(w.points.every((p, i) => p.step === w.from + i)).toBe(true);
    expect(w.points[123]).toEqual(tick(w.from + 123));
    const breaks: number[] = [];
    forEachBreak(params, w.from, w.to, (s) => breaks.push(s.step));
    expect(w.breaks).toEqual(breaks);
    expect(breaks.length).toBeGreaterThan(0);
    expect(w.maxValue).toBe(Math.max(...w.points.map((p) => p.value)));
    expect(w.gaps).toEqual([]);
  });

  it('starts at step 0 early in the game', () => {
    const w = engineWindow(params, 7);
    expect([w.from, w.to, w.points.length]).toEqual([0, 7, 8]);
  });
});

describe('StepHistory', () => {
  it('shows the steps not received as gaps, until they are added', () => {
    const h = new StepHistory();
    for (let s = 0; s <= 100; ++s) h.add(tick(s));
    for (let s = 160; s <= 400; ++s) h.add(tick(s));
    let w = h.window(400);
    expect(w.gaps).toEqual([{ from: 101, to: 159 }]);
    expect(w.points).toHaveLength(CHART_STEPS - 59);
    expect(describeWindow(w)).toMatch(/59 steps not received \(101–159\)/);
    for (let s = 101; s <= 159; ++s) h.add(tick(s));
    w = h.window(400);
    expect(w.gaps).toEqual([]);
    expect(w).toEqual(engineWindow(params, 400));
  });

  it('keeps only the last `capacity` steps and refuses older ones', () => {
    const h = new StepHistory(100);
    for (let s = 0; s < 1_000; ++s) h.add(tick(s));
    expect(h.size).toBeLessThanOrEqual(100 + 64);
    h.add(tick(10));
    expect(h.get(10)).toBeUndefined();
    expect(h.all().at(-1)).toEqual(tick(999));
    expect(h.missing(900, 999)).toEqual([]);
  });

  it('replaces a step sent twice (a resumed join resends the current one)', () => {
    const h = new StepHistory();
    h.add(tick(5));
    h.add(tick(5));
    expect(h.all()).toEqual([tick(5)]);
  });

  it('finds every missing run, at both ends too', () => {
    const h = new StepHistory();
    for (const s of [3, 4, 7, 9]) h.add(tick(s));
    expect(h.missing(0, 11)).toEqual([
      { from: 0, to: 2 },
      { from: 5, to: 6 },
      { from: 8, to: 8 },
      { from: 10, to: 11 },
    ]);
    expect(stepsIn(h.missing(0, 11))).toBe(8);
  });
});

describe('windowOf and describeWindow', () => {
  it('builds a window from a replay and says what it shows', () => {
    const states = Array.from({ length: 51 }, (_, i) => tick(100 + i));
    const w = windowOf(100, 150, states);
    expect([w.from, w.to, w.points.length, w.gaps.length]).toEqual([100, 150, 51, 0]);
    const text = describeWindow(w);
    expect(text).toMatch(/^Steps 100 to 150; value from 0 to \d+; /);
    expect(text).toContain(w.breaks.length === 0 ? 'no break' : `${w.breaks.length} break`);
    expect(describeWindow(windowOf(5, 9, []))).toBe('Steps 5 to 9: no step known yet.');
  });

  it('names the last five breaks when there are more', () => {
    const w = engineWindow(params, 5_000, 2_000);
    expect(w.breaks.length).toBeGreaterThan(5);
    expect(describeWindow(w)).toContain(`the last at steps ${w.breaks.slice(-5).join(', ')}`);
  });
});
