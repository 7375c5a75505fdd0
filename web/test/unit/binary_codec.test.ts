import { describe, expect, it } from 'vitest';
import { Bin, decodeBinaryFrame, encodeBinaryClient } from '../../src/net/binary_codec.ts';
import type { ClientMessage, FrameResult } from '../../src/net/protocol.ts';
import { decodeClientBinary } from './fake_socket.ts';

/** Server frames built as docs/protocol.md lays them out (not with the client's code). */
function frame(type: number, fields: [kind: 'u8' | 'u32' | 'i64', value: number | bigint][]): Uint8Array {
  const size = 1 + fields.reduce((n, [k]) => n + (k === 'u8' ? 1 : k === 'u32' ? 4 : 8), 0);
  const out = new Uint8Array(size);
  const view = new DataView(out.buffer);
  out[0] = type;
  let at = 1;
  for (const [k, v] of fields) {
    if (k === 'u8') view.setUint8(at, Number(v));
    if (k === 'u32') view.setUint32(at, Number(v), true);
    if (k === 'i64') view.setBigInt64(at, BigInt(v), true);
    at += k === 'u8' ? 1 : k === 'u32' ? 4 : 8;
  }
  return out;
}
const json = (o: unknown) => new Uint8Array([0x7f, ...new TextEncoder().encode(JSON.stringify(o))]);
const message = (r: FrameResult) => (r.kind === 'message' ? r.message : r);

describe('decodeBinaryFrame', () => {
  it('reads every fixed layout of docs/protocol.md', () => {
    const tick = frame(0x01, [['u8', 1], ['i64', 9_007_199_254_740_991n], ['i64', 0], ['i64', 77], ['i64', 1_800_000_000_123]]);
    expect(tick.length).toBe(34);
    expect(message(decodeBinaryFrame(tick))).toEqual({
      type: 'tick', step: Number.MAX_SAFE_INTEGER, value: 0, round: 77, broken: true, serverTimestamp: 1_800_000_000_123,
    });
    expect(message(decodeBinaryFrame(frame(0x01, [['u8', 0], ['i64', 3000], ['i64', 17], ['i64', 59], ['i64', 5]])))).toEqual({
      type: 'tick', step: 3000, value: 17, round: 59, broken: false, serverTimestamp: 5,
    });
    expect(message(decodeBinaryFrame(frame(0x02, [['i64', 2500], ['i64', 9]])))).toEqual({ type: 'countdown', remainingMs: 2500, serverTimestamp: 9 });
    expect(message(decodeBinaryFrame(frame(0x03, [['u32', 0xffffffff], ['i64', 10]])))).toEqual({ type: 'ping', seq: 0xffffffff, serverTimestamp: 10 });
    expect(message(decodeBinaryFrame(frame(0x04, [['i64', 1_800_000_000_000], ['i64', 1_800_000_000_002]])))).toEqual({
      type: 'pong', clientTimestamp: 1_800_000_000_000, serverTimestamp: 1_800_000_000_002,
    });
    expect(message(decodeBinaryFrame(frame(0x05, [['u8', 1], ['u32', 120_500], ['u32', 3_250]])))).toEqual({
      type: 'latency_status', status: 'warning', rttMs: 120.5, jitterMs: 3.25,
    });
  });

  it('reads the JSON envelope (0x7F) and a view into a larger buffer', () => {
    expect(message(decodeBinaryFrame(json({ type: 'kicked', reason: 'high_latency', rttMs: 251.5, jitterMs: 2 })))).toEqual({
      type: 'kicked', reason: 'high_latency', rttMs: 251.5, jitterMs: 2,
    });
    expect(decodeBinaryFrame(json({ type: 'teleport' }))).toEqual({ kind: 'ignored', type: 'teleport' });
    const big = new Uint8Array(50);
    big.set(frame(0x02, [['i64', 1], ['i64', 2]]), 7);
    expect(message(decodeBinaryFrame(big.subarray(7, 24)))).toEqual({ type: 'countdown', remainingMs: 1, serverTimestamp: 2 });
  });

  it.each([
    ['empty', new Uint8Array([]), /empty/],
    ['unknown type', new Uint8Array([0x42, 1, 2]), /unknown binary message type 0x42/],
    ['client type from the server', new Uint8Array(9).fill(0x11, 0, 1), /unknown binary message type 0x11/],
    ['truncated tick', frame(0x01, [['u8', 0], ['i64', 1], ['i64', 1], ['i64', 1]]), /tick is 34 bytes, this one 26/],
    ['tick with a byte too many', new Uint8Array([...frame(0x01, [['u8', 0], ['i64', 1], ['i64', 1], ['i64', 1], ['i64', 1]]), 0]), /34 bytes, this one 35/],
    ['unknown tick flags', frame(0x01, [['u8', 2], ['i64', 1], ['i64', 1], ['i64', 1], ['i64', 1]]), /unknown bits/],
    ['step beyond 2^53', frame(0x01, [['u8', 0], ['i64', 9_007_199_254_740_992n], ['i64', 1], ['i64', 1], ['i64', 1]]), /beyond 2\^53/],
    ['negative step', frame(0x01, [['u8', 0], ['i64', -1], ['i64', 1], ['i64', 1], ['i64', 1]]), /negative/],
    ['latency status 2', frame(0x05, [['u8', 2], ['u32', 1], ['u32', 1]]), /neither 0/],
    ['envelope not UTF-8', new Uint8Array([0x7f, 0xff, 0xfe]), /not UTF-8/],
    ['envelope not JSON', new Uint8Array([0x7f, 0x7b]), /not JSON/],
    ['envelope without type', json({ reason: 'x' }), /without a type/],
    ['envelope with bad fields', json({ type: 'tick', step: 'x' }), /tick message with missing or bad fields/],
  ])('refuses a malformed frame (%s) with a reason, without throwing', (_name, bytes, reason) => {
    const r = decodeBinaryFrame(bytes);
    expect(r.kind).toBe('malformed');
    if (r.kind === 'malformed') expect(r.error).toMatch(reason);
  });

  it('never throws on random bytes', () => {
    let state = 0x9e3779b9;
    const next = () => ((state = (Math.imul(state, 1664525) + 1013904223) >>> 0) >>> 24);
    const types = [0x01, 0x02, 0x03, 0x04, 0x05, 0x7f, 0x00, 0xff];
    const kinds = new Set<string>();
    for (let i = 0; i < 5_000; ++i) {
      // Lengths around the fixed sizes, so that some frames are well formed.
      const bytes = new Uint8Array([0, 9, 10, 13, 17, 34, 35][next() % 7]!);
      for (let j = 0; j < bytes.length; ++j) bytes[j] = next();
      if (bytes.length > 0) bytes[0] = types[next() % types.length]!;
      kinds.add(decodeBinaryFrame(bytes).kind);
    }
    expect([...kinds].sort()).toEqual(['malformed', 'message']);
  });
});

describe('encodeBinaryClient', () => {
  it.each<[ClientMessage, number, number]>([
    [{ action: 'ping', clientTimestamp: 1_800_000_000_123 }, Bin.clientPing, 9],
    [{ action: 'pong', seq: 4_000_000_000, serverTimestamp: 1_800_000_000_456 }, Bin.clientPong, 13],
    [{ action: 'join', sessionId: 'S1', userId: 'ülrich' }, Bin.json, 0],
    [{ action: 'leave' }, Bin.json, 0],
  ])('writes %o as docs/protocol.md lays it out', (m, type, size) => {
    const bytes = encodeBinaryClient(m);
    expect(bytes[0]).toBe(type);
    if (size > 0) expect(bytes.length).toBe(size);
    expect(decodeClientBinary(bytes)).toEqual(m);
  });
});
