// Why a WebSocket to the gateway closed before it opened. The gateway refuses
// a bad token with HTTP 401 and a JSON error body before the upgrade
// (docs/protocol.md, "World", "Connecting"), but a browser's WebSocket only
// reports "closed, 1006": so the page asks the same address over HTTP. When
// the gateway lets this page read its answer (CORS), its status and error
// code are shown; otherwise an answer at all means "reachable, and refused",
// and no answer means "not there (yet)", which is retried like any drop.

type Fetch = (input: string, init: RequestInit) => Promise<Response>;

const REFUSALS: Readonly<Record<number, string>> = {
  400: 'the gateway refused how this page connected',
  401: 'the gateway refused the token',
  429: 'too many new connections from this address',
  503: 'the gateway is full',
};

/** A sentence for the player when the refusal is final, or null to retry as for any drop. */
export async function diagnoseRefusal(wsUrl: string, fetchFn: Fetch): Promise<string | null> {
  const http = wsUrl.replace(/^ws(s?):/, 'http$1:');
  try {
    const res = await fetchFn(http, { mode: 'cors', cache: 'no-store', credentials: 'omit' });
    const body = (await res.json().catch(() => null)) as { error?: { code?: unknown; message?: unknown } } | null;
    const code = typeof body?.error?.code === 'string' ? body.error.code : '';
    const message = typeof body?.error?.message === 'string' ? body.error.message : '';
    const what = REFUSALS[res.status];
    if (what === undefined) return null;
    return `${what[0]!.toUpperCase()}${what.slice(1)} (HTTP ${res.status}${code ? ` ${code}` : ''})${message ? `: ${message}` : '.'}`;
  } catch {
    // Not readable from this page (no CORS), or nothing listens: tell them apart below.
  }
  try {
    await fetchFn(http, { mode: 'no-cors', cache: 'no-store', credentials: 'omit' });
  } catch {
    return null;
  }
  return (
    'The gateway answered but refused to open the connection: the token is not accepted ' +
    '(a bad signature, another issuer or audience, or expired). Get a new one with `metronome world token --sub NAME --ttl SECONDS`.'
  );
}
