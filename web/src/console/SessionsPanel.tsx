// Sessions: every user's, newest first, searched by user, region and status
// (GET /edge/admin/sessions); one opened shows its players (RTT, jitter,
// state) from the owning region, and can be stopped or migrated. Migrate
// calls POST /edge/admin/sessions/{id}/migrate and shows its answer.
import { useCallback, useEffect, useState, type FormEvent } from 'react';
import { AdminError, adminJson, adminPost, sessionsPath, type SessionDetail, type SessionFilter, type SessionRow } from './admin_api.ts';

function when(ms: number | null): string {
  return ms === null ? '-' : new Date(ms).toLocaleTimeString();
}

function message(e: unknown): string {
  if (e instanceof AdminError) return `${e.status > 0 ? `HTTP ${e.status} ` : ''}${e.code}: ${e.message}`;
  return e instanceof Error ? e.message : String(e);
}

interface Props {
  readonly token: string;
  readonly regions: readonly string[];
}

function Detail({ token, id, regions, onChanged }: { token: string; id: string; regions: readonly string[]; onChanged: () => void }) {
  const [detail, setDetail] = useState<SessionDetail | null>(null);
  const [error, setError] = useState('');
  const [answer, setAnswer] = useState('');
  const [target, setTarget] = useState('');
  const load = useCallback(async () => {
    try {
      setDetail(await adminJson<SessionDetail>(token, `/edge/admin/sessions/${encodeURIComponent(id)}`));
      setError('');
    } catch (e) {
      setError(message(e));
    }
  }, [token, id]);
  useEffect(() => {
    void load();
  }, [load]);
  const act = async (what: 'stop' | 'migrate') => {
    setAnswer('');
    try {
      const path = `/edge/admin/sessions/${encodeURIComponent(id)}/${what}`;
      const res = what === 'stop' ? await adminPost<unknown>(token, path) : await adminPost<unknown>(token, path, { region: target });
      setAnswer(`${what}: ${JSON.stringify(res)}`);
    } catch (e) {
      setAnswer(`${what} failed: ${message(e)}`);
    }
    await load();
    onChanged();
  };
  if (error) return <p className="console-error">{error}</p>;
  if (!detail) return <p className="console-muted">Loading {id}...</p>;
  const s = detail.session;
  const others = regions.filter((r) => r !== s.region);
  return (
    <div className="console-detail" data-testid="session-detail" data-status={s.status}>
      <h3>
        Session <code>{s.id}</code>
      </h3>
      <dl>
        <dt>User</dt>
        <dd>{s.user_id || '-'}</dd>
        <dt>Region</dt>
        <dd>{s.region}</dd>
        <dt>Status</dt>
        <dd data-testid="detail-status">{s.status}</dd>
        <dt>Mode</dt>
        <dd>{s.mode}</dd>
        <dt>Created</dt>
        <dd>{when(s.created_at_ms)}</dd>
        <dt>Ended</dt>
        <dd>{when(s.ended_at_ms)}</dd>
      </dl>
      <h4>Players</h4>
      {detail.players === null ? (
        <p className="console-muted">{detail.players_error ?? 'unknown'}</p>
      ) : detail.players.length === 0 ? (
        <p className="console-muted">No player connected.</p>
      ) : (
        <table data-testid="players-table">
          <thead>
            <tr>
              <th>User</th>
              <th>State</th>
              <th>RTT</th>
              <th>Jitter</th>
              <th>Samples</th>
              <th>Latency</th>
            </tr>
          </thead>
          <tbody>
            {detail.players.map((p) => (
              <tr key={p.userId}>
                <td>{p.userId}</td>
                <td>{p.state}</td>
                <td>{p.rttMs.toFixed(1)} ms</td>
                <td>{p.jitterMs.toFixed(1)} ms</td>
                <td>{p.samples}</td>
                <td>{p.status}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <div className="console-actions">
        <button type="button" onClick={() => void act('stop')} disabled={s.status !== 'running'}>
          Stop
        </button>
        <label>
          Migrate to
          <select name="migrate-region" value={target} onChange={(e) => setTarget(e.target.value)}>
            <option value="">choose a region</option>
            {others.map((r) => (
              <option key={r} value={r}>
                {r}
              </option>
            ))}
          </select>
        </label>
        <button type="button" onClick={() => void act('migrate')} disabled={s.status !== 'running' || target === ''}>
          Migrate
        </button>
      </div>
      {answer && (
        <pre className="console-answer" data-testid="action-answer">
          {answer}
        </pre>
      )}
    </div>
  );
}

export function SessionsPanel({ token, regions }: Props) {
  const [filter, setFilter] = useState<SessionFilter>({ userId: '', region: '', status: '' });
  const [draft, setDraft] = useState<SessionFilter>(filter);
  const [rows, setRows] = useState<SessionRow[]>([]);
  const [cursors, setCursors] = useState<string[]>(['']); // cursors[i]: page i's cursor
  const [next, setNext] = useState<string | null>(null);
  const [error, setError] = useState('');
  const [open, setOpen] = useState('');
  const page = cursors.length - 1;

  const load = useCallback(async () => {
    try {
      const r = await adminJson<{ sessions: SessionRow[]; next_cursor: string | null }>(token, sessionsPath(filter, cursors[cursors.length - 1]));
      setRows(r.sessions);
      setNext(r.next_cursor);
      setError('');
    } catch (e) {
      setError(message(e));
    }
  }, [token, filter, cursors]);
  useEffect(() => {
    void load();
  }, [load]);

  const search = (e: FormEvent) => {
    e.preventDefault();
    setFilter({ ...draft, userId: draft.userId.trim() });
    setCursors(['']);
  };

  return (
    <section className="console-card" aria-labelledby="sessions-title">
      <h2 id="sessions-title">Sessions</h2>
      <form className="console-filters" onSubmit={search} aria-label="Search sessions">
        <label>
          User id
          <input name="userId" value={draft.userId} onChange={(e) => setDraft({ ...draft, userId: e.target.value })} />
        </label>
        <label>
          Region
          <select name="region" value={draft.region} onChange={(e) => setDraft({ ...draft, region: e.target.value })}>
            <option value="">any</option>
            {regions.map((r) => (
              <option key={r} value={r}>
                {r}
              </option>
            ))}
          </select>
        </label>
        <label>
          Status
          <select name="status" value={draft.status} onChange={(e) => setDraft({ ...draft, status: e.target.value })}>
            <option value="">any</option>
            <option value="running">running</option>
            <option value="stopped">stopped</option>
            <option value="exited">exited</option>
          </select>
        </label>
        <button type="submit">Search</button>
        <button type="button" onClick={() => void load()}>
          Refresh
        </button>
      </form>
      {error && (
        <p className="console-error" role="alert">
          {error}
        </p>
      )}
      <table data-testid="sessions-table">
        <thead>
          <tr>
            <th>Session</th>
            <th>User</th>
            <th>Region</th>
            <th>Status</th>
            <th>Mode</th>
            <th>Created</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {rows.map((s) => (
            <tr key={s.id} data-session={s.id} data-status={s.status}>
              <td>
                <code title={s.id}>{s.id.slice(0, 8)}</code>
              </td>
              <td>{s.user_id || '-'}</td>
              <td>{s.region}</td>
              <td>{s.status}</td>
              <td>{s.mode}</td>
              <td>{when(s.created_at_ms)}</td>
              <td>
                <button type="button" onClick={() => setOpen(s.id)} aria-label={`Open session ${s.id}`}>
                  Open
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {rows.length === 0 && !error && <p className="console-muted">No session matches.</p>}
      <div className="console-pager">
        <button type="button" disabled={page === 0} onClick={() => setCursors(cursors.slice(0, -1))}>
          Newer
        </button>
        <span>page {page + 1}</span>
        <button type="button" disabled={!next} onClick={() => next && setCursors([...cursors, next])}>
          Older
        </button>
      </div>
      {open && <Detail key={open} token={token} id={open} regions={regions} onChanged={() => void load()} />}
    </section>
  );
}
