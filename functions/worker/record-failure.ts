import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import { logger } from '../logger.ts';
import { TransitionRejectedError } from '../tasks/errors.ts';
import { type TaskStore, taskStore } from '../tasks/store.ts';

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
export async function recordFailure(
  { task_id, failure }: RecordFailureInput,
  store: TaskStore = taskStore(),
): Promise<{ task_id: string }> {
  logger.appendKeys({ task_id });
  const error = describeFailure(failure);
  try {
    await store.transition(task_id, 'fail', { error });
    logger.error('Task failed in the workflow', { reason: error });
  } catch (caught) {
    if (!(caught instanceof TransitionRejectedError)) throw caught;
  }
  return { task_id };
}

export const handler = middy((event: RecordFailureInput) => recordFailure(event)).use(
  injectLambdaContext(logger, { resetKeys: true }),
);
