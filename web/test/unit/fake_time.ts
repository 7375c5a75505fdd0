// Fake time for the unit tests: a clock, timers that fire only when the test
// advances time, and a sleep on those timers. No real waiting anywhere.
import type { Timers } from '../../src/net/tick_connection.ts';

interface Timer {
  readonly id: number;
  readonly at: number;
  readonly fn: () => void;
}

export class FakeTime implements Timers {
  now: number;
  private timers_: Timer[] = [];
  private nextId_ = 1;

  constructor(start = 1_800_000_000_000) {
    this.now = start;
  }

  setTimeout(fn: () => void, ms: number): unknown {
    const t = { id: this.nextId_++, at: this.now + Math.max(0, ms), fn };
    this.timers_.push(t);
    return t.id;
  }

  clearTimeout(handle: unknown): void {
    this.timers_ = this.timers_.filter((t) => t.id !== handle);
  }

  readonly sleep = (ms: number): Promise<void> => new Promise((resolve) => this.setTimeout(resolve, ms));

  /** Pending timers. */
  get pending(): number {
    return this.timers_.length;
  }

  /** Moves time forward by `ms`, firing due timers in order and letting promises settle after each. */
  async advance(ms: number): Promise<void> {
    const until = this.now + ms;
    await flush();
    for (;;) {
      const due = this.timers_.filter((t) => t.at <= until).sort((a, b) => a.at - b.at || a.id - b.id)[0];
      if (due === undefined) break;
      this.timers_ = this.timers_.filter((t) => t !== due);
      this.now = Math.max(this.now, due.at);
      due.fn();
      await flush();
    }
    this.now = until;
    await flush();
  }
}

/** Lets every pending promise callback run. */
export async function flush(): Promise<void> {
  for (let i = 0; i < 20; ++i) await Promise.resolve();
}
