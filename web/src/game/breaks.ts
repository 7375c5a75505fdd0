// The log of recent breaks, and checking received ticks against the engine.
import { stateAtStep, type SessionParams } from '../engine/index.ts';

/** Breaks the game screen lists. */
export const BREAK_LOG_SIZE = 8;

export interface BreakEntry {
  /** The step that broke. */
  readonly step: number;
  /** The round that break began (the number of breaks in [0, step]). */
  readonly round: number;
  /** The length of the round it ended, in steps (value just before the break + 1). */
  readonly length: number | null;
}

/**
 * The last `n` breaks at or before `step`, newest first, from the engine
 * alone: the state at a step gives the last break (`step − value`), and the
 * state one step before that break gives the one before. Exact whatever the
 * display skipped (a throttled background tab), and O(n) engine calls.
 */
export function lastBreaks(params: SessionParams, step: number, n = BREAK_LOG_SIZE): BreakEntry[] {
  const out: BreakEntry[] = [];
  let s = stateAtStep(params, step);
  while (out.length < n && s.round >= 1) {
    const at = s.step - s.value;
    const round = s.round;
    if (at === 0) {
      out.push({ step: 0, round, length: null });
      break;
    }
    s = stateAtStep(params, at - 1);
    out.push({ step: at, round, length: s.value + 1 });
  }
  return out;
}

export interface TickRecord {
  readonly step: number;
  readonly value: number;
  readonly round: number;
  readonly broken: boolean;
}

/**
 * Keeps the breaks seen in a stream of ticks (server mode), newest first.
 * A tick whose round jumps by more than one (ticks missed while reconnecting)
 * marks the log as having a gap.
 */
export class BreakLog {
  private entries_: BreakEntry[] = [];
  private lastRound_: number | null = null;
  private missed_ = 0;
  private readonly size_: number;

  constructor(size = BREAK_LOG_SIZE) {
    this.size_ = size;
  }

  add(t: TickRecord, previousValue: number | null): void {
    if (this.lastRound_ !== null && t.round > this.lastRound_) {
      const seen = t.broken ? 1 : 0;
      this.missed_ += t.round - this.lastRound_ - seen;
    }
    if (t.broken && (this.entries_.length === 0 || this.entries_[0]!.step !== t.step)) {
      this.entries_ = [{ step: t.step, round: t.round, length: previousValue === null ? null : previousValue + 1 }, ...this.entries_].slice(
        0,
        this.size_,
      );
    }
    this.lastRound_ = t.round;
  }

  /** The log of a run of known steps in step order (ticks received and replayed): gaps count as missed breaks. */
  static of(ticks: readonly TickRecord[], size = BREAK_LOG_SIZE): BreakLog {
    const log = new BreakLog(size);
    let previous: TickRecord | null = null;
    for (const t of ticks) {
      log.add(t, previous !== null && previous.step === t.step - 1 ? previous.value : null);
      previous = t;
    }
    return log;
  }

  get entries(): readonly BreakEntry[] {
    return this.entries_;
  }

  /** Breaks that happened while no tick arrived (a reconnection). */
  get missed(): number {
    return this.missed_;
  }
}

export interface TickCheck {
  readonly checked: number;
  readonly mismatches: number;
  readonly firstMismatch: { received: TickRecord; expected: TickRecord } | null;
}

/** Recomputes every received tick with the revealed seed (server mode, after the session ends). */
export function checkTicks(params: SessionParams, ticks: readonly TickRecord[]): TickCheck {
  let mismatches = 0;
  let firstMismatch: TickCheck['firstMismatch'] = null;
  for (const t of ticks) {
    const s = stateAtStep(params, t.step);
    const expected = { step: s.step, value: s.value, round: s.round, broken: s.broken };
    if (expected.value !== t.value || expected.round !== t.round || expected.broken !== t.broken) {
      mismatches += 1;
      firstMismatch ??= { received: t, expected };
    }
  }
  return { checked: ticks.length, mismatches, firstMismatch };
}
