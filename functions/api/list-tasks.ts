import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import type { Dependencies } from '../dependencies.ts';
import { wiredAtFirstCall } from '../edge.ts';
import { accessOf, type Caller, callerOf } from '../http/caller.ts';
import { httpHandler } from '../http/handler.ts';
import { queryParams } from '../http/request.ts';
import { cacheable } from '../http/response.ts';
import { ERROR_CODES, ListTasksQuery, type ListTasksRequest } from '../http/schemas.ts';
import { parseOrThrow } from '../http/validation.ts';
import { ValidationError } from '../tasks/errors.ts';
import {
  type Access,
  listTasks,
  searchTasks,
  type TaskPage,
  type TaskTable,
  tableFromEnvironment,
} from '../tasks/store.ts';

/** The query, with a blank search dropped: it lists as if there were none. */
function parseQuery(event: APIGatewayProxyEventV2): ListTasksRequest {
  const { search, ...query } = parseOrThrow(ListTasksQuery, queryParams(event), {
    place: 'query',
    codes: ERROR_CODES.list,
  });
  if (search === undefined || search.trim() === '') return query;
  if (query.status) {
    throw new ValidationError(
      'Query parameters "search" and "status" cannot be combined',
      'invalid_query',
    );
  }
  return { ...query, search };
}

/** The next page's link, with every parameter of this page but its cursor. */
export function nextLink(path: string, query: ListTasksRequest, cursor: string): string {
  const params = new URLSearchParams();
  if (query.search) params.set('search', query.search);
  if (query.status) params.set('status', query.status);
  if (query.owner) params.set('owner', query.owner);
  params.set('limit', String(query.limit));
  params.set('cursor', cursor);
  return `<${path}?${params}>; rel="next"`;
}

function pageOf(table: TaskTable, query: ListTasksRequest, caller: Caller): Promise<TaskPage> {
  // Only an operator may choose the owner (none: every owner's); anyone else lists their own.
  const owner = caller.isAdmin ? query.owner : undefined;
  const { search, ...list } = query;
  if (search === undefined) return listTasks(table, { ...list, owner }, accessOf(caller));
  // An operator searching one owner's tasks sees exactly what that owner would, an id
  // included; the page cursor is scoped to that owner either way.
  const access: Access = owner ? { owner } : accessOf(caller);
  const { limit, cursor } = list;
  return searchTasks(table, { text: search, limit, ...(cursor && { cursor }) }, access);
}

export function makeHandler({ table }: Pick<Dependencies, 'table'>) {
  return httpHandler(async (event) => {
    const caller = callerOf(event);
    const query = parseQuery(event);
    const page = await pageOf(table, query, caller);
    const headers: Record<string, string> = page.cursor
      ? { link: nextLink(event.rawPath || '/tasks', query, page.cursor) }
      : {};
    return cacheable(event, page.tasks, headers);
  });
}

export const handler = wiredAtFirstCall(() => makeHandler({ table: tableFromEnvironment() }));
