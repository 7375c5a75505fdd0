// A TCP proxy on 127.0.0.1 that delays every chunk by a fixed time in each
// direction, so that a browser behind it has a round trip of at least twice
// that to the region, whatever measures it: the region's RFC 6455 ping
// frames (answered by the browser itself) or a JSON echo. Order is kept:
// every chunk waits the same time, and timers of equal delay fire in order.
import { createServer, connect, type Socket } from 'node:net';

export interface DelayProxy {
  /** The loopback port it listens on. */
  readonly port: number;
  close(): Promise<void>;
}

/** A proxy to `host:port` (the host and port of a ws:// URL). */
export async function startDelayProxy(hostPort: string, oneWayMs: number): Promise<DelayProxy> {
  const t = new URL(`ws://${hostPort}`);
  const sockets = new Set<Socket>();
  const pipe = (from: Socket, to: Socket) => {
    from.on('data', (chunk) => {
      setTimeout(() => {
        if (!to.destroyed) to.write(chunk);
      }, oneWayMs);
    });
    // An end or error on one side ends the other after the data in flight.
    from.on('end', () => setTimeout(() => to.end(), oneWayMs));
    from.on('error', () => to.destroy());
    from.on('close', () => setTimeout(() => to.destroy(), oneWayMs + 10));
  };
  const server = createServer((client) => {
    const upstream = connect({ host: t.hostname, port: Number(t.port) });
    client.setNoDelay(true);
    upstream.setNoDelay(true);
    sockets.add(client).add(upstream);
    client.on('close', () => sockets.delete(client));
    upstream.on('close', () => sockets.delete(upstream));
    pipe(client, upstream);
    pipe(upstream, client);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('the delay proxy has no port');
  return {
    port: address.port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

/**
 * Sends every WebSocket of `page` to the regions through delay proxies:
 * rewrites `wsEndpoint` in the edge's start answer and `ws_url` in its
 * region list (what the start and join screens connect to). Returns a
 * function that closes the proxies.
 */
export async function delayWebSockets(page: import('playwright-core').Page, oneWayMs: number): Promise<() => Promise<void>> {
  const proxies = new Map<string, Promise<DelayProxy>>();
  const via = async (target: string): Promise<string> => {
    if (!target.startsWith('ws')) return target;
    const t = new URL(target);
    if (!proxies.has(t.host)) proxies.set(t.host, startDelayProxy(t.host, oneWayMs));
    const proxy = await proxies.get(t.host)!;
    return `ws://127.0.0.1:${proxy.port}${t.pathname}${t.search}`;
  };
  // Unrouting does not wait for a handler in flight: Playwright then handles
  // its request itself, and our fulfill (or fetch, if the page closed) throws.
  // That is the end of the test, not a failure.
  let closing = false;
  const unlessClosing = (handler: (route: import('playwright-core').Route) => Promise<void>) => async (route: import('playwright-core').Route) => {
    try {
      await handler(route);
    } catch (e) {
      if (!closing) throw e;
    }
  };
  const start = unlessClosing(async (route) => {
    const res = await route.fetch();
    const body = (await res.json()) as Record<string, unknown>;
    if (typeof body.wsEndpoint === 'string') body.wsEndpoint = await via(body.wsEndpoint);
    await route.fulfill({ response: res, json: body });
  });
  const regions = unlessClosing(async (route) => {
    const res = await route.fetch();
    const body = (await res.json()) as { regions?: Record<string, unknown>[] };
    for (const r of body.regions ?? []) if (typeof r.ws_url === 'string') r.ws_url = await via(r.ws_url);
    await route.fulfill({ response: res, json: body });
  });
  await page.route('**/edge/game/start', start);
  await page.route('**/api/regions', regions);
  return async () => {
    closing = true;
    await page.unroute('**/edge/game/start', start);
    await page.unroute('**/api/regions', regions);
    for (const p of proxies.values()) await (await p).close();
  };
}
