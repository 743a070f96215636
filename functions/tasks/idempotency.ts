import { createHash } from 'node:crypto';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { TaskTable } from './store.ts';

/**
 * Idempotency keys of `POST /tasks`, kept in the tasks table under their own ids
 * (`idempotency#<owner>#<key>`). A record has neither `kind` nor `status`, so no index
 * of the table ever holds one, and its id has a `#`, which no task id path may contain.
 *
 * The record names the task id before the task is written: whatever happens after the
 * claim, a retry finds that id, so one key can only ever make that one task.
 */

/** How long a key is remembered (DynamoDB's TTL removes the record some time after). */
export const IDEMPOTENCY_TTL_SECONDS = 24 * 60 * 60;

/** The answer a key replays. */
export interface StoredResponse {
  statusCode: number;
  headers: Record<string, string>;
  body: string;
}

export interface IdempotencyRecord {
  /** The item's id in the table. */
  id: string;
  requestHash: string;
  /** The task this key makes; written before the task is. */
  taskId: string;
  /** Until then (epoch ms) the request that claimed the key is presumed alive. */
  lockedUntil: number;
  response?: StoredResponse;
}

export function recordId(owner: string, key: string): string {
  return `idempotency#${encodeURIComponent(owner)}#${key}`;
}

/** SHA-256 of the JSON of `value` with sorted keys: the same request hashes the same. */
export function requestHash(value: unknown): string {
  return createHash('sha256').update(canonicalJson(value)).digest('base64url');
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value)
      .filter(([, item]) => item !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, item]) => `${JSON.stringify(k)}:${canonicalJson(item)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/**
 * Claims the key for a new request; false when a record that has not expired holds it.
 * TTL deletes late, so an expired record counts as absent.
 * (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/howitworks-ttl.html)
 */
export async function claimKey(
  table: TaskTable,
  record: Omit<IdempotencyRecord, 'response'>,
  now: Date,
): Promise<boolean> {
  const nowSeconds = Math.floor(now.getTime() / 1000);
  try {
    await table.db.send(
      new PutCommand({
        TableName: table.name,
        Item: {
          task_id: record.id,
          request_hash: record.requestHash,
          created_task_id: record.taskId,
          locked_until: record.lockedUntil,
          expires_at: nowSeconds + IDEMPOTENCY_TTL_SECONDS,
        },
        ConditionExpression: 'attribute_not_exists(task_id) OR expires_at < :now',
        ExpressionAttributeValues: { ':now': nowSeconds },
      }),
    );
    return true;
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException) return false;
    throw error;
  }
}

export async function readRecord(
  table: TaskTable,
  id: string,
  now: Date,
): Promise<IdempotencyRecord | undefined> {
  const { Item } = await table.db.send(
    new GetCommand({ TableName: table.name, Key: { task_id: id }, ConsistentRead: true }),
  );
  if (!Item || Number(Item.expires_at) < Math.floor(now.getTime() / 1000)) return undefined;
  return {
    id,
    requestHash: String(Item.request_hash),
    taskId: String(Item.created_task_id),
    lockedUntil: Number(Item.locked_until),
    ...(Item.response && { response: Item.response as StoredResponse }),
  };
}

/**
 * Moves the lease of a record whose request died (or gave up) to the caller; false when
 * another request took it first or an answer was saved meanwhile.
 */
export async function takeOver(
  table: TaskTable,
  record: IdempotencyRecord,
  lockedUntil: number,
): Promise<boolean> {
  return conditionalUpdate(
    table,
    record.id,
    'SET locked_until = :new',
    'locked_until = :old AND attribute_not_exists(#response)',
    { ':new': lockedUntil, ':old': record.lockedUntil },
  );
}

/** Ends the lease at once, so a retry need not wait for it (the request failed before answering). */
export async function releaseKey(table: TaskTable, record: IdempotencyRecord): Promise<void> {
  await conditionalUpdate(
    table,
    record.id,
    'SET locked_until = :zero',
    'locked_until = :old AND attribute_not_exists(#response)',
    { ':zero': 0, ':old': record.lockedUntil },
  );
}

/** Saves the answer every later request with the key replays; the first saved one wins. */
export async function saveResponse(
  table: TaskTable,
  record: IdempotencyRecord,
  response: StoredResponse,
): Promise<boolean> {
  return conditionalUpdate(
    table,
    record.id,
    'SET #response = :response',
    'attribute_not_exists(#response)',
    { ':response': response },
  );
}

async function conditionalUpdate(
  table: TaskTable,
  id: string,
  update: string,
  condition: string,
  values: Record<string, unknown>,
): Promise<boolean> {
  try {
    await table.db.send(
      new UpdateCommand({
        TableName: table.name,
        Key: { task_id: id },
        UpdateExpression: update,
        ConditionExpression: `attribute_exists(task_id) AND ${condition}`,
        ExpressionAttributeNames: { '#response': 'response' },
        ExpressionAttributeValues: values,
      }),
    );
    return true;
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException) return false;
    throw error;
  }
}
