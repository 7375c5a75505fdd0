import { describe, expect, it } from 'vitest';
import { diagnoseRefusal } from '../../src/world/diagnose.ts';

const url = 'ws://127.0.0.1:9000/world?token=abc';

describe('diagnoseRefusal', () => {
  it("shows the gateway's status and error when it can be read", async () => {
    const calls: [string, RequestInit][] = [];
    const why = await diagnoseRefusal(url, async (input, init) => {
      calls.push([input, init]);
      return new Response(JSON.stringify({ error: { code: 'token_expired', message: 'exp is in the past' } }), { status: 401 });
    });
    expect(why).toBe('The gateway refused the token (HTTP 401 token_expired): exp is in the past');
    expect(calls).toEqual([['http://127.0.0.1:9000/world?token=abc', { mode: 'cors', cache: 'no-store', credentials: 'omit' }]]);
    expect(await diagnoseRefusal('wss://h/world', async () => new Response('', { status: 503 }))).toBe('The gateway is full (HTTP 503).');
    expect(await diagnoseRefusal(url, async () => new Response('{}', { status: 429 }))).toMatch(/^Too many new connections/);
  });

  it('retries when the answer is not a refusal', async () => {
    expect(await diagnoseRefusal(url, async () => new Response('', { status: 426 }))).toBeNull();
  });

  it('says "refused" when the gateway answers but the page cannot read it, and retries when nothing answers', async () => {
    const opaque = await diagnoseRefusal(url, async (_input, init) => {
      if (init.mode === 'cors') throw new TypeError('Failed to fetch');
      return new Response(null, { status: 200 });
    });
    expect(opaque).toMatch(/answered but refused .* token is not accepted .*metronome world token/);
    expect(
      await diagnoseRefusal(url, async () => {
        throw new TypeError('Failed to fetch');
      }),
    ).toBeNull();
  });
});
