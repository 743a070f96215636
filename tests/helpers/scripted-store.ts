import {
  BatchGetCommand,
  DeleteCommand,
  GetCommand,
  PutCommand,
  QueryCommand,
  TransactWriteCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import type { AwsStub } from 'aws-sdk-client-mock';
import { taskKeys } from '../../functions/tasks/keys.ts';
import type { Task } from '../../functions/tasks/model.ts';
import { ANONYMOUS_OWNER } from '../../functions/tasks/schema.ts';
import { milestoneOf } from '../../functions/tasks/timeline.ts';
import { totalsKeysOf } from '../../functions/tasks/totals.ts';
import { type CommandInput, memoryTable } from './memory-table.ts';

// biome-ignore lint/suspicious/noExplicitAny: the stub of any document client
type DocumentStub = AwsStub<any, any, any>;

/** A task as the store keeps it: its index keys, milestone and timeline beside the API's fields. */
export function storedItem(task: Task, owner = ANONYMOUS_OWNER): Record<string, unknown> {
  return {
    ...task,
    ...taskKeys(owner, task.task_id, task.status, task.name),
    milestone: milestoneOf(task.progress),
    events: [{ at: task.created_at, type: 'created' }],
    events_total: 1,
  };
}

/** The totals counters as the creates and transitions of `tasks` left them. */
function totalsItems(tasks: readonly Task[], owner: string): Record<string, unknown>[] {
  const counters = new Map<string, Record<string, unknown>>();
  for (const task of tasks) {
    for (const key of totalsKeysOf(owner, task.task_id)) {
      const counter = counters.get(key) ?? { task_id: key };
      counter[task.status] = ((counter[task.status] as number | undefined) ?? 0) + 1;
      counters.set(key, counter);
    }
  }
  return [...counters.values()];
}

/**
 * Makes a mocked document client answer every store command (Get, BatchGet, Query,
 * TransactWrite, Update…) from an in-memory table holding `tasks`, owned by `owner`, and
 * the totals counters that count them.
 * Tests still read what was sent with `db.commandCalls(…)`, and may script a single
 * command differently afterwards with `db.on(…)`.
 */
export function scriptStore(db: DocumentStub, tasks: readonly Task[], owner = ANONYMOUS_OWNER) {
  const memory = memoryTable([
    ...tasks.map((task) => storedItem(task, owner)),
    ...totalsItems(tasks, owner),
  ]);
  const answer = (name: string) => async (input: unknown) =>
    memory.run(name, input as CommandInput);
  db.on(GetCommand).callsFake(answer('GetCommand'));
  db.on(PutCommand).callsFake(answer('PutCommand'));
  db.on(UpdateCommand).callsFake(answer('UpdateCommand'));
  db.on(DeleteCommand).callsFake(answer('DeleteCommand'));
  db.on(TransactWriteCommand).callsFake(answer('TransactWriteCommand'));
  db.on(BatchGetCommand).callsFake(answer('BatchGetCommand'));
  db.on(QueryCommand).callsFake(answer('QueryCommand'));
  return memory;
}
