import { describe, expect, it } from 'vitest';
import { drawMap, type Ctx, type Palette } from '../../src/world/draw.ts';
import { cameraFor } from '../../src/world/input.ts';

/** A context that records the calls that matter: arcs (with the stroke or fill that follows) and text. */
function recorder() {
  const calls: string[] = [];
  let path: string[] = [];
  const ctx = {
    fillStyle: '', strokeStyle: '', lineWidth: 1, font: '', textAlign: 'start', textBaseline: 'alphabetic',
    fillRect: () => {}, strokeRect: (x: number, y: number, w: number) => calls.push(`edge ${x.toFixed(0)},${y.toFixed(0)} ${w.toFixed(0)}`),
    beginPath: () => (path = []), moveTo: () => {}, lineTo: () => {}, setLineDash: () => {},
    arc: (x: number, y: number, r: number) => path.push(`arc ${x.toFixed(0)},${y.toFixed(0)} r${r.toFixed(0)}`),
    stroke() { for (const p of path) calls.push(`${p} stroke ${this.strokeStyle}`); },
    fill() { for (const p of path) calls.push(`${p} fill ${this.fillStyle}`); },
    fillText(text: string, x: number, y: number) { calls.push(`text ${text} ${x.toFixed(0)},${y.toFixed(0)}`); },
  };
  return { ctx: ctx as unknown as Ctx, calls };
}

const P: Palette = { background: 'bg', grid: 'grid', edge: 'edge', aoi: 'aoi', self: 'self', player: 'player', npc: 'npc', text: 'text' };

describe('drawMap', () => {
  it('draws you, your area of interest, players with names and NPCs without', () => {
    const { ctx, calls } = recorder();
    // 400 × 400 px around (0, 0); radius 3,200 q fits 200 px / 1.15.
    const camera = cameraFor(0, 0, 3_200, 400, 400);
    drawMap(ctx, {
      camera, half: 32_000, radius: 3_200, entityRadius: 16, unitsPerWorldUnit: 32,
      self: { id: 4, x: 0, y: 0, name: 'ann' },
      others: [{ id: 7, x: 1_600, y: 0, name: 'bob' }, { id: 30, x: 0, y: -1_600, name: null }],
      target: null,
    }, P);
    const r = (3_200 * camera.scale).toFixed(0);
    expect(calls).toContain(`arc 200,200 r${r} stroke aoi`);
    expect(calls.some((c) => /^arc 200,200 r\d+ fill self$/.test(c))).toBe(true);
    expect(calls.some((c) => /^arc 287,200 r\d+ fill player$/.test(c))).toBe(true);
    expect(calls.some((c) => /^arc 200,287 r\d+ fill npc$/.test(c))).toBe(true);
    expect(calls.filter((c) => c.startsWith('text'))).toEqual([expect.stringMatching(/^text bob 287,/), expect.stringMatching(/^text ann 200,/)]);
    // The world's edge is far outside this view.
    expect(calls.find((c) => c.startsWith('edge'))).toMatch(/^edge -\d+,-\d+ \d+$/);
  });

  it('without you, no area of interest is drawn', () => {
    const { ctx, calls } = recorder();
    drawMap(ctx, { camera: cameraFor(0, 0, 100, 100, 100), half: 50, radius: 100, entityRadius: 1, unitsPerWorldUnit: 32, self: null, others: [], target: null }, P);
    expect(calls.filter((c) => c.includes('aoi'))).toEqual([]);
  });
});
