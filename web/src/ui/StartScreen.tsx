// The start screen: user id, mode, rule and region, then POST /edge/game/start.
import { useEffect, useId, useState, type FormEvent } from 'react';
import type { EdgeClient, RegionInfo, StartedGame } from '../api/edge.ts';
import { measureRegionRtts } from '../api/region_rtt.ts';
import type { Mode } from '../api/session.ts';
import { ErrorNotice } from './ErrorNotice.tsx';

interface Props {
  readonly edge: EdgeClient;
  readonly initialUserId: string;
  readonly onStarted: (game: StartedGame, userId: string) => void;
}

type RegionsState = { kind: 'loading' } | { kind: 'ok'; regions: RegionInfo[] } | { kind: 'error'; message: string };

export function StartScreen({ edge, initialUserId, onStarted }: Props) {
  const [userId, setUserId] = useState(initialUserId);
  const [mode, setMode] = useState<Mode>('client');
  const [rule, setRule] = useState<'rounds' | 'lcg-counter'>('rounds');
  const [region, setRegion] = useState('');
  const [regions, setRegions] = useState<RegionsState>({ kind: 'loading' });
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [attempt, setAttempt] = useState(0);
  const ids = useId();

  useEffect(() => {
    let live = true;
    edge.regions().then(
      (list) => live && setRegions({ kind: 'ok', regions: list }),
      (e: Error) => live && setRegions({ kind: 'error', message: e.message }),
    );
    return () => {
      live = false;
    };
  }, [edge, attempt]);

  const submit = async (ev: FormEvent) => {
    ev.preventDefault();
    const id = userId.trim();
    if (id === '') return setError('Enter a user id.');
    setBusy(true);
    setError(null);
    performance.mark('metronome:start');
    try {
      // No region chosen: measure ours to each, and let the edge pick the lowest.
      const rtt =
        region || regions.kind !== 'ok'
          ? undefined
          : await measureRegionRtts(regions.regions, { now: () => performance.now(), fetch: (u, init) => fetch(u, init) });
      const game = await edge.start({ userId: id, mode, rule, preferredRegion: region || undefined, rtt });
      onStarted(game, id);
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
      setBusy(false);
    }
  };

  return (
    <section aria-labelledby={`${ids}-title`} className="card">
      <h2 id={`${ids}-title`} tabIndex={-1}>Start a game</h2>
      {regions.kind === 'error' && (
        <ErrorNotice title="Cannot reach the server" message={regions.message} onRetry={() => setAttempt((n) => n + 1)} />
      )}
      <form onSubmit={submit} className="form" noValidate>
        <div className="field">
          <label htmlFor={`${ids}-user`}>Your user id</label>
          <input
            id={`${ids}-user`}
            name="userId"
            value={userId}
            onChange={(e) => setUserId(e.target.value)}
            maxLength={128}
            autoComplete="username"
            spellCheck={false}
            required
          />
        </div>
        <fieldset className="field">
          <legend>Who computes the steps</legend>
          <label className="choice">
            <input type="radio" name="mode" value="client" checked={mode === 'client'} onChange={() => setMode('client')} />
            <span>
              <strong>Client mode</strong>
              <span className="hint">Your browser computes every step from the session's seed, on the server's clock.</span>
            </span>
          </label>
          <label className="choice">
            <input type="radio" name="mode" value="server" checked={mode === 'server'} onChange={() => setMode('server')} />
            <span>
              <strong>Server mode</strong>
              <span className="hint">The region sends every step. The seed stays secret until the end, then your browser checks it.</span>
            </span>
          </label>
        </fieldset>
        <div className="field">
          <label htmlFor={`${ids}-rule`}>Rule</label>
          <select id={`${ids}-rule`} name="rule" aria-describedby={`${ids}-rule-hint`} value={rule} onChange={(e) => setRule(e.target.value as 'rounds' | 'lcg-counter')}>
            <option value="rounds">rounds (the default)</option>
            <option value="lcg-counter">lcg-counter (seed 000’s rule)</option>
          </select>
          <p className="hint" id={`${ids}-rule-hint`}>
            {rule === 'rounds'
              ? 'Rounds of 1 to 99 steps, 50 on average; the value counts the steps since the last break.'
              : 'A break when a 32-bit LCG of the step is a multiple of 50: rare, and in bursts.'}
          </p>
        </div>
        <div className="field">
          <label htmlFor={`${ids}-region`}>Region</label>
          <select id={`${ids}-region`} name="region" value={region} onChange={(e) => setRegion(e.target.value)}>
            <option value="">Automatic: the server chooses</option>
            {regions.kind === 'ok' &&
              regions.regions.map((r) => (
                <option key={r.name} value={r.name} disabled={!r.up}>
                  {r.name} ({r.up ? `up${r.rttMs === null ? '' : `, ${Math.round(r.rttMs)} ms`}` : 'down'})
                </option>
              ))}
          </select>
          {regions.kind === 'loading' && <p className="hint">Loading regions…</p>}
        </div>
        {error !== null && <ErrorNotice title="The game did not start" message={error} />}
        <button type="submit" className="primary" disabled={busy}>
          {busy ? 'Starting…' : 'Start'}
        </button>
      </form>
      <p className="hint">To join someone's game, open the link they share with you.</p>
      <p className="hint">
        Or <a href="?world">enter the world</a>: walk among the other players on a shared map.
      </p>
    </section>
  );
}
