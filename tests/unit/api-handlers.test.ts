import { ResourceNotFoundException } from '@aws-sdk/client-dynamodb';
import { StartExecutionCommand, StopExecutionCommand } from '@aws-sdk/client-sfn';
import {
  BatchGetCommand,
  GetCommand,
  QueryCommand,
  ScanCommand,
  TransactWriteCommand,
} from '@aws-sdk/lib-dynamodb';
import { beforeEach, describe, expect, it } from 'vitest';
import { newTask, type Task } from '../../functions/tasks/model.ts';
import { encodePageCursor } from '../../functions/tasks/page-cursor.ts';
import { db, resetAwsMocks, sfn } from '../helpers/aws-mocks.ts';
import { context, httpEvent } from '../helpers/events.ts';
import { fakeClock } from '../helpers/fake-clock.ts';
import { scriptStore } from '../helpers/scripted-store.ts';
import { mockedTaskHandlers } from '../helpers/task-handlers.ts';

const clock = fakeClock();
const {
  create: createTask,
  list: listTasks,
  status: getStatus,
  cancel: cancelTask,
  result: getResult,
  delete: deleteTask,
  health,
} = mockedTaskHandlers(clock);

const ID = '01JDZ0N5Q8W4X3M2V7K9T6R1BC';
const stored = (fields: Partial<Task> = {}): Task => ({
  ...newTask({
    taskId: ID,
    name: 'report',
    type: 'simulate',
    input: { duration_seconds: 10, fail: false },
    now: new Date(0),
  }),
  ...fields,
});
/** Task ids that sort as ULIDs do: a higher number is a newer task. */
const idOf = (n: number) => `01JDZ0N5Q8W4X3M2V7K9T6R1${String(n).padStart(2, '0')}`;
/** The Update of the task item inside the one transaction a status change writes. */
const taskUpdate = () =>
  db
    .commandCalls(TransactWriteCommand)[0]
    ?.args[0].input.TransactItems?.find((action) => action.Update?.Key?.task_id === ID)?.Update;
const body = (response: { body?: string } | undefined) => JSON.parse(response?.body ?? 'null');

beforeEach(() => {
  resetAwsMocks();
});

describe('POST /tasks', () => {
  it('creates a default simulate task when there is no body, and starts its execution by id', async () => {
    const memory = scriptStore(db, []);
    sfn.on(StartExecutionCommand).resolves({ executionArn: 'arn' });
    const response = await createTask(httpEvent({ method: 'POST' }), context);
    expect(response.statusCode).toBe(201);
    const task = body(response);
    expect(task).toMatchObject({
      status: 'PENDING',
      type: 'simulate',
      input: { duration_seconds: 10, fail: false },
      progress: 0,
    });
    expect(response.headers.location).toBe(`/tasks/${task.task_id}/status`);
    expect(task.created_at).toBe(clock.now().toISOString());
    const put = db.commandCalls(TransactWriteCommand)[0]?.args[0].input.TransactItems?.[0]?.Put;
    expect(put?.TableName).toBe('tasks-test');
    expect(put?.ConditionExpression).toBe('attribute_not_exists(task_id)');
    // A slot was free and no older task waited: it was admitted at once.
    expect(memory.items.get(task.task_id)).toMatchObject({ status: 'RUNNING' });
    expect(sfn.commandCalls(StartExecutionCommand)[0]?.args[0].input).toMatchObject({
      name: task.task_id,
    });
  });

  it('leaves a task PENDING, with no execution, when every slot is taken', async () => {
    const { create: createAtCapacity } = mockedTaskHandlers(clock, 1);
    const memory = scriptStore(db, [stored({ status: 'PENDING' })]);
    memory.items.set('admission#running', { task_id: 'admission#running', running: 1 });
    const response = await createAtCapacity(httpEvent({ method: 'POST' }), context);
    expect(response.statusCode).toBe(201);
    const task = body(response);
    expect(task.status).toBe('PENDING');
    expect(memory.items.get(task.task_id)).toMatchObject({ status: 'PENDING' });
    expect(sfn.commandCalls(StartExecutionCommand)).toHaveLength(0);
  });

  it('admits an older waiting task before the new one', async () => {
    const { create: createWithOneSlot } = mockedTaskHandlers(clock, 1);
    const memory = scriptStore(db, [stored({ status: 'PENDING' })]);
    sfn.on(StartExecutionCommand).resolves({});
    const task = body(await createWithOneSlot(httpEvent({ method: 'POST' }), context));
    expect(memory.items.get(ID)).toMatchObject({ status: 'RUNNING' });
    expect(memory.items.get(task.task_id)).toMatchObject({ status: 'PENDING' });
    expect(sfn.commandCalls(StartExecutionCommand).map((call) => call.args[0].input.name)).toEqual([
      ID,
    ]);
  });

  it.each([
    ['{"name": ', 'malformed_json'],
    ['[1, 2]', 'invalid_request'],
    ['{"type": "teleport"}', 'unknown_type'],
    ['{"input": {"duration_seconds": 0}}', 'invalid_request'],
    ['{"input": {"duration_seconds": 86401}}', 'invalid_request'],
    ['{"input": {"duration_seconds": "10"}}', 'invalid_request'],
    ['{"input": {"fail": "yes"}}', 'invalid_request'],
    ['{"input": {"colour": "red"}}', 'invalid_request'],
    ['{"name": 42}', 'invalid_request'],
    ['{"priority": 1}', 'invalid_request'],
    ['null', 'invalid_request'],
    ['{"input": null}', 'invalid_request'],
    ['{"name": "\\ud800x"}', 'invalid_request'],
    [`{"name": "${'x'.repeat(201)}"}`, 'invalid_request'],
    ['[]', 'invalid_request'],
    ['{"input": []}', 'invalid_request'],
    ['{"type": 5}', 'unknown_type'],
    ...['toString', '__proto__', 'constructor', 'valueOf', 'hasOwnProperty'].map((type) => [
      `{"type": "${type}"}`,
      'unknown_type',
    ]),
    ['{"": 0, "bogus": 1}', 'invalid_request'],
    ['{"__proto__": {"polluted": true}}', 'invalid_request'],
    ['{"input": {"": 1}}', 'invalid_request'],
  ])('answers 400 to %s', async (requestBody, code) => {
    const response = await createTask(httpEvent({ method: 'POST', body: requestBody }), context);
    expect(response.statusCode).toBe(400);
    expect(body(response)).toMatchObject({ code, error: expect.any(String) });
    expect(db.calls()).toHaveLength(0);
  });

  it.each([
    ['{"": 0, "bogus": 1}', 'Unknown field ""; allowed: name, type, input'],
    ['{"bogus": 1}', 'Unknown field "bogus"; allowed: name, type, input'],
    ['{"__proto__": {}}', 'Unknown field "__proto__"; allowed: name, type, input'],
    ['{"type": "toString"}', 'Field "type" must name a known task type (simulate), not "toString"'],
    [
      '{"input": {"duration_seconds": 0}}',
      'Field "input.duration_seconds" must be a number from 1 to 86400',
    ],
    [
      '{"input": {"colour": "red"}}',
      'Unknown field "input.colour"; allowed: duration_seconds, fail',
    ],
    ['{"input": 7}', 'Field "input" must be a JSON object'],
    ['7', 'Request body must be a JSON object'],
  ])('names the field in its message for %s', async (requestBody, error) => {
    const response = await createTask(httpEvent({ method: 'POST', body: requestBody }), context);
    expect(body(response).error).toBe(error);
  });

  it('turns a blank name into no name', async () => {
    scriptStore(db, []);
    sfn.on(StartExecutionCommand).resolves({});
    const response = await createTask(
      httpEvent({ method: 'POST', body: '{"name": "  ", "input": {"fail": true}}' }),
      context,
    );
    expect(response.statusCode).toBe(201);
    expect(body(response)).toMatchObject({
      name: null,
      input: { duration_seconds: 10, fail: true },
    });
  });

  it('counts a name in characters, not UTF-16 code units', async () => {
    scriptStore(db, []);
    sfn.on(StartExecutionCommand).resolves({});
    const name = '🚀'.repeat(200);
    const response = await createTask(
      httpEvent({ method: 'POST', body: JSON.stringify({ name }) }),
      context,
    );
    expect(response.statusCode).toBe(201);
    expect(body(response).name).toBe(name);
  });

  it('answers 400 to a body that is not UTF-8', async () => {
    const event = {
      ...httpEvent({ method: 'POST' }),
      body: Buffer.from([0x7b, 0xff, 0x7d]).toString('base64'),
      isBase64Encoded: true,
    };
    const response = await createTask(event, context);
    expect(response.statusCode).toBe(400);
    expect(body(response).code).toBe('malformed_json');
  });

  it('answers 413 to a body over 64 KiB', async () => {
    const large = JSON.stringify({ name: 'x'.repeat(70_000) });
    const response = await createTask(httpEvent({ method: 'POST', body: large }), context);
    expect(response.statusCode).toBe(413);
    expect(body(response).code).toBe('payload_too_large');
  });

  it('records the task as FAILURE when its execution cannot start', async () => {
    const memory = scriptStore(db, []);
    sfn.on(StartExecutionCommand).rejects(new Error('throttled'));
    const response = await createTask(httpEvent({ method: 'POST', body: '{}' }), context);
    expect(response.statusCode).toBe(503);
    expect(body(response)).toMatchObject({ code: 'start_failed', task_id: expect.any(String) });
    const taskId = body(response).task_id;
    // Written, admitted (RUNNING), then failed, which gives its slot back.
    const [, , failing] = db.commandCalls(TransactWriteCommand);
    const update = failing?.args[0].input.TransactItems?.find(
      (action) => action.Update?.Key?.task_id === taskId,
    )?.Update;
    expect(update?.ExpressionAttributeValues).toMatchObject({
      ':status': 'FAILURE',
      ':seen_status': 'RUNNING',
    });
    expect(memory.items.get(taskId)).toMatchObject({ status: 'FAILURE' });
    expect(memory.items.get('admission#running')).toMatchObject({ running: 0 });
  });
});

describe('GET /tasks', () => {
  it('queries the status index newest first, never scanning', async () => {
    scriptStore(db, [stored({ status: 'RUNNING' }), stored({ task_id: idOf(1) })]);
    const response = await listTasks(
      httpEvent({ query: { status: 'RUNNING', limit: '5' } }),
      context,
    );
    expect(response.statusCode).toBe(200);
    expect(body(response).map((t: Task) => t.task_id)).toEqual([ID]);
    const queries = db.commandCalls(QueryCommand).map((call) => call.args[0].input);
    expect(queries).toHaveLength(1);
    expect(queries[0]).toMatchObject({
      IndexName: 'by-owner-status',
      ScanIndexForward: false,
      Limit: 6,
    });
    expect(queries[0]?.ExpressionAttributeValues).toEqual({ ':pk': 'anonymous#RUNNING' });
    expect(db.commandCalls(BatchGetCommand)[0]?.args[0].input.RequestItems).toEqual({
      'tasks-test': { Keys: [{ task_id: ID }] },
    });
    expect(db.commandCalls(ScanCommand)).toHaveLength(0);
  });

  it('links to the next page only when there is one', async () => {
    const memory = scriptStore(
      db,
      [1, 2, 3].map((n) => stored({ task_id: idOf(n) })),
    );
    const response = await listTasks(httpEvent({ query: { limit: '2' } }), context);
    expect(body(response).map((t: Task) => t.task_id)).toEqual([idOf(3), idOf(2)]);
    const link = response.headers.link ?? '';
    expect(link).toMatch(/^<\/tasks\?limit=2&cursor=[\w-]+>; rel="next"$/);
    memory.items.delete(idOf(1));
    const last = await listTasks(httpEvent({ query: { limit: '2' } }), context);
    expect(body(last)).toHaveLength(2);
    expect(last.headers.link).toBeUndefined();
  });

  it('resumes from the cursor it handed out', async () => {
    scriptStore(
      db,
      [1, 2, 3].map((n) => stored({ task_id: idOf(n) })),
    );
    const first = await listTasks(httpEvent({ query: { limit: '2' } }), context);
    const cursor = /cursor=([\w-]+)>/.exec(first.headers.link ?? '')?.[1] ?? '';
    db.resetHistory();
    const next = await listTasks(httpEvent({ query: { limit: '2', cursor } }), context);
    expect(next.statusCode).toBe(200);
    expect(body(next).map((t: Task) => t.task_id)).toEqual([idOf(1)]);
    expect(next.headers.link).toBeUndefined();
    const query = db.commandCalls(QueryCommand)[0]?.args[0].input;
    expect(query?.KeyConditionExpression).toBe('#pk = :pk AND #sk < :after');
    expect(query?.ExpressionAttributeValues).toEqual({ ':pk': 'anonymous', ':after': idOf(2) });
  });

  it.each([
    [{ status: 'DONE' }, 'invalid_status'],
    [{ limit: '0' }, 'invalid_limit'],
    [{ limit: '101' }, 'invalid_limit'],
    [{ limit: 'ten' }, 'invalid_limit'],
    [{ limit: '1e1' }, 'invalid_limit'],
    [{ limit: '1.0' }, 'invalid_limit'],
    [{ status: 'running' }, 'invalid_status'],
    [{ status: 'toString' }, 'invalid_status'],
    [{ bogus: '1' }, 'invalid_request'],
    [{ '': '1' }, 'invalid_request'],
    [{ cursor: 'not-a-cursor' }, 'invalid_cursor'],
    [{ cursor: encodePageCursor({ owner: 'anonymous' }, ID), status: 'RUNNING' }, 'invalid_cursor'],
    [{ cursor: encodePageCursor({ owner: 'someone-else' }, ID) }, 'invalid_cursor'],
    [{ cursor: encodePageCursor({ owner: 'anonymous' }, 'T2') }, 'invalid_cursor'],
    [
      {
        cursor: Buffer.from(
          JSON.stringify({
            ...JSON.parse(
              Buffer.from(encodePageCursor({ owner: 'anonymous' }, ID), 'base64url').toString(),
            ),
            x: '1',
          }),
        ).toString('base64url'),
      },
      'invalid_cursor',
    ],
  ])('answers 400 to %o', async (query, code) => {
    const response = await listTasks(httpEvent({ query }), context);
    expect(response.statusCode).toBe(400);
    expect(body(response).code).toBe(code);
    expect(db.commandCalls(QueryCommand)).toHaveLength(0);
  });

  it('answers 304 when the client already has the page', async () => {
    const memory = scriptStore(db, [stored()]);
    const first = await listTasks(httpEvent({}), context);
    const etag = first.headers.etag ?? '';
    expect(etag).toMatch(/^".+"$/);
    const again = await listTasks(httpEvent({ headers: { 'if-none-match': etag } }), context);
    expect(again.statusCode).toBe(304);
    expect(again.body).toBeUndefined();
    memory.items.set(ID, { ...memory.items.get(ID), progress: 50 });
    const changed = await listTasks(httpEvent({ headers: { 'if-none-match': etag } }), context);
    expect(changed.statusCode).toBe(200);
  });
});

describe('GET /tasks/{id}/status', () => {
  it('returns the task without internal attributes', async () => {
    db.on(GetCommand).resolves({ Item: { ...stored(), kind: 'task', expires_at: 1 } });
    const response = await getStatus(httpEvent({ path: `/tasks/${ID}/status`, id: ID }), context);
    expect(response.statusCode).toBe(200);
    expect(body(response)).toEqual(stored());
    expect(response.headers.etag).toBeDefined();
  });

  it('answers 404 with a JSON error for an unknown task', async () => {
    db.on(GetCommand).resolves({});
    const response = await getStatus(
      httpEvent({ path: '/tasks/nope/status', id: 'nope' }),
      context,
    );
    expect(response.statusCode).toBe(404);
    expect(response.headers['content-type']).toBe('application/json');
    expect(body(response)).toEqual({ error: 'Task nope not found', code: 'task_not_found' });
  });

  it('answers 404 to an id that cannot exist without asking the table', async () => {
    const response = await getStatus(httpEvent({ id: 'x'.repeat(500) }), context);
    expect(response.statusCode).toBe(404);
    expect(db.calls()).toHaveLength(0);
  });

  it('answers 503 service_unavailable with Retry-After when the table times out', async () => {
    const timeout = Object.assign(new Error('Request timed out'), {
      name: 'TimeoutError',
      code: 'ETIMEDOUT',
    });
    db.on(GetCommand).rejects(timeout);
    const response = await getStatus(httpEvent({ id: ID }), context);
    expect(response.statusCode).toBe(503);
    expect(body(response).code).toBe('service_unavailable');
    expect(response.headers['retry-after']).toBe('1');
  });

  it('answers 500 without details when the table fails', async () => {
    db.on(GetCommand).rejects(new Error('secret internals'));
    const response = await getStatus(httpEvent({ id: ID }), context);
    expect(response.statusCode).toBe(500);
    expect(response.body).not.toContain('secret');
    expect(body(response)).toEqual({ error: 'Internal server error', code: 'internal_error' });
  });
});

describe('PATCH /tasks/{id}/status', () => {
  it.each(['PENDING', 'RUNNING'] as const)(
    'cancels a %s task with a write conditioned on the status it read, and stops its execution',
    async (status) => {
      const memory = scriptStore(db, [stored({ status })]);
      sfn.on(StopExecutionCommand).resolves({});
      const response = await cancelTask(
        httpEvent({ method: 'PATCH', id: ID, body: '{"status":"CANCELLED"}' }),
        context,
      );
      expect(response.statusCode).toBe(200);
      expect(body(response).status).toBe('CANCELLED');
      expect(db.commandCalls(GetCommand)[0]?.args[0].input).toMatchObject({
        Key: { task_id: ID },
        ConsistentRead: true,
      });
      const update = taskUpdate();
      expect(update?.ConditionExpression).toMatch(
        /^attribute_exists\(task_id\) AND #status = :seen_status AND /,
      );
      expect(update?.ExpressionAttributeValues).toMatchObject({
        ':seen_status': status,
        ':status': 'CANCELLED',
      });
      expect(memory.items.get(ID)).toMatchObject({ status: 'CANCELLED' });
      expect(sfn.commandCalls(StopExecutionCommand)[0]?.args[0].input.executionArn).toBe(
        `arn:aws:states:us-east-1:000000000000:execution:tasks-test:${ID}`,
      );
    },
  );

  it('cancels a task that started between the read and the write, reading it again', async () => {
    const memory = scriptStore(db, [stored()]);
    db.on(GetCommand)
      .callsFakeOnce(async (input) => {
        const read = memory.run('GetCommand', input);
        memory.items.set(ID, { ...memory.items.get(ID), status: 'RUNNING', events_total: 2 });
        return read;
      })
      .callsFake(async (input) => memory.run('GetCommand', input));
    sfn.on(StopExecutionCommand).resolves({});
    const response = await cancelTask(httpEvent({ method: 'PATCH', id: ID }), context);
    expect(response.statusCode).toBe(200);
    const attempts = db.commandCalls(TransactWriteCommand);
    expect(attempts).toHaveLength(2);
    expect(memory.items.get(ID)).toMatchObject({ status: 'CANCELLED' });
  });

  it('accepts an empty body', async () => {
    scriptStore(db, [stored()]);
    const response = await cancelTask(httpEvent({ method: 'PATCH', id: ID }), context);
    expect(response.statusCode).toBe(200);
    expect(body(response).status).toBe('CANCELLED');
  });

  it('answers 200 with the task when it was already cancelled', async () => {
    scriptStore(db, [stored({ status: 'CANCELLED' })]);
    const response = await cancelTask(httpEvent({ method: 'PATCH', id: ID }), context);
    expect(response.statusCode).toBe(200);
    expect(body(response).status).toBe('CANCELLED');
    expect(db.commandCalls(TransactWriteCommand)).toHaveLength(0);
  });

  it.each(['SUCCESS', 'FAILURE'] as const)(
    'answers 409 naming the status when cancelling a task that ended %s',
    async (status) => {
      const memory = scriptStore(db, [stored({ status })]);
      const response = await cancelTask(httpEvent({ method: 'PATCH', id: ID }), context);
      expect(response.statusCode).toBe(409);
      expect(memory.items.get(ID)).toMatchObject({ status });
      expect(sfn.commandCalls(StopExecutionCommand)).toHaveLength(0);
      expect(body(response)).toMatchObject({ code: 'task_finished' });
      expect(body(response).error).toContain(status);
    },
  );

  it('answers 404 when the task does not exist', async () => {
    scriptStore(db, []);
    const response = await cancelTask(httpEvent({ method: 'PATCH', id: ID }), context);
    expect(response.statusCode).toBe(404);
    expect(db.commandCalls(TransactWriteCommand)).toHaveLength(0);
  });

  it.each([
    ['{"status":"RUNNING"}', 'invalid_status'],
    ['{"status":"SUCCESS"}', 'invalid_status'],
    ['{"progress":5}', 'invalid_request'],
    ['{"":0,"status":"CANCELLED"}', 'invalid_request'],
    ['{"__proto__":{}}', 'invalid_request'],
    ['[]', 'invalid_request'],
  ])('answers 400 to %s', async (request, code) => {
    const response = await cancelTask(
      httpEvent({ method: 'PATCH', id: ID, body: request }),
      context,
    );
    expect(response.statusCode).toBe(400);
    expect(body(response).code).toBe(code);
    expect(db.calls()).toHaveLength(0);
  });
});

describe('GET /tasks/{id}/result', () => {
  it('answers an unfinished task with its progress and Retry-After', async () => {
    db.on(GetCommand).resolves({ Item: stored({ status: 'RUNNING', progress: 30 }) });
    const response = await getResult(httpEvent({ id: ID }), context);
    expect(body(response)).toEqual({ task_id: ID, status: 'RUNNING', progress: 30 });
    expect(response.headers['retry-after']).toBe('1');
  });

  it('answers a finished task with its result and no Retry-After', async () => {
    db.on(GetCommand).resolves({ Item: stored({ status: 'SUCCESS', result: 'done' }) });
    const response = await getResult(httpEvent({ id: ID }), context);
    expect(body(response)).toEqual({ task_id: ID, status: 'SUCCESS', result: 'done' });
    expect(response.headers['retry-after']).toBeUndefined();
  });
});

describe('a slot freed by a client', () => {
  const waiting = stored({ task_id: idOf(2), status: 'PENDING' });
  const holding = () => {
    const memory = scriptStore(db, [stored({ status: 'RUNNING', started_at: 'x' }), waiting]);
    memory.items.set('admission#running', { task_id: 'admission#running', running: 1 });
    sfn.on(StopExecutionCommand).resolves({});
    sfn.on(StartExecutionCommand).resolves({});
    return memory;
  };
  const startedNames = () =>
    sfn.commandCalls(StartExecutionCommand).map((call) => call.args[0].input.name);

  it.each([
    ['cancelling', () => httpEvent({ method: 'PATCH', id: ID, body: '{"status":"CANCELLED"}' })],
    ['deleting', () => httpEvent({ method: 'DELETE', id: ID })],
  ])('goes to the oldest waiting task when %s a RUNNING task', async (what, event) => {
    const { cancel, delete: remove } = mockedTaskHandlers(clock, 1);
    const memory = holding();
    const response = await (what === 'cancelling' ? cancel : remove)(event(), context);
    expect(response.statusCode).toBe(200);
    expect(memory.items.get(idOf(2))).toMatchObject({ status: 'RUNNING' });
    expect(startedNames()).toEqual([idOf(2)]);
    expect(memory.items.get('admission#running')).toMatchObject({ running: 1 });
  });
});

describe('DELETE /tasks/{id}', () => {
  it('deletes the task and stops its execution', async () => {
    const memory = scriptStore(db, [stored({ status: 'RUNNING' })]);
    sfn.on(StopExecutionCommand).resolves({});
    const response = await deleteTask(httpEvent({ method: 'DELETE', id: ID }), context);
    expect(response.statusCode).toBe(200);
    expect(body(response)).toEqual({ task_id: ID });
    const [remove] = db.commandCalls(TransactWriteCommand)[0]?.args[0].input.TransactItems ?? [];
    expect(remove?.Delete).toMatchObject({
      Key: { task_id: ID },
      ExpressionAttributeValues: { ':seen_status': 'RUNNING' },
    });
    expect(memory.items.has(ID)).toBe(false);
    expect(sfn.commandCalls(StopExecutionCommand)).toHaveLength(1);
  });

  it('still answers 200 when stopping the execution fails: the worker stops by itself', async () => {
    scriptStore(db, [stored()]);
    sfn.on(StopExecutionCommand).rejects(new Error('unavailable'));
    const response = await deleteTask(httpEvent({ method: 'DELETE', id: ID }), context);
    expect(response.statusCode).toBe(200);
  });

  it('answers 404 for an unknown task', async () => {
    scriptStore(db, []);
    const response = await deleteTask(httpEvent({ method: 'DELETE', id: ID }), context);
    expect(response.statusCode).toBe(404);
    expect(db.commandCalls(TransactWriteCommand)).toHaveLength(0);
    expect(sfn.commandCalls(StopExecutionCommand)).toHaveLength(0);
  });
});

describe('GET /health', () => {
  it('reports ok after a round trip to the table', async () => {
    db.on(GetCommand).resolves({});
    const response = await health(httpEvent({ path: '/health' }), context);
    expect(response.statusCode).toBe(200);
    expect(body(response)).toMatchObject({
      status: 'ok',
      checks: { database: 'ok' },
      service: 'tasks-service',
    });
    expect(db.commandCalls(GetCommand)).toHaveLength(1);
  });

  it('answers 503 unavailable when the table cannot be reached', async () => {
    db.on(GetCommand).rejects(
      new ResourceNotFoundException({ message: 'no table', $metadata: {} }),
    );
    const response = await health(httpEvent({ path: '/health' }), context);
    expect(response.statusCode).toBe(503);
    expect(body(response)).toMatchObject({
      status: 'unavailable',
      checks: { database: 'unavailable' },
    });
  });
});
