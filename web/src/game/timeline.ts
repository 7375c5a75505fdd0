// The session's timeline for the chart: the value over the last few hundred
// steps, the breaks among them, and the steps this client does not know.
//
//   client mode: every step comes from the engine (engineWindow);
//   server mode: the steps are the ticks received plus those replayed from
//     the edge (StepHistory), so a reconnection shows as a gap until the
//     replay fills it.
//
// Pure: no clock, no I/O, no React.
import { forEachState, type SessionParams } from '../engine/index.ts';
import type { TickRecord } from './breaks.ts';

/** Steps the chart shows: the current one and those just before it. */
export const CHART_STEPS = 300;
/** Steps a StepHistory keeps (the chart's window, the gap fill, the seed check). */
export const HISTORY_STEPS = 2_000;

/** A run of consecutive steps the client does not know, [from, to]. */
export interface StepRange {
  readonly from: number;
  readonly to: number;
}

/** What the chart draws: steps [from, to]; every step is in `points` or in a `gaps` range. */
export interface TimelineWindow {
  readonly from: number;
  readonly to: number;
  /** The known steps, in step order. */
  readonly points: readonly TickRecord[];
  /** The unknown steps, in step order. */
  readonly gaps: readonly StepRange[];
  /** The known break steps, in step order. */
  readonly breaks: readonly number[];
  /** The largest known value (0 when none). */
  readonly maxValue: number;
}

/** The first step of a window of `span` steps ending at `to`. */
function windowStart(to: number, span: number): number {
  return Math.max(0, to - span + 1);
}

function summarizePoints(from: number, to: number, points: TickRecord[], gaps: StepRange[]): TimelineWindow {
  let maxValue = 0;
  const breaks: number[] = [];
  for (const p of points) {
    if (p.value > maxValue) maxValue = p.value;
    if (p.broken) breaks.push(p.step);
  }
  return { from, to, points, gaps, breaks, maxValue };
}

/** The window [to − span + 1, to] computed by the engine: no gaps (client mode, or a revealed seed). */
export function engineWindow(params: SessionParams, to: number, span = CHART_STEPS): TimelineWindow {
  const from = windowStart(to, span);
  const points: TickRecord[] = [];
  forEachState(params, from, to, (s) => points.push({ step: s.step, value: s.value, round: s.round, broken: s.broken }));
  return summarizePoints(from, to, points, []);
}

/** A window from states given in step order (a replay's answer); the steps it lacks are gaps. */
export function windowOf(from: number, to: number, states: readonly TickRecord[]): TimelineWindow {
  const h = new StepHistory(Math.max(1, to - from + 1));
  for (const s of states) if (s.step >= from && s.step <= to) h.add(s);
  return h.window(to, to - from + 1);
}

/**
 * The steps a server-mode client knows: ticks received and states replayed,
 * the last `capacity` steps before the newest. Adding a step already known
 * replaces it (a resumed join resends the current step).
 */
export class StepHistory {
  private readonly steps_ = new Map<number, TickRecord>();
  private readonly capacity_: number;
  private newest_ = -1;

  constructor(capacity = HISTORY_STEPS) {
    this.capacity_ = capacity;
  }

  /** The newest step known, or -1. */
  get newest(): number {
    return this.newest_;
  }

  get size(): number {
    return this.steps_.size;
  }

  get(step: number): TickRecord | undefined {
    return this.steps_.get(step);
  }

  add(t: TickRecord): void {
    const oldest = this.newest_ - this.capacity_ + 1;
    if (t.step < oldest) return;
    this.steps_.set(t.step, { step: t.step, value: t.value, round: t.round, broken: t.broken });
    if (t.step > this.newest_) {
      this.newest_ = t.step;
      // Prune in batches, not on every step.
      if (this.steps_.size > this.capacity_ + 64) this.prune_();
    }
  }

  /** Every known step, in step order. */
  all(): TickRecord[] {
    return [...this.steps_.values()].sort((a, b) => a.step - b.step);
  }

  /** The unknown runs of steps within [from, to]. */
  missing(from: number, to: number): StepRange[] {
    const gaps: StepRange[] = [];
    let start: number | null = null;
    for (let s = from; s <= to; ++s) {
      if (this.steps_.has(s)) {
        if (start !== null) gaps.push({ from: start, to: s - 1 });
        start = null;
      } else if (start === null) {
        start = s;
      }
    }
    if (start !== null) gaps.push({ from: start, to });
    return gaps;
  }

  /** The chart's window of `span` steps ending at `to`. */
  window(to: number, span = CHART_STEPS): TimelineWindow {
    const from = windowStart(to, span);
    const points: TickRecord[] = [];
    for (let s = from; s <= to; ++s) {
      const p = this.steps_.get(s);
      if (p !== undefined) points.push(p);
    }
    return summarizePoints(from, to, points, this.missing(from, to));
  }

  private prune_(): void {
    const oldest = this.newest_ - this.capacity_ + 1;
    for (const step of this.steps_.keys()) if (step < oldest) this.steps_.delete(step);
  }
}

/** The number of steps in the ranges. */
export function stepsIn(ranges: readonly StepRange[]): number {
  return ranges.reduce((n, r) => n + r.to - r.from + 1, 0);
}

/**
 * The chart's text alternative: the range, the values, the breaks (the last
 * few by step) and what is missing.
 */
export function describeWindow(w: TimelineWindow): string {
  const parts = [`Steps ${w.from} to ${w.to}`];
  if (w.points.length === 0) return `${parts[0]}: no step known yet.`;
  parts.push(`value from 0 to ${w.maxValue}`);
  if (w.breaks.length === 0) {
    parts.push('no break');
  } else {
    const last = w.breaks.slice(-5).join(', ');
    parts.push(`${w.breaks.length} break${w.breaks.length === 1 ? '' : 's'} (${w.breaks.length > 5 ? 'the last at steps' : 'at step' + (w.breaks.length === 1 ? '' : 's')} ${last})`);
  }
  const missing = stepsIn(w.gaps);
  if (missing > 0) {
    const ranges = w.gaps
      .slice(0, 3)
      .map((g) => (g.from === g.to ? `${g.from}` : `${g.from}–${g.to}`))
      .join(', ');
    parts.push(`${missing} step${missing === 1 ? '' : 's'} not received (${ranges}${w.gaps.length > 3 ? ', …' : ''})`);
  }
  return `${parts.join('; ')}.`;
}
