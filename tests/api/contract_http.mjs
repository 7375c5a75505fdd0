// A raw HTTP/1.1 client for the contract test: one request per connection
// (Connection: close), every byte the server sends read back, so that a
// body after a HEAD answer, or bytes past Content-Length, are seen rather
// than swallowed by a forgiving client. And the processes under test:
// started on free 127.0.0.1 ports, stopped by PID.
import net from 'node:net';
import fs from 'node:fs';
import { spawn } from 'node:child_process';

/** Sends one request; resolves to {status, headers, body, bytesAfter, raw}. */
export function request(port, method, target, { headers = {}, body } = {}) {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    const chunks = [];
    const timer = setTimeout(() => socket.destroy(new Error(`${method} ${target}: no answer within 10 s`)), 10_000);
    socket.on('connect', () => {
      let head = `${method} ${target} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nConnection: close\r\n`;
      for (const [k, v] of Object.entries(headers)) head += `${k}: ${v}\r\n`;
      const payload = body === undefined ? Buffer.alloc(0) : Buffer.from(body);
      if (body !== undefined) head += `Content-Length: ${payload.length}\r\n`;
      socket.write(Buffer.concat([Buffer.from(head + '\r\n'), payload]));
    });
    socket.on('data', (d) => chunks.push(d));
    // The server may answer and close before the whole body is sent (413):
    // an error after a complete head is the end of the answer, not a failure.
    let done = false;
    const finish = (err) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      const raw = Buffer.concat(chunks);
      const end = raw.indexOf('\r\n\r\n');
      if (end < 0) return reject(err ?? new Error(`${method} ${target}: incomplete answer (${raw.length} bytes)`));
      const lines = raw.subarray(0, end).toString('latin1').split('\r\n');
      const status = Number(lines[0].split(' ')[1]);
      const hdrs = {};
      for (const l of lines.slice(1)) {
        const i = l.indexOf(':');
        hdrs[l.slice(0, i).trim().toLowerCase()] = l.slice(i + 1).trim();
      }
      const rest = raw.subarray(end + 4);
      const bodiless = method === 'HEAD' || status === 204 || status === 304 || (status >= 100 && status < 200);
      const length = bodiless ? 0 : Number(hdrs['content-length'] ?? rest.length);
      resolve({
        status,
        headers: hdrs,
        body: rest.subarray(0, length).toString('utf8'),
        bodyBytes: Math.min(length, rest.length),
        bytesAfter: rest.length - Math.min(length, rest.length),
      });
    };
    socket.on('error', (e) => finish(e));
    socket.on('close', () => finish());
  });
}

/** A port that was free a moment ago on 127.0.0.1. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

/** Polls `fn` (async, truthy when done) every 50 ms for at most `ms`. */
export async function eventually(fn, ms = 20_000) {
  const until = Date.now() + ms;
  for (;;) {
    try {
      if (await fn()) return true;
    } catch {
      // not up yet
    }
    if (Date.now() > until) return false;
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** `metronome <command>` with `env` added, logging to `log`; stopped by stop(). */
export class Child {
  constructor(bin, command, env, log) {
    this.log = log;
    const fd = fs.openSync(log, 'w');
    this.proc = spawn(bin, Array.isArray(command) ? command : [command], { env: { ...process.env, ...env }, stdio: ['ignore', fd, fd] });
    fs.closeSync(fd);
    this.exited = new Promise((r) => this.proc.on('exit', (code, signal) => r({ code, signal })));
  }
  get pid() {
    return this.proc.pid;
  }
  async stop() {
    if (this.proc.exitCode !== null || this.proc.signalCode !== null) return;
    process.kill(this.pid, 'SIGTERM');
    const t = setTimeout(() => process.kill(this.pid, 'SIGKILL'), 10_000);
    await this.exited;
    clearTimeout(t);
  }
}
