import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ConsumedCapacity } from '@aws-sdk/client-dynamodb';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { monotonicFactory } from 'ulid';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  TaskNotFoundError,
  TransitionRefusedError,
  ValidationError,
} from '../../functions/tasks/errors.ts';
import { migrateLegacyTasks } from '../../functions/tasks/migrate.ts';
import { newTask, type TaskStatus } from '../../functions/tasks/model.ts';
import { TIMELINE_LIMIT } from '../../functions/tasks/schema.ts';
import {
  type Access,
  createTask,
  deleteTask,
  documentClient,
  getTask,
  getTaskOrThrow,
  getTaskRecord,
  getTotals,
  listTasks,
  SERVICE_ACCESS,
  searchTasks,
  type TaskTable,
  transitionTask,
} from '../../functions/tasks/store.ts';
import { type LocalDynamoDB, startDynamoDBLocal } from '../../infra/local/dynamodb.ts';
import { ensureTable } from '../../infra/local/table.ts';

let dataDir: string;
let dynamodb: LocalDynamoDB;
let tableCount = 0;
const nextId = monotonicFactory();
const start = Date.UTC(2026, 0, 1);
let tick = 0;
/** A new clock reading per call, so task ids and timestamps follow creation order. */
const now = () => new Date(start + tick++ * 1000);

/** Every command's consumed capacity, newest last. */
const consumed: ConsumedCapacity[][] = [];

async function freshTable(): Promise<TaskTable> {
  const name = `tasks-${++tableCount}`;
  await ensureTable(dynamodb.endpoint, name);
  // DynamoDB Local serves concurrent transactions one by one on a shared 2-core machine:
  // a longer request timeout than the functions' 2 s.
  const db = documentClient({
    endpoint: dynamodb.endpoint,
    requestHandler: { connectionTimeout: 30_000, requestTimeout: 30_000 },
  });
  db.middlewareStack.add(
    (next) => async (args) => {
      (args.input as Record<string, unknown>).ReturnConsumedCapacity = 'INDEXES';
      const result = await next(args);
      const output = result.output as { ConsumedCapacity?: ConsumedCapacity | ConsumedCapacity[] };
      const capacity = output.ConsumedCapacity;
      consumed.push(capacity === undefined ? [] : Array.isArray(capacity) ? capacity : [capacity]);
      return result;
    },
    { step: 'initialize', name: 'consumedCapacity' },
  );
  return { db, name, retentionSeconds: 86_400 };
}

async function create(table: TaskTable, access: Access, name: string | null = null) {
  const at = now();
  const task = newTask({
    taskId: nextId(at.getTime()),
    name,
    type: 'simulate',
    input: { n: 1 },
    now: at,
  });
  await createTask(table, task, access);
  return task;
}

/** Units of the commands `run` sends: table and index write/read units summed. */
async function units(run: () => Promise<unknown>) {
  const before = consumed.length;
  await run();
  const spent = consumed.slice(before).flat();
  const total = spent.reduce((sum, c) => sum + (c.CapacityUnits ?? 0), 0);
  const indexes = spent.flatMap((c) => Object.keys(c.GlobalSecondaryIndexes ?? {}));
  const detail = spent.map((c) => ({
    table: c.Table?.CapacityUnits,
    indexes: Object.fromEntries(
      Object.entries(c.GlobalSecondaryIndexes ?? {}).map(([name, u]) => [name, u.CapacityUnits]),
    ),
  }));
  return { total, indexes: [...new Set(indexes)].sort(), calls: consumed.length - before, detail };
}

const alice: Access = { owner: 'alice' };
const bob: Access = { owner: 'bob' };
const admin: Access = { owner: 'operator', admin: true };

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'store-test-'));
  dynamodb = await startDynamoDBLocal({ dataDir, heap: '256m', log: () => {} });
});

afterAll(async () => {
  await dynamodb?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('owners', () => {
  it("answers another owner's task as missing on every read and write", async () => {
    const table = await freshTable();
    const task = await create(table, alice);
    expect(await getTask(table, task.task_id, bob)).toBeUndefined();
    await expect(getTaskOrThrow(table, task.task_id, bob)).rejects.toThrow(TaskNotFoundError);
    await expect(transitionTask(table, task.task_id, 'cancel', {}, now(), bob)).rejects.toEqual(
      new TransitionRefusedError(task.task_id, undefined),
    );
    await transitionTask(table, task.task_id, 'start', {}, now(), SERVICE_ACCESS);
    await expect(
      transitionTask(table, task.task_id, 'progress', { progress: 10 }, now(), bob),
    ).rejects.toEqual(new TransitionRefusedError(task.task_id, undefined));
    await expect(deleteTask(table, task.task_id, bob)).rejects.toThrow(TaskNotFoundError);
    expect((await getTaskOrThrow(table, task.task_id, alice)).status).toBe('RUNNING');
    expect((await getTask(table, task.task_id))?.progress).toBe(0);
  });

  it("lists, searches and counts only the caller's tasks; an operator sees all", async () => {
    const table = await freshTable();
    const mine = await create(table, alice, 'Report');
    const theirs = await create(table, bob, 'Report');
    const ids = (page: { tasks: { task_id: string }[] }) => page.tasks.map((t) => t.task_id);
    expect(ids(await listTasks(table, { limit: 10 }, alice))).toEqual([mine.task_id]);
    expect(ids(await listTasks(table, { limit: 10, status: 'PENDING' }, bob))).toEqual([
      theirs.task_id,
    ]);
    expect(ids(await listTasks(table, { limit: 10, name: 'rep' }, alice))).toEqual([mine.task_id]);
    expect(ids(await searchTasks(table, { text: theirs.task_id, limit: 10 }, alice))).toEqual([]);
    expect(ids(await listTasks(table, { limit: 10, owner: 'bob' }, alice))).toEqual([mine.task_id]);
    expect(ids(await listTasks(table, { limit: 10 }, admin))).toEqual([
      theirs.task_id,
      mine.task_id,
    ]);
    expect(ids(await listTasks(table, { limit: 10, owner: 'bob' }, admin))).toEqual([
      theirs.task_id,
    ]);
    expect((await getTotals(table, alice)).PENDING).toBe(1);
    expect((await getTotals(table, admin)).PENDING).toBe(2);
    expect((await getTotals(table, admin, { owner: 'bob' })).PENDING).toBe(1);
  });

  it('refuses a cursor made for another owner or filter, and an edited one', async () => {
    const table = await freshTable();
    for (let i = 0; i < 3; i++) await create(table, alice);
    const page = await listTasks(table, { limit: 1 }, alice);
    const cursor = page.cursor ?? '';
    await expect(listTasks(table, { limit: 1, cursor }, bob)).rejects.toThrow(ValidationError);
    await expect(listTasks(table, { limit: 1, cursor, status: 'PENDING' }, alice)).rejects.toThrow(
      ValidationError,
    );
    const edited = Buffer.from(
      JSON.stringify({ ...JSON.parse(Buffer.from(cursor, 'base64url').toString()), a: 'x' }),
    ).toString('base64url');
    await expect(listTasks(table, { limit: 1, cursor: edited }, alice)).rejects.toThrow(
      ValidationError,
    );
  });
});

describe("an operator's view of every owner", () => {
  it('pages newest first across all shards, with cursors, over more than two pages', async () => {
    const table = await freshTable();
    const owners = ['alice', 'bob', 'carol'];
    const created: string[] = [];
    for (let i = 0; i < 47; i++)
      created.push((await create(table, { owner: owners[i % 3] })).task_id);
    const seen: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = await listTasks(table, { limit: 20, ...(cursor && { cursor }) }, admin);
      seen.push(...page.tasks.map((task) => task.task_id));
      cursor = page.cursor;
      pages++;
    } while (cursor);
    expect(pages).toBe(3);
    expect(seen).toEqual([...created].reverse());
  });

  it('filters by status across shards, newest first', async () => {
    const table = await freshTable();
    const tasks = [];
    for (let i = 0; i < 24; i++) tasks.push(await create(table, { owner: `owner-${i % 4}` }));
    const started = tasks.filter((_, i) => i % 3 === 0);
    for (const task of started)
      await transitionTask(table, task.task_id, 'start', {}, now(), SERVICE_ACCESS);
    const first = await listTasks(table, { limit: 5, status: 'RUNNING' }, admin);
    const rest = await listTasks(
      table,
      { limit: 5, status: 'RUNNING', cursor: first.cursor ?? '' },
      admin,
    );
    expect(rest.cursor).toBeUndefined();
    expect([...first.tasks, ...rest.tasks].map((t) => t.task_id)).toEqual(
      started.map((t) => t.task_id).reverse(),
    );
  });
});

describe('totals', () => {
  it('stay exact under 50 concurrent transitions, racing cancels included', async () => {
    const table = await freshTable();
    const carol: Access = { owner: 'carol' };
    const tasks = [];
    for (let i = 0; i < 50; i++) tasks.push(await create(table, carol));
    await Promise.all(
      tasks.map((t) => transitionTask(table, t.task_id, 'start', {}, now(), SERVICE_ACCESS)),
    );
    expect(await getTotals(table, carol)).toMatchObject({ PENDING: 0, RUNNING: 50 });
    // Every task gets a finish and a cancel at once: exactly one of the two wins.
    const outcomes = await Promise.allSettled(
      tasks.flatMap((t, i) => [
        transitionTask(table, t.task_id, i % 2 ? 'succeed' : 'fail', {}, now(), SERVICE_ACCESS),
        transitionTask(table, t.task_id, 'cancel', {}, now(), carol),
      ]),
    );
    const errors = outcomes.flatMap((o) => (o.status === 'rejected' ? [o.reason] : []));
    expect(errors.filter((e) => !(e instanceof TransitionRefusedError))).toEqual([]);
    expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(50);
    const actual: Record<string, number> = {};
    for (const t of tasks) {
      const status = (await getTask(table, t.task_id))?.status as TaskStatus;
      actual[status] = (actual[status] ?? 0) + 1;
    }
    const totals = await getTotals(table, carol);
    expect(totals).toEqual({
      PENDING: 0,
      RUNNING: 0,
      SUCCESS: 0,
      FAILURE: 0,
      CANCELLED: 0,
      ...actual,
    });
    expect(await getTotals(table, admin)).toEqual(totals);
    await Promise.all(tasks.slice(0, 20).map((t) => deleteTask(table, t.task_id, carol)));
    const after = await getTotals(table, carol);
    expect(Object.values(after).reduce((a, b) => a + b, 0)).toBe(30);
  });
});

describe('search', () => {
  it('finds names by case-insensitive prefix beyond the first page, and a task by its id', async () => {
    const table = await freshTable();
    const nightly = [];
    for (let i = 0; i < 23; i++) {
      nightly.push(
        await create(
          table,
          alice,
          `${i % 2 ? 'NIGHTLY' : 'Nightly'} report ${String(i).padStart(2, '0')}`,
        ),
      );
      await create(table, alice, `weekly ${i}`);
    }
    await create(table, alice, 'Ｎｉｇｈｔｌｙ full-width');
    const found: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await listTasks(
        table,
        { limit: 10, name: 'nightly r', ...(cursor && { cursor }) },
        alice,
      );
      found.push(...page.tasks.map((t) => t.name ?? ''));
      cursor = page.cursor;
    } while (cursor);
    expect(found).toEqual(nightly.map((t) => t.name));
    const wide = await listTasks(table, { limit: 50, name: 'NIGHTLY' }, alice);
    expect(wide.tasks).toHaveLength(24);
    const byId = await searchTasks(table, { text: nightly[7]?.task_id ?? '', limit: 10 }, alice);
    expect(byId.tasks.map((t) => t.task_id)).toEqual([nightly[7]?.task_id]);
    const everyone = await listTasks(table, { limit: 10, name: 'weekly 1' }, admin);
    expect(everyone.tasks.map((t) => t.name)).toEqual([
      'weekly 1',
      'weekly 10',
      'weekly 11',
      'weekly 12',
      'weekly 13',
      'weekly 14',
      'weekly 15',
      'weekly 16',
      'weekly 17',
      'weekly 18',
    ]);
  });
});

describe('timeline', () => {
  it('records creation, start, each milestone once and the end, whatever the number of progress writes', async () => {
    const table = await freshTable();
    const task = await create(table, alice);
    await transitionTask(table, task.task_id, 'start', {}, now(), SERVICE_ACCESS);
    for (let progress = 5; progress < 100; progress += 5) {
      await transitionTask(table, task.task_id, 'progress', { progress }, now(), SERVICE_ACCESS);
    }
    await transitionTask(table, task.task_id, 'succeed', { progress: 100 }, now(), SERVICE_ACCESS);
    const record = await getTaskRecord(table, task.task_id, alice);
    expect(record?.events.map((e) => [e.type, e.progress])).toEqual([
      ['created', undefined],
      ['started', undefined],
      ['progress', 25],
      ['progress', 50],
      ['progress', 75],
      ['succeeded', undefined],
    ]);
  });

  it(`keeps the newest ${TIMELINE_LIMIT} entries`, async () => {
    const table = await freshTable();
    const task = await create(table, alice);
    const full = Array.from({ length: TIMELINE_LIMIT }, (_, i) => ({
      at: `old-${i}`,
      type: 'progress',
    }));
    await table.db.send(
      new PutCommand({
        TableName: table.name,
        Item: {
          ...(await rawItem(table, task.task_id)),
          events: full,
          events_total: TIMELINE_LIMIT,
        },
      }),
    );
    await transitionTask(table, task.task_id, 'cancel', {}, now(), alice);
    const events = (await getTaskRecord(table, task.task_id, alice))?.events ?? [];
    expect(events).toHaveLength(TIMELINE_LIMIT);
    expect(events[0]?.at).toBe('old-1');
    expect(events.at(-1)?.type).toBe('cancelled');
  });
});

async function rawItem(table: TaskTable, taskId: string) {
  const { GetCommand } = await import('@aws-sdk/lib-dynamodb');
  const { Item } = await table.db.send(
    new GetCommand({ TableName: table.name, Key: { task_id: taskId } }),
  );
  return Item ?? {};
}

describe('write economy (consumed capacity reported by DynamoDB Local)', () => {
  it('costs exactly 1 write unit for a progress write, touching no index', async () => {
    const table = await freshTable();
    const task = await create(table, alice, 'Nightly report');
    await transitionTask(table, task.task_id, 'start', {}, now(), SERVICE_ACCESS);
    await transitionTask(table, task.task_id, 'progress', { progress: 30 }, now(), SERVICE_ACCESS);
    const progress = await units(() =>
      transitionTask(table, task.task_id, 'progress', { progress: 31 }, now(), SERVICE_ACCESS),
    );
    expect(progress).toMatchObject({ total: 1, indexes: [], calls: 1 });
  });

  it('reports the units of each step of a task and of list pages', async () => {
    const table = await freshTable();
    const measured: Record<string, unknown> = {};
    let task = newTask({
      taskId: nextId(),
      name: 'Nightly report',
      type: 'simulate',
      input: { n: 1 },
      now: now(),
    });
    measured.create = await units(() => createTask(table, task, alice));
    measured.start = await units(() =>
      transitionTask(table, task.task_id, 'start', {}, now(), SERVICE_ACCESS),
    );
    measured.progress = await units(() =>
      transitionTask(table, task.task_id, 'progress', { progress: 10 }, now(), SERVICE_ACCESS),
    );
    measured.progressMilestone = await units(() =>
      transitionTask(table, task.task_id, 'progress', { progress: 25 }, now(), SERVICE_ACCESS),
    );
    measured.finish = await units(() =>
      transitionTask(
        table,
        task.task_id,
        'succeed',
        { progress: 100, result: { ok: true } },
        now(),
        SERVICE_ACCESS,
      ),
    );
    for (let i = 0; i < 120; i++) {
      task = newTask({
        taskId: nextId(),
        name: `Task ${i}`,
        type: 'simulate',
        input: { n: i },
        now: now(),
      });
      await createTask(table, task, { owner: `owner-${i % 3}` });
    }
    measured.ownerList20 = await units(() => listTasks(table, { limit: 20 }, { owner: 'owner-0' }));
    measured.ownerList100 = await units(() =>
      listTasks(table, { limit: 100 }, { owner: 'owner-0' }),
    );
    measured.adminList20 = await units(() => listTasks(table, { limit: 20 }, admin));
    measured.adminList100 = await units(() => listTasks(table, { limit: 100 }, admin));
    measured.search20 = await units(() =>
      listTasks(table, { limit: 20, name: 'task' }, { owner: 'owner-1' }),
    );
    measured.ownerTotals = await units(() => getTotals(table, alice));
    measured.adminTotals = await units(() => getTotals(table, admin));
    measured.delete = await units(() => deleteTask(table, task.task_id, { owner: 'owner-2' }));
    console.info(JSON.stringify(measured, null, 1));
    expect((measured.progress as { total: number }).total).toBe(1);
  });
});

describe('tasks written before owners existed', () => {
  it('belong to the anonymous owner, and are keyed and counted once by the migration', async () => {
    const table = await freshTable();
    const legacy = async (status: TaskStatus) => {
      const at = now();
      const task = {
        ...newTask({
          taskId: nextId(at.getTime()),
          name: 'Old',
          type: 'simulate',
          input: {},
          now: at,
        }),
        status,
      };
      await table.db.send(
        new PutCommand({ TableName: table.name, Item: { ...task, kind: 'task' } }),
      );
      return task;
    };
    const [pending, running, done] = [
      await legacy('PENDING'),
      await legacy('RUNNING'),
      await legacy('SUCCESS'),
    ];
    expect((await getTaskOrThrow(table, done.task_id)).status).toBe('SUCCESS');
    expect(await getTask(table, done.task_id, bob)).toBeUndefined();
    // A status change before the migration keys the task and counts only its new status.
    await transitionTask(table, pending.task_id, 'start', {}, now(), SERVICE_ACCESS);
    expect(await migrateLegacyTasks(table)).toBe(2);
    expect(await migrateLegacyTasks(table)).toBe(0);
    expect(await getTotals(table)).toEqual({
      PENDING: 0,
      RUNNING: 2,
      SUCCESS: 1,
      FAILURE: 0,
      CANCELLED: 0,
    });
    const listed = await listTasks(table, { limit: 10 });
    expect(listed.tasks.map((t) => t.task_id)).toEqual([
      done.task_id,
      running.task_id,
      pending.task_id,
    ]);
    await transitionTask(table, running.task_id, 'cancel', {}, now());
    await deleteTask(table, done.task_id);
    expect(await getTotals(table)).toEqual({
      PENDING: 0,
      RUNNING: 1,
      SUCCESS: 0,
      FAILURE: 0,
      CANCELLED: 1,
    });
  });
});
