import { describe, expect, it } from 'vitest';
import { makeHandler } from '../../functions/api/list-tasks.ts';
import { ROUTES } from '../../functions/catalog.ts';
import { READ_ROUTE_SCOPES, routeScopes, WRITE_ROUTE_SCOPES } from '../../functions/http/caller.ts';
import { documentClient } from '../../functions/tasks/store.ts';
import { context, httpEvent } from '../helpers/events.ts';

describe('routeScopes', () => {
  it('asks reads for tasks/read and writes for tasks/write on every task route', () => {
    for (const route of ROUTES.filter((route) => route.path.startsWith('/tasks'))) {
      const expected = route.method === 'GET' ? READ_ROUTE_SCOPES : WRITE_ROUTE_SCOPES;
      expect(routeScopes(route), `${route.method} ${route.path}`).toEqual(expected);
    }
  });

  it('leaves /health open', () => {
    expect(routeScopes({ method: 'GET', path: '/health' })).toBeUndefined();
  });

  it('lets an operator through every task route', () => {
    for (const route of ROUTES.filter((route) => route.path !== '/health'))
      expect(routeScopes(route)).toContain('tasks/admin');
  });
});

describe('a task handler reached without the authorizer', () => {
  it('answers 401 rather than serve tasks without an owner', async () => {
    const table = { db: documentClient(), name: 'tasks-test', retentionSeconds: 60 };
    const response = await makeHandler({ table })(httpEvent({ claims: null }), context);
    expect(response).toMatchObject({ statusCode: 401 });
    expect(JSON.parse(String((response as { body: string }).body)).code).toBe('unauthorized');
  });
});
