// Connection figures for the world page: frames and bytes per second over a
// sliding window, and the round trip from the last pongs. Pure: the caller
// passes `now` (ms) with every sample and every read, so the tests need no clock.

/** Rates over the last `windowMs`; frames older than the window are forgotten. */
export class RateMeter {
  private readonly windowMs_: number;
  /** (time, bytes) of each frame in the window, oldest first; a ring would do, the window is small. */
  private samples_: { at: number; bytes: number }[] = [];
  private totalFrames_ = 0;
  private totalBytes_ = 0;

  constructor(windowMs = 2_000) {
    if (!(windowMs > 0)) throw new RangeError('the window must be positive');
    this.windowMs_ = windowMs;
  }

  add(now: number, bytes: number): void {
    this.samples_.push({ at: now, bytes });
    this.totalFrames_ += 1;
    this.totalBytes_ += bytes;
    this.trim_(now);
  }

  /** Frames per second and bytes per second over the window that ends at `now`. */
  rates(now: number): { framesPerSecond: number; bytesPerSecond: number } {
    this.trim_(now);
    const bytes = this.samples_.reduce((n, s) => n + s.bytes, 0);
    const seconds = this.windowMs_ / 1000;
    return { framesPerSecond: this.samples_.length / seconds, bytesPerSecond: bytes / seconds };
  }

  get totalFrames(): number {
    return this.totalFrames_;
  }

  get totalBytes(): number {
    return this.totalBytes_;
  }

  private trim_(now: number): void {
    let drop = 0;
    while (drop < this.samples_.length && this.samples_[drop]!.at <= now - this.windowMs_) ++drop;
    if (drop > 0) this.samples_ = this.samples_.slice(drop);
  }
}

/** The last round trip and a mean over the last `keep` samples (ms). */
export class RttMeter {
  private readonly keep_: number;
  private samples_: number[] = [];

  constructor(keep = 10) {
    this.keep_ = keep;
  }

  add(rttMs: number): void {
    if (!Number.isFinite(rttMs) || rttMs < 0) return;
    this.samples_.push(rttMs);
    if (this.samples_.length > this.keep_) this.samples_.shift();
  }

  get lastMs(): number | null {
    return this.samples_.length === 0 ? null : this.samples_[this.samples_.length - 1]!;
  }

  get meanMs(): number | null {
    return this.samples_.length === 0 ? null : this.samples_.reduce((a, b) => a + b, 0) / this.samples_.length;
  }
}

/**
 * The round trip as the player feels it: from a movement command to the
 * first frame in which your own entity's motion changes (the protocol has no
 * echo message, and the gateway's RFC 6455 pings are answered by the browser
 * out of JavaScript's sight). It includes up to one tick of waiting for the
 * world to step. A command that changes nothing visible (blocked by a wall)
 * gives no sample; it is forgotten after `timeoutMs`.
 */
export class InputToViewMeter {
  private readonly timeoutMs_: number;
  private pending_: { at: number; velocity: { vx: number; vy: number } | null } | null = null;
  private last_: { tick: number; x: number; y: number } | null = null;
  private velocity_: { vx: number; vy: number } | null = null;
  readonly rtt = new RttMeter(10);

  constructor(timeoutMs = 2_000) {
    this.timeoutMs_ = timeoutMs;
  }

  /** A movement command left at `now`. */
  sent(now: number): void {
    this.pending_ = { at: now, velocity: this.velocity_ };
  }

  /** Your entity's position (q) at `tick`, seen at `now`. */
  seen(now: number, tick: number, x: number, y: number): void {
    const prev = this.last_;
    this.last_ = { tick, x, y };
    if (prev === null || tick <= prev.tick) return;
    const v = { vx: (x - prev.x) / (tick - prev.tick), vy: (y - prev.y) / (tick - prev.tick) };
    this.velocity_ = v;
    const p = this.pending_;
    if (p === null) return;
    if (now - p.at > this.timeoutMs_) {
      this.pending_ = null;
      return;
    }
    const before = p.velocity ?? { vx: 0, vy: 0 };
    // More than 1 q per tick of change: beyond the quantization's wobble.
    if (Math.abs(v.vx - before.vx) > 1 || Math.abs(v.vy - before.vy) > 1) {
      this.rtt.add(now - p.at);
      this.pending_ = null;
    }
  }
}
