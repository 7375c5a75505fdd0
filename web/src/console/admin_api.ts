// The console's calls to the edge's admin API (src/edge/console_api.hpp,
// docs/openapi.yaml tag console). Every call carries the admin token as
// `Authorization: Bearer`; a refusal becomes an AdminError with the status
// and the server's own message.

const TOKEN_KEY = 'metronome.console.token';

/** The token this tab signed in with (sessionStorage: gone when the tab closes). */
export function storedToken(): string {
  try {
    return sessionStorage.getItem(TOKEN_KEY) ?? '';
  } catch {
    return '';
  }
}

export function storeToken(token: string): void {
  try {
    if (token) sessionStorage.setItem(TOKEN_KEY, token);
    else sessionStorage.removeItem(TOKEN_KEY);
  } catch {
    /* storage refused (private mode): the token lives in memory only */
  }
}

export class AdminError extends Error {
  readonly status: number;
  readonly code: string;
  constructor(status: number, code: string, message: string) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

async function call(token: string, path: string, init: RequestInit = {}): Promise<Response> {
  let res: Response;
  try {
    res = await fetch(path, { ...init, headers: { ...(init.headers ?? {}), Authorization: `Bearer ${token}` } });
  } catch (e) {
    throw new AdminError(0, 'network', `the edge did not answer: ${e instanceof Error ? e.message : String(e)}`);
  }
  if (res.ok) return res;
  let code = `http_${res.status}`;
  let message = `HTTP ${res.status}`;
  try {
    const body = (await res.json()) as { error?: { code?: string; message?: string } };
    if (body.error?.code) code = body.error.code;
    if (body.error?.message) message = body.error.message;
  } catch {
    /* not JSON: keep the status */
  }
  throw new AdminError(res.status, code, message);
}

export async function adminJson<T>(token: string, path: string, init: RequestInit = {}): Promise<T> {
  return (await (await call(token, path, init)).json()) as T;
}

export async function adminText(token: string, path: string): Promise<string> {
  return (await call(token, path)).text();
}

/** POST with a JSON body; the answer's JSON (the region's, for a stop). */
export async function adminPost<T>(token: string, path: string, body?: unknown): Promise<T> {
  return adminJson<T>(token, path, {
    method: 'POST',
    ...(body === undefined ? {} : { headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) }),
  });
}

export interface RegionRow {
  region: string;
  base_url: string;
  ws_url: string;
  status: 'up' | 'down';
  source: string;
  heartbeat: string;
  heartbeat_age_ms: number | null;
  probe_ok: boolean;
  breaker: string;
  rtt_ms: number;
  load: { inflight: number; proxied_total: number };
}

export interface SessionRow {
  id: string;
  user_id: string;
  region: string;
  status: 'running' | 'stopped' | 'exited';
  mode: string;
  created_at_ms: number;
  ended_at_ms: number | null;
  start_at_ms: number;
  tick_ms: number;
}

export interface PlayerRow {
  userId: string;
  state: string;
  rttMs: number;
  jitterMs: number;
  samples: number;
  status: string;
  queuedBytes: number;
}

export interface SessionDetail {
  session: SessionRow;
  players: PlayerRow[] | null;
  players_error?: string;
}

export interface SessionFilter {
  userId: string;
  region: string;
  status: string;
}

export function sessionsPath(f: SessionFilter, cursor = '', limit = 20): string {
  const q = new URLSearchParams();
  if (f.userId) q.set('userId', f.userId);
  if (f.region) q.set('region', f.region);
  if (f.status) q.set('status', f.status);
  q.set('limit', String(limit));
  if (cursor) q.set('cursor', cursor);
  return `/edge/admin/sessions?${q.toString()}`;
}
