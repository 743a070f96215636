import { httpHandler } from '../http/handler.ts';
import { objectBody, taskIdParam } from '../http/request.ts';
import { json } from '../http/response.ts';
import { logger } from '../logger.ts';
import {
  InvalidTransitionError,
  TaskNotFoundError,
  TransitionRejectedError,
  ValidationError,
} from '../tasks/errors.ts';
import { launcher } from '../tasks/launcher.ts';
import type { Task } from '../tasks/model.ts';
import { taskStore } from '../tasks/store.ts';

const store = taskStore();
const workflow = launcher();

function checkRequest(body: Record<string, unknown>): void {
  const { status = 'CANCELLED', ...rest } = body;
  const unknown = Object.keys(rest)[0];
  if (unknown) throw new ValidationError(`Unknown field "${unknown}"; only "status" may be set`);
  if (status !== 'CANCELLED') {
    throw new ValidationError('Only "CANCELLED" may be set as status', 'invalid_status');
  }
}

/** Cancels the task; cancelling a cancelled task is a no-op, a finished one a conflict. */
async function cancel(taskId: string): Promise<Task> {
  try {
    const task = await store.transition(taskId, 'cancel');
    await workflow.stop(taskId, 'Cancelled by a client').catch((error) => {
      // The worker sees the status within a second and stops by itself.
      logger.warn('Could not stop the execution', error as Error);
    });
    return task;
  } catch (error) {
    if (!(error instanceof TransitionRejectedError)) throw error;
    if (!error.current) throw new TaskNotFoundError(taskId);
    if (error.current.status === 'CANCELLED') return error.current;
    throw new InvalidTransitionError(taskId, error.current.status);
  }
}

export const handler = httpHandler(async (event) => {
  const taskId = taskIdParam(event);
  logger.appendKeys({ task_id: taskId });
  checkRequest(objectBody(event));
  const task = await cancel(taskId);
  logger.info('Task cancelled');
  return json(200, task);
});
