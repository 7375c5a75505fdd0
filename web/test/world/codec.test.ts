import { describe, expect, it } from 'vitest';
import { decodeServerMessage, encodeClientMessage, type DecodeResult } from '../../src/world/codec.ts';
import type { ClientMessage, ServerMessage } from '../../src/world/protocol.ts';
import { Reader, WireError, Writer } from '../../src/world/wire.ts';
import { errorFrame, hex, readClient, str, svarint, tickFrame, varint, welcome, type DocEvent } from './doc_encoder.ts';

const message = (r: DecodeResult): ServerMessage => {
  if (r.kind !== 'message') throw new Error(`malformed: ${r.error}`);
  return r.message;
};

/** A small deterministic generator (the tests must repeat). */
function rng(seed: number) {
  let s = seed >>> 0;
  const next = () => {
    s = (Math.imul(s ^ (s >>> 15), 0x2c1b3c6d) + 0x9e3779b9) >>> 0;
    s ^= s >>> 13;
    return s >>> 0;
  };
  return { next, int: (n: number) => next() % n, signed: (n: number) => (next() % (2 * n + 1)) - n };
}

describe('world codec: the document examples', () => {
  it('reads the welcome for entity 5, key alice', () => {
    expect(message(decodeServerMessage(hex('10 05 00 14 20 80 FA 01 80 19 A0 01 4C 05 61 6C 69 63 65')))).toEqual({
      type: 'welcome', entity: 5, resumed: false, tickHz: 20, qPerWorldUnit: 32, half: 32_000, radius: 3_200, margin: 160, maxSpeed: 76, key: 'alice',
    });
  });

  it('reads the reset for tick 7 and the delta for tick 8', () => {
    expect(message(decodeServerMessage(hex('11 07 01 00 01  01 09 01 40 1F 00  00')))).toEqual({
      type: 'tick', tick: 7, reset: true, base: 0, events: [{ type: 'enter', entity: { id: 9, kind: 'npc', x: 32, y: -16, key: '' } }], updates: [],
    });
    expect(message(decodeServerMessage(hex('11 08 00 07 00 01  12 04 00')))).toEqual({
      type: 'tick', tick: 8, reset: false, base: 7, events: [], updates: [{ id: 9, absolute: false, x: 2, y: 0 }],
    });
  });

  it('writes every client message as the document lays it out', () => {
    const cases: [ClientMessage, string][] = [
      [{ type: 'ack', tick: 8 }, '02 08'],
      [{ type: 'ack', tick: 300 }, '02 AC 02'],
      [{ type: 'command', seq: 1, command: { kind: 'velocity', vx: 40, vy: -12 } }, '01 01 00 50 17'],
      [{ type: 'command', seq: 2, command: { kind: 'moveTo', x: 2560, y: 0, speed: 60 } }, '01 02 01 80 28 00 3C'],
      [{ type: 'command', seq: 3, command: { kind: 'stop' } }, '01 03 02'],
      [{ type: 'command', seq: 200, command: { kind: 'emote', text: 'hé' } }, '01 C8 01 03 03 68 C3 A9'],
    ];
    for (const [m, bytes] of cases) {
      const out = encodeClientMessage(m);
      expect([...out].map((b) => b.toString(16).padStart(2, '0').toUpperCase()).join(' ')).toBe(bytes);
      const back = readClient(out);
      expect(back.type).toBe(m.type);
    }
  });
});

describe('world codec: round trips with the document encoder', () => {
  it('decodes random welcomes, tick frames and errors exactly', () => {
    const r = rng(20261201);
    for (let i = 0; i < 2_000; ++i) {
      const w = {
        entity: r.int(1 << 20), resumed: r.int(2) === 1, tickHz: 1 + r.int(60), q: 1 + r.int(64), half: r.next(), radius: r.int(1 << 16), margin: r.int(1 << 10),
        maxSpeed: r.int(1000), key: ['', 'alice', 'ülrich', '玩家', 'x'.repeat(64)][r.int(5)]!,
      };
      expect(message(decodeServerMessage(welcome(w)))).toEqual({
        type: 'welcome', entity: w.entity, resumed: w.resumed, tickHz: w.tickHz, qPerWorldUnit: w.q, half: w.half, radius: w.radius, margin: w.margin, maxSpeed: w.maxSpeed, key: w.key,
      });

      const tick = 1 + r.int(1 << 30);
      const reset = r.int(4) === 0;
      const base = reset ? 0 : Math.max(0, tick - 1 - r.int(40));
      const events: DocEvent[] = [];
      for (let n = r.int(6); n > 0; --n) {
        const k = r.int(4);
        if (k === 0) events.push({ t: 'enter', id: r.int(1 << 22), kind: r.int(2) as 0 | 1, x: r.signed(1 << 20), y: r.signed(1 << 20), key: r.int(2) ? `p${r.int(999)}` : '' });
        if (k === 1) events.push({ t: 'leave', id: r.int(1 << 22) });
        if (k === 2) events.push({ t: 'emote', id: r.int(1000), text: ['hi', 'wave 👋', ''][r.int(3)]! });
        if (k === 3) events.push({ t: 'rejected', seq: 1 + r.int(1 << 20), reason: r.int(9) });
      }
      const updates: { id: number; absolute: boolean; x: number; y: number }[] = [];
      let id = r.int(10);
      for (let n = r.int(30); n > 0; --n) {
        const absolute = base === 0 || r.int(3) === 0;
        updates.push({ id, absolute, x: absolute ? r.signed(1 << 20) : r.signed(80), y: absolute ? r.signed(1 << 20) : r.signed(80) });
        id += 1 + r.int(500);
      }
      const decoded = message(decodeServerMessage(tickFrame({ tick, reset, base, events, updates })));
      expect(decoded).toEqual({
        type: 'tick', tick, reset, base, updates,
        events: events.map((e) =>
          e.t === 'enter'
            ? { type: 'enter', entity: { id: e.id, kind: e.kind === 0 ? 'player' : 'npc', x: e.x, y: e.y, key: e.key } }
            : e.t === 'rejected'
              ? { type: 'rejected', seq: e.seq, reason: ['wrong_tick', 'unknown_player', 'unknown_entity', 'not_owner', 'stale_sequence', 'too_many', 'too_fast', 'outside_world', 'bad_emote'][e.reason] }
              : { ...e, type: e.t, t: undefined },
        ).map((e) => JSON.parse(JSON.stringify(e)) as unknown),
      });
    }
    expect(message(decodeServerMessage(errorFrame('rate_limited', 'over 60 messages per second')))).toEqual({
      type: 'error', code: 'rate_limited', message: 'over 60 messages per second',
    });
  });

  it('encodes random client messages the document reader reads back', () => {
    const r = rng(7);
    for (let i = 0; i < 2_000; ++i) {
      const seq = 1 + r.int(2 ** 31);
      const kind = r.int(5);
      const m: ClientMessage =
        kind === 0
          ? { type: 'ack', tick: r.next() * 1024 + r.int(1024) }
          : kind === 1
            ? { type: 'command', seq, command: { kind: 'velocity', vx: r.signed(76), vy: r.signed(76) } }
            : kind === 2
              ? { type: 'command', seq, command: { kind: 'moveTo', x: r.signed(256_000), y: r.signed(256_000), speed: 1 + r.int(76) } }
              : kind === 3
                ? { type: 'command', seq, command: { kind: 'stop' } }
                : { type: 'command', seq, command: { kind: 'emote', text: `hello ${r.int(100)} ✓` } };
      const back = readClient(encodeClientMessage(m));
      expect(back).toEqual(m.type === 'ack' ? m : { type: 'command', seq: m.seq, ...m.command });
    }
  });

  it('accepts varints in any form that fits, up to 10 bytes', () => {
    // tick 8 written in 10 bytes (non-shortest), base 7 in 2.
    const f = hex('11 88 80 80 80 80 80 80 80 80 00 00 87 00 00 00');
    expect(message(decodeServerMessage(f))).toMatchObject({ tick: 8, base: 7 });
    expect(svarint(-1)).toEqual([1]);
    expect(varint(2n ** 53n - 1n).length).toBe(8);
  });
});

describe('world codec: malformed frames', () => {
  const u = (...parts: (number | number[])[]) => new Uint8Array(parts.flat());
  it.each([
    ['empty', u(), /message type at byte 0: needs 1 byte/],
    ['unknown type', u(0x42), /unknown message type 0x42/],
    ['a client type', u(0x01, 1, 2), /unknown message type 0x01/],
    ['welcome cut short', hex('10 05 00 14 20 80 FA 01'), /radius at byte 8: a varint cut short/],
    ['welcome with a byte too many', u([...welcome({ entity: 1, resumed: false, tickHz: 20, q: 32, half: 1, radius: 1, margin: 1, maxSpeed: 1, key: 'a' })], 0), /welcome: 1 byte after the end/],
    ['welcome with unknown flags', hex('10 05 02 14 20 01 01 01 01 00'), /flags 0x02 has unknown bits/],
    ['welcome with a zero unit', hex('10 05 00 14 00 01 01 01 01 00'), /zero tick rate or unit/],
    ['key longer than the frame', hex('10 05 00 14 20 01 01 01 01 09 61'), /key at byte 10: 9 bytes long, 1 left/],
    ['key not UTF-8', hex('10 05 00 14 20 01 01 01 01 02 C3 28'), /key at byte 10: not UTF-8/],
    ['tick flags', u(0x11, 5, 2, 0, 0, 0), /tick frame flags 0x02/],
    ['base not before tick', u(0x11, 5, 0, 5, 0, 0), /base 5 is not before tick 5/],
    ['event count beyond the frame', u(0x11, 5, 1, 0, 100, 0), /event count 100 cannot fit/],
    ['huge update count', u(0x11, 5, 1, 0, 0, varint(2 ** 40)), /update count 1099511627776 cannot fit/],
    ['unknown event', u(0x11, 5, 1, 0, 1, 0x09, 0), /unknown event type 0x09/],
    ['enter kind 2', u(0x11, 5, 1, 0, 1, 0x01, 3, 2, 0, 0, 0, 0), /enter kind 2/],
    ['update ids not ascending', u(0x11, 5, 1, 0, 0, 2, 0x05, 0, 0, 0x01, 0, 0), /not ascending/],
    ['relative update without a base', u(0x11, 5, 1, 0, 0, 1, 0x04, 0, 0), /relative update of entity 2 in a frame without a base/],
    ['varint of 11 bytes', u(0x11, [0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00]), /longer than 10 bytes/],
    ['varint beyond 64 bits', u(0x11, [0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x02]), /beyond 64 bits/],
    ['varint beyond 2^53', u(0x11, varint(2n ** 53n)), /beyond 2\^53/],
    ['error cut short', u(0x7f, str('bad'), 5), /error message at byte 6: 5 bytes long/],
    ['bytes after a tick frame', u(0x11, 5, 1, 0, 0, 0, 0xff), /tick frame: 1 byte after the end/],
  ])('refuses %s with a reason, without throwing', (_name, bytes, reason) => {
    const r = decodeServerMessage(bytes);
    expect(r.kind).toBe('malformed');
    if (r.kind === 'malformed') expect(r.error).toMatch(reason);
  });
});

describe('world codec: random bytes', () => {
  it('never throws, never hangs, and reads valid frames among them', () => {
    const r = rng(99);
    const valid = [
      hex('10 05 00 14 20 80 FA 01 80 19 A0 01 4C 05 61 6C 69 63 65'),
      hex('11 07 01 00 01  01 09 01 40 1F 00  00'),
      hex('11 08 00 07 00 01  12 04 00'),
      tickFrame({ tick: 100, reset: false, base: 90, events: [{ t: 'emote', id: 3, text: 'hi' }, { t: 'rejected', seq: 4, reason: 6 }], updates: [{ id: 3, absolute: false, x: 5, y: -5 }, { id: 70, absolute: true, x: 1e6, y: -1e6 }] }),
      errorFrame('bad_message', 'x'),
    ];
    const kinds = new Map<string, number>();
    const started = performance.now();
    for (let i = 0; i < 30_000; ++i) {
      let bytes: Uint8Array;
      if (i % 2 === 0) {
        // A valid frame with a few bytes changed, cut or extended.
        const v = valid[r.int(valid.length)]!;
        bytes = v.slice(0, Math.max(0, v.length - r.int(3)) + r.int(3));
        for (let k = r.int(4); k > 0; --k) bytes[r.int(Math.max(1, bytes.length))] = r.int(256);
      } else {
        bytes = new Uint8Array(r.int(64));
        for (let j = 0; j < bytes.length; ++j) bytes[j] = r.int(256);
        if (bytes.length > 0) bytes[0] = [0x10, 0x11, 0x7f, r.int(256)][r.int(4)]!;
      }
      const kind = decodeServerMessage(bytes).kind;
      kinds.set(kind, (kinds.get(kind) ?? 0) + 1);
    }
    expect([...kinds.keys()].sort()).toEqual(['malformed', 'message']);
    // 30,000 frames of at most 64 bytes: far below a second unless something loops.
    expect(performance.now() - started).toBeLessThan(20_000);
  });

  it('the reader throws nothing but WireError, whatever it is asked to read', () => {
    const r = rng(5);
    for (let i = 0; i < 20_000; ++i) {
      const bytes = new Uint8Array(r.int(24));
      for (let j = 0; j < bytes.length; ++j) bytes[j] = r.int(256);
      const reader = new Reader(bytes);
      try {
        for (let k = 0; k < 8; ++k) {
          const op = r.int(6);
          if (op === 0) reader.u8('x');
          else if (op === 1) reader.varint('x');
          else if (op === 2) reader.svarint('x');
          else if (op === 3) reader.string('x');
          else if (op === 4) reader.bytes(r.int(8), 'x');
          else reader.end('x');
        }
      } catch (e) {
        expect(e).toBeInstanceOf(WireError);
      }
    }
  });

  it('the writer refuses what the wire cannot carry', () => {
    expect(() => new Writer().varint(-1)).toThrow(RangeError);
    expect(() => new Writer().varint(1.5)).toThrow(RangeError);
    expect([...new Writer().svarint(-3).finish()]).toEqual(svarint(-3));
  });
});
