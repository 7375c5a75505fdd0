// The session's timeline as an SVG chart: the value step by step (it climbs
// by one each step and falls to 0 on a break), each break as a vertical mark,
// and the steps this client does not know as shaded bands. The figure's
// caption is its text alternative (describeWindow).
//
// The SVG stretches to the card's width (360 px screens included); strokes
// keep their width whatever the scale (vector-effect: non-scaling-stroke).
import { useId } from 'react';
import { describeWindow, type TimelineWindow } from '../game/timeline.ts';

/** The drawing's coordinate box (the SVG scales it to the available width). */
const W = 600;
const H = 150;
const PAD = 6;

interface Props {
  readonly window: TimelineWindow;
  /** The chart's name, e.g. "Timeline" or "Replay of steps 100 to 400". */
  readonly title: string;
  readonly testId?: string;
}

export function TimelineChart({ window: w, title, testId = 'timeline' }: Props) {
  const ids = useId();
  const span = Math.max(1, w.to - w.from);
  const x = (step: number) => ((step - w.from) / span) * W;
  const top = Math.max(1, w.maxValue);
  const y = (value: number) => H - PAD - (value / top) * (H - 2 * PAD);
  const stepWidth = W / (span + 1);

  // One path, lifted at every unknown step so that a gap is not drawn across.
  let d = '';
  let previous: number | null = null;
  for (const p of w.points) {
    d += `${previous !== null && p.step === previous + 1 ? 'L' : 'M'}${x(p.step).toFixed(1)} ${y(p.value).toFixed(1)}`;
    previous = p.step;
  }
  const summary = describeWindow(w);

  return (
    <figure
      className="timeline"
      data-testid={testId}
      data-from={w.from}
      data-to={w.to}
      data-points={w.points.length}
      data-breaks={w.breaks.join(',')}
      data-missing={w.gaps.map((g) => `${g.from}-${g.to}`).join(',')}
    >
      <svg
        viewBox={`0 0 ${W} ${H}`}
        preserveAspectRatio="none"
        role="img"
        aria-labelledby={`${ids}-title ${ids}-summary`}
        className="timeline-svg"
      >
        <title id={`${ids}-title`}>{title}</title>
        {w.gaps.map((g) => (
          <rect
            key={`gap-${g.from}`}
            className="timeline-gap"
            x={x(g.from) - stepWidth / 2}
            y={0}
            width={(g.to - g.from + 1) * stepWidth}
            height={H}
          />
        ))}
        {w.breaks.map((step) => (
          <line key={`break-${step}`} className="timeline-break" x1={x(step)} x2={x(step)} y1={0} y2={H} vectorEffect="non-scaling-stroke" />
        ))}
        <path className="timeline-value" d={d} vectorEffect="non-scaling-stroke" />
      </svg>
      <div className="timeline-axis" aria-hidden="true">
        <span>step {w.from}</span>
        <span>top: value {w.maxValue}</span>
        <span>step {w.to}</span>
      </div>
      <figcaption id={`${ids}-summary`} data-testid={`${testId}-summary`}>
        {summary}
        <span className="timeline-legend" aria-hidden="true">
          <span className="key key-value">value</span>
          <span className="key key-break">break</span>
          <span className="key key-gap">not received</span>
        </span>
      </figcaption>
    </figure>
  );
}
