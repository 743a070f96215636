import type { Dependencies } from '../dependencies.ts';
import { wiredAtFirstCall } from '../edge.ts';
import { accessOf, callerOf } from '../http/caller.ts';
import { httpHandler } from '../http/handler.ts';
import { queryParams } from '../http/request.ts';
import { cacheable } from '../http/response.ts';
import { ERROR_CODES, TaskTotalsQuery } from '../http/schemas.ts';
import { parseOrThrow } from '../http/validation.ts';
import { STATUSES } from '../tasks/model.ts';
import { getTotals, tableFromEnvironment } from '../tasks/store.ts';

/**
 * The caller's tasks counted per status, from the counters every status change updates in
 * its own transaction (8 items, or 32 for every owner's: one BatchGetItem, whatever the
 * number of tasks). An operator gets every owner's, or one owner's with `?owner=`.
 */
export function makeHandler({ table }: Pick<Dependencies, 'table'>) {
  return httpHandler(async (event) => {
    const caller = callerOf(event);
    const { owner } = parseOrThrow(TaskTotalsQuery, queryParams(event), {
      place: 'query',
      codes: ERROR_CODES.totals,
    });
    const totals = await getTotals(table, accessOf(caller), caller.isAdmin ? { owner } : {});
    // Always every status, in the lifecycle's order, so the answer's shape never varies.
    const counts = Object.fromEntries(STATUSES.map((status) => [status, totals[status] ?? 0]));
    const total = STATUSES.reduce((sum, status) => sum + (totals[status] ?? 0), 0);
    return cacheable(event, { counts, total });
  });
}

export const handler = wiredAtFirstCall(() => makeHandler({ table: tableFromEnvironment() }));
