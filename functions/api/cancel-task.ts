import { systemClock } from '../clock.ts';
import { env } from '../config.ts';
import { wiredAtFirstCall } from '../edge.ts';
import { accessOf, callerOf } from '../http/caller.ts';
import { httpHandler } from '../http/handler.ts';
import { jsonBody, taskIdParam } from '../http/request.ts';
import { json } from '../http/response.ts';
import { CancelTaskBody, ERROR_CODES } from '../http/schemas.ts';
import { parseOrThrow } from '../http/validation.ts';
import { logger } from '../logger.ts';
import { recordFinished } from '../observability.ts';
import { type Admission, admitAfterRelease } from '../tasks/admission.ts';
import {
  TaskAlreadyFinishedError,
  TaskNotFoundError,
  TransitionRefusedError,
} from '../tasks/errors.ts';
import { stopExecution, workflowFromEnvironment } from '../tasks/launcher.ts';
import type { Task } from '../tasks/model.ts';
import { type Access, tableFromEnvironment, transitionTask } from '../tasks/store.ts';

type Deps = Admission;

/** Cancels the task; cancelling a cancelled task is a no-op, a finished one a conflict. */
async function cancel(deps: Deps, taskId: string, scope: Access): Promise<Task> {
  const { table, workflow, clock } = deps;
  try {
    const task = await transitionTask(table, taskId, 'cancel', {}, clock.now(), scope);
    recordFinished(task);
    await stopExecution(workflow, taskId, 'Cancelled by a client').catch((error) => {
      // The worker sees the status within a second and stops by itself.
      logger.warn('Could not stop the execution', error as Error);
    });
    // Only a started task held a slot; a waiting one frees none.
    if (task.started_at !== null) await admitAfterRelease(deps);
    return task;
  } catch (error) {
    if (!(error instanceof TransitionRefusedError)) throw error;
    if (!error.current) throw new TaskNotFoundError(taskId);
    if (error.current.status === 'CANCELLED') return error.current;
    throw new TaskAlreadyFinishedError(taskId, error.current.status);
  }
}

export function makeHandler(deps: Deps) {
  return httpHandler(async (event) => {
    const caller = callerOf(event);
    const taskId = taskIdParam(event);
    logger.appendKeys({ task_id: taskId });
    parseOrThrow(CancelTaskBody, jsonBody(event), { place: 'body', codes: ERROR_CODES.cancel });
    const task = await cancel(deps, taskId, accessOf(caller));
    logger.info('Task cancelled');
    return json(200, task);
  });
}

export const handler = wiredAtFirstCall(() =>
  makeHandler({
    table: tableFromEnvironment(),
    workflow: workflowFromEnvironment(),
    clock: systemClock,
    maxRunningTasks: env.maxRunningTasks(),
  }),
);
