// Load client for the Colyseus peer (metronome-load does not speak
// Colyseus' matchmaking + room protocol): N @colyseus/sdk clients join
// "tick" rooms and record each tick's delivery lag. Same phases, event lines
// and JSON report fields as metronome-load, so bench/broadcast_bench.py
// treats both alike.
//
//   node colyseus_load.mjs --url http://127.0.0.1:PORT --clients N [--duration 15]
//        [--warmup 2] [--ramp-per-second 500] [--connect-timeout-ms 20000] [--out FILE]
//
// lag = receive time - serverTimestamp (the tick's scheduled time; same
// machine, so no clock sync), taken with performance.timeOrigin +
// performance.now() for sub-millisecond resolution. 10 us buckets.
import { Client } from '@colyseus/sdk';
import { writeFileSync, readFileSync } from 'node:fs';

const args = { url: 'http://127.0.0.1:2567', clients: 100, duration: 15, warmup: 2, 'ramp-per-second': 500, 'connect-timeout-ms': 20000, out: '' };
for (let i = 2; i < process.argv.length; i += 2) {
  const k = process.argv[i].replace(/^--/, '');
  if (!(k in args)) { console.error(`unknown flag --${k}`); process.exit(2); }
  args[k] = typeof args[k] === 'number' ? Number(process.argv[i + 1]) : process.argv[i + 1];
}

// Lag histogram: [-100 ms, 5 s) in 10 us buckets, as metronome-load's.
const BUCKET_US = 10, MIN_US = -100000, MAX_US = 5000000;
const buckets = new Float64Array((MAX_US - MIN_US) / BUCKET_US);
let under = 0, over = 0, count = 0, sum = 0, min = 0, max = 0;
function record(us) {
  if (count === 0) { min = max = us; } else { if (us < min) min = us; if (us > max) max = us; }
  count++; sum += us;
  if (us < MIN_US) under++;
  else if (us >= MAX_US) over++;
  else buckets[Math.floor((us - MIN_US) / BUCKET_US)]++;
}
function percentile(q) {
  if (count === 0) return 0;
  const rank = Math.min(count, Math.max(1, Math.ceil(q * count)));
  if (rank <= under) return min;
  let seen = under;
  for (let i = 0; i < buckets.length; i++) {
    seen += buckets[i];
    if (seen >= rank) return Math.min(max, Math.max(min, MIN_US + (i + 1) * BUCKET_US));
  }
  return max;
}

const nowUs = () => (performance.timeOrigin + performance.now()) * 1000;
let measuring = false, messages = 0, frames = 0, ready = 0, failed = 0, closedEarly = 0, stopping = false;
const failures = {};
const rooms = [];

async function runClient(i, start) {
  const wait = start + (args['ramp-per-second'] > 0 ? (i / args['ramp-per-second']) * 1000 : 0) - Date.now();
  if (wait > 0) await new Promise((r) => setTimeout(r, wait));
  const client = new Client(args.url);
  let timer;
  try {
    const room = await Promise.race([
      client.joinOrCreate('tick'),
      new Promise((_, reject) => { timer = setTimeout(() => reject(new Error('timeout')), args['connect-timeout-ms']); }),
    ]);
    clearTimeout(timer);
    room.onMessage('tick', (m) => {
      if (!measuring) return;
      frames++; messages++;
      record(nowUs() - m.serverTimestamp * 1000);
    });
    room.onLeave(() => { if (!stopping) closedEarly++; });
    rooms.push(room);
    ready++;
  } catch (e) {
    clearTimeout(timer);
    const why = String(e?.message ?? e).slice(0, 80);
    failures[why] = (failures[why] ?? 0) + 1;
    failed++;
  }
}

function cpuSeconds() { const u = process.cpuUsage(); return (u.user + u.system) / 1e6; }
function rssKib() { const m = /VmRSS:\s+(\d+)/.exec(readFileSync('/proc/self/status', 'utf8')); return m ? Number(m[1]) : 0; }
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

const start = Date.now() + 50;
for (let i = 0; i < args.clients; i++) runClient(i, start);
const rampDeadline = start + (args['ramp-per-second'] > 0 ? args.clients / args['ramp-per-second'] * 1000 : 0) + args['connect-timeout-ms'] + 2000;
while (ready + failed < args.clients && Date.now() < rampDeadline) await sleep(20);
const rampS = (Date.now() - start) / 1000;
console.log(`event ramp_done connected=${ready} failed=${failed} ramp_s=${rampS}`);
await sleep(args.warmup * 1000);
const cpu0 = cpuSeconds(), t0 = performance.now();
measuring = true;
console.log('event measure_start');
await sleep(args.duration * 1000);
measuring = false;
const windowS = (performance.now() - t0) / 1000, cpu = cpuSeconds() - cpu0, rss = rssKib();
console.log('event measure_end');
stopping = true;
await Promise.race([Promise.allSettled(rooms.map((r) => r.leave(true))), sleep(5000)]);
console.log('event closed');

const ms = (us) => Math.round(us) / 1000;
const report = {
  peer: 'colyseus', protocol: 'colyseus', url: args.url, clients: args.clients, sessions: Math.ceil(args.clients / 50), threads: 1,
  source_addresses: 1, pong_delay_ms: 0, clock_offset_ms: 0,
  connected: ready, failed, closed_early: closedEarly, kicked: 0, kick_reasons: {}, close_codes: {}, failures,
  ramp_s: rampS, window_s: windowS, messages, messages_per_s: messages / windowS, frames, lag_samples: count, unsynced_ticks: 0,
  lag_ms: { p50: ms(percentile(0.5)), p99: ms(percentile(0.99)), p999: ms(percentile(0.999)), max: ms(max), min: ms(min), mean: count ? ms(sum / count) : 0 },
  latency_warnings: 0, error_messages: 0, pongs_sent: 0,
  client_cpu_s: cpu, client_cpu_pct: 100 * cpu / windowS, client_rss_kib: rss, clock_offset: { synced_clients: 0 },
};
const json = JSON.stringify(report);
if (args.out) writeFileSync(args.out, json + '\n'); else console.log(json);
console.error(`connected ${ready} failed ${failed}; ${messages} messages in ${windowS.toFixed(1)} s; lag ms p50 ${report.lag_ms.p50} p99 ${report.lag_ms.p99} p999 ${report.lag_ms.p999}; client CPU ${cpu.toFixed(2)} s`);
process.exit(0);
