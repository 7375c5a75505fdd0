// The edge's HTTP API as the page uses it (src/edge/edge_routes.cpp). The
// page is served by the edge, so every call is same-origin; the region's own
// API (other ports, no CORS) is never called from here.
//
// Every function resolves with parsed data or rejects with an EdgeError whose
// message is fit to show a person as it is.
import type { TickRecord } from '../game/breaks.ts';
import { parseSession, type SessionInfo } from './session.ts';

/** How long one request may take before it counts as unreachable (ms). */
export const REQUEST_TIMEOUT_MS = 8_000;

export type EdgeErrorKind =
  /** No answer at all: the server is down, the network is off, or it timed out. */
  | 'unreachable'
  /** The server answered with an error status. */
  | 'http'
  /** The server answered 2xx with something the client cannot read. */
  | 'bad_answer';

export class EdgeError extends Error {
  readonly kind: EdgeErrorKind;
  /** The HTTP status for kind 'http', else 0. */
  readonly status: number;
  /** The server's error code (`{"error":{"code"}}`), when it sent one. */
  readonly code: string;
  constructor(kind: EdgeErrorKind, message: string, status = 0, code = '') {
    super(message);
    this.name = 'EdgeError';
    this.kind = kind;
    this.status = status;
    this.code = code;
  }
}

export type FetchLike = (input: string, init?: RequestInit) => Promise<Response>;

export interface RegionInfo {
  readonly name: string;
  /** The region's own HTTP URL (http://HOST:PORT): where the client measures its RTT. */
  readonly baseUrl: string;
  readonly wsUrl: string;
  readonly up: boolean;
  /** The edge's last health-probe round trip (ms), when known. */
  readonly rttMs: number | null;
}

export interface StartRequest {
  readonly userId: string;
  readonly preferredRegion?: string;
  readonly mode: 'client' | 'server';
  readonly rule?: 'rounds' | 'lcg-counter';
  /** The client's measured RTT per region (ms; region_rtt.ts): the edge picks the lowest. */
  readonly rtt?: Readonly<Record<string, number>>;
}

/** A start's answer: the session, plus how the edge routed it. */
export interface StartedGame {
  readonly session: SessionInfo;
  /** The selection rule that chose the region: preferredRegion, x-user-region, rtt, geo, load, default, fallback. */
  readonly routedBy: string;
  readonly wsEndpoint: string;
  /** True when the edge returned the user's already running session instead of a new one. */
  readonly resumed: boolean;
}

/** Steps one replay request may cover (the region's own limit, docs/openapi.yaml). */
export const MAX_REPLAY_REQUEST_STEPS = 100_000;

/** A replay's answer: the states of [from, to] in step order (only the breaks with breaksOnly). */
export interface Replay {
  readonly from: number;
  readonly to: number;
  readonly breaksOnly: boolean;
  readonly states: readonly TickRecord[];
}

/** One HTTP sample for clock synchronization (client clock, ms). */
export interface TimeSample {
  readonly sentAt: number;
  readonly receivedAt: number;
  readonly serverTimestamp: number;
}

export class EdgeClient {
  private readonly fetch_: FetchLike;
  private readonly base_: string;
  /**
   * Session keys from the starts this client made (gameId -> key): the
   * server's AUTH_MODE=owner needs the key to end the session. Kept in
   * memory only, and sent only with that session's exit.
   */
  private readonly keys_ = new Map<string, string>();

  /** `base` is '' for same-origin calls (the page served by the edge). */
  constructor(fetchFn: FetchLike, base = '') {
    this.fetch_ = fetchFn;
    this.base_ = base;
  }

  async regions(): Promise<RegionInfo[]> {
    const body = await this.request('GET', '/api/regions');
    const list = isObject(body) && Array.isArray(body.regions) ? body.regions : null;
    if (list === null) throw new EdgeError('bad_answer', 'The server sent an unreadable list of regions.');
    return list.filter(isObject).map((r) => ({
      name: String(r.region ?? ''),
      baseUrl: typeof r.base_url === 'string' ? r.base_url : '',
      wsUrl: typeof r.ws_url === 'string' ? r.ws_url : '',
      up: r.status === 'up',
      rttMs: typeof r.rtt_ms === 'number' && Number.isFinite(r.rtt_ms) ? r.rtt_ms : null,
    }));
  }

  async start(req: StartRequest): Promise<StartedGame> {
    const payload: Record<string, unknown> = { userId: req.userId, mode: req.mode };
    if (req.preferredRegion) payload.preferredRegion = req.preferredRegion;
    if (req.rule) payload.rule = req.rule;
    if (req.rtt && Object.keys(req.rtt).length > 0) payload.rtt = req.rtt;
    const body = await this.request('POST', '/edge/game/start', payload);
    const session = parseSession(body);
    if (!isObject(body) || session === null) throw new EdgeError('bad_answer', 'The server sent an unreadable session.');
    if (typeof body.session_key === 'string') this.keys_.set(session.id, body.session_key);
    return {
      session,
      routedBy: typeof body.routedBy === 'string' ? body.routedBy : 'unknown',
      wsEndpoint: typeof body.wsEndpoint === 'string' ? body.wsEndpoint : '',
      resumed: body.resumed === true,
    };
  }

  /** Ends the session (only its owner may). */
  async exit(gameId: string, userId: string, backendRegion: string): Promise<void> {
    const payload: Record<string, string> = { gameId, userId, backendRegion };
    const key = this.keys_.get(gameId);
    if (key !== undefined) payload.session_key = key;
    await this.request('POST', '/edge/game/exit', payload);
  }

  async session(id: string): Promise<SessionInfo> {
    const body = await this.request('GET', `/edge/sessions/${encodeURIComponent(id)}`);
    const session = parseSession(body);
    if (session === null) throw new EdgeError('bad_answer', 'The server sent an unreadable session.');
    return session;
  }

  /**
   * States of steps [from, to] of a session, through the edge (which asks the
   * session's region: GET /edge/sessions/{id}/replay, the same query and body
   * as the region's /v1/sessions/{id}/replay). A running server-mode session
   * refuses steps after its current one (403).
   */
  async replay(id: string, from: number, to: number, breaksOnly = false): Promise<Replay> {
    const q = `from=${from}&to=${to}${breaksOnly ? '&breaks_only=true' : ''}`;
    const body = await this.request('GET', `/edge/sessions/${encodeURIComponent(id)}/replay?${q}`);
    const replay = parseReplay(body);
    if (replay === null) throw new EdgeError('bad_answer', 'The server sent an unreadable replay.');
    return replay;
  }

  /** One clock sample; `now` is the client clock the sample is taken with. */
  async time(now: () => number): Promise<TimeSample> {
    const sentAt = now();
    const body = await this.request('GET', '/edge/time');
    const receivedAt = now();
    if (!isObject(body) || typeof body.serverTimestamp !== 'number') {
      throw new EdgeError('bad_answer', 'The server sent an unreadable time.');
    }
    return { sentAt, receivedAt, serverTimestamp: body.serverTimestamp };
  }

  private async request(method: 'GET' | 'POST', path: string, json?: unknown): Promise<unknown> {
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), REQUEST_TIMEOUT_MS);
    let res: Response;
    try {
      res = await this.fetch_(this.base_ + path, {
        method,
        headers: json === undefined ? undefined : { 'Content-Type': 'application/json' },
        body: json === undefined ? undefined : JSON.stringify(json),
        signal: controller.signal,
        cache: 'no-store',
      });
    } catch {
      throw new EdgeError(
        'unreachable',
        `The Metronome server does not answer (${method} ${path}). Check that it is running (metronome up) and try again.`,
      );
    } finally {
      clearTimeout(timer);
    }
    let body: unknown = null;
    try {
      body = await res.json();
    } catch {
      body = null;
    }
    if (!res.ok) {
      const err = isObject(body) && isObject(body.error) ? body.error : null;
      const code = err && typeof err.code === 'string' ? err.code : '';
      const detail = err && typeof err.message === 'string' ? err.message : res.statusText;
      throw new EdgeError('http', `${describeStatus(res.status)}: ${detail}`, res.status, code);
    }
    if (body === null) throw new EdgeError('bad_answer', `The server's answer to ${method} ${path} is not JSON.`);
    return body;
  }
}

const isStep = (x: unknown): x is number => typeof x === 'number' && Number.isSafeInteger(x) && x >= 0;

/** A replay body; null unless every state is well formed and in step order within [from, to]. */
export function parseReplay(body: unknown): Replay | null {
  if (!isObject(body) || !isStep(body.from) || !isStep(body.to) || !Array.isArray(body.states)) return null;
  const states: TickRecord[] = [];
  let last = body.from - 1;
  for (const s of body.states) {
    if (!isObject(s) || !isStep(s.step) || !isStep(s.value) || !isStep(s.round) || typeof s.broken !== 'boolean') return null;
    if (s.step <= last || s.step > body.to) return null;
    last = s.step;
    states.push({ step: s.step, value: s.value, round: s.round, broken: s.broken });
  }
  return { from: body.from, to: body.to, breaksOnly: body.breaks_only === true, states };
}

function describeStatus(status: number): string {
  if (status === 404) return 'Not found';
  if (status === 403) return 'Not allowed';
  if (status === 400) return 'Refused';
  if (status === 503) return 'The server is unavailable';
  if (status >= 500) return `Server error ${status}`;
  return `Error ${status}`;
}

export function isObject(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}
