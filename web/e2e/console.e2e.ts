// The operator console (/console) in Chromium against `metronome up`: the
// admin API refuses requests without the token, the page signs in with the
// token up printed, shows the three regions, finds a session started through
// the edge, stops it, draws its charts from the metrics, and maps the world.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Page } from 'playwright-core';
import { launchBrowser, requireStack, type TestBrowser } from './support/browser.ts';
import { adminTokenFromUpLog } from './support/console_token.ts';

const edgeUrl = inject('edgeUrl');
const outputDir = inject('outputDir');
const run = Date.now().toString(36);

let browser: TestBrowser;
let token = '';

beforeAll(async () => {
  requireStack();
  token = await adminTokenFromUpLog(`${outputDir}/metronome-up.log`);
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
});

async function startSession(userId: string, preferredRegion: string): Promise<string> {
  const res = await fetch(`${edgeUrl}/edge/game/start`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ userId, preferredRegion }),
  });
  expect(res.status).toBe(201);
  return ((await res.json()) as { gameId: string }).gameId;
}

/** The chart's drawn lines: how many points it says it drew and its paths' d. */
async function drawn(page: Page, testId: string): Promise<{ points: number; paths: string[] }> {
  return page.evaluate((id) => {
    const fig = document.querySelector(`[data-testid="${id}"]`);
    return {
      points: Number(fig?.getAttribute('data-points') ?? 0),
      paths: Array.from(fig?.querySelectorAll('svg path') ?? []).map((p) => p.getAttribute('d') ?? ''),
    };
  }, testId);
}

describe('console', () => {
  it('refuses its API without the admin token, with a JSON error', async () => {
    for (const path of ['/edge/admin/regions', '/edge/admin/sessions', '/edge/admin/metrics?source=edge']) {
      const none = await fetch(`${edgeUrl}${path}`);
      expect(none.status, path).toBe(401);
      expect(none.headers.get('www-authenticate')).toMatch(/^Bearer/);
      const body = (await none.json()) as { error: { code: string; message: string } };
      expect(body.error.code).toBe('unauthorized');
      const wrong = await fetch(`${edgeUrl}${path}`, { headers: { Authorization: `Bearer ${token}x` } });
      expect(wrong.status, path).toBe(401);
    }
    const stop = await fetch(`${edgeUrl}/edge/admin/sessions/00000000-0000-4000-8000-000000000000/stop`, { method: 'POST' });
    expect(stop.status).toBe(401);
  });

  it('signs in, shows three regions, finds and stops a session, and draws its charts', async () => {
    const { page, errors } = await browser.page({ width: 1280, height: 1400 });
    await page.goto(`${edgeUrl}/console`);
    await page.getByLabel('Admin token').waitFor();

    // A wrong token is refused and the form stays.
    await page.getByLabel('Admin token').fill(`${token}-wrong`);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByTestId('signin-error').waitFor();
    expect(await page.getByTestId('signin-error').textContent()).toMatch(/admin token/);

    await page.getByLabel('Admin token').fill(token);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="regions-table"] tbody tr[data-status="up"]').length === 3, null, { timeout: 20_000 });
    const regions = await page.$$eval('[data-testid="regions-table"] tbody tr', (rows) => rows.map((r) => r.getAttribute('data-region')).sort());
    expect(regions).toEqual(['asia', 'eu', 'us']);
    expect(await page.evaluate(() => sessionStorage.getItem('metronome.console.token'))).toBe(token);

    // A session started through the edge, found by its user, then stopped.
    const user = `console-${run}`;
    const id = await startSession(user, 'us');
    await page.getByLabel('User id').fill(user);
    await page.getByRole('button', { name: 'Search' }).click();
    const row = page.locator(`[data-testid="sessions-table"] tr[data-session="${id}"]`);
    await row.waitFor({ timeout: 15_000 });
    expect(await row.getAttribute('data-status')).toBe('running');
    await row.getByRole('button', { name: 'Open' }).click();
    await page.waitForSelector('[data-testid="session-detail"][data-status="running"]');
    await page.getByRole('button', { name: 'Stop', exact: true }).click();
    await page.waitForSelector('[data-testid="session-detail"][data-status="stopped"]', { timeout: 15_000 });
    expect(await page.getByTestId('action-answer').textContent()).toMatch(/^stop: .*"status":"stopped"/);
    await page.waitForSelector(`[data-testid="sessions-table"] tr[data-session="${id}"][data-status="stopped"]`, { timeout: 15_000 });
    // The store agrees (through the edge's public view, whose cache may
    // answer "active" for up to SESSION_CACHE_ACTIVE_MS, 1 s, after the stop).
    let stored = '';
    for (const until = Date.now() + 10_000; Date.now() < until && stored !== 'stopped'; await new Promise((r) => setTimeout(r, 200))) {
      stored = ((await (await fetch(`${edgeUrl}/edge/sessions/${id}`)).json()) as { status: string }).status;
    }
    expect(stored).toBe('stopped');

    // Traffic for the charts: starts through the edge, one per refresh (the
    // requests chart gains a point when the console has sampled the metrics).
    const rpsPoints = async () => Number((await page.getByTestId('chart-rps').getAttribute('data-points')) ?? 0);
    for (let i = 0; i < 6; i++) {
      const before = await rpsPoints();
      await startSession(`console-load-${run}-${i}`, ['eu', 'us', 'asia'][i % 3]);
      await expect.poll(rpsPoints, { timeout: 15_000 }).toBeGreaterThan(before);
    }
    await page.waitForFunction(
      () => {
        const points = (id: string) => Number(document.querySelector(`[data-testid="${id}"]`)?.getAttribute('data-points') ?? 0);
        return points('chart-rps') >= 6 && points('chart-latency') >= 1 && points('chart-ws') >= 3 && points('chart-ticks') >= 3;
      },
      null,
      { timeout: 30_000 },
    );
    const rps = await drawn(page, 'chart-rps');
    expect(rps.paths.length).toBe(3);
    for (const d of rps.paths) expect(d).toMatch(/^M[\d.]+ [\d.]+(L[\d.]+ [\d.]+)+$/);
    // The starts made some region's line rise above the axis somewhere.
    const ys = rps.paths.flatMap((d) => [...d.matchAll(/[ML][\d.]+ ([\d.]+)/g)].map((m) => Number(m[1])));
    expect(Math.min(...ys)).toBeLessThan(Math.max(...ys));
    const latency = await drawn(page, 'chart-latency');
    expect(latency.paths.some((d) => d.startsWith('M'))).toBe(true);

    // The world map: a player joins through the player's page (a token from the edge), then
    // the console's map draws NPCs and that player in their two colours, and the shard borders.
    const issued = await fetch(`${edgeUrl}/edge/world/token`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${token}` },
      body: JSON.stringify({ userId: `mapper-${run}` }),
    });
    expect(issued.status).toBe(200);
    const world = (await issued.json()) as { token: string; gateway: string };
    const player = await browser.page({ width: 800, height: 600 });
    await player.page.goto(`${edgeUrl}/?world&gateway=${encodeURIComponent(world.gateway)}&token=${encodeURIComponent(world.token)}`);
    await page.waitForFunction(() => Number(document.querySelector('[data-testid="world-counts"]')?.getAttribute('data-players') ?? 0) >= 1, null, {
      timeout: 30_000,
    });
    const counts = await page.getByTestId('world-counts').evaluate((el) => ({
      npcs: Number(el.getAttribute('data-npcs')),
      drawn: Number(el.getAttribute('data-drawn')),
      borders: Number(el.getAttribute('data-borders')),
    }));
    expect(counts.npcs).toBeGreaterThan(0);
    expect(counts.drawn).toBeGreaterThan(counts.npcs / 2);
    // The canvas's pixels of each colour (world_map.ts MAP_COLOURS): NPCs, players, borders.
    const pixels = await page.getByTestId('world-map').evaluate((el) => {
      const c = el as HTMLCanvasElement;
      const data = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
      const n = { npc: 0, player: 0, border: 0 };
      for (let i = 0; i < data.length; i += 4) {
        const rgb = `${data[i]},${data[i + 1]},${data[i + 2]}`;
        if (rgb === '130,80,223') n.npc++;
        else if (rgb === '26,127,55') n.player++;
        else if (rgb === '207,34,46') n.border++;
      }
      return n;
    });
    expect(pixels.npc).toBeGreaterThan(counts.npcs);
    expect(pixels.player).toBeGreaterThan(0);
    // `metronome up` runs its world as one shard: no border, so none drawn; with more, lines.
    if (counts.borders === 0) expect(pixels.border).toBe(0);
    else expect(pixels.border).toBeGreaterThan(counts.borders * 100);
    await player.page.close();
    await page.screenshot({ path: `${outputDir}/console.png`, fullPage: true });
    // Only the refused sign-in's 401 may be in the console.
    expect(errors.filter((e) => !/401/.test(e))).toEqual([]);
  });
});
