// The World panel: the world's entities on a canvas (players and NPCs in two
// colours), the shards' borders as lines, the tick and the counts, from
// GET /edge/admin/world/map every REFRESH_MS (docs/console.md, "World").
// Hidden with a note when the edge knows no world.
import { useEffect, useRef, useState } from 'react';
import { AdminError, adminJson } from './admin_api.ts';
import { drawWorldMap, fitWorld, mapCounts, MAP_COLOURS, type WorldMap } from './world_map.ts';

interface Props {
  readonly token: string;
  readonly refreshMs: number;
}

const SIZE = 480; // CSS pixels, square

export function WorldPanel({ token, refreshMs }: Props) {
  const [map, setMap] = useState<WorldMap | null>(null);
  const [error, setError] = useState('');
  const [noWorld, setNoWorld] = useState(false);
  const canvas = useRef<HTMLCanvasElement>(null);

  useEffect(() => {
    let stopped = false;
    let timer = 0;
    const loop = async () => {
      try {
        const m = await adminJson<WorldMap>(token, '/edge/admin/world/map');
        if (stopped) return;
        setMap(m);
        setError('');
        setNoWorld(false);
      } catch (e) {
        if (stopped) return;
        if (e instanceof AdminError && e.status === 404) setNoWorld(true);
        setError(e instanceof Error ? e.message : String(e));
      }
      if (!stopped) timer = window.setTimeout(loop, refreshMs);
    };
    void loop();
    return () => {
      stopped = true;
      window.clearTimeout(timer);
    };
  }, [token, refreshMs]);

  useEffect(() => {
    const el = canvas.current;
    const ctx = el?.getContext('2d');
    if (!el || !ctx || !map) return;
    const dpr = window.devicePixelRatio || 1;
    el.width = Math.round(SIZE * dpr);
    el.height = Math.round(SIZE * dpr);
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    drawWorldMap(ctx, map, fitWorld(map, SIZE, SIZE));
  }, [map]);

  if (noWorld) {
    return (
      <section className="console-card" aria-labelledby="world-title">
        <h2 id="world-title">World</h2>
        <p className="console-muted" data-testid="world-none">
          No world gateway known to this edge (start the edge with --world-url and --world-data-dir).
        </p>
      </section>
    );
  }
  const counts = map ? mapCounts(map) : null;
  return (
    <section className="console-card" aria-labelledby="world-title">
      <h2 id="world-title">World</h2>
      {error && (
        <p className="console-error" role="alert">
          {error}
        </p>
      )}
      {map && counts ? (
        <>
          <p
            className="console-muted"
            data-testid="world-counts"
            data-tick={map.tick}
            data-players={counts.players}
            data-npcs={counts.npcs}
            data-drawn={counts.drawn}
            data-borders={map.borders.length}
          >
            tick {map.tick} · <span style={{ color: MAP_COLOURS.player }}>■</span> {counts.players} players ·{' '}
            <span style={{ color: MAP_COLOURS.npc }}>■</span> {counts.npcs} NPCs · {map.shards} shards (
            <span style={{ color: MAP_COLOURS.border }}>|</span> borders) · drawn {counts.drawn} of {counts.live}
            {map.stride > 1 ? ` (1 in ${map.stride}, by id)` : ''}
          </p>
          <canvas
            ref={canvas}
            data-testid="world-map"
            style={{ width: SIZE, height: SIZE }}
            role="img"
            aria-label={`World map at tick ${map.tick}: ${counts.players} players and ${counts.npcs} NPCs in ${map.shards} shards`}
          />
          <p className="console-muted">
            Players per shard: {map.players.join(' / ')}; NPCs per shard: {map.npcs.join(' / ')}.
          </p>
        </>
      ) : (
        !error && <p className="console-muted">loading...</p>
      )}
    </section>
  );
}
