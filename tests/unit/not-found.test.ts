import { describe, expect, it } from 'vitest';
import { allowedMethods, handler } from '../../functions/api/not-found.ts';
import { context, httpEvent } from '../helpers/events.ts';

const answer = async (method: string, path: string) => {
  const response = await handler(httpEvent({ method, path }), context);
  return { ...response, body: JSON.parse(response.body ?? '') };
};

describe('the default route', () => {
  it('answers an unknown path with the JSON 404 of the contract', async () => {
    const response = await answer('GET', '/nowhere');
    expect(response.statusCode).toBe(404);
    expect(response.headers['content-type']).toBe('application/json');
    expect(response.body).toEqual({ error: 'No route for GET /nowhere', code: 'not_found' });
  });

  it('answers a known path with another method with 405 and the methods it allows', async () => {
    const response = await answer('PUT', '/tasks/01JTASK/status');
    expect(response.statusCode).toBe(405);
    expect(response.headers.allow).toBe('GET, PATCH');
    expect(response.body).toEqual({
      error: 'Method PUT is not allowed on /tasks/01JTASK/status',
      code: 'method_not_allowed',
    });
  });

  it('lists the methods of the route table for each kind of path', () => {
    expect(allowedMethods('/tasks')).toEqual(['POST', 'GET']);
    expect(allowedMethods('/tasks/01JTASK')).toEqual(['GET', 'DELETE']);
    expect(allowedMethods('/tasks/totals')).toEqual(['GET', 'DELETE']);
    expect(allowedMethods('/health')).toEqual(['GET']);
  });

  it('treats an empty path parameter or a trailing slash as an unknown path', () => {
    expect(allowedMethods('/tasks//status')).toEqual([]);
    expect(allowedMethods('/tasks/')).toEqual([]);
  });
});
