import { describe, expect, it } from 'vitest';
import { encodeClientMessage, parseServerMessage } from '../../src/net/protocol.ts';

const parse = (o: unknown) => parseServerMessage(JSON.stringify(o));

describe('parseServerMessage', () => {
  it('reads every server message of docs/protocol.md', () => {
    expect(parse({ type: 'tick', step: 3000, value: 17, round: 59, broken: false, serverTimestamp: 5 })).toEqual({
      type: 'tick', step: 3000, value: 17, round: 59, broken: false, serverTimestamp: 5,
    });
    expect(parse({ type: 'countdown', remainingMs: 2000, serverTimestamp: 1 })).toEqual({ type: 'countdown', remainingMs: 2000, serverTimestamp: 1 });
    expect(parse({ type: 'ping', seq: 4, serverTimestamp: 9 })).toEqual({ type: 'ping', seq: 4, serverTimestamp: 9 });
    expect(parse({ type: 'pong', clientTimestamp: 1.5, serverTimestamp: 9 })).toEqual({ type: 'pong', clientTimestamp: 1.5, serverTimestamp: 9 });
    expect(parse({ type: 'latency_status', status: 'warning', rttMs: 120.5, jitterMs: 3 })).toEqual({
      type: 'latency_status', status: 'warning', rttMs: 120.5, jitterMs: 3,
    });
    expect(parse({ type: 'kicked', reason: 'high_latency', rttMs: 250, jitterMs: 1 })).toEqual({
      type: 'kicked', reason: 'high_latency', rttMs: 250, jitterMs: 1,
    });
    expect(parse({ type: 'stopped', reason: 'stopped', seed: '18446744073709551615', salt: 'ab' })).toEqual({
      type: 'stopped', reason: 'stopped', seed: '18446744073709551615', salt: 'ab',
    });
    expect(parse({ type: 'stopped', reason: 'exited', seed: null, salt: null })).toEqual({ type: 'stopped', reason: 'exited', seed: null, salt: null });
    expect(parse({ type: 'error', code: 'bad_field', message: 'userId' })).toEqual({ type: 'error', code: 'bad_field', message: 'userId' });
    const joined = parse({
      type: 'session_joined', sessionId: 'S', userId: 'u', region: 'eu', mode: 'server', tickMs: 100, startAt: 10,
      rule: { name: 'rounds' }, seed: null, commitment: { algorithm: 'sha256', value: 'ab' }, resumed: true, serverTimestamp: 3,
    });
    expect(joined).toMatchObject({ type: 'session_joined', resumed: true, startAt: 10, tickMs: 100 });
  });

  it('refuses malformed messages and unknown types', () => {
    expect(parseServerMessage('{')).toBeNull();
    expect(parseServerMessage('[]')).toBeNull();
    expect(parse({ type: 'tick', step: 1.5, value: 0, round: 0, broken: false })).toBeNull();
    expect(parse({ type: 'tick', step: 1, value: 0, round: 0 })).toBeNull();
    expect(parse({ type: 'latency_status', status: 'bad', rttMs: 1, jitterMs: 1 })).toBeNull();
    expect(parse({ type: 'teleport' })).toBeNull();
  });
});

describe('encodeClientMessage', () => {
  it('writes the client messages with seed 001’s field names', () => {
    expect(JSON.parse(encodeClientMessage({ action: 'join', sessionId: 'S', userId: 'u' }))).toEqual({ action: 'join', sessionId: 'S', userId: 'u' });
    expect(JSON.parse(encodeClientMessage({ action: 'pong', seq: 3, serverTimestamp: 7 }))).toEqual({ action: 'pong', seq: 3, serverTimestamp: 7 });
  });
});
