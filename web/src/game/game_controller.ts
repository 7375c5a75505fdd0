// One player's game: everything the game screen shows, without React.
//
//   client mode: the browser computes every step with the engine from the
//     session's seed, on the server's clock (HTTP clock sync), at each step
//     boundary; the WebSocket carries only control (latency, kicked, stopped).
//   server mode: the steps are the ticks the region broadcasts; the seed is
//     secret until the session ends, then checked against its commitment and
//     every received tick is recomputed with it.
//
// Both modes join the region's broadcaster, so latency is measured and the
// player hears when the session stops. In client mode the game goes on
// without it (the steps need nothing from the network), and the session's
// status is polled over HTTP instead.
//
// The clock, timers, socket factory, HTTP client and WebCrypto are injected,
// so the tests run it without a network, a browser or sleeps.
import { stateAt, type State } from '../engine/index.ts';
import { SYNC_SAMPLES, SYNC_SPACING_MS, synchronizeClock, type ClockEstimate, type ClockSample } from './clock_sync.ts';
import { BreakLog, checkTicks, lastBreaks, type BreakEntry, type TickCheck, type TickRecord } from './breaks.ts';
import { ClientRttWindow, type ClientRtt } from './client_rtt.ts';
import { verifyCommitment, type Verification } from './commitment.ts';
import { CHART_STEPS, HISTORY_STEPS, StepHistory, engineWindow, windowOf, type StepRange, type TimelineWindow } from './timeline.ts';
import type { Replay } from '../api/edge.ts';
import { paramsOf, readSeed, type SessionInfo } from '../api/session.ts';
import type { ServerMessage } from '../net/protocol.ts';
import { TickConnection, type ConnectionStatus, type SocketFactory, type Timers } from '../net/tick_connection.ts';

/** How often the countdown display refreshes (ms). */
const COUNTDOWN_REFRESH_MS = 100;
/** Steps one replay on request may show (the chart draws every one). */
export const MAX_REPLAY_VIEW_STEPS = 5_000;
/** Session status poll while no live connection carries it (ms). */
const STATUS_POLL_MS = 5_000;

export interface GameDeps {
  readonly edge: {
    time(now: () => number): Promise<ClockSample>;
    session(id: string): Promise<SessionInfo>;
    replay(id: string, from: number, to: number): Promise<Replay>;
  };
  readonly createSocket: SocketFactory | null;
  readonly now: () => number;
  readonly timers: Timers;
  readonly sleep: (ms: number) => Promise<void>;
  readonly subtle: SubtleCrypto | undefined;
  /** Which subprotocols to offer: 'auto' (binary, then JSON; the default) or 'json' only. */
  readonly wire?: 'auto' | 'json';
  /**
   * Called once, when the first running step is shown (for the start-to-first-tick
   * measurement), with how long after the session's startAt that was (server clock, ms).
   */
  readonly onFirstTick?: (afterStartAtMs: number) => void;
}

export interface GameSetup {
  readonly session: SessionInfo;
  readonly userId: string;
  /** How the edge chose the region (null when joined by link). */
  readonly routedBy: string | null;
  readonly wsEndpoint: string;
  /** The edge returned the player's already running game instead of starting one. */
  readonly resumed?: boolean;
}

export type EndKind = 'stopped' | 'exited' | 'kicked' | 'replaced' | 'refused' | 'lost' | 'left';

export interface GameEnd {
  readonly kind: EndKind;
  /** The server's reason (kicked: high_latency, high_jitter, unresponsive, replaced). */
  readonly reason: string;
  readonly rttMs: number | null;
  readonly jitterMs: number | null;
}

/** A replay through the edge: asked for, shown, or refused. */
export type ReplayStatus =
  | { readonly state: 'loading'; readonly from: number; readonly to: number }
  | { readonly state: 'done'; readonly from: number; readonly to: number; readonly window: TimelineWindow }
  | { readonly state: 'error'; readonly from: number; readonly to: number; readonly error: string };

/** Filling the steps a server-mode client missed (a reconnection, or joining a running session). */
export type FillStatus =
  | { readonly state: 'loading'; readonly from: number; readonly to: number }
  | { readonly state: 'done'; readonly from: number; readonly to: number; readonly steps: number; readonly breaks: number }
  | { readonly state: 'error'; readonly from: number; readonly to: number; readonly error: string };

export interface GameSnapshot {
  readonly setup: GameSetup;
  readonly phase: 'syncing' | 'countdown' | 'waiting' | 'running' | 'ended';
  readonly clock: ClockEstimate | null;
  readonly clockError: string | null;
  readonly remainingMs: number | null;
  readonly tick: TickRecord | null;
  readonly breaks: readonly BreakEntry[];
  /** The chart: the last CHART_STEPS steps, from the engine (client mode) or the steps received (server mode). */
  readonly timeline: TimelineWindow | null;
  /** Server mode: breaks that happened while no tick arrived. */
  readonly missedBreaks: number;
  readonly connection: ConnectionStatus | null;
  /** The region's measurement (latency_status): it warns and kicks by these. */
  readonly latency: { status: 'ok' | 'warning'; rttMs: number; jitterMs: number } | null;
  /** The browser's own round trip from its seed 001 pings. */
  readonly clientRtt: ClientRtt | null;
  readonly end: GameEnd | null;
  /** The commitment check (server mode): 'pending' while computing. */
  readonly verification: Verification | 'pending' | null;
  /** Received ticks recomputed with the revealed seed (server mode). */
  readonly tickCheck: TickCheck | null;
  /** The last error message from the broadcaster, if any. */
  readonly serverError: string | null;
  /** The replay the player asked for (replay()). */
  readonly replay: ReplayStatus | null;
  /** The latest fill of missed steps (server mode). */
  readonly fill: FillStatus | null;
  /** Frames from the broadcaster this client could not read (skipped), and why the last one was refused. */
  readonly wireErrors: { readonly count: number; readonly last: string } | null;
}

export class GameController {
  private readonly d_: GameDeps;
  private snap_: GameSnapshot;
  private readonly listeners_ = new Set<() => void>();
  private connection_: TickConnection | null = null;
  private offset_ = 0;
  private timer_: unknown = null;
  private pollTimer_: unknown = null;
  private disposed_ = false;
  private rendering_ = false;
  private firstTickSeen_ = false;
  private breakLog_ = new BreakLog();
  /** Missed steps waiting to be asked for, and whether a fill is under way. */
  private pendingFill_: StepRange | null = null;
  private filling_ = false;
  private replaySeq_ = 0;
  /** Server mode: the steps received (and replayed), for the chart and the seed check. */
  private readonly history_ = new StepHistory(HISTORY_STEPS);
  private lastStep_: number | null = null;
  private readonly rtt_ = new ClientRttWindow();

  constructor(setup: GameSetup, deps: GameDeps) {
    this.d_ = deps;
    this.snap_ = {
      setup,
      phase: 'syncing',
      clock: null,
      clockError: null,
      remainingMs: null,
      tick: null,
      breaks: [],
      timeline: null,
      missedBreaks: 0,
      connection: null,
      latency: null,
      clientRtt: null,
      end: null,
      verification: null,
      tickCheck: null,
      serverError: null,
      wireErrors: null,
      replay: null,
      fill: null,
    };
  }

  // --- for React's useSyncExternalStore -----------------------------------

  readonly subscribe = (fn: () => void): (() => void) => {
    this.listeners_.add(fn);
    return () => this.listeners_.delete(fn);
  };

  readonly snapshot = (): GameSnapshot => this.snap_;

  // --- lifecycle ------------------------------------------------------------

  async start(): Promise<void> {
    this.connect();
    // The display starts with the first clock sample and follows the estimate as samples come.
    const useEstimate = (clock: ClockEstimate) => {
      if (this.disposed_) return;
      this.offset_ = clock.offsetMs;
      this.update_({ clock });
      this.startRendering_();
    };
    try {
      useEstimate(await synchronizeClock(() => this.d_.edge.time(this.d_.now), this.d_.sleep, SYNC_SAMPLES, SYNC_SPACING_MS, useEstimate));
    } catch (e) {
      if (this.disposed_) return;
      // Without a server clock the local one is the best guess; say so.
      this.update_({ clockError: e instanceof Error ? e.message : String(e) });
      this.startRendering_();
    }
  }

  private startRendering_(): void {
    if (this.rendering_) return;
    this.rendering_ = true;
    this.render_();
  }

  /** (Re)opens the broadcaster connection; after a lost connection, the Reconnect button. */
  connect(): void {
    const { setup } = this.snap_;
    if (this.disposed_ || this.d_.createSocket === null || setup.wsEndpoint === '') {
      this.startPolling_();
      return;
    }
    this.connection_?.dispose();
    const conn = new TickConnection({
      url: setup.wsEndpoint,
      sessionId: setup.session.id,
      userId: setup.userId,
      createSocket: this.d_.createSocket,
      now: this.d_.now,
      timers: this.d_.timers,
      wire: this.d_.wire ?? 'auto',
      onWireError: (last) => {
        if (this.connection_ === conn && !this.disposed_) this.update_({ wireErrors: { count: (this.snap_.wireErrors?.count ?? 0) + 1, last } });
      },
      onMessage: (m) => this.onMessage_(m),
      onStatus: (s) => this.onStatus_(conn, s),
    });
    this.connection_ = conn;
    conn.start();
  }

  /** Leaves the broadcaster (the Exit and Leave buttons) and stops every timer. */
  leave(): void {
    this.connection_?.leave();
    this.dispose();
  }

  dispose(): void {
    this.disposed_ = true;
    this.connection_?.dispose();
    this.connection_ = null;
    this.clearTimers_();
  }

  /** Server time now (client clock + the synchronized offset). */
  serverNow(): number {
    return this.d_.now() + this.offset_;
  }

  // --- the display clock ----------------------------------------------------

  /** Recomputes what depends on time and schedules the next refresh. */
  private render_(): void {
    if (this.disposed_ || this.snap_.end !== null) return;
    const { session } = this.snap_.setup;
    if (session.mode === 'server' && this.snap_.tick !== null) return; // the ticks drive the display now
    const now = Math.max(0, Math.round(this.serverNow()));
    let next: number;
    if (now < session.startAt) {
      this.update_({ phase: 'countdown', remainingMs: session.startAt - now });
      next = Math.min(COUNTDOWN_REFRESH_MS, session.startAt - now);
    } else if (session.seed !== null && session.mode === 'client') {
      const params = paramsOf(session, session.seed);
      const s: State = stateAt(params, now);
      // A refined clock estimate may move time back a little: never show a step go backwards.
      if (this.lastStep_ === null || s.step > this.lastStep_) {
        this.lastStep_ = s.step;
        this.update_({
          phase: 'running',
          remainingMs: null,
          tick: { step: s.step, value: s.value, round: s.round, broken: s.broken },
          breaks: lastBreaks(params, s.step),
          timeline: engineWindow(params, s.step),
        });
        this.firstTick_();
      }
      // Wake just after the next step boundary.
      next = session.startAt + (s.step + 1) * session.tickMs - now + 1;
    } else {
      // Server mode: the steps come from the broadcaster.
      if (this.snap_.tick === null) this.update_({ phase: 'waiting', remainingMs: null });
      return;
    }
    this.timer_ = this.d_.timers.setTimeout(() => {
      this.timer_ = null;
      this.render_();
    }, Math.max(1, next));
  }

  private firstTick_(): void {
    if (this.firstTickSeen_) return;
    this.firstTickSeen_ = true;
    this.d_.onFirstTick?.(Math.round(this.serverNow()) - this.snap_.setup.session.startAt);
  }

  // --- the broadcaster ------------------------------------------------------

  private onMessage_(m: ServerMessage): void {
    if (this.disposed_) return;
    switch (m.type) {
      case 'tick':
        return this.onTick_(m);
      case 'latency_status':
        return this.update_({ latency: { status: m.status, rttMs: m.rttMs, jitterMs: m.jitterMs } });
      case 'pong': {
        const clientRtt = this.rtt_.add(m.clientTimestamp, this.d_.now());
        if (clientRtt !== null) this.update_({ clientRtt });
        return;
      }
      case 'kicked':
        return this.end_({ kind: m.reason === 'replaced' ? 'replaced' : 'kicked', reason: m.reason, rttMs: m.rttMs, jitterMs: m.jitterMs });
      case 'stopped':
        void this.onStopped_(m.reason, m.seed, m.salt);
        return;
      case 'error':
        return this.update_({ serverError: m.message || m.code });
      case 'session_joined':
        // A resumed join in server mode: the next tick shows the steps missed meanwhile, and fills them.
        return;
      default:
        return;
    }
  }

  private onTick_(t: TickRecord): void {
    const { session } = this.snap_.setup;
    if (session.mode !== 'server' || this.snap_.end !== null) return;
    const tick = { step: t.step, value: t.value, round: t.round, broken: t.broken };
    const previousNewest = this.history_.newest;
    this.history_.add(tick);
    this.breakLog_.add(tick, this.history_.get(t.step - 1)?.value ?? null);
    this.update_({
      phase: 'running',
      remainingMs: null,
      tick,
      breaks: this.breakLog_.entries,
      missedBreaks: this.breakLog_.missed,
      timeline: this.history_.window(t.step),
    });
    this.firstTick_();
    if (t.step > previousNewest + 1) this.fillGaps_(previousNewest, t.step);
  }

  // --- replays through the edge ---------------------------------------------

  /**
   * Server mode: asks the edge for the steps before `step` this client never
   * received: since the last one it had (a reconnection), or the chart's
   * window (joining a running session). One request at a time; ranges that
   * come meanwhile are merged into the next.
   */
  private fillGaps_(previousNewest: number, step: number): void {
    const from = previousNewest < 0 ? Math.max(0, step - CHART_STEPS + 1) : Math.max(previousNewest + 1, step - HISTORY_STEPS + 1);
    const to = step - 1;
    if (to < from) return;
    const p = this.pendingFill_;
    this.pendingFill_ = p === null ? { from, to } : { from: Math.min(p.from, from), to: Math.max(p.to, to) };
    if (!this.filling_) void this.runFills_();
  }

  private async runFills_(): Promise<void> {
    this.filling_ = true;
    while (this.pendingFill_ !== null && !this.disposed_ && this.snap_.end === null) {
      const { from, to } = this.pendingFill_;
      this.pendingFill_ = null;
      this.update_({ fill: { state: 'loading', from, to } });
      try {
        const r = await this.d_.edge.replay(this.snap_.setup.session.id, from, to);
        if (this.disposed_) break;
        for (const s of r.states) this.history_.add(s);
        this.breakLog_ = BreakLog.of(this.history_.all());
        this.update_({
          breaks: this.breakLog_.entries,
          missedBreaks: this.breakLog_.missed,
          timeline: this.history_.window(this.history_.newest),
          fill: { state: 'done', from, to, steps: r.states.length, breaks: r.states.filter((s) => s.broken).length },
        });
      } catch (e) {
        if (this.disposed_) break;
        this.update_({ fill: { state: 'error', from, to, error: e instanceof Error ? e.message : String(e) } });
      }
    }
    this.filling_ = false;
  }

  /**
   * Shows the steps [from, to] as the region has them (any session, any mode;
   * a running server-mode session refuses steps after its current one). A
   * newer request replaces an older one still under way.
   */
  async replay(from: number, to: number): Promise<void> {
    const seq = ++this.replaySeq_;
    const refuse = (error: string) => this.update_({ replay: { state: 'error', from, to, error } });
    if (!Number.isSafeInteger(from) || !Number.isSafeInteger(to) || from < 0 || to < 0) return refuse('Steps are whole numbers from 0.');
    if (from > to) return refuse('The first step must not come after the last.');
    if (to - from + 1 > MAX_REPLAY_VIEW_STEPS) return refuse(`At most ${MAX_REPLAY_VIEW_STEPS} steps at a time.`);
    this.update_({ replay: { state: 'loading', from, to } });
    try {
      const r = await this.d_.edge.replay(this.snap_.setup.session.id, from, to);
      if (seq !== this.replaySeq_ || this.disposed_) return;
      this.update_({ replay: { state: 'done', from, to, window: windowOf(from, to, r.states) } });
    } catch (e) {
      if (seq !== this.replaySeq_ || this.disposed_) return;
      refuse(e instanceof Error ? e.message : String(e));
    }
  }

  private onStatus_(conn: TickConnection, s: ConnectionStatus): void {
    if (this.connection_ !== conn || this.disposed_) return;
    this.update_({ connection: s });
    if (s.state !== 'closed') {
      this.stopPolling_();
      return;
    }
    switch (s.reason) {
      case 'kicked':
      case 'replaced':
        // The kicked message usually came first and ended the game already.
        if (this.snap_.end === null) this.end_({ kind: s.reason, reason: s.reason === 'replaced' ? 'replaced' : 'unknown', rttMs: null, jitterMs: null });
        return;
      case 'ended':
        // A normal close without `stopped`: ask the edge what happened.
        if (this.snap_.end === null) void this.pollStatus_();
        return;
      case 'refused':
      case 'moved': // moved and the region did not say where: the edge knows
        if (this.snap_.end === null) void this.pollStatus_(true);
        return;
      case 'lost':
      case 'unavailable':
      case 'protocol':
        if (this.snap_.setup.session.mode === 'server') {
          if (s.reason === 'lost') this.end_({ kind: 'lost', reason: 'connection lost', rttMs: null, jitterMs: null });
        }
        this.startPolling_();
        return;
      case 'left':
        return;
    }
  }

  private async onStopped_(reason: string, seedText: string | null, salt: string | null): Promise<void> {
    const { session } = this.snap_.setup;
    this.end_({ kind: reason === 'exited' ? 'exited' : 'stopped', reason, rttMs: null, jitterMs: null });
    if (session.mode !== 'server') return;
    this.update_({ verification: 'pending' });
    const verification = await verifyCommitment(session.commitment, seedText, salt, this.d_.subtle);
    let tickCheck: TickCheck | null = null;
    const seed = seedText === null ? null : readSeed(seedText);
    if (seed !== null && seed !== undefined && this.history_.size > 0) {
      tickCheck = checkTicks(paramsOf(session, seed), this.history_.all());
    }
    this.update_({ verification, tickCheck });
  }

  // --- status polling, when no broadcaster carries the session's end --------

  private startPolling_(): void {
    if (this.pollTimer_ !== null || this.disposed_ || this.snap_.end !== null) return;
    this.pollTimer_ = this.d_.timers.setTimeout(() => {
      this.pollTimer_ = null;
      void this.pollStatus_().then(() => this.startPolling_());
    }, STATUS_POLL_MS);
  }

  private stopPolling_(): void {
    if (this.pollTimer_ !== null) this.d_.timers.clearTimeout(this.pollTimer_);
    this.pollTimer_ = null;
  }

  private async pollStatus_(refused = false): Promise<void> {
    let info: SessionInfo;
    try {
      info = await this.d_.edge.session(this.snap_.setup.session.id);
    } catch {
      if (refused && this.snap_.end === null) this.end_({ kind: 'refused', reason: 'the region refused the join', rttMs: null, jitterMs: null });
      return;
    }
    if (this.disposed_ || this.snap_.end !== null) return;
    if (info.status !== 'active') {
      const seed = info.seed === null ? null : info.seed.toString();
      return this.onStopped_(info.status === 'exited' ? 'exited' : 'stopped', seed, null);
    }
    if (refused) this.end_({ kind: 'refused', reason: 'the region refused the join', rttMs: null, jitterMs: null });
  }

  // --- state ----------------------------------------------------------------

  private end_(end: GameEnd): void {
    if (this.snap_.end !== null) return;
    this.clearTimers_();
    this.update_({ end, phase: 'ended' });
  }

  private clearTimers_(): void {
    if (this.timer_ !== null) this.d_.timers.clearTimeout(this.timer_);
    this.timer_ = null;
    this.stopPolling_();
  }

  private update_(patch: Partial<GameSnapshot>): void {
    this.snap_ = { ...this.snap_, ...patch };
    for (const fn of this.listeners_) fn();
  }
}
