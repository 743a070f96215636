import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { type Clock, systemClock } from '../clock.ts';
import type { Dependencies } from '../dependencies.ts';
import { wiredAtFirstCall } from '../edge.ts';
import { taskHandler } from '../http/handler.ts';
import { queryParams } from '../http/request.ts';
import { cacheable } from '../http/response.ts';
import { ERROR_CODES, TaskStatusQuery } from '../http/schemas.ts';
import { parseOrThrow } from '../http/validation.ts';
import { isFinished, type Task } from '../tasks/model.ts';
import { getTaskOrThrow, tableFromEnvironment } from '../tasks/store.ts';

/**
 * How often a waiting request reads the task. Each read is a strongly consistent GetItem of
 * an item under 4 KB, 1 read unit, so a 20 s wait costs at most 41 units
 * (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/read-write-operations.html).
 */
export const WAIT_POLL_MS = 500;
/**
 * Left of the function's time when a wait gives up, so the 304 is sent before the timeout;
 * API Gateway itself waits 30 s at most for an integration
 * (https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-quotas.html).
 */
const ANSWER_MARGIN_MS = 1000;
const MAX_RETRY_AFTER_SECONDS = 5;

/**
 * Seconds until a look at an unfinished task is worth it: the time its progress rate says
 * it needs to end, at least 1 and at most 5 (so progress still shows); undefined once it ended.
 */
export function retryAfterSeconds(task: Task, now: Date): number | undefined {
  if (isFinished(task.status)) return undefined;
  const started = task.started_at ? Date.parse(task.started_at) : Number.NaN;
  if (task.status !== 'RUNNING' || task.progress <= 0 || !(started < now.getTime())) return 1;
  const elapsedSeconds = (now.getTime() - started) / 1000;
  const remaining = (elapsedSeconds * (100 - task.progress)) / task.progress;
  return Math.min(MAX_RETRY_AFTER_SECONDS, Math.max(1, Math.ceil(remaining)));
}

function statusResponse(event: APIGatewayProxyEventV2, task: Task, now: Date) {
  const retryAfter = retryAfterSeconds(task, now);
  return cacheable(event, task, {}, retryAfter ? { 'retry-after': String(retryAfter) } : {});
}

type Deps = Pick<Dependencies, 'table'> & { clock?: Clock };

/**
 * `?wait=N` with If-None-Match holds the request while the client's copy is current:
 * it answers 200 as soon as a read shows a change, or 304 after N seconds (or before the
 * function's own timeout). A finished task never changes, so its wait ends at once.
 */
export function makeHandler({ table, clock = systemClock }: Deps) {
  return taskHandler(async ({ taskId, access }, event, context) => {
    const { wait = 0 } = parseOrThrow(TaskStatusQuery, queryParams(event), {
      place: 'query',
      codes: ERROR_CODES.status,
    });
    const holdMs = Math.min(wait * 1000, context.getRemainingTimeInMillis() - ANSWER_MARGIN_MS);
    const until = clock.now().getTime() + holdMs;
    for (;;) {
      const task = await getTaskOrThrow(table, taskId, access);
      const response = statusResponse(event, task, clock.now());
      const left = until - clock.now().getTime();
      if (response.statusCode !== 304 || isFinished(task.status) || left <= 0) return response;
      await clock.sleep(Math.min(WAIT_POLL_MS, left));
    }
  });
}

export const handler = wiredAtFirstCall(() =>
  makeHandler({ table: tableFromEnvironment(), clock: systemClock }),
);
