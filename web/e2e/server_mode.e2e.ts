// Server mode in two real browsers on one session: both show the ticks the
// region broadcasts (binary subprotocol, or JSON when that is all a page
// offers); a slow one (behind a delaying proxy) is warned; a joiner fills
// the chart from the replay; a whole session at loopback RTT has no warning
// and no kick; stopping the session reveals the seed, which both pages
// check against the commitment.
import { writeFileSync } from 'node:fs';
import type { WebSocketRoute } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { launchBrowser, type TestBrowser } from './support/browser.ts';
import { delayWebSockets } from './support/delay_proxy.ts';
import {
  countFrames,
  expectNoErrors,
  expectSameState,
  inviteLink,
  joinGame,
  readBoard,
  readChart,
  requestReplay,
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
    const framesA = countFrames(a.page);
    const id = await startGame(a.page, edgeUrl, { userId: `carol-${run}`, mode: 'server' });
    await waitRunning(a.page);
    const timing = await startToFirstTick(a.page);
    expect(timing.totalMs).toBeGreaterThan(0);
    expect(await a.page.getByTestId('mode').textContent()).toContain('server');
    // The region selected the binary subprotocol: frames both ways are binary.
    await expect.poll(() => a.page.getByTestId('wire').textContent()).toBe('binary (metronome.v1.bin)');
    expect(framesA.receivedBinary).toBeGreaterThan(10);
    expect(framesA.sentBinary).toBeGreaterThan(0);
    expect(framesA.receivedText + framesA.sentText).toBe(0);

    // The second player is 54 ms away each way (a delaying proxy): a 108 ms round trip, over
    // the warning threshold (100 ms) and far under the kick the e2e regions run with (220 ms).
    const b = await second.page();
    const delayB = 54;
    const undelay = await delayWebSockets(b.page, delayB);
    await joinGame(b.page, await inviteLink(a.page), `dave-${run}`);
    await waitRunning(b.page);
    await expectSameState(a.page, b.page, 10, 100, delayB);
    // It joined a running session: the steps before its first tick came from the replay,
    // and any step the region skipped while it ran late (it sends the newest), from a later fill.
    const fill = b.page.getByTestId('fill');
    await expect.poll(() => fill.getAttribute('data-state'), { timeout: 10_000 }).toBe('done');
    await expect
      .poll(async () => {
        const c = await readChart(b.page);
        return { from: c.from, missing: c.missing, drawn: c.drawn };
      }, { timeout: 10_000 })
      .toEqual({ from: 0, missing: '', drawn: true });
    await b.page.getByTestId('latency-warning').waitFor({ timeout: 15_000 });
    expect(await b.page.getByTestId('latency-status').textContent()).toBe('warning: slow');
    expect(await b.page.getByTestId('end-notice').count()).toBe(0);
    await expectSameState(a.page, b.page, 3, 100, delayB);

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
    await undelay();
    expectNoErrors(a.errors);
    expectNoErrors(b.errors);
  });

  it('a whole session at loopback RTT: no warning, no kick; JSON when a page offers only JSON; replays', async () => {
    const a = await first.page();
    const id = await startGame(a.page, edgeUrl, { userId: `grace-${run}`, mode: 'server' });
    await waitRunning(a.page);
    const b = await second.page();
    const framesB = countFrames(b.page);
    await joinGame(b.page, `${await inviteLink(a.page)}&wire=json`, `heidi-${run}`);
    await waitRunning(b.page);
    await expect.poll(() => b.page.getByTestId('wire').textContent()).toBe('JSON (metronome.v1.json)');

    // 12 s: past the region's warm-up and its unresponsive window, twice over.
    const until = Date.now() + 12_000;
    while (Date.now() < until) {
      for (const p of [a.page, b.page]) {
        expect(await p.getByTestId('end-notice').count()).toBe(0);
        expect(await p.getByTestId('latency-warning').count()).toBe(0);
      }
      await new Promise((r) => setTimeout(r, 500));
    }
    for (const p of [a.page, b.page]) {
      expect(await p.getByTestId('latency-status').textContent()).toBe('ok');
      expect(await p.getByTestId('client-rtt').textContent()).toMatch(/^\d+ ms \(mean \d+\.\d ms of 5\)$/);
      expect(await p.getByTestId('connection').textContent()).toBe('connected');
    }
    expect(framesB.receivedText).toBeGreaterThan(100);
    expect(framesB.receivedBinary + framesB.sentBinary).toBe(0);
    await expectSameState(a.page, b.page, 3);

    // A replay of past steps is drawn; the future of the running session is refused in the region's words.
    const step = (await readBoard(b.page)).step;
    expect(await requestReplay(b.page, step - 50, step - 1)).toBe('done');
    const replay = await readChart(b.page, 'replay-chart');
    expect([replay.from, replay.to, replay.points, replay.missing]).toEqual([step - 50, step - 1, 50, '']);
    const live = await readChart(b.page);
    expect(replay.breaks).toEqual(live.breaks.filter((s) => s >= step - 50 && s <= step - 1));
    expect(await requestReplay(b.page, step, step + 500)).toBe('error');
    expect(await b.page.getByTestId('replay-status').textContent()).toMatch(/Not allowed: .*later steps are revealed when it ends/);

    const stop = await fetch(`${await regionOf(id)}/v1/sessions/${id}/stop`, { method: 'POST' });
    expect(stop.status).toBe(200);
    for (const p of [a.page, b.page]) {
      await p.getByTestId('end-notice').waitFor({ timeout: 10_000 });
      expect(await p.getByTestId('end-notice').getAttribute('data-kind')).toBe('stopped');
    }
    expectNoErrors(a.errors);
    // The refused replay of the future is the one failed request.
    expectNoErrors(b.errors, [/status of 403 \(Forbidden\)/]);
  });

  it('a player whose browser is slow to answer pings is kicked, with a clear message', async () => {
    const a = await first.page();
    // 125 ms each way through a delaying proxy: a 250 ms round trip, over the 220 ms limit the e2e regions run with.
    const undelay = await delayWebSockets(a.page, 125);
    await startGame(a.page, edgeUrl, { userId: `slow-server-${run}`, mode: 'server' });
    const ended = a.page.getByTestId('end-notice');
    await ended.waitFor({ timeout: 20_000 });
    expect(await ended.getAttribute('data-kind')).toBe('kicked');
    expect(await ended.textContent()).toMatch(/too slow for fair play: the round trip is over the region’s limit \(\d{3,} ms on average/);
    await a.page.screenshot({ path: `${outputDir}/game-kicked.png`, fullPage: true });
    await undelay();
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
    const dropped = (await readBoard(b.page)).step;
    await sockets[0]!.close({ code: 1012, reason: 'e2e drop' });
    await expect.poll(() => b.page.getByTestId('connection').textContent(), { timeout: 10_000 }).toBe('connected (resumed)');
    expect(sockets.length).toBe(2);
    await expectSameState(a.page, b.page, 5);
    // The steps it missed meanwhile came back with the rejoin (its join carries
    // `after`, the last step it had, and the region sends every step since):
    // no gap on the chart, and nothing had to be filled from the replay.
    await expect.poll(async () => (await readChart(b.page)).missing, { timeout: 10_000 }).toBe('');
    expect((await readBoard(b.page)).step).toBeGreaterThan(dropped);
    expect(await b.page.getByTestId('fill').getAttribute('data-state')).not.toBe('error');

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
