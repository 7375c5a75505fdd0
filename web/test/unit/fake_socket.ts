// A WebSocket stand-in the tests drive by hand: they open it (selecting a
// subprotocol or none), deliver text or binary frames, read what the client
// sent, and close it with any code.
import type { SocketLike } from '../../src/net/tick_connection.ts';

/** What the client sent, decoded: text frames as JSON, binary frames as in docs/protocol.md. */
export type SentMessage = Record<string, unknown>;

/**
 * A client binary frame read as docs/protocol.md describes it (written from
 * the document, not from the client's encoder): 0x11 ping, 0x12 pong, 0x7F JSON.
 */
export function decodeClientBinary(bytes: Uint8Array): SentMessage {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  switch (bytes[0]) {
    case 0x11:
      if (bytes.length !== 9) throw new Error(`binary ping of ${bytes.length} bytes`);
      return { action: 'ping', clientTimestamp: Number(view.getBigInt64(1, true)) };
    case 0x12:
      if (bytes.length !== 13) throw new Error(`binary pong of ${bytes.length} bytes`);
      return { action: 'pong', seq: view.getUint32(1, true), serverTimestamp: Number(view.getBigInt64(5, true)) };
    case 0x7f:
      return JSON.parse(new TextDecoder().decode(bytes.subarray(1))) as SentMessage;
    default:
      throw new Error(`unknown client binary type ${bytes[0]}`);
  }
}

export class FakeSocket implements SocketLike {
  readyState = 0;
  protocol = '';
  binaryType: BinaryType = 'blob';
  readonly sent: SentMessage[] = [];
  /** The kind of frame of each sent message. */
  readonly sentKinds: ('text' | 'binary')[] = [];
  closedByClient: { code?: number; reason?: string } | null = null;
  onopen: ((ev: Event) => void) | null = null;
  onmessage: ((ev: MessageEvent) => void) | null = null;
  onclose: ((ev: CloseEvent) => void) | null = null;
  onerror: ((ev: Event) => void) | null = null;
  readonly url: string;
  readonly protocols: string[];

  constructor(url: string, protocols: string[]) {
    this.url = url;
    this.protocols = protocols;
  }

  send(data: string | Uint8Array<ArrayBuffer>): void {
    if (this.readyState !== 1) throw new Error('send on a socket that is not open');
    if (typeof data === 'string') {
      this.sent.push(JSON.parse(data) as SentMessage);
      this.sentKinds.push('text');
    } else {
      this.sent.push(decodeClientBinary(data));
      this.sentKinds.push('binary');
    }
  }

  close(code?: number, reason?: string): void {
    this.closedByClient = { code, reason };
    this.readyState = 3;
  }

  // --- the server's side ---
  /** Opens it; `protocol` is the subprotocol the server selected ('' for none). */
  open(protocol = ''): void {
    if (protocol !== '' && !this.protocols.includes(protocol)) throw new Error(`the client did not offer ${protocol}`);
    this.protocol = protocol;
    this.readyState = 1;
    this.onopen?.(new Event('open'));
  }

  deliver(message: object): void {
    this.onmessage?.({ data: JSON.stringify(message) } as MessageEvent);
  }

  /** A raw frame: a string is a text frame, bytes a binary frame (as an ArrayBuffer, binaryType 'arraybuffer'). */
  deliverFrame(data: string | Uint8Array): void {
    if (typeof data !== 'string' && this.binaryType !== 'arraybuffer') throw new Error('binaryType is not arraybuffer');
    const payload = typeof data === 'string' ? data : data.slice().buffer;
    this.onmessage?.({ data: payload } as MessageEvent);
  }

  serverClose(code: number): void {
    this.readyState = 3;
    this.onclose?.({ code } as CloseEvent);
  }
}

/** A factory that records every socket it made. */
export function socketFactory() {
  const sockets: FakeSocket[] = [];
  const create = (url: string, protocols: string[]) => {
    const s = new FakeSocket(url, protocols);
    sockets.push(s);
    return s;
  };
  return { sockets, create, last: () => sockets[sockets.length - 1]! };
}
