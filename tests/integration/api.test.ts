import { describe, expect, it } from 'vitest';
import { runningDynamoDBLocal } from '../../infra/local/dynamodb.ts';
import { type apiClient, useLocalService, waitFor } from '../helpers/local-service.ts';
import { responseValidator } from '../helpers/openapi-validator.ts';

// One-second slices: every task here goes round the workflow's Work → Wait loop.
const local = useLocalService({ env: { WORK_SLICE_SECONDS: '1' } });
// Every answer is checked against the OpenAPI document before a test looks at it.
const conformsToDocument = responseValidator();
const api: ReturnType<typeof apiClient> = async (...args) => {
  const answer = await local.api(...args);
  conformsToDocument(args[0], args[1], answer);
  return answer;
};

const create = async (body?: unknown) => {
  const response = await api('POST', '/tasks', body);
  expect(response.status).toBe(201);
  return response.body as { task_id: string; status: string };
};
const statusOf = async (id: string) =>
  (await api('GET', `/tasks/${id}/status`)).body?.status as string;
const finished = (id: string) =>
  waitFor(async () => {
    const status = await statusOf(id);
    return ['SUCCESS', 'FAILURE', 'CANCELLED'].includes(status) ? status : undefined;
  });

describe('health', () => {
  it('reports the database ok', async () => {
    const response = await api('GET', '/health');
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({
      status: 'ok',
      checks: { database: 'ok' },
      version: expect.any(String),
    });
  });
});

describe('creating and running tasks', () => {
  it('creates a default task with no body, with a Location to its status', async () => {
    const response = await api('POST', '/tasks');
    expect(response.status).toBe(201);
    expect(response.body).toMatchObject({
      status: 'PENDING',
      type: 'simulate',
      input: { duration_seconds: 10, fail: false },
    });
    expect(response.headers.get('location')).toBe(`/tasks/${response.body.task_id}/status`);
    expect(response.headers.get('content-type')).toContain('application/json');
    await api('DELETE', `/tasks/${response.body.task_id}`);
  });

  it('runs a task to SUCCESS with the original result message, progress rising on the way', async () => {
    const task = await create({ name: 'report', input: { duration_seconds: 2 } });
    const running = await waitFor(async () => {
      const { body } = await api('GET', `/tasks/${task.task_id}/status`);
      return body.status === 'RUNNING' && body.progress > 0 ? body : undefined;
    });
    expect(running.progress).toBeLessThan(100);
    const partial = await api('GET', `/tasks/${task.task_id}/result`);
    if (partial.body.status === 'RUNNING')
      expect(partial.headers.get('retry-after')).toMatch(/^[1-5]$/);
    expect(await finished(task.task_id)).toBe('SUCCESS');
    const { body } = await api('GET', `/tasks/${task.task_id}/status`);
    expect(body).toMatchObject({ progress: 100, name: 'report' });
    expect(body.started_at).not.toBeNull();
    expect(body.finished_at).not.toBeNull();
    const result = await api('GET', `/tasks/${task.task_id}/result`);
    expect(result.body).toEqual({
      task_id: task.task_id,
      status: 'SUCCESS',
      result: `Task ${task.task_id} completed successfully!`,
    });
    expect(result.headers.get('retry-after')).toBeNull();
  });

  it('ends a task that asks to fail in FAILURE with its error', async () => {
    const task = await create({ input: { duration_seconds: 1, fail: true } });
    expect(await finished(task.task_id)).toBe('FAILURE');
    const result = await api('GET', `/tasks/${task.task_id}/result`);
    expect(result.body).toMatchObject({
      status: 'FAILURE',
      error: expect.stringContaining('failed'),
    });
  });

  it.each([
    ['malformed JSON', '{"name":', 400, 'malformed_json'],
    ['an unknown type', { type: 'teleport' }, 400, 'unknown_type'],
    ['a duration out of range', { input: { duration_seconds: 0 } }, 400, 'invalid_request'],
    ['a body over 64 KiB', { name: 'x'.repeat(66_000) }, 413, 'payload_too_large'],
  ])('refuses %s with a JSON error', async (_, body, status, code) => {
    const response = await api('POST', '/tasks', body);
    expect(response.status).toBe(status);
    expect(response.body).toEqual({ error: expect.any(String), code });
  });
});

describe('listing', () => {
  it('lists newest first, filters by status and pages with a cursor link', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 5; i++)
      ids.push((await create({ name: `page-${i}`, input: { duration_seconds: 600 } })).task_id);
    const first = await api('GET', '/tasks?limit=2');
    expect(first.status).toBe(200);
    expect(first.body.map((t: { task_id: string }) => t.task_id)).toEqual([ids[4], ids[3]]);
    const next = /<([^>]+)>; rel="next"/.exec(first.headers.get('link') ?? '')?.[1];
    expect(next).toBeDefined();
    const second = await api('GET', next as string);
    expect(second.body.map((t: { task_id: string }) => t.task_id)).toEqual([ids[2], ids[1]]);

    await waitFor(async () =>
      (await statusOf(ids[0] as string)) === 'RUNNING' ? true : undefined,
    );
    const seen: string[] = [];
    let path: string | undefined = '/tasks?status=RUNNING&limit=2';
    while (path) {
      const page = await api('GET', path);
      expect(page.body.every((t: { status: string }) => t.status === 'RUNNING')).toBe(true);
      seen.push(...page.body.map((t: { task_id: string }) => t.task_id));
      path = /<([^>]+)>; rel="next"/.exec(page.headers.get('link') ?? '')?.[1];
    }
    expect(seen).toContain(ids[0]);
    expect(new Set(seen).size).toBe(seen.length);
    for (const id of ids) await api('DELETE', `/tasks/${id}`);
  });

  it.each([
    ['/tasks?status=DONE', 'invalid_status'],
    ['/tasks?limit=0', 'invalid_limit'],
    ['/tasks?limit=101', 'invalid_limit'],
    ['/tasks?cursor=garbage', 'invalid_cursor'],
  ])('answers 400 to %s', async (path, code) => {
    const response = await api('GET', path);
    expect(response.status).toBe(400);
    expect(response.body.code).toBe(code);
  });

  it('answers 304 to a list request whose ETag still matches', async () => {
    const first = await api('GET', '/tasks?status=SUCCESS');
    const etag = first.headers.get('etag') as string;
    const again = await api('GET', '/tasks?status=SUCCESS', undefined, { 'if-none-match': etag });
    expect(again.status).toBe(304);
  });
});

describe('cancelling', () => {
  it('cancels a running task for good, idempotently, keeping its progress', async () => {
    const task = await create({ input: { duration_seconds: 30 } });
    await waitFor(async () => {
      const { body } = await api('GET', `/tasks/${task.task_id}/status`);
      return body.status === 'RUNNING' && body.progress > 0 ? true : undefined;
    });
    const cancelled = await api('PATCH', `/tasks/${task.task_id}/status`, { status: 'CANCELLED' });
    expect(cancelled.status).toBe(200);
    expect(cancelled.body.status).toBe('CANCELLED');
    expect(cancelled.body.progress).toBeGreaterThan(0);
    const again = await api('PATCH', `/tasks/${task.task_id}/status`);
    expect(again.status).toBe(200);
    expect(again.body.status).toBe('CANCELLED');
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const later = await api('GET', `/tasks/${task.task_id}/status`);
    expect(later.body).toMatchObject({ status: 'CANCELLED', progress: cancelled.body.progress });
    const result = await api('GET', `/tasks/${task.task_id}/result`);
    expect(result.body).toMatchObject({ status: 'CANCELLED', error: 'Task was cancelled' });
  });

  it('cancels a task right after creating it, before or as its work starts', async () => {
    const task = await create({ input: { duration_seconds: 30 } });
    const response = await api('PATCH', `/tasks/${task.task_id}/status`, { status: 'CANCELLED' });
    expect(response.status).toBe(200);
    expect(await finished(task.task_id)).toBe('CANCELLED');
  });

  it('answers 409 naming the status when the task already succeeded', async () => {
    const task = await create({ input: { duration_seconds: 1 } });
    expect(await finished(task.task_id)).toBe('SUCCESS');
    const response = await api('PATCH', `/tasks/${task.task_id}/status`, { status: 'CANCELLED' });
    expect(response.status).toBe(409);
    expect(response.body.code).toBe('task_finished');
    expect(response.body.error).toContain('SUCCESS');
    expect(await statusOf(task.task_id)).toBe('SUCCESS');
  });

  it('answers 400 to any other target status and 404 to an unknown task', async () => {
    const task = await create({ input: { duration_seconds: 30 } });
    expect(
      (await api('PATCH', `/tasks/${task.task_id}/status`, { status: 'SUCCESS' })).status,
    ).toBe(400);
    expect((await api('PATCH', '/tasks/unknown/status', { status: 'CANCELLED' })).status).toBe(404);
    await api('DELETE', `/tasks/${task.task_id}`);
  });
});

describe('deleting', () => {
  it('deletes a running task, which never comes back', async () => {
    const task = await create({ input: { duration_seconds: 3 } });
    await waitFor(async () => ((await statusOf(task.task_id)) === 'RUNNING' ? true : undefined));
    const response = await api('DELETE', `/tasks/${task.task_id}`);
    expect(response.status).toBe(200);
    expect(response.body).toEqual({ task_id: task.task_id });
    await new Promise((resolve) => setTimeout(resolve, 3500));
    expect((await api('GET', `/tasks/${task.task_id}/status`)).status).toBe(404);
    expect((await api('GET', `/tasks/${task.task_id}/result`)).status).toBe(404);
    expect((await api('DELETE', `/tasks/${task.task_id}`)).status).toBe(404);
  });
});

describe('search, totals and a task with its timeline', () => {
  type Totals = { counts: Record<string, number>; total: number };
  const totals = async (): Promise<Totals> => {
    const response = await api('GET', '/tasks/totals');
    expect(response.status).toBe(200);
    const { counts, total } = response.body as Totals;
    expect(Object.values(counts).reduce((sum, n) => sum + n, 0)).toBe(total);
    return response.body;
  };
  const idsOf = (body: { task_id: string }[]) => body.map((task) => task.task_id);
  const cursorOf = (response: { headers: Headers }) => {
    const link = response.headers.get('link');
    return link ? new URL(/<([^>]+)>/.exec(link)?.[1] ?? '', 'http://x') : undefined;
  };

  it('finds tasks by name prefix and by id past the first page, counts them, and shows their timeline', async () => {
    const before = await totals();
    const run = `Needle${Date.now().toString(36)}`;
    const created: { task_id: string; name: string }[] = [];
    for (let n = 1; n <= 12; n++) {
      const name = `${run} ${String(n).padStart(2, '0')}`;
      const task = await create({ name, input: { duration_seconds: 1 } });
      created.push({ task_id: task.task_id, name });
    }
    expect((await totals()).total).toBe(before.total + 12);

    // Lower case finds the capitalized names, five by five, by name, the search kept in the link.
    const pages: string[][] = [];
    let path = `/tasks?search=${encodeURIComponent(run.toLowerCase())}&limit=5`;
    for (;;) {
      const response = await api('GET', path);
      expect(response.status).toBe(200);
      pages.push(response.body.map((task: { name: string }) => task.name));
      const next = cursorOf(response);
      if (!next) break;
      expect(next.searchParams.get('search')).toBe(run.toLowerCase());
      path = `${next.pathname}${next.search}`;
    }
    expect(pages.map((page) => page.length)).toEqual([5, 5, 2]);
    expect(pages.flat()).toEqual(created.map((task) => task.name));

    // The oldest task is on the last page of the list; its id, in any case, finds it alone.
    const oldest = created[0]?.task_id ?? '';
    const firstListPage = await api('GET', '/tasks?limit=5');
    expect(idsOf(firstListPage.body)).not.toContain(oldest);
    for (const text of [oldest, oldest.toLowerCase()]) {
      const found = await api('GET', `/tasks?search=${text}`);
      expect(idsOf(found.body)).toEqual([oldest]);
    }
    const refused = await api('GET', `/tasks?search=${run}&status=RUNNING`);
    expect(refused.status).toBe(400);
    expect(refused.body.code).toBe('invalid_query');

    for (const task of created) expect(await finished(task.task_id)).toBe('SUCCESS');
    const detail = await api('GET', `/tasks/${oldest}`);
    expect(detail.status).toBe(200);
    const { events, ...task } = detail.body;
    expect(task).toEqual((await api('GET', `/tasks/${oldest}/status`)).body);
    expect(events.map((event: { type: string }) => event.type)).toEqual([
      'created',
      'started',
      ...events.slice(2, -1).map(() => 'progress'),
      'succeeded',
    ]);
    const times = events.map((event: { at: string }) => event.at);
    expect([...times].sort()).toEqual(times);
    expect((await api('GET', '/tasks/01JDZ0N5Q8W4X3M2V7K9T6R1ZZ')).status).toBe(404);

    // Once nothing runs, the totals are exactly what the list holds in each status.
    const settled = await waitFor(async () => {
      const now = await totals();
      return now.counts.PENDING === 0 && now.counts.RUNNING === 0 ? now : undefined;
    }, 30_000);
    expect(settled.counts.SUCCESS).toBeGreaterThanOrEqual((before.counts.SUCCESS ?? 0) + 12);
    for (const [status, count] of Object.entries(settled.counts)) {
      let listed = 0;
      let next: string | undefined = `/tasks?status=${status}&limit=100`;
      while (next) {
        const response = await api('GET', next);
        listed += response.body.length;
        const url = cursorOf(response);
        next = url && `${url.pathname}${url.search}`;
      }
      expect(listed, status).toBe(count);
    }
  });
});

describe('routing', () => {
  it('answers 404 with a JSON error to an unknown path', async () => {
    const response = await api('GET', '/nothing/here');
    expect(response.status).toBe(404);
    expect(response.body).toMatchObject({ code: 'not_found' });
  });

  it("closes the connection after refusing a body over API Gateway's 10 MiB", async () => {
    const response = await fetch(`${local.service.url}/tasks`, {
      method: 'POST',
      body: Buffer.alloc(11 * 1024 * 1024, 32),
    });
    expect(response.status).toBe(413);
    expect(response.headers.get('connection')).toBe('close');
    expect((await api('GET', '/health')).status).toBe(200);
  });

  it('answers 405 with Allow to a known path with another method', async () => {
    const response = await api('PUT', '/tasks');
    expect(response.status).toBe(405);
    expect(response.headers.get('allow')).toBe('POST, GET');
    expect(response.body.code).toBe('method_not_allowed');
  });

  it('serves the dashboard at /', async () => {
    const response = await fetch(`${local.service.url}/`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('text/html');
  });
});

describe('when the database hangs', () => {
  it('answers 503 within seconds, on health and on the API, and recovers once it is back', async () => {
    const jvm = runningDynamoDBLocal(local.service.dataDir) as number;
    process.kill(jvm, 'SIGSTOP');
    try {
      const started = Date.now();
      const response = await api('GET', '/health');
      expect(response.status).toBe(503);
      expect(response.body).toMatchObject({
        status: 'unavailable',
        checks: { database: 'unavailable' },
      });
      expect(Date.now() - started).toBeLessThan(5000);
      const list = await api('GET', '/tasks');
      expect(list.status).toBe(503);
      expect(list.body.code).toBe('service_unavailable');
    } finally {
      process.kill(jvm, 'SIGCONT');
    }
    expect((await api('GET', '/health')).status).toBe(200);
  });
});
