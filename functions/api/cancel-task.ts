import { wiredAtFirstCall } from '../edge.ts';
import { taskHandler } from '../http/handler.ts';
import { jsonBody } from '../http/request.ts';
import { json } from '../http/response.ts';
import { CancelTaskBody, ERROR_CODES } from '../http/schemas.ts';
import { parseOrThrow } from '../http/validation.ts';
import { logger } from '../logger.ts';
import { recordFinished } from '../observability.ts';
import { type Admission, admissionFromEnvironment, admitAfterRelease } from '../tasks/admission.ts';
import {
  TaskAlreadyFinishedError,
  TaskNotFoundError,
  TransitionRefusedError,
} from '../tasks/errors.ts';
import { stopExecution } from '../tasks/launcher.ts';
import type { Task } from '../tasks/model.ts';
import { type Access, transitionTask } from '../tasks/store.ts';

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
  return taskHandler(async ({ taskId, access }, event) => {
    parseOrThrow(CancelTaskBody, jsonBody(event), { place: 'body', codes: ERROR_CODES.cancel });
    const task = await cancel(deps, taskId, access);
    logger.info('Task cancelled');
    return json(200, task);
  });
}

export const handler = wiredAtFirstCall(() => makeHandler(admissionFromEnvironment()));
