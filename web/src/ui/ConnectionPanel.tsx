// Round trip, jitter and latency status (measured by the region), the
// browser's own round trip (its seed 001 pings), the live connection's state,
// and the clock offset from synchronization.
import { useId } from 'react';
import type { GameSnapshot } from '../game/game_controller.ts';
import type { ConnectionStatus } from '../net/tick_connection.ts';

interface Props {
  readonly snap: GameSnapshot;
  readonly onReconnect: () => void;
}

export function ConnectionPanel({ snap, onReconnect }: Props) {
  const ids = useId();
  const { latency, clock, connection } = snap;
  const canReconnect =
    snap.end === null && connection?.state === 'closed' && (connection.reason === 'lost' || connection.reason === 'unavailable');
  return (
    <section aria-labelledby={`${ids}-title`} className="card">
      <h3 id={`${ids}-title`}>Connection</h3>
      <dl className="facts">
        <dt>Round trip</dt>
        <dd data-testid="rtt">{latency ? `${latency.rttMs.toFixed(1)} ms` : '–'}</dd>
        <dt>Jitter</dt>
        <dd data-testid="jitter">{latency ? `${latency.jitterMs.toFixed(1)} ms` : '–'}</dd>
        <dt>Latency</dt>
        <dd data-testid="latency-status">
          {latency === null ? (
            'not measured yet'
          ) : (
            <span className={`badge badge-${latency.status}`}>{latency.status === 'ok' ? 'ok' : 'warning: slow'}</span>
          )}
        </dd>
        <dt>Your pings</dt>
        <dd data-testid="client-rtt">
          {snap.clientRtt === null
            ? '–'
            : `${snap.clientRtt.lastMs.toFixed(0)} ms (mean ${snap.clientRtt.meanMs.toFixed(1)} ms of ${snap.clientRtt.samples})`}
        </dd>
        <dt>Live link</dt>
        <dd data-testid="connection">{connectionText(connection, snap.setup.session.mode)}</dd>
        <dt>Encoding</dt>
        <dd data-testid="wire">{connection?.state === 'open' ? wireText(connection.wire) : '–'}</dd>
        <dt>Clock</dt>
        <dd data-testid="clock">
          {clock !== null
            ? `${formatOffset(clock.offsetMs)} from the server (${clock.samples} sample${clock.samples === 1 ? '' : 's'}, best round trip ${clock.rttMs} ms)`
            : snap.clockError !== null
              ? 'not synchronized: using this device’s clock'
              : 'synchronizing…'}
        </dd>
      </dl>
      {snap.wireErrors !== null && (
        <p role="status" className="notice notice-warning" data-testid="wire-errors">
          {snap.wireErrors.count} message{snap.wireErrors.count === 1 ? '' : 's'} from the region could not be read and{' '}
          {snap.wireErrors.count === 1 ? 'was' : 'were'} skipped; the last was {snap.wireErrors.last}.
        </p>
      )}
      {canReconnect && (
        <button type="button" onClick={onReconnect}>
          Reconnect
        </button>
      )}
    </section>
  );
}

function connectionText(c: ConnectionStatus | null, mode: 'client' | 'server'): string {
  if (c === null) return mode === 'client' ? 'none: steps are computed in your browser' : 'none';
  switch (c.state) {
    case 'connecting':
      return 'connecting…';
    case 'open':
      return c.resumed ? 'connected (resumed)' : 'connected';
    case 'reconnecting':
      return `reconnecting (attempt ${c.attempt}, ${Math.ceil(c.graceLeftMs / 1000)} s of grace left)`;
    case 'closed':
      switch (c.reason) {
        case 'unavailable':
          return mode === 'client'
            ? 'unavailable: steps are still computed in your browser, latency is not measured'
            : 'unavailable: the region’s broadcaster does not answer';
        case 'lost':
          return mode === 'client' ? 'lost: steps are still computed in your browser' : 'lost';
        case 'protocol':
          return `closed by the server (code ${c.code})`;
        default:
          return 'closed';
      }
  }
}

function wireText(wire: 'binary' | 'json'): string {
  return wire === 'binary' ? 'binary (metronome.v1.bin)' : 'JSON (metronome.v1.json)';
}

function formatOffset(ms: number): string {
  const sign = ms >= 0 ? '+' : '−';
  const abs = Math.abs(ms);
  if (abs >= 60_000) return `${sign}${(abs / 60_000).toFixed(1)} min`;
  if (abs >= 1_000) return `${sign}${(abs / 1_000).toFixed(2)} s`;
  return `${sign}${abs} ms`;
}
