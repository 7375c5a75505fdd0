// Starts a real `metronome world serve` on a free loopback port with a
// temporary data directory, mints tokens for it with `metronome world token`
// (the same --data-dir, so the same secret), and stops it. The flags follow
// docs/protocol.md ("World") and the gateway's --help: a flag the binary does
// not list is not passed, and a binary without `world serve` is an error that
// says so (the test fails, never skips).
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { locateMetronome, runCli } from '../../test/engine/cli.ts';

export interface RunningGateway {
  /** ws://127.0.0.1:PORT/world */
  readonly url: string;
  token(sub: string, ttlSeconds?: number): Promise<string>;
  stop(): Promise<void>;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const a = srv.address();
      srv.close(() => (a !== null && typeof a === 'object' ? resolve(a.port) : reject(new Error('no port'))));
    });
  });
}

/** Waits until the gateway answers HTTP on its port (any status: /world without a token is a 401). */
async function waitListening(url: string, child: ChildProcess, logPath: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = 'no answer yet';
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`metronome world serve exited with code ${child.exitCode}; see ${logPath}`);
    try {
      const res = await fetch(url);
      await res.arrayBuffer();
      return;
    } catch (e) {
      last = String(e);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`metronome world serve did not answer within ${timeoutMs} ms (${last}); see ${logPath}`);
}

/**
 * `options`: flags for a small world in which two players spawn within each
 * other's area of interest, passed only when `world serve --help` lists them.
 */
export async function startWorldGateway(logPath: string, options: Record<string, string> = {}): Promise<RunningGateway> {
  const bin = locateMetronome();
  const help = await runCli(bin, ['world', 'serve', '--help']);
  if (help.code !== 0 || !/--port\b/.test(help.stdout + help.stderr)) {
    throw new Error(
      `${bin} has no usable \`world serve\` (exit ${help.code}: ${(help.stderr || help.stdout).trim().split('\n')[0] ?? ''}); ` +
        'the world gateway (issue 10, branch gateway) must be built into it',
    );
  }
  const listed = help.stdout + help.stderr;
  const port = await freePort();
  const dataDir = mkdtempSync(join(tmpdir(), 'metronome-world-e2e-'));
  const args = ['world', 'serve', '--port', String(port), '--data-dir', dataDir];
  if (/--host\b/.test(listed)) args.push('--host', '127.0.0.1');
  for (const [flag, value] of Object.entries(options)) if (new RegExp(`${flag}\\b`).test(listed)) args.push(flag, value);
  const log = createWriteStream(logPath);
  log.write(`$ metronome ${args.join(' ')}\n`);
  const child = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout!.pipe(log);
  child.stderr!.pipe(log);
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    }
    log.end();
    rmSync(dataDir, { recursive: true, force: true });
  };
  try {
    await waitListening(`http://127.0.0.1:${port}/world`, child, logPath, 30_000);
  } catch (e) {
    await stop();
    throw e;
  }
  return {
    url: `ws://127.0.0.1:${port}/world`,
    async token(sub, ttlSeconds = 600) {
      const r = await runCli(bin, ['world', 'token', '--sub', sub, '--ttl', String(ttlSeconds), '--data-dir', dataDir]);
      const token = r.stdout.trim().split('\n').pop() ?? '';
      if (r.code !== 0 || token.split('.').length !== 3) throw new Error(`metronome world token failed (exit ${r.code}): ${r.stderr.trim() || r.stdout.trim()}`);
      return token;
    },
    stop,
  };
}
