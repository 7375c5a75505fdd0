// Clock synchronization (docs/protocol.md, "Clock synchronization"), over
// HTTP: each sample is a GET /edge/time instead of a WebSocket ping.
//
//   rtt = t1 - t0;  offset = s + rtt / 2 - t1   (server minus client)
//   take SAMPLES samples SPACING_MS apart; keep the half with the lowest rtt;
//   the estimate is the median offset of those.
//
// Pure but for the injected sampler and sleep, so the tests drive it with a
// fake server and a fake clock.

/** Samples taken per synchronization. */
export const SYNC_SAMPLES = 8;
/** Pause between samples (ms). */
export const SYNC_SPACING_MS = 100;

export interface ClockSample {
  /** Client clock when the request was sent (ms). */
  readonly sentAt: number;
  /** Client clock when the answer arrived (ms). */
  readonly receivedAt: number;
  /** Server clock in the answer (ms since the Unix epoch). */
  readonly serverTimestamp: number;
}

export interface ClockEstimate {
  /** Server clock minus client clock (ms): server time = Date.now() + offsetMs. */
  readonly offsetMs: number;
  /** The lowest round trip among the samples (ms). */
  readonly rttMs: number;
  /** Samples that answered. */
  readonly samples: number;
}

/** The estimate from samples (at least one); the arithmetic of steps 2 and 3. */
export function estimateOffset(samples: readonly ClockSample[]): ClockEstimate {
  if (samples.length === 0) throw new Error('estimateOffset needs at least one sample');
  const measured = samples.map((s) => {
    const rtt = s.receivedAt - s.sentAt;
    return { rtt, offset: s.serverTimestamp + rtt / 2 - s.receivedAt };
  });
  measured.sort((a, b) => a.rtt - b.rtt);
  const kept = measured.slice(0, Math.max(1, Math.ceil(measured.length / 2)));
  const offsets = kept.map((m) => m.offset).sort((a, b) => a - b);
  const mid = offsets.length >> 1;
  const median = offsets.length % 2 === 1 ? offsets[mid]! : (offsets[mid - 1]! + offsets[mid]!) / 2;
  return { offsetMs: Math.round(median), rttMs: measured[0]!.rtt, samples: samples.length };
}

/**
 * Takes `count` samples `spacingMs` apart and estimates the offset. Samples
 * that fail are dropped; if none answers, rejects with the last error.
 * `onProgress` gets the estimate from the samples so far after each one, so
 * a display can start at the first answer instead of after the last.
 */
export async function synchronizeClock(
  sample: () => Promise<ClockSample>,
  sleep: (ms: number) => Promise<void>,
  count = SYNC_SAMPLES,
  spacingMs = SYNC_SPACING_MS,
  onProgress?: (partial: ClockEstimate) => void,
): Promise<ClockEstimate> {
  const samples: ClockSample[] = [];
  let lastError: unknown = null;
  for (let i = 0; i < count; ++i) {
    if (i > 0) await sleep(spacingMs);
    try {
      samples.push(await sample());
      if (i + 1 < count) onProgress?.(estimateOffset(samples));
    } catch (e) {
      lastError = e;
      // A server that does not answer at all will not answer the next 7 either.
      if (samples.length === 0 && i >= 1) break;
    }
  }
  if (samples.length === 0) throw lastError ?? new Error('no clock sample');
  return estimateOffset(samples);
}
