// Once per e2e run: build the web client (unless E2E_SKIP_BUILD=1), measure
// its size, and start `metronome up` serving it. The tests get the addresses
// through inject().
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { TestProject } from 'vitest/node';
import { startMetronomeUp, type RunningStack } from './support/metronome_up.ts';
import { edgeHasReplay } from './support/replay_route.ts';

const webDir = fileURLToPath(new URL('..', import.meta.url));
export const outputDir = `${webDir}test-output`;

declare module 'vitest' {
  export interface ProvidedContext {
    edgeUrl: string;
    regions: Record<string, string>;
    outputDir: string;
    /** The edge under test routes GET /edge/sessions/{id}/replay (else e2e/support/replay_route.ts stands in). */
    edgeHasReplay: boolean;
    /** Why the stack could not start ('' when it did): every test then fails with it. */
    setupError: string;
  }
}

let stack: RunningStack | null = null;

export async function setup(project: TestProject) {
  mkdirSync(outputDir, { recursive: true });
  project.provide('outputDir', outputDir);
  // A client that does not build or a stack that cannot start fails every
  // test with the reason (counted in the closing line) rather than a run
  // that reads "0 passed".
  let step = 'the web client could not be built';
  try {
    const webRoot = buildClient();
    step = 'metronome up could not start';
    stack = await startMetronomeUp(webRoot, `${outputDir}/metronome-up.log`);
    project.provide('edgeUrl', stack.edgeUrl);
    project.provide('regions', stack.regions);
    const hasReplay = await edgeHasReplay(stack.edgeUrl);
    project.provide('edgeHasReplay', hasReplay);
    console.log(
      hasReplay
        ? 'e2e: the edge routes GET /edge/sessions/{id}/replay'
        : 'e2e: the edge has no GET /edge/sessions/{id}/replay yet: replay requests go to the region from node (e2e/support/replay_route.ts)',
    );
    project.provide('setupError', '');
  } catch (e) {
    project.provide('edgeUrl', '');
    project.provide('regions', {});
    project.provide('edgeHasReplay', false);
    project.provide('setupError', `${step}: ${e instanceof Error ? e.message : String(e)}`);
  }
}

/**
 * Builds the client into test-output/dist, so that a dist/ being served
 * meanwhile is left alone (E2E_SKIP_BUILD=1 serves dist/ as it is), and
 * records its size. Returns the directory to serve.
 */
function buildClient(): string {
  const webRoot = process.env.E2E_SKIP_BUILD === '1' ? `${webDir}dist` : `${outputDir}/dist`;
  if (process.env.E2E_SKIP_BUILD !== '1') {
    // In a child process: vitest sets NODE_ENV=test, which would give React's development build.
    execFileSync(
      process.execPath,
      [`${webDir}node_modules/vite/bin/vite.js`, 'build', '--logLevel', 'warn', '--outDir', webRoot, '--emptyOutDir'],
      { cwd: webDir, env: { ...process.env, NODE_ENV: 'production' }, stdio: 'inherit' },
    );
  }
  const size = execFileSync(process.execPath, [`${webDir}scripts/bundle-size.mjs`, '--json', '--dist', webRoot], { encoding: 'utf8' });
  writeFileSync(`${outputDir}/bundle-size.json`, size);
  const s = JSON.parse(size) as { firstLoad: { bytes: number; gzipBytes: number } };
  console.log(`bundle: first load ${(s.firstLoad.bytes / 1024).toFixed(1)} KiB, ${(s.firstLoad.gzipBytes / 1024).toFixed(1)} KiB gzip`);
  return webRoot;
}

export async function teardown() {
  await stack?.stop();
  stack = null;
}
