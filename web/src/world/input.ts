// What the player's keys and clicks ask for, as world commands, without the
// DOM: the arrows and WASD held down give a direction, the direction a
// velocity at the world's top speed; a click on the map a move-to target.
// World y grows upwards (north), as the map draws it.

/** A held-keys set → the unit direction it names (each axis −1, 0 or 1). */
export interface Direction {
  readonly dx: -1 | 0 | 1;
  readonly dy: -1 | 0 | 1;
}

const KEY_AXES: Readonly<Record<string, Direction>> = {
  ArrowUp: { dx: 0, dy: 1 },
  ArrowDown: { dx: 0, dy: -1 },
  ArrowLeft: { dx: -1, dy: 0 },
  ArrowRight: { dx: 1, dy: 0 },
  w: { dx: 0, dy: 1 },
  s: { dx: 0, dy: -1 },
  a: { dx: -1, dy: 0 },
  d: { dx: 1, dy: 0 },
};

/** The movement key a KeyboardEvent.key names (WASD in either case), or null. */
export function movementKey(key: string): string | null {
  if (key in KEY_AXES) return key;
  const lower = key.toLowerCase();
  return lower.length === 1 && lower in KEY_AXES ? lower : null;
}

const sign = (n: number): -1 | 0 | 1 => (n > 0 ? 1 : n < 0 ? -1 : 0);

/** The direction of the held movement keys; opposite keys cancel. */
export function directionOf(held: Iterable<string>): Direction {
  let x = 0;
  let y = 0;
  for (const k of new Set(held)) {
    const d = KEY_AXES[k];
    if (d) {
      x += d.dx;
      y += d.dy;
    }
  }
  return { dx: sign(x), dy: sign(y) };
}

/**
 * The velocity (fixed-point units per tick) for a direction at `maxSpeed`:
 * each axis truncated so that vx² + vy² ≤ maxSpeed², the world's limit
 * (docs/world.md, `too_fast`). Diagonals are as fast as straight lines.
 */
export function velocityFor(d: Direction, maxSpeed: number): { vx: number; vy: number } {
  if (d.dx !== 0 && d.dy !== 0) {
    const each = Math.floor(maxSpeed / Math.SQRT2);
    return { vx: d.dx * each, vy: d.dy * each };
  }
  return { vx: d.dx * maxSpeed, vy: d.dy * maxSpeed };
}

/** How world coordinates (q, or any unit) map to the canvas (CSS pixels). */
export interface Camera {
  /** The world point at the centre of the canvas. */
  readonly cx: number;
  readonly cy: number;
  /** CSS pixels per unit. */
  readonly scale: number;
  readonly width: number;
  readonly height: number;
}

/**
 * A camera centred on (cx, cy) that shows a circle of `radius` units with
 * room around it (the area of interest fits the smaller side of the canvas).
 */
export function cameraFor(cx: number, cy: number, radius: number, width: number, height: number): Camera {
  const scale = Math.min(width, height) / 2 / (Math.max(1, radius) * 1.15);
  return { cx, cy, scale, width, height };
}

export function toScreen(c: Camera, x: number, y: number): { sx: number; sy: number } {
  return { sx: c.width / 2 + (x - c.cx) * c.scale, sy: c.height / 2 - (y - c.cy) * c.scale };
}

/** The world point under a canvas point, rounded to whole units and clamped to [−half, half]². */
export function toWorld(c: Camera, sx: number, sy: number, half: number): { x: number; y: number } {
  const clamp = (v: number) => Math.max(-half, Math.min(half, Math.round(v)));
  return { x: clamp(c.cx + (sx - c.width / 2) / c.scale), y: clamp(c.cy - (sy - c.height / 2) / c.scale) };
}
