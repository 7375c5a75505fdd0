// What a player does on the world page, and what the tests read from it;
// tokens for a scripted gateway (unsigned: only a real gateway checks them).
import type { Page } from 'playwright-core';

export interface NearEntity {
  readonly id: number;
  readonly name: string;
  readonly x: number;
  readonly y: number;
}

/** The page of a world link: the token (and the gateway) in its query, as `metronome up` would print it. */
export function worldLink(edgeUrl: string, gateway: string, token: string): string {
  return `${edgeUrl}/?world&gateway=${encodeURIComponent(gateway)}&token=${encodeURIComponent(token)}`;
}

/** An HS256-shaped JWT with a fake signature, for a scripted gateway that checks nothing. */
export function unsignedToken(sub: string, ttlSeconds = 600): string {
  const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const now = Math.floor(Date.now() / 1000);
  return `${b64({ alg: 'HS256', typ: 'JWT' })}.${b64({ sub, iss: 'metronome', aud: 'metronome-world', exp: now + ttlSeconds, iat: now })}.c2ln`;
}

export async function readNear(page: Page): Promise<NearEntity[]> {
  return page.evaluate(() =>
    Array.from(document.querySelectorAll('[data-testid="world-near-entity"]')).map((tr) => ({
      id: Number(tr.getAttribute('data-id')),
      name: tr.getAttribute('data-name') ?? '',
      x: Number(tr.getAttribute('data-x')),
      y: Number(tr.getAttribute('data-y')),
    })),
  );
}

export async function readSelf(page: Page): Promise<{ entity: number; x: number; y: number } | null> {
  return page.evaluate(() => {
    const pos = document.querySelector('[data-testid="world-position"]');
    const entity = document.querySelector('[data-testid="world-entity"]')?.textContent ?? '';
    const x = pos?.getAttribute('data-x') ?? '';
    if (x === '' || entity === '–') return null;
    return { entity: Number(entity), x: Number(x), y: Number(pos?.getAttribute('data-y')) };
  });
}

export async function linkState(page: Page): Promise<string> {
  return (await page.getByTestId('world-link').getAttribute('data-state')) ?? '';
}
