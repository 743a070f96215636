import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { batchGetItems } from './batch.ts';
import { shardOf } from './keys.ts';
import { STATUSES, type TaskStatus } from './model.ts';
import { ANONYMOUS_OWNER, TOTALS_SHARDS } from './schema.ts';
import type { TaskTable } from './store.ts';

/**
 * True totals per status, kept in counter items updated in the SAME transaction as the
 * task write that changes a status (create, start, finish, cancel, delete). The
 * transaction makes them exact under any concurrency: a transition whose condition
 * fails changes no counter. Progress writes change no status and touch no counter.
 *
 * Two counters per change, each split over TOTALS_SHARDS items by a hash of the task id:
 * - `totals#owner#<owner>#NN`: one owner's totals (8 items, read together);
 * - `totals#all#NN`: every owner's totals, for operators (32 items).
 * An unsplit counter would put every status change of one owner (and, for the
 * all-owners counter, of the whole service) on one item: one item takes about 1,000
 * write units/s, 500 transactional updates, and concurrent transactions on it cancel
 * each other. A transactional write costs 2 units per item, so a status change costs
 * 2 (task) + 2 + 2 (counters) units plus its index entries, 3-4 times per task.
 */
export type Totals = Record<TaskStatus, number>;

const pad = (n: number) => String(n).padStart(2, '0');
export const ownerTotalsKey = (owner: string, shard: number) =>
  `totals#owner#${owner}#${pad(shard)}`;
export const allTotalsKey = (shard: number) => `totals#all#${pad(shard)}`;

/** The counter items a change of `taskId`'s status updates. */
export function totalsKeysOf(owner: string, taskId: string): string[] {
  return [
    ownerTotalsKey(owner, shardOf(taskId, TOTALS_SHARDS.owner)),
    allTotalsKey(shardOf(taskId, TOTALS_SHARDS.all)),
  ];
}

/** The Update actions moving one task from `from` to `to` (either may be absent). */
export function totalsUpdates(
  table: TaskTable,
  owner: string,
  taskId: string,
  from: TaskStatus | undefined,
  to: TaskStatus | undefined,
) {
  const names: Record<string, string> = {};
  const values: Record<string, number> = {};
  const adds: string[] = [];
  if (from) {
    names['#from'] = from;
    values[':from'] = -1;
    adds.push('#from :from');
  }
  if (to) {
    names['#to'] = to;
    values[':to'] = 1;
    adds.push('#to :to');
  }
  return totalsKeysOf(owner, taskId).map((key) => ({
    Update: {
      TableName: table.name,
      Key: { task_id: key },
      UpdateExpression: `ADD ${adds.join(', ')}`,
      ExpressionAttributeNames: names,
      ExpressionAttributeValues: values,
    },
  }));
}

function sum(items: readonly Record<string, unknown>[]): Totals {
  const totals = Object.fromEntries(STATUSES.map((status) => [status, 0])) as Totals;
  for (const item of items) {
    for (const status of STATUSES) {
      const count = item[status];
      if (typeof count === 'number') totals[status] += count;
    }
  }
  return totals;
}

/**
 * Totals per status of one owner, or of every owner when `owner` is '*' (operators).
 * Callers decide who may ask for what: getTotals in store.ts checks it.
 */
export async function readTotals(table: TaskTable, owner: string): Promise<Totals> {
  const keys =
    owner === '*'
      ? Array.from({ length: TOTALS_SHARDS.all }, (_, shard) => allTotalsKey(shard))
      : Array.from({ length: TOTALS_SHARDS.owner }, (_, shard) => ownerTotalsKey(owner, shard));
  return sum(await batchGetItems(table.db, table.name, 'task_id', keys));
}

/**
 * Uncounts a task that DynamoDB's TTL deleted (a stream record with
 * `userIdentity.principalId = dynamodb.amazonaws.com`, `eventName = REMOVE`, its
 * OldImage unmarshalled). TTL deletes are not made by the store, so no transaction
 * counted them out; a stream consumer calls this once per such record. Items without a
 * status (the counters themselves) are ignored.
 * https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/time-to-live-ttl-streams.html
 */
export async function uncountExpiredTask(
  table: TaskTable,
  oldImage: Record<string, unknown>,
): Promise<void> {
  const { task_id: taskId, status, owner } = oldImage;
  if (typeof taskId !== 'string' || !STATUSES.includes(status as TaskStatus)) return;
  const ownerName = typeof owner === 'string' ? owner : ANONYMOUS_OWNER;
  await Promise.all(
    totalsUpdates(table, ownerName, taskId, status as TaskStatus, undefined).map(({ Update }) =>
      table.db.send(new UpdateCommand(Update)),
    ),
  );
}
