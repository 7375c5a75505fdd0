// Once per e2e run: build the web client (unless E2E_SKIP_BUILD=1), measure
// its size, and start `metronome up` serving it. The tests get the addresses
// through inject().
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { TestProject } from 'vitest/node';
import { startMetronomeUp, type RunningStack } from './support/metronome_up.ts';

const webDir = fileURLToPath(new URL('..', import.meta.url));
export const outputDir = `${webDir}test-output`;

declare module 'vitest' {
  export interface ProvidedContext {
    edgeUrl: string;
    regions: Record<string, string>;
    outputDir: string;
  }
}

let stack: RunningStack | null = null;

export async function setup(project: TestProject) {
  mkdirSync(outputDir, { recursive: true });
  if (process.env.E2E_SKIP_BUILD !== '1') {
    // In a child process: vitest sets NODE_ENV=test, which would give React's development build.
    execFileSync(process.execPath, [`${webDir}node_modules/vite/bin/vite.js`, 'build', '--logLevel', 'warn'], {
      cwd: webDir,
      env: { ...process.env, NODE_ENV: 'production' },
      stdio: 'inherit',
    });
  }
  const size = execFileSync(process.execPath, [`${webDir}scripts/bundle-size.mjs`, '--json'], { encoding: 'utf8' });
  writeFileSync(`${outputDir}/bundle-size.json`, size);
  const s = JSON.parse(size) as { firstLoad: { bytes: number; gzipBytes: number } };
  console.log(`bundle: first load ${(s.firstLoad.bytes / 1024).toFixed(1)} KiB, ${(s.firstLoad.gzipBytes / 1024).toFixed(1)} KiB gzip`);

  stack = await startMetronomeUp(`${webDir}dist`, `${outputDir}/metronome-up.log`);
  project.provide('edgeUrl', stack.edgeUrl);
  project.provide('regions', stack.regions);
  project.provide('outputDir', outputDir);
}

export async function teardown() {
  await stack?.stop();
  stack = null;
}
