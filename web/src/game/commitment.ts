// Checking a server-mode session's revealed seed against the commitment
// published when it started (docs/openapi.yaml, Commitment):
//   value = hex(SHA-256("metronome-commit-v1:" + salt + ":" + seed)), seed in decimal.
// A match proves the server did not change the seed while the session ran.

export type Verification =
  | { result: 'match'; seed: bigint }
  | { result: 'mismatch'; seed: bigint; expected: string; actual: string }
  /** Nothing to check, or no way to check it here; `why` says which. */
  | { result: 'unavailable'; why: string };

export function commitmentPreimage(salt: string, seed: bigint): string {
  return `metronome-commit-v1:${salt}:${seed.toString(10)}`;
}

export async function sha256Hex(text: string, subtle: SubtleCrypto): Promise<string> {
  const digest = await subtle.digest('SHA-256', new TextEncoder().encode(text));
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, '0')).join('');
}

/**
 * Compares hex(SHA-256(preimage)) with the commitment. `subtle` is
 * `crypto.subtle`, absent outside secure contexts (a page over plain http
 * from an address other than localhost).
 */
export async function verifyCommitment(
  commitment: string | null,
  seedText: string | null,
  salt: string | null,
  subtle: SubtleCrypto | undefined,
): Promise<Verification> {
  if (commitment === null) return { result: 'unavailable', why: 'no commitment was published for this session' };
  if (seedText === null || salt === null || !/^[0-9]{1,20}$/.test(seedText)) {
    return { result: 'unavailable', why: 'the server did not reveal the seed and salt' };
  }
  if (subtle === undefined) {
    return { result: 'unavailable', why: 'this browser offers no WebCrypto here (open the page via localhost or https)' };
  }
  const seed = BigInt(seedText);
  const actual = await sha256Hex(commitmentPreimage(salt, seed), subtle);
  const expected = commitment.toLowerCase();
  return actual === expected ? { result: 'match', seed } : { result: 'mismatch', seed, expected, actual };
}
