import { httpHandler } from '../http/handler.ts';
import { taskIdParam } from '../http/request.ts';
import { cacheable } from '../http/response.ts';
import { logger } from '../logger.ts';
import { taskStore } from '../tasks/store.ts';

const store = taskStore();

export const handler = httpHandler(async (event) => {
  const taskId = taskIdParam(event);
  logger.appendKeys({ task_id: taskId });
  return cacheable(event, await store.getOrThrow(taskId));
});
