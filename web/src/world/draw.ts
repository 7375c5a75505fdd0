// Draws the map on a 2D canvas: the world's edge, a grid every 8 world
// units, your area-of-interest circle, the entities in view (players with
// their names), yourself, and the point you are walking to. Pure apart from
// the context it is given: the same view draws the same picture.
import { toScreen, type Camera } from './input.ts';

export interface MapEntity {
  readonly id: number;
  readonly x: number;
  readonly y: number;
  /** A player's name; null for an NPC. */
  readonly name: string | null;
}

export interface MapView {
  readonly camera: Camera;
  /** Half the world's side (the camera's unit, q on the page). */
  readonly half: number;
  /** Area-of-interest radius (same unit). */
  readonly radius: number;
  /** Entity radius (same unit). */
  readonly entityRadius: number;
  /** Units per world unit (32 for q). */
  readonly unitsPerWorldUnit: number;
  readonly self: MapEntity | null;
  readonly others: readonly MapEntity[];
  readonly target: { readonly x: number; readonly y: number } | null;
}

/** The colours of the page's theme (read from CSS variables by the caller). */
export interface Palette {
  readonly background: string;
  readonly grid: string;
  readonly edge: string;
  readonly aoi: string;
  readonly self: string;
  readonly player: string;
  readonly npc: string;
  readonly text: string;
}

/** The part of CanvasRenderingContext2D used here. */
export type Ctx = Pick<
  CanvasRenderingContext2D,
  | 'fillStyle'
  | 'strokeStyle'
  | 'lineWidth'
  | 'font'
  | 'textAlign'
  | 'textBaseline'
  | 'fillRect'
  | 'strokeRect'
  | 'beginPath'
  | 'arc'
  | 'moveTo'
  | 'lineTo'
  | 'stroke'
  | 'fill'
  | 'fillText'
  | 'setLineDash'
>;

export function drawMap(ctx: Ctx, v: MapView, p: Palette): void {
  const c = v.camera;
  ctx.fillStyle = p.background;
  ctx.fillRect(0, 0, c.width, c.height);

  // Grid lines every 8 world units within the visible part of the world.
  const step = 8 * v.unitsPerWorldUnit;
  const left = Math.max(-v.half, c.cx - c.width / 2 / c.scale);
  const right = Math.min(v.half, c.cx + c.width / 2 / c.scale);
  const bottom = Math.max(-v.half, c.cy - c.height / 2 / c.scale);
  const top = Math.min(v.half, c.cy + c.height / 2 / c.scale);
  ctx.strokeStyle = p.grid;
  ctx.lineWidth = 1;
  ctx.beginPath();
  for (let x = Math.ceil(left / step) * step; x <= right; x += step) {
    const a = toScreen(c, x, bottom);
    const b = toScreen(c, x, top);
    ctx.moveTo(a.sx, a.sy);
    ctx.lineTo(b.sx, b.sy);
  }
  for (let y = Math.ceil(bottom / step) * step; y <= top; y += step) {
    const a = toScreen(c, left, y);
    const b = toScreen(c, right, y);
    ctx.moveTo(a.sx, a.sy);
    ctx.lineTo(b.sx, b.sy);
  }
  ctx.stroke();

  // The world's edge.
  const tl = toScreen(c, -v.half, v.half);
  ctx.strokeStyle = p.edge;
  ctx.lineWidth = 2;
  ctx.strokeRect(tl.sx, tl.sy, 2 * v.half * c.scale, 2 * v.half * c.scale);

  const r = Math.max(4, v.entityRadius * c.scale);
  ctx.font = '12px system-ui, sans-serif';
  ctx.textAlign = 'center';
  ctx.textBaseline = 'bottom';
  for (const e of v.others) {
    const s = toScreen(c, e.x, e.y);
    ctx.fillStyle = e.name === null ? p.npc : p.player;
    ctx.beginPath();
    ctx.arc(s.sx, s.sy, r, 0, 2 * Math.PI);
    ctx.fill();
    if (e.name !== null) {
      ctx.fillStyle = p.text;
      ctx.fillText(e.name, s.sx, s.sy - r - 2);
    }
  }

  if (v.self !== null) {
    const s = toScreen(c, v.self.x, v.self.y);
    ctx.strokeStyle = p.aoi;
    ctx.lineWidth = 1.5;
    ctx.setLineDash([6, 4]);
    ctx.beginPath();
    ctx.arc(s.sx, s.sy, v.radius * c.scale, 0, 2 * Math.PI);
    ctx.stroke();
    ctx.setLineDash([]);
    if (v.target !== null) {
      const t = toScreen(c, v.target.x, v.target.y);
      ctx.strokeStyle = p.self;
      ctx.beginPath();
      ctx.moveTo(t.sx - 5, t.sy - 5);
      ctx.lineTo(t.sx + 5, t.sy + 5);
      ctx.moveTo(t.sx + 5, t.sy - 5);
      ctx.lineTo(t.sx - 5, t.sy + 5);
      ctx.stroke();
    }
    ctx.fillStyle = p.self;
    ctx.beginPath();
    ctx.arc(s.sx, s.sy, r + 1, 0, 2 * Math.PI);
    ctx.fill();
    ctx.fillStyle = p.text;
    ctx.fillText(v.self.name ?? 'you', s.sx, s.sy - r - 3);
  }
}
