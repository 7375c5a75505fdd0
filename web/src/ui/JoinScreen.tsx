// Joining a session from a shared link (?session=<id>): the session's
// parameters come from GET /edge/sessions/{id}, its region's WebSocket from
// GET /api/regions; the player joins with their own user id.
import { useId, useState, type FormEvent } from 'react';
import type { EdgeClient } from '../api/edge.ts';
import type { SessionInfo } from '../api/session.ts';
import { ErrorNotice } from './ErrorNotice.tsx';

export interface JoinedGame {
  readonly session: SessionInfo;
  readonly wsEndpoint: string;
}

interface Props {
  readonly edge: EdgeClient;
  readonly sessionId: string;
  readonly initialUserId: string;
  readonly onJoined: (game: JoinedGame, userId: string) => void;
  readonly onCancel: () => void;
}

export function JoinScreen({ edge, sessionId, initialUserId, onJoined, onCancel }: Props) {
  const [userId, setUserId] = useState(initialUserId);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<{ title: string; message: string } | null>(null);
  const ids = useId();

  const submit = async (ev: FormEvent) => {
    ev.preventDefault();
    const id = userId.trim();
    if (id === '') return setError({ title: 'Enter a user id', message: 'Every player needs a user id.' });
    setBusy(true);
    setError(null);
    performance.mark('metronome:start');
    try {
      const [session, regions] = await Promise.all([edge.session(sessionId), edge.regions()]);
      if (session.status !== 'active') {
        setError({ title: 'This game has ended', message: `The session ${session.status === 'exited' ? 'was ended by its owner' : 'has stopped'}.` });
        setBusy(false);
        return;
      }
      const wsEndpoint = regions.find((r) => r.name === session.region)?.wsUrl ?? '';
      onJoined({ session, wsEndpoint }, id);
    } catch (e) {
      setError({ title: 'Cannot join this game', message: e instanceof Error ? e.message : String(e) });
      setBusy(false);
    }
  };

  return (
    <section aria-labelledby={`${ids}-title`} className="card">
      <h2 id={`${ids}-title`} tabIndex={-1}>Join a game</h2>
      <p>
        Session <code className="id">{sessionId}</code>
      </p>
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
        {error !== null && <ErrorNotice title={error.title} message={error.message} />}
        <div className="actions">
          <button type="submit" className="primary" disabled={busy}>
            {busy ? 'Joining…' : 'Join'}
          </button>
          <button type="button" onClick={onCancel}>
            Start a new game instead
          </button>
        </div>
      </form>
    </section>
  );
}
