// A session as the client holds it, read from any of the server's views of
// it: the edge's start answer, GET /edge/sessions/{id}, or the WebSocket's
// session_joined. They spell a few fields differently (seed as a number or a
// decimal string, commitment as a hex string or {algorithm, value}).
import {
  lcgCounterRule,
  roundsRule,
  validate,
  type Rule,
  type SessionParams,
} from '../engine/index.ts';

export type Mode = 'client' | 'server';

export interface SessionInfo {
  readonly id: string;
  /** Null while a server-mode session runs (the seed is secret until it ends). */
  readonly seed: bigint | null;
  /** When step 0 begins (server clock, ms since the Unix epoch). */
  readonly startAt: number;
  readonly tickMs: number;
  readonly rule: Rule;
  readonly mode: Mode;
  /** 'active' while it runs, then 'stopped' or 'exited'. */
  readonly status: string;
  /** hex SHA-256 commitment to the seed (server mode), else null. */
  readonly commitment: string | null;
  /** The user who started the session (only they may end it), '' when unknown. */
  readonly owner: string;
  /** The region that owns the session. */
  readonly region: string;
}

function isObject(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

/** A seed given as a JSON number (exact below 2^53) or a decimal string; undefined when malformed. */
export function readSeed(x: unknown): bigint | null | undefined {
  if (x === null || x === undefined) return null;
  if (typeof x === 'number' && Number.isSafeInteger(x) && x >= 0) return BigInt(x);
  if (typeof x === 'string' && /^[0-9]{1,20}$/.test(x)) {
    const v = BigInt(x);
    return v <= 0xffffffffffffffffn ? v : undefined;
  }
  return undefined;
}

/** The engine rule from its wire form ({"name":"rounds","mean_interval":50,"jitter":49}, or a bare name). */
export function readRule(x: unknown): Rule | null {
  if (x === 'rounds') return roundsRule();
  if (x === 'lcg-counter') return lcgCounterRule();
  if (!isObject(x)) return null;
  const num = (v: unknown) => (typeof v === 'number' && Number.isSafeInteger(v) ? v : undefined);
  if (x.name === 'rounds') return roundsRule({ meanInterval: num(x.mean_interval), jitter: num(x.jitter) });
  if (x.name === 'lcg-counter') return lcgCounterRule({ breakProbability: num(x.break_probability) });
  return null;
}

export function readCommitment(x: unknown): string | null {
  const hex = isObject(x) ? x.value : x;
  return typeof hex === 'string' && /^[0-9a-fA-F]{64}$/.test(hex) ? hex.toLowerCase() : null;
}

/** A SessionInfo from an edge or region answer; null when a needed field is missing or out of range. */
export function parseSession(body: unknown): SessionInfo | null {
  if (!isObject(body)) return null;
  const id = body.gameId ?? body.sessionId ?? body.id;
  const startAt = body.startAt ?? body.start_at_ms;
  const tickMs = body.tickMs ?? body.tick_ms;
  const seed = readSeed(body.seed);
  const rule = readRule(body.rule ?? 'rounds');
  const mode = body.mode === 'server' ? 'server' : body.mode === 'client' || body.mode === undefined ? 'client' : null;
  if (typeof id !== 'string' || id === '' || typeof startAt !== 'number' || typeof tickMs !== 'number') return null;
  if (seed === undefined || rule === null || mode === null) return null;
  // Check the numbers with the engine's own validation (any seed will do here).
  if (validate({ seed: seed ?? 0n, startAt, tickMs, rule }) !== null) return null;
  const owner = body.user_id ?? body.userId;
  const region = body.backendRegion ?? body.region;
  return {
    id,
    seed,
    startAt,
    tickMs,
    rule,
    mode,
    status: typeof body.status === 'string' ? body.status : 'active',
    commitment: readCommitment(body.commitment),
    owner: typeof owner === 'string' ? owner : '',
    region: typeof region === 'string' ? region : '',
  };
}

/** The engine parameters once the seed is known. */
export function paramsOf(s: SessionInfo, seed: bigint): SessionParams {
  return { seed, startAt: s.startAt, tickMs: s.tickMs, rule: s.rule };
}

/** "rounds (mean 50, jitter 49)" / "lcg-counter (1 in 50)". */
export function describeRule(rule: Rule): string {
  return rule.name === 'rounds'
    ? `rounds (a break every ${rule.meanInterval} steps on average, ±${rule.jitter})`
    : `lcg-counter (1 in ${rule.breakProbability}, seed 000's rule)`;
}
