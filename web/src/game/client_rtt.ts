// The round trip the browser itself measures with seed 001's `ping`/`pong`
// (docs/protocol.md, "Clock synchronization", step 1). Shown beside the
// region's own figures; the region decides warnings and kicks, never this.

/** Samples the shown mean covers: the region's LATENCY_SAMPLES. */
export const CLIENT_RTT_SAMPLES = 5;

export interface ClientRtt {
  /** The latest round trip (ms). */
  readonly lastMs: number;
  /** The mean of the last CLIENT_RTT_SAMPLES round trips (ms). */
  readonly meanMs: number;
  /** How many samples the mean covers (1 to CLIENT_RTT_SAMPLES). */
  readonly samples: number;
}

/** Keeps the last few samples; `add` returns the figures including the new one. */
export class ClientRttWindow {
  private readonly samples_: number[] = [];

  /** A pong that echoes `clientTimestamp`, received at `now` (both client clock, ms); null if it makes no sense. */
  add(clientTimestamp: number, now: number): ClientRtt | null {
    const rtt = now - clientTimestamp;
    // A pong from before a clock jump, or not ours: no sample.
    if (!Number.isFinite(rtt) || rtt < 0 || rtt > 60_000) return null;
    this.samples_.push(rtt);
    if (this.samples_.length > CLIENT_RTT_SAMPLES) this.samples_.shift();
    const mean = this.samples_.reduce((a, b) => a + b, 0) / this.samples_.length;
    return { lastMs: rtt, meanMs: mean, samples: this.samples_.length };
  }
}
