// The world protocol's bytes (docs/protocol.md, "World"): every server
// message decoded, every client message encoded. Decoding never throws: a
// frame is a message, or an error with the reason (the reader's WireError,
// caught here). Counts are checked against the bytes left before anything is
// allocated for them, so a hostile count cannot make the page allocate.
import { REJECT_REASONS, type ClientMessage, type EntityState, type EntityUpdate, type ServerMessage, type WorldEvent } from './protocol.ts';
import { Reader, WireError, Writer } from './wire.ts';

export const ServerType = { welcome: 0x10, tick: 0x11, error: 0x7f } as const;
export const ClientType = { command: 0x01, ack: 0x02 } as const;
export const EventType = { enter: 0x01, leave: 0x02, emote: 0x03, rejected: 0x04 } as const;
export const CommandKind = { velocity: 0, moveTo: 1, stop: 2, emote: 3 } as const;

export type DecodeResult = { readonly kind: 'message'; readonly message: ServerMessage } | { readonly kind: 'malformed'; readonly error: string };

/** A count of entries, each at least `minBytes` long, that must fit what is left. */
function count(r: Reader, what: string, minBytes: number): number {
  const n = r.varint(what);
  if (n * minBytes > r.remaining) throw new WireError(`${what} ${n} cannot fit the ${r.remaining} bytes left`);
  return n;
}

function readEvent(r: Reader): WorldEvent {
  const type = r.u8('event type');
  switch (type) {
    case EventType.enter: {
      const id = r.varint('enter id');
      const kind = r.u8('enter kind');
      if (kind > 1) throw new WireError(`enter kind ${kind} is neither 0 (player) nor 1 (NPC)`);
      const x = r.svarint('enter x');
      const y = r.svarint('enter y');
      const key = r.string('enter key');
      const entity: EntityState = { id, kind: kind === 0 ? 'player' : 'npc', x, y, key };
      return { type: 'enter', entity };
    }
    case EventType.leave:
      return { type: 'leave', id: r.varint('leave id') };
    case EventType.emote: {
      const id = r.varint('emote id');
      return { type: 'emote', id, text: r.string('emote text') };
    }
    case EventType.rejected: {
      const seq = r.varint('rejected seq');
      const reason = r.u8('rejected reason');
      return { type: 'rejected', seq, reason: REJECT_REASONS[reason] ?? `reason ${reason}` };
    }
    default:
      throw new WireError(`unknown event type 0x${hex(type)}`);
  }
}

function readTick(r: Reader): ServerMessage {
  const tick = r.varint('tick');
  const flags = r.u8('flags');
  if ((flags & ~1) !== 0) throw new WireError(`tick frame flags 0x${hex(flags)} has unknown bits`);
  const base = r.varint('base');
  if (base >= tick && base !== 0) throw new WireError(`base ${base} is not before tick ${tick}`);
  const events: WorldEvent[] = [];
  for (let n = count(r, 'event count', 2); n > 0; --n) events.push(readEvent(r));
  const updates: EntityUpdate[] = [];
  let id = -1;
  for (let n = count(r, 'update count', 3); n > 0; --n) {
    const head = r.varint('update head');
    const absolute = head % 2 === 1;
    const gap = (head - (absolute ? 1 : 0)) / 2;
    if (updates.length > 0 && gap === 0) throw new WireError(`update ids not ascending (id ${id} twice)`);
    id = updates.length === 0 ? gap : id + gap;
    if (!Number.isSafeInteger(id)) throw new WireError('an update id beyond 2^53');
    const x = r.svarint('update x');
    const y = r.svarint('update y');
    if (!absolute && base === 0) throw new WireError(`a relative update of entity ${id} in a frame without a base`);
    updates.push({ id, absolute, x, y });
  }
  r.end('tick frame');
  return { type: 'tick', tick, reset: (flags & 1) === 1, base, events, updates };
}

function readMessage(r: Reader): ServerMessage {
  const type = r.u8('message type');
  switch (type) {
    case ServerType.welcome: {
      const entity = r.varint('entity');
      const flags = r.u8('flags');
      if ((flags & ~1) !== 0) throw new WireError(`welcome flags 0x${hex(flags)} has unknown bits`);
      const tickHz = r.varint('tick_hz');
      const qPerWorldUnit = r.varint('q_per_world_unit');
      if (tickHz === 0 || qPerWorldUnit === 0) throw new WireError('a welcome with a zero tick rate or unit');
      const half = r.varint('half');
      const radius = r.varint('radius');
      const margin = r.varint('margin');
      const maxSpeed = r.varint('max_speed');
      const key = r.string('key');
      r.end('welcome');
      return { type: 'welcome', entity, resumed: (flags & 1) === 1, tickHz, qPerWorldUnit, half, radius, margin, maxSpeed, key };
    }
    case ServerType.tick:
      return readTick(r);
    case ServerType.error: {
      const code = r.string('error code');
      const message = r.string('error message');
      r.end('error');
      return { type: 'error', code, message };
    }
    default:
      throw new WireError(`unknown message type 0x${hex(type)}`);
  }
}

const hex = (n: number) => n.toString(16).padStart(2, '0');

/** One binary frame from the gateway. Never throws. */
export function decodeServerMessage(bytes: Uint8Array): DecodeResult {
  try {
    return { kind: 'message', message: readMessage(new Reader(bytes)) };
  } catch (e) {
    if (e instanceof WireError) return { kind: 'malformed', error: e.message };
    throw e;
  }
}

/** A client message as its binary frame. */
export function encodeClientMessage(m: ClientMessage): Uint8Array<ArrayBuffer> {
  const w = new Writer();
  switch (m.type) {
    case 'ack':
      w.u8(ClientType.ack).varint(m.tick);
      break;
    case 'command': {
      w.u8(ClientType.command).varint(m.seq);
      const c = m.command;
      switch (c.kind) {
        case 'velocity':
          w.u8(CommandKind.velocity).svarint(c.vx).svarint(c.vy);
          break;
        case 'moveTo':
          w.u8(CommandKind.moveTo).svarint(c.x).svarint(c.y).varint(c.speed);
          break;
        case 'stop':
          w.u8(CommandKind.stop);
          break;
        case 'emote':
          w.u8(CommandKind.emote).string(c.text);
          break;
      }
      break;
    }
  }
  return w.finish();
}
