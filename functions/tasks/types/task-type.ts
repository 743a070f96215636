/**
 * A kind of work. The API validates a task's input with `parseInput`; the worker
 * calls `step` again and again, each call doing at most about a second of work and
 * resuming from the saved progress, and saves what it returns before the next call.
 */
export interface TaskType<Input = unknown> {
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
