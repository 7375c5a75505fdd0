// The client's picture of the world: every entity in view by id with its
// position, rebuilt from the gateway's tick frames exactly as docs/protocol.md
// ("World", "How a client applies a frame") says: a reset forgets everything;
// events apply in order (enter adds, leave removes); each update sets the
// entity's position at this tick, absolute or as a difference from its
// position at the frame's base tick (the newest one held at a tick ≤ base).
// So the model keeps per entity the positions of the last few ticks, and
// forgets those older than the newest at or before the base, since the base
// never decreases. A frame is checked whole before anything changes: a frame
// that cannot be applied leaves the model as it was. Pure: no socket, no clock.
import type { EntityState, TickFrame } from './protocol.ts';

/** At most this many positions are kept per entity, whatever the bases. */
export const HISTORY_LIMIT = 64;

export interface ModelEntity extends EntityState {
  /** The tick of its newest position. */
  readonly tick: number;
}

export type ApplyResult =
  | { readonly kind: 'applied'; readonly tick: number }
  /** Not after the last tick applied (and not a reset): ignored, not acknowledged. */
  | { readonly kind: 'stale'; readonly tick: number }
  /** The stream cannot be followed (a missing base position): the model is unchanged; reconnect. */
  | { readonly kind: 'unusable'; readonly tick: number; readonly error: string };

interface Held {
  readonly entity: EntityState;
  /** (tick, x, y), oldest first. */
  positions: { tick: number; x: number; y: number }[];
}

export class WorldModel {
  private held_ = new Map<number, Held>();
  private tick_: number | null = null;
  private resets_ = 0;

  /** The last tick applied, or null before the first reset. */
  get tick(): number | null {
    return this.tick_;
  }

  /** Resets applied so far. */
  get resets(): number {
    return this.resets_;
  }

  get size(): number {
    return this.held_.size;
  }

  entity(id: number): ModelEntity | null {
    const h = this.held_.get(id);
    if (!h) return null;
    const p = h.positions[h.positions.length - 1]!;
    return { ...h.entity, x: p.x, y: p.y, tick: p.tick };
  }

  /** Every entity held, ids ascending. */
  entities(): ModelEntity[] {
    return [...this.held_.keys()].sort((a, b) => a - b).map((id) => this.entity(id)!);
  }

  apply(f: TickFrame): ApplyResult {
    if (!f.reset) {
      if (this.tick_ === null) return { kind: 'unusable', tick: f.tick, error: 'a frame before any reset' };
      if (f.tick <= this.tick_) return { kind: 'stale', tick: f.tick };
    }
    // Stage the changes over the current state, then commit them all.
    const staged = new Map<number, Held | null>();
    const lookup = (id: number): Held | null => (staged.has(id) ? staged.get(id)! : f.reset ? null : (this.held_.get(id) ?? null));
    for (const e of f.events) {
      if (e.type === 'enter') staged.set(e.entity.id, { entity: e.entity, positions: [{ tick: f.tick, x: e.entity.x, y: e.entity.y }] });
      else if (e.type === 'leave') staged.set(e.id, null);
    }
    const moves: { id: number; x: number; y: number }[] = [];
    for (const u of f.updates) {
      const h = lookup(u.id);
      if (h === null) return { kind: 'unusable', tick: f.tick, error: `an update of entity ${u.id}, which is not in view` };
      if (u.absolute) {
        moves.push({ id: u.id, x: u.x, y: u.y });
        continue;
      }
      const at = newestAtOrBefore(h, f.base);
      if (at === null) return { kind: 'unusable', tick: f.tick, error: `entity ${u.id} has no position at a tick ≤ base ${f.base}` };
      moves.push({ id: u.id, x: at.x + u.x, y: at.y + u.y });
    }

    if (f.reset) {
      this.held_ = new Map();
      this.resets_ += 1;
    }
    for (const [id, h] of staged) {
      if (h === null) this.held_.delete(id);
      else this.held_.set(id, h);
    }
    for (const m of moves) {
      const h = this.held_.get(m.id)!;
      const last = h.positions[h.positions.length - 1]!;
      if (last.tick === f.tick) h.positions[h.positions.length - 1] = { tick: f.tick, x: m.x, y: m.y };
      else h.positions.push({ tick: f.tick, x: m.x, y: m.y });
      // Older than the newest position at or before the base: never needed again.
      let keepFrom = 0;
      for (let i = h.positions.length - 1; i >= 0; --i) {
        if (h.positions[i]!.tick <= f.base) {
          keepFrom = i;
          break;
        }
      }
      keepFrom = Math.max(keepFrom, h.positions.length - HISTORY_LIMIT);
      if (keepFrom > 0) h.positions = h.positions.slice(keepFrom);
    }
    this.tick_ = f.tick;
    return { kind: 'applied', tick: f.tick };
  }
}

function newestAtOrBefore(h: Held, tick: number): { x: number; y: number } | null {
  for (let i = h.positions.length - 1; i >= 0; --i) if (h.positions[i]!.tick <= tick) return h.positions[i]!;
  return null;
}
