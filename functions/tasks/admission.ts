import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { type Clock, systemClock } from '../clock.ts';
import { env } from '../config.ts';
import { logger } from '../logger.ts';
import { recordStarted } from '../observability.ts';
import { TransitionRefusedError } from './errors.ts';
import { allShardKeys, shardStatusKey } from './keys.ts';
import { startExecution, type TaskWorkflow, workflowFromEnvironment } from './launcher.ts';
import type { Task } from './model.ts';
import { SHARDS, TABLE_SCHEMA } from './schema.ts';
import {
  handOverSlot,
  SERVICE_ACCESS,
  type TaskChanges,
  type TaskTable,
  tableFromEnvironment,
  transitionTask,
} from './store.ts';
import {
  AtCapacityError,
  readAdmission,
  WAITING_HINT_MAX_AGE_MS,
  waitingHintUpdate,
} from './totals.ts';

/**
 * Admission: at most `maxRunningTasks` tasks RUNNING at once; the others wait PENDING, with
 * no workflow execution, and start oldest first as slots free. None fails for lack of
 * capacity.
 *
 * The cap is the semaphore in totals.ts, changed in the same transaction as every status
 * change into and out of RUNNING, so it is exact by construction. This dispatcher fills free
 * slots: it reads the count, queries the oldest PENDING tasks (the by-shard-status index,
 * scatter-gather over the shards, merged by id: ULIDs sort by creation), and for each one
 * makes the start transition (refused once no slot is free) and then starts its execution,
 * named by the task id as before. Dispatchers may run concurrently anywhere: two racing for
 * a task see one start refused (it is RUNNING already), two racing for a slot see one
 * refused by the semaphore. It runs after each create, after each task leaves RUNNING
 * (the Work function, RecordFailure, cancel, delete) and in every reconciler sweep.
 * A crash between the start transition and StartExecution leaves a RUNNING task with no
 * execution, which the reconciler starts.
 *
 * Why not an AWS limit alone: the Work function's reserved concurrency caps what running
 * tasks take from the account (the stack sets it to maxRunningTasks), but executions beyond
 * it would only retry their throttled invocations, in no order, spending state transitions,
 * until their retries ran out and they failed. A queue (SQS with a maximum concurrency) would
 * add a second place that holds a task's state and keep no creation order. The semaphore
 * needs no new service, is exact because it moves with the status, costs one small update
 * per start and end, and the order comes from an index the service already has.
 */
export interface Admission {
  table: TaskTable;
  workflow: TaskWorkflow;
  clock: Clock;
  /** Tasks RUNNING at once at most (MAX_RUNNING_TASKS). */
  maxRunningTasks: number;
}

/** What a deployed function that admits tasks is given: its table, workflow and cap. */
export function admissionFromEnvironment(): Admission {
  return {
    table: tableFromEnvironment(),
    workflow: workflowFromEnvironment(),
    clock: systemClock,
    maxRunningTasks: env.maxRunningTasks(),
  };
}

export interface Admitted {
  /** Tasks moved to RUNNING whose execution started. */
  started: Task[];
  /** Tasks moved to RUNNING whose execution did not start; the reconciler starts it. */
  unstarted: { task: Task; error: unknown }[];
}

/** PENDING tasks asked for per shard and round; more rounds follow while slots stay free. */
const PAGE = 100;
const MAX_ROUNDS = 5;

/**
 * Fills free slots with the oldest PENDING tasks. The candidates are tried oldest first,
 * as many at once as slots are free; one started elsewhere meanwhile is passed over for
 * the next, and a refusal by the semaphore ends the dispatch (no slot is left). Each
 * start takes its start time before its first call, so start times follow the tasks'
 * order. `include` names a task known to be PENDING that the index may not show yet (it
 * is eventually consistent): a create passes its own task, and then admits that task
 * alone if fewer than `free` older ones wait, or else the oldest.
 */
export async function admitWaitingTasks(
  deps: Admission,
  { include }: { include?: string } = {},
): Promise<Admitted> {
  const admitted: Admitted = { started: [], unstarted: [] };
  for (let round = 0; round < MAX_ROUNDS; round++) {
    const { running } = await readAdmission(deps.table);
    let free = deps.maxRunningTasks - running;
    if (free <= 0) break;
    const { ids, more } = await oldestPending(deps.table, Math.min(free, PAGE));
    let candidates = ids;
    if (include !== undefined) {
      // A create whose task is among the `free` oldest waiting starts it alone: the
      // older ones are their own creates' (or whoever freed the slots) to start, and
      // racing them for the same tasks would only cost refused writes. Otherwise it
      // starts the oldest. Its own counts only where no unseen older one can be: within
      // what the shards returned.
      const seen = !more || include <= (ids.at(-1) ?? '');
      const order = [...new Set(seen ? [...ids, include] : ids)].sort();
      const rank = order.indexOf(include);
      candidates = rank >= 0 && rank < free ? [include] : order.slice(0, free);
    }
    let full = false;
    while (candidates.length > 0 && free > 0 && !full) {
      const outcomes = await Promise.all(
        candidates.splice(0, free).map((taskId) => admit(deps, taskId)),
      );
      for (const outcome of outcomes) {
        if (outcome === 'full') full = true;
        if (typeof outcome === 'string') continue;
        free--;
        if (outcome.started) admitted.started.push(outcome.task);
        else admitted.unstarted.push({ task: outcome.task, error: outcome.error });
      }
    }
    if (full || free <= 0 || !more || include !== undefined) break;
  }
  return admitted;
}

type Outcome =
  | 'full'
  | 'gone'
  | { started: true; task: Task }
  | { started: false; task: Task; error: unknown };

/** The start transition, conditioned on a free slot, then the task's execution. */
async function admit(
  { table, workflow, clock, maxRunningTasks }: Admission,
  taskId: string,
): Promise<Outcome> {
  const now = clock.now();
  let task: Task;
  try {
    task = await transitionTask(
      { ...table, maxRunningTasks },
      taskId,
      'start',
      { started_at: now.toISOString() },
      now,
      SERVICE_ACCESS,
    );
  } catch (error) {
    if (error instanceof AtCapacityError) return 'full';
    // Started by another dispatcher, cancelled or deleted since the index was read.
    if (error instanceof TransitionRefusedError) return 'gone';
    throw error;
  }
  return launch(workflow, task);
}

/** Starts the execution of a task just moved to RUNNING; if it fails, the reconciler will. */
async function launch(
  workflow: TaskWorkflow,
  task: Task,
  logged: Record<string, string> = {},
): Promise<Exclude<Outcome, string>> {
  recordStarted(task);
  logger.info('Task started', { task_id: task.task_id, ...logged });
  try {
    await startExecution(workflow, task.task_id);
    return { started: true, task };
  } catch (error) {
    logger.warn('The execution of an admitted task did not start; the reconciler starts it', {
      task_id: task.task_id,
      error: error as Error,
    });
    return { started: false, task, error };
  }
}

/**
 * The ids of the oldest PENDING tasks, oldest first: up to `limit` from each shard's
 * partition of by-shard-status, merged, and cut where a shard that returned a full page
 * may hold older ones than the rest. `more` when a shard may hold further ones.
 */
async function oldestPending(
  table: TaskTable,
  limit: number,
  shardsAtOnce = SHARDS,
): Promise<{ ids: string[]; more: boolean }> {
  const shards = allShardKeys();
  const pages: string[][] = [];
  for (let first = 0; first < SHARDS; first += shardsAtOnce) {
    const group = shards.slice(first, first + shardsAtOnce);
    pages.push(...(await Promise.all(group.map((shard) => pendingOf(table, shard, limit)))));
  }
  const ends = pages.filter((page) => page.length === limit).map((page) => page.at(-1) ?? '');
  const cut = ends.sort()[0];
  const ids = pages.flat().sort();
  return {
    ids: cut === undefined ? ids : ids.filter((id) => id <= cut),
    more: cut !== undefined,
  };
}

/** The ids of a shard's oldest PENDING tasks, oldest first, `limit` at most. */
async function pendingOf(table: TaskTable, shard: string, limit: number): Promise<string[]> {
  const index = TABLE_SCHEMA.indexes.byShardStatus;
  const { Items = [] } = await table.db.send(
    new QueryCommand({
      TableName: table.name,
      IndexName: index.name,
      KeyConditionExpression: '#pk = :pk',
      ExpressionAttributeNames: { '#pk': index.partitionKey },
      ExpressionAttributeValues: { ':pk': shardStatusKey(shard, 'PENDING') },
      ScanIndexForward: true,
      Limit: limit,
    }),
  );
  return Items.map((item) => String(item[TABLE_SCHEMA.partitionKey]));
}

/**
 * PENDING tasks asked for per shard when a task ends and the waiting hint is empty or old:
 * enough that the merged oldest (cut where a full page ends) usually fill the hint.
 */
const HANDOVER_PAGE = 8;
/**
 * Shards an ending task queries at once: a few, as it is in no client's path and sixteen
 * queries at once would queue the reads clients wait for behind them (in DynamoDB Local,
 * one process, that is most of a burst's status latency).
 */
const HANDOVER_SHARDS_AT_ONCE = 4;

/**
 * Ends a RUNNING task (succeed or fail) and starts the oldest waiting one in the same
 * transaction (handOverSlot), then that task's execution. With a burst waiting this keeps
 * every slot taken: no create or other dispatcher sees a slot free in between and races
 * for it. The oldest waiting tasks come from the semaphore's hint (one read; the hand-off
 * writes it back without the started task), or, when it has run out or is older than
 * WAITING_HINT_MAX_AGE_MS, from the shards, whose oldest become the new hint. With none
 * waiting (or each candidate started elsewhere first), the task ends on its own
 * (`handedOver` false), and the caller then offers its slot to whatever waits by then
 * (admitAfterRelease), so a task created meanwhile is never left waiting. Throws
 * TransitionRefusedError when the task no longer runs (cancelled or deleted meanwhile).
 */
export async function endTaskAndAdmitNext(
  deps: Admission,
  taskId: string,
  name: 'succeed' | 'fail',
  changes: TaskChanges,
): Promise<{ ended: Task; handedOver: boolean }> {
  const { table } = deps;
  const now = deps.clock.now();
  const ending = { taskId, name, changes, at: now };
  const { running, waiting } = await readAdmission(table);
  // With a slot free, no task waits for one (but for a moment): end and offer the slot.
  const full = running >= deps.maxRunningTasks;
  const fresh = now.getTime() - waiting.seenAt < WAITING_HINT_MAX_AGE_MS;
  for (const hint of full ? [fresh ? waiting : undefined, undefined] : []) {
    const { ids: candidates, seenAt } = hint ?? {
      ids: (await oldestPending(table, HANDOVER_PAGE, HANDOVER_SHARDS_AT_ONCE)).ids,
      seenAt: deps.clock.now().getTime(),
    };
    if (candidates.length === 0) continue;
    const handed = await handOverSlot(
      table,
      ending,
      candidates,
      deps.clock,
      (nextId, passedOver) => [
        waitingHintUpdate(table, {
          ids: candidates.filter((id) => id !== nextId && !passedOver.includes(id)),
          seenAt,
        }),
      ],
    );
    if (!handed) continue;
    await launch(deps.workflow, handed.started, { after: taskId });
    return { ended: handed.ended, handedOver: true };
  }
  const ended = await transitionTask(table, taskId, name, changes, now, SERVICE_ACCESS);
  return { ended, handedOver: false };
}

/** Dispatches after a task left RUNNING; a failure only delays admission until the next sweep. */
export async function admitAfterRelease(deps: Admission): Promise<void> {
  try {
    await admitWaitingTasks(deps);
  } catch (error) {
    logger.warn('Could not admit waiting tasks; the reconciler will', { error: error as Error });
  }
}
