// The console's maths over scrapes (prometheus.ts): per-second rates of
// counters between two scrapes, and latency percentiles from the change in
// a histogram's buckets between two scrapes (the way Prometheus'
// histogram_quantile over a rate() does it). Pure: the caller passes the
// scrapes and the time between them.
import { select, type Scrape } from './prometheus.ts';

/**
 * Per-second rate of a counter that went from `before` to `after` in
 * `seconds`. A counter that went down was reset (the process restarted):
 * it counted `after` since. null when no time passed.
 */
export function rate(before: number, after: number, seconds: number): number | null {
  if (!(seconds > 0)) return null;
  const delta = after >= before ? after - before : after;
  return delta / seconds;
}

export interface Bucket {
  /** Upper bound (Infinity for +Inf). */
  readonly le: number;
  /** Observations at or below le (cumulative). */
  readonly count: number;
}

/**
 * A histogram's cumulative buckets, summed over every series whose labels
 * include `match` (e.g. one region's, across I/O threads), by ascending le.
 */
export function histogram(scrape: Scrape, name: string, match: Readonly<Record<string, string>> = {}): Bucket[] {
  const byLe = new Map<number, number>();
  for (const s of select(scrape, `${name}_bucket`, match)) {
    const text = s.labels.le;
    if (text === undefined) continue;
    const le = text === '+Inf' ? Infinity : Number(text);
    if (Number.isNaN(le)) continue;
    byLe.set(le, (byLe.get(le) ?? 0) + s.value);
  }
  return [...byLe.entries()].sort((a, b) => a[0] - b[0]).map(([le, count]) => ({ le, count }));
}

/**
 * What the histogram observed between two scrapes: `after` minus `before`,
 * bucket by bucket. If any bucket went down the process restarted, and
 * `after` alone is what it observed since.
 */
export function histogramDelta(before: readonly Bucket[], after: readonly Bucket[]): Bucket[] {
  const old = new Map(before.map((b) => [b.le, b.count]));
  const out: Bucket[] = [];
  for (const b of after) {
    const d = b.count - (old.get(b.le) ?? 0);
    if (d < 0) return [...after];
    out.push({ le: b.le, count: d });
  }
  return out;
}

/**
 * The q-quantile (0..1) of cumulative buckets, interpolating linearly
 * inside the bucket that holds it (from the previous bound, or 0, to its
 * own). In the +Inf bucket the answer is the highest finite bound. null
 * when the buckets hold no observation.
 */
export function quantile(q: number, buckets: readonly Bucket[]): number | null {
  if (buckets.length === 0 || q < 0 || q > 1) return null;
  const count = buckets[buckets.length - 1].count;
  if (!(count > 0)) return null;
  const rank = q * count;
  let lowerBound = 0;
  let lowerCount = 0;
  for (const b of buckets) {
    if (b.count >= rank && b.count > lowerCount) {
      if (b.le === Infinity) return lowerBound;
      return lowerBound + ((b.le - lowerBound) * (rank - lowerCount)) / (b.count - lowerCount);
    }
    if (b.le !== Infinity) lowerBound = b.le;
    lowerCount = b.count;
  }
  return lowerBound;
}

/** A bounded series of (time, value) points: the oldest go past `capacity`. */
export class Series {
  private readonly points: { t: number; v: number }[] = [];
  readonly capacity: number;
  constructor(capacity: number) {
    this.capacity = capacity;
  }
  push(t: number, v: number | null): void {
    if (v === null || !Number.isFinite(v)) return;
    this.points.push({ t, v });
    if (this.points.length > this.capacity) this.points.splice(0, this.points.length - this.capacity);
  }
  get values(): readonly { t: number; v: number }[] {
    return this.points;
  }
}
