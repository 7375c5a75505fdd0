// Byte-level reading and writing for the world protocol (docs/protocol.md,
// "World", "Encoding"): bytes, LEB128 varints (unsigned, and signed by
// zigzag), and strings (a varint length, then UTF-8). The reader throws only WireError, with the offset
// and what it was reading, and never reads past the frame: every decoder in
// src/world builds on it, so "random bytes throw nothing but WireError" holds
// for all of them.

/** A frame that cannot be read: the decoders' only error. */
export class WireError extends Error {
  override readonly name = 'WireError';
}

const utf8 = new TextDecoder('utf-8', { fatal: true });
const utf8Encoder = new TextEncoder();

/** A varint takes at most 10 bytes (64 bits, 7 per byte). */
const MAX_VARINT_BYTES = 10;

export class Reader {
  private readonly bytes_: Uint8Array;
  private at_ = 0;

  constructor(bytes: Uint8Array) {
    this.bytes_ = bytes;
  }

  get offset(): number {
    return this.at_;
  }

  get remaining(): number {
    return this.bytes_.length - this.at_;
  }

  private need_(n: number, what: string): void {
    if (this.remaining < n) throw new WireError(`${what} at byte ${this.at_}: needs ${n} byte${n === 1 ? '' : 's'}, ${this.remaining} left`);
  }

  u8(what: string): number {
    this.need_(1, what);
    return this.bytes_[this.at_++]!;
  }

  /**
   * An unsigned LEB128 varint: at most 10 bytes, any form (shortest or not)
   * whose value fits 64 bits. Values beyond 2^53 − 1 fit the protocol but not
   * a JavaScript number: they are refused too, as beyond what this client holds.
   */
  varint(what: string): number {
    const start = this.at_;
    let v = 0;
    let scale = 1;
    for (let i = 0; i < MAX_VARINT_BYTES; ++i) {
      if (this.at_ >= this.bytes_.length) throw new WireError(`${what} at byte ${start}: a varint cut short`);
      const b = this.bytes_[this.at_++]!;
      const group = b & 0x7f;
      if (group !== 0) {
        // Groups past the 53rd bit make the value too large to hold (and past the 64th, malformed).
        if (i === MAX_VARINT_BYTES - 1 && group > 1) throw new WireError(`${what} at byte ${start}: a varint beyond 64 bits`);
        v += group * scale;
        if (v > Number.MAX_SAFE_INTEGER) throw new WireError(`${what} at byte ${start}: a varint beyond 2^53, more than this client holds`);
      }
      if ((b & 0x80) === 0) return v;
      scale *= 128;
    }
    throw new WireError(`${what} at byte ${start}: a varint longer than ${MAX_VARINT_BYTES} bytes`);
  }

  /** A zigzag-encoded signed varint (0, −1, 1, −2… as 0, 1, 2, 3…). */
  svarint(what: string): number {
    const z = this.varint(what);
    return z % 2 === 0 ? z / 2 : -(z + 1) / 2;
  }

  /** `n` raw bytes (a view, not a copy). */
  bytes(n: number, what: string): Uint8Array {
    this.need_(n, what);
    const out = this.bytes_.subarray(this.at_, this.at_ + n);
    this.at_ += n;
    return out;
  }

  /** UTF-8 text of `n` bytes. */
  text(n: number, what: string): string {
    const b = this.bytes(n, what);
    try {
      return utf8.decode(b);
    } catch {
      throw new WireError(`${what} at byte ${this.at_ - n}: not UTF-8`);
    }
  }

  /** A `string`: a varint byte length, then that many bytes of UTF-8. */
  string(what: string): string {
    const n = this.varint(`${what} length`);
    if (n > this.remaining) throw new WireError(`${what} at byte ${this.at_}: ${n} bytes long, ${this.remaining} left`);
    return this.text(n, what);
  }

  /** The frame must end here. */
  end(what: string): void {
    if (this.remaining !== 0) throw new WireError(`${what}: ${this.remaining} byte${this.remaining === 1 ? '' : 's'} after the end`);
  }
}

export class Writer {
  private buf_ = new Uint8Array(64);
  private len_ = 0;

  private room_(n: number): void {
    if (this.len_ + n <= this.buf_.length) return;
    const next = new Uint8Array(Math.max(this.buf_.length * 2, this.len_ + n));
    next.set(this.buf_.subarray(0, this.len_));
    this.buf_ = next;
  }

  u8(v: number): this {
    this.room_(1);
    this.buf_[this.len_++] = v & 0xff;
    return this;
  }

  varint(v: number): this {
    if (!Number.isSafeInteger(v) || v < 0) throw new RangeError(`varint ${v} is not an integer in [0, 2^53)`);
    let n = v;
    do {
      const low = n % 128;
      n = (n - low) / 128;
      this.u8(n > 0 ? low | 0x80 : low);
    } while (n > 0);
    return this;
  }

  svarint(v: number): this {
    if (!Number.isSafeInteger(v) || Math.abs(v) > 2 ** 51) throw new RangeError(`svarint ${v} is out of range`);
    return this.varint(v >= 0 ? 2 * v : -2 * v - 1);
  }

  bytes(b: Uint8Array): this {
    this.room_(b.length);
    this.buf_.set(b, this.len_);
    this.len_ += b.length;
    return this;
  }

  /** A `string`: varint byte length, then the UTF-8 bytes. */
  string(s: string): this {
    const b = utf8Encoder.encode(s);
    return this.varint(b.length).bytes(b);
  }

  finish(): Uint8Array<ArrayBuffer> {
    return this.buf_.slice(0, this.len_);
  }
}
