// The port against the C++ CLI on random parameters: both rules, decimal and
// text seeds, timestamps and steps over the whole domain (near 2^32, 2^40,
// 2^53). Each case spawns `metronome state` once and `metronome replay` once
// (a few hundred consecutive steps per spawn), and every third case also
// `replay --breaks-only` over tens of thousands of steps.
//
// METRONOME_PROPERTY_SEED and METRONOME_PROPERTY_CASES change the draw; the
// defaults make every run the same. A missing CLI fails the tests (cli.ts).
import { beforeAll, describe, expect, it } from 'vitest';
import {
  MAX_TIME_MS,
  forEachBreak,
  forEachState,
  lcgCounterRule,
  parseSeed,
  roundsRule,
  stateAt,
  stateAtStep,
  stepStartMs,
  validate,
  validateTime,
  type Rule,
  type SessionParams,
  type State,
} from '../../src/engine/index.ts';
import { locateMetronome, parseReplay, runCli, runPool, sessionArgs, type CliResult } from './cli.ts';
import { TestRandom } from './random.ts';

const PROPERTY_SEED = Number(process.env.METRONOME_PROPERTY_SEED ?? 20261122);
const CASES = Number(process.env.METRONOME_PROPERTY_CASES ?? 300);

interface PropertyCase {
  readonly id: number;
  readonly kind: string;
  readonly seedText: string;
  readonly params: SessionParams;
  /** rounds only: false to leave --jitter out and test the default (mean_interval − 1). */
  readonly jitterGiven: boolean;
  readonly now: number;
  readonly replayFrom: number;
  readonly replayTo: number;
  /** [from, to] of a `--breaks-only` replay, or null. */
  readonly breaksRange: readonly [number, number] | null;
}

function drawSeedText(rng: TestRandom, i: number): string {
  const u64 = rng.u64();
  switch (rng.below(12)) {
    case 0: return '0';
    case 1: return '18446744073709551615';
    case 2: return '18446744073709551616'; // 2^64: text, hashed
    case 3: return `000${rng.u32()}`; // leading zeros
    case 4: return `${u64}${rng.below(10)}${rng.below(10)}`.slice(0, 21).padStart(21, '1'); // 21 digits: hashed
    case 5: return `player-${u64}`;
    case 6: return `${u64.toString(16).padStart(16, '0').slice(0, 8)}-e29b-41d4-a716-${rng.u32().toString(16).padStart(12, '0')}`;
    case 7: return `seed with spaces & é ✓ "quotes" \\ ${i}`;
    case 8: return `🎲${rng.u32()}`;
    case 9: return `-${rng.below(1000)}`;
    default: return u64.toString();
  }
}

function drawRule(rng: TestRandom, i: number): { rule: Rule; jitterGiven: boolean } {
  if (i % 2 === 0) {
    const meanInterval = rng.pick([1, 2, 50, rng.between(1, 100), rng.between(1, 10_000), rng.between(1, 1_000_000_000), 1_000_000_000]);
    const jitterGiven = rng.below(5) !== 0;
    const jitter = jitterGiven ? rng.pick([0, meanInterval - 1, rng.below(meanInterval)]) : undefined;
    return { rule: roundsRule({ meanInterval, jitter }), jitterGiven };
  }
  const breakProbability = rng.pick([1, 2, 3, 50, rng.between(1, 200), rng.between(1, 1_000_000), 1_000_000, 99_991]);
  return { rule: lcgCounterRule({ breakProbability }), jitterGiven: true };
}

function drawCase(rng: TestRandom, id: number): PropertyCase {
  const seedText = drawSeedText(rng, id);
  const { rule, jitterGiven } = drawRule(rng, id);
  const seed = parseSeed(seedText)!;
  const kinds = ['countdown', 'small step', 'near 2^32', 'near 2^40', 'near 2^53', 'random step', 'random step'];
  const kind = rng.pick(kinds);
  let startAt: number, tickMs: number, now: number;
  if (kind === 'countdown') {
    tickMs = rng.between(1, 60_000);
    startAt = rng.between(1, MAX_TIME_MS);
    now = startAt - 1 - rng.below(Math.min(startAt, 10_000_000));
  } else {
    const s0 =
      kind === 'small step' ? rng.below(100_000)
      : kind === 'near 2^32' ? 2 ** 32 * rng.between(1, 3) + rng.between(-300, 300)
      : kind === 'near 2^40' ? 2 ** 40 + rng.between(-300, 300)
      : kind === 'near 2^53' ? MAX_TIME_MS - rng.below(300)
      : rng.below(2 ** 53);
    const maxTick = Math.max(1, Math.min(60_000, Math.floor(MAX_TIME_MS / (s0 + 1))));
    tickMs = rng.pick([1, maxTick, rng.between(1, maxTick)]);
    const room = MAX_TIME_MS - s0 * tickMs - (tickMs - 1); // startAt may go this far
    startAt = rng.pick([0, room, rng.below(room + 1), Math.min(room, 1_733_850_000_000)]);
    now = startAt + s0 * tickMs + rng.below(tickMs);
  }
  const params: SessionParams = { seed, startAt, tickMs, rule };
  const step = now < startAt ? rng.below(1000) : (now - startAt - ((now - startAt) % tickMs)) / tickMs;
  // Replays stop at the session's last step: the last one that begins at or
  // before 2^53 - 1 ms (docs/engine.md, "Walking steps").
  const lastStep = Math.floor((MAX_TIME_MS - startAt) / tickMs);
  const replayFrom = Math.min(lastStep, Math.max(0, step - rng.between(0, 150)));
  const replayTo = Math.min(lastStep, step + rng.between(0, 150));
  const breaksLength = rng.pick([1_000, 20_000, 60_000]);
  const breaksRange: [number, number] | null =
    id % 3 === 0 ? [replayFrom, Math.min(lastStep, replayFrom + breaksLength)] : null;
  return { id, kind, seedText, params, jitterGiven, now, replayFrom, replayTo, breaksRange };
}

function argsOf(c: PropertyCase): string[] {
  const args = sessionArgs(c.params, c.seedText);
  if (!c.jitterGiven) args.splice(args.indexOf('--jitter'), 2);
  return args;
}

const rng = new TestRandom(PROPERTY_SEED);
const cases = Array.from({ length: CASES }, (_, id) => drawCase(rng, id));

interface CliOutputs {
  state: CliResult;
  replay: CliResult;
  breaks: CliResult | null;
}

let bin = '';
let outputs: CliOutputs[] = [];

const describeCase = (c: PropertyCase) =>
  `${c.kind}: seed ${JSON.stringify(c.seedText)} ${JSON.stringify(c.params.rule)} startAt ${c.params.startAt} tickMs ${c.params.tickMs} now ${c.now}`;

function expectCliOk(r: CliResult, what: string): void {
  expect(r.code, `${what} failed: ${r.stderr}`).toBe(0);
}

/** The engine's state as the replay line prints it. */
const replayView = (s: State) => ({ step: BigInt(s.step), value: BigInt(s.value), round: BigInt(s.round), broken: s.broken });

describe(`port vs C++ CLI (property seed ${PROPERTY_SEED}, ${CASES} cases)`, () => {
  beforeAll(async () => {
    bin = locateMetronome();
    outputs = await runPool(
      cases.map((c) => async (): Promise<CliOutputs> => {
        const args = argsOf(c);
        const state = await runCli(bin, ['state', ...args, '--at', String(c.now)]);
        const replay = await runCli(bin, ['replay', ...args, '--from', String(c.replayFrom), '--to', String(c.replayTo)]);
        const breaks = c.breaksRange
          ? await runCli(bin, ['replay', ...args, '--from', String(c.breaksRange[0]), '--to', String(c.breaksRange[1]), '--breaks-only'])
          : null;
        return { state, replay, breaks };
      }),
    );
    // About 700 spawns of the CLI, two at a time: about a minute on a quiet
    // machine, but with the sanitized build at load 15 (several builds
    // beside the tests) one spawn takes a second of wall time. The bound is
    // generous, inside ctest's 1,800 s for this suite (tests/CMakeLists.txt).
  }, 1_700_000);

  it('draws cases of every kind and both rules', () => {
    const kinds = new Set(cases.map((c) => c.kind));
    expect(kinds.size).toBe(6);
    expect(cases.filter((c) => c.params.rule.name === 'lcg-counter').length).toBe(Math.floor(CASES / 2));
    expect(cases.some((c) => !/^\d+$/.test(c.seedText))).toBe(true);
  });

  it.each(cases.map((c) => [c.id, describeCase(c), c] as const))('case %i (%s)', (id, _, c) => {
    const out = outputs[id]!;
    expect(validate(c.params)).toBeNull();
    expect(validateTime('now', c.now)).toBeNull();

    // `state`: the same JSON text.
    expectCliOk(out.state, 'metronome state');
    expect(JSON.stringify(stateAt(c.params, c.now))).toBe(out.state.stdout.trimEnd());

    // `replay`: every step, by random access and by the cursor.
    expectCliOk(out.replay, 'metronome replay');
    const lines = parseReplay(out.replay.stdout);
    expect(lines.length).toBe(c.replayTo - c.replayFrom + 1);
    const walked: State[] = [];
    forEachState(c.params, c.replayFrom, c.replayTo, (s) => walked.push(s));
    lines.forEach((line, i) => {
      const step = c.replayFrom + i;
      const { at, ...cpp } = line;
      expect(replayView(stateAtStep(c.params, step)), `step ${step}`).toStrictEqual(cpp);
      expect(replayView(walked[i]!), `cursor at step ${step}`).toStrictEqual(cpp);
      // stepStartMs is exact while the time is in the domain.
      if (at <= BigInt(MAX_TIME_MS)) expect(BigInt(stepStartMs(c.params, step))).toBe(at);
    });

    // `replay --breaks-only`: the same break steps.
    if (c.breaksRange && out.breaks) {
      expectCliOk(out.breaks, 'metronome replay --breaks-only');
      const found: ReturnType<typeof replayView>[] = [];
      forEachBreak(c.params, c.breaksRange[0], c.breaksRange[1], (s) => found.push(replayView(s)));
      expect(found).toStrictEqual(parseReplay(out.breaks.stdout).map(({ at: _at, ...rest }) => rest));
    }
  });
});

describe('validation agrees with the CLI', () => {
  // Parameters at and just past every bound: the CLI exits 2 exactly when
  // validate() refuses them (the CLI's messages name its flags instead).
  const good: SessionParams = { seed: 5n, startAt: 1_000, tickMs: 100, rule: roundsRule() };
  const variants: [string, SessionParams, number][] = [
    ['defaults', good, 2_000],
    ['tick_ms 0', { ...good, tickMs: 0 }, 2_000],
    ['tick_ms 1', { ...good, tickMs: 1 }, 2_000],
    ['tick_ms 60000', { ...good, tickMs: 60_000 }, 2_000],
    ['tick_ms 60001', { ...good, tickMs: 60_001 }, 2_000],
    ['start_at max', { ...good, startAt: MAX_TIME_MS }, 2_000],
    ['start_at max + 1', { ...good, startAt: MAX_TIME_MS + 1 }, 2_000],
    ['mean_interval 0', { ...good, rule: roundsRule({ meanInterval: 0, jitter: 0 }) }, 2_000],
    ['mean_interval 10^9', { ...good, rule: roundsRule({ meanInterval: 1e9, jitter: 1e9 - 1 }) }, 2_000],
    ['mean_interval 10^9 + 1', { ...good, rule: roundsRule({ meanInterval: 1e9 + 1, jitter: 0 }) }, 2_000],
    ['jitter = mean_interval', { ...good, rule: roundsRule({ meanInterval: 10, jitter: 10 }) }, 2_000],
    ['jitter = mean_interval - 1', { ...good, rule: roundsRule({ meanInterval: 10, jitter: 9 }) }, 2_000],
    ['break_probability 0', { ...good, rule: lcgCounterRule({ breakProbability: 0 }) }, 2_000],
    ['break_probability 1', { ...good, rule: lcgCounterRule({ breakProbability: 1 }) }, 2_000],
    ['break_probability 10^6', { ...good, rule: lcgCounterRule({ breakProbability: 1e6 }) }, 2_000],
    ['break_probability 10^6 + 1', { ...good, rule: lcgCounterRule({ breakProbability: 1e6 + 1 }) }, 2_000],
    ['now max', good, MAX_TIME_MS],
    ['now max + 1', good, MAX_TIME_MS + 1],
    ['now -1', good, -1],
  ];

  it.each(variants)('%s', async (_, params, now) => {
    const bin = locateMetronome();
    const r = await runCli(bin, ['state', ...sessionArgs(params, params.seed.toString()), '--at', String(now)]);
    const refused = validate(params) !== null || validateTime('now', now) !== null;
    expect(r.code, r.stderr).toBe(refused ? 2 : 0);
    if (!refused) expect(r.stdout.trimEnd()).toBe(JSON.stringify(stateAt(params, now)));
  });

  it('refuses the empty seed, as parseSeed does', async () => {
    const r = await runCli(locateMetronome(), ['state', '--seed', '', '--start-at', '0', '--at', '0']);
    expect(r.code).toBe(2);
    expect(parseSeed('')).toBeNull();
  });
});
