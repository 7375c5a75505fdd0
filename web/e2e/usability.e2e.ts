// A person's view: the page at 360 px, played with the keyboard alone, and
// what it says when the server cannot be reached.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Page } from 'playwright-core';
import { launchBrowser, type TestBrowser } from './support/browser.ts';
import { expectNoErrors, readChart, waitRunning } from './support/game_page.ts';

const edgeUrl = inject('edgeUrl');
const outputDir = inject('outputDir');
const run = Date.now().toString(36);

let browser: TestBrowser;

beforeAll(async () => {
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
});

async function noHorizontalScroll(page: Page) {
  const { scroll, client } = await page.evaluate(() => ({ scroll: document.documentElement.scrollWidth, client: document.documentElement.clientWidth }));
  expect(scroll, 'page wider than the screen').toBeLessThanOrEqual(client);
}

async function focusedName(page: Page): Promise<string> {
  return page.evaluate(() => {
    const el = document.activeElement as HTMLElement | null;
    if (!el) return '';
    const label = (el as HTMLInputElement).labels?.[0]?.textContent ?? '';
    return `${el.tagName.toLowerCase()}:${label || el.textContent || ''}`.trim();
  });
}

describe('usability', () => {
  it('plays at 360 px wide with the keyboard alone', async () => {
    const { page, errors } = await browser.page({ width: 360, height: 760 });
    await page.goto(`${edgeUrl}/`);
    await page.getByRole('button', { name: 'Start' }).waitFor();
    await page.waitForFunction(() => document.querySelectorAll('select[name="region"] option').length > 1);
    await noHorizontalScroll(page);
    await page.screenshot({ path: `${outputDir}/start-360.png`, fullPage: true });

    await page.keyboard.press('Tab');
    expect(await focusedName(page)).toBe('input:Your user id');
    await page.keyboard.press('ControlOrMeta+A');
    await page.keyboard.type(`keys-${run}`);
    await page.keyboard.press('Tab'); // the mode radios (client checked)
    expect(await focusedName(page)).toMatch(/^input:Client mode/);
    await page.keyboard.press('ArrowDown'); // server mode
    expect(await page.getByLabel('Server mode').isChecked()).toBe(true);
    await page.keyboard.press('Tab');
    expect(await focusedName(page)).toMatch(/^select:Rule/);
    await page.keyboard.press('Tab');
    expect(await focusedName(page)).toMatch(/^select:Region/);
    await page.keyboard.press('Tab');
    expect(await focusedName(page)).toBe('button:Start');
    await page.keyboard.press('Enter');

    await waitRunning(page);
    expect(await page.getByTestId('user-id').textContent()).toBe(`keys-${run}`);
    await noHorizontalScroll(page);
    // The chart fits the screen, is drawn, and has its text alternative.
    const chart = await readChart(page);
    expect(chart.drawn || chart.points === 1).toBe(true);
    expect(chart.width).toBeGreaterThan(250);
    expect(chart.width).toBeLessThanOrEqual(360);
    const name = await page.getByTestId('timeline').locator('svg').evaluate((svg) => {
      const ids = (svg.getAttribute('aria-labelledby') ?? '').split(' ');
      return ids.map((id) => document.getElementById(id)?.textContent ?? '').join(' ');
    });
    expect(name).toMatch(/^Value over the last steps, breaks marked Steps \d+ to \d+/);
    await page.screenshot({ path: `${outputDir}/game-360.png`, fullPage: true });

    // Exit from the keyboard: the Exit button is reachable by Tab.
    const exit = page.getByRole('button', { name: 'Exit game' });
    for (let i = 0; i < 20 && !(await exit.evaluate((el) => el === document.activeElement)); ++i) await page.keyboard.press('Tab');
    expect(await focusedName(page)).toBe('button:Exit game');
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'Start a game' }).waitFor();
    expectNoErrors(errors);
  });

  it('says so when the server cannot be reached', async () => {
    const { page, errors } = await browser.page();
    await page.goto(`${edgeUrl}/`);
    await page.getByRole('button', { name: 'Start' }).waitFor();
    // From now on the server does not answer (the page is already loaded).
    await page.route('**/api/**', (r) => r.abort('connectionrefused'));
    await page.route('**/edge/**', (r) => r.abort('connectionrefused'));
    await page.reload();
    const alert = page.getByRole('alert');
    await alert.waitFor();
    expect(await alert.textContent()).toMatch(/Cannot reach the server.*does not answer.*metronome up/);
    await page.getByRole('button', { name: 'Start' }).click();
    await expect.poll(() => page.getByRole('alert').allTextContents()).toContainEqual(expect.stringMatching(/The game did not start/));
    // Back up: Retry loads the regions.
    await page.unrouteAll();
    await page.getByRole('button', { name: 'Retry' }).click();
    await page.waitForFunction(() => document.querySelectorAll('select[name="region"] option').length > 1);
    expectNoErrors(errors, [/Failed to load resource: net::ERR_CONNECTION_REFUSED/]);
  });
});
