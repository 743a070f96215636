import { httpHandler } from '../http/handler.ts';
import { taskIdParam } from '../http/request.ts';
import { json } from '../http/response.ts';
import { logger } from '../logger.ts';
import { launcher } from '../tasks/launcher.ts';
import { taskStore } from '../tasks/store.ts';

const store = taskStore();
const workflow = launcher();

export const handler = httpHandler(async (event) => {
  const taskId = taskIdParam(event);
  logger.appendKeys({ task_id: taskId });
  const task = await store.delete(taskId);
  // Every write of the worker requires the item to exist, so the task cannot come back;
  // stopping the execution only saves the work it would still do.
  await workflow.stop(taskId, 'Deleted by a client').catch((error) => {
    logger.warn('Could not stop the execution', error as Error);
  });
  logger.info('Task deleted', { status: task.status });
  return json(200, { task_id: taskId });
});
