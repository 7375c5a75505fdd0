// Client mode in two real browsers on one session: one of them with its
// clock 2 hours fast. Both compute every step themselves; they must agree,
// and the chart and a replay show the engine's timeline.
import { writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { forEachBreak, roundsRule, stateAtStep, type SessionParams } from '../src/engine/index.ts';
import { delayWebSockets } from './support/delay_proxy.ts';
import { launchBrowser, type TestBrowser } from './support/browser.ts';
import {
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
const outputDir = inject('outputDir');
const run = Date.now().toString(36);
const TWO_HOURS_MS = 2 * 3600 * 1000;

let first: TestBrowser;
let second: TestBrowser;

function breaksIn(params: SessionParams, from: number, to: number): number[] {
  const out: number[] = [];
  forEachBreak(params, from, to, (s) => out.push(s.step));
  return out;
}

beforeAll(async () => {
  first = await launchBrowser();
  // The second browser's clock is 2 hours fast: only clock synchronization can make it right.
  second = await launchBrowser({ initScript: `{ const real = Date.now; Date.now = () => real() + ${TWO_HOURS_MS}; }` });
});

afterAll(async () => {
  await first?.close();
  await second?.close();
});

describe('client mode', () => {
  it('two browsers on one session show the same step and value, one with its clock 2 hours off', async () => {
    const a = await first.page();
    const id = await startGame(a.page, edgeUrl, { userId: `alice-${run}`, mode: 'client' });
    await waitRunning(a.page);
    const timing = await startToFirstTick(a.page);
    expect(timing.totalMs).toBeGreaterThan(0);

    const b = await second.page();
    await joinGame(b.page, await inviteLink(a.page), `bob-${run}`);
    await waitRunning(b.page);
    expect(await b.page.getByTestId('session-id').textContent()).toBe(id);
    // The skewed browser found its offset: about −2 h.
    await expect.poll(() => b.page.getByTestId('clock').textContent()).toMatch(/^−120\.0 min from the server/);
    expect(await b.page.getByTestId('region').textContent()).toContain('joined by link');
    expect(await a.page.getByTestId('region').textContent()).toMatch(/chosen by rule (rtt|default|geo|fallback)/);

    const seen = await expectSameState(a.page, b.page);
    expect(seen.some((s) => s.step > 0)).toBe(true);
    // And what they show is the engine's state for the session's seed.
    const seed = BigInt((await a.page.getByTestId('seed').textContent())!);
    const params = { seed, startAt: 0, tickMs: 100, rule: roundsRule() };
    for (const s of seen) {
      const expected = stateAtStep(params, s.step);
      expect({ value: s.value, round: s.round }).toEqual({ value: expected.value, round: expected.round });
    }
    // The chart: every step of its window, drawn, with the engine's breaks, and a text summary.
    const chart = await readChart(a.page);
    expect(chart.drawn).toBe(true);
    expect(chart.to).toBeGreaterThan(0);
    expect(chart.points).toBe(chart.to - chart.from + 1);
    expect(chart.missing).toBe('');
    expect(chart.breaks).toEqual(breaksIn(params, chart.from, chart.to));
    expect(chart.summary).toMatch(new RegExp(`^Steps ${chart.from} to ${chart.to}; value from 0 to \\d+; `));

    // A replay on request: the region's states for the range, drawn the same way.
    expect(await requestReplay(a.page, 3, 20)).toBe('done');
    const replay = await readChart(a.page, 'replay-chart');
    expect([replay.from, replay.to, replay.points, replay.missing]).toEqual([3, 20, 18, '']);
    expect(replay.breaks).toEqual(breaksIn(params, 3, 20));

    // Both connected to the region: latency is measured.
    await expect.poll(() => a.page.getByTestId('rtt').textContent(), { timeout: 10_000 }).toMatch(/^\d+\.\d ms$/);
    await expect.poll(() => b.page.getByTestId('connection').textContent(), { timeout: 10_000 }).toMatch(/^connected/);

    await a.page.screenshot({ path: `${outputDir}/game-client.png`, fullPage: true });
    writeFileSync(`${outputDir}/timing-client.json`, JSON.stringify(timing));
    console.log(`client mode: Start to first tick ${timing.totalMs.toFixed(0)} ms (first step shown ${timing.afterStartAtMs} ms after startAt)`);

    // Exit (the owner): back to the start screen; the other player hears the session ended.
    await a.page.getByRole('button', { name: 'Exit game' }).click();
    await a.page.getByRole('heading', { name: 'Start a game' }).waitFor();
    expect(new URL(a.page.url()).searchParams.get('session')).toBeNull();
    const ended = b.page.getByTestId('end-notice');
    await ended.waitFor({ timeout: 10_000 });
    expect(await ended.getAttribute('data-kind')).toBe('exited');
    expect(await ended.textContent()).toContain('Its owner ended the session');
    const frozen = await readBoard(b.page);
    expect(frozen.phase).toMatch(/^ended: exited/);

    const res = await fetch(`${edgeUrl}/edge/sessions/${id}`);
    expect(((await res.json()) as { status: string }).status).toBe('exited');

    expectNoErrors(a.errors);
    expectNoErrors(b.errors);
  });

  it('a player whose browser is slow to answer pings is kicked, with a clear message', async () => {
    const a = await first.page();
    // Its WebSocket goes through a proxy that delays each way by 125 ms: a 250 ms round trip, over the 220 ms limit the e2e regions run with.
    const undelay = await delayWebSockets(a.page, 125);
    await startGame(a.page, edgeUrl, { userId: `slow-client-${run}`, mode: 'client' });
    const ended = a.page.getByTestId('end-notice');
    await ended.waitFor({ timeout: 20_000 });
    expect(await ended.getAttribute('data-kind')).toBe('kicked');
    expect(await ended.textContent()).toMatch(/too slow for fair play: the round trip is over the region’s limit \(\d{3,} ms on average/);
    // The close (4001) follows the kicked message, 125 ms later through the proxy.
    await expect.poll(() => a.page.getByTestId('connection').textContent()).toBe('closed');
    expectNoErrors(a.errors);
    await a.page.getByRole('button', { name: 'Back to start' }).click();
    await a.page.getByRole('heading', { name: 'Start a game' }).waitFor();
    await undelay();
  });
});
