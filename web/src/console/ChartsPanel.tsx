// The charts, from the Monitor's series (monitor.ts says where each comes from).
import { BarChart, LineChart } from './LineChart.tsx';
import type { Monitor } from './monitor.ts';

interface Props {
  readonly monitor: Monitor;
  readonly regions: readonly string[];
  readonly hasWorld: boolean;
  readonly now: number;
}

export function ChartsPanel({ monitor, regions, hasWorld, now }: Props) {
  const per = (prefix: string) => regions.map((r) => ({ label: r, series: monitor.get(`${prefix}:${r}`) }));
  return (
    <section className="console-card" aria-labelledby="charts-title">
      <h2 id="charts-title">Charts</h2>
      <div className="console-charts">
        <LineChart title="Requests per second, by region (edge)" unit="req/s" lines={per('rps')} testId="chart-rps" now={now} />
        <LineChart
          title="Latency percentiles, by region (edge to region)"
          unit="ms"
          lines={regions.flatMap((r) => ['p50', 'p95', 'p99'].map((p) => ({ label: `${r} ${p}`, series: monitor.get(`${p}:${r}`) })))}
          testId="chart-latency"
          now={now}
        />
        <LineChart title="Ticks delivered per second, by region" unit="ticks/s" lines={per('ticks')} testId="chart-ticks" now={now} />
        <LineChart title="WebSocket connections, by region" unit="connections" lines={per('ws')} testId="chart-ws" now={now} />
        <BarChart title="Kicks by reason (all regions, since start)" bars={monitor.kicks()} testId="chart-kicks" />
        {hasWorld ? (
          <>
            <LineChart
              title="World tick time"
              unit="ms"
              lines={[
                { label: 'p50', series: monitor.get('world_p50') },
                { label: 'p99', series: monitor.get('world_p99') },
              ]}
              testId="chart-world-tick"
              now={now}
            />
            <LineChart title="World connections" unit="connections" lines={[{ label: 'world', series: monitor.get('world_conns') }]} testId="chart-world-conns" now={now} />
          </>
        ) : (
          <p className="console-muted">No world gateway known to this edge (start the edge with --world-url).</p>
        )}
      </div>
    </section>
  );
}
