import { describe, expect, it } from 'vitest';
import { parsePrometheus, select, sumBy, total } from '../../src/console/prometheus.ts';

// The shape the C++ registry renders (src/obs), with a histogram and escapes.
const TEXT = `# HELP metronome_edge_proxied_total Requests proxied to regions, by region and outcome.
# TYPE metronome_edge_proxied_total counter
metronome_edge_proxied_total{region="eu",outcome="2xx"} 12
metronome_edge_proxied_total{region="eu",outcome="5xx"} 3
metronome_edge_proxied_total{region="us",outcome="2xx"} 5
# TYPE metronome_edge_healthy_regions gauge
metronome_edge_healthy_regions 3
# TYPE metronome_edge_proxy_duration_seconds histogram
metronome_edge_proxy_duration_seconds_bucket{region="eu",le="0.005"} 4
metronome_edge_proxy_duration_seconds_bucket{region="eu",le="+Inf"} 15
metronome_edge_proxy_duration_seconds_sum{region="eu"} 0.25
metronome_edge_proxy_duration_seconds_count{region="eu"} 15
odd_label{path="a\\"b\\\\c\\nd"} -Inf 1700000000000
nan_value NaN
`;

describe('parsePrometheus', () => {
  it('reads names, labels, values and types', () => {
    const s = parsePrometheus(TEXT);
    expect(s.errors).toEqual([]);
    expect(s.samples).toHaveLength(10);
    expect(s.types['metronome_edge_proxied_total']).toBe('counter');
    expect(s.types['metronome_edge_proxy_duration_seconds']).toBe('histogram');
    expect(select(s, 'metronome_edge_proxied_total', { region: 'eu' }).map((x) => x.value)).toEqual([12, 3]);
    expect(total(s, 'metronome_edge_healthy_regions')).toBe(3);
    expect(select(s, 'metronome_edge_proxy_duration_seconds_bucket', { le: '+Inf' })[0].value).toBe(15);
  });

  it('unescapes label values and reads the special values and a timestamp', () => {
    const s = parsePrometheus(TEXT);
    const odd = select(s, 'odd_label')[0];
    expect(odd.labels.path).toBe('a"b\\c\nd');
    expect(odd.value).toBe(-Infinity);
    expect(Number.isNaN(select(s, 'nan_value')[0].value)).toBe(true);
  });

  it('groups and sums by a label', () => {
    const s = parsePrometheus(TEXT);
    expect([...sumBy(s, 'metronome_edge_proxied_total', 'region')]).toEqual([
      ['eu', 15],
      ['us', 5],
    ]);
    expect(total(s, 'no_such_metric')).toBe(0);
  });

  it('reports bad lines by number and keeps the good ones', () => {
    const s = parsePrometheus('good 1\n{x="1"} 2\nbad_value abc\nbad_label{x=1} 3\nopen{x="1" 4\nbad_escape{x="\\q"} 5\ntoo many 1 2 3\nalso_good{a="b",} 6\r\n');
    expect(s.samples.map((x) => [x.name, x.value])).toEqual([
      ['good', 1],
      ['also_good', 6],
    ]);
    expect(s.errors).toHaveLength(6);
    expect(s.errors[0]).toMatch(/^line 2: /);
    expect(s.errors[1]).toMatch(/^line 3: bad value/);
  });

  it('never throws on arbitrary input', () => {
    let seed = 7;
    const next = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31);
    const alphabet = 'ab_{}="\\,\n +-.e1InfNa#';
    for (let n = 0; n < 2000; n++) {
      let text = '';
      const len = next() % 60;
      for (let i = 0; i < len; i++) text += alphabet[next() % alphabet.length];
      const s = parsePrometheus(text);
      for (const sample of s.samples) expect(typeof sample.value).toBe('number');
    }
  });
});
