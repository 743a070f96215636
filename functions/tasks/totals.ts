import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
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

/** How a task write moves the totals: the task, out of `from`, into `to` (either may be absent). */
export interface TotalsMove {
  owner: string;
  taskId: string;
  from?: TaskStatus | undefined;
  to?: TaskStatus | undefined;
}

/**
 * The Update actions for `moves` written in one transaction: each counter item (and the
 * semaphore) once, by the net change of each status (a transaction may not name an item
 * twice), and none whose net change is nothing.
 */
export function totalsUpdates(table: TaskTable, moves: readonly TotalsMove[]) {
  const changes = new Map<string, Map<TaskStatus, number>>();
  const change = (key: string, status: TaskStatus | undefined, by: number) => {
    if (!status) return;
    const counts = changes.get(key) ?? new Map<TaskStatus, number>();
    counts.set(status, (counts.get(status) ?? 0) + by);
    changes.set(key, counts);
  };
  let running = 0;
  for (const { owner, taskId, from, to } of moves) {
    for (const key of totalsKeysOf(owner, taskId)) {
      change(key, from, -1);
      change(key, to, 1);
    }
    running += Number(to === 'RUNNING') - Number(from === 'RUNNING');
  }
  const counters = [...changes].flatMap(([key, counts]) => {
    const moved = [...counts].filter(([, by]) => by !== 0);
    if (moved.length === 0) return [];
    return [
      {
        Update: {
          TableName: table.name,
          Key: { task_id: key },
          UpdateExpression: `ADD ${moved.map((_, i) => `#s${i} :s${i}`).join(', ')}`,
          ExpressionAttributeNames: Object.fromEntries(
            moved.map(([status], i) => [`#s${i}`, status]),
          ),
          ExpressionAttributeValues: Object.fromEntries(moved.map(([, by], i) => [`:s${i}`, by])),
        },
      },
    ];
  });
  return [...counters, ...admissionUpdates(table, running)];
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
    totalsUpdates(table, [{ owner: ownerName, taskId, from: status as TaskStatus }]).map(
      ({ Update }) => table.db.send(new UpdateCommand(Update)),
    ),
  );
}

/**
 * The admission semaphore: how many tasks are RUNNING, in one item changed in the SAME
 * transaction as every status change into RUNNING (+1) and out of it (−1, whether the task
 * succeeds, fails, is cancelled or is deleted). A start is conditioned on the count being
 * below the cap (`table.maxRunningTasks`), so the cap holds under any concurrency: two
 * starts racing for the last slot cannot both commit, and a transition whose own condition
 * fails changes no count. A task written RUNNING before the semaphore existed was never
 * counted in; see the README's upgrade note.
 *
 * One item, not split like the totals: a split semaphore would need a cap per part, and a
 * free slot in one part could not admit a task hashed to a full one. One item takes about
 * 500 transactional updates a second, two per task (start and end): about 250 task starts
 * a second, far above what the Work function's reserved concurrency lets run.
 */
export const ADMISSION_KEY = 'admission#running';
const RUNNING = 'running';

/**
 * The semaphore's Update for a net change of `running` tasks: none when nothing enters or
 * leaves RUNNING on balance (a slot handed from an ending task to a starting one), and a
 * start conditioned on a free slot.
 */
function admissionUpdates(table: TaskTable, running: number) {
  if (running === 0) return [];
  const cap = running > 0 ? table.maxRunningTasks : undefined;
  return [
    {
      Update: {
        TableName: table.name,
        Key: { task_id: ADMISSION_KEY },
        UpdateExpression: 'ADD #running :change',
        ExpressionAttributeNames: { '#running': RUNNING },
        ExpressionAttributeValues: {
          ':change': running,
          ...(cap !== undefined && { ':cap': cap - running + 1 }),
        },
        ...(cap !== undefined && {
          ConditionExpression: 'attribute_not_exists(#running) OR #running < :cap',
        }),
      },
    },
  ];
}

/**
 * The oldest waiting tasks as a dispatcher last saw them, kept on the semaphore item with
 * the time it looked: a task that ends hands its slot to the first of them (admission.ts)
 * with one read of this item instead of a query of every shard. Only a hint: each is read
 * before it starts, and one started, cancelled or deleted meanwhile is passed over. Tasks
 * created since are newer than all of them, except one whose write landed after the
 * query although its id was made before (a slow write, or an index that had not caught
 * up): so a hint serves for WAITING_HINT_MAX_AGE_MS, and then the shards are asked again.
 * At most WAITING_HINT_SIZE ids, so the item stays under 1 KB (one write unit).
 */
export const WAITING_HINT_SIZE = 32;
// Long enough that a burst of short tasks queries the shards every few rounds of hand-overs
// rather than every round (ten tasks of a second each end about once a second).
export const WAITING_HINT_MAX_AGE_MS = 3_000;
const WAITING = 'waiting';
const WAITING_SEEN_AT = 'waiting_seen_at';

export interface WaitingHint {
  ids: string[];
  /** When the shards were queried for it (epoch milliseconds). */
  seenAt: number;
}

/** The semaphore as it is now (a strongly consistent read): tasks holding a slot, and the hint. */
export async function readAdmission(
  table: TaskTable,
): Promise<{ running: number; waiting: WaitingHint }> {
  const { Item } = await table.db.send(
    new GetCommand({
      TableName: table.name,
      Key: { task_id: ADMISSION_KEY },
      ConsistentRead: true,
    }),
  );
  const running = Item?.[RUNNING];
  const ids = Item?.[WAITING];
  const seenAt = Item?.[WAITING_SEEN_AT];
  return {
    running: typeof running === 'number' ? running : 0,
    waiting: {
      ids: Array.isArray(ids) ? ids.filter((id): id is string => typeof id === 'string') : [],
      seenAt: typeof seenAt === 'number' ? seenAt : 0,
    },
  };
}

/** The Update that replaces the hint (its ids the oldest first). */
export function waitingHintUpdate(table: TaskTable, { ids, seenAt }: WaitingHint) {
  return {
    Update: {
      TableName: table.name,
      Key: { task_id: ADMISSION_KEY },
      UpdateExpression: 'SET #waiting = :waiting, #seen_at = :seen_at',
      ExpressionAttributeNames: { '#waiting': WAITING, '#seen_at': WAITING_SEEN_AT },
      ExpressionAttributeValues: {
        ':waiting': ids.slice(0, WAITING_HINT_SIZE),
        ':seen_at': seenAt,
      },
    },
  };
}

/**
 * Whether a status change's transaction was cancelled because the semaphore had no free
 * slot. The task's own Update comes first; after it, the semaphore's is the only action
 * with a condition (the totals counters have none), so a failed condition there is it.
 * https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_TransactWriteItems.html
 */
export function refusedForCapacity(error: unknown): boolean {
  return (
    error instanceof TransactionCanceledException &&
    (error.CancellationReasons ?? [])
      .slice(1)
      .some((reason) => reason.Code === 'ConditionalCheckFailed')
  );
}

/**
 * A start was refused because `maxRunningTasks` tasks already hold a slot: the task stays
 * PENDING, to be admitted when a slot frees. Internal, never shown to a client.
 */
export class AtCapacityError extends Error {
  readonly taskId: string;

  constructor(taskId: string) {
    super(`No free slot to start task ${taskId}: as many tasks as may run at once are running`);
    this.name = 'AtCapacityError';
    this.taskId = taskId;
  }
}
