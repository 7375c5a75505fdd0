// Placeholder UI: a demo session computed in the browser by the engine port.
// The page owns the clock (Date.now, a timer); the engine only maps
// (params, now) to a state.
import { useEffect, useState } from 'react';
import { parseSeed, roundsRule, stateAt, type SessionParams } from './engine/index.ts';

/** Refresh period of the display (ms); shorter than a tick so no step is skipped on screen. */
const REFRESH_MS = 50;

function demoSession(): SessionParams {
  return {
    seed: parseSeed('metronome-demo')!,
    startAt: Date.now() + 3_000, // a short countdown first
    tickMs: 100,
    rule: roundsRule(),
  };
}

export default function App() {
  const [params] = useState(demoSession);
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), REFRESH_MS);
    return () => clearInterval(timer);
  }, []);
  const s = stateAt(params, now);
  return (
    <main>
      <h1>Metronome</h1>
      <p>
        Demo session: seed {params.seed.toString()}, tick {params.tickMs} ms, rule {params.rule.name}
      </p>
      {s.phase === 'countdown' ? (
        <p>Starts in {Math.ceil((s.remainingMs ?? 0) / 1000)} s</p>
      ) : (
        <dl>
          <dt>step</dt>
          <dd>{s.step}</dd>
          <dt>value</dt>
          <dd>{s.value}</dd>
          <dt>round</dt>
          <dd>{s.round}</dd>
          <dt>broken</dt>
          <dd>{s.broken ? 'yes' : 'no'}</dd>
        </dl>
      )}
    </main>
  );
}
