import { describe, expect, it } from 'vitest';
import { makeHandler, retryAfterSeconds } from '../../functions/api/get-task-status.ts';
import { newTask, type Task } from '../../functions/tasks/model.ts';
import { lambdaContext } from '../../infra/local/lambda-context.ts';
import { context, httpEvent } from '../helpers/events.ts';
import { fakeClock } from '../helpers/fake-clock.ts';
import { memoryTable } from '../helpers/memory-table.ts';

const ID = '01JDZ0N5Q8W4X3M2V7K9T6R1BC';
const START = new Date(Date.UTC(2026, 0, 1));

function running(fields: Partial<Task> = {}): Task {
  return {
    ...newTask({ taskId: ID, name: null, type: 'simulate', input: {}, now: START }),
    status: 'RUNNING',
    started_at: START.toISOString(),
    ...fields,
  };
}

function setup(task: Task) {
  const memory = memoryTable();
  memory.items.set(ID, { ...task, kind: 'task' });
  const clock = fakeClock(START);
  const getStatus = makeHandler({ table: memory.table, clock });
  const get = (
    query: Record<string, string> = {},
    headers: Record<string, string> = {},
    ctx = context,
  ) => getStatus(httpEvent({ path: `/tasks/${ID}/status`, id: ID, query, headers }), ctx);
  return { memory, clock, get };
}

describe('GET /tasks/{id}/status?wait=N', () => {
  it('answers at once without If-None-Match', async () => {
    const { get, clock } = setup(running());
    const response = await get({ wait: '20' });
    expect(response.statusCode).toBe(200);
    expect(clock.slept).toEqual([]);
  });

  it('answers 200 with the new ETag as soon as the task changes', async () => {
    const { get, clock, memory } = setup(running({ progress: 10 }));
    const { headers } = await get();
    let reads = 0;
    clock.sleep = async (ms) => {
      clock.slept.push(ms);
      reads += 1;
      // The worker saves progress while the request is held, after three polls.
      if (reads === 3) memory.items.set(ID, { ...running({ progress: 20 }), kind: 'task' });
    };
    const response = await get({ wait: '20' }, { 'if-none-match': headers.etag ?? '' });
    expect(response.statusCode).toBe(200);
    expect(response.headers.etag).not.toBe(headers.etag);
    expect(JSON.parse(response.body ?? '')).toMatchObject({ progress: 20 });
    expect(clock.slept).toEqual([500, 500, 500]);
  });

  it('answers 304 after N seconds without a change, reading the task every 500 ms', async () => {
    const { get, clock, memory } = setup(running({ progress: 10 }));
    const { headers } = await get();
    const readsBefore = memory.counts.GetCommand ?? 0;
    const response = await get({ wait: '3' }, { 'if-none-match': headers.etag ?? '' });
    expect(response.statusCode).toBe(304);
    expect(clock.slept.reduce((sum, ms) => sum + ms, 0)).toBe(3000);
    expect((memory.counts.GetCommand ?? 0) - readsBefore).toBe(7);
  });

  it('gives up before the function times out', async () => {
    const { get, clock } = setup(running());
    const { headers } = await get();
    const response = await get(
      { wait: '20' },
      { 'if-none-match': headers.etag ?? '' },
      lambdaContext('status', 10_000),
    );
    expect(response.statusCode).toBe(304);
    const held = clock.slept.reduce((sum, ms) => sum + ms, 0);
    expect(held).toBeGreaterThan(8000);
    expect(held).toBeLessThanOrEqual(9000);
  });

  it('answers 304 at once for a finished task, which never changes', async () => {
    const { get, clock } = setup(running({ status: 'SUCCESS', progress: 100 }));
    const { headers } = await get();
    const response = await get({ wait: '20' }, { 'if-none-match': headers.etag ?? '' });
    expect(response.statusCode).toBe(304);
    expect(clock.slept).toEqual([]);
  });

  it('answers 404 when the task is deleted while the request waits', async () => {
    const { get, clock, memory } = setup(running());
    const { headers } = await get();
    clock.sleep = async () => {
      memory.items.delete(ID);
    };
    const response = await get({ wait: '5' }, { 'if-none-match': headers.etag ?? '' });
    expect(response.statusCode).toBe(404);
  });

  it.each(['0', '21', '1.5', 'abc', '-1'])('answers 400 invalid_wait to wait=%s', async (wait) => {
    const { get } = setup(running());
    const response = await get({ wait });
    expect(response.statusCode).toBe(400);
    expect(JSON.parse(response.body ?? '')).toMatchObject({ code: 'invalid_wait' });
  });
});

describe('Retry-After on the status of an unfinished task', () => {
  const at = (seconds: number) => new Date(START.getTime() + seconds * 1000);

  it('is 1 s for a pending task or one without progress yet', () => {
    expect(retryAfterSeconds(running({ status: 'PENDING', started_at: null }), at(5))).toBe(1);
    expect(retryAfterSeconds(running({ progress: 0 }), at(5))).toBe(1);
  });

  it('follows the time the progress rate says is left, from 1 to 5 s', () => {
    expect(retryAfterSeconds(running({ progress: 80 }), at(8))).toBe(2);
    expect(retryAfterSeconds(running({ progress: 10 }), at(10))).toBe(5);
    expect(retryAfterSeconds(running({ progress: 99 }), at(99))).toBe(1);
  });

  it('is absent once the task ended', () => {
    expect(retryAfterSeconds(running({ status: 'FAILURE' }), at(5))).toBeUndefined();
  });

  it('is sent on both the 200 and the 304, and does not change the ETag', async () => {
    const { get, clock } = setup(running({ progress: 50 }));
    const first = await get();
    await clock.sleep(30_000);
    const later = await get({}, { 'if-none-match': first.headers.etag ?? '' });
    expect(first.headers['retry-after']).toBe('1');
    expect(later.statusCode).toBe(304);
    expect(later.headers['retry-after']).toBe('5');
  });
});
