// Checks `metronome state/replay --rule lcg-counter` against seed 000's
// TypeScript pseudo-code run as written: handleTick() is called once per tick
// with Date.now() set to that tick's time, exactly as a browser would run it.
//
//   node tests/compat/run.mjs path/to/metronome
import { execFileSync } from 'node:child_process';
import { readFileSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { createRequire } from 'node:module';

const here = dirname(fileURLToPath(import.meta.url));
const bin = process.argv[2];
if (!bin) {
  console.error('usage: node run.mjs path/to/metronome');
  process.exit(2);
}
let ts;
try {
  ts = createRequire(join(here, 'package.json'))('typescript');
} catch {
  console.error('typescript is not installed in tests/compat: run scripts/setup.sh');
  process.exit(1);
}
const js = ts.transpileModule(readFileSync(join(here, 'seed000.ts'), 'utf8'), {
  compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2020 },
}).outputText;
const dir = mkdtempSync(join(tmpdir(), 'seed000-'));
writeFileSync(join(dir, 'seed000.mjs'), js);
const seed000 = await import(pathToFileURL(join(dir, 'seed000.mjs')).href);

let realNow = Date.now;
function runTicks(seed, startAt, tickMs, fromStep, toStep, counter, onStep) {
  const gameState = { seed, startAt, tickMs, counter };
  for (let step = fromStep; step <= toStep; step++) {
    Date.now = () => startAt + step * tickMs + Math.floor(tickMs / 2);
    seed000.handleTick(gameState);
    onStep(step, gameState.counter);
  }
  Date.now = realNow;
  return gameState.counter;
}

const metronome = (args) => execFileSync(bin, args, { encoding: 'utf8', maxBuffer: 1 << 28 });
let passed = 0, failed = 0;
const check = (ok, what) => {
  if (ok) passed++;
  else {
    failed++;
    console.error('FAIL:', what);
  }
};

// Seed 000's multiplier 1664525 is divisible by 25, so its breaks come in
// bursts (docs/engine.md): most seeds have none in their first 20000 steps.
// Each seed's window therefore runs 20000 steps past its first break.
const seeds = [0, 1, 42, 987654321, 2147483647, 123456789, 1999999999, 31337, 777];
const tickMs = 100, startAt = 1733850000000;
for (const seed of seeds) {
  // 1. Every step from 0 to 20000: the counter and the breaks, as simulated.
  let firstBreak = 0;
  while (!seed000.shouldBreak(seed, firstBreak, 50)) firstBreak++;
  const N = firstBreak + 20000;
  const lines = metronome(['replay', '--rule', 'lcg-counter', '--seed', String(seed), '--start-at', String(startAt),
    '--tick-ms', String(tickMs), '--from', '0', '--to', String(N)]).trim().split('\n').map((l) => JSON.parse(l));
  let mismatches = 0, breaks = 0;
  runTicks(seed, startAt, tickMs, 0, N, 0, (step, counter) => {
    const broken = seed000.shouldBreak(seed, step, 50);
    if (broken) breaks++;
    const got = lines[step];
    if (got.step !== step || got.value !== counter || got.broken !== broken || got.round !== breaks) mismatches++;
  });
  check(mismatches === 0, `seed ${seed}: ${mismatches} of ${N + 1} steps differ from the pseudo-code`);
  check(breaks >= 100, `seed ${seed}: only ${breaks} breaks in steps 0..${N}: the comparison would be weak`);
  console.log(`seed ${seed}: steps 0..${N} compared, ${breaks} breaks, first at step ${firstBreak}`);

  // 2. Far steps: walk back to the last break the pseudo-code reports, then
  // run handleTick from there to the target step.
  for (const target of [2 ** 31 + 5, 2 ** 32 - 1, 2 ** 32 + 3, 2 ** 40, 2 ** 40 + 12345, 2 ** 53 - 2, 9007199254740991 - 1000]) {
    const tick = 1, start = 0;
    let last = target;
    while (last >= 0 && !seed000.shouldBreak(seed, last, 50)) last--;
    const counter = runTicks(seed, start, tick, last, target, 0, () => {});
    const got = JSON.parse(metronome(['state', '--rule', 'lcg-counter', '--seed', String(seed), '--start-at', String(start),
      '--tick-ms', String(tick), '--at', String(target)]));
    check(got.step === target && got.value === counter && got.broken === seed000.shouldBreak(seed, target, 50),
      `seed ${seed} step ${target}: metronome ${JSON.stringify(got)}, pseudo-code counter ${counter}`);
  }
}
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
