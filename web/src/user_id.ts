// Which user id to offer. The start screen offers the last one used in this
// browser; the join screen offers this tab's own (so a reload rejoins as the
// same player) or a fresh one, never another tab's: two tabs with one user id
// would replace each other on the server (close 4005).

const LAST_KEY = 'metronome.userId';
const TAB_KEY = 'metronome.tabUserId';

function read(storage: () => Storage, key: string): string | null {
  try {
    return storage().getItem(key);
  } catch {
    return null; // storage disabled
  }
}

function write(storage: () => Storage, key: string, value: string): void {
  try {
    storage().setItem(key, value);
  } catch {
    // storage disabled: nothing is remembered
  }
}

export function randomUserId(): string {
  const n = globalThis.crypto?.getRandomValues?.(new Uint32Array(1))[0] ?? Math.floor(Math.random() * 2 ** 32);
  return `player-${n.toString(36).padStart(4, '0').slice(-4)}`;
}

export function startUserId(): string {
  return read(() => localStorage, LAST_KEY) ?? read(() => sessionStorage, TAB_KEY) ?? randomUserId();
}

export function tabUserId(): string {
  return read(() => sessionStorage, TAB_KEY) ?? randomUserId();
}

export function rememberUserId(id: string): void {
  write(() => localStorage, LAST_KEY, id);
  write(() => sessionStorage, TAB_KEY, id);
}
