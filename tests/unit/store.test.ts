import {
  ConditionalCheckFailedException,
  TransactionCanceledException,
} from '@aws-sdk/client-dynamodb';
import {
  BatchGetCommand,
  GetCommand,
  QueryCommand,
  TransactWriteCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { TaskNotFoundError, TransitionRefusedError } from '../../functions/tasks/errors.ts';
import { newTask } from '../../functions/tasks/model.ts';
import { encodePageCursor } from '../../functions/tasks/page-cursor.ts';
import { SHARDS } from '../../functions/tasks/schema.ts';
import {
  createTask,
  deleteTask,
  documentClient,
  getTask,
  getTaskOrThrow,
  listTasks,
  SERVICE_ACCESS,
  type TaskTable,
  transitionTask,
} from '../../functions/tasks/store.ts';
import { uncountExpiredTask } from '../../functions/tasks/totals.ts';

const table: TaskTable = {
  db: documentClient(),
  name: 'tasks-test',
  retentionSeconds: 86_400,
  sleep: async () => undefined,
};
// This client only, not its class: other test files in the same worker use real ones.
const db = mockClient(table.db);
const ID = '01KB0000000000000000000000';
const NOW = new Date('2026-01-01T00:00:00.000Z');
const task = newTask({ taskId: ID, name: 'Nightly Report', type: 'simulate', input: {}, now: NOW });
const item = (fields: Record<string, unknown> = {}) => ({
  ...task,
  owner: 'alice',
  shard: 'shard#03',
  events: [{ at: task.created_at, type: 'created' }],
  events_total: 1,
  milestone: 0,
  ...fields,
});
const cancelled = (...codes: string[]) =>
  new TransactionCanceledException({
    message: 'cancelled',
    $metadata: {},
    CancellationReasons: codes.map((Code) => ({ Code })),
  });

beforeEach(() => db.reset());

describe('createTask', () => {
  it('puts the task with its owner keys and counts it PENDING in the same transaction', async () => {
    db.on(TransactWriteCommand).resolves({});
    await createTask(table, task, { owner: 'alice' });
    const [call] = db.commandCalls(TransactWriteCommand);
    const [put, ownerTotals, allTotals] = call?.args[0].input.TransactItems ?? [];
    expect(put?.Put?.ConditionExpression).toBe('attribute_not_exists(task_id)');
    expect(put?.Put?.Item).toMatchObject({
      owner: 'alice',
      owner_status: 'alice#PENDING',
      shard: expect.stringMatching(/^shard#\d\d$/),
      shard_status: expect.stringMatching(/^PENDING#shard#\d\d$/),
      name_key: 'nightly report',
      name_sort: `nightly report#${ID}`,
      events: [{ at: task.created_at, type: 'created' }],
    });
    expect(ownerTotals?.Update).toMatchObject({
      Key: { task_id: expect.stringMatching(/^totals#owner#alice#0[0-7]$/) },
      UpdateExpression: 'ADD #s0 :s0',
      ExpressionAttributeNames: { '#s0': 'PENDING' },
      ExpressionAttributeValues: { ':s0': 1 },
    });
    expect(allTotals?.Update?.Key?.task_id).toMatch(/^totals#all#\d\d$/);
  });

  it('gives a task without owner to the anonymous owner and leaves an unnamed one out of the name indexes', async () => {
    db.on(TransactWriteCommand).resolves({});
    await createTask(table, { ...task, name: null });
    const put = db.commandCalls(TransactWriteCommand)[0]?.args[0].input.TransactItems?.[0]?.Put;
    expect(put?.Item?.owner).toBe('anonymous');
    expect(put?.Item).not.toHaveProperty('name_sort');
  });

  it('reports a second create of the same id as a failed condition', async () => {
    db.on(TransactWriteCommand).rejects(cancelled('ConditionalCheckFailed', 'None', 'None'));
    await expect(createTask(table, task)).rejects.toBeInstanceOf(ConditionalCheckFailedException);
  });
});

describe('reads', () => {
  it("answers another owner's task as missing, and shows it to an operator and the worker", async () => {
    db.on(GetCommand).resolves({ Item: item() });
    expect(await getTask(table, ID, { owner: 'bob' })).toBeUndefined();
    await expect(getTaskOrThrow(table, ID, { owner: 'bob' })).rejects.toThrow(TaskNotFoundError);
    expect((await getTask(table, ID, { owner: 'bob', admin: true }))?.task_id).toBe(ID);
    expect((await getTask(table, ID))?.task_id).toBe(ID);
  });

  it('never shows a totals counter as a task', async () => {
    db.on(GetCommand).resolves({ Item: { task_id: 'totals#all#01', PENDING: 3 } });
    expect(await getTask(table, 'totals#all#01', SERVICE_ACCESS)).toBeUndefined();
  });
});

describe('transitionTask', () => {
  it('saves progress with one update of the item, conditioned on RUNNING and the owner', async () => {
    db.on(UpdateCommand).resolves({ Attributes: item({ status: 'RUNNING', progress: 10 }) });
    await transitionTask(table, ID, 'progress', { progress: 10 }, NOW, { owner: 'alice' });
    const input = db.commandCalls(UpdateCommand)[0]?.args[0].input;
    expect(input?.UpdateExpression).toBe('SET #progress = :progress, #updated_at = :updated_at');
    expect(input?.ConditionExpression).toBe(
      'attribute_exists(task_id) AND #status IN (:running) AND #owner = :owner',
    );
    expect(db.commandCalls(GetCommand)).toHaveLength(0);
    expect(db.commandCalls(TransactWriteCommand)).toHaveLength(0);
  });

  it('appends a milestone to the timeline once, after the write without it is refused', async () => {
    const running = item({ status: 'RUNNING', progress: 20 });
    db.on(UpdateCommand)
      .rejectsOnce(
        new ConditionalCheckFailedException({
          message: 'no',
          $metadata: {},
          Item: marshall(running),
        }),
      )
      .resolves({ Attributes: running });
    await transitionTask(table, ID, 'progress', { progress: 27 }, NOW, SERVICE_ACCESS);
    const [first, second] = db.commandCalls(UpdateCommand).map((c) => c.args[0].input);
    expect(first?.ConditionExpression).toContain('#milestone >= :milestone');
    expect(first?.ExpressionAttributeValues?.[':milestone']).toBe(25);
    expect(second?.ConditionExpression).toContain('#events_total = :seen_events');
    expect(second?.ExpressionAttributeValues?.[':events']).toEqual([
      { at: task.created_at, type: 'created' },
      { at: NOW.toISOString(), type: 'progress', progress: 25 },
    ]);
    expect(second?.ExpressionAttributeValues?.[':milestone']).toBe(25);
  });

  it('refuses progress on a task that left RUNNING, carrying the task as it is', async () => {
    db.on(UpdateCommand).rejects(
      new ConditionalCheckFailedException({
        message: 'no',
        $metadata: {},
        Item: marshall(item({ status: 'CANCELLED' })),
      }),
    );
    const refusal = transitionTask(table, ID, 'progress', { progress: 60 }, NOW, SERVICE_ACCESS);
    await expect(refusal).rejects.toBeInstanceOf(TransitionRefusedError);
    await expect(refusal).rejects.toMatchObject({ current: { status: 'CANCELLED' } });
  });

  it('moves the totals from the status it read to the new one, in the same transaction as the task', async () => {
    db.on(GetCommand).resolves({ Item: item({ status: 'RUNNING' }) });
    db.on(TransactWriteCommand).resolves({});
    const result = await transitionTask(table, ID, 'cancel', {}, NOW, { owner: 'alice' });
    expect(result.status).toBe('CANCELLED');
    const [update, ownerTotals] =
      db.commandCalls(TransactWriteCommand)[0]?.args[0].input.TransactItems ?? [];
    expect(update?.Update?.ConditionExpression).toBe(
      'attribute_exists(task_id) AND #status = :seen_status AND #events_total = :seen_events AND #updated_at = :seen_updated_at AND #owner = :owner',
    );
    expect(update?.Update?.ExpressionAttributeValues).toMatchObject({
      ':seen_status': 'RUNNING',
      ':status': 'CANCELLED',
      ':owner_status': 'alice#CANCELLED',
      ':events': [
        { at: task.created_at, type: 'created' },
        { at: NOW.toISOString(), type: 'cancelled' },
      ],
    });
    expect(ownerTotals?.Update).toMatchObject({
      UpdateExpression: 'ADD #s0 :s0, #s1 :s1',
      ExpressionAttributeNames: { '#s0': 'RUNNING', '#s1': 'CANCELLED' },
      ExpressionAttributeValues: { ':s0': -1, ':s1': 1 },
    });
  });

  it('reads again and retries when a racing transaction wins', async () => {
    db.on(GetCommand)
      .resolvesOnce({ Item: item({ status: 'PENDING' }) })
      .resolves({ Item: item({ status: 'RUNNING' }) });
    db.on(TransactWriteCommand)
      .rejectsOnce(cancelled('ConditionalCheckFailed', 'None', 'None'))
      .resolves({});
    await transitionTask(table, ID, 'fail', { error: 'boom' }, NOW, SERVICE_ACCESS);
    const calls = db.commandCalls(TransactWriteCommand);
    expect(calls).toHaveLength(2);
    expect(
      calls[1]?.args[0].input.TransactItems?.[1]?.Update?.ExpressionAttributeNames?.['#s0'],
    ).toBe('RUNNING');
  });

  it("refuses without writing a transition of another owner's task, or one its status forbids", async () => {
    db.on(GetCommand).resolves({ Item: item({ status: 'SUCCESS' }) });
    await expect(transitionTask(table, ID, 'cancel', {}, NOW, { owner: 'bob' })).rejects.toEqual(
      new TransitionRefusedError(ID, undefined),
    );
    await expect(
      transitionTask(table, ID, 'cancel', {}, NOW, { owner: 'alice' }),
    ).rejects.toMatchObject({ current: { status: 'SUCCESS' } });
    expect(db.commandCalls(TransactWriteCommand)).toHaveLength(0);
  });
});

describe('deleteTask', () => {
  it('deletes conditioned on the status it read and uncounts that status', async () => {
    db.on(GetCommand).resolves({ Item: item({ status: 'SUCCESS' }) });
    db.on(TransactWriteCommand).resolves({});
    await deleteTask(table, ID, { owner: 'alice' });
    const [del, ownerTotals] =
      db.commandCalls(TransactWriteCommand)[0]?.args[0].input.TransactItems ?? [];
    expect(del?.Delete?.ConditionExpression).toBe(
      'attribute_exists(task_id) AND #status = :seen_status AND #owner = :owner',
    );
    expect(ownerTotals?.Update).toMatchObject({
      UpdateExpression: 'ADD #s0 :s0',
      ExpressionAttributeNames: { '#s0': 'SUCCESS' },
    });
  });

  it("answers another owner's task as missing", async () => {
    db.on(GetCommand).resolves({ Item: item() });
    await expect(deleteTask(table, ID, { owner: 'bob' })).rejects.toThrow(TaskNotFoundError);
  });
});

describe('listTasks', () => {
  it("queries the caller's KEYS_ONLY index newest first, then reads the items in that order", async () => {
    const ids = ['01KB0000000000000000000003', '01KB0000000000000000000002'];
    db.on(QueryCommand).resolves({ Items: ids.map((task_id) => ({ task_id, owner: 'alice' })) });
    db.on(BatchGetCommand).resolves({
      Responses: { 'tasks-test': [...ids].reverse().map((task_id) => item({ task_id })) },
    });
    const page = await listTasks(table, { limit: 5 }, { owner: 'alice' });
    expect(page.tasks.map((t) => t.task_id)).toEqual(ids);
    expect(db.commandCalls(QueryCommand)[0]?.args[0].input).toMatchObject({
      IndexName: 'by-owner',
      KeyConditionExpression: '#pk = :pk',
      ExpressionAttributeValues: { ':pk': 'alice' },
      ScanIndexForward: false,
      Limit: 6,
    });
  });

  it('asks every shard for an operator, and BatchGetItem again for unprocessed keys', async () => {
    db.on(QueryCommand).callsFake(({ ExpressionAttributeValues }) => ({
      Items:
        ExpressionAttributeValues[':pk'] === 'RUNNING#shard#00'
          ? [{ task_id: ID, shard_status: 'RUNNING#shard#00' }]
          : [],
    }));
    db.on(BatchGetCommand)
      .resolvesOnce({ UnprocessedKeys: { 'tasks-test': { Keys: [{ task_id: ID }] } } })
      .resolves({ Responses: { 'tasks-test': [item({ status: 'RUNNING' })] } });
    const page = await listTasks(table, { limit: 2, status: 'RUNNING' }, { admin: true });
    expect(page).toEqual({ tasks: [expect.objectContaining({ task_id: ID })] });
    const partitions = db
      .commandCalls(QueryCommand)
      .map((c) => c.args[0].input.ExpressionAttributeValues?.[':pk']);
    expect(partitions).toHaveLength(SHARDS);
    expect(new Set(partitions).size).toBe(SHARDS);
    expect(db.commandCalls(BatchGetCommand)).toHaveLength(2);
  });

  it('searches a name prefix as a range of the name index, lower-cased', async () => {
    db.on(QueryCommand).resolves({ Items: [] });
    await listTasks(table, { limit: 10, name: 'NIGHTLY' }, { owner: 'alice' });
    expect(db.commandCalls(QueryCommand)[0]?.args[0].input).toMatchObject({
      IndexName: 'by-owner-name',
      KeyConditionExpression: '#pk = :pk AND #sk BETWEEN :from AND :to',
      ExpressionAttributeValues: { ':pk': 'alice', ':from': 'nightly', ':to': 'nightly\u{10FFFF}' },
      ScanIndexForward: true,
    });
  });
});

describe('uncountExpiredTask', () => {
  it("takes a task deleted by TTL out of its owner's and the all-owners totals", async () => {
    db.on(UpdateCommand).resolves({});
    await uncountExpiredTask(table, item({ status: 'SUCCESS' }));
    const keys = db.commandCalls(UpdateCommand).map((c) => c.args[0].input.Key?.task_id);
    expect(keys).toEqual([
      expect.stringMatching(/^totals#owner#alice#0[0-7]$/),
      expect.stringMatching(/^totals#all#[0-3]\d$/),
    ]);
    expect(db.commandCalls(UpdateCommand)[0]?.args[0].input).toMatchObject({
      UpdateExpression: 'ADD #s0 :s0',
      ExpressionAttributeNames: { '#s0': 'SUCCESS' },
      ExpressionAttributeValues: { ':s0': -1 },
    });
  });

  it('ignores a counter item', async () => {
    await uncountExpiredTask(table, { task_id: 'totals#owner#alice#00', SUCCESS: 4 });
    expect(db.commandCalls(UpdateCommand)).toHaveLength(0);
  });
});

describe('listTasks input', () => {
  it('lists without a name condition when the name searched for is blank', async () => {
    db.on(QueryCommand).resolves({ Items: [] });
    await listTasks(table, { limit: 10, name: '   ' }, { owner: 'alice' });
    expect(db.commandCalls(QueryCommand)[0]?.args[0].input.IndexName).toBe('by-owner');
  });

  it('refuses a search cursor outside the searched prefix, and a search with a status', async () => {
    const scope = { owner: 'alice', search: 'nightly' };
    const cursor = encodePageCursor(scope, `a#${ID}`);
    await expect(
      listTasks(table, { limit: 10, name: 'Nightly', cursor }, { owner: 'alice' }),
    ).rejects.toMatchObject({ statusCode: 400, code: 'invalid_cursor' });
    await expect(
      listTasks(table, { limit: 10, name: 'x', status: 'RUNNING' }, { owner: 'alice' }),
    ).rejects.toMatchObject({ statusCode: 400, code: 'invalid_query' });
    expect(db.commandCalls(QueryCommand)).toHaveLength(0);
  });
});

describe('owner filter', () => {
  it("answers 400 invalid_owner to an operator's empty or control-character owner filter", async () => {
    for (const owner of ['', 'a\nb', 'x'.repeat(257)]) {
      await expect(listTasks(table, { limit: 1, owner }, { admin: true })).rejects.toMatchObject({
        statusCode: 400,
        code: 'invalid_owner',
      });
    }
    expect(db.commandCalls(QueryCommand)).toHaveLength(0);
  });
});

describe('createTask under contention', () => {
  it('tries again when another transaction held a counter item', async () => {
    db.on(TransactWriteCommand)
      .rejectsOnce(cancelled('None', 'TransactionConflict', 'None'))
      .resolves({});
    await createTask(table, task);
    expect(db.commandCalls(TransactWriteCommand)).toHaveLength(2);
  });
});
