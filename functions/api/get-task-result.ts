import { type Clock, systemClock } from '../clock.ts';
import type { Dependencies } from '../dependencies.ts';
import { wiredAtFirstCall } from '../edge.ts';
import { taskHandler } from '../http/handler.ts';
import { json } from '../http/response.ts';
import { resultView } from '../tasks/model.ts';
import { getTaskOrThrow, tableFromEnvironment } from '../tasks/store.ts';
import { retryAfterSeconds } from './get-task-status.ts';

export function makeHandler({
  table,
  clock = systemClock,
}: Pick<Dependencies, 'table'> & { clock?: Clock }) {
  return taskHandler(async ({ taskId, access }) => {
    const task = await getTaskOrThrow(table, taskId, access);
    const retryAfter = retryAfterSeconds(task, clock.now());
    return json(200, resultView(task), retryAfter ? { 'retry-after': String(retryAfter) } : {});
  });
}

export const handler = wiredAtFirstCall(() => makeHandler({ table: tableFromEnvironment() }));
