import { describe, expect, it } from 'vitest';
import { cameraFor, directionOf, movementKey, toScreen, toWorld, velocityFor } from '../../src/world/input.ts';

describe('world input', () => {
  it('maps arrows and WASD to directions; opposite keys cancel', () => {
    expect(movementKey('ArrowUp')).toBe('ArrowUp');
    expect(movementKey('W')).toBe('w');
    expect(movementKey('x')).toBeNull();
    expect(movementKey('Enter')).toBeNull();
    expect(directionOf([])).toEqual({ dx: 0, dy: 0 });
    expect(directionOf(['ArrowUp'])).toEqual({ dx: 0, dy: 1 });
    expect(directionOf(['a', 'ArrowDown'])).toEqual({ dx: -1, dy: -1 });
    expect(directionOf(['a', 'd'])).toEqual({ dx: 0, dy: 0 });
    expect(directionOf(['ArrowRight', 'd'])).toEqual({ dx: 1, dy: 0 });
  });

  it('gives velocities within the speed limit, diagonals included', () => {
    for (const max of [1, 2, 76, 100, 255]) {
      for (const dx of [-1, 0, 1] as const) {
        for (const dy of [-1, 0, 1] as const) {
          const v = velocityFor({ dx, dy }, max);
          expect(v.vx * v.vx + v.vy * v.vy).toBeLessThanOrEqual(max * max);
          expect(Math.sign(v.vx)).toBe(max > 1 || dy === 0 ? dx : Math.sign(v.vx));
        }
      }
    }
    expect(velocityFor({ dx: 1, dy: 0 }, 76)).toEqual({ vx: 76, vy: 0 });
    expect(velocityFor({ dx: -1, dy: 1 }, 76)).toEqual({ vx: -53, vy: 53 });
  });

  it('the camera fits the area of interest and maps clicks back to the world', () => {
    const c = cameraFor(1000, -2000, 25_600, 400, 300);
    // The radius fits the smaller side.
    expect(25_600 * c.scale * 2).toBeLessThan(300);
    expect(toScreen(c, 1000, -2000)).toEqual({ sx: 200, sy: 150 });
    // y grows upwards on the screen.
    expect(toScreen(c, 1000, -1000).sy).toBeLessThan(150);
    const p = toScreen(c, 5000, 3000);
    expect(toWorld(c, p.sx, p.sy, 1_000_000)).toEqual({ x: 5000, y: 3000 });
    expect(toWorld(c, 0, 0, 100)).toEqual({ x: -100, y: 100 });
  });
});
