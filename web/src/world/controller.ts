// One player's connection to the world gateway (docs/protocol.md, "World"),
// without React: opens the WebSocket with the token, feeds every tick frame
// to the model and acknowledges each one applied, sends the player's
// commands (seq from 1 on each connection), measures frames and bytes per
// second and the input-to-view round trip, and reconnects with backoff with
// the same token while the gateway keeps the entity (the grace period): the
// welcome then says "resumed" with the same entity and the first frame is a
// reset. Closes that end the player's part (replaced, rate limited, a bad
// message, the world full) are final. A socket that closes before it opened
// is diagnosed (the token refused, or no gateway at all) rather than retried
// blindly. Everything is injected (socket, clock, timers, the diagnosis), so
// the tests drive it without a network or sleeps.
import { decodeServerMessage, encodeClientMessage } from './codec.ts';
import { InputToViewMeter, RateMeter } from './figures.ts';
import { WorldModel, type ModelEntity } from './model.ts';
import { WORLD_SUBPROTOCOL, WorldClose, type ClientMessage, type Command, type Welcome } from './protocol.ts';

/** The part of the browser's WebSocket used here. */
export interface WorldSocket {
  readonly readyState: number;
  readonly protocol: string;
  binaryType: BinaryType;
  send(data: Uint8Array<ArrayBuffer>): void;
  close(code?: number, reason?: string): void;
  onopen: ((ev: Event) => void) | null;
  onmessage: ((ev: MessageEvent) => void) | null;
  onclose: ((ev: CloseEvent) => void) | null;
  onerror: ((ev: Event) => void) | null;
}

export interface WorldTimers {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export interface WorldControllerOptions {
  /** The gateway's /world address, token included (`?token=`). */
  readonly url: string;
  readonly createSocket: (url: string, protocols: string[]) => WorldSocket;
  readonly now: () => number;
  readonly timers: WorldTimers;
  /**
   * Why a socket closed before it opened, when that is final (the gateway
   * refused the token, no gateway answers): a sentence for the player, or null
   * to retry as for any drop. Default: always retry.
   */
  readonly diagnose?: () => Promise<string | null>;
  /** How long the gateway keeps a dropped player's entity (ms), `--grace-ms`; reconnections stop after it. Default 10000. */
  readonly graceMs?: number;
  /** First reconnection delay (ms), doubled per attempt up to 2 s. Default 250. */
  readonly initialBackoffMs?: number;
  /** A socket not open after this long is abandoned and retried (ms). Default 5000. */
  readonly connectTimeoutMs?: number;
  /** How often the figures are refreshed when no frame arrives (ms). Default 500. */
  readonly refreshMs?: number;
}

export type WorldLink =
  | { readonly state: 'connecting'; readonly attempt: number }
  | { readonly state: 'open'; readonly resumed: boolean }
  | { readonly state: 'reconnecting'; readonly attempt: number; readonly retryInMs: number }
  | { readonly state: 'closed'; readonly code: number; readonly reason: string; readonly final: boolean };

export interface WorldSnapshot {
  readonly link: WorldLink;
  readonly welcome: Welcome | null;
  /** Connections welcomed back to the same entity. */
  readonly resumes: number;
  readonly tick: number | null;
  /** Your entity, when the gateway includes it in your frames. */
  readonly self: ModelEntity | null;
  readonly others: readonly ModelEntity[];
  /** Input to view (ms): see InputToViewMeter. */
  readonly rttMs: number | null;
  readonly framesPerSecond: number;
  readonly bytesPerSecond: number;
  readonly frames: number;
  readonly bytes: number;
  /** Frames that could not be read or applied, and the last reason. */
  readonly wireErrors: { readonly count: number; readonly last: string } | null;
  /** The gateway's last error message (0x7F), as "code: message". */
  readonly serverError: string | null;
  /** Commands the world refused, and the last reason. */
  readonly rejected: { readonly count: number; readonly last: string } | null;
  readonly emotes: readonly { readonly id: number; readonly text: string; readonly at: number }[];
  /** Where a move-to is heading, until the player moves by keys or stops. */
  readonly target: { readonly x: number; readonly y: number } | null;
}

const OPEN = 1;
const MAX_BACKOFF_MS = 2_000;

/** Closes after which reconnecting would not help, with what to tell the player. */
const FINAL_CLOSES: ReadonlyMap<number, string> = new Map([
  [WorldClose.normal, 'the gateway ended the connection'],
  [WorldClose.unsupportedData, 'the gateway refused a text frame from this page'],
  [WorldClose.tooBig, 'the gateway refused a message too big'],
  [WorldClose.replaced, 'replaced: this player connected from another page, which now has the entity'],
  [WorldClose.badMessage, 'the gateway could not read a message from this page'],
  [WorldClose.rateLimited, 'too many messages: the gateway closed the connection'],
  [WorldClose.worldFull, 'the world is full: no entity for this player'],
]);

export class WorldController {
  private readonly o_: WorldControllerOptions;
  private readonly model_ = new WorldModel();
  private readonly rates_ = new RateMeter(2_000);
  private readonly input_ = new InputToViewMeter();
  private socket_: WorldSocket | null = null;
  private opened_ = false;
  private link_: WorldLink = { state: 'connecting', attempt: 0 };
  private welcome_: Welcome | null = null;
  private resumes_ = 0;
  private attempt_ = 0;
  private droppedAt_: number | null = null;
  private seq_ = 1;
  private done_ = false;
  private wireErrors_: { count: number; last: string } | null = null;
  private serverError_: string | null = null;
  private rejected_: { count: number; last: string } | null = null;
  private emotes_: { id: number; text: string; at: number }[] = [];
  private target_: { x: number; y: number } | null = null;
  private timers_: Record<'retry' | 'connect' | 'refresh', unknown> = { retry: null, connect: null, refresh: null };
  private listeners_ = new Set<() => void>();
  private snapshot_: WorldSnapshot;

  constructor(options: WorldControllerOptions) {
    this.o_ = options;
    this.snapshot_ = this.build_();
  }

  readonly subscribe = (fn: () => void): (() => void) => {
    this.listeners_.add(fn);
    return () => this.listeners_.delete(fn);
  };

  readonly snapshot = (): WorldSnapshot => this.snapshot_;

  start(): void {
    this.open_();
  }

  /** Closes for good (the player leaves the world page). */
  dispose(): void {
    if (this.done_) return;
    const s = this.socket_;
    this.finish_(WorldClose.normal, 'left', true);
    s?.close(WorldClose.normal, 'leave');
  }

  /** Starts again after a close that was not final (the grace period ran out, or the gateway did not answer). */
  reconnect(): void {
    if (!this.done_ || (this.link_.state === 'closed' && this.link_.final)) return;
    this.done_ = false;
    this.attempt_ = 0;
    this.droppedAt_ = null;
    this.open_();
  }

  /** Sends a command; false when no connection is open (the command is dropped, never queued). */
  command(c: Command): boolean {
    const s = this.socket_;
    if (s === null || s.readyState !== OPEN || this.welcome_ === null || this.link_.state !== 'open') return false;
    if (c.kind === 'moveTo') this.target_ = { x: c.x, y: c.y };
    else if (c.kind !== 'emote') this.target_ = null;
    if (c.kind !== 'emote') this.input_.sent(this.o_.now());
    this.send_({ type: 'command', seq: this.seq_, command: c });
    this.seq_ += 1;
    this.changed_();
    return true;
  }

  private open_(): void {
    const ws = this.o_.createSocket(this.o_.url, [WORLD_SUBPROTOCOL]);
    ws.binaryType = 'arraybuffer';
    this.socket_ = ws;
    this.opened_ = false;
    this.seq_ = 1;
    // A retry stays "reconnecting" until the welcome: the player's entity is waiting.
    this.link_ = this.attempt_ === 0 ? { state: 'connecting', attempt: 0 } : { state: 'reconnecting', attempt: this.attempt_, retryInMs: 0 };
    this.changed_();
    this.timers_.connect = this.o_.timers.setTimeout(() => {
      this.timers_.connect = null;
      if (this.socket_ === ws && ws.readyState !== OPEN) this.dropped_(ws, WorldClose.abnormal, 'the gateway did not answer in time');
    }, this.o_.connectTimeoutMs ?? 5_000);
    ws.onopen = () => {
      if (this.socket_ !== ws) return;
      this.opened_ = true;
      this.clear_('connect');
      this.scheduleRefresh_(ws);
    };
    ws.onmessage = (ev: MessageEvent) => {
      if (this.socket_ === ws) this.receive_(ws, ev.data);
    };
    ws.onclose = (ev: CloseEvent) => {
      if (this.socket_ === ws) this.dropped_(ws, ev.code, ev.reason);
    };
    ws.onerror = () => {};
  }

  private receive_(ws: WorldSocket, data: unknown): void {
    const now = this.o_.now();
    if (!(data instanceof ArrayBuffer)) return this.wireError_('a frame that is not binary');
    this.rates_.add(now, data.byteLength);
    const r = decodeServerMessage(new Uint8Array(data));
    if (r.kind === 'malformed') {
      // A lost tick frame may have carried events: the picture can no longer be trusted.
      this.wireError_(r.error);
      return this.dropped_(ws, WorldClose.abnormal, 'a frame could not be read');
    }
    const m = r.message;
    switch (m.type) {
      case 'welcome':
        if (this.welcome_ !== null && m.resumed && m.entity === this.welcome_.entity) this.resumes_ += 1;
        this.welcome_ = m;
        this.attempt_ = 0;
        this.droppedAt_ = null;
        this.link_ = { state: 'open', resumed: m.resumed };
        break;
      case 'tick': {
        if (this.welcome_ === null || this.link_.state !== 'open') {
          this.wireError_('a tick frame before the welcome');
          return this.dropped_(ws, WorldClose.abnormal, 'a tick frame before the welcome');
        }
        const applied = this.model_.apply(m);
        if (applied.kind === 'unusable') {
          this.wireError_(`tick ${applied.tick}: ${applied.error}`);
          return this.dropped_(ws, WorldClose.abnormal, 'the stream could not be followed');
        }
        if (applied.kind === 'applied') {
          this.send_({ type: 'ack', tick: applied.tick });
          const self = this.model_.entity(this.welcome_.entity);
          if (self !== null) this.input_.seen(now, m.tick, self.x, self.y);
        }
        for (const e of m.events) {
          if (e.type === 'emote') this.emotes_ = [...this.emotes_.slice(-9), { id: e.id, text: e.text, at: now }];
          else if (e.type === 'rejected') this.rejected_ = { count: (this.rejected_?.count ?? 0) + 1, last: e.reason };
        }
        break;
      }
      case 'error':
        this.serverError_ = `${m.code}: ${m.message}`;
        break;
    }
    this.changed_();
  }

  private wireError_(error: string): void {
    this.wireErrors_ = { count: (this.wireErrors_?.count ?? 0) + 1, last: error };
    this.changed_();
  }

  /** Rates decay when frames stop: refresh the snapshot now and then while a socket is current. */
  private scheduleRefresh_(ws: WorldSocket): void {
    this.clear_('refresh');
    this.timers_.refresh = this.o_.timers.setTimeout(() => {
      this.timers_.refresh = null;
      if (this.socket_ !== ws) return;
      this.changed_();
      this.scheduleRefresh_(ws);
    }, this.o_.refreshMs ?? 500);
  }

  private dropped_(ws: WorldSocket, code: number, reason: string): void {
    if (this.done_ || this.socket_ !== ws) return;
    this.socket_ = null;
    this.clear_('connect');
    this.clear_('refresh');
    ws.onopen = ws.onmessage = ws.onclose = ws.onerror = null;
    if (ws.readyState !== 3 /* CLOSED */) ws.close(WorldClose.normal, 'abandoned');
    if (this.link_.state === 'open') this.link_ = { state: 'reconnecting', attempt: 0, retryInMs: 0 };
    const final = FINAL_CLOSES.get(code);
    if (final !== undefined) return this.finish_(code, this.serverError_ ? `${final} (${this.serverError_})` : final, true);
    if (!this.opened_ && this.o_.diagnose) {
      // Closed before it opened: a refused token (HTTP 401) looks like this in a browser.
      const settle = (why: string | null) => {
        if (this.done_ || this.socket_ !== null) return; // disposed meanwhile
        if (why !== null) this.finish_(code, why, true);
        else this.retry_(code, reason);
      };
      this.o_.diagnose().then(settle, () => settle(null));
      return;
    }
    this.retry_(code, reason);
  }

  private retry_(code: number, reason: string): void {
    const now = this.o_.now();
    if (this.droppedAt_ === null) this.droppedAt_ = now;
    const delay = Math.min(MAX_BACKOFF_MS, (this.o_.initialBackoffMs ?? 250) * 2 ** this.attempt_);
    if (now + delay - this.droppedAt_ >= (this.o_.graceMs ?? 10_000)) {
      const why = this.welcome_ === null ? `the gateway does not answer${reason ? ` (${reason})` : ''}` : 'lost: not back within the grace period';
      return this.finish_(code, why, false);
    }
    this.attempt_ += 1;
    this.link_ = { state: 'reconnecting', attempt: this.attempt_, retryInMs: delay };
    this.changed_();
    this.timers_.retry = this.o_.timers.setTimeout(() => {
      this.timers_.retry = null;
      if (!this.done_) this.open_();
    }, delay);
  }

  private finish_(code: number, reason: string, final: boolean): void {
    if (this.done_) return;
    this.done_ = true;
    this.socket_ = null;
    this.clear_('retry');
    this.clear_('connect');
    this.clear_('refresh');
    this.link_ = { state: 'closed', code, reason, final };
    this.changed_();
  }

  private clear_(which: 'retry' | 'connect' | 'refresh'): void {
    if (this.timers_[which] !== null) this.o_.timers.clearTimeout(this.timers_[which]);
    this.timers_[which] = null;
  }

  private send_(m: ClientMessage): void {
    const s = this.socket_;
    if (s !== null && s.readyState === OPEN) s.send(encodeClientMessage(m));
  }

  private changed_(): void {
    this.snapshot_ = this.build_();
    for (const fn of this.listeners_) fn();
  }

  private build_(): WorldSnapshot {
    const selfId = this.welcome_?.entity ?? null;
    const all = this.model_.entities();
    const { framesPerSecond, bytesPerSecond } = this.rates_.rates(this.o_.now());
    return {
      link: this.link_,
      welcome: this.welcome_,
      resumes: this.resumes_,
      tick: this.model_.tick,
      self: selfId === null ? null : (all.find((e) => e.id === selfId) ?? null),
      others: all.filter((e) => e.id !== selfId),
      rttMs: this.input_.rtt.lastMs,
      framesPerSecond,
      bytesPerSecond,
      frames: this.rates_.totalFrames,
      bytes: this.rates_.totalBytes,
      wireErrors: this.wireErrors_,
      serverError: this.serverError_,
      rejected: this.rejected_,
      emotes: this.emotes_,
      target: this.target_,
    };
  }
}
