import { setTimeout as sleep } from 'node:timers/promises';

/** Time as the code sees it; tests pass one they control. */
export interface Clock {
  now(): Date;
  sleep(ms: number): Promise<void>;
}

export const systemClock: Clock = {
  now: () => new Date(),
  sleep: (ms) => sleep(ms),
};
