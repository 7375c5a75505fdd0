// A small SVG line chart of bounded series over time, one colour per line,
// with its legend and latest values as text (the figure's text alternative).
// Strokes keep their width whatever the scale (non-scaling-stroke), like
// TimelineChart. data-points counts the points drawn (e2e checks it).
import { useId } from 'react';
import type { Series } from './figures.ts';

const W = 600;
const H = 140;
const PAD = 6;
const COLOURS = ['#2563eb', '#dc2626', '#16a34a', '#9333ea', '#ea580c', '#0891b2', '#ca8a04', '#db2777', '#4b5563'];

export interface Line {
  readonly label: string;
  readonly series: Series;
}

interface Props {
  readonly title: string;
  readonly unit: string;
  readonly lines: readonly Line[];
  readonly testId: string;
  /** Longest time window shown, ms. Default 3 minutes. */
  readonly spanMs?: number;
  readonly now: number;
}

function format(v: number): string {
  if (v >= 100) return v.toFixed(0);
  if (v >= 10) return v.toFixed(1);
  return v.toFixed(2);
}

/** The shortest window drawn (ms): a chart of a few seconds' data still reads left to right. */
const MIN_SPAN_MS = 20_000;

export function LineChart({ title, unit, lines, testId, spanMs: maxSpanMs = 180_000, now }: Props) {
  const ids = useId();
  // The window: the last maxSpanMs, or less while the data is younger.
  let earliest = now;
  for (const l of lines) if (l.series.values.length > 0) earliest = Math.min(earliest, l.series.values[0].t);
  const spanMs = Math.min(maxSpanMs, Math.max(MIN_SPAN_MS, now - earliest));
  const from = now - spanMs;
  let top = 0;
  for (const l of lines) for (const p of l.series.values) if (p.t >= from) top = Math.max(top, p.v);
  top = top > 0 ? top * 1.1 : 1;
  const x = (t: number) => ((t - from) / spanMs) * W;
  const y = (v: number) => H - PAD - (v / top) * (H - 2 * PAD);
  let drawn = 0;
  const paths = lines.map((l, i) => {
    let d = '';
    for (const p of l.series.values) {
      if (p.t < from) continue;
      d += `${d === '' ? 'M' : 'L'}${x(p.t).toFixed(1)} ${y(p.v).toFixed(1)}`;
      drawn++;
    }
    return { d, colour: COLOURS[i % COLOURS.length], label: l.label };
  });
  const latest = lines.map((l) => {
    const v = l.series.values;
    return v.length > 0 ? `${l.label} ${format(v[v.length - 1].v)} ${unit}` : `${l.label}: no data yet`;
  });
  return (
    <figure className="console-chart" data-testid={testId} data-points={drawn}>
      <figcaption id={`${ids}-title`}>
        {title} <span className="console-chart-unit">({unit}, top {format(top)})</span>
      </figcaption>
      <svg viewBox={`0 0 ${W} ${H}`} preserveAspectRatio="none" role="img" aria-labelledby={`${ids}-title ${ids}-legend`}>
        <line className="console-chart-axis" x1={0} x2={W} y1={H - PAD} y2={H - PAD} vectorEffect="non-scaling-stroke" />
        {paths.map((p) =>
          p.d === '' ? null : <path key={p.label} d={p.d} stroke={p.colour} fill="none" strokeWidth={2} vectorEffect="non-scaling-stroke" data-line={p.label} />,
        )}
      </svg>
      <ul className="console-legend" id={`${ids}-legend`}>
        {paths.map((p, i) => (
          <li key={p.label}>
            <span className="console-swatch" style={{ background: p.colour }} aria-hidden="true" />
            {latest[i]}
          </li>
        ))}
      </ul>
    </figure>
  );
}

interface BarProps {
  readonly title: string;
  readonly bars: readonly [string, number][];
  readonly testId: string;
}

/** Horizontal bars (kicks by reason): totals, largest first. */
export function BarChart({ title, bars, testId }: BarProps) {
  const ids = useId();
  const top = Math.max(1, ...bars.map((b) => b[1]));
  const row = 22;
  const h = Math.max(row, bars.length * row);
  return (
    <figure className="console-chart" data-testid={testId} data-bars={bars.length}>
      <figcaption id={`${ids}-title`}>{title}</figcaption>
      {bars.length === 0 ? (
        <p className="console-muted">None yet.</p>
      ) : (
        <svg viewBox={`0 0 ${W} ${h}`} role="img" aria-labelledby={`${ids}-title`}>
          {bars.map(([label, n], i) => (
            <g key={label}>
              <rect x={160} y={i * row + 3} width={((W - 220) * n) / top} height={row - 6} fill={COLOURS[i % COLOURS.length]} />
              <text x={150} y={i * row + row / 2 + 4} textAnchor="end" className="console-bar-label">
                {label}
              </text>
              <text x={165 + ((W - 220) * n) / top} y={i * row + row / 2 + 4} className="console-bar-label">
                {n}
              </text>
            </g>
          ))}
        </svg>
      )}
    </figure>
  );
}
