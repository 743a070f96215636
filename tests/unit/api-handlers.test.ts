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
import { ANONYMOUS_CLAIMS as ANONYMOUS } from '../../functions/http/caller.ts';
import { TIMEOUT_EARLY_MS } from '../../functions/http/handler.ts';
import { newTask, type Task } from '../../functions/tasks/model.ts';
import { encodePageCursor } from '../../functions/tasks/page-cursor.ts';
import { createTask as storeTask, transitionTask } from '../../functions/tasks/store.ts';
import { db, resetAwsMocks, sfn, table } from '../helpers/aws-mocks.ts';
import { context, httpEvent } from '../helpers/events.ts';
import { fakeClock } from '../helpers/fake-clock.ts';
import { scriptStore, storedItem as storedItemOf } from '../helpers/scripted-store.ts';
import { mockedTaskHandlers } from '../helpers/task-handlers.ts';

const clock = fakeClock();
const {
  create: createTask,
  list: listTasks,
  status: getStatus,
  cancel: cancelTask,
  result: getResult,
  delete: deleteTask,
  get: getTask,
  totals: getTotals,
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
  it('answers 503 timeout with Retry-After, not a 500, when the table does not answer before the function times out', async () => {
    db.on(TransactWriteCommand).callsFake(() => new Promise(() => {}));
    const nearlyOutOfTime = { ...context, getRemainingTimeInMillis: () => TIMEOUT_EARLY_MS + 10 };
    const response = await createTask(httpEvent({ method: 'POST' }), nearlyOutOfTime);
    expect(response.statusCode).toBe(503);
    expect(response.headers?.['retry-after']).toBe('1');
    expect(body(response)).toMatchObject({ code: 'timeout' });
  });

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

const user = (sub: string) => ({ sub, client_id: sub, scope: 'tasks/read tasks/write' });
const OPERATOR = { sub: 'ops', client_id: 'ops', scope: 'tasks/admin' };
const namesOf = (response: { body?: string }) => body(response).map((t: Task) => t.name);
const cursorOf = (link = '') => decodeURIComponent(/cursor=([^&>]+)>/.exec(link)?.[1] ?? '');

describe('GET /tasks?search=', () => {
  const named = (n: number, name: string) => stored({ task_id: idOf(n), name });

  it('answers the task whose id it is given, in any case, with one GetItem and no query', async () => {
    scriptStore(db, [named(1, 'alpha'), named(2, 'beta')]);
    const response = await listTasks(
      httpEvent({ query: { search: idOf(2).toLowerCase() } }),
      context,
    );
    expect(response.statusCode).toBe(200);
    expect(body(response).map((t: Task) => t.task_id)).toEqual([idOf(2)]);
    expect(db.commandCalls(GetCommand)[0]?.args[0].input.Key).toEqual({ task_id: idOf(2) });
    expect(db.commandCalls(QueryCommand)).toHaveLength(0);
    expect(db.commandCalls(ScanCommand)).toHaveLength(0);
  });

  it("does not answer another owner's task by its id", async () => {
    scriptStore(db, [named(1, 'alpha')], 'alice');
    const bob = await listTasks(
      httpEvent({ query: { search: idOf(1) }, claims: user('bob') }),
      context,
    );
    expect(bob.statusCode).toBe(200);
    expect(body(bob)).toEqual([]);
    const alice = await listTasks(
      httpEvent({ query: { search: idOf(1) }, claims: user('alice') }),
      context,
    );
    expect(body(alice).map((t: Task) => t.task_id)).toEqual([idOf(1)]);
  });

  it('finds names by prefix whatever their case, ordered by name, from the name index', async () => {
    scriptStore(db, [
      named(1, 'Report b'),
      named(2, 'other'),
      named(3, 'report A'),
      named(4, 'REPORTING'),
    ]);
    const response = await listTasks(httpEvent({ query: { search: 'rEpOrT' } }), context);
    expect(namesOf(response)).toEqual(['report A', 'Report b', 'REPORTING']);
    const query = db.commandCalls(QueryCommand)[0]?.args[0].input;
    expect(query).toMatchObject({ IndexName: 'by-owner-name', ScanIndexForward: true });
    expect(query?.ExpressionAttributeValues).toMatchObject({
      ':pk': 'anonymous',
      ':from': 'report',
    });
    expect(db.commandCalls(ScanCommand)).toHaveLength(0);
  });

  it('pages a search like the list, keeping the search in the next link', async () => {
    scriptStore(db, [...[1, 2, 3, 4, 5].map((n) => named(n, `batch ${n}`)), named(6, 'unrelated')]);
    const pages: string[][] = [];
    let query: Record<string, string> = { search: 'Batch', limit: '2' };
    for (;;) {
      const response = await listTasks(httpEvent({ query }), context);
      expect(response.statusCode).toBe(200);
      pages.push(namesOf(response));
      const link = response.headers.link;
      if (!link) break;
      expect(link).toMatch(/^<\/tasks\?search=Batch&limit=2&cursor=[\w-]+>; rel="next"$/);
      query = { search: 'Batch', limit: '2', cursor: cursorOf(link) };
    }
    expect(pages).toEqual([['batch 1', 'batch 2'], ['batch 3', 'batch 4'], ['batch 5']]);
  });

  it('lets an operator search one owner or every owner', async () => {
    const memory = scriptStore(db, [named(1, 'shared')], 'alice');
    const bobs = storedItemOf(named(2, 'shared'), 'bob');
    memory.items.set(idOf(2), bobs);
    const everyone = await listTasks(
      httpEvent({ query: { search: 'sha' }, claims: OPERATOR }),
      context,
    );
    expect(body(everyone).map((t: Task) => t.task_id)).toEqual([idOf(1), idOf(2)]);
    const bobOnly = await listTasks(
      httpEvent({ query: { search: 'sha', owner: 'bob' }, claims: OPERATOR }),
      context,
    );
    expect(body(bobOnly).map((t: Task) => t.task_id)).toEqual([idOf(2)]);
    const notBobsId = await listTasks(
      httpEvent({ query: { search: idOf(1), owner: 'bob' }, claims: OPERATOR }),
      context,
    );
    expect(body(notBobsId)).toEqual([]);
  });

  it('lists as if there were no search when it is blank', async () => {
    scriptStore(db, [named(1, 'a'), named(2, 'b')]);
    const response = await listTasks(
      httpEvent({ query: { search: '   ', status: 'PENDING', limit: '1' } }),
      context,
    );
    expect(response.statusCode).toBe(200);
    expect(body(response).map((t: Task) => t.task_id)).toEqual([idOf(2)]);
    expect(response.headers.link).toMatch(/^<\/tasks\?status=PENDING&limit=1&cursor=/);
  });

  it.each([
    [{ search: 'report', status: 'RUNNING' }, 'invalid_query'],
    [{ search: idOf(1), status: 'RUNNING' }, 'invalid_query'],
    [{ search: 'x'.repeat(201) }, 'invalid_search'],
    [{ search: '\ud800' }, 'invalid_search'],
    [{ search: 'report', cursor: encodePageCursor({ owner: 'anonymous' }, ID) }, 'invalid_cursor'],
  ])('answers 400 to %o without reading the table', async (query, code) => {
    scriptStore(db, [stored()]);
    const response = await listTasks(httpEvent({ query }), context);
    expect(response.statusCode).toBe(400);
    expect(body(response)).toEqual({ error: expect.any(String), code });
    expect(db.commandCalls(QueryCommand)).toHaveLength(0);
    expect(db.commandCalls(GetCommand)).toHaveLength(0);
  });

  it('accepts a search of exactly 200 characters', async () => {
    scriptStore(db, [stored()]);
    const response = await listTasks(httpEvent({ query: { search: 'é'.repeat(200) } }), context);
    expect(response.statusCode).toBe(200);
  });
});

describe('GET /tasks/totals', () => {
  const totalsOf = async (claims: Record<string, string>, query?: Record<string, string>) => {
    const response = await getTotals(
      httpEvent({ path: '/tasks/totals', claims, ...(query && { query }) }),
      context,
    );
    expect(response.statusCode).toBe(200);
    return body(response);
  };
  const zero = { PENDING: 0, RUNNING: 0, SUCCESS: 0, FAILURE: 0, CANCELLED: 0 };

  it('counts every status, zero included, and their sum', async () => {
    scriptStore(db, []);
    expect(await totalsOf(ANONYMOUS)).toEqual({ counts: zero, total: 0 });
    expect(db.commandCalls(BatchGetCommand)).toHaveLength(1);
    expect(db.commandCalls(QueryCommand)).toHaveLength(0);
    expect(db.commandCalls(ScanCommand)).toHaveLength(0);
  });

  it('follows creates and every status change exactly', async () => {
    scriptStore(db, []);
    const now = clock.now();
    const alice = { owner: 'alice' };
    for (const n of [1, 2, 3, 4]) await storeTask(table, stored({ task_id: idOf(n) }), alice);
    await transitionTask(table, idOf(1), 'start', { started_at: now.toISOString() }, now, alice);
    await transitionTask(table, idOf(2), 'start', {}, now, alice);
    await transitionTask(table, idOf(2), 'succeed', { progress: 100 }, now, alice);
    await transitionTask(table, idOf(3), 'cancel', {}, now, alice);
    expect(await totalsOf(user('alice'))).toEqual({
      counts: { PENDING: 1, RUNNING: 1, SUCCESS: 1, FAILURE: 0, CANCELLED: 1 },
      total: 4,
    });
  });

  it("gives a user their own totals and an operator every owner's, or one owner's", async () => {
    scriptStore(db, []);
    await storeTask(table, stored({ task_id: idOf(1) }), { owner: 'alice' });
    await storeTask(table, stored({ task_id: idOf(2) }), { owner: 'alice' });
    await storeTask(table, stored({ task_id: idOf(3) }), { owner: 'bob' });
    expect((await totalsOf(user('alice'))).total).toBe(2);
    expect((await totalsOf(user('bob'))).total).toBe(1);
    // Anyone else's owner filter is ignored: they still get their own.
    expect((await totalsOf(user('bob'), { owner: 'alice' })).total).toBe(1);
    expect(await totalsOf(OPERATOR)).toEqual({ counts: { ...zero, PENDING: 3 }, total: 3 });
    expect((await totalsOf(OPERATOR, { owner: 'alice' })).total).toBe(2);
  });

  it.each([
    [{ owner: 'has space' }, 'invalid_owner'],
    [{ status: 'RUNNING' }, 'invalid_request'],
  ])('answers 400 to %o', async (query, code) => {
    const response = await getTotals(httpEvent({ path: '/tasks/totals', query }), context);
    expect(response.statusCode).toBe(400);
    expect(body(response).code).toBe(code);
  });

  it('answers 304 while the totals are unchanged', async () => {
    scriptStore(db, []);
    const first = await getTotals(httpEvent({ path: '/tasks/totals' }), context);
    const headers = { 'if-none-match': first.headers.etag ?? '' };
    const again = await getTotals(httpEvent({ path: '/tasks/totals', headers }), context);
    expect(again.statusCode).toBe(304);
    await storeTask(table, stored());
    const changed = await getTotals(httpEvent({ path: '/tasks/totals', headers }), context);
    expect(changed.statusCode).toBe(200);
    expect(body(changed).total).toBe(1);
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

describe('GET /tasks/{id}', () => {
  const detail = (claims: Record<string, string> = ANONYMOUS, id = ID) =>
    getTask(httpEvent({ path: `/tasks/${id}`, id, claims }), context);

  it('answers the task as its status route does, with its timeline oldest first', async () => {
    scriptStore(db, []);
    const access = { owner: 'alice' };
    await storeTask(table, stored({ created_at: '2026-01-01T00:00:00.000Z' }), access);
    const at = (s: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, s));
    await transitionTask(table, ID, 'start', { started_at: at(1).toISOString() }, at(1), access);
    await transitionTask(table, ID, 'progress', { progress: 30 }, at(2), access);
    await transitionTask(table, ID, 'progress', { progress: 55 }, at(3), access);
    await transitionTask(table, ID, 'cancel', {}, at(4), access);
    const response = await detail(user('alice'));
    expect(response.statusCode).toBe(200);
    const status = await getStatus(
      httpEvent({ path: `/tasks/${ID}/status`, id: ID, claims: user('alice') }),
      context,
    );
    const { events, ...task } = body(response);
    expect(task).toEqual(body(status));
    expect(events).toEqual([
      { at: '2026-01-01T00:00:00.000Z', type: 'created' },
      { at: at(1).toISOString(), type: 'started' },
      { at: at(2).toISOString(), type: 'progress', progress: 25 },
      { at: at(3).toISOString(), type: 'progress', progress: 50 },
      { at: at(4).toISOString(), type: 'cancelled' },
    ]);
    expect(db.commandCalls(GetCommand).length).toBeGreaterThan(0);
  });

  it('carries an ETag and Retry-After while the task is unfinished', async () => {
    scriptStore(db, [stored()]);
    const response = await detail();
    expect(response.headers.etag).toMatch(/^".+"$/);
    expect(response.headers['retry-after']).toBe('1');
    const again = await getTask(
      httpEvent({
        path: `/tasks/${ID}`,
        id: ID,
        headers: { 'if-none-match': response.headers.etag ?? '' },
      }),
      context,
    );
    expect(again.statusCode).toBe(304);
  });

  it("answers 404, as for a missing task, to another owner's task", async () => {
    scriptStore(db, [stored()], 'alice');
    const response = await detail(user('bob'));
    expect(response.statusCode).toBe(404);
    expect(body(response)).toEqual({ error: `Task ${ID} not found`, code: 'task_not_found' });
    expect((await detail(OPERATOR)).statusCode).toBe(200);
  });

  it('answers 404 to an unknown id, and to one that cannot exist without asking the table', async () => {
    scriptStore(db, []);
    expect(body(await detail(ANONYMOUS, idOf(9))).code).toBe('task_not_found');
    db.resetHistory();
    const invalid = await detail(ANONYMOUS, 'no/such id');
    expect(invalid.statusCode).toBe(404);
    expect(body(invalid).code).toBe('task_not_found');
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
