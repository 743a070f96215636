import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import type { Clock } from '../clock.ts';
import { env } from '../config.ts';
import { wiredAtFirstCall } from '../edge.ts';
import { logger } from '../logger.ts';
import { publishMetrics, recordFinished, traceHandler } from '../observability.ts';
import {
  type Admission,
  admissionFromEnvironment,
  admitAfterRelease,
  endTaskAndAdmitNext,
} from '../tasks/admission.ts';
import { DependencyUnavailableError, isUnavailable } from '../tasks/dependency-errors.ts';
import { ClientError, TransitionRefusedError } from '../tasks/errors.ts';
import { isFinished, type Task } from '../tasks/model.ts';
import { readStatus } from '../tasks/status-probe.ts';
import {
  getTask,
  SERVICE_ACCESS,
  type TaskChanges,
  type TaskTable,
  transitionTask,
} from '../tasks/store.ts';
import { milestoneOf } from '../tasks/timeline.ts';
import { taskType } from '../tasks/types/index.ts';
import type { StepOutcome } from '../tasks/types/task-type.ts';
import { couldNotComplete } from './failure-message.ts';

export interface WorkInput {
  task_id: string;
}

export interface WorkOutput {
  task_id: string;
  /** True when the execution may end: the task finished, was cancelled, or is gone. */
  done: boolean;
}

type Deps = Admission & {
  /** Longest stretch of work one invocation does before handing back to the workflow. */
  sliceMs: number;
  /** Longest time progress goes unsaved; PROGRESS_SAVE_MS unless a test or benchmark sets it. */
  progressSaveMs?: number;
};

type WorkContext = Pick<Context, 'getRemainingTimeInMillis' | 'awsRequestId'>;

/** Time kept back from the Lambda timeout so a slice always returns before it. */
const SAFETY_MS = 5_000;

/**
 * Progress is saved at most this often (and at each timeline milestone, and before the
 * slice hands back): a 1-write-unit UpdateItem every 5 s instead of every step, with a
 * half-read-unit status read on the steps in between.
 */
export const PROGRESS_SAVE_MS = 5_000;

/**
 * Does one slice of a task's work. Progress is saved with a write that requires the task
 * to still be RUNNING, every PROGRESS_SAVE_MS, at each timeline milestone and before the
 * slice ends; every step in between reads the status, so a cancel or delete is still
 * noticed within a step (at most about a second) and the worker never overwrites it.
 *
 * Failures are of two kinds. The task type's own (its step returns failure or throws) end
 * the task as FAILURE here. An unavailable or throttled dependency throws
 * DependencyUnavailable, which the workflow retries for minutes: the slice is redone from
 * the last saved progress, so a blip never fails a task.
 */
export function makeHandler(deps: Deps) {
  const { table, clock, sliceMs, progressSaveMs = PROGRESS_SAVE_MS } = deps;
  return middy(async ({ task_id }: WorkInput, context: WorkContext): Promise<WorkOutput> => {
    const finished = { task_id, done: true };
    logger.appendKeys({ task_id });
    const deadline =
      clock.now().getTime() + Math.min(sliceMs, context.getRemainingTimeInMillis() - SAFETY_MS);
    try {
      const task = await getTask(table, task_id);
      if (!task || isFinished(task.status)) return finished;
      // Admission starts tasks before their execution; only an execution started before
      // admission existed finds one PENDING. It waits, retried, until the task is admitted.
      if (task.status === 'PENDING') throw new TaskNotAdmittedError(task_id);
      let released = false;
      const slice: Slice = {
        table,
        clock,
        deadline,
        progressSaveMs,
        reference: context.awsRequestId,
        // The task leaves RUNNING: its slot goes to the oldest waiting task.
        end: async (name, changes) => {
          const { ended, handedOver } = await endTaskAndAdmitNext(deps, task_id, name, changes);
          released = !handedOver;
          return ended;
        },
      };
      if (!(await runSlice(task, slice))) return { task_id, done: false };
      if (released) await admitAfterRelease(deps);
      return finished;
    } catch (error) {
      if (error instanceof TransitionRefusedError) {
        logger.info('Task left RUNNING elsewhere; stopping', {
          status: error.current?.status ?? 'DELETED',
        });
        return finished;
      }
      if (isUnavailable(error)) {
        logger.warn('A dependency is unavailable; the workflow retries the slice', {
          error: error as Error,
        });
        throw new DependencyUnavailableError(error);
      }
      throw error;
    }
  })
    .use(traceHandler())
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .use(publishMetrics);
}

/** A PENDING task reached the worker: the workflow waits (its Retry) until it is admitted. */
export class TaskNotAdmittedError extends Error {
  constructor(taskId: string) {
    super(`Task ${taskId} waits for a free slot`);
    this.name = 'TaskNotAdmitted';
  }
}

interface Slice {
  table: TaskTable;
  clock: Clock;
  deadline: number;
  progressSaveMs: number;
  /** Names this invocation in the logs; a task that fails through no fault of its own shows it. */
  reference: string;
  /** Ends the task: it succeeded or failed with `changes`. */
  end(name: 'succeed' | 'fail', changes: TaskChanges): Promise<Task>;
}

/** Runs steps until the task ends (true) or the slice is used up (false). */
async function runSlice(
  task: Task,
  { table, clock, deadline, progressSaveMs, reference, end }: Slice,
): Promise<boolean> {
  let progress = task.progress;
  let saved = { progress, at: clock.now().getTime() };
  for (;;) {
    const outcome = await stepOf(task, progress, clock, reference);
    const now = clock.now();
    switch (outcome.kind) {
      case 'progress': {
        progress = outcome.progress;
        const sliceEnds = now.getTime() >= deadline;
        const due =
          sliceEnds ||
          now.getTime() - saved.at >= progressSaveMs ||
          milestoneOf(progress) > milestoneOf(saved.progress);
        // An eventually consistent read may lag a cancel (or, just after the start, show
        // PENDING): only a finished or missing task makes the worker check with the
        // conditional write, which saves the progress if the task still runs after all.
        if (due || !(await mayStillRun(table, task.task_id))) {
          await saveProgress(table, task.task_id, outcome, now);
          saved = { progress, at: now.getTime() };
        }
        if (sliceEnds) return false;
        break;
      }
      case 'success':
        recordFinished(await end('succeed', { progress: 100, result: outcome.result }));
        logger.info('Task succeeded');
        return true;
      case 'failure':
        recordFinished(await end('fail', { error: outcome.error }));
        logger.info('Task failed', { reason: outcome.error });
        return true;
    }
  }
}

/** A 1-write-unit UpdateItem conditioned on RUNNING; a refusal throws TransitionRefusedError. */
async function saveProgress(
  table: TaskTable,
  taskId: string,
  outcome: Extract<StepOutcome, { kind: 'progress' }>,
  now: Date,
): Promise<void> {
  await transitionTask(
    table,
    taskId,
    'progress',
    { progress: outcome.progress, result: outcome.partial_result },
    now,
    SERVICE_ACCESS,
  );
}

async function mayStillRun(table: TaskTable, taskId: string): Promise<boolean> {
  const status = await readStatus(table, taskId);
  return status !== undefined && !isFinished(status);
}

/**
 * One step of the task type's code. What it throws is its own failure, unless a dependency
 * it called is unavailable; the task then reads a client error's message as it is, and
 * anything else only as a reference to the logged details.
 */
async function stepOf(
  task: Task,
  progress: number,
  clock: Clock,
  reference: string,
): Promise<StepOutcome> {
  try {
    const type = taskType(task.type);
    const input = type.parseInput(task.input);
    return await type.step({ taskId: task.task_id, input, progress, sleep: clock.sleep });
  } catch (error) {
    if (isUnavailable(error)) throw error;
    if (error instanceof ClientError) return { kind: 'failure', error: error.message };
    logger.error('The task type failed', { reference, error: error as Error });
    return { kind: 'failure', error: couldNotComplete(reference) };
  }
}

export const handler = wiredAtFirstCall(() =>
  makeHandler({ ...admissionFromEnvironment(), sliceMs: env.workSliceSeconds() * 1000 }),
);
