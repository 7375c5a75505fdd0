// The edge's replay route, GET /edge/sessions/{id}/replay, answers what the
// session's region answers at GET /v1/sessions/{id}/replay (same query, same
// body). Until the edge under test has it (edgeHasReplay, probed once by the
// global setup), a page's replay requests are sent from node to the region
// itself, so the client's replay and gap filling are still tested against
// the real region. The probe's result is printed at the start of the run.
import type { Page } from 'playwright-core';

/**
 * True when the edge routes /edge/sessions/{id}/replay: any answer but a 404
 * for the path itself (an edge without the route says "no route for …", or
 * takes "probe/replay" for a session id: "no session probe/replay").
 */
export async function edgeHasReplay(edgeUrl: string): Promise<boolean> {
  const res = await fetch(`${edgeUrl}/edge/sessions/probe/replay?from=0&to=0`);
  const body = (await res.json().catch(() => null)) as { error?: { message?: string } } | null;
  return !(res.status === 404 && /^no (route for|session probe\/replay)/.test(body?.error?.message ?? ''));
}

/** When the edge lacks the route: answers the page's replay requests from the session's region. */
export async function replayFromRegionIfNeeded(page: Page, edgeUrl: string, hasRoute: boolean, regions: Record<string, string>) {
  if (hasRoute) return;
  await page.route(/\/edge\/sessions\/[^/]+\/replay\?/, async (route) => {
    const url = new URL(route.request().url());
    const id = decodeURIComponent(url.pathname.split('/')[3]!);
    const info = (await (await fetch(`${edgeUrl}/edge/sessions/${encodeURIComponent(id)}`)).json()) as { backendRegion?: string };
    const base = regions[info.backendRegion ?? ''];
    if (base === undefined) return route.fulfill({ status: 404, json: { error: { code: 'not_found', message: `no session ${id}` } } });
    const res = await fetch(`${base}/v1/sessions/${encodeURIComponent(id)}/replay${url.search}`);
    await route.fulfill({ status: res.status, contentType: 'application/json', body: await res.text() });
  });
}
