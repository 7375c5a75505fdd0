// The binary subprotocol `metronome.v1.bin` (docs/protocol.md, "Binary
// encoding"): a one-byte message type, then little-endian integers in fixed
// layouts for the frequent messages, or a UTF-8 JSON document after 0x7F for
// the rest (session_joined, kicked, stopped, error; the client's join and
// leave).
//
// `i64` fields are read with DataView.getBigInt64, which returns a BigInt:
// each is checked to be a safe integer before it becomes a number, so a value
// the page cannot hold exactly is a malformed frame, never a rounded one.
// Decoding never throws: a frame is a message, or malformed with a reason.
import { decodeJsonFrame, type ClientMessage, type FrameResult, type ServerMessage } from './protocol.ts';

/** Message types (the first byte). */
export const Bin = {
  tick: 0x01,
  countdown: 0x02,
  ping: 0x03,
  pong: 0x04,
  latencyStatus: 0x05,
  clientPing: 0x11,
  clientPong: 0x12,
  json: 0x7f,
} as const;

/** Frame sizes, type byte included. */
const SIZE: Readonly<Record<number, number>> = {
  [Bin.tick]: 34,
  [Bin.countdown]: 17,
  [Bin.ping]: 13,
  [Bin.pong]: 17,
  [Bin.latencyStatus]: 10,
};

const NAME: Readonly<Record<number, string>> = {
  [Bin.tick]: 'tick',
  [Bin.countdown]: 'countdown',
  [Bin.ping]: 'ping',
  [Bin.pong]: 'pong',
  [Bin.latencyStatus]: 'latency_status',
};

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);
const utf8Decoder = new TextDecoder('utf-8', { fatal: true });
const utf8Encoder = new TextEncoder();

class Malformed extends Error {}

/** The i64 at `at` as an exact number. */
function i64(view: DataView, at: number, field: string): number {
  const v = view.getBigInt64(at, true);
  if (v > MAX_SAFE || v < -MAX_SAFE) throw new Malformed(`${field} ${v} is beyond 2^53`);
  return Number(v);
}

function nonNegative(n: number, field: string): number {
  if (n < 0) throw new Malformed(`${field} ${n} is negative`);
  return n;
}

function readFixed(type: number, view: DataView): ServerMessage {
  switch (type) {
    case Bin.tick: {
      const flags = view.getUint8(1);
      if ((flags & ~1) !== 0) throw new Malformed(`tick flags 0x${flags.toString(16)} has unknown bits`);
      return {
        type: 'tick',
        broken: (flags & 1) === 1,
        step: nonNegative(i64(view, 2, 'step'), 'step'),
        value: nonNegative(i64(view, 10, 'value'), 'value'),
        round: nonNegative(i64(view, 18, 'round'), 'round'),
        serverTimestamp: i64(view, 26, 'serverTimestamp'),
      };
    }
    case Bin.countdown:
      return { type: 'countdown', remainingMs: i64(view, 1, 'remainingMs'), serverTimestamp: i64(view, 9, 'serverTimestamp') };
    case Bin.ping:
      return { type: 'ping', seq: view.getUint32(1, true), serverTimestamp: i64(view, 5, 'serverTimestamp') };
    case Bin.pong:
      return { type: 'pong', clientTimestamp: i64(view, 1, 'clientTimestamp'), serverTimestamp: i64(view, 9, 'serverTimestamp') };
    case Bin.latencyStatus: {
      const status = view.getUint8(1);
      if (status > 1) throw new Malformed(`latency status ${status} is neither 0 (ok) nor 1 (warning)`);
      return {
        type: 'latency_status',
        status: status === 1 ? 'warning' : 'ok',
        rttMs: view.getUint32(2, true) / 1000,
        jitterMs: view.getUint32(6, true) / 1000,
      };
    }
    default:
      throw new Malformed(`unknown binary message type 0x${type.toString(16).padStart(2, '0')}`);
  }
}

/** One binary frame from the server. Never throws. */
export function decodeBinaryFrame(data: ArrayBuffer | ArrayBufferView): FrameResult {
  const bytes = ArrayBuffer.isView(data) ? new Uint8Array(data.buffer, data.byteOffset, data.byteLength) : new Uint8Array(data);
  if (bytes.length === 0) return { kind: 'malformed', error: 'an empty binary frame' };
  const type = bytes[0]!;
  if (type === Bin.json) {
    let text: string;
    try {
      text = utf8Decoder.decode(bytes.subarray(1));
    } catch {
      return { kind: 'malformed', error: 'a binary JSON document that is not UTF-8' };
    }
    return decodeJsonFrame(text);
  }
  try {
    const size = SIZE[type];
    if (size === undefined) return { kind: 'malformed', error: `unknown binary message type 0x${type.toString(16).padStart(2, '0')}` };
    if (bytes.length !== size) return { kind: 'malformed', error: `a binary ${NAME[type]} is ${size} bytes, this one ${bytes.length}` };
    return { kind: 'message', message: readFixed(type, new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)) };
  } catch (e) {
    return { kind: 'malformed', error: `a binary frame: ${e instanceof Malformed ? e.message : String(e)}` };
  }
}

/** A client message as a binary frame: ping and pong in fixed layouts, join and leave as JSON after 0x7F. */
export function encodeBinaryClient(m: ClientMessage): Uint8Array<ArrayBuffer> {
  switch (m.action) {
    case 'ping': {
      const out = new Uint8Array(9);
      const view = new DataView(out.buffer);
      out[0] = Bin.clientPing;
      view.setBigInt64(1, BigInt(Math.trunc(m.clientTimestamp)), true);
      return out;
    }
    case 'pong': {
      const out = new Uint8Array(13);
      const view = new DataView(out.buffer);
      out[0] = Bin.clientPong;
      view.setUint32(1, m.seq >>> 0, true);
      view.setBigInt64(5, BigInt(Math.trunc(m.serverTimestamp)), true);
      return out;
    }
    default: {
      const json = utf8Encoder.encode(JSON.stringify(m));
      const out = new Uint8Array(json.length + 1);
      out[0] = Bin.json;
      out.set(json, 1);
      return out;
    }
  }
}
