// The C++ reference CLI (`metronome state|replay`), for the cross-language
// tests. Located by METRONOME_BIN, else by the build trees next to web/. A
// missing binary is an error, never a reason to skip: the property test must
// be able to fail.
import { execFile } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { SessionParams } from '../../src/engine/index.ts';

const webDir = fileURLToPath(new URL('../..', import.meta.url));

/** The fallbacks, relative to web/, tried in order when METRONOME_BIN is unset. */
const FALLBACKS = ['../build/dev/apps/metronome/metronome', '../build/ci/apps/metronome/metronome'];

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** The path of the metronome binary; throws with a message saying how to provide it. */
export function locateMetronome(): string {
  const fromEnv = process.env.METRONOME_BIN;
  if (fromEnv !== undefined && fromEnv !== '') {
    const path = resolve(fromEnv);
    if (!isExecutable(path)) throw new Error(`METRONOME_BIN=${fromEnv}: no executable file at ${path}`);
    return path;
  }
  const tried = FALLBACKS.map((p) => resolve(webDir, p));
  const found = tried.find(isExecutable);
  if (found === undefined) {
    throw new Error(
      'the C++ metronome CLI was not found, so the cross-language property test cannot run. ' +
        'Build it (cmake --preset dev && cmake --build --preset dev --target metronome) or set ' +
        `METRONOME_BIN to its path. Tried: ${tried.join(', ')}`,
    );
  }
  return found;
}

export interface CliResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs the binary with `args`; resolves with its exit code and output (never rejects on a non-zero exit). */
export function runCli(bin: string, args: readonly string[]): Promise<CliResult> {
  return new Promise((resolvePromise, reject) => {
    execFile(bin, args, { encoding: 'utf8', maxBuffer: 1 << 28 }, (error, stdout, stderr) => {
      if (error && typeof error.code !== 'number') {
        reject(error);
        return;
      }
      resolvePromise({ code: error ? Number(error.code) : 0, stdout, stderr });
    });
  });
}

/**
 * Runs `jobs` at most `width` at a time, keeping results in order. Two at a
 * time: the machine has two cores, shared with others' builds.
 */
export async function runPool<T>(jobs: readonly (() => Promise<T>)[], width = 2): Promise<T[]> {
  const results: T[] = new Array(jobs.length);
  let next = 0;
  const worker = async () => {
    while (next < jobs.length) {
      const i = next++;
      results[i] = await jobs[i]!();
    }
  };
  await Promise.all(Array.from({ length: Math.min(width, jobs.length) }, worker));
  return results;
}

/** The session flags for these parameters, with the seed as `seedText`. */
export function sessionArgs(params: SessionParams, seedText: string): string[] {
  const args = ['--seed', seedText, '--start-at', String(params.startAt), '--tick-ms', String(params.tickMs)];
  const rule = params.rule;
  if (rule.name === 'rounds') {
    args.push('--rule', 'rounds', '--mean-interval', String(rule.meanInterval), '--jitter', String(rule.jitter));
  } else {
    args.push('--rule', 'lcg-counter', '--break-probability', String(rule.breakProbability));
  }
  return args;
}

/** One line of `metronome replay`, with every number read exactly (`at` may exceed 2^53). */
export interface ReplayLine {
  readonly step: bigint;
  readonly at: bigint;
  readonly value: bigint;
  readonly round: bigint;
  readonly broken: boolean;
}

const REPLAY_LINE = /^\{"step":(\d+),"at":(-?\d+),"value":(\d+),"round":(\d+),"broken":(true|false)\}$/;

export function parseReplay(stdout: string): ReplayLine[] {
  const lines = stdout.split('\n');
  if (lines.at(-1) === '') lines.pop();
  return lines.map((line) => {
    const m = REPLAY_LINE.exec(line);
    if (!m) throw new Error(`unexpected replay line: ${line}`);
    return { step: BigInt(m[1]!), at: BigInt(m[2]!), value: BigInt(m[3]!), round: BigInt(m[4]!), broken: m[5] === 'true' };
  });
}
