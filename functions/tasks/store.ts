import {
  ConditionalCheckFailedException,
  DynamoDBClient,
  type DynamoDBClientConfig,
} from '@aws-sdk/client-dynamodb';
import {
  DeleteCommand,
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { env } from '../config.ts';
import { tracer } from '../observability.ts';
import { decodeCursor, encodeCursor } from './cursor.ts';
import { TaskNotFoundError, TransitionRefusedError } from './errors.ts';
import {
  isFinished,
  type Task,
  type TaskStatus,
  TRANSITIONS,
  type TransitionName,
} from './model.ts';
import { retriesWithoutQuota } from './retries.ts';
import { TABLE_SCHEMA, TASK_KIND } from './schema.ts';

const TASK_FIELDS = [
  'task_id',
  'status',
  'name',
  'type',
  'input',
  'progress',
  'created_at',
  'updated_at',
  'started_at',
  'finished_at',
] as const;

/** The named clauses of every condition the store writes with. */
const CONDITIONS = {
  isNew: 'attribute_not_exists(task_id)',
  exists: 'attribute_exists(task_id)',
  statusIn: (placeholders: string[]) => `#status IN (${placeholders.join(', ')})`,
};

export interface ListQuery {
  status?: TaskStatus;
  limit: number;
  cursor?: string;
}

export interface TaskPage {
  tasks: Task[];
  cursor?: string;
}

/** Changes a transition may make besides the status. */
export type TaskChanges = Partial<Pick<Task, 'progress' | 'result' | 'error' | 'started_at'>>;

/** The tasks table and how long finished tasks are kept; every store function takes it. */
export interface TaskTable {
  db: DynamoDBDocumentClient;
  name: string;
  retentionSeconds: number;
}

/*
 * One function per operation, not a class: a bundle then holds only the operations its
 * handler calls, which is what the IAM check in tests/infra reads to prove each
 * function's grants.
 */

export async function createTask(table: TaskTable, task: Task): Promise<void> {
  await table.db.send(
    new PutCommand({
      TableName: table.name,
      Item: { ...task, kind: TASK_KIND },
      ConditionExpression: CONDITIONS.isNew,
    }),
  );
}

export async function getTask(table: TaskTable, taskId: string): Promise<Task | undefined> {
  const { Item } = await table.db.send(
    new GetCommand({ TableName: table.name, Key: { task_id: taskId }, ConsistentRead: true }),
  );
  return Item ? toTask(Item) : undefined;
}

export async function getTaskOrThrow(table: TaskTable, taskId: string): Promise<Task> {
  const task = await getTask(table, taskId);
  if (!task) throw new TaskNotFoundError(taskId);
  return task;
}

/** Newest first, from an index: the cost follows the page size, never the table size. */
export async function listTasks(
  table: TaskTable,
  { status, limit, cursor }: ListQuery,
): Promise<TaskPage> {
  const index = status ? TABLE_SCHEMA.indexes.byStatus : TABLE_SCHEMA.indexes.byCreation;
  const partition = status ?? TASK_KIND;
  const startKey = cursor
    ? decodeCursor(cursor, { task_id: null, [index.partitionKey]: partition })
    : undefined;
  const { Items = [] } = await table.db.send(
    new QueryCommand({
      TableName: table.name,
      IndexName: index.name,
      KeyConditionExpression: '#pk = :pk',
      ExpressionAttributeNames: { '#pk': index.partitionKey },
      ExpressionAttributeValues: { ':pk': partition },
      ScanIndexForward: false,
      // One more than asked tells whether a next page exists, so no link leads to an empty page.
      Limit: limit + 1,
      ExclusiveStartKey: startKey,
    }),
  );
  const tasks = Items.slice(0, limit).map(toTask);
  const last = tasks.at(-1);
  return Items.length > limit && last
    ? { tasks, cursor: encodeCursor({ task_id: last.task_id, [index.partitionKey]: partition }) }
    : { tasks };
}

/**
 * Applies a transition with a write conditioned on the task existing and being in a
 * state the transition may leave. Refused writes throw TransitionRefusedError
 * carrying the task as it is now (or nothing if it was deleted).
 */
export async function transitionTask(
  table: TaskTable,
  taskId: string,
  name: TransitionName,
  changes: TaskChanges,
  now: Date,
): Promise<Task> {
  const { from, to } = TRANSITIONS[name];
  const set: Record<string, unknown> = { ...changes, status: to, updated_at: now.toISOString() };
  if (isFinished(to)) {
    set.finished_at = now.toISOString();
    set.expires_at = Math.floor(now.getTime() / 1000) + table.retentionSeconds;
  }
  const names: Record<string, string> = { '#status': 'status' };
  const values: Record<string, unknown> = {};
  const assignments = Object.entries(set)
    .filter(([, value]) => value !== undefined)
    .map(([field, value]) => {
      names[`#${field}`] = field;
      values[`:${field}`] = value;
      return `#${field} = :${field}`;
    });
  const fromPlaceholders = from.map((status, i) => {
    values[`:from${i}`] = status;
    return `:from${i}`;
  });
  try {
    const { Attributes } = await table.db.send(
      new UpdateCommand({
        TableName: table.name,
        Key: { task_id: taskId },
        UpdateExpression: `SET ${assignments.join(', ')}`,
        ConditionExpression: `${CONDITIONS.exists} AND ${CONDITIONS.statusIn(fromPlaceholders)}`,
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: values,
        ReturnValues: 'ALL_NEW',
        ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
      }),
    );
    return toTask(Attributes ?? {});
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException) {
      const current = error.Item ? toTask(unmarshall(error.Item)) : undefined;
      throw new TransitionRefusedError(taskId, current);
    }
    throw error;
  }
}

/** Removes a task; returns it as it was. */
export async function deleteTask(table: TaskTable, taskId: string): Promise<Task> {
  try {
    const { Attributes } = await table.db.send(
      new DeleteCommand({
        TableName: table.name,
        Key: { task_id: taskId },
        ConditionExpression: CONDITIONS.exists,
        ReturnValues: 'ALL_OLD',
      }),
    );
    return toTask(Attributes ?? {});
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException) throw new TaskNotFoundError(taskId);
    throw error;
  }
}

/** A real round trip to the table, for the health check; gives up after `timeoutMs`. */
export async function pingTable(table: TaskTable, timeoutMs: number): Promise<void> {
  await table.db.send(
    new GetCommand({
      TableName: table.name,
      Key: { task_id: '#health' },
      ProjectionExpression: 'task_id',
    }),
    { abortSignal: AbortSignal.timeout(timeoutMs) },
  );
}

/** The task as the API shows it: fixed field order, internal attributes left out. */
function toTask(item: Record<string, unknown>): Task {
  const { result, error, ...rest } = item;
  const task: Record<string, unknown> = {};
  for (const field of TASK_FIELDS) task[field] = rest[field] ?? null;
  if (result !== undefined) task.result = result;
  if (error !== undefined) task.error = error;
  return task as unknown as Task;
}

const MAX_ATTEMPTS = 3;

/**
 * Every call gives up after three attempts of at most 2 s each, so a database that
 * hangs turns into an error well inside the API functions' timeout. Timeouts, refused
 * and reset connections are retried on every call, however many calls share the client.
 */
export function documentClient(config: DynamoDBClientConfig = {}): DynamoDBDocumentClient {
  const client = new DynamoDBClient({
    maxAttempts: MAX_ATTEMPTS,
    retryStrategy: retriesWithoutQuota(MAX_ATTEMPTS),
    requestHandler: { connectionTimeout: 1000, requestTimeout: 2000, throwOnRequestTimeout: true },
    ...config,
  });
  // Each call a subsegment of the function's trace (a no-op where tracing is off).
  tracer.captureAWSv3Client(client);
  return DynamoDBDocumentClient.from(client, {
    marshallOptions: { removeUndefinedValues: true, convertClassInstanceToMap: false },
  });
}

/** The table named by the function's environment (TABLE_NAME, TASK_RETENTION_DAYS). */
export function tableFromEnvironment(): TaskTable {
  return {
    db: documentClient(),
    name: env.tableName(),
    retentionSeconds: env.retentionDays() * 86_400,
  };
}
