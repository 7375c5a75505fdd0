// A server side written from docs/protocol.md ("World"), not from the client's
// codec: it encodes welcomes, tick frames and errors, and reads client
// messages, so that the tests check the client against the document.
export type DocEvent =
  | { t: 'enter'; id: number; kind: 0 | 1; x: number; y: number; key: string }
  | { t: 'leave'; id: number }
  | { t: 'emote'; id: number; text: string }
  | { t: 'rejected'; seq: number; reason: number };

export function varint(v: bigint | number): number[] {
  let n = BigInt(v);
  const out: number[] = [];
  do {
    const low = Number(n & 0x7fn);
    n >>= 7n;
    out.push(n > 0n ? low | 0x80 : low);
  } while (n > 0n);
  return out;
}

/** (n << 1) ^ (n >> 63) on 64 bits. */
export function svarint(v: number): number[] {
  const n = BigInt.asIntN(64, BigInt(v));
  return varint(BigInt.asUintN(64, (n << 1n) ^ (n >> 63n)));
}

export function str(s: string): number[] {
  const b = [...new TextEncoder().encode(s)];
  return [...varint(b.length), ...b];
}

export function welcome(w: { entity: number; resumed: boolean; tickHz: number; q: number; half: number; radius: number; margin: number; maxSpeed: number; key: string }): Uint8Array {
  return new Uint8Array([
    0x10, ...varint(w.entity), w.resumed ? 1 : 0, ...varint(w.tickHz), ...varint(w.q), ...varint(w.half), ...varint(w.radius), ...varint(w.margin), ...varint(w.maxSpeed), ...str(w.key),
  ]);
}

export function event(e: DocEvent): number[] {
  switch (e.t) {
    case 'enter':
      return [0x01, ...varint(e.id), e.kind, ...svarint(e.x), ...svarint(e.y), ...str(e.key)];
    case 'leave':
      return [0x02, ...varint(e.id)];
    case 'emote':
      return [0x03, ...varint(e.id), ...str(e.text)];
    case 'rejected':
      return [0x04, ...varint(e.seq), e.reason];
  }
}

/** updates: ids ascending; each head is (gap << 1) | absolute. */
export function tickFrame(f: { tick: number; reset: boolean; base: number; events: DocEvent[]; updates: { id: number; absolute: boolean; x: number; y: number }[] }): Uint8Array {
  const out = [0x11, ...varint(f.tick), f.reset ? 1 : 0, ...varint(f.base), ...varint(f.events.length)];
  for (const e of f.events) out.push(...event(e));
  out.push(...varint(f.updates.length));
  let prev = 0;
  f.updates.forEach((u, i) => {
    const gap = i === 0 ? u.id : u.id - prev;
    prev = u.id;
    out.push(...varint(gap * 2 + (u.absolute ? 1 : 0)), ...svarint(u.x), ...svarint(u.y));
  });
  return new Uint8Array(out);
}

export function errorFrame(code: string, message: string): Uint8Array {
  return new Uint8Array([0x7f, ...str(code), ...str(message)]);
}

/** A client message read as the document lays it out. */
export function readClient(bytes: Uint8Array): Record<string, unknown> {
  let at = 0;
  const u8 = () => {
    if (at >= bytes.length) throw new Error('client message cut short');
    return bytes[at++]!;
  };
  const uv = () => {
    let v = 0n;
    let shift = 0n;
    for (;;) {
      const b = u8();
      v |= BigInt(b & 0x7f) << shift;
      if ((b & 0x80) === 0) return Number(v);
      shift += 7n;
    }
  };
  const sv = () => {
    const z = BigInt(uv());
    return Number((z >> 1n) ^ -(z & 1n));
  };
  const type = u8();
  let m: Record<string, unknown>;
  if (type === 0x02) m = { type: 'ack', tick: uv() };
  else if (type === 0x01) {
    const seq = uv();
    const kind = u8();
    if (kind === 0) m = { type: 'command', seq, kind: 'velocity', vx: sv(), vy: sv() };
    else if (kind === 1) m = { type: 'command', seq, kind: 'moveTo', x: sv(), y: sv(), speed: uv() };
    else if (kind === 2) m = { type: 'command', seq, kind: 'stop' };
    else if (kind === 3) {
      const n = uv();
      m = { type: 'command', seq, kind: 'emote', text: new TextDecoder().decode(bytes.subarray(at, at + n)) };
      at += n;
    } else throw new Error(`unknown command kind ${kind}`);
  } else throw new Error(`unknown client message type ${type}`);
  if (at !== bytes.length) throw new Error(`${bytes.length - at} bytes after the client message`);
  return m;
}

export const hex = (s: string) => new Uint8Array(s.trim().split(/\s+/).map((b) => parseInt(b, 16)));
