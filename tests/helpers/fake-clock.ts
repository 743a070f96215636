import type { Clock } from '../../functions/clock.ts';

/** A clock that only moves when the code under test sleeps: no test waits for real time. */
export function fakeClock(start = new Date(Date.UTC(2026, 0, 1))): Clock & { slept: number[] } {
  let now = start.getTime();
  const slept: number[] = [];
  return {
    slept,
    now: () => new Date(now),
    sleep: async (ms) => {
      slept.push(ms);
      now += ms;
    },
  };
}
