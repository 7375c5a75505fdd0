// What the page can tell about a world token before the gateway does: a JWT's
// three base64url parts, its header's `alg` (the gateway accepts only HS256),
// and its payload's `sub`, `exp` and `nbf`. The page cannot check the
// signature (the secret stays on the server); the gateway refuses a bad one
// with HTTP 401 before the upgrade, which a browser's WebSocket cannot read,
// so these checks are what lets the page say precisely why most bad tokens fail.

export interface TokenClaims {
  readonly sub: string;
  /** Seconds since the epoch, or null when absent. */
  readonly exp: number | null;
  readonly nbf: number | null;
}

export type TokenCheck = { readonly ok: true; readonly claims: TokenClaims } | { readonly ok: false; readonly error: string };

function base64urlJson(part: string): unknown {
  if (!/^[A-Za-z0-9_-]*$/.test(part)) return undefined;
  const b64 = part.replace(/-/g, '+').replace(/_/g, '/') + '==='.slice((part.length + 3) % 4);
  try {
    const bin = atob(b64);
    const bytes = Uint8Array.from(bin, (c) => c.charCodeAt(0));
    return JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch {
    return undefined;
  }
}

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Checks a token's form and times at `nowMs`; the signature is the gateway's to check. */
export function checkToken(token: string, nowMs: number): TokenCheck {
  const t = token.trim();
  if (t === '') return { ok: false, error: 'No token: get one with `metronome world token --sub NAME --ttl SECONDS`.' };
  const parts = t.split('.');
  if (parts.length !== 3) return { ok: false, error: 'This is not a token (a JWT has three parts separated by dots).' };
  const header = base64urlJson(parts[0]!);
  const payload = base64urlJson(parts[1]!);
  if (!isObj(header) || !isObj(payload)) return { ok: false, error: 'This token cannot be read (its header or payload is not base64url JSON).' };
  if (header.alg !== 'HS256') return { ok: false, error: `This token is signed with ${JSON.stringify(header.alg ?? null)}; the gateway accepts only HS256.` };
  if (typeof payload.sub !== 'string' || payload.sub === '') return { ok: false, error: 'This token names no player (no `sub`).' };
  const exp = typeof payload.exp === 'number' ? payload.exp : null;
  const nbf = typeof payload.nbf === 'number' ? payload.nbf : null;
  const now = nowMs / 1000;
  if (exp !== null && now >= exp) return { ok: false, error: `This token expired at ${new Date(exp * 1000).toISOString()}: get a new one.` };
  if (nbf !== null && now < nbf) return { ok: false, error: `This token is not valid before ${new Date(nbf * 1000).toISOString()}.` };
  return { ok: true, claims: { sub: payload.sub, exp, nbf } };
}

/** The gateway address with the token in its query (`?token=`), as browsers must send it. */
export function worldUrl(gateway: string, token: string): string {
  const url = new URL(gateway);
  url.searchParams.set('token', token.trim());
  return url.toString();
}
