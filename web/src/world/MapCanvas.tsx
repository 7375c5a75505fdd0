// The map: a canvas redrawn on every animation frame from the controller's
// snapshot, centred on your entity; a click walks there (move-to). Its text
// alternative is the list of entities beside it (WorldScreen). Drawn in q,
// the wire's unit; a click's target is sent in fixed-point units.
import { useEffect, useRef, type MouseEvent } from 'react';
import type { WorldController } from './controller.ts';
import type { ModelEntity } from './model.ts';
import { drawMap, type Palette } from './draw.ts';
import { cameraFor, toWorld } from './input.ts';

/** The world's fixed-point units per world unit (docs/world.md); the wire's q are qPerWorldUnit per world unit. */
const FIXED_PER_WORLD_UNIT = 256;

function palette(el: Element): Palette {
  const css = getComputedStyle(el);
  const v = (name: string, fallback: string) => css.getPropertyValue(name).trim() || fallback;
  return {
    background: v('--card', '#fff'),
    grid: v('--line', '#d0d7de'),
    edge: v('--muted', '#57606a'),
    aoi: v('--accent', '#0b5cad'),
    self: v('--accent', '#0b5cad'),
    player: v('--ok', '#1a7f37'),
    npc: v('--muted', '#57606a'),
    text: v('--fg', '#1b1f24'),
  };
}

interface Props {
  readonly controller: WorldController;
  readonly label: string;
}

export function MapCanvas({ controller, label }: Props) {
  const ref = useRef<HTMLCanvasElement>(null);

  useEffect(() => {
    const canvas = ref.current;
    const ctx = canvas?.getContext('2d');
    if (!canvas || !ctx) return;
    let frame = 0;
    const colours = palette(canvas);
    const draw = () => {
      frame = requestAnimationFrame(draw);
      const s = controller.snapshot();
      const w = s.welcome;
      const dpr = window.devicePixelRatio || 1;
      const width = canvas.clientWidth;
      const height = canvas.clientHeight;
      if (canvas.width !== Math.round(width * dpr) || canvas.height !== Math.round(height * dpr)) {
        canvas.width = Math.round(width * dpr);
        canvas.height = Math.round(height * dpr);
      }
      ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
      const q = w?.qPerWorldUnit ?? 32;
      const radius = w?.radius ?? 100 * q;
      const camera = cameraFor(s.self?.x ?? 0, s.self?.y ?? 0, radius, width, height);
      const named = (e: ModelEntity) => ({ id: e.id, x: e.x, y: e.y, name: e.key === '' ? null : e.key });
      drawMap(
        ctx,
        {
          camera,
          half: w?.half ?? 1000 * q,
          radius,
          entityRadius: q / 2,
          unitsPerWorldUnit: q,
          self: s.self === null ? null : named(s.self),
          others: s.others.map(named),
          target: s.target === null ? null : { x: (s.target.x * q) / FIXED_PER_WORLD_UNIT, y: (s.target.y * q) / FIXED_PER_WORLD_UNIT },
        },
        colours,
      );
    };
    frame = requestAnimationFrame(draw);
    return () => cancelAnimationFrame(frame);
  }, [controller]);

  const click = (ev: MouseEvent<HTMLCanvasElement>) => {
    const canvas = ev.currentTarget;
    const s = controller.snapshot();
    const w = s.welcome;
    if (!w || !s.self) return;
    const rect = canvas.getBoundingClientRect();
    const camera = cameraFor(s.self.x, s.self.y, w.radius, canvas.clientWidth, canvas.clientHeight);
    const to = toWorld(camera, ev.clientX - rect.left, ev.clientY - rect.top, w.half);
    const fixed = (v: number) => Math.round((v * FIXED_PER_WORLD_UNIT) / w.qPerWorldUnit);
    controller.command({ kind: 'moveTo', x: fixed(to.x), y: fixed(to.y), speed: w.maxSpeed });
  };

  return <canvas ref={ref} className="world-map" role="img" aria-label={label} data-testid="world-map" onClick={click} />;
}
