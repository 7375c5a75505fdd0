// Test hooks read from the page's URL. They change nothing unless given.
//
//   ?debugPongDelayMs=N  delay every echo of the server's latency pings by N ms
//                        (0 to 10,000), so the server measures an RTT of at least
//                        N ms: the e2e tests use 250 to get the player kicked.
//   ?wire=json           offer only the JSON subprotocol (default: binary, then JSON).

export interface DebugOptions {
  readonly pongDelayMs: number;
  readonly wire: 'auto' | 'json';
}

export function readDebugOptions(search: string): DebugOptions {
  const q = new URLSearchParams(search);
  const raw = Number(q.get('debugPongDelayMs') ?? '0');
  const pongDelayMs = Number.isFinite(raw) ? Math.min(10_000, Math.max(0, Math.round(raw))) : 0;
  return { pongDelayMs, wire: q.get('wire') === 'json' ? 'json' : 'auto' };
}
