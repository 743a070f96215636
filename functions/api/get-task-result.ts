import { type Clock, systemClock } from '../clock.ts';
import type { Dependencies } from '../dependencies.ts';
import { wiredAtFirstCall } from '../edge.ts';
import { accessOf, callerOf } from '../http/caller.ts';
import { httpHandler } from '../http/handler.ts';
import { taskIdParam } from '../http/request.ts';
import { json } from '../http/response.ts';
import { logger } from '../logger.ts';
import { resultView } from '../tasks/model.ts';
import { getTaskOrThrow, tableFromEnvironment } from '../tasks/store.ts';
import { retryAfterSeconds } from './get-task-status.ts';

export function makeHandler({
  table,
  clock = systemClock,
}: Pick<Dependencies, 'table'> & { clock?: Clock }) {
  return httpHandler(async (event) => {
    const taskId = taskIdParam(event);
    logger.appendKeys({ task_id: taskId });
    const task = await getTaskOrThrow(table, taskId, accessOf(callerOf(event)));
    const retryAfter = retryAfterSeconds(task, clock.now());
    return json(200, resultView(task), retryAfter ? { 'retry-after': String(retryAfter) } : {});
  });
}

export const handler = wiredAtFirstCall(() => makeHandler({ table: tableFromEnvironment() }));
