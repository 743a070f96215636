import { httpHandler } from '../http/handler.ts';
import { taskIdParam } from '../http/request.ts';
import { json } from '../http/response.ts';
import { logger } from '../logger.ts';
import { isFinished, resultView } from '../tasks/model.ts';
import { taskStore } from '../tasks/store.ts';

const store = taskStore();

export const handler = httpHandler(async (event) => {
  const taskId = taskIdParam(event);
  logger.appendKeys({ task_id: taskId });
  const task = await store.getOrThrow(taskId);
  return json(200, resultView(task), isFinished(task.status) ? {} : { 'retry-after': '1' });
});
