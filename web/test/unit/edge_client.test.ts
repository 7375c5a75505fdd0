import { describe, expect, it } from 'vitest';
import { EdgeClient, EdgeError, type FetchLike } from '../../src/api/edge.ts';

function answering(status: number, body: unknown, calls: { url: string; init?: RequestInit }[] = []): FetchLike {
  return async (url, init) => {
    calls.push({ url, init });
    return new Response(typeof body === 'string' ? body : JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } });
  };
}

describe('EdgeClient', () => {
  it('posts a start with the player’s choices and reads the routing', async () => {
    const calls: { url: string; init?: RequestInit }[] = [];
    const edge = new EdgeClient(
      answering(201, {
        gameId: 'G', seed: null, startAt: 1000, tickMs: 100, status: 'active', rule: { name: 'rounds', mean_interval: 50, jitter: 49 },
        mode: 'server', commitment: 'a'.repeat(64), user_id: 'u', backendRegion: 'us', routedBy: 'preferredRegion', wsEndpoint: 'ws://h:1/ws',
      }, calls),
    );
    const g = await edge.start({ userId: 'u', mode: 'server', rule: 'rounds', preferredRegion: 'us' });
    expect(calls[0]!.url).toBe('/edge/game/start');
    expect(calls[0]!.init?.method).toBe('POST');
    expect(JSON.parse(String(calls[0]!.init?.body))).toEqual({ userId: 'u', mode: 'server', rule: 'rounds', preferredRegion: 'us' });
    expect(g.routedBy).toBe('preferredRegion');
    expect(g.wsEndpoint).toBe('ws://h:1/ws');
    expect(g.session.region).toBe('us');
    expect(g.resumed).toBe(false);
  });

  it('turns a network failure into an unreachable error a person can act on', async () => {
    const edge = new EdgeClient(async () => {
      throw new TypeError('Failed to fetch');
    });
    const e = await edge.regions().catch((x: unknown) => x);
    expect(e).toBeInstanceOf(EdgeError);
    expect((e as EdgeError).kind).toBe('unreachable');
    expect((e as EdgeError).message).toMatch(/does not answer.*metronome up/);
  });

  it('passes the server’s error message on', async () => {
    const edge = new EdgeClient(answering(503, { error: { code: 'unavailable', message: 'no healthy region can take the session' } }));
    const e = (await edge.start({ userId: 'u', mode: 'client' }).catch((x: unknown) => x)) as EdgeError;
    expect(e.kind).toBe('http');
    expect(e.status).toBe(503);
    expect(e.code).toBe('unavailable');
    expect(e.message).toBe('The server is unavailable: no healthy region can take the session');
  });

  it('refuses an answer that is not JSON', async () => {
    const edge = new EdgeClient(answering(200, '<html>'));
    const e = (await edge.session('S').catch((x: unknown) => x)) as EdgeError;
    expect(e.kind).toBe('bad_answer');
  });

  it('takes a clock sample around the request', async () => {
    let t = 100;
    const edge = new EdgeClient(async () => {
      t += 7;
      return new Response(JSON.stringify({ serverTimestamp: 5000 }));
    });
    expect(await edge.time(() => t)).toEqual({ sentAt: 100, receivedAt: 107, serverTimestamp: 5000 });
  });

  it('lists regions with their WebSocket endpoints', async () => {
    const edge = new EdgeClient(
      answering(200, {
        regions: [
          { region: 'eu', base_url: 'http://127.0.0.1:8081', ws_url: 'ws://127.0.0.1:8081/ws', status: 'up', rtt_ms: 6.9 },
          { region: 'us', ws_url: '', status: 'down', rtt_ms: null },
        ],
      }),
    );
    expect(await edge.regions()).toEqual([
      { name: 'eu', baseUrl: 'http://127.0.0.1:8081', wsUrl: 'ws://127.0.0.1:8081/ws', up: true, rttMs: 6.9 },
      { name: 'us', baseUrl: '', wsUrl: '', up: false, rttMs: null },
    ]);
  });
});

describe('EdgeClient.replay', () => {
  const body = {
    id: 'S1', from: 10, to: 12, breaks_only: false,
    states: [
      { step: 10, at_ms: 1000, value: 4, round: 1, broken: false },
      { step: 11, at_ms: 1100, value: 0, round: 2, broken: true },
      { step: 12, at_ms: 1200, value: 1, round: 2, broken: false },
    ],
  };

  it('asks the edge for the range and reads the states', async () => {
    const calls: { url: string; init?: RequestInit }[] = [];
    const r = await new EdgeClient(answering(200, body, calls)).replay('S 1', 10, 12);
    expect(calls[0]!.url).toBe('/edge/sessions/S%201/replay?from=10&to=12');
    expect(calls[0]!.init?.method).toBe('GET');
    expect(r).toEqual({
      from: 10, to: 12, breaksOnly: false,
      states: [
        { step: 10, value: 4, round: 1, broken: false },
        { step: 11, value: 0, round: 2, broken: true },
        { step: 12, value: 1, round: 2, broken: false },
      ],
    });
    await new EdgeClient(answering(200, { ...body, breaks_only: true, states: [body.states[1]] }, calls)).replay('S1', 10, 12, true);
    expect(calls[1]!.url).toBe('/edge/sessions/S1/replay?from=10&to=12&breaks_only=true');
  });

  it.each([
    ['a state out of order', { ...body, states: [body.states[1], body.states[0]] }],
    ['a state outside the range', { ...body, to: 11 }],
    ['a bad field', { ...body, states: [{ ...body.states[0], value: -1 }] }],
    ['no states', { ...body, states: undefined }],
  ])('refuses an unreadable answer (%s)', async (_name, bad) => {
    const e = await new EdgeClient(answering(200, bad)).replay('S1', 10, 12).catch((x: unknown) => x);
    expect(e).toMatchObject({ kind: 'bad_answer', message: 'The server sent an unreadable replay.' });
  });

  it('passes a refusal on with the region’s words', async () => {
    const e = await new EdgeClient(
      answering(403, { error: { code: 'forbidden', message: 'this server-mode session is at step 40; later steps are revealed when it ends' } }),
    ).replay('S1', 10, 900).catch((x: unknown) => x);
    expect(e).toMatchObject({ kind: 'http', status: 403, code: 'forbidden', message: 'Not allowed: this server-mode session is at step 40; later steps are revealed when it ends' });
  });
});
