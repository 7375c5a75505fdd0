// The world gateway's messages (docs/protocol.md, "World"), decoded. The
// codec (codec.ts) turns frames into these and back; the model and the
// connection see only these types. Positions are in q, the wire's unit
// (1/32 world unit, `qPerWorldUnit` of the welcome); command velocities and
// targets are in the world's fixed-point units (256 per world unit).

export const WORLD_SUBPROTOCOL = 'metronome.world.v1';

/** Close codes (docs/protocol.md, "World", "Close codes"). */
export const WorldClose = {
  normal: 1000,
  goingAway: 1001,
  abnormal: 1006,
  unsupportedData: 1003,
  tooBig: 1009,
  slowConsumer: 4002,
  replaced: 4005,
  badMessage: 4101,
  rateLimited: 4102,
  worldFull: 4103,
} as const;

/** The world's reject reasons by their u8 (docs/protocol.md, "Reject reasons"). */
export const REJECT_REASONS: readonly string[] = [
  'wrong_tick',
  'unknown_player',
  'unknown_entity',
  'not_owner',
  'stale_sequence',
  'too_many',
  'too_fast',
  'outside_world',
  'bad_emote',
];

export interface EntityState {
  readonly id: number;
  readonly kind: 'player' | 'npc';
  /** Position in q. */
  readonly x: number;
  readonly y: number;
  /** A player's key (its token's `sub`); '' for an NPC. */
  readonly key: string;
}

export type WorldEvent =
  | { readonly type: 'enter'; readonly entity: EntityState }
  | { readonly type: 'leave'; readonly id: number }
  | { readonly type: 'emote'; readonly id: number; readonly text: string }
  | { readonly type: 'rejected'; readonly seq: number; readonly reason: string };

/** A position update: absolute (q), or the difference from the entity's position at the frame's base. */
export interface EntityUpdate {
  readonly id: number;
  readonly absolute: boolean;
  readonly x: number;
  readonly y: number;
}

/** One tick's view for this client (type 0x11). */
export interface TickFrame {
  readonly type: 'tick';
  readonly tick: number;
  /** Forget every entity before applying the events. */
  readonly reset: boolean;
  /** The tick relative updates are against; 0 for none. */
  readonly base: number;
  readonly events: readonly WorldEvent[];
  /** Ids ascending. */
  readonly updates: readonly EntityUpdate[];
}

/** The first message of a connection (type 0x10). */
export interface Welcome {
  readonly type: 'welcome';
  /** Your entity. */
  readonly entity: number;
  /** The entity kept from an earlier connection (within the grace period). */
  readonly resumed: boolean;
  readonly tickHz: number;
  readonly qPerWorldUnit: number;
  /** The world is [−half, half]² (q). */
  readonly half: number;
  /** Area of interest (q). */
  readonly radius: number;
  readonly margin: number;
  /** Fixed-point units per tick. */
  readonly maxSpeed: number;
  /** Your `sub`. */
  readonly key: string;
}

export type ServerMessage = Welcome | TickFrame | { readonly type: 'error'; readonly code: string; readonly message: string };

export type Command =
  | { readonly kind: 'velocity'; readonly vx: number; readonly vy: number }
  | { readonly kind: 'moveTo'; readonly x: number; readonly y: number; readonly speed: number }
  | { readonly kind: 'stop' }
  | { readonly kind: 'emote'; readonly text: string };

export type ClientMessage =
  | { readonly type: 'command'; readonly seq: number; readonly command: Command }
  | { readonly type: 'ack'; readonly tick: number };
