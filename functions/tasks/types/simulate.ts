import * as v from 'valibot';
import { jsonObject } from '../../http/validation.ts';
import { defineTaskType, type StepOutcome } from './task-type.ts';

const MAX_DURATION = 86_400;
const TICK_MS = 1_000;
const DURATION = `must be a number from 1 to ${MAX_DURATION}`;

/** The input of a simulate task; absent, it is all defaults. */
export const SimulateInput = v.optional(
  jsonObject({
    duration_seconds: v.optional(
      v.pipe(v.number(DURATION), v.minValue(1, DURATION), v.maxValue(MAX_DURATION, DURATION)),
      10,
    ),
    fail: v.optional(v.boolean('must be a boolean'), false),
  }),
  {},
);

export type SimulateInput = v.InferOutput<typeof SimulateInput>;

/** Simulated work: steady progress for `duration_seconds`, then success or, with `fail`, failure. */
export const simulate = defineTaskType<SimulateInput>({
  input: SimulateInput,

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
});
