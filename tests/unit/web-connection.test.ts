import { describe, expect, it } from 'vitest';
import { backoff, cardClock, countdownText, pollInterval } from '../../web/connection.js';

describe('pollInterval', () => {
  it('refreshes every second while visible and every 5 s while hidden', () => {
    expect(pollInterval(false)).toBe(1_000);
    expect(pollInterval(true)).toBe(5_000);
  });
});

describe('backoff', () => {
  it('waits 1 s after the first failure, doubling up to 5 s', () => {
    expect([1, 2, 3, 4, 5, 50].map(backoff)).toEqual([1_000, 2_000, 4_000, 5_000, 5_000, 5_000]);
  });
});

describe('countdownText', () => {
  it('counts whole seconds up to the next attempt', () => {
    expect(countdownText(5_000)).toBe('Next attempt in 5 s.');
    expect(countdownText(4_001)).toBe('Next attempt in 5 s.');
    expect(countdownText(4_000)).toBe('Next attempt in 4 s.');
    expect(countdownText(1)).toBe('Next attempt in 1 s.');
  });

  it('says an attempt is on its way when none is scheduled', () => {
    expect(countdownText(0)).toBe('Trying again now.');
    expect(countdownText(Number.POSITIVE_INFINITY)).toBe('Trying again now.');
  });
});

describe('cardClock', () => {
  it('follows the real clock while live and stops at the last good refresh while offline', () => {
    expect(cardClock({ offline: false, lastLiveAt: 1_000, now: 9_000 })).toBe(9_000);
    expect(cardClock({ offline: true, lastLiveAt: 1_000, now: 9_000 })).toBe(1_000);
  });
});
