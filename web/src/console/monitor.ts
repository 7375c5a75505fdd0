// What the console's charts draw, from successive scrapes of each source
// (the edge, every region, the world). Each figure is computed between two
// scrapes of one source (rates and percentiles need an interval) and kept as
// a bounded series. Where each figure comes from (docs/console.md):
//   edge   rps:R          rate of metronome_edge_proxied_total{region=R} (every outcome)
//          p50|p95|p99:R  of metronome_edge_proxy_duration_seconds{region=R}, over the interval (ms)
//   region ticks:R        rate of metronome_ws_messages_total{type="tick"} (ticks delivered to players)
//          ws:R           metronome_ws_connections (summed over I/O threads)
//          live:R         metronome_ws_sessions (sessions with players now)
//          kicks          metronome_ws_kicks_total by reason, summed over regions (totals)
//   world  world_p50|world_p99  of metronome_world_tick_seconds over the interval (ms)
//          world_conns    metronome_world_connections
import { histogram, histogramDelta, quantile, rate, Series } from './figures.ts';
import { sumBy, total, type Scrape } from './prometheus.ts';

interface Seen {
  scrape: Scrape;
  atMs: number;
}

export class Monitor {
  private readonly last = new Map<string, Seen>();
  private readonly series = new Map<string, Series>();
  /** Kicks by reason, per region source (latest totals). */
  private readonly kicksBySource = new Map<string, Map<string, number>>();

  readonly capacity: number;
  constructor(capacity = 90) {
    this.capacity = capacity;
  }

  /** The series named `key` (empty until a figure arrives). */
  get(key: string): Series {
    let s = this.series.get(key);
    if (!s) {
      s = new Series(this.capacity);
      this.series.set(key, s);
    }
    return s;
  }

  /** The latest value of a series, or null. */
  latest(key: string): number | null {
    const v = this.series.get(key)?.values;
    return v && v.length > 0 ? v[v.length - 1].v : null;
  }

  /** Kicks by reason over every region seen, highest first. */
  kicks(): [string, number][] {
    const sum = new Map<string, number>();
    for (const byReason of this.kicksBySource.values()) {
      for (const [reason, n] of byReason) sum.set(reason, (sum.get(reason) ?? 0) + n);
    }
    return [...sum.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
  }

  /** Records a scrape of `source` ("edge", "region:NAME", "world") taken at `atMs`. */
  observe(source: string, scrape: Scrape, atMs: number, regions: readonly string[] = []): void {
    const before = this.last.get(source);
    this.last.set(source, { scrape, atMs });
    const seconds = before ? (atMs - before.atMs) / 1000 : 0;
    if (source === 'edge') {
      for (const r of regions) {
        if (before) {
          this.get(`rps:${r}`).push(atMs, rate(total(before.scrape, 'metronome_edge_proxied_total', { region: r }), total(scrape, 'metronome_edge_proxied_total', { region: r }), seconds));
          const h = histogramDelta(
            histogram(before.scrape, 'metronome_edge_proxy_duration_seconds', { region: r }),
            histogram(scrape, 'metronome_edge_proxy_duration_seconds', { region: r }),
          );
          for (const [name, q] of [['p50', 0.5], ['p95', 0.95], ['p99', 0.99]] as const) {
            const v = quantile(q, h);
            this.get(`${name}:${r}`).push(atMs, v === null ? null : v * 1000);
          }
        }
      }
    } else if (source.startsWith('region:')) {
      const r = source.slice('region:'.length);
      this.get(`ws:${r}`).push(atMs, total(scrape, 'metronome_ws_connections'));
      this.get(`live:${r}`).push(atMs, total(scrape, 'metronome_ws_sessions'));
      this.kicksBySource.set(source, sumBy(scrape, 'metronome_ws_kicks_total', 'reason'));
      if (before) {
        this.get(`ticks:${r}`).push(
          atMs,
          rate(total(before.scrape, 'metronome_ws_messages_total', { type: 'tick' }), total(scrape, 'metronome_ws_messages_total', { type: 'tick' }), seconds),
        );
      }
    } else if (source === 'world') {
      this.get('world_conns').push(atMs, total(scrape, 'metronome_world_connections'));
      if (before) {
        const h = histogramDelta(histogram(before.scrape, 'metronome_world_tick_seconds'), histogram(scrape, 'metronome_world_tick_seconds'));
        for (const [name, q] of [['world_p50', 0.5], ['world_p99', 0.99]] as const) {
          const v = quantile(q, h);
          this.get(name).push(atMs, v === null ? null : v * 1000);
        }
      }
    }
  }
}
