import { type Clock, systemClock } from '../clock.ts';
import type { Dependencies } from '../dependencies.ts';
import { wiredAtFirstCall } from '../edge.ts';
import { taskHandler } from '../http/handler.ts';
import { cacheable } from '../http/response.ts';
import { TaskNotFoundError } from '../tasks/errors.ts';
import { getTaskRecord, tableFromEnvironment } from '../tasks/store.ts';
import { retryAfterSeconds } from './get-task-status.ts';

/**
 * The task page: the task as `/tasks/{id}/status` shows it, plus its timeline (`events`,
 * oldest first, the newest 50 kept), from one strongly consistent GetItem.
 */
export function makeHandler({
  table,
  clock = systemClock,
}: Pick<Dependencies, 'table'> & { clock?: Clock }) {
  return taskHandler(async ({ taskId, access }, event) => {
    const record = await getTaskRecord(table, taskId, access);
    if (!record) throw new TaskNotFoundError(taskId);
    const events = record.events.map(({ at, type, progress }) => ({
      at,
      type,
      ...(progress !== undefined && { progress }),
    }));
    const retryAfter = retryAfterSeconds(record.task, clock.now());
    return cacheable(
      event,
      { ...record.task, events },
      {},
      retryAfter ? { 'retry-after': String(retryAfter) } : {},
    );
  });
}

export const handler = wiredAtFirstCall(() => makeHandler({ table: tableFromEnvironment() }));
