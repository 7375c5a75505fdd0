// Debian's Chromium driven by playwright-core: no browser download. Each
// call is a separate browser process with its own fresh profile directory,
// so two of them are two independent browsers.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { inject } from 'vitest';
import { replayFromRegionIfNeeded } from './replay_route.ts';

/** Throws the global setup's failure, so that every test that needs the stack fails with its reason. */
export function requireStack(): void {
  const error = inject('setupError');
  if (error) throw new Error(error);
}

export const CHROMIUM = process.env.CHROMIUM_BIN ?? '/usr/bin/chromium';

const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export interface TestBrowser {
  readonly context: BrowserContext;
  /** A new tab whose console errors and uncaught exceptions are collected. */
  page(options?: { width?: number; height?: number }): Promise<WatchedPage>;
  close(): Promise<void>;
}

export interface WatchedPage {
  readonly page: Page;
  /** Console errors and page errors so far. */
  readonly errors: string[];
}

export async function launchBrowser(options: { initScript?: string } = {}): Promise<TestBrowser> {
  requireStack();
  const profile = mkdtempSync(join(tmpdir(), 'metronome-chromium-'));
  // launchPersistentContext passes the profile as --user-data-dir (a fresh one per browser).
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    args: ARGS,
    headless: true,
    viewport: { width: 1100, height: 900 },
  });
  if (options.initScript) await context.addInitScript(options.initScript);
  for (const p of context.pages()) await p.close();
  return {
    context,
    async page({ width = 1100, height = 900 } = {}) {
      const page = await context.newPage();
      await page.setViewportSize({ width, height });
      await replayFromRegionIfNeeded(page, inject('edgeUrl'), inject('edgeHasReplay'), inject('regions'));
      const errors: string[] = [];
      page.on('console', (m) => {
        if (m.type() === 'error') errors.push(`console: ${m.text()}`);
      });
      page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
      return { page, errors };
    },
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}
