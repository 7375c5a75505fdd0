// Peer for bench/broadcast_bench.py: a Colyseus 0.18 server whose "tick"
// rooms (50 clients each, as in shared/PEERS.md) broadcast one tick message
// to their clients at HZ on wall-clock boundaries.
//
//   node colyseus_server.mjs [PORT] [HZ]      (env PORT, HZ also work; defaults 2567, 10)
//
// Prints "listening PORT" once ready. The tick goes out with room.broadcast
// (Colyseus encodes it once per room with msgpack and sends the same bytes
// to every client); its fields and size match ws_server.mjs's tick, and its
// serverTimestamp is the scheduled boundary. The room has no schema state,
// so there are no patches. Colyseus' own transport pings stay at their
// defaults (every 3 s), as a deployment would run them.
import { Server, Room } from '@colyseus/core';
import { WebSocketTransport } from '@colyseus/ws-transport';

const port = Number(process.argv[2] ?? process.env.PORT ?? 2567);
const hz = Number(process.argv[3] ?? process.env.HZ ?? 10);
const period = 1000 / hz;

class TickRoom extends Room {
  maxClients = 50;

  onCreate() {
    this.origin = Math.floor(Date.now() / period);
    this.schedule();
  }

  schedule() {
    const next = (Math.floor(Date.now() / period) + 1) * period;
    this.tickTimer = setTimeout(() => this.fire(next), Math.max(0, next - Date.now()));
  }

  fire(scheduled) {
    const step = Math.round(scheduled / period) - this.origin;
    this.broadcast('tick', {
      type: 'tick', step, value: (step * 7919) % 1000003, round: Math.floor(step / 100), broken: false,
      serverTimestamp: Math.round(scheduled),
    });
    this.schedule();
  }

  onJoin() {}
  onLeave() {}
  onDispose() { clearTimeout(this.tickTimer); }
}

const server = new Server({ transport: new WebSocketTransport({ perMessageDeflate: false }), greet: false, gracefullyShutdown: false });
server.define('tick', TickRoom);
await server.listen(port, '127.0.0.1');
console.log(`listening ${port}`);

function shutdown() { process.exit(0); }
process.on('SIGTERM', shutdown);
process.on('SIGINT', shutdown);
