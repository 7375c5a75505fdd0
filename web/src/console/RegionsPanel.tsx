// The regions table: health as the edge sees it (status, heartbeat age,
// probe RTT, circuit breaker, load) and what each region's own metrics say
// is live there (sessions with players, WebSocket connections).
import type { RegionRow } from './admin_api.ts';
import type { Monitor } from './monitor.ts';

function age(ms: number | null): string {
  if (ms === null) return 'static';
  return ms < 10_000 ? `${(ms / 1000).toFixed(1)} s` : `${Math.round(ms / 1000)} s`;
}

function gauge(v: number | null): string {
  return v === null ? '-' : String(v);
}

export function RegionsPanel({ regions, monitor }: { regions: readonly RegionRow[]; monitor: Monitor }) {
  return (
    <section className="console-card" aria-labelledby="regions-title">
      <h2 id="regions-title">Regions</h2>
      <table data-testid="regions-table">
        <thead>
          <tr>
            <th>Region</th>
            <th>Status</th>
            <th>Heartbeat age</th>
            <th>RTT</th>
            <th>Breaker</th>
            <th>Load (in flight / proxied)</th>
            <th>Live sessions</th>
            <th>WebSockets</th>
          </tr>
        </thead>
        <tbody>
          {regions.map((r) => (
            <tr key={r.region} data-region={r.region} data-status={r.status}>
              <td>{r.region}</td>
              <td className={r.status === 'up' ? 'console-up' : 'console-down'}>
                {r.status}
                {r.heartbeat === 'missed' ? ' (heartbeat missed)' : ''}
                {!r.probe_ok ? ' (probe failing)' : ''}
              </td>
              <td>{age(r.heartbeat_age_ms)}</td>
              <td>{r.rtt_ms.toFixed(1)} ms</td>
              <td>{r.breaker}</td>
              <td>
                {r.load.inflight} / {r.load.proxied_total}
              </td>
              <td>{gauge(monitor.latest(`live:${r.region}`))}</td>
              <td>{gauge(monitor.latest(`ws:${r.region}`))}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
