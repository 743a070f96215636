import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import { systemClock } from '../clock.ts';
import type { Dependencies } from '../dependencies.ts';
import { wiredAtFirstCall } from '../edge.ts';
import { logger } from '../logger.ts';
import { TransitionRefusedError } from '../tasks/errors.ts';
import { tableFromEnvironment, transitionTask } from '../tasks/store.ts';

export interface RecordFailureInput {
  task_id: string;
  /** What the workflow's Catch caught: the error name and its cause. */
  failure?: { Error?: string; Cause?: string };
}

/** The message a person reads: the Lambda error's own message when the cause carries one. */
export function describeFailure(failure: RecordFailureInput['failure']): string {
  const name = failure?.Error ?? 'Error';
  let message = failure?.Cause ?? '';
  try {
    const cause = JSON.parse(message) as { errorMessage?: unknown };
    if (typeof cause.errorMessage === 'string') message = cause.errorMessage;
  } catch {
    // The cause is plain text.
  }
  return `The worker failed: ${message ? `${name}: ${message}` : name}`.slice(0, 1000);
}

/** Marks a task FAILURE after the workflow gave up on it, unless it already ended. */
export function makeHandler({ table, clock }: Pick<Dependencies, 'table' | 'clock'>) {
  return middy(async ({ task_id, failure }: RecordFailureInput) => {
    logger.appendKeys({ task_id });
    const error = describeFailure(failure);
    try {
      await transitionTask(table, task_id, 'fail', { error }, clock.now());
      logger.error('Task failed in the workflow', { reason: error });
    } catch (caught) {
      if (!(caught instanceof TransitionRefusedError)) throw caught;
    }
    return { task_id };
  }).use(injectLambdaContext(logger, { resetKeys: true }));
}

export const handler = wiredAtFirstCall(() =>
  makeHandler({ table: tableFromEnvironment(), clock: systemClock }),
);
