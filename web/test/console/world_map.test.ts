import { describe, expect, it } from 'vitest';
import { borderSegments, fitWorld, mapCounts, type WorldMap } from '../../src/console/world_map.ts';

const map: WorldMap = {
  tick: 7,
  half: 1000,
  cellSize: 100,
  unitsPerWorldUnit: 256,
  shards: 3,
  borders: [-400, 300],
  players: [1, 0, 2],
  npcs: [10, 20, 30],
  live: 63,
  limit: 2000,
  stride: 1,
  entities: [
    [0, 0, -500, 0],
    [1, 1, 400, 100],
  ],
};

describe('world map', () => {
  it('counts players and NPCs over the shards', () => {
    expect(mapCounts(map)).toEqual({ players: 3, npcs: 60, drawn: 2, live: 63 });
  });

  it('fits the whole world with its margin, centred', () => {
    const c = fitWorld(map, 460, 460);
    expect(c.cx).toBe(0);
    expect(c.cy).toBe(0);
    expect(2 * map.half * c.scale).toBeCloseTo(460 / 1.15);
  });

  it('puts the borders where their x is, from the world top to its bottom', () => {
    const c = fitWorld(map, 460, 460);
    const segs = borderSegments(map, c);
    expect(segs).toHaveLength(2);
    expect(segs[0]!.x).toBeCloseTo(230 - 400 * c.scale);
    expect(segs[1]!.x).toBeCloseTo(230 + 300 * c.scale);
    for (const s of segs) {
      expect(s.top).toBeCloseTo(230 - 1000 * c.scale);
      expect(s.bottom).toBeCloseTo(230 + 1000 * c.scale);
    }
  });
});
