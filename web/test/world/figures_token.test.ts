import { describe, expect, it } from 'vitest';
import { RateMeter, RttMeter } from '../../src/world/figures.ts';
import { checkToken, worldUrl } from '../../src/world/token.ts';

const b64url = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
const jwt = (header: unknown, payload: unknown) => `${b64url(header)}.${b64url(payload)}.c2lnbmF0dXJl`;

describe('world figures', () => {
  it('counts frames and bytes per second over a sliding window', () => {
    const m = new RateMeter(2_000);
    for (let t = 0; t < 2_000; t += 50) m.add(10_000 + t, 100);
    expect(m.rates(11_999)).toEqual({ framesPerSecond: 20, bytesPerSecond: 2_000 });
    // One second later half of them are out of the window.
    expect(m.rates(12_999)).toEqual({ framesPerSecond: 10, bytesPerSecond: 1_000 });
    expect(m.rates(20_000)).toEqual({ framesPerSecond: 0, bytesPerSecond: 0 });
    expect(m.totalFrames).toBe(40);
    expect(m.totalBytes).toBe(4_000);
  });

  it('keeps the last round trips', () => {
    const r = new RttMeter(3);
    expect(r.lastMs).toBeNull();
    for (const v of [10, 20, 30, 40, -1, Number.NaN]) r.add(v);
    expect(r.lastMs).toBe(40);
    expect(r.meanMs).toBe(30);
  });
});

describe('checkToken', () => {
  const now = 1_800_000_000_000;
  it('accepts an HS256 token with a player and valid times', () => {
    expect(checkToken(jwt({ alg: 'HS256', typ: 'JWT' }, { sub: 'ann', exp: now / 1000 + 60, nbf: now / 1000 - 1 }), now)).toEqual({
      ok: true,
      claims: { sub: 'ann', exp: now / 1000 + 60, nbf: now / 1000 - 1 },
    });
  });

  it.each([
    ['empty', '', /No token/],
    ['two parts', 'a.b', /three parts/],
    ['not base64url JSON', 'a.b.c', /cannot be read/],
    ['alg none', jwt({ alg: 'none' }, { sub: 'x' }), /"none".*only HS256/],
    ['alg HS512', jwt({ alg: 'HS512' }, { sub: 'x' }), /HS512/],
    ['no sub', jwt({ alg: 'HS256' }, { exp: now / 1000 + 5 }), /no player/],
    ['expired', jwt({ alg: 'HS256' }, { sub: 'x', exp: now / 1000 - 1 }), /expired at 2027-01-15T07:59:59/],
    ['not yet valid', jwt({ alg: 'HS256' }, { sub: 'x', nbf: now / 1000 + 100 }), /not valid before/],
  ])('refuses %s with a reason', (_name, token, reason) => {
    const r = checkToken(token, now);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error).toMatch(reason);
  });

  it('puts the token in the gateway address', () => {
    expect(worldUrl('ws://127.0.0.1:9000/world', ' a.b.c ')).toBe('ws://127.0.0.1:9000/world?token=a.b.c');
    expect(worldUrl('ws://h/world?x=1&token=old', 't')).toBe('ws://h/world?x=1&token=t');
  });
});
