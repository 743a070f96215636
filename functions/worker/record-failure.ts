import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { wiredAtFirstCall } from '../edge.ts';
import { logger } from '../logger.ts';
import { publishMetrics, recordFinished, traceHandler } from '../observability.ts';
import { type Admission, admissionFromEnvironment, admitAfterRelease } from '../tasks/admission.ts';
import { TransitionRefusedError } from '../tasks/errors.ts';
import { taskIdOfExecution } from '../tasks/launcher.ts';
import { SERVICE_ACCESS, transitionTask } from '../tasks/store.ts';
import { couldNotComplete } from './failure-message.ts';

export interface RecordFailureInput {
  /** The task, or (from the rule for executions that ended badly) the execution's name. */
  task_id: string;
  /** The execution that gave up, for the logs. */
  execution?: string;
  /** What the workflow's Catch caught: the error name and its cause. */
  failure?: { Error?: string; Cause?: string };
}

/**
 * What went wrong, for the logs only: the error name and, when the cause is a Lambda
 * error (JSON with `errorType` and `errorMessage`), its message.
 */
export function describeFailure(failure: RecordFailureInput['failure']): {
  error: string;
  cause: string;
} {
  const error = failure?.Error ?? 'Error';
  let cause = failure?.Cause ?? '';
  try {
    const parsed = JSON.parse(cause) as { errorMessage?: unknown };
    if (typeof parsed.errorMessage === 'string') cause = parsed.errorMessage;
  } catch {
    // The cause is plain text.
  }
  return { error, cause: cause.slice(0, 2000) };
}

/**
 * Marks a task FAILURE after the workflow gave up on it, unless it already ended. The task's
 * own failures are recorded by the worker, so whatever arrives here is a failure of ours: the
 * task shows a reference (this invocation's request id) and the details go to the log.
 */
export function makeHandler(deps: Admission) {
  const { table, clock } = deps;
  return middy(
    async (
      { task_id, execution, failure }: RecordFailureInput,
      context: Pick<Context, 'awsRequestId'>,
    ) => {
      const taskId = taskIdOfExecution(task_id);
      const reference = context.awsRequestId;
      logger.appendKeys({ task_id: taskId });
      try {
        const failed = await transitionTask(
          table,
          taskId,
          'fail',
          { error: couldNotComplete(reference) },
          clock.now(),
          SERVICE_ACCESS,
        );
        recordFinished(failed);
        logger.error('Task failed in the workflow', {
          reference,
          execution: execution ?? task_id,
          ...describeFailure(failure),
        });
        // A started task held a slot, which now goes to the oldest waiting task.
        if (failed.started_at !== null) await admitAfterRelease(deps);
      } catch (caught) {
        if (!(caught instanceof TransitionRefusedError)) throw caught;
      }
      return { task_id: taskId };
    },
  )
    .use(traceHandler())
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .use(publishMetrics);
}

export const handler = wiredAtFirstCall(() => makeHandler(admissionFromEnvironment()));
