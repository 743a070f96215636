import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import type { Dependencies } from '../dependencies.ts';
import { wiredAtFirstCall } from '../edge.ts';
import { accessOf, callerOf } from '../http/caller.ts';
import { httpHandler } from '../http/handler.ts';
import { queryParams } from '../http/request.ts';
import { cacheable } from '../http/response.ts';
import { ERROR_CODES, ListTasksQuery, type ListTasksRequest } from '../http/schemas.ts';
import { parseOrThrow } from '../http/validation.ts';
import { listTasks, tableFromEnvironment } from '../tasks/store.ts';

function parseQuery(event: APIGatewayProxyEventV2): ListTasksRequest {
  return parseOrThrow(ListTasksQuery, queryParams(event), {
    place: 'query',
    codes: ERROR_CODES.list,
  });
}

function nextLink(path: string, query: ListTasksRequest, cursor: string): string {
  const params = new URLSearchParams();
  if (query.status) params.set('status', query.status);
  if (query.owner) params.set('owner', query.owner);
  params.set('limit', String(query.limit));
  params.set('cursor', cursor);
  return `<${path}?${params}>; rel="next"`;
}

export function makeHandler({ table }: Pick<Dependencies, 'table'>) {
  return httpHandler(async (event) => {
    const caller = callerOf(event);
    const query = parseQuery(event);
    // Only an operator may choose the owner (none: every owner's); anyone else lists their own.
    const owner = caller.isAdmin ? query.owner : undefined;
    const page = await listTasks(table, { ...query, owner }, accessOf(caller));
    const headers: Record<string, string> = page.cursor
      ? { link: nextLink(event.rawPath || '/tasks', query, page.cursor) }
      : {};
    return cacheable(event, page.tasks, headers);
  });
}

export const handler = wiredAtFirstCall(() => makeHandler({ table: tableFromEnvironment() }));
