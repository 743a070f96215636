import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import type { Dependencies } from '../dependencies.ts';
import { wiredAtFirstCall } from '../edge.ts';
import { httpHandler } from '../http/handler.ts';
import { queryParams } from '../http/request.ts';
import { cacheable } from '../http/response.ts';
import { ERROR_CODES, ListTasksQuery } from '../http/schemas.ts';
import { parseOrThrow } from '../http/validation.ts';
import { type ListQuery, listTasks, tableFromEnvironment } from '../tasks/store.ts';

function parseQuery(event: APIGatewayProxyEventV2): ListQuery {
  return parseOrThrow(ListTasksQuery, queryParams(event), {
    place: 'query',
    codes: ERROR_CODES.list,
  });
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
