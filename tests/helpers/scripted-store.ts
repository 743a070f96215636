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

/**
 * Makes a mocked document client answer every store command (Get, BatchGet, Query,
 * TransactWrite, Update…) from an in-memory table holding `tasks`, owned by `owner`.
 * Tests still read what was sent with `db.commandCalls(…)`, and may script a single
 * command differently afterwards with `db.on(…)`.
 */
export function scriptStore(db: DocumentStub, tasks: readonly Task[], owner = ANONYMOUS_OWNER) {
  const memory = memoryTable(tasks.map((task) => storedItem(task, owner)));
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
