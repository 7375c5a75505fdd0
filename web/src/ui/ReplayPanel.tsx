// Replay of any step range on request: the region's states for [from, to]
// through the edge, drawn as a timeline chart with its text summary.
import { useId, useState, type FormEvent } from 'react';
import { MAX_REPLAY_VIEW_STEPS, type GameController, type GameSnapshot } from '../game/game_controller.ts';
import { TimelineChart } from './TimelineChart.tsx';

interface Props {
  readonly snap: GameSnapshot;
  readonly controller: GameController;
}

/** The default range: the 100 steps before the current one. */
function defaultRange(snap: GameSnapshot): [number, number] {
  const to = Math.max(0, (snap.tick?.step ?? 1) - 1);
  return [Math.max(0, to - 99), to];
}

export function ReplayPanel({ snap, controller }: Props) {
  const ids = useId();
  const [from, setFrom] = useState('');
  const [to, setTo] = useState('');
  const r = snap.replay;

  const submit = (e: FormEvent) => {
    e.preventDefault();
    const [f, t] = defaultRange(snap);
    void controller.replay(from.trim() === '' ? f : Number(from), to.trim() === '' ? t : Number(to));
  };
  const [placeholderFrom, placeholderTo] = defaultRange(snap);

  return (
    <section aria-labelledby={`${ids}-title`} className="card">
      <h3 id={`${ids}-title`}>Replay</h3>
      <p className="hint">
        Any range of past steps, as the region computes them (up to {MAX_REPLAY_VIEW_STEPS} at a time). A running server-mode game keeps
        its future secret.
      </p>
      <form className="replay-form" onSubmit={submit} aria-describedby={`${ids}-status`}>
        <div className="field">
          <label htmlFor={`${ids}-from`}>From step</label>
          <input id={`${ids}-from`} inputMode="numeric" pattern="[0-9]*" value={from} placeholder={String(placeholderFrom)} onChange={(e) => setFrom(e.target.value)} />
        </div>
        <div className="field">
          <label htmlFor={`${ids}-to`}>To step</label>
          <input id={`${ids}-to`} inputMode="numeric" pattern="[0-9]*" value={to} placeholder={String(placeholderTo)} onChange={(e) => setTo(e.target.value)} />
        </div>
        <button type="submit" disabled={r?.state === 'loading'}>
          {r?.state === 'loading' ? 'Replaying…' : 'Replay'}
        </button>
      </form>
      <div id={`${ids}-status`} role="status" data-testid="replay-status" data-state={r?.state ?? 'none'}>
        {r?.state === 'loading' && <p className="hint">Asking the region for steps {r.from} to {r.to}…</p>}
        {r?.state === 'error' && (
          <p className="notice notice-warning">
            <strong>No replay of steps {r.from} to {r.to}:</strong> {r.error}
          </p>
        )}
      </div>
      {r?.state === 'done' && <TimelineChart window={r.window} title={`Replay of steps ${r.from} to ${r.to}`} testId="replay-chart" />}
    </section>
  );
}
