// What a player does on the page, and what the tests read from it.
import { expect } from 'vitest';
import type { Page } from 'playwright-core';

export interface Board {
  readonly phase: string;
  readonly step: number;
  readonly value: number;
  readonly round: number;
}

/** Opens the start screen, fills it in and presses Start; resolves with the session id. */
export async function startGame(page: Page, edgeUrl: string, opts: { userId: string; mode: 'client' | 'server'; query?: string }) {
  await page.goto(`${edgeUrl}/${opts.query ?? ''}`);
  await page.getByLabel('Your user id').fill(opts.userId);
  await page.getByLabel(opts.mode === 'server' ? 'Server mode' : 'Client mode').check();
  await page.getByRole('button', { name: 'Start' }).click();
  const id = page.getByTestId('session-id');
  await id.waitFor({ timeout: 15_000 });
  return (await id.textContent())!.trim();
}

/** Opens an invite link and joins with `userId`. */
export async function joinGame(page: Page, link: string, userId: string) {
  await page.goto(link);
  await page.getByRole('heading', { name: 'Join a game' }).waitFor();
  await page.getByLabel('Your user id').fill(userId);
  await page.getByRole('button', { name: 'Join' }).click();
  await page.getByTestId('session-id').waitFor({ timeout: 15_000 });
}

export async function inviteLink(page: Page): Promise<string> {
  return page.getByTestId('invite-link').inputValue();
}

export async function readBoard(page: Page): Promise<Board> {
  return page.evaluate(() => {
    const text = (id: string) => document.querySelector(`[data-testid="${id}"]`)?.textContent ?? '';
    const end = document.querySelector('[data-testid="end-notice"]');
    const phase = document.querySelector('[data-testid="board"]')?.getAttribute('data-phase') ?? '';
    return {
      // An ended game says why, so that a failed comparison tells.
      phase: end ? `${phase}: ${end.getAttribute('data-kind')}: ${end.textContent}` : phase,
      step: Number(text('step')),
      value: Number(text('value')),
      round: Number(text('round')),
    };
  });
}

export async function waitRunning(page: Page, timeoutMs = 15_000) {
  await page.waitForSelector('[data-testid="board"][data-phase="running"]', { timeout: timeoutMs });
}

/**
 * Reads both pages at (nearly) the same moment, `samples` times, and checks
 * they show one game:
 * - the steps differ by no more than one plus the ticks that can pass in the
 *   time the two reads took plus `lagMs`, the extra one-way delay `b`'s link
 *   is known to have (a page that receives ticks later rightly shows an older
 *   step; a loaded machine can take hundreds of milliseconds to answer one
 *   read, so that window is measured, not assumed);
 * - a step seen on both pages, in any sample, has the same value and round.
 * At least one step must be seen on both: when the samples found none (the
 * pages were each caught between ticks at different moments), it reads on,
 * without pausing, for at most 60 more reads.
 */
export async function expectSameState(a: Page, b: Page, samples = 10, tickMs = 100, lagMs = 0): Promise<Board[]> {
  const seenA = new Map<number, Board>();
  const seenB = new Map<number, Board>();
  const seen: Board[] = [];
  let common = 0;
  const record = (mine: Map<number, Board>, theirs: Map<number, Board>, x: Board) => {
    const other = theirs.get(x.step);
    if (other !== undefined) {
      expect({ value: x.value, round: x.round }, `step ${x.step} on both pages`).toEqual({ value: other.value, round: other.round });
      if (!mine.has(x.step)) common += 1;
    }
    mine.set(x.step, x);
  };
  for (let i = 0; i < samples + 60 && (i < samples || common === 0); ++i) {
    const before = Date.now();
    const [x, y] = await Promise.all([readBoard(a), readBoard(b)]);
    const windowMs = Date.now() - before;
    expect(x.phase).toBe('running');
    expect(y.phase).toBe('running');
    const allowed = 1 + Math.ceil((windowMs + lagMs) / tickMs);
    expect(Math.abs(x.step - y.step), `steps ${x.step} and ${y.step}, read within ${windowMs} ms, ${lagMs} ms lag`).toBeLessThanOrEqual(allowed);
    record(seenA, seenB, x);
    record(seenB, seenA, y);
    seen.push(x, y);
    if (i < samples) await new Promise((r) => setTimeout(r, 137));
  }
  expect(common, 'steps seen on both pages').toBeGreaterThan(0);
  return seen;
}

/** The page's own measurement from Start (or Join) to the first step shown (ms), and how late after startAt that step appeared. */
export async function startToFirstTick(page: Page): Promise<{ totalMs: number; afterStartAtMs: number | null }> {
  return page.evaluate(() => {
    const m = performance.getEntriesByName('metronome:start-to-first-tick', 'measure')[0];
    const mark = performance.getEntriesByName('metronome:first-tick', 'mark')[0] as PerformanceMark | undefined;
    const detail = mark?.detail as { afterStartAtMs?: number } | undefined;
    return { totalMs: m ? m.duration : -1, afterStartAtMs: detail?.afterStartAtMs ?? null };
  });
}

/** No console error and no uncaught exception on the page (`allowed` lists expected ones by pattern). */
export function expectNoErrors(errors: readonly string[], allowed: readonly RegExp[] = []) {
  const unexpected = errors.filter((e) => !allowed.some((re) => re.test(e)));
  expect(unexpected, 'console errors on the page').toEqual([]);
}

export interface ChartReading {
  readonly from: number;
  readonly to: number;
  readonly points: number;
  readonly breaks: number[];
  /** The ranges not received, "a-b,c-d" ('' when none). */
  readonly missing: string;
  readonly summary: string;
  /** The SVG's drawn width (px) and whether its path has any segment. */
  readonly width: number;
  readonly drawn: boolean;
}

/** What a timeline chart (`timeline` or `replay-chart`) shows. */
export async function readChart(page: Page, testId = 'timeline'): Promise<ChartReading> {
  const fig = page.getByTestId(testId);
  await fig.waitFor();
  return fig.evaluate((el) => {
    const svg = el.querySelector('svg')!;
    const d = svg.querySelector('path')?.getAttribute('d') ?? '';
    const breakList = el.getAttribute('data-breaks') ?? '';
    return {
      from: Number(el.getAttribute('data-from')),
      to: Number(el.getAttribute('data-to')),
      points: Number(el.getAttribute('data-points')),
      breaks: breakList === '' ? [] : breakList.split(',').map(Number),
      missing: el.getAttribute('data-missing') ?? '',
      summary: el.querySelector('figcaption')?.textContent ?? '',
      width: svg.getBoundingClientRect().width,
      drawn: /L/.test(d),
    };
  });
}

/** Counts the WebSocket frames of a page by kind (text or binary), both ways. */
export function countFrames(page: Page) {
  const counts = { receivedText: 0, receivedBinary: 0, sentText: 0, sentBinary: 0 };
  page.on('websocket', (ws) => {
    ws.on('framereceived', (f) => (typeof f.payload === 'string' ? (counts.receivedText += 1) : (counts.receivedBinary += 1)));
    ws.on('framesent', (f) => (typeof f.payload === 'string' ? (counts.sentText += 1) : (counts.sentBinary += 1)));
  });
  return counts;
}

/** Asks for a replay of [from, to] on the Replay card and waits for its answer. */
export async function requestReplay(page: Page, from: number, to: number): Promise<string> {
  await page.getByLabel('From step').fill(String(from));
  await page.getByLabel('To step').fill(String(to));
  await page.getByRole('button', { name: 'Replay' }).click();
  const status = page.getByTestId('replay-status');
  await expect.poll(() => status.getAttribute('data-state'), { timeout: 10_000 }).toMatch(/^(done|error)$/);
  return (await status.getAttribute('data-state'))!;
}
