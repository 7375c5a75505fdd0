// Server mode in two real browsers on one session: both show the ticks the
// region broadcasts; a slow one is warned; stopping the session reveals the
// seed, which both pages check against the commitment.
import { writeFileSync } from 'node:fs';
import type { WebSocketRoute } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { launchBrowser, type TestBrowser } from './support/browser.ts';
import {
  expectNoErrors,
  expectSameState,
  inviteLink,
  joinGame,
  readBoard,
  startGame,
  startToFirstTick,
  waitRunning,
} from './support/game_page.ts';

const edgeUrl = inject('edgeUrl');
const regions = inject('regions');
const outputDir = inject('outputDir');
const run = Date.now().toString(36);

let first: TestBrowser;
let second: TestBrowser;

beforeAll(async () => {
  first = await launchBrowser();
  second = await launchBrowser();
});

afterAll(async () => {
  await first?.close();
  await second?.close();
});

async function regionOf(id: string): Promise<string> {
  const res = await fetch(`${edgeUrl}/edge/sessions/${id}`);
  const body = (await res.json()) as { backendRegion: string };
  const base = regions[body.backendRegion];
  if (base === undefined) throw new Error(`session ${id} is on unknown region ${body.backendRegion}`);
  return base;
}

describe('server mode', () => {
  it('two browsers show the same broadcast ticks; after a stop both verify the revealed seed', async () => {
    const a = await first.page();
    const id = await startGame(a.page, edgeUrl, { userId: `carol-${run}`, mode: 'server' });
    await waitRunning(a.page);
    const timing = await startToFirstTick(a.page);
    expect(timing.totalMs).toBeGreaterThan(0);
    expect(await a.page.getByTestId('mode').textContent()).toContain('server');

    // The second player's pongs wait 108 ms: over the warning threshold (100 ms), and far
    // enough under the kick (150 ms) for a busy machine's late timers.
    const b = await second.page();
    await joinGame(b.page, `${await inviteLink(a.page)}&debugPongDelayMs=108`, `dave-${run}`);
    await waitRunning(b.page);
    await expectSameState(a.page, b.page);
    await b.page.getByTestId('latency-warning').waitFor({ timeout: 15_000 });
    expect(await b.page.getByTestId('latency-status').textContent()).toBe('warning: slow');
    expect(await b.page.getByTestId('end-notice').count()).toBe(0);
    await expectSameState(a.page, b.page, 3);

    await a.page.screenshot({ path: `${outputDir}/game.png`, fullPage: true });
    writeFileSync(`${outputDir}/timing-server.json`, JSON.stringify(timing));
    console.log(`server mode: Start to first tick ${timing.totalMs.toFixed(0)} ms (first tick shown ${timing.afterStartAtMs} ms after startAt)`);

    // Stop it on the region, as an operator would.
    const stop = await fetch(`${await regionOf(id)}/v1/sessions/${id}/stop`, { method: 'POST' });
    expect(stop.status).toBe(200);
    const revealed = (await stop.json()) as { seed: string; salt: string };
    expect(revealed.seed).toMatch(/^[0-9]+$/);

    for (const p of [a.page, b.page]) {
      const ended = p.getByTestId('end-notice');
      await ended.waitFor({ timeout: 10_000 });
      expect(await ended.getAttribute('data-kind')).toBe('stopped');
      expect(await ended.textContent()).toContain('The game has stopped');
      const v = p.getByTestId('verification');
      await expect.poll(() => v.getAttribute('data-result'), { timeout: 5_000 }).toBe('match');
      expect(await v.textContent()).toContain(revealed.seed);
      expect(await p.getByTestId('tick-check').getAttribute('data-mismatches')).toBe('0');
    }
    await a.page.screenshot({ path: `${outputDir}/game-stopped.png`, fullPage: true });
    expectNoErrors(a.errors);
    expectNoErrors(b.errors);
  });

  it('a player whose browser is slow to answer pings is kicked, with a clear message', async () => {
    const a = await first.page();
    await startGame(a.page, edgeUrl, { userId: `slow-server-${run}`, mode: 'server', query: '?debugPongDelayMs=250' });
    const ended = a.page.getByTestId('end-notice');
    await ended.waitFor({ timeout: 20_000 });
    expect(await ended.getAttribute('data-kind')).toBe('kicked');
    expect(await ended.textContent()).toMatch(/too slow for fair play: the round trip is over the region’s limit \(\d{3,} ms on average/);
    await a.page.screenshot({ path: `${outputDir}/game-kicked.png`, fullPage: true });
    expectNoErrors(a.errors);
  });

  it('a dropped connection comes back within the grace period and resumes; a joiner can leave', async () => {
    const a = await first.page();
    await startGame(a.page, edgeUrl, { userId: `erin-${run}`, mode: 'server' });
    await waitRunning(a.page);

    const b = await second.page();
    // Every WebSocket of this page goes through Playwright, so the test can cut one.
    const sockets: WebSocketRoute[] = [];
    await b.page.routeWebSocket(/\/ws$/, (ws) => {
      ws.connectToServer();
      sockets.push(ws);
    });
    await joinGame(b.page, await inviteLink(a.page), `frank-${run}`);
    await waitRunning(b.page);
    await expect.poll(() => b.page.getByTestId('connection').textContent()).toBe('connected');

    // Drop it (1012: service restart; not a close that ends the player's part).
    await sockets[0]!.close({ code: 1012, reason: 'e2e drop' });
    await expect.poll(() => b.page.getByTestId('connection').textContent(), { timeout: 10_000 }).toBe('connected (resumed)');
    expect(sockets.length).toBe(2);
    await expectSameState(a.page, b.page, 5);

    // The joiner leaves; the owner's game goes on.
    await b.page.getByRole('button', { name: 'Leave game' }).click();
    await b.page.getByRole('heading', { name: 'Start a game' }).waitFor();
    const before = (await readBoard(a.page)).step;
    await a.page.waitForTimeout(300);
    expect((await readBoard(a.page)).step).toBeGreaterThan(before);
    expect(await a.page.getByTestId('end-notice').count()).toBe(0);
    expectNoErrors(a.errors);
    expectNoErrors(b.errors);
  });
});
