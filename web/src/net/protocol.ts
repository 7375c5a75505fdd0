// The tick broadcaster's messages (docs/protocol.md), JSON subprotocol
// `metronome.v1.json` (the binary one is binary_codec.ts). Parsing is strict
// about the fields the client uses and ignores the rest, so the server may
// add fields; a message type the client does not know is ignored.

export const JSON_SUBPROTOCOL = 'metronome.v1.json';
export const BINARY_SUBPROTOCOL = 'metronome.v1.bin';

/** How long a dropped player may rejoin and keep its place (ms); RECONNECT_GRACE_MS. */
export const RECONNECT_GRACE_MS = 10_000;

export type ServerMessage =
  | {
      type: 'session_joined';
      sessionId: string;
      userId: string;
      region: string;
      mode: string;
      tickMs: number;
      startAt: number;
      rule: unknown;
      seed: unknown;
      commitment: unknown;
      resumed: boolean;
      serverTimestamp: number;
    }
  | { type: 'pong'; clientTimestamp: number; serverTimestamp: number }
  | { type: 'ping'; seq: number; serverTimestamp: number }
  | { type: 'countdown'; remainingMs: number; serverTimestamp: number }
  | { type: 'tick'; step: number; value: number; round: number; broken: boolean; serverTimestamp: number }
  | { type: 'latency_status'; status: 'ok' | 'warning'; rttMs: number; jitterMs: number }
  | { type: 'kicked'; reason: string; rttMs: number | null; jitterMs: number | null }
  | { type: 'stopped'; reason: string; seed: string | null; salt: string | null }
  /** The session moved to another region: reconnect to `wsUrl` (null: ask the edge) and join with `after`. */
  | { type: 'migrate'; sessionId: string; region: string; wsUrl: string | null; lastStep: number }
  /** `session_moved` adds where the session went (`region`, `wsUrl`, null when the region does not know it). */
  | { type: 'error'; code: string; message: string; region?: string; wsUrl?: string | null };

export type ClientMessage =
  /** `after`: the last step received; the server sends every later one (docs/protocol.md "Migration"). */
  | { action: 'join'; sessionId: string; userId: string; after?: number }
  | { action: 'ping'; clientTimestamp: number }
  | { action: 'pong'; seq: number; serverTimestamp: number }
  | { action: 'leave' };

/** Close codes (docs/protocol.md, "Close codes"). */
export const Close = {
  normal: 1000,
  goingAway: 1001,
  abnormal: 1006,
  policy: 1008,
  tooBig: 1009,
  kicked: 4001,
  slowConsumer: 4002,
  noJoin: 4003,
  refused: 4004,
  replaced: 4005,
  rejoinCooldown: 4006,
  migrated: 4007,
} as const;

type Obj = Record<string, unknown>;

const isInt = (x: unknown): x is number => typeof x === 'number' && Number.isSafeInteger(x);
const isNum = (x: unknown): x is number => typeof x === 'number' && Number.isFinite(x);
const str = (x: unknown): string => (typeof x === 'string' ? x : '');
const optNum = (x: unknown): number | null => (isNum(x) ? x : null);

/** What one frame from the server is: a message, one of a type this client does not know, or unreadable. */
export type FrameResult =
  | { readonly kind: 'message'; readonly message: ServerMessage }
  | { readonly kind: 'ignored'; readonly type: string }
  | { readonly kind: 'malformed'; readonly error: string };

const KNOWN_TYPES: ReadonlySet<string> = new Set([
  'session_joined', 'pong', 'ping', 'countdown', 'tick', 'latency_status', 'kicked', 'stopped', 'error', 'migrate',
]);

/** A JSON document from the server (a text frame, or the binary 0x7F envelope). Never throws. */
export function decodeJsonFrame(text: string): FrameResult {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return { kind: 'malformed', error: 'a text frame that is not JSON' };
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return { kind: 'malformed', error: 'a JSON frame that is not an object' };
  const m = v as Obj;
  if (typeof m.type !== 'string') return { kind: 'malformed', error: 'a JSON message without a type' };
  if (!KNOWN_TYPES.has(m.type)) return { kind: 'ignored', type: m.type };
  const message = readServerObject(m);
  if (message === null) return { kind: 'malformed', error: `a ${m.type} message with missing or bad fields` };
  return { kind: 'message', message };
}

/** A server message from a text frame; null when it is not one the client understands. */
export function parseServerMessage(text: string): ServerMessage | null {
  const r = decodeJsonFrame(text);
  return r.kind === 'message' ? r.message : null;
}

function readServerObject(m: Obj): ServerMessage | null {
  switch (m.type) {
    case 'session_joined':
      if (!isInt(m.startAt) || !isInt(m.tickMs)) return null;
      return {
        type: 'session_joined',
        sessionId: str(m.sessionId),
        userId: str(m.userId),
        region: str(m.region),
        mode: str(m.mode),
        tickMs: m.tickMs,
        startAt: m.startAt,
        rule: m.rule,
        seed: m.seed,
        commitment: m.commitment,
        resumed: m.resumed === true,
        serverTimestamp: isInt(m.serverTimestamp) ? m.serverTimestamp : 0,
      };
    case 'pong':
      if (!isNum(m.clientTimestamp) || !isInt(m.serverTimestamp)) return null;
      return { type: 'pong', clientTimestamp: m.clientTimestamp, serverTimestamp: m.serverTimestamp };
    case 'ping':
      if (!isInt(m.seq) || !isInt(m.serverTimestamp)) return null;
      return { type: 'ping', seq: m.seq, serverTimestamp: m.serverTimestamp };
    case 'countdown':
      if (!isInt(m.remainingMs)) return null;
      return { type: 'countdown', remainingMs: m.remainingMs, serverTimestamp: isInt(m.serverTimestamp) ? m.serverTimestamp : 0 };
    case 'tick':
      if (!isInt(m.step) || !isInt(m.value) || !isInt(m.round) || typeof m.broken !== 'boolean') return null;
      return {
        type: 'tick',
        step: m.step,
        value: m.value,
        round: m.round,
        broken: m.broken,
        serverTimestamp: isInt(m.serverTimestamp) ? m.serverTimestamp : 0,
      };
    case 'latency_status':
      if ((m.status !== 'ok' && m.status !== 'warning') || !isNum(m.rttMs) || !isNum(m.jitterMs)) return null;
      return { type: 'latency_status', status: m.status, rttMs: m.rttMs, jitterMs: m.jitterMs };
    case 'kicked':
      return { type: 'kicked', reason: str(m.reason) || 'unknown', rttMs: optNum(m.rttMs), jitterMs: optNum(m.jitterMs) };
    case 'stopped':
      return {
        type: 'stopped',
        reason: str(m.reason) || 'stopped',
        seed: typeof m.seed === 'string' || isInt(m.seed) ? String(m.seed) : null,
        salt: typeof m.salt === 'string' ? m.salt : null,
      };
    case 'migrate':
      if (!isInt(m.lastStep) || typeof m.region !== 'string') return null;
      return {
        type: 'migrate',
        sessionId: str(m.sessionId),
        region: m.region,
        wsUrl: typeof m.wsUrl === 'string' && m.wsUrl !== '' ? m.wsUrl : null,
        lastStep: m.lastStep,
      };
    case 'error':
      if (m.code !== 'session_moved') return { type: 'error', code: str(m.code), message: str(m.message) };
      return {
        type: 'error',
        code: 'session_moved',
        message: str(m.message),
        region: str(m.region),
        wsUrl: typeof m.wsUrl === 'string' && m.wsUrl !== '' ? m.wsUrl : null,
      };
    default:
      return null;
  }
}

export function encodeClientMessage(m: ClientMessage): string {
  return JSON.stringify(m);
}
