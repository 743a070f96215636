import { ValidationError } from '../errors.ts';
import type { StepOutcome, TaskType } from './task-type.ts';

export interface SimulateInput {
  duration_seconds: number;
  fail: boolean;
}

const MAX_DURATION = 86_400;
const TICK_MS = 1_000;

/** Simulated work: steady progress for `duration_seconds`, then success or, with `fail`, failure. */
export const simulate: TaskType<SimulateInput> = {
  parseInput(raw) {
    const input = raw === undefined ? {} : raw;
    if (typeof input !== 'object' || input === null || Array.isArray(input)) {
      throw new ValidationError('Field "input" must be an object');
    }
    const { duration_seconds = 10, fail = false, ...rest } = input as Record<string, unknown>;
    const unknown = Object.keys(rest);
    if (unknown.length > 0) {
      throw new ValidationError(`Unknown field "input.${unknown[0]}" for type "simulate"`);
    }
    if (
      typeof duration_seconds !== 'number' ||
      !Number.isFinite(duration_seconds) ||
      duration_seconds < 1 ||
      duration_seconds > MAX_DURATION
    ) {
      throw new ValidationError(
        `Field "input.duration_seconds" must be a number from 1 to ${MAX_DURATION}`,
      );
    }
    if (typeof fail !== 'boolean') {
      throw new ValidationError('Field "input.fail" must be a boolean');
    }
    return { duration_seconds, fail };
  },

  async step({ taskId, input, progress, sleep }): Promise<StepOutcome> {
    const totalMs = input.duration_seconds * 1000;
    const doneMs = (progress / 100) * totalMs;
    const sliceMs = Math.max(0, Math.min(TICK_MS, totalMs - doneMs));
    await sleep(sliceMs);
    // Under a millisecond left counts as done, so rounding can never keep a task alive.
    if (totalMs - (doneMs + sliceMs) >= 1) {
      return { kind: 'progress', progress: ((doneMs + sliceMs) / totalMs) * 100 };
    }
    return input.fail
      ? { kind: 'failure', error: `Task ${taskId} failed: simulated failure` }
      : { kind: 'success', result: `Task ${taskId} completed successfully!` };
  },
};
