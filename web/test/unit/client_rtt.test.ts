import { describe, expect, it } from 'vitest';
import { CLIENT_RTT_SAMPLES, ClientRttWindow } from '../../src/game/client_rtt.ts';

describe('ClientRttWindow', () => {
  it('gives the latest round trip and the mean of the last few', () => {
    const w = new ClientRttWindow();
    expect(w.add(1_000, 1_010)).toEqual({ lastMs: 10, meanMs: 10, samples: 1 });
    expect(w.add(2_000, 2_030)).toEqual({ lastMs: 30, meanMs: 20, samples: 2 });
    for (let i = 0; i < 10; ++i) w.add(3_000 + i, 3_004 + i);
    expect(w.add(9_000, 9_004)).toEqual({ lastMs: 4, meanMs: 4, samples: CLIENT_RTT_SAMPLES });
  });

  it('takes no sample from a pong that cannot be one of ours', () => {
    const w = new ClientRttWindow();
    expect(w.add(2_000, 1_000)).toBeNull();
    expect(w.add(Number.NaN, 1_000)).toBeNull();
    expect(w.add(0, 1_000_000)).toBeNull();
    expect(w.add(1_000, 1_002)).toEqual({ lastMs: 2, meanMs: 2, samples: 1 });
  });
});
