import { setTimeout as wait } from 'node:timers/promises';
import {
  ConditionalCheckFailedException,
  DynamoDBClient,
  type DynamoDBClientConfig,
  TransactionCanceledException,
} from '@aws-sdk/client-dynamodb';
import {
  DynamoDBDocumentClient,
  GetCommand,
  QueryCommand,
  TransactWriteCommand,
  type TransactWriteCommandInput,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { Clock } from '../clock.ts';
import { env } from '../config.ts';
import { traceClient } from '../observability.ts';
import { batchGetItems } from './batch.ts';
import { TaskNotFoundError, TransitionRefusedError, ValidationError } from './errors.ts';
import {
  allShardKeys,
  isOwner,
  nameKey,
  ownerStatusKey,
  shardStatusKey,
  taskKeys,
} from './keys.ts';
import {
  canTransition,
  isFinished,
  isStatus,
  type Task,
  type TaskStatus,
  TRANSITIONS,
  type TransitionName,
} from './model.ts';
import { decodePageCursor, encodePageCursor, type PageScope } from './page-cursor.ts';
import { retriesWithoutQuota } from './retries.ts';
import { ANONYMOUS_OWNER, TABLE_SCHEMA, type TableIndex } from './schema.ts';
import {
  appendEvent,
  isTaskEvents,
  milestoneOf,
  type TaskEvent,
  TRANSITION_EVENTS,
} from './timeline.ts';
import {
  AtCapacityError,
  readTotals,
  refusedForCapacity,
  type Totals,
  type TotalsMove,
  totalsUpdates,
} from './totals.ts';

export type { TaskEvent } from './timeline.ts';
export type { Totals } from './totals.ts';

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
  statusIs: '#status = :seen_status',
  statusIn: (placeholders: string[]) => `#status IN (${placeholders.join(', ')})`,
  ownedBy: '#owner = :owner',
  /** Tasks written before owners existed have none and belong to the anonymous owner. */
  ownedByAnonymous: '(#owner = :owner OR attribute_not_exists(#owner))',
  /** Nobody appended to the timeline since it was read (the store rewrites it whole). */
  timelineUnchanged: '#events_total = :seen_events',
  /** A task written before timelines existed still has none. */
  timelineAbsent: 'attribute_not_exists(#events_total)',
  /** The progress milestone of this write is already in the timeline. */
  milestoneRecorded: '#milestone >= :milestone',
};

/** Attempts of a write that lost a race (condition or transaction conflict) before giving up. */
const MAX_RACE_ATTEMPTS = 8;

/**
 * Who asks. A caller sees and changes only tasks of `owner` (the token's `sub`; the
 * anonymous owner when omitted, as in AUTH=none); `admin` (an operator, or the
 * service's own worker and reconciler) sees every task. Another owner's task behaves
 * exactly as a missing one.
 */
export interface Access {
  owner?: string;
  admin?: boolean;
}

/** The access of the service itself: the worker, the failure recorder and the reconciler. */
export const SERVICE_ACCESS: Access = Object.freeze({ admin: true });

export interface ListQuery {
  status?: TaskStatus;
  limit: number;
  cursor?: string;
  /** Operators only: list this owner's tasks (ignored for other callers, who see their own). */
  owner?: string;
  /** Name prefix, case-insensitive; not combinable with `status`. */
  name?: string;
}

export interface TaskPage {
  tasks: Task[];
  cursor?: string;
}

/** A task with what the store keeps beside the API's view of it. */
export interface TaskRecord {
  task: Task;
  owner: string;
  events: TaskEvent[];
}

/** Changes a transition may make besides the status. */
export type TaskChanges = Partial<Pick<Task, 'progress' | 'result' | 'error' | 'started_at'>>;

/** The tasks table and how long finished tasks are kept; every store function takes it. */
export interface TaskTable {
  db: DynamoDBDocumentClient;
  name: string;
  retentionSeconds: number;
  /**
   * Tasks RUNNING at once at most: a start is refused with AtCapacityError when as many hold
   * a slot (the admission semaphore in totals.ts). Unset, starts are counted but not capped.
   */
  maxRunningTasks?: number;
  /** Waits between retries of a write that lost a race; tests inject one. */
  sleep?: (ms: number) => Promise<unknown>;
}

type Item = Record<string, unknown>;

/*
 * DynamoDB actions per function, for IAM (TransactWriteItems needs no action of its own:
 * each of its Put/Update/Delete is authorized as PutItem/UpdateItem/DeleteItem,
 * https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/transaction-apis-iam.html):
 * - createTask: PutItem, UpdateItem (the totals);
 * - getTask, getTaskOrThrow, getTaskRecord: GetItem;
 * - listTasks: Query on the indexes, BatchGetItem on the table; searchTasks also GetItem;
 * - transitionTask: progress UpdateItem; any other transition GetItem + UpdateItem;
 * - deleteTask: GetItem, DeleteItem, UpdateItem (the totals);
 * - getTotals: BatchGetItem.
 *
 * One function per operation, not a class: a bundle then holds only the operations its
 * handler calls, which is what the IAM check in tests/infra reads to prove each
 * function's grants.
 */

/**
 * Writes a new PENDING task owned by `access.owner`, and counts it in the totals in the
 * same transaction. A second create with the same id throws ConditionalCheckFailedException.
 */
export async function createTask(table: TaskTable, task: Task, access: Access = {}): Promise<void> {
  const owner = ownerOf(access);
  const item: Item = {
    ...task,
    ...taskKeys(owner, task.task_id, task.status, task.name),
    milestone: milestoneOf(task.progress),
    events: [{ at: task.created_at, type: 'created' }] satisfies TaskEvent[],
    events_total: 1,
  };
  // Another transaction held a counter item: the task was not written, try again.
  await retryLostRaces(table, async () => {
    try {
      await writeWithTotals(
        table,
        [{ Put: { TableName: table.name, Item: item, ConditionExpression: CONDITIONS.isNew } }],
        [{ owner, taskId: task.task_id, to: task.status }],
      );
    } catch (error) {
      if (reasonOf(error, 0) === 'ConditionalCheckFailed') {
        throw new ConditionalCheckFailedException({
          message: `Task ${task.task_id} already exists`,
          $metadata: {},
        });
      }
      throw error;
    }
  });
}

/**
 * The task, or undefined if it does not exist or `access` may not see it. Without
 * `access` there is no owner check: the worker reads any task.
 */
export async function getTask(
  table: TaskTable,
  taskId: string,
  access?: Access,
): Promise<Task | undefined> {
  return (await getTaskRecord(table, taskId, access ?? SERVICE_ACCESS))?.task;
}

export async function getTaskOrThrow(
  table: TaskTable,
  taskId: string,
  access: Access = {},
): Promise<Task> {
  const task = await getTask(table, taskId, access);
  if (!task) throw new TaskNotFoundError(taskId);
  return task;
}

/** The task with its owner and timeline (the task page), if `access` may see it. */
export async function getTaskRecord(
  table: TaskTable,
  taskId: string,
  access: Access = {},
): Promise<TaskRecord | undefined> {
  const item = await readItem(table, taskId);
  return item && visibleTo(item, access) ? toRecord(item) : undefined;
}

/**
 * Newest first (or by name for a search), from KEYS_ONLY indexes, then the items with
 * BatchGetItem: the cost follows the page size, never the table size, and no list reads
 * a partition shared by every task. An operator's view of every owner queries each
 * shard for `limit + 1` keys and merges them (scatter-gather).
 */
export async function listTasks(
  table: TaskTable,
  query: ListQuery,
  access: Access = {},
): Promise<TaskPage> {
  const owner = access.admin ? ownerFilter(query.owner) : ownerOf(access);
  const search = searchPrefix(query.name);
  if (search !== undefined && query.status) {
    throw new ValidationError(
      'A name search cannot be combined with a status filter',
      'invalid_query',
    );
  }
  const scope: PageScope = {
    owner,
    ...(query.status && { status: query.status }),
    ...(search !== undefined && { search }),
  };
  const after = query.cursor ? decodePageCursor(query.cursor, scope) : undefined;
  // The scope tag is no secret: a hand-made cursor must still start inside the search's
  // range, or the key condition would be invalid (a 500 instead of a 400).
  if (after !== undefined && search !== undefined && !after.startsWith(search)) {
    throw new ValidationError('Invalid cursor', 'invalid_cursor');
  }
  const { index, partitions } = indexFor(owner, query.status, search !== undefined);
  const keys = await mergedKeys(table, index, partitions, {
    limit: query.limit,
    after,
    ...(search !== undefined && { prefix: search }),
  });
  const shown = keys.slice(0, query.limit);
  const items = await batchGetItems(
    table.db,
    table.name,
    TABLE_SCHEMA.partitionKey,
    shown.map((key) => key.taskId),
  );
  // The index is eventually consistent: a task that changed status since it was indexed,
  // or a foreign item, is left out rather than shown under the wrong filter.
  const tasks = items
    .filter((item) => visibleTo(item, access) && (owner === '*' || ownerOfItem(item) === owner))
    .filter((item) => !query.status || item.status === query.status)
    .map(toTask);
  const last = shown.at(-1);
  return keys.length > query.limit && last
    ? { tasks, cursor: encodePageCursor(scope, last.sort) }
    : { tasks };
}

/** The normalized name prefix of a search; none for a blank one. */
function searchPrefix(name: string | undefined): string | undefined {
  if (name === undefined) return undefined;
  const prefix = nameKey(name);
  // A sort key holds at most 1,024 bytes; no stored name key comes near half of it.
  if (Buffer.byteLength(prefix) > 512) {
    throw new ValidationError('The name to search for is too long', 'invalid_query');
  }
  return prefix === '' ? undefined : prefix;
}

/**
 * Search as the API offers it: an exact task id (a GetItem with the owner check) or a
 * case-insensitive name prefix (an index query, paged like the list).
 */
export async function searchTasks(
  table: TaskTable,
  query: { text: string; limit: number; cursor?: string; owner?: string },
  access: Access = {},
): Promise<TaskPage> {
  if (/^[0-9A-HJKMNP-TV-Z]{26}$/i.test(query.text) && !query.cursor) {
    const task = await getTask(table, query.text.toUpperCase(), access);
    if (task) return { tasks: [task] };
  }
  const { text, ...rest } = query;
  return listTasks(table, { ...rest, name: text }, access);
}

/** Totals per status of the caller; an operator gets every owner's, or `owner`'s. */
export async function getTotals(
  table: TaskTable,
  access: Access = {},
  filter: { owner?: string } = {},
): Promise<Totals> {
  return readTotals(table, access.admin ? ownerFilter(filter.owner) : ownerOf(access));
}

/**
 * Applies a transition with a write conditioned on the task existing, belonging to the
 * caller and being in a state the transition may leave. Refused writes throw
 * TransitionRefusedError carrying the task as it is now (or nothing if it was deleted
 * or belongs to someone else).
 *
 * A progress write is one UpdateItem of the item alone (1 write unit up to 1 KB, no
 * index). A status change reads the task (1 read unit) to learn the status it leaves,
 * its owner and its timeline, then writes the task and both totals counters in one
 * transaction, conditioned on what it read; a lost race reads again and retries.
 */
export async function transitionTask(
  table: TaskTable,
  taskId: string,
  name: TransitionName,
  changes: TaskChanges,
  now: Date,
  access: Access = {},
): Promise<Task> {
  if (name === 'progress') return writeProgress(table, taskId, changes, now, access);
  return retryLostRaces(table, async () => {
    const item = await readItem(table, taskId);
    const planned = planTransition(table, taskId, item, name, changes, now, access);
    try {
      await writeWithTotals(table, [planned.action], [planned.move]);
    } catch (error) {
      // Checked before the retry: a full semaphore is no lost race, and retrying cannot help.
      if (refusedForCapacity(error)) throw new AtCapacityError(taskId);
      throw error;
    }
    return planned.task;
  });
}

/** A status change ready to write: the task's Update, how it moves the totals, the task after it. */
interface PlannedTransition {
  action: TransactAction;
  move: TotalsMove;
  task: Task;
}

/**
 * The write of transition `name` of `item` as read, conditioned on it being unchanged
 * since; throws TransitionRefusedError when `access` may not see it or its status may
 * not make the transition.
 */
function planTransition(
  table: TaskTable,
  taskId: string,
  item: Item | undefined,
  name: Exclude<TransitionName, 'progress'>,
  changes: TaskChanges,
  now: Date,
  access: Access,
): PlannedTransition {
  if (!item || !visibleTo(item, access)) throw new TransitionRefusedError(taskId, undefined);
  const from = item.status as TaskStatus;
  if (!canTransition(from, name)) throw new TransitionRefusedError(taskId, toTask(item));
  const to = TRANSITIONS[name].to;
  const set: Item = { ...changes, status: to, updated_at: now.toISOString() };
  if (isFinished(to)) {
    set.finished_at = now.toISOString();
    set.expires_at = Math.floor(now.getTime() / 1000) + table.retentionSeconds;
  }
  // Keys derived again, not read, so an item written before this schema gets them too.
  const owner = ownerOfItem(item);
  Object.assign(set, taskKeys(owner, taskId, to, typeof item.name === 'string' ? item.name : null));
  const event: TaskEvent = { at: now.toISOString(), type: TRANSITION_EVENTS[name] };
  set.events = appendEvent(eventsOf(item), event);
  set.events_total = eventsTotalOf(item) + 1;
  const update = updateParts(set);
  update.names['#status'] = 'status';
  update.values[':seen_status'] = from;
  const conditions = [
    CONDITIONS.exists,
    CONDITIONS.statusIs,
    timelineClause(update, item),
    unchangedClause(update, item),
  ];
  if (!access.admin) conditions.push(ownedByClause(update, owner));
  return {
    action: { Update: taskUpdate(table, taskId, update, conditions) },
    move: { owner, taskId, from: counted(item) ? from : undefined, to },
    task: toTask({ ...item, ...set }),
  };
}

/**
 * Ends RUNNING task `ending` (succeed or fail) and starts the first of `candidates` still
 * PENDING, in one transaction: the slot passes from one to the other, so the semaphore
 * does not change and no other dispatcher can take the slot in between. A candidate
 * started, cancelled or deleted by someone else (before or during the attempt) is passed
 * over for the next; a start's time is taken when its candidate is read. `also(next, passedOver)` adds actions to the transaction (they must
 * not name either task, a counter or the semaphore's count). Undefined, with nothing
 * written, when no candidate could start; TransitionRefusedError when `ending` no longer
 * runs.
 */
export async function handOverSlot(
  table: TaskTable,
  ending: { taskId: string; name: 'succeed' | 'fail'; changes: TaskChanges; at: Date },
  candidates: readonly string[],
  clock: Clock,
  also: (nextId: string, passedOver: readonly string[]) => TransactAction[] = () => [],
): Promise<{ ended: Task; started: Task } | undefined> {
  const passedOver: string[] = [];
  let endingItem = await readItem(table, ending.taskId);
  // A task stored before the counts existed holds no counted slot to hand over.
  if (endingItem && !counted(endingItem)) return undefined;
  for (const nextId of candidates) {
    for (let attempt = 0; ; attempt++) {
      const { taskId, name, changes, at } = ending;
      const end = planTransition(table, taskId, endingItem, name, changes, at, SERVICE_ACCESS);
      const nextItem = await readItem(table, nextId);
      // Taken once the candidate is read: a racing hand-over that lost it starts the
      // next one later, so start times keep the tasks' order.
      const now = clock.now();
      if (nextItem?.status !== 'PENDING') {
        passedOver.push(nextId);
        break;
      }
      const start = planTransition(
        table,
        nextId,
        nextItem,
        'start',
        { started_at: now.toISOString() },
        now,
        SERVICE_ACCESS,
      );
      try {
        const actions = [end.action, start.action, ...also(nextId, passedOver)];
        await writeWithTotals(table, actions, [end.move, start.move]);
        return { ended: end.task, started: start.task };
      } catch (error) {
        if (reasonOf(error, 0) === 'None' && reasonOf(error, 1) === 'ConditionalCheckFailed') {
          passedOver.push(nextId);
          break;
        }
        if (!lostRace(error) || attempt + 1 >= MAX_RACE_ATTEMPTS) throw error;
        await backoff(table, attempt);
        endingItem = await readItem(table, taskId);
      }
    }
  }
  return undefined;
}

/**
 * Saves progress: SET progress (and the partial result) conditioned on RUNNING, on the
 * owner, and on the timeline already holding this progress's milestone. Only when a
 * milestone (25/50/75 %) is first crossed does that condition fail; the refusal returns
 * the item (ReturnValuesOnConditionCheckFailure), and the write is made again with the
 * milestone appended to the timeline. That costs one refused write per milestone,
 * three per task, instead of a read before every progress write.
 */
async function writeProgress(
  table: TaskTable,
  taskId: string,
  changes: TaskChanges,
  now: Date,
  access: Access,
): Promise<Task> {
  const progress = changes.progress ?? 0;
  const milestone = milestoneOf(progress);
  let seen: Item | undefined;
  for (let attempt = 0; ; attempt++) {
    const set: Item = { ...changes, updated_at: now.toISOString() };
    if (seen) {
      set.milestone = milestone;
      set.events = appendEvent(eventsOf(seen), {
        at: now.toISOString(),
        type: 'progress',
        progress: milestone,
      });
      set.events_total = eventsTotalOf(seen) + 1;
    }
    const update = updateParts(set);
    update.names['#status'] = 'status';
    update.values[':running'] = 'RUNNING';
    const conditions = [CONDITIONS.exists, CONDITIONS.statusIn([':running'])];
    if (!access.admin) conditions.push(ownedByClause(update, ownerOf(access)));
    if (seen) {
      conditions.push(timelineClause(update, seen));
    } else if (milestone > 0) {
      update.names['#milestone'] = 'milestone';
      update.values[':milestone'] = milestone;
      conditions.push(CONDITIONS.milestoneRecorded);
    }
    try {
      const { Attributes } = await table.db.send(
        new UpdateCommand({
          ...taskUpdate(table, taskId, update, conditions),
          ReturnValues: 'ALL_NEW',
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
      return toTask(Attributes ?? {});
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
      const current = error.Item ? unmarshall(error.Item) : undefined;
      if (!current || !visibleTo(current, access))
        throw new TransitionRefusedError(taskId, undefined);
      const behind = Number(current.milestone ?? 0) < milestone;
      if (current.status !== 'RUNNING' || !behind || attempt + 1 >= MAX_RACE_ATTEMPTS) {
        throw new TransitionRefusedError(taskId, toTask(current));
      }
      seen = current;
    }
  }
}

/** Removes a task and uncounts it from the totals; returns it as it was. */
export async function deleteTask(
  table: TaskTable,
  taskId: string,
  access: Access = {},
): Promise<Task> {
  return retryLostRaces(table, async () => {
    const item = await readItem(table, taskId);
    if (!item || !visibleTo(item, access)) throw new TaskNotFoundError(taskId);
    const status = item.status as TaskStatus;
    const names: Record<string, string> = { '#status': 'status' };
    const values: Item = { ':seen_status': status };
    const conditions = [CONDITIONS.exists, CONDITIONS.statusIs];
    if (!access.admin) conditions.push(ownedByClause({ names, values }, ownerOfItem(item)));
    const remove: TransactAction = {
      Delete: {
        TableName: table.name,
        Key: { task_id: taskId },
        ConditionExpression: conditions.join(' AND '),
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: values,
      },
    };
    const moves = counted(item) ? [{ owner: ownerOfItem(item), taskId, from: status }] : [];
    await writeWithTotals(table, [remove], moves);
    return toTask(item);
  });
}

/** One action of a TransactWriteItems request. */
export type TransactAction = NonNullable<TransactWriteCommandInput['TransactItems']>[number];

/**
 * Writes the tasks (`actions`) and moves the totals counters in one transaction, so the
 * counters change only when every task write's condition holds. A task written before
 * totals existed is not counted: its move has no `from`.
 */
export async function writeWithTotals(
  table: TaskTable,
  actions: TransactAction[],
  moves: TotalsMove[],
): Promise<void> {
  await table.db.send(
    new TransactWriteCommand({ TransactItems: [...actions, ...totalsUpdates(table, moves)] }),
  );
}

/**
 * Runs `write` until it does not lose a race (lostRace), waiting a backoff between
 * attempts, at most MAX_RACE_ATTEMPTS in all. A write that reads first reads again.
 */
async function retryLostRaces<T>(table: TaskTable, write: () => Promise<T>): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await write();
    } catch (error) {
      if (!lostRace(error) || attempt + 1 >= MAX_RACE_ATTEMPTS) throw error;
      await backoff(table, attempt);
    }
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

function ownerOf(access: Access): string {
  return access.owner ?? ANONYMOUS_OWNER;
}

/** An operator's `?owner=` filter: one owner, or '*' (every owner) when absent. */
function ownerFilter(owner: string | undefined): string {
  if (owner === undefined) return '*';
  if (!isOwner(owner)) throw new ValidationError('Invalid owner filter', 'invalid_owner');
  return owner;
}

/** The owner of a task item; items written before owners existed belong to the anonymous owner. */
function ownerOfItem(item: Item): string {
  return typeof item.owner === 'string' ? item.owner : ANONYMOUS_OWNER;
}

/**
 * Whether the totals count this task: every task written by this store is; one written
 * before totals existed (no `shard` key) is not, until migrateLegacyTasks or its first
 * status change keys it, so its old status is never uncounted.
 */
function counted(item: Item): boolean {
  return typeof item.shard === 'string';
}

/** A task item (not a totals counter: those have no status) that `access` may see. */
function visibleTo(item: Item, access: Access): boolean {
  return isStatus(item.status) && (access.admin === true || ownerOfItem(item) === ownerOf(access));
}

async function readItem(table: TaskTable, taskId: string): Promise<Item | undefined> {
  const { Item } = await table.db.send(
    new GetCommand({ TableName: table.name, Key: { task_id: taskId }, ConsistentRead: true }),
  );
  return Item;
}

/** Which index serves a list, and the partitions to query in it. */
function indexFor(
  owner: string,
  status: TaskStatus | undefined,
  byName: boolean,
): { index: TableIndex; partitions: string[] } {
  const { indexes } = TABLE_SCHEMA;
  if (owner !== '*') {
    if (byName) return { index: indexes.byOwnerName, partitions: [owner] };
    return status
      ? { index: indexes.byOwnerStatus, partitions: [ownerStatusKey(owner, status)] }
      : { index: indexes.byOwner, partitions: [owner] };
  }
  const shards = allShardKeys();
  if (byName) return { index: indexes.byShardName, partitions: shards };
  return status
    ? { index: indexes.byShardStatus, partitions: shards.map((s) => shardStatusKey(s, status)) }
    : { index: indexes.byShard, partitions: shards };
}

interface IndexKey {
  taskId: string;
  sort: string;
}

/**
 * The first `limit + 1` keys after `after` across `partitions`, merged in the index's
 * order: newest first by task id, or by name ascending for a search. Each partition
 * is asked for `limit + 1`, so the merge always knows whether a next page exists.
 */
async function mergedKeys(
  table: TaskTable,
  index: TableIndex,
  partitions: readonly string[],
  { limit, after, prefix }: { limit: number; after?: string | undefined; prefix?: string },
): Promise<IndexKey[]> {
  const byName = prefix !== undefined;
  const pages = await Promise.all(
    partitions.map(async (partition) => {
      const values: Item = { ':pk': partition };
      let condition: string;
      if (byName) {
        // begins_with as a range, so a cursor can start inside it: every string that
        // begins with the prefix sorts between it and the prefix + U+10FFFF (UTF-8 byte
        // order, which is how DynamoDB compares strings).
        values[':from'] = after ?? prefix;
        values[':to'] = `${prefix}\u{10FFFF}`;
        condition = '#pk = :pk AND #sk BETWEEN :from AND :to';
      } else if (after) {
        values[':after'] = after;
        condition = '#pk = :pk AND #sk < :after';
      } else {
        condition = '#pk = :pk';
      }
      const names: Record<string, string> = { '#pk': index.partitionKey };
      if (condition.includes('#sk')) names['#sk'] = index.sortKey;
      const { Items = [] } = await table.db.send(
        new QueryCommand({
          TableName: table.name,
          IndexName: index.name,
          KeyConditionExpression: condition,
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
          ScanIndexForward: byName,
          // BETWEEN includes the cursor's own key: one more to make up for it.
          Limit: limit + (byName && after ? 2 : 1),
        }),
      );
      return Items.map((item) => ({
        taskId: String(item[TABLE_SCHEMA.partitionKey]),
        sort: String(item[index.sortKey]),
      })).filter((key) => key.sort !== after);
    }),
  );
  const merged = pages.flat();
  merged.sort((a, b) => (a.sort < b.sort ? -1 : a.sort > b.sort ? 1 : 0) * (byName ? 1 : -1));
  return merged.slice(0, limit + 1);
}

export interface UpdateParts {
  expression: string;
  names: Record<string, string>;
  values: Item;
}

/** SET of every defined field of `set`, each by its own name and value placeholder. */
export function updateParts(set: Item): UpdateParts {
  const names: Record<string, string> = {};
  const values: Item = {};
  const assignments = Object.entries(set)
    .filter(([, value]) => value !== undefined)
    .map(([field, value]) => {
      names[`#${field}`] = field;
      values[`:${field}`] = value;
      return `#${field} = :${field}`;
    });
  return { expression: `SET ${assignments.join(', ')}`, names, values };
}

/** An UpdateItem of the task: `update`, if every one of `conditions` holds. */
export function taskUpdate(
  table: TaskTable,
  taskId: string,
  update: UpdateParts,
  conditions: string[],
) {
  return {
    TableName: table.name,
    Key: { task_id: taskId },
    UpdateExpression: update.expression,
    ConditionExpression: conditions.join(' AND '),
    ExpressionAttributeNames: update.names,
    ExpressionAttributeValues: update.values,
  };
}

function ownedByClause(
  update: { names: Record<string, string>; values: Item },
  owner: string,
): string {
  update.names['#owner'] = 'owner';
  update.values[':owner'] = owner;
  return owner === ANONYMOUS_OWNER ? CONDITIONS.ownedByAnonymous : CONDITIONS.ownedBy;
}

/** The condition that nobody appended to `item`'s timeline since it was read. */
function timelineClause(update: UpdateParts, item: Item): string {
  update.names['#events_total'] = 'events_total';
  if (typeof item.events_total !== 'number') return CONDITIONS.timelineAbsent;
  update.values[':seen_events'] = item.events_total;
  return CONDITIONS.timelineUnchanged;
}

/**
 * The item is still as read: no progress write came in between. Without it, a transition
 * racing a progress write would answer with the progress it read, not the one it kept.
 */
function unchangedClause(update: UpdateParts, item: Item): string {
  update.names['#updated_at'] = 'updated_at';
  update.values[':seen_updated_at'] = item.updated_at;
  return '#updated_at = :seen_updated_at';
}

function eventsOf(item: Item): TaskEvent[] {
  return isTaskEvents(item.events) ? item.events : [];
}

function eventsTotalOf(item: Item): number {
  return typeof item.events_total === 'number' ? item.events_total : eventsOf(item).length;
}

/** The code of a cancelled transaction's action `index` (ConditionalCheckFailed, TransactionConflict…). */
function reasonOf(error: unknown, index: number): string | undefined {
  return error instanceof TransactionCanceledException
    ? (error.CancellationReasons?.[index]?.Code ?? undefined)
    : undefined;
}

/**
 * A transaction cancelled because a condition no longer held or another transaction
 * held one of its items (every change of one owner's tasks writes that owner's
 * counter): read again and retry.
 * https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_TransactWriteItems.html
 */
function lostRace(error: unknown): boolean {
  return (
    error instanceof TransactionCanceledException &&
    (error.CancellationReasons ?? []).some(
      (reason) => reason.Code === 'ConditionalCheckFailed' || reason.Code === 'TransactionConflict',
    )
  );
}

/** Full jitter, 10 ms doubling, so racing writers spread out. */
async function backoff(table: TaskTable, attempt: number): Promise<void> {
  const ms = Math.random() * Math.min(10 * 2 ** attempt, 500);
  await (table.sleep ?? wait)(ms);
}

function toRecord(item: Item): TaskRecord {
  return { task: toTask(item), owner: ownerOfItem(item), events: eventsOf(item) };
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
  traceClient(client);
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
