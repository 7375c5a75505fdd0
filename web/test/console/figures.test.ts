import { describe, expect, it } from 'vitest';
import { histogram, histogramDelta, quantile, rate, Series, type Bucket } from '../../src/console/figures.ts';
import { parsePrometheus } from '../../src/console/prometheus.ts';

const b = (pairs: [number, number][]): Bucket[] => pairs.map(([le, count]) => ({ le, count }));

describe('rate', () => {
  it('is the change per second', () => {
    expect(rate(10, 40, 2)).toBe(15);
    expect(rate(5, 5, 1)).toBe(0);
  });
  it('treats a counter that went down as reset', () => {
    expect(rate(100, 6, 2)).toBe(3);
  });
  it('is null when no time passed', () => {
    expect(rate(1, 2, 0)).toBeNull();
    expect(rate(1, 2, -1)).toBeNull();
  });
});

describe('histogram', () => {
  it('sums series by bound, ascending, +Inf last', () => {
    const s = parsePrometheus(
      [
        'h_bucket{region="eu",thread="0",le="0.1"} 1',
        'h_bucket{region="eu",thread="1",le="0.1"} 2',
        'h_bucket{region="eu",thread="0",le="+Inf"} 3',
        'h_bucket{region="eu",thread="1",le="+Inf"} 4',
        'h_bucket{region="eu",thread="0",le="0.01"} 0',
        'h_bucket{region="us",thread="0",le="0.1"} 50',
      ].join('\n'),
    );
    expect(histogram(s, 'h', { region: 'eu' })).toEqual(b([[0.01, 0], [0.1, 3], [Infinity, 7]]));
  });
});

describe('histogramDelta', () => {
  it('subtracts bucket by bucket', () => {
    expect(histogramDelta(b([[1, 2], [Infinity, 4]]), b([[1, 5], [Infinity, 10]]))).toEqual(b([[1, 3], [Infinity, 6]]));
  });
  it('takes the newer alone after a reset', () => {
    expect(histogramDelta(b([[1, 20], [Infinity, 40]]), b([[1, 1], [Infinity, 2]]))).toEqual(b([[1, 1], [Infinity, 2]]));
  });
  it('counts a new bucket from zero', () => {
    expect(histogramDelta([], b([[1, 1]]))).toEqual(b([[1, 1]]));
  });
});

describe('quantile', () => {
  // 100 observations: 10 at or below 0.01, 80 more at or below 0.1, 10 above 1.
  const h = b([[0.01, 10], [0.1, 90], [1, 90], [Infinity, 100]]);
  it('interpolates inside the bucket', () => {
    expect(quantile(0.05, h)).toBeCloseTo(0.005, 10); // rank 5 of the first bucket's 10, from 0
    expect(quantile(0.5, h)).toBeCloseTo(0.01 + (0.09 * 40) / 80, 10);
    expect(quantile(0.9, h)).toBeCloseTo(0.1, 10);
  });
  it('answers the highest finite bound in the +Inf bucket', () => {
    expect(quantile(0.99, h)).toBe(1);
  });
  it('is null without observations or for a q outside 0..1', () => {
    expect(quantile(0.5, b([[1, 0], [Infinity, 0]]))).toBeNull();
    expect(quantile(0.5, [])).toBeNull();
    expect(quantile(1.5, h)).toBeNull();
  });
  it('skips empty buckets below the rank', () => {
    expect(quantile(0.5, b([[0.1, 0], [0.2, 0], [0.4, 2], [Infinity, 2]]))).toBeCloseTo(0.3, 10);
  });
});

describe('Series', () => {
  it('keeps the newest points up to its capacity and drops non-finite ones', () => {
    const s = new Series(3);
    for (let i = 0; i < 5; i++) s.push(i, i * 10);
    s.push(9, null);
    s.push(10, NaN);
    expect(s.values.map((p) => p.v)).toEqual([20, 30, 40]);
  });
});

describe('Monitor', async () => {
  const { Monitor } = await import('../../src/console/monitor.ts');
  const edge = (ok: number, fast: number, all: number) =>
    parsePrometheus(
      [
        `metronome_edge_proxied_total{region="eu",outcome="2xx"} ${ok}`,
        `metronome_edge_proxied_total{region="eu",outcome="5xx"} 1`,
        `metronome_edge_proxy_duration_seconds_bucket{region="eu",le="0.01"} ${fast}`,
        `metronome_edge_proxy_duration_seconds_bucket{region="eu",le="0.1"} ${all}`,
        `metronome_edge_proxy_duration_seconds_bucket{region="eu",le="+Inf"} ${all}`,
      ].join('\n'),
    );
  it('turns two edge scrapes into a rate and percentiles per region', () => {
    const m = new Monitor();
    m.observe('edge', edge(10, 5, 11), 1000, ['eu']);
    expect(m.latest('rps:eu')).toBeNull(); // one scrape: no interval yet
    m.observe('edge', edge(30, 15, 31), 3000, ['eu']);
    expect(m.latest('rps:eu')).toBe(10); // 20 more requests in 2 s
    expect(m.latest('p50:eu')).toBeCloseTo(10, 6); // 10 of 20 at or below 10 ms
    expect(m.latest('p99:eu')).toBeCloseTo(10 + (90 * 9.8) / 10, 6);
  });
  it('reads region gauges, tick rates and kicks by reason', () => {
    const m = new Monitor();
    const region = (ticks: number, kicks: number) =>
      parsePrometheus(
        [
          `metronome_ws_connections{thread="0"} 2`,
          `metronome_ws_connections{thread="1"} 1`,
          `metronome_ws_sessions{thread="0"} 1`,
          `metronome_ws_messages_total{type="tick"} ${ticks}`,
          `metronome_ws_messages_total{type="latency"} 999`,
          `metronome_ws_kicks_total{reason="latency"} ${kicks}`,
          `metronome_ws_kicks_total{reason="jitter"} 1`,
        ].join('\n'),
      );
    m.observe('region:eu', region(100, 2), 0);
    m.observe('region:eu', region(150, 3), 5000);
    m.observe('region:us', region(0, 4), 5000);
    expect(m.latest('ws:eu')).toBe(3);
    expect(m.latest('live:eu')).toBe(1);
    expect(m.latest('ticks:eu')).toBe(10);
    expect(m.kicks()).toEqual([
      ['latency', 7],
      ['jitter', 2],
    ]);
  });
});
