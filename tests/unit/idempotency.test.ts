import type { SFNClient } from '@aws-sdk/client-sfn';
import { describe, expect, it } from 'vitest';
import { makeHandler } from '../../functions/api/create-task.ts';
import type { TaskWorkflow } from '../../functions/tasks/launcher.ts';
import { isStatus } from '../../functions/tasks/model.ts';
import { context, httpEvent } from '../helpers/events.ts';
import { fakeClock } from '../helpers/fake-clock.ts';
import { memoryTable, writesTask } from '../helpers/memory-table.ts';

/** A task item, not an idempotency record or a totals counter. */
const isTask = (item: Record<string, unknown>) => isStatus(item.status);

const ARN = 'arn:aws:states:us-east-1:000000000000:stateMachine:tasks-test';

/** A workflow whose starts are recorded; `failing` makes every start throw, `gate` holds the first. */
function fakeWorkflow(options: { failing?: boolean; gate?: Promise<void> } = {}) {
  const started: string[] = [];
  let gate = options.gate;
  const sfn = {
    send: async (command: { input: { name: string } }) => {
      const held = gate;
      gate = undefined;
      await held;
      if (options.failing)
        throw Object.assign(new Error('unavailable'), { name: 'ServiceUnavailable' });
      started.push(command.input.name);
      return { executionArn: 'arn' };
    },
  };
  return {
    workflow: { sfn: sfn as unknown as SFNClient, stateMachineArn: ARN } as TaskWorkflow,
    started,
  };
}

function setup(options: Parameters<typeof fakeWorkflow>[0] = {}) {
  const memory = memoryTable();
  const clock = fakeClock();
  const { workflow, started } = fakeWorkflow(options);
  const create = makeHandler({ table: memory.table, workflow, clock, maxRunningTasks: 10 });
  const post = (body: unknown, key = 'key-1', sub?: string) => {
    const event = httpEvent({
      method: 'POST',
      body: JSON.stringify(body),
      headers: { 'content-type': 'application/json', 'idempotency-key': key },
    });
    if (sub) Object.assign(event.requestContext, { authorizer: { jwt: { claims: { sub } } } });
    return create(event, context);
  };
  const tasks = () => [...memory.items.values()].filter(isTask);
  return { memory, clock, post, tasks, started };
}

describe('POST /tasks with an Idempotency-Key', () => {
  it('replays the first answer, same status and body, marked Idempotent-Replayed', async () => {
    const { post, tasks } = setup();
    const first = await post({ name: 'report' });
    const again = await post({ name: 'report' });
    expect(first.statusCode).toBe(201);
    expect(first.headers['idempotent-replayed']).toBeUndefined();
    expect(again).toMatchObject({ statusCode: 201, body: first.body });
    expect(again.headers).toMatchObject({
      location: first.headers.location,
      'idempotent-replayed': 'true',
    });
    expect(tasks()).toHaveLength(1);
  });

  it('treats bodies that differ only in key order and defaults as the same request', async () => {
    const { post, tasks } = setup();
    await post({ name: 'a', input: { fail: false, duration_seconds: 10 } });
    const again = await post({ input: { duration_seconds: 10 }, name: 'a' });
    expect(again.statusCode).toBe(201);
    expect(tasks()).toHaveLength(1);
  });

  it('refuses the same key with a different body: 422 idempotency_key_reused', async () => {
    const { post, tasks } = setup();
    await post({ name: 'report' });
    const other = await post({ name: 'other' });
    expect(other.statusCode).toBe(422);
    expect(JSON.parse(other.body ?? '')).toMatchObject({ code: 'idempotency_key_reused' });
    expect(tasks()).toHaveLength(1);
  });

  it('scopes keys to the caller: two callers with one key make two tasks', async () => {
    const { post, tasks } = setup();
    await post({}, 'shared', 'alice');
    const bob = await post({ name: 'different' }, 'shared', 'bob');
    expect(bob.statusCode).toBe(201);
    expect(tasks()).toHaveLength(2);
  });

  it('forgets a key after 24 hours', async () => {
    const { post, tasks, clock } = setup();
    await post({});
    await clock.sleep(24 * 3600 * 1000 + 1000);
    const later = await post({ name: 'new' });
    expect(later.statusCode).toBe(201);
    expect(later.headers['idempotent-replayed']).toBeUndefined();
    expect(tasks()).toHaveLength(2);
  });

  it('answers 400 invalid_idempotency_key to a key that is too long or has spaces', async () => {
    const { post } = setup();
    for (const key of ['x'.repeat(256), 'has space', '']) {
      const response = await post({}, key);
      expect(response.statusCode).toBe(400);
      expect(JSON.parse(response.body ?? '')).toMatchObject({ code: 'invalid_idempotency_key' });
    }
  });

  it('replays a 503 start_failed, and does not make a second task', async () => {
    const { post, tasks } = setup({ failing: true });
    const first = await post({});
    const again = await post({});
    expect(first.statusCode).toBe(503);
    expect(again).toMatchObject({ statusCode: 503, body: first.body });
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(tasks()).toHaveLength(1);
    expect(tasks()[0]?.status).toBe('FAILURE');
  });

  it('answers 409 request_in_progress with Retry-After while the first request is in flight, then replays it', async () => {
    const { post, tasks, memory } = setup();
    // The first request stops just before writing its task.
    const release = memory.hold(writesTask);
    const first = post({});
    const second = await post({});
    expect(second.statusCode).toBe(409);
    expect(second.headers['retry-after']).toBe('1');
    expect(JSON.parse(second.body ?? '')).toMatchObject({ code: 'request_in_progress' });
    release();
    const firstAnswer = await first;
    const third = await post({});
    expect(firstAnswer.statusCode).toBe(201);
    expect(third).toMatchObject({ statusCode: 201, body: firstAnswer.body });
    expect(tasks()).toHaveLength(1);
  });

  it('lets a concurrent request wait briefly and replay the answer when the first ends meanwhile', async () => {
    const { post, tasks, memory, clock } = setup();
    const release = memory.hold(writesTask);
    const first = post({});
    const sleep = clock.sleep;
    clock.sleep = async (ms) => {
      release();
      await first;
      await sleep(ms);
    };
    const second = await post({});
    expect(second.statusCode).toBe(201);
    expect(second.headers['idempotent-replayed']).toBe('true');
    expect(second.body).toBe((await first).body);
    expect(tasks()).toHaveLength(1);
  });

  it('after a crash between writing the task and answering, a retry answers 201 with that task, started once', async () => {
    const never = new Promise<void>(() => {});
    const { post, tasks, clock, started } = setup({ gate: never });
    // The first request writes its task, then dies before starting it (its promise never settles).
    const crashed = post({ name: 'report' });
    await new Promise((done) => setTimeout(done, 0));
    expect(tasks()).toHaveLength(1);
    const inFlight = await post({ name: 'report' });
    expect(inFlight.statusCode).toBe(409);
    await clock.sleep(10_000);
    const retry = await post({ name: 'report' });
    expect(retry.statusCode).toBe(201);
    expect(JSON.parse(retry.body ?? '')).toMatchObject({
      task_id: tasks()[0]?.task_id,
      name: 'report',
    });
    expect(tasks()).toHaveLength(1);
    expect(started).toEqual([tasks()[0]?.task_id]);
    void crashed;
  });

  it('after a crash between claiming the key and writing the task, a retry writes that task', async () => {
    const { post, tasks, clock, memory } = setup();
    memory.hold(writesTask);
    void post({});
    await new Promise((done) => setTimeout(done, 0));
    await clock.sleep(10_000);
    const retry = await post({});
    expect(retry.statusCode).toBe(201);
    expect(tasks()).toHaveLength(1);
    const record = [...memory.items.values()].find((item) =>
      String(item.task_id).startsWith('idempotency#'),
    );
    expect(record?.created_task_id).toBe(tasks()[0]?.task_id);
  });

  it('without a key, every request makes a task', async () => {
    const { memory, clock } = setup();
    const create = makeHandler({
      table: memory.table,
      workflow: fakeWorkflow().workflow,
      clock,
      maxRunningTasks: 10,
    });
    await create(httpEvent({ method: 'POST' }), context);
    await create(httpEvent({ method: 'POST' }), context);
    expect([...memory.items.values()].filter(isTask)).toHaveLength(2);
  });
});
