// The operator console (/console): sign in with the admin token, then the
// regions, the sessions and the charts, refreshed every few seconds. The
// token is kept in sessionStorage and sent as Authorization: Bearer; every
// figure comes from the edge's admin API (docs/console.md).
import { useCallback, useEffect, useRef, useState, type FormEvent } from 'react';
import { AdminError, adminJson, adminText, storeToken, storedToken, type RegionRow } from './admin_api.ts';
import { ChartsPanel } from './ChartsPanel.tsx';
import { Monitor } from './monitor.ts';
import { parsePrometheus } from './prometheus.ts';
import { RegionsPanel } from './RegionsPanel.tsx';
import { SessionsPanel } from './SessionsPanel.tsx';
import { WorldPanel } from './WorldPanel.tsx';

/** How often the regions and metrics are read again (ms). */
export const REFRESH_MS = 2000;

function SignIn({ onToken, error }: { onToken: (t: string) => void; error: string }) {
  const [value, setValue] = useState('');
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (value.trim()) onToken(value.trim());
  };
  return (
    <main className="console-signin">
      <h1>Metronome console</h1>
      <form onSubmit={submit} aria-label="Sign in">
        <label>
          Admin token
          <input type="password" name="token" autoComplete="current-password" value={value} onChange={(e) => setValue(e.target.value)} />
        </label>
        <button type="submit">Sign in</button>
      </form>
      {error && (
        <p className="console-error" role="alert" data-testid="signin-error">
          {error}
        </p>
      )}
      <p className="console-muted">
        <code>metronome up</code> prints the token (or uses <code>ADMIN_TOKEN</code> from its environment).
      </p>
    </main>
  );
}

export function ConsoleApp() {
  const [token, setToken] = useState(storedToken);
  const [signInError, setSignInError] = useState('');
  const [regions, setRegions] = useState<RegionRow[] | null>(null);
  const [refreshError, setRefreshError] = useState('');
  const [hasWorld, setHasWorld] = useState(false);
  const [now, setNow] = useState(() => Date.now());
  const monitor = useRef(new Monitor());

  const signOut = useCallback((why = '') => {
    storeToken('');
    setToken('');
    setRegions(null);
    setSignInError(why);
  }, []);

  const refresh = useCallback(async () => {
    if (!token) return;
    let rows: RegionRow[];
    try {
      rows = (await adminJson<{ regions: RegionRow[] }>(token, '/edge/admin/regions')).regions;
    } catch (e) {
      if (e instanceof AdminError && (e.status === 401 || e.status === 403)) return signOut(e.message);
      setRefreshError(e instanceof Error ? e.message : String(e));
      return;
    }
    setRegions(rows);
    setRefreshError('');
    const names = rows.map((r) => r.region);
    const sources = ['edge', 'world', ...names.map((n) => `region:${n}`)];
    await Promise.all(
      sources.map(async (source) => {
        try {
          const text = await adminText(token, `/edge/admin/metrics?source=${encodeURIComponent(source)}`);
          monitor.current.observe(source, parsePrometheus(text), Date.now(), names);
          if (source === 'world') setHasWorld(true);
        } catch (e) {
          if (source === 'world' && e instanceof AdminError && e.status === 404) setHasWorld(false);
        }
      }),
    );
    setNow(Date.now());
  }, [token, signOut]);

  useEffect(() => {
    if (!token) return;
    let stopped = false;
    let timer = 0;
    const loop = async () => {
      await refresh();
      if (!stopped) timer = window.setTimeout(loop, REFRESH_MS);
    };
    void loop();
    return () => {
      stopped = true;
      window.clearTimeout(timer);
    };
  }, [token, refresh]);

  const signIn = (t: string) => {
    storeToken(t);
    setSignInError('');
    setToken(t);
  };

  if (!token) return <SignIn onToken={signIn} error={signInError} />;
  const names = (regions ?? []).map((r) => r.region);
  return (
    <div className="console">
      <header className="console-header">
        <h1>Metronome console</h1>
        <span className="console-muted" data-testid="refreshed">
          {regions ? `refreshed ${new Date(now).toLocaleTimeString()}` : 'loading...'}
        </span>
        <button type="button" onClick={() => signOut()}>
          Sign out
        </button>
      </header>
      {refreshError && (
        <p className="console-error" role="alert">
          {refreshError}
        </p>
      )}
      <RegionsPanel regions={regions ?? []} monitor={monitor.current} />
      <SessionsPanel token={token} regions={names} />
      <ChartsPanel monitor={monitor.current} regions={names} hasWorld={hasWorld} now={now} />
      <WorldPanel token={token} refreshMs={REFRESH_MS} />
    </div>
  );
}
