import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { type Clock, systemClock } from '../clock.ts';
import { env } from '../config.ts';
import type { Dependencies } from '../dependencies.ts';
import { wiredAtFirstCall } from '../edge.ts';
import { logger } from '../logger.ts';
import { TransitionRefusedError } from '../tasks/errors.ts';
import { isFinished, type Task } from '../tasks/model.ts';
import { getTask, type TaskTable, tableFromEnvironment, transitionTask } from '../tasks/store.ts';
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

type Deps = Pick<Dependencies, 'table' | 'clock'> & {
  /** Longest stretch of work one invocation does before handing back to the workflow. */
  sliceMs: number;
};

/** Time kept back from the Lambda timeout so a slice always returns before it. */
const SAFETY_MS = 5_000;

/**
 * Does one slice of a task's work. Every step's outcome is saved with a write that
 * requires the task to still be RUNNING, so a cancel or delete is noticed within a
 * step (at most about a second) and the worker never overwrites it.
 */
export function makeHandler({ table, clock, sliceMs }: Deps) {
  return middy(
    async (
      { task_id }: WorkInput,
      context: Pick<Context, 'getRemainingTimeInMillis'>,
    ): Promise<WorkOutput> => {
      const finished = { task_id, done: true, wait_seconds: 0 };
      logger.appendKeys({ task_id });
      const deadline =
        clock.now().getTime() + Math.min(sliceMs, context.getRemainingTimeInMillis() - SAFETY_MS);
      try {
        let task = await getTask(table, task_id);
        if (!task || isFinished(task.status)) return finished;
        if (task.status === 'PENDING') {
          const now = clock.now();
          task = await transitionTask(
            table,
            task_id,
            'start',
            { started_at: now.toISOString() },
            now,
          );
          logger.info('Task started');
        }
        return (await runSlice(task, table, clock, deadline))
          ? finished
          : { task_id, done: false, wait_seconds: 0 };
      } catch (error) {
        if (error instanceof TransitionRefusedError) {
          logger.info('Task left RUNNING elsewhere; stopping', {
            status: error.current?.status ?? 'DELETED',
          });
          return finished;
        }
        throw error;
      }
    },
  ).use(injectLambdaContext(logger, { resetKeys: true }));
}

/** Runs steps until the task ends (true) or the slice is used up (false). */
async function runSlice(
  task: Task,
  table: TaskTable,
  clock: Clock,
  deadline: number,
): Promise<boolean> {
  const type = taskType(task.type);
  const input = type.parseInput(task.input);
  let progress = task.progress;
  do {
    const outcome = await type.step({ taskId: task.task_id, input, progress, sleep: clock.sleep });
    const now = clock.now();
    switch (outcome.kind) {
      case 'progress':
        await transitionTask(
          table,
          task.task_id,
          'progress',
          { progress: outcome.progress, result: outcome.partial_result },
          now,
        );
        progress = outcome.progress;
        break;
      case 'success':
        await transitionTask(
          table,
          task.task_id,
          'succeed',
          { progress: 100, result: outcome.result },
          now,
        );
        logger.info('Task succeeded');
        return true;
      case 'failure':
        await transitionTask(table, task.task_id, 'fail', { error: outcome.error }, now);
        logger.info('Task failed', { reason: outcome.error });
        return true;
    }
  } while (clock.now().getTime() < deadline);
  return false;
}

export const handler = wiredAtFirstCall(() =>
  makeHandler({
    table: tableFromEnvironment(),
    clock: systemClock,
    sliceMs: env.workSliceSeconds() * 1000,
  }),
);
