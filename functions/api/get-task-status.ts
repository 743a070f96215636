import type { Dependencies } from '../dependencies.ts';
import { wiredAtFirstCall } from '../edge.ts';
import { callerOf } from '../http/caller.ts';
import { httpHandler } from '../http/handler.ts';
import { taskIdParam } from '../http/request.ts';
import { cacheable } from '../http/response.ts';
import { logger } from '../logger.ts';
import { getTaskOrThrow, tableFromEnvironment } from '../tasks/store.ts';

export function makeHandler({ table }: Pick<Dependencies, 'table'>) {
  return httpHandler(async (event) => {
    const caller = callerOf(event);
    const taskId = taskIdParam(event);
    logger.appendKeys({ task_id: taskId });
    return cacheable(
      event,
      await getTaskOrThrow(table, taskId, { owner: caller.owner, admin: caller.isAdmin }),
    );
  });
}

export const handler = wiredAtFirstCall(() => makeHandler({ table: tableFromEnvironment() }));
