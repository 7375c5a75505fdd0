// The world page in Chromium (issue 10 item 5). First against a gateway
// scripted here from docs/protocol.md ("World") through Playwright's
// WebSocket routing: the page's every byte is checked (acks, commands from
// the keyboard and from a click) and its drawing of what it is sent. Then
// against a real `metronome world serve`: two browsers with two tokens see
// each other move, a dropped connection resumes the same entity, and a bad
// token shows a clear error.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Page, WebSocketRoute } from 'playwright-core';
import { errorFrame, readClient, tickFrame, welcome } from '../test/world/doc_encoder.ts';
import { launchBrowser, type TestBrowser } from './support/browser.ts';
import { expectNoErrors } from './support/game_page.ts';
import { startWorldGateway, type RunningGateway } from './support/world_gateway.ts';
import { linkState, readNear, readSelf, unsignedToken, worldLink, type NearEntity } from './support/world_page.ts';

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

/** Every socket the page opens to /world, and what the page sent on each. */
async function scriptGateway(page: Page) {
  const sockets: { route: WebSocketRoute; sent: Record<string, unknown>[] }[] = [];
  await page.routeWebSocket(/\/world\?/, (route) => {
    const entry = { route, sent: [] as Record<string, unknown>[] };
    route.onMessage((m) => {
      entry.sent.push(typeof m === 'string' ? { text: m } : readClient(new Uint8Array(m)));
    });
    sockets.push(entry);
  });
  return sockets;
}

const W = { entity: 4, resumed: false, tickHz: 20, q: 32, half: 32_000, radius: 3_200, margin: 160, maxSpeed: 76, key: 'ann' };
const send = (route: WebSocketRoute, bytes: Uint8Array) => route.send(Buffer.from(bytes));

describe('world page, scripted gateway', () => {
  it('draws what it is sent, acknowledges every frame and sends the commands of keys and clicks', async () => {
    const { page, errors } = await browser.page();
    const sockets = await scriptGateway(page);
    await page.goto(worldLink(edgeUrl, 'ws://127.0.0.1:9/world', unsignedToken('ann')));
    await expect.poll(() => sockets.length, { timeout: 15_000 }).toBe(1);
    const s = sockets[0]!;
    expect(s.route.url()).toMatch(/^ws:\/\/127\.0\.0\.1:9\/world\?token=ey/);
    expect(s.route.protocols()).toEqual(['metronome.world.v1']);

    send(s.route, welcome(W));
    send(
      s.route,
      tickFrame({
        tick: 10, reset: true, base: 0, updates: [],
        events: [{ t: 'enter', id: 4, kind: 0, x: 0, y: 0, key: 'ann' }, { t: 'enter', id: 7, kind: 0, x: 320, y: -64, key: 'bob' }, { t: 'enter', id: 30, kind: 1, x: -900, y: 500, key: '' }],
      }),
    );
    await expect.poll(() => linkState(page)).toBe('open');
    await expect.poll(() => readNear(page)).toEqual([
      { id: 7, name: 'bob', x: 320, y: -64 },
      { id: 30, name: '', x: -900, y: 500 },
    ]);
    expect(await readSelf(page)).toEqual({ entity: 4, x: 0, y: 0 });
    expect(await page.getByTestId('world-player').textContent()).toBe('ann');
    await expect.poll(() => s.sent).toEqual([{ type: 'ack', tick: 10 }]);

    // Deltas against the acknowledged base.
    send(s.route, tickFrame({ tick: 11, reset: false, base: 10, events: [{ t: 'leave', id: 30 }], updates: [{ id: 7, absolute: false, x: 32, y: 0 }] }));
    await expect.poll(() => readNear(page)).toEqual([{ id: 7, name: 'bob', x: 352, y: -64 }]);
    await expect.poll(() => s.sent.at(-1)).toEqual({ type: 'ack', tick: 11 });
    expect(await page.getByTestId('world-in-view').textContent()).toBe('1');
    expect(Number.parseFloat((await page.getByTestId('world-fps').textContent()) ?? '')).toBeGreaterThan(0);
    expect(await page.getByTestId('world-bps').textContent()).toMatch(/^\d+ B\/s$/);

    // The map is drawn and labelled.
    const map = page.getByTestId('world-map');
    expect(await map.getAttribute('aria-label')).toBe('Map around ann: 1 entities in view');
    const painted = await map.evaluate((c: HTMLCanvasElement) => {
      const d = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
      const colours = new Set<number>();
      for (let i = 0; i < d.length; i += 4 * 97) colours.add((d[i]! << 16) | (d[i + 1]! << 8) | d[i + 2]!);
      return colours.size;
    });
    expect(painted).toBeGreaterThan(2);
    await page.screenshot({ path: `${outputDir}/world-scripted.png`, fullPage: true });

    // Keys: ArrowRight held is a velocity at the top speed, released a stop; WASD too.
    const commands = () => s.sent.filter((m) => m.type === 'command');
    await page.keyboard.down('ArrowRight');
    await expect.poll(commands).toEqual([{ type: 'command', seq: 1, kind: 'velocity', vx: 76, vy: 0 }]);
    await page.keyboard.down('w');
    await page.keyboard.up('ArrowRight');
    await page.keyboard.up('w');
    await expect.poll(commands).toEqual([
      { type: 'command', seq: 1, kind: 'velocity', vx: 76, vy: 0 },
      { type: 'command', seq: 2, kind: 'velocity', vx: 53, vy: 53 },
      { type: 'command', seq: 3, kind: 'velocity', vx: 0, vy: 76 },
      { type: 'command', seq: 4, kind: 'stop' },
    ]);

    // A click right of and above the centre walks there (fixed-point units, y up).
    const box = (await map.boundingBox())!;
    await map.click({ position: { x: box.width * 0.75, y: box.height * 0.25 } });
    await expect.poll(() => commands().length).toBe(5);
    const moveTo = commands()[4]!;
    expect(moveTo).toMatchObject({ seq: 5, kind: 'moveTo', speed: 76 });
    // A quarter of the canvas is radius × 1.15 / 2 = 1,840 q = 14,720 units.
    expect(Math.abs((moveTo.x as number) - 14_720)).toBeLessThan(300);
    expect(Math.abs((moveTo.y as number) - 14_720)).toBeLessThan(300);

    // Say something: an emote command; what is said near you is listed by name; refusals counted.
    await page.getByLabel('Say something').fill('hello there');
    await page.getByRole('button', { name: 'Say' }).click();
    await expect.poll(() => commands().at(-1)).toEqual({ type: 'command', seq: 6, kind: 'emote', text: 'hello there' });
    send(s.route, tickFrame({ tick: 12, reset: false, base: 11, events: [{ t: 'emote', id: 7, text: 'hi ann' }, { t: 'rejected', seq: 6, reason: 8 }], updates: [] }));
    await expect.poll(() => page.getByTestId('world-emotes').textContent()).toBe('bob: hi ann');
    expect(await page.getByTestId('world-rejected').textContent()).toMatch(/1 command was refused by the world; the last: bad_emote/);

    // At 360 px the page fits without horizontal scrolling.
    await page.setViewportSize({ width: 360, height: 760 });
    await expect
      .poll(() => page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth))
      .toBeLessThanOrEqual(0);
    await page.screenshot({ path: `${outputDir}/world-360.png`, fullPage: true });
    expectNoErrors(errors);
  });

  it('reconnects after a drop with the same token and shows the resumed entity; replaced is final', async () => {
    const { page, errors } = await browser.page();
    const sockets = await scriptGateway(page);
    await page.goto(worldLink(edgeUrl, 'ws://127.0.0.1:9/world', unsignedToken('cy')));
    await expect.poll(() => sockets.length, { timeout: 15_000 }).toBe(1);
    const first = sockets[0]!;
    send(first.route, welcome({ ...W, key: 'cy' }));
    send(first.route, tickFrame({ tick: 50, reset: true, base: 0, updates: [], events: [{ t: 'enter', id: 4, kind: 0, x: 64, y: 64, key: 'cy' }] }));
    await expect.poll(() => readSelf(page)).toEqual({ entity: 4, x: 64, y: 64 });

    await first.route.close({ code: 1012, reason: 'e2e drop' });
    await expect.poll(() => linkState(page)).toBe('reconnecting');
    await expect.poll(() => sockets.length, { timeout: 10_000 }).toBe(2);
    const second = sockets[1]!;
    expect(second.route.url()).toBe(first.route.url());
    send(second.route, welcome({ ...W, key: 'cy', resumed: true }));
    send(second.route, tickFrame({ tick: 90, reset: true, base: 0, updates: [], events: [{ t: 'enter', id: 4, kind: 0, x: 64, y: 64, key: 'cy' }] }));
    await expect.poll(() => page.getByTestId('world-link').textContent()).toMatch(/Reconnected: you are back in your entity 4/);
    await expect.poll(() => second.sent).toEqual([{ type: 'ack', tick: 90 }]);

    // Another page took the player over: said so, and not retried.
    send(second.route, errorFrame('replaced', 'a newer connection took over'));
    await second.route.close({ code: 4005, reason: 'replaced' });
    await expect.poll(() => linkState(page)).toBe('closed');
    expect(await page.getByTestId('world-link').textContent()).toMatch(/replaced: this player connected from another page.*close code 4005/);
    await page.waitForTimeout(600);
    expect(sockets.length).toBe(2);
    expectNoErrors(errors);
  });

  it('an expired or malformed token is refused on the page, with why', async () => {
    const { page, errors } = await browser.page();
    const sockets = await scriptGateway(page);
    await page.goto(worldLink(edgeUrl, 'ws://127.0.0.1:9/world', unsignedToken('dee', -60)));
    await expect.poll(() => page.getByRole('alert').textContent(), { timeout: 15_000 }).toMatch(/This token expired at .*get a new one/);
    await page.getByLabel('World token').fill('not-a-token');
    await page.getByRole('button', { name: 'Enter' }).click();
    await expect.poll(() => page.getByRole('alert').textContent()).toMatch(/not a token/);
    expect(sockets.length).toBe(0);
    expectNoErrors(errors);
  });
});

describe('world page, real gateway', () => {
  let gateway: RunningGateway | null = null;
  let gatewayError = 'not started';
  let second: TestBrowser;

  beforeAll(async () => {
    second = await launchBrowser();
    try {
      // A small world: two players spawn within each other's area of interest.
      gateway = await startWorldGateway(`${outputDir}/world-gateway.log`, { '--size': '40', '--npcs': '0', '--entities': '0' });
      gatewayError = '';
    } catch (e) {
      gatewayError = e instanceof Error ? e.message : String(e);
    }
  });

  afterAll(async () => {
    await second?.close();
    await gateway?.stop();
  });

  const need = (): RunningGateway => {
    if (gateway === null) throw new Error(`the world gateway could not start: ${gatewayError}`);
    return gateway;
  };

  async function enter(page: Page, g: RunningGateway, sub: string) {
    await page.goto(worldLink(edgeUrl, g.url, await g.token(sub)));
    await expect.poll(() => linkState(page), { timeout: 15_000 }).toBe('open');
    await expect.poll(() => readSelf(page), { timeout: 10_000 }).not.toBeNull();
    return (await readSelf(page))!;
  }

  const named = (list: NearEntity[], name: string) => list.find((e) => e.name === name);

  /** Holds the key that walks `mover` towards the middle of the world until `watcher` sees it go that way by 1 m. */
  async function walkAndWatch(mover: Page, watcher: Page, moverName: string) {
    const self = (await readSelf(mover))!;
    const alongX = Math.abs(self.x) >= Math.abs(self.y);
    const towards = alongX ? (self.x > 0 ? -1 : 1) : self.y > 0 ? -1 : 1;
    const key = alongX ? (towards > 0 ? 'ArrowRight' : 'ArrowLeft') : towards > 0 ? 'ArrowUp' : 'ArrowDown';
    const seen = (await readNear(watcher)).find((e) => e.name === moverName)!;
    const start = alongX ? seen.x : seen.y;
    await mover.keyboard.down(key);
    try {
      await expect
        .poll(
          async () => {
            const now = named(await readNear(watcher), moverName);
            return now === undefined ? 0 : ((alongX ? now.x : now.y) - start) * towards;
          },
          { timeout: 10_000 },
        )
        .toBeGreaterThan(32); // q: 1 m
    } finally {
      await mover.keyboard.up(key);
    }
  }

  it('two browsers with two tokens see each other move', async () => {
    const g = need();
    const a = await browser.page();
    const b = await second.page();
    const [ann, bob] = [`ann-${run}`, `bob-${run}`];
    const selfA = await enter(a.page, g, ann);
    const selfB = await enter(b.page, g, bob);
    expect(selfA.entity).not.toBe(selfB.entity);
    expect(await a.page.getByTestId('world-player').textContent()).toBe(ann);
    await expect.poll(async () => named(await readNear(a.page), bob)?.id, { timeout: 10_000 }).toBe(selfB.entity);
    await expect.poll(async () => named(await readNear(b.page), ann)?.id, { timeout: 10_000 }).toBe(selfA.entity);

    await walkAndWatch(a.page, b.page, ann);
    await walkAndWatch(b.page, a.page, bob);
    // What each shows of the other is within the quantization of what the other shows of itself.
    await a.page.waitForTimeout(300);
    const bSelf = (await readSelf(b.page))!;
    const bSeen = named(await readNear(a.page), bob)!;
    expect(Math.abs(bSeen.x - bSelf.x)).toBeLessThanOrEqual(1);
    expect(Math.abs(bSeen.y - bSelf.y)).toBeLessThanOrEqual(1);
    expect(Number.parseFloat((await a.page.getByTestId('world-fps').textContent()) ?? '')).toBeGreaterThan(5);
    await a.page.screenshot({ path: `${outputDir}/world-a.png`, fullPage: true });
    await b.page.screenshot({ path: `${outputDir}/world-b.png`, fullPage: true });
    expectNoErrors(a.errors);
    expectNoErrors(b.errors);
  });

  it('a dropped connection comes back to the same entity', async () => {
    const g = need();
    const { page, errors } = await browser.page();
    const sockets: WebSocketRoute[] = [];
    await page.routeWebSocket(/\/world\?/, (ws) => {
      ws.connectToServer();
      sockets.push(ws);
    });
    const self = await enter(page, g, `cy-${run}`);
    await sockets[0]!.close({ code: 1012, reason: 'e2e drop' });
    await expect.poll(() => page.getByTestId('world-link').textContent(), { timeout: 10_000 }).toMatch(
      new RegExp(`Reconnected: you are back in your entity ${self.entity}`),
    );
    expect(sockets.length).toBe(2);
    expect((await readSelf(page))!.entity).toBe(self.entity);
    expectNoErrors(errors);
  });

  it('a token with a bad signature shows a clear error and is not retried', async () => {
    const g = need();
    const { page, errors } = await browser.page();
    const good = await g.token(`dee-${run}`);
    const bad = `${good.slice(0, good.lastIndexOf('.') + 1)}${good.endsWith('A') ? 'B' : 'A'}${good.slice(good.lastIndexOf('.') + 2)}`;
    await page.goto(worldLink(edgeUrl, g.url, bad));
    await expect.poll(() => linkState(page), { timeout: 15_000 }).toBe('closed');
    const text = await page.getByRole('alert').textContent();
    expect(text).toMatch(/The gateway refused the connection/);
    expect(text).toMatch(/refused the token|token is not accepted/);
    // What Chromium itself logs about a refused handshake (and a CORS-less probe) is expected here.
    expectNoErrors(errors, [/WebSocket connection to .* failed/, /Failed to load resource/, /blocked by CORS policy/, /net::ERR_FAILED/]);
  });
});
