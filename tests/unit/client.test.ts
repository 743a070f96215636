import { describe, expect, it } from 'vitest';
import { createTasksClient, nextCursor, TasksApiError } from '../../client/index.ts';
import { retryAfterMs, retryingFetch } from '../../client/retry.ts';
import { PENDING_TASK_ANSWER } from '../helpers/task-answer.ts';

const TASK = PENDING_TASK_ANSWER;

const jsonAnswer = (status: number, body: unknown, headers: Record<string, string> = {}) =>
  new Response(body === undefined ? null : JSON.stringify(body), {
    status,
    headers: { 'content-type': 'application/json', ...headers },
  });

/** A fetch that answers from a script and records every request it was sent. */
function scripted(...answers: (Response | Error)[]) {
  const requests: Request[] = [];
  const fetch = async (request: Request) => {
    requests.push(request);
    const next = answers.shift();
    if (!next) throw new Error('No more answers scripted');
    if (next instanceof Error) throw next;
    return next;
  };
  return { fetch, requests };
}

function recordingSleep() {
  const slept: number[] = [];
  return { slept, sleep: async (ms: number) => void slept.push(ms) };
}

describe('retryingFetch', () => {
  it('retries a keyed POST after a 503, waiting as Retry-After says, with the same key and body', async () => {
    const { fetch, requests } = scripted(
      jsonAnswer(503, { error: 'busy', code: 'service_unavailable' }, { 'retry-after': '2' }),
      jsonAnswer(201, TASK),
    );
    const { slept, sleep } = recordingSleep();
    const client = createTasksClient({ baseUrl: 'http://api.test/', fetch, sleep });
    const task = await client.createTask({ name: 'report' });
    expect(task.task_id).toBe(TASK.task_id);
    expect(slept).toEqual([2000]);
    const keys = requests.map((request) => request.headers.get('idempotency-key'));
    expect(keys[0]).toMatch(/^[0-9a-f-]{36}$/);
    expect(keys[1]).toBe(keys[0]);
    expect(await requests[1]?.text()).toBe('{"name":"report"}');
  });

  it('never retries a POST without an Idempotency-Key', async () => {
    const { fetch, requests } = scripted(jsonAnswer(503, {}), jsonAnswer(201, TASK));
    const retrying = retryingFetch(fetch, recordingSleep());
    const response = await retrying(new Request('http://api.test/tasks', { method: 'POST' }));
    expect(response.status).toBe(503);
    expect(requests).toHaveLength(1);
  });

  it('backs off exponentially on 429 without Retry-After and after network errors, then gives up', async () => {
    const { fetch, requests } = scripted(
      jsonAnswer(429, {}),
      new TypeError('fetch failed'),
      new TypeError('fetch failed'),
    );
    const { slept, sleep } = recordingSleep();
    const retrying = retryingFetch(fetch, { sleep, maxAttempts: 3, random: () => 1 });
    await expect(retrying(new Request('http://api.test/tasks'))).rejects.toThrow('fetch failed');
    expect(requests).toHaveLength(3);
    expect(slept).toEqual([250, 500]);
  });

  it('reads Retry-After as seconds or an HTTP date', () => {
    expect(retryAfterMs('3')).toBe(3000);
    expect(retryAfterMs('Thu, 01 Jan 2026 00:00:10 GMT', Date.UTC(2026, 0, 1))).toBe(10_000);
    expect(retryAfterMs('soon')).toBeUndefined();
    expect(retryAfterMs(null)).toBeUndefined();
  });
});

describe('the tasks client', () => {
  it('sends the ETag it holds and the wait, and reports an unchanged task on 304', async () => {
    const { fetch, requests } = scripted(
      new Response(null, { status: 304, headers: { etag: '"a"' } }),
    );
    const client = createTasksClient({ baseUrl: 'http://api.test', fetch, token: 'tok' });
    const answer = await client.getStatus(TASK.task_id, { etag: '"a"', waitSeconds: 20 });
    expect(answer.changed).toBe(false);
    const [request] = requests;
    expect(request?.url).toBe(`http://api.test/tasks/${TASK.task_id}/status?wait=20`);
    expect(request?.headers.get('if-none-match')).toBe('"a"');
    expect(request?.headers.get('authorization')).toBe('Bearer tok');
  });

  it('follows a task with the long poll until it ends', async () => {
    const { fetch, requests } = scripted(
      jsonAnswer(200, TASK, { etag: '"1"' }),
      new Response(null, { status: 304, headers: { etag: '"1"' } }),
      jsonAnswer(200, { ...TASK, status: 'SUCCESS', progress: 100 }, { etag: '"2"' }),
    );
    const seen: string[] = [];
    const client = createTasksClient({ baseUrl: 'http://api.test', fetch });
    const task = await client.waitUntilFinished(TASK.task_id, (t) => seen.push(t.status));
    expect(task.status).toBe('SUCCESS');
    expect(seen).toEqual(['PENDING', 'SUCCESS']);
    expect(requests[2]?.headers.get('if-none-match')).toBe('"1"');
  });

  it('throws the API error with its code', async () => {
    const { fetch } = scripted(
      jsonAnswer(404, { error: 'Task x not found', code: 'task_not_found' }),
    );
    const client = createTasksClient({ baseUrl: 'http://api.test', fetch });
    const error = await client.getResult('x').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TasksApiError);
    expect(error).toMatchObject({
      status: 404,
      code: 'task_not_found',
      message: 'Task x not found',
    });
  });

  it('pages with the cursor of the Link header', async () => {
    const { fetch, requests } = scripted(
      jsonAnswer(200, [TASK], { link: '</tasks?limit=1&cursor=abc>; rel="next"' }),
      jsonAnswer(200, [{ ...TASK, task_id: 'second' }]),
    );
    const client = createTasksClient({ baseUrl: 'http://api.test', fetch });
    const ids: string[] = [];
    for await (const task of client.allTasks({ limit: 1 })) ids.push(task.task_id);
    expect(ids).toEqual([TASK.task_id, 'second']);
    expect(requests[1]?.url).toBe('http://api.test/tasks?limit=1&cursor=abc');
    expect(nextCursor(null)).toBeUndefined();
  });

  it('searches with the text, pages the search with its cursor, and reads the next cursor', async () => {
    const { fetch, requests } = scripted(
      jsonAnswer(200, [TASK], { link: '</tasks?search=Re+port&limit=1&cursor=c1>; rel="next"' }),
      jsonAnswer(200, [{ ...TASK, task_id: 'second' }]),
    );
    const client = createTasksClient({ baseUrl: 'http://api.test', fetch });
    const first = await client.searchTasks('Re port', { limit: 1 });
    expect(first.cursor).toBe('c1');
    const next = await client.searchTasks('Re port', { limit: 1, cursor: first.cursor });
    expect(next.cursor).toBeUndefined();
    expect(requests.map((request) => request.url)).toEqual([
      'http://api.test/tasks?search=Re%20port&limit=1',
      'http://api.test/tasks?search=Re%20port&limit=1&cursor=c1',
    ]);
  });

  it('reads the totals, and a task with its timeline', async () => {
    const totals = {
      counts: { PENDING: 1, RUNNING: 0, SUCCESS: 2, FAILURE: 0, CANCELLED: 0 },
      total: 3,
    };
    const events = [{ at: TASK.created_at, type: 'created' }];
    const { fetch, requests } = scripted(
      jsonAnswer(200, totals),
      jsonAnswer(200, { ...TASK, events }),
    );
    const client = createTasksClient({ baseUrl: 'http://api.test', fetch });
    expect(await client.getTotals()).toEqual(totals);
    expect((await client.getTaskDetail(TASK.task_id)).events).toEqual(events);
    expect(requests.map((request) => request.url)).toEqual([
      'http://api.test/tasks/totals',
      `http://api.test/tasks/${TASK.task_id}`,
    ]);
  });
});
