import { createHash, webcrypto } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { commitmentPreimage, verifyCommitment } from '../../src/game/commitment.ts';

const subtle = webcrypto.subtle as SubtleCrypto;
const salt = '00112233445566778899aabbccddeeff';

/** The commitment as the region computes it, with Node's own SHA-256 (an independent implementation). */
function commit(saltHex: string, seed: bigint): string {
  return createHash('sha256').update(`metronome-commit-v1:${saltHex}:${seed}`).digest('hex');
}

describe('verifyCommitment', () => {
  it('spells the preimage as the region does: decimal seed, hex salt', () => {
    expect(commitmentPreimage(salt, 18446744073709551615n)).toBe(`metronome-commit-v1:${salt}:18446744073709551615`);
  });

  it('matches a seed and salt that produce the commitment (up to 2^64 - 1)', async () => {
    for (const seed of [0n, 42n, 3683114764611028n, 18446744073709551615n]) {
      const v = await verifyCommitment(commit(salt, seed), seed.toString(), salt, subtle);
      expect(v).toEqual({ result: 'match', seed });
    }
  });

  it('accepts an upper-case commitment', async () => {
    const v = await verifyCommitment(commit(salt, 7n).toUpperCase(), '7', salt, subtle);
    expect(v.result).toBe('match');
  });

  it('reports a mismatch with both digests when the seed differs', async () => {
    const v = await verifyCommitment(commit(salt, 7n), '8', salt, subtle);
    expect(v).toEqual({ result: 'mismatch', seed: 8n, expected: commit(salt, 7n), actual: commit(salt, 8n) });
  });

  it('reports a mismatch when the salt differs', async () => {
    const v = await verifyCommitment(commit(salt, 7n), '7', 'ff' + salt.slice(2), subtle);
    expect(v.result).toBe('mismatch');
  });

  it('says why it cannot check', async () => {
    expect(await verifyCommitment(null, '7', salt, subtle)).toMatchObject({ result: 'unavailable' });
    expect(await verifyCommitment(commit(salt, 7n), null, salt, subtle)).toMatchObject({ result: 'unavailable' });
    expect(await verifyCommitment(commit(salt, 7n), '7', null, subtle)).toMatchObject({ result: 'unavailable' });
    expect(await verifyCommitment(commit(salt, 7n), '-7', salt, subtle)).toMatchObject({ result: 'unavailable' });
    const noCrypto = await verifyCommitment(commit(salt, 7n), '7', salt, undefined);
    expect(noCrypto).toMatchObject({ result: 'unavailable', why: expect.stringContaining('WebCrypto') });
  });
});
