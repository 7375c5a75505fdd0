// The message when the game ends for this player: kicked, stopped, ended by
// its owner, replaced, or the connection lost; and in server mode the
// fairness check of the revealed seed.
import type { GameSnapshot } from '../game/game_controller.ts';

interface Props {
  readonly snap: GameSnapshot;
  readonly onBack: () => void;
}

export function EndNotice({ snap, onBack }: Props) {
  const end = snap.end!;
  const { title, detail } = describeEnd(snap);
  const bad = end.kind === 'kicked' || end.kind === 'lost' || end.kind === 'refused' || end.kind === 'replaced';
  return (
    <div role="alert" className={`notice ${bad ? 'notice-error' : 'notice-info'}`} data-testid="end-notice" data-kind={end.kind}>
      <strong>{title}</strong>
      <p>{detail}</p>
      {snap.setup.session.mode === 'server' && <Fairness snap={snap} />}
      <button type="button" className="primary" onClick={onBack}>
        Back to start
      </button>
    </div>
  );
}

function describeEnd(snap: GameSnapshot): { title: string; detail: string } {
  const end = snap.end!;
  // The limits are the region's settings (150 ms and 50 ms by default); the page only knows the figures.
  const rtt = end.rttMs !== null ? `${end.rttMs.toFixed(0)} ms` : null;
  const jitter = end.jitterMs !== null ? `${end.jitterMs.toFixed(0)} ms` : null;
  switch (end.kind) {
    case 'kicked':
      if (end.reason === 'high_latency')
        return {
          title: 'You were removed from the game',
          detail: `Your connection is too slow for fair play: the round trip is over the region’s limit${rtt ? ` (${rtt} on average${jitter ? `, jitter ${jitter}` : ''})` : ''}.`,
        };
      if (end.reason === 'high_jitter')
        return {
          title: 'You were removed from the game',
          detail: `Your connection is too irregular for fair play: the jitter is over the region’s limit${jitter ? ` (${jitter}${rtt ? `, round trip ${rtt}` : ''})` : ''}.`,
        };
      if (end.reason === 'unresponsive')
        return { title: 'You were removed from the game', detail: 'Your browser stopped answering the server’s pings.' };
      return { title: 'You were removed from the game', detail: `Reason: ${end.reason}.` };
    case 'replaced':
      return { title: 'Disconnected', detail: 'You joined this game from another tab or device with the same user id; this one stopped.' };
    case 'stopped':
      return { title: 'The game has stopped', detail: 'The session was stopped on the server.' };
    case 'exited':
      return { title: 'The game has ended', detail: 'Its owner ended the session.' };
    case 'refused':
      return { title: 'Cannot join this game', detail: 'The region refused the join: the session does not exist or has ended.' };
    case 'lost':
      return { title: 'Connection lost', detail: 'The connection to the region dropped and could not be restored within 10 seconds.' };
    case 'left':
      return { title: 'You left the game', detail: '' };
  }
}

function Fairness({ snap }: { snap: GameSnapshot }) {
  const v = snap.verification;
  if (v === null) return null;
  if (v === 'pending') return <p data-testid="verification">Checking the revealed seed…</p>;
  return (
    <div data-testid="verification" data-result={v.result}>
      {v.result === 'match' && (
        <p>
          <span className="badge badge-ok">Verified</span> The revealed seed <span className="num">{v.seed.toString()}</span> matches
          the SHA-256 commitment published when the game started: the server did not change it.
        </p>
      )}
      {v.result === 'mismatch' && (
        <p>
          <span className="badge badge-bad">Mismatch</span> The revealed seed <span className="num">{v.seed.toString()}</span> does
          not match the commitment: SHA-256 gives <code className="wrap">{v.actual}</code>, the commitment was{' '}
          <code className="wrap">{v.expected}</code>.
        </p>
      )}
      {v.result === 'unavailable' && <p>The seed could not be checked: {v.why}.</p>}
      {snap.tickCheck !== null && (
        <p data-testid="tick-check" data-mismatches={snap.tickCheck.mismatches}>
          {snap.tickCheck.mismatches === 0
            ? `All ${snap.tickCheck.checked} ticks received were recomputed with this seed and match.`
            : `${snap.tickCheck.mismatches} of ${snap.tickCheck.checked} ticks received do not match this seed.`}
        </p>
      )}
    </div>
  );
}
