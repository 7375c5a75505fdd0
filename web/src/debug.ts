// Options read from the page's URL. They change nothing unless given.
//
//   ?wire=json  offer only the JSON subprotocol (default: binary, then JSON).

export interface DebugOptions {
  readonly wire: 'auto' | 'json';
}

export function readDebugOptions(search: string): DebugOptions {
  const q = new URLSearchParams(search);
  return { wire: q.get('wire') === 'json' ? 'json' : 'auto' };
}
