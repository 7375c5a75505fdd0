// One player's WebSocket to a region's tick broadcaster (docs/protocol.md):
// joins, then sends seed 001's own `ping` every second (its `pong` gives the
// client's RTT and keeps the link audibly alive), and reconnects with backoff
// when the connection drops, for as long as the server keeps the player's place
// (RECONNECT_GRACE_MS). Closes that end the player's part (kicked, replaced,
// refused, the session ended) are final and never retried.
//
// Migration (docs/protocol.md "Migration"): on `migrate` (or a join refused
// with `error` session_moved) the next connection goes to the message's
// wsUrl at once, and every join after the first tick carries `after` = the
// last step received, so the new region sends every step after it: none is
// missed or repeated. Without a wsUrl the connection ends as 'moved' (ask the
// edge where the session is).
//
// Subprotocols: both are offered, binary first (`wire: 'json'` offers only
// JSON); the one the server selects (`protocol` once open; none means JSON)
// decides how this side encodes. Frames are decoded by their own kind (text
// or binary), so a text frame on a binary connection is still read. A frame
// that cannot be read is reported (onWireError) and skipped, never thrown.
//
// Latency: the region measures RTT with RFC 6455 ping control frames, which
// the browser answers by itself (JavaScript never sees them). Nothing here
// depends on the server's JSON `ping`: if one arrives it is still echoed
// (harmless; older regions need it), but liveness is any message at all, and
// the client's own pings make sure a message comes at least every second.
//
// The socket factory, the clock and the timers are injected: the tests drive
// this class with a fake socket and fake time, without a network or sleeps.
import { decodeBinaryFrame, encodeBinaryClient } from './binary_codec.ts';
import {
  BINARY_SUBPROTOCOL,
  Close,
  JSON_SUBPROTOCOL,
  RECONNECT_GRACE_MS,
  decodeJsonFrame,
  encodeClientMessage,
  type ClientMessage,
  type FrameResult,
  type ServerMessage,
} from './protocol.ts';

/** The part of the browser's WebSocket this class uses. */
export interface SocketLike {
  readonly readyState: number;
  /** The subprotocol the server selected ('' before open, or when none). */
  readonly protocol: string;
  binaryType: BinaryType;
  send(data: string | Uint8Array<ArrayBuffer>): void;
  close(code?: number, reason?: string): void;
  onopen: ((ev: Event) => void) | null;
  onmessage: ((ev: MessageEvent) => void) | null;
  onclose: ((ev: CloseEvent) => void) | null;
  onerror: ((ev: Event) => void) | null;
}

export type SocketFactory = (url: string, protocols: string[]) => SocketLike;

export interface Timers {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

/** Why the connection ended for good. */
export type EndReason =
  | 'left' // leave() was called
  | 'ended' // the server closed normally: the session ended
  | 'kicked' // 4001; 4006: kicked from this session moments ago, refused until REJOIN_COOLDOWN_MS has passed
  | 'replaced' // 4005: the same player joined elsewhere
  | 'refused' // 4004: no such session, or it ended
  | 'moved' // 4007 without a URL to follow: the session moved, ask the edge where
  | 'protocol' // 1008, 1009, 4003: the server refused how the client spoke
  | 'lost' // dropped and not back within the grace period
  | 'unavailable'; // never joined: no broadcaster answers at this address

/** The encoding in use on a connection. */
export type Wire = 'binary' | 'json';

export type ConnectionStatus =
  | { state: 'connecting' }
  | { state: 'open'; resumed: boolean; wire: Wire }
  | { state: 'reconnecting'; attempt: number; retryInMs: number; graceLeftMs: number }
  | { state: 'closed'; reason: EndReason; code: number };

export interface TickConnectionOptions {
  readonly url: string;
  readonly sessionId: string;
  readonly userId: string;
  readonly createSocket: SocketFactory;
  /** Monotonic-enough clock (ms); Date.now in the page. */
  readonly now: () => number;
  readonly timers: Timers;
  readonly onMessage: (m: ServerMessage) => void;
  readonly onStatus: (s: ConnectionStatus) => void;
  /** A frame that could not be read (skipped): why. */
  readonly onWireError?: (error: string, wire: Wire) => void;
  /** 'auto' (default) offers metronome.v1.bin then metronome.v1.json; 'json' offers only JSON. */
  readonly wire?: 'auto' | 'json';
  /** First reconnection delay (ms), doubled per attempt up to maxBackoffMs. Default 250. */
  readonly initialBackoffMs?: number;
  /** Largest reconnection delay (ms). Default 2000. */
  readonly maxBackoffMs?: number;
  /** A socket not open after this long is abandoned and retried (ms). Default 5000. */
  readonly connectTimeoutMs?: number;
  /**
   * A joined socket that hears nothing (no tick, countdown, pong, latency_status…) for this
   * long is taken as dead (ms). The client pings every clientPingIntervalMs, so a live server
   * answers well within it. Default 5000.
   */
  readonly silenceTimeoutMs?: number;
  /** How often the client sends its own `ping` once joined (ms), seed 001's "every 1s". Default 1000. */
  readonly clientPingIntervalMs?: number;
}

const FINAL_CLOSES: ReadonlyMap<number, EndReason> = new Map([
  [Close.normal, 'ended'],
  [Close.kicked, 'kicked'],
  [Close.rejoinCooldown, 'kicked'],
  [Close.replaced, 'replaced'],
  [Close.refused, 'refused'],
  [Close.noJoin, 'protocol'],
  [Close.policy, 'protocol'],
  [Close.tooBig, 'protocol'],
]);

const OPEN = 1;

export class TickConnection {
  private readonly o_: TickConnectionOptions;
  private socket_: SocketLike | null = null;
  private wire_: Wire = 'json';
  private attempt_ = 0;
  /** When the current outage began (ms); null while joined. */
  private droppedAt_: number | null = null;
  private everJoined_ = false;
  private done_ = false;
  private retryTimer_: unknown = null;
  private connectTimer_: unknown = null;
  private silenceTimer_: unknown = null;
  private pingTimer_: unknown = null;
  /** Where the next socket goes: the options' url, then where a migration points. */
  private url_: string;
  /** The last tick step received; joins resume after it. */
  private lastStep_: number | null = null;
  /** Set by `migrate` / `session_moved`: the coming close 4007 reconnects there at once. */
  private movedTo_: string | null = null;

  constructor(options: TickConnectionOptions) {
    this.o_ = options;
    this.url_ = options.url;
  }

  /** The URL of the current (or next) socket: it changes when the session migrates. */
  get url(): string {
    return this.url_;
  }

  start(): void {
    this.open_();
  }

  /** Sends leave and closes; no reconnection after this. */
  leave(): void {
    if (this.done_) return;
    const s = this.socket_;
    if (s && s.readyState === OPEN) this.send_({ action: 'leave' });
    this.finish_('left', Close.normal);
    if (s) s.close(Close.normal, 'leave');
  }

  /** Drops everything without a word (the page is going away). */
  dispose(): void {
    if (this.done_) return;
    const s = this.socket_;
    this.finish_('left', Close.normal);
    if (s) s.close(Close.normal, 'dispose');
  }

  private open_(): void {
    const offered = this.o_.wire === 'json' ? [JSON_SUBPROTOCOL] : [BINARY_SUBPROTOCOL, JSON_SUBPROTOCOL];
    const ws = this.o_.createSocket(this.url_, offered);
    ws.binaryType = 'arraybuffer';
    this.socket_ = ws;
    this.wire_ = 'json';
    this.o_.onStatus(this.attempt_ === 0 ? { state: 'connecting' } : this.reconnectingStatus_(0));
    this.connectTimer_ = this.o_.timers.setTimeout(() => {
      if (this.socket_ === ws && ws.readyState !== OPEN) this.dropped_(ws, Close.abnormal);
    }, this.o_.connectTimeoutMs ?? 5_000);
    ws.onopen = () => {
      if (this.socket_ !== ws) return;
      this.clear_('connectTimer_');
      this.wire_ = ws.protocol === BINARY_SUBPROTOCOL ? 'binary' : 'json';
      this.send_(
        this.lastStep_ === null
          ? { action: 'join', sessionId: this.o_.sessionId, userId: this.o_.userId }
          : { action: 'join', sessionId: this.o_.sessionId, userId: this.o_.userId, after: this.lastStep_ },
      );
      this.armSilence_(ws);
    };
    ws.onmessage = (ev: MessageEvent) => {
      if (this.socket_ !== ws) return;
      this.armSilence_(ws);
      const r = decodeFrame(ev.data);
      if (r.kind === 'malformed') {
        this.o_.onWireError?.(r.error, this.wire_);
        return;
      }
      if (r.kind === 'ignored') return;
      const m = r.message;
      if (m.type === 'ping') {
        this.echo_(ws, m.seq, m.serverTimestamp);
      } else if (m.type === 'tick') {
        // A repeat (never sent by a region that got `after`) is dropped here all the same.
        if (this.lastStep_ !== null && m.step <= this.lastStep_) return;
        this.lastStep_ = m.step;
      } else if (m.type === 'migrate') {
        this.movedTo_ = m.wsUrl;
      } else if (m.type === 'error' && m.code === 'session_moved') {
        this.movedTo_ = m.wsUrl ?? null;
        return; // handled here: not an error for the game
      } else if (m.type === 'session_joined') {
        this.attempt_ = 0;
        this.droppedAt_ = null;
        this.everJoined_ = true;
        this.o_.onStatus({ state: 'open', resumed: m.resumed, wire: this.wire_ });
        this.schedulePing_(ws, 0);
      }
      this.o_.onMessage(m);
    };
    ws.onclose = (ev: CloseEvent) => {
      if (this.socket_ !== ws) return;
      this.dropped_(ws, ev.code);
    };
    // onerror is always followed by onclose, which decides.
    ws.onerror = () => {};
  }

  /** The client's own seed 001 ping, every clientPingIntervalMs while this socket is current. */
  private schedulePing_(ws: SocketLike, delayMs: number): void {
    this.clear_('pingTimer_');
    this.pingTimer_ = this.o_.timers.setTimeout(() => {
      this.pingTimer_ = null;
      if (this.socket_ !== ws || ws.readyState !== OPEN) return;
      this.send_({ action: 'ping', clientTimestamp: this.o_.now() });
      this.schedulePing_(ws, this.o_.clientPingIntervalMs ?? 1_000);
    }, delayMs);
  }

  private echo_(ws: SocketLike, seq: number, serverTimestamp: number): void {
    if (this.socket_ === ws && ws.readyState === OPEN) this.send_({ action: 'pong', seq, serverTimestamp });
  }

  /** The socket is gone (closed by the server, failed, or silent): end or retry. */
  private dropped_(ws: SocketLike, code: number): void {
    if (this.done_ || this.socket_ !== ws) return;
    this.socket_ = null;
    this.clear_('connectTimer_');
    this.clear_('silenceTimer_');
    this.clear_('pingTimer_');
    ws.onopen = ws.onmessage = ws.onclose = ws.onerror = null;
    if (ws.readyState !== 3 /* CLOSED */) ws.close(Close.normal, 'abandoned');
    if (code === Close.migrated) {
      const to = this.movedTo_;
      this.movedTo_ = null;
      if (to === null) return this.finish_('moved', code);
      // Not an outage: straight to the new region, no backoff.
      this.url_ = to;
      this.attempt_ = 0;
      this.droppedAt_ = null;
      return this.open_();
    }
    const final = FINAL_CLOSES.get(code);
    if (final !== undefined) return this.finish_(final, code);
    const now = this.o_.now();
    if (this.droppedAt_ === null) this.droppedAt_ = now;
    const delay = Math.min(this.o_.maxBackoffMs ?? 2_000, (this.o_.initialBackoffMs ?? 250) * 2 ** this.attempt_);
    // Past the grace period the server has dropped the player: a rejoin would be a new player.
    if (now + delay - this.droppedAt_ >= RECONNECT_GRACE_MS) {
      return this.finish_(this.everJoined_ ? 'lost' : 'unavailable', code);
    }
    this.attempt_ += 1;
    this.o_.onStatus(this.reconnectingStatus_(delay));
    this.retryTimer_ = this.o_.timers.setTimeout(() => {
      this.retryTimer_ = null;
      if (!this.done_) this.open_();
    }, delay);
  }

  private reconnectingStatus_(retryInMs: number): ConnectionStatus {
    const elapsed = this.droppedAt_ === null ? 0 : this.o_.now() - this.droppedAt_;
    return { state: 'reconnecting', attempt: this.attempt_, retryInMs, graceLeftMs: Math.max(0, RECONNECT_GRACE_MS - elapsed) };
  }

  private armSilence_(ws: SocketLike): void {
    this.clear_('silenceTimer_');
    this.silenceTimer_ = this.o_.timers.setTimeout(() => this.dropped_(ws, Close.abnormal), this.o_.silenceTimeoutMs ?? 5_000);
  }

  private finish_(reason: EndReason, code: number): void {
    if (this.done_) return;
    this.done_ = true;
    this.socket_ = null;
    this.clear_('retryTimer_');
    this.clear_('connectTimer_');
    this.clear_('silenceTimer_');
    this.clear_('pingTimer_');
    this.o_.onStatus({ state: 'closed', reason, code });
  }

  private clear_(which: 'retryTimer_' | 'connectTimer_' | 'silenceTimer_' | 'pingTimer_'): void {
    if (this[which] !== null) this.o_.timers.clearTimeout(this[which]);
    this[which] = null;
  }

  private send_(m: ClientMessage): void {
    this.socket_?.send(this.wire_ === 'binary' ? encodeBinaryClient(m) : encodeClientMessage(m));
  }
}

/** A frame by its kind: text is JSON, an ArrayBuffer is binary; anything else is unreadable. */
function decodeFrame(data: unknown): FrameResult {
  if (typeof data === 'string') return decodeJsonFrame(data);
  if (data instanceof ArrayBuffer) return decodeBinaryFrame(data);
  return { kind: 'malformed', error: 'a frame that is neither text nor an ArrayBuffer' };
}
