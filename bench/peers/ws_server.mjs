// Peer for bench/broadcast_bench.py: a Node `ws` server that broadcasts one
// JSON tick to every connected client at HZ on wall-clock boundaries.
//
//   node ws_server.mjs [PORT] [HZ]      (env PORT, HZ also work; defaults 0 = any, 10)
//
// Prints "listening PORT" once ready. The tick is the same shape and about
// the same size as Metronome's JSON tick; its serverTimestamp is the tick's
// scheduled time (the boundary), so that the load generator measures lag
// against the schedule, as it does for Metronome (startAt + step * tickMs).
// Encoded once per tick (one Buffer shared by every send). No pings, no
// join: metronome-load talks to it with --peer plain.
import { WebSocketServer, WebSocket } from 'ws';

const port = Number(process.argv[2] ?? process.env.PORT ?? 0);
const hz = Number(process.argv[3] ?? process.env.HZ ?? 10);
const period = 1000 / hz;

const wss = new WebSocketServer({ host: '127.0.0.1', port, perMessageDeflate: false, maxPayload: 4096, backlog: 4096 });
wss.on('connection', (ws) => {
  ws.on('error', () => {});
  ws.on('message', () => {});  // clients send nothing; ignore anything
});
wss.on('listening', () => console.log(`listening ${wss.address().port}`));

const origin = Math.floor(Date.now() / period);
let timer = null;

function schedule() {
  const next = (Math.floor(Date.now() / period) + 1) * period;
  timer = setTimeout(() => fire(next), Math.max(0, next - Date.now()));
}

function fire(scheduled) {
  const step = Math.round(scheduled / period) - origin;
  const buf = Buffer.from(JSON.stringify({
    type: 'tick', step, value: (step * 7919) % 1000003, round: Math.floor(step / 100), broken: false,
    serverTimestamp: Math.round(scheduled),
  }));
  for (const client of wss.clients) {
    if (client.readyState === WebSocket.OPEN) client.send(buf, { binary: false });
  }
  schedule();
}
schedule();

function shutdown() {
  clearTimeout(timer);
  for (const client of wss.clients) client.terminate();
  wss.close(() => process.exit(0));
  setTimeout(() => process.exit(0), 2000).unref();
}
process.on('SIGTERM', shutdown);
process.on('SIGINT', shutdown);
