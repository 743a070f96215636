import type * as v from 'valibot';
import { parseOrThrow } from '../../http/validation.ts';

/**
 * A kind of work. `input` is the schema of a task's input (it fills in defaults and
 * refuses unknown fields); the worker calls `step` again and again, each call doing at
 * most about a second of work and resuming from the saved progress, and saves what it
 * returns before the next call.
 */
export interface TaskType<Input = unknown> {
  input: v.GenericSchema<unknown, Input>;
  /** Returns the normalised input (defaults filled in) or throws a ValidationError. */
  parseInput(raw: unknown): Input;
  step(context: StepContext<Input>): Promise<StepOutcome>;
}

export interface StepContext<Input> {
  taskId: string;
  input: Input;
  /** 0–100, as saved after the previous step (0 on the first). */
  progress: number;
  /** Waits as the clock says; simulated work uses it so tests need not wait for real. */
  sleep(ms: number): Promise<void>;
}

export type StepOutcome =
  /** More to do; `partial_result`, if given, is kept and shown even if the task is cancelled. */
  | { kind: 'progress'; progress: number; partial_result?: unknown }
  | { kind: 'success'; result: unknown }
  | { kind: 'failure'; error: string };

/** A task type whose `parseInput` is its input schema, with messages naming `input.<field>`. */
export function defineTaskType<Input>(
  type: Pick<TaskType<Input>, 'input' | 'step'>,
): TaskType<Input> {
  return {
    ...type,
    parseInput: (raw) => parseOrThrow(type.input, raw, { place: 'body', at: ['input'] }),
  };
}
