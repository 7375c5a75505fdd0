// The console's world map (docs/console.md, "World"): what
// GET /edge/admin/world/map answers, the camera that fits the whole world,
// and the drawing (the player's map's Ctx and camera, world/draw.ts and
// world/input.ts). Pure apart from the context it is given.
import type { Ctx } from '../world/draw.ts';
import { cameraFor, toScreen, type Camera } from '../world/input.ts';

/** GET /edge/admin/world/map (the world's GET /world/map), fixed-point units. */
export interface WorldMap {
  readonly tick: number;
  readonly half: number;
  readonly cellSize: number;
  readonly unitsPerWorldUnit: number;
  readonly shards: number;
  /** x where strip i meets strip i+1, increasing (shards - 1 values). */
  readonly borders: readonly number[];
  /** Per shard. */
  readonly players: readonly number[];
  readonly npcs: readonly number[];
  readonly live: number;
  readonly limit: number;
  readonly stride: number;
  /** [id, kind (0 player, 1 NPC), x, y]: every stride-th live entity, at most limit. */
  readonly entities: readonly (readonly [number, number, number, number])[];
}

export const MAP_COLOURS = { background: '#ffffff', edge: '#57606a', border: '#cf222e', player: '#1a7f37', npc: '#8250df' } as const;

const sum = (v: readonly number[]) => v.reduce((a, b) => a + b, 0);

/** Totals for the caption: players, NPCs, and how many of the live are drawn. */
export function mapCounts(m: WorldMap): { players: number; npcs: number; drawn: number; live: number } {
  return { players: sum(m.players), npcs: sum(m.npcs), drawn: m.entities.length, live: m.live };
}

/** The camera that shows the whole world (and a margin) on a width x height canvas. */
export function fitWorld(m: WorldMap, width: number, height: number): Camera {
  return cameraFor(0, 0, m.half, width, height);
}

/** The shard borders as vertical segments on the canvas, from the world's bottom to its top. */
export function borderSegments(m: WorldMap, c: Camera): { x: number; top: number; bottom: number }[] {
  return m.borders.map((b) => {
    const top = toScreen(c, b, m.half);
    const bottom = toScreen(c, b, -m.half);
    return { x: top.sx, top: top.sy, bottom: bottom.sy };
  });
}

export function drawWorldMap(ctx: Ctx, m: WorldMap, c: Camera): void {
  ctx.fillStyle = MAP_COLOURS.background;
  ctx.fillRect(0, 0, c.width, c.height);
  const tl = toScreen(c, -m.half, m.half);
  ctx.strokeStyle = MAP_COLOURS.edge;
  ctx.lineWidth = 1;
  ctx.strokeRect(tl.sx, tl.sy, 2 * m.half * c.scale, 2 * m.half * c.scale);
  // Entities as 3 px squares: cheap for 2,000, and solid colour for the test's pixel count.
  for (const kind of [1, 0]) {
    ctx.fillStyle = kind === 0 ? MAP_COLOURS.player : MAP_COLOURS.npc;
    for (const [, k, x, y] of m.entities) {
      if (k !== kind) continue;
      const s = toScreen(c, x, y);
      ctx.fillRect(Math.round(s.sx) - 1, Math.round(s.sy) - 1, kind === 0 ? 5 : 3, kind === 0 ? 5 : 3);
    }
  }
  ctx.strokeStyle = MAP_COLOURS.border;
  ctx.lineWidth = 2;
  ctx.beginPath();
  for (const s of borderSegments(m, c)) {
    ctx.moveTo(s.x, s.top);
    ctx.lineTo(s.x, s.bottom);
  }
  ctx.stroke();
}
