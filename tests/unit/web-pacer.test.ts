import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Pacer } from '../../web/pacer.js';

beforeEach(() => {
  vi.useFakeTimers({ now: 0 });
});
afterEach(() => {
  vi.useRealTimers();
});

/** A pacer whose requests take `takesMs` each, recording when each started. */
function pacer(gapMs: number, dueAt: () => number, takesMs = 10) {
  const starts: number[] = [];
  const run = async () => {
    starts.push(Date.now());
    await new Promise((resolve) => setTimeout(resolve, takesMs));
  };
  const gate = new Pacer(
    gapMs,
    () => ({ dueAt: dueAt(), run }),
    () => Date.now(),
  );
  return { gate, starts };
}

describe('Pacer', () => {
  it('starts requests at least the gap apart however often it is woken', async () => {
    const { gate, starts } = pacer(550, () => 0);
    for (let at = 0; at < 3_000; at += 50) {
      gate.wake();
      await vi.advanceTimersByTimeAsync(50);
    }
    const gaps = starts.slice(1).map((at, i) => at - (starts[i] ?? 0));
    expect(starts.length).toBeGreaterThanOrEqual(5);
    expect(Math.min(...gaps)).toBeGreaterThanOrEqual(550);
  });

  it('never has two requests under way at once', async () => {
    const { gate, starts } = pacer(100, () => 0, 1_000);
    gate.wake();
    await vi.advanceTimersByTimeAsync(500);
    gate.wake();
    await vi.advanceTimersByTimeAsync(400);
    expect(starts).toEqual([0]);
    await vi.advanceTimersByTimeAsync(200);
    expect(starts).toEqual([0, 1_000]);
  });

  it('waits until a request is due', async () => {
    const { gate, starts } = pacer(550, () => 2_000);
    gate.wake();
    await vi.advanceTimersByTimeAsync(1_999);
    expect(starts).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(starts).toEqual([2_000]);
  });

  it('starts nothing when nothing is wanted', async () => {
    const next = vi.fn(() => null);
    new Pacer(550, next, () => Date.now()).wake();
    await vi.advanceTimersByTimeAsync(5_000);
    expect(next).toHaveBeenCalledTimes(1);
  });
});
