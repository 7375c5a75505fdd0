// Starts `metronome up` (edge + regions eu, us, asia) on free loopback ports
// with a temporary data directory and the built web client, and stops it.
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { locateMetronome } from '../../test/engine/cli.ts';

export interface RunningStack {
  readonly edgeUrl: string;
  /** Region name → its HTTP base URL (for calls from node only: the page goes through the edge). */
  readonly regions: Record<string, string>;
  stop(): Promise<void>;
}

function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.once('error', () => resolve(false));
    srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(true)));
  });
}

/** A base port with `count` consecutive free ports (edge, then the regions). */
async function freePortRange(count: number): Promise<number> {
  for (let attempt = 0; attempt < 50; ++attempt) {
    const base = 20_000 + Math.floor(Math.random() * 30_000);
    let ok = true;
    for (let i = 0; i < count && ok; ++i) ok = await portFree(base + i);
    if (ok) return base;
  }
  throw new Error('no 4 consecutive free ports found on 127.0.0.1');
}

async function waitReady(edgeUrl: string, child: ChildProcess, logPath: string, timeoutMs: number): Promise<Record<string, string>> {
  const deadline = Date.now() + timeoutMs;
  let last = 'no answer yet';
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`metronome up exited with code ${child.exitCode}; see ${logPath}`);
    try {
      const res = await fetch(`${edgeUrl}/api/regions`);
      const body = (await res.json()) as { regions?: { region: string; base_url: string; ws_url: string; status: string }[] };
      const up = (body.regions ?? []).filter((r) => r.status === 'up' && r.ws_url !== '');
      last = `${up.length} region(s) up`;
      if (up.length >= 3) {
        const page = await fetch(`${edgeUrl}/`);
        const html = await page.text();
        if (!html.includes('<div id="root">')) throw new Error(`GET / does not serve the web client (status ${page.status}); is --web-root right?`);
        return Object.fromEntries(up.map((r) => [r.region, r.base_url]));
      }
    } catch (e) {
      if (e instanceof Error && e.message.includes('web client')) throw e;
      last = String(e);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`metronome up was not ready within ${timeoutMs} ms (${last}); see ${logPath}`);
}

export async function startMetronomeUp(webRoot: string, logPath: string): Promise<RunningStack> {
  const bin = locateMetronome();
  const base = await freePortRange(5);
  const dataDir = mkdtempSync(join(tmpdir(), 'metronome-e2e-'));
  const log = createWriteStream(logPath);
  const args = ['up', '--edge-port', String(base), '--first-region-port', String(base + 1), '--data-dir', dataDir, '--web-root', webRoot, '--world-port', String(base + 4)];
  // E2E_COUNTDOWN_MS=0 measures Start to first tick without the countdown (default: up's 3000 ms).
  if (process.env.E2E_COUNTDOWN_MS) args.push('--countdown-ms', process.env.E2E_COUNTDOWN_MS);
  // The regions inherit this environment. These tests are about the page, not the thresholds
  // (tests/integration/broadcast_ws_test.cpp holds those), and on a shared 2-core machine under
  // load scheduling alone adds tens of ms to every round trip and to its spread. So the jitter
  // limits are raised, and so is the kick (220 ms mean RTT, default 150): a page 108 ms away
  // (delaying proxy) is always warned (warning stays at its default, 100 ms) and not kicked by
  // the machine's own delays; one 250 ms away is always kicked, since load only adds.
  const env = { ...process.env, MAX_JITTER_MS: '250', WARNING_JITTER_MS: '200', MAX_LATENCY_MS: '220' };
  const child = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'], env });
  child.stdout!.pipe(log);
  child.stderr!.pipe(log);
  const edgeUrl = `http://127.0.0.1:${base}`;
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(timer);
    }
    log.end();
    rmSync(dataDir, { recursive: true, force: true });
  };
  try {
    const regions = await waitReady(edgeUrl, child, logPath, 30_000);
    return { edgeUrl, regions, stop };
  } catch (e) {
    await stop();
    throw e;
  }
}
