import {
  ConditionalCheckFailedException,
  ResourceNotFoundException,
} from '@aws-sdk/client-dynamodb';
import { StartExecutionCommand, StopExecutionCommand } from '@aws-sdk/client-sfn';
import {
  DeleteCommand,
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import { beforeEach, describe, expect, it } from 'vitest';
import { encodeCursor } from '../../functions/tasks/cursor.ts';
import { newTask, type Task } from '../../functions/tasks/model.ts';
import { db, resetAwsMocks, sfn } from '../helpers/aws-mocks.ts';
import { context, httpEvent } from '../helpers/events.ts';
import { fakeClock } from '../helpers/fake-clock.ts';
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
const refusedBecause = (item?: Task) =>
  new ConditionalCheckFailedException({
    message: 'The conditional request failed',
    $metadata: {},
    ...(item && { Item: marshall(item) }),
  });
const body = (response: { body?: string } | undefined) => JSON.parse(response?.body ?? 'null');

beforeEach(() => {
  resetAwsMocks();
});

describe('POST /tasks', () => {
  it('creates a default simulate task when there is no body, and starts its execution by id', async () => {
    db.on(PutCommand).resolves({});
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
    const put = db.commandCalls(PutCommand)[0]?.args[0].input;
    expect(put?.TableName).toBe('tasks-test');
    expect(put?.ConditionExpression).toBe('attribute_not_exists(task_id)');
    expect(sfn.commandCalls(StartExecutionCommand)[0]?.args[0].input).toMatchObject({
      name: task.task_id,
    });
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
    expect(db.commandCalls(PutCommand)).toHaveLength(0);
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
    db.on(PutCommand).resolves({});
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
    db.on(PutCommand).resolves({});
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
    db.on(PutCommand).resolves({});
    db.on(UpdateCommand).resolves({ Attributes: stored({ status: 'FAILURE' }) });
    sfn.on(StartExecutionCommand).rejects(new Error('throttled'));
    const response = await createTask(httpEvent({ method: 'POST', body: '{}' }), context);
    expect(response.statusCode).toBe(503);
    expect(body(response)).toMatchObject({ code: 'start_failed', task_id: expect.any(String) });
    expect(
      db.commandCalls(UpdateCommand)[0]?.args[0].input.ExpressionAttributeValues,
    ).toMatchObject({
      ':status': 'FAILURE',
    });
  });
});

describe('GET /tasks', () => {
  it('queries the status index newest first, never scanning', async () => {
    db.on(QueryCommand).resolves({ Items: [stored({ status: 'RUNNING' })] });
    const response = await listTasks(
      httpEvent({ query: { status: 'RUNNING', limit: '5' } }),
      context,
    );
    expect(response.statusCode).toBe(200);
    expect(body(response)).toHaveLength(1);
    const query = db.commandCalls(QueryCommand)[0]?.args[0].input;
    expect(query).toMatchObject({ IndexName: 'by-status', ScanIndexForward: false, Limit: 6 });
    expect(query?.ExpressionAttributeValues).toEqual({ ':pk': 'RUNNING' });
  });

  it('links to the next page only when there is one', async () => {
    const items = Array.from({ length: 3 }, (_, i) => stored({ task_id: `T${3 - i}` }));
    db.on(QueryCommand).resolves({ Items: items });
    const response = await listTasks(httpEvent({ query: { limit: '2' } }), context);
    expect(body(response).map((t: Task) => t.task_id)).toEqual(['T3', 'T2']);
    const link = response.headers.link ?? '';
    expect(link).toMatch(/^<\/tasks\?limit=2&cursor=[\w-]+>; rel="next"$/);
    db.on(QueryCommand).resolves({ Items: items.slice(0, 2) });
    const last = await listTasks(httpEvent({ query: { limit: '2' } }), context);
    expect(last.headers.link).toBeUndefined();
  });

  it('resumes from the cursor it handed out', async () => {
    db.on(QueryCommand).resolves({ Items: [] });
    const cursor = encodeCursor({ task_id: 'T2', kind: 'task' });
    await listTasks(httpEvent({ query: { cursor } }), context);
    expect(db.commandCalls(QueryCommand)[0]?.args[0].input.ExclusiveStartKey).toEqual({
      task_id: 'T2',
      kind: 'task',
    });
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
    [
      { cursor: encodeCursor({ task_id: 'T2', kind: 'task' }), status: 'RUNNING' },
      'invalid_cursor',
    ],
    [
      { cursor: Buffer.from('{"task_id":"T","kind":"task","x":"1"}').toString('base64url') },
      'invalid_cursor',
    ],
  ])('answers 400 to %o', async (query, code) => {
    const response = await listTasks(httpEvent({ query }), context);
    expect(response.statusCode).toBe(400);
    expect(body(response).code).toBe(code);
    expect(db.commandCalls(QueryCommand)).toHaveLength(0);
  });

  it('answers 304 when the client already has the page', async () => {
    db.on(QueryCommand).resolves({ Items: [stored()] });
    const first = await listTasks(httpEvent({}), context);
    const etag = first.headers.etag ?? '';
    expect(etag).toMatch(/^".+"$/);
    const again = await listTasks(httpEvent({ headers: { 'if-none-match': etag } }), context);
    expect(again.statusCode).toBe(304);
    expect(again.body).toBeUndefined();
    db.on(QueryCommand).resolves({ Items: [stored({ progress: 50 })] });
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
  it('cancels an active task with a write that may only leave PENDING or RUNNING, and stops its execution', async () => {
    db.on(UpdateCommand).resolves({ Attributes: stored({ status: 'CANCELLED' }) });
    sfn.on(StopExecutionCommand).resolves({});
    const response = await cancelTask(
      httpEvent({ method: 'PATCH', id: ID, body: '{"status":"CANCELLED"}' }),
      context,
    );
    expect(response.statusCode).toBe(200);
    expect(body(response).status).toBe('CANCELLED');
    const update = db.commandCalls(UpdateCommand)[0]?.args[0].input;
    expect(update?.ConditionExpression).toBe(
      'attribute_exists(task_id) AND #status IN (:from0, :from1)',
    );
    expect(update?.ExpressionAttributeValues).toMatchObject({
      ':from0': 'PENDING',
      ':from1': 'RUNNING',
    });
    expect(sfn.commandCalls(StopExecutionCommand)[0]?.args[0].input.executionArn).toBe(
      `arn:aws:states:us-east-1:000000000000:execution:tasks-test:${ID}`,
    );
  });

  it('accepts an empty body', async () => {
    db.on(UpdateCommand).resolves({ Attributes: stored({ status: 'CANCELLED' }) });
    const response = await cancelTask(httpEvent({ method: 'PATCH', id: ID }), context);
    expect(response.statusCode).toBe(200);
  });

  it('answers 200 with the task when it was already cancelled', async () => {
    db.on(UpdateCommand).rejects(refusedBecause(stored({ status: 'CANCELLED' })));
    const response = await cancelTask(httpEvent({ method: 'PATCH', id: ID }), context);
    expect(response.statusCode).toBe(200);
    expect(body(response).status).toBe('CANCELLED');
  });

  it.each(['SUCCESS', 'FAILURE'] as const)(
    'answers 409 naming the status when cancelling a task that ended %s',
    async (status) => {
      db.on(UpdateCommand).rejects(refusedBecause(stored({ status })));
      const response = await cancelTask(httpEvent({ method: 'PATCH', id: ID }), context);
      expect(response.statusCode).toBe(409);
      expect(body(response)).toMatchObject({ code: 'task_finished' });
      expect(body(response).error).toContain(status);
    },
  );

  it('answers 404 when the task does not exist', async () => {
    db.on(UpdateCommand).rejects(refusedBecause());
    const response = await cancelTask(httpEvent({ method: 'PATCH', id: ID }), context);
    expect(response.statusCode).toBe(404);
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

describe('DELETE /tasks/{id}', () => {
  it('deletes the task and stops its execution', async () => {
    db.on(DeleteCommand).resolves({ Attributes: stored({ status: 'RUNNING' }) });
    sfn.on(StopExecutionCommand).resolves({});
    const response = await deleteTask(httpEvent({ method: 'DELETE', id: ID }), context);
    expect(response.statusCode).toBe(200);
    expect(body(response)).toEqual({ task_id: ID });
    expect(sfn.commandCalls(StopExecutionCommand)).toHaveLength(1);
  });

  it('still answers 200 when stopping the execution fails: the worker stops by itself', async () => {
    db.on(DeleteCommand).resolves({ Attributes: stored() });
    sfn.on(StopExecutionCommand).rejects(new Error('unavailable'));
    const response = await deleteTask(httpEvent({ method: 'DELETE', id: ID }), context);
    expect(response.statusCode).toBe(200);
  });

  it('answers 404 for an unknown task', async () => {
    db.on(DeleteCommand).rejects(refusedBecause());
    const response = await deleteTask(httpEvent({ method: 'DELETE', id: ID }), context);
    expect(response.statusCode).toBe(404);
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
