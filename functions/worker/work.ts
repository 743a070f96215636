import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { env } from '../config.ts';
import { logger } from '../logger.ts';
import { TransitionRejectedError } from '../tasks/errors.ts';
import { isFinished, type Task } from '../tasks/model.ts';
import { type TaskStore, taskStore } from '../tasks/store.ts';
import { taskType } from '../tasks/types/index.ts';

export interface WorkInput {
  task_id: string;
}

export interface WorkOutput {
  task_id: string;
  /** True when the execution may end: the task finished, was cancelled, or is gone. */
  done: boolean;
  /** Seconds the workflow waits before the next slice. */
  wait_seconds: number;
}

/** Time kept back from the Lambda timeout so a slice always returns before it. */
const SAFETY_MS = 5_000;

/**
 * Does one slice of a task's work. Every step's outcome is saved with a write that
 * requires the task to still be RUNNING, so a cancel or delete is noticed within a
 * step (at most about a second) and the worker never overwrites it.
 */
export async function work(
  { task_id }: WorkInput,
  context: Pick<Context, 'getRemainingTimeInMillis'>,
  store: TaskStore = taskStore(),
  sliceMs = env.workSliceSeconds() * 1000,
): Promise<WorkOutput> {
  const finished = { task_id, done: true, wait_seconds: 0 };
  logger.appendKeys({ task_id });
  const deadline = Date.now() + Math.min(sliceMs, context.getRemainingTimeInMillis() - SAFETY_MS);
  try {
    let task = await store.get(task_id);
    if (!task || isFinished(task.status)) return finished;
    if (task.status === 'PENDING') {
      task = await store.transition(task_id, 'start', { started_at: new Date().toISOString() });
      logger.info('Task started');
    }
    return (await runSlice(task, store, deadline))
      ? finished
      : { task_id, done: false, wait_seconds: 0 };
  } catch (error) {
    if (error instanceof TransitionRejectedError) {
      logger.info('Task left RUNNING elsewhere; stopping', {
        status: error.current?.status ?? 'DELETED',
      });
      return finished;
    }
    throw error;
  }
}

/** Runs steps until the task ends (true) or the slice is used up (false). */
async function runSlice(task: Task, store: TaskStore, deadline: number): Promise<boolean> {
  const type = taskType(task.type);
  const input = type.parseInput(task.input);
  let progress = task.progress;
  do {
    const outcome = await type.step({ taskId: task.task_id, input, progress });
    switch (outcome.kind) {
      case 'progress':
        await store.transition(task.task_id, 'progress', {
          progress: outcome.progress,
          result: outcome.partial_result,
        });
        progress = outcome.progress;
        break;
      case 'success':
        await store.transition(task.task_id, 'succeed', { progress: 100, result: outcome.result });
        logger.info('Task succeeded');
        return true;
      case 'failure':
        await store.transition(task.task_id, 'fail', { error: outcome.error });
        logger.info('Task failed', { reason: outcome.error });
        return true;
    }
  } while (Date.now() < deadline);
  return false;
}

export const handler = middy((event: WorkInput, context: Context) => work(event, context)).use(
  injectLambdaContext(logger, { resetKeys: true }),
);
