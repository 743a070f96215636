import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import type { Dependencies } from '../dependencies.ts';
import { wiredAtFirstCall } from '../edge.ts';
import { httpHandler } from '../http/handler.ts';
import { queryParam } from '../http/request.ts';
import { cacheable } from '../http/response.ts';
import { ValidationError } from '../tasks/errors.ts';
import { isStatus, STATUSES } from '../tasks/model.ts';
import { type ListQuery, listTasks, tableFromEnvironment } from '../tasks/store.ts';

const DEFAULT_LIMIT = 100;
const MAX_LIMIT = 100;

function parseQuery(event: APIGatewayProxyEventV2): ListQuery {
  const status = queryParam(event, 'status');
  if (status !== undefined && status !== '' && !isStatus(status)) {
    throw new ValidationError(
      `Unknown status "${status}"; expected one of ${STATUSES.join(', ')}`,
      'invalid_status',
    );
  }
  const rawLimit = queryParam(event, 'limit');
  const limit = rawLimit === undefined || rawLimit === '' ? DEFAULT_LIMIT : Number(rawLimit);
  if (!/^\d*$/.test(rawLimit ?? '') || limit < 1 || limit > MAX_LIMIT) {
    throw new ValidationError(
      `Query parameter "limit" must be an integer from 1 to ${MAX_LIMIT}`,
      'invalid_limit',
    );
  }
  const cursor = queryParam(event, 'cursor') || undefined;
  return { ...(isStatus(status) && { status }), limit, ...(cursor && { cursor }) };
}

function nextLink(path: string, query: ListQuery, cursor: string): string {
  const params = new URLSearchParams();
  if (query.status) params.set('status', query.status);
  params.set('limit', String(query.limit));
  params.set('cursor', cursor);
  return `<${path}?${params}>; rel="next"`;
}

export function makeHandler({ table }: Pick<Dependencies, 'table'>) {
  return httpHandler(async (event) => {
    const query = parseQuery(event);
    const page = await listTasks(table, query);
    const headers: Record<string, string> = page.cursor
      ? { link: nextLink(event.rawPath || '/tasks', query, page.cursor) }
      : {};
    return cacheable(event, page.tasks, headers);
  });
}

export const handler = wiredAtFirstCall(() => makeHandler({ table: tableFromEnvironment() }));
