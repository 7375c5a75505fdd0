// The client's own round-trip time to each region (seed 000 extension 4,
// docs/protocol.md "Region selection"): a few GET /healthz straight to each
// region's public URL (base_url in /api/regions), the median per region,
// sent with the start as `rtt` so the edge picks the lowest.
//
// The regions are other origins without CORS: the probes are `no-cors`
// requests, whose answers the page cannot read but whose timing it can, and
// that is all a measurement needs. A region that does not answer within the
// timeout is left out (the edge then decides without it). The clock and the
// fetch are injected: the tests run without a network.

export type ProbeFetch = (url: string, init: RequestInit) => Promise<unknown>;

export interface RttOptions {
  /** Probes per region; the median is kept. Default 3. */
  readonly samples?: number;
  /** One probe's bound (ms). Default 1500. */
  readonly timeoutMs?: number;
  /** A monotonic clock in ms (performance.now in the page). */
  readonly now: () => number;
  readonly fetch: ProbeFetch;
}

export interface ProbedRegion {
  readonly name: string;
  /** The region's HTTP base URL (http://HOST:PORT). */
  readonly baseUrl: string;
  readonly up: boolean;
}

/** The median of `xs` (the mean of the middle two for an even count); null when empty. */
export function median(xs: readonly number[]): number | null {
  if (xs.length === 0) return null;
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** One probe's round trip (ms), or null when it failed or took longer than the bound. */
async function probe(url: string, o: RttOptions): Promise<number | null> {
  const controller = new AbortController();
  const timeoutMs = o.timeoutMs ?? 1_500;
  const timer = setTimeout(() => controller.abort(), timeoutMs);
  const started = o.now();
  try {
    await o.fetch(url, { method: 'GET', mode: 'no-cors', cache: 'no-store', signal: controller.signal });
    const rtt = o.now() - started;
    return rtt <= timeoutMs ? rtt : null;
  } catch {
    return null;
  } finally {
    clearTimeout(timer);
  }
}

/**
 * region name -> median RTT (ms, 1 decimal) for the regions that are up and
 * answered at least one probe. Probes to one region run one after another
 * (so they do not queue behind each other), regions in parallel.
 */
export async function measureRegionRtts(regions: readonly ProbedRegion[], o: RttOptions): Promise<Record<string, number>> {
  const samples = Math.max(1, o.samples ?? 3);
  const measured = await Promise.all(
    regions
      .filter((r) => r.up && /^https?:\/\//.test(r.baseUrl))
      .map(async (r) => {
        const rtts: number[] = [];
        const url = `${r.baseUrl.replace(/\/+$/, '')}/healthz`;
        for (let i = 0; i < samples; ++i) {
          const rtt = await probe(url, o);
          if (rtt !== null) rtts.push(rtt);
        }
        const m = median(rtts);
        return m === null ? null : ([r.name, Math.round(m * 10) / 10] as const);
      }),
  );
  const out: Record<string, number> = {};
  for (const e of measured) if (e !== null) out[e[0]] = e[1];
  return out;
}
