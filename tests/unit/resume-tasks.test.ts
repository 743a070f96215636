import { SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import type { TaskWorkflow } from '../../functions/tasks/launcher.ts';
import { newTask, type TaskStatus } from '../../functions/tasks/model.ts';
import { documentClient, type TaskTable } from '../../functions/tasks/store.ts';
import { resumeTasks } from '../../functions/worker/resume-tasks.ts';

const db = mockClient(DynamoDBDocumentClient);
const sfn = mockClient(SFNClient);
const table: TaskTable = { db: documentClient(), name: 'tasks-test', retentionSeconds: 86_400 };
const workflow: TaskWorkflow = {
  sfn: new SFNClient({}),
  stateMachineArn: 'arn:aws:states:us-east-1:000000000000:stateMachine:t',
};

const stored = (taskId: string, status: TaskStatus, minute: number) => ({
  ...newTask({
    taskId,
    name: null,
    type: 'simulate',
    input: {},
    now: new Date(Date.UTC(2026, 0, 1, 0, minute)),
  }),
  status,
});
const started = () =>
  sfn.commandCalls(StartExecutionCommand).map((call) => call.args[0].input.name);

beforeEach(() => {
  db.reset();
  sfn.reset();
  sfn.on(StartExecutionCommand).resolves({});
});

describe('resuming tasks', () => {
  it('starts the tasks of the given statuses created before the cutoff, newest first', async () => {
    db.on(QueryCommand, { ExpressionAttributeValues: { ':pk': 'PENDING' } }).resolves({
      Items: [stored('T3', 'PENDING', 30), stored('T2', 'PENDING', 10), stored('T1', 'PENDING', 5)],
    });
    const resumed = await resumeTasks(
      { table, workflow },
      ['PENDING'],
      new Date(Date.UTC(2026, 0, 1, 0, 20)),
    );
    expect(resumed).toEqual(['T2', 'T1']);
    expect(started()).toEqual(['T2', 'T1']);
  });

  it('follows every page and starts each task once, even if it moved to the next status meanwhile', async () => {
    const items = Array.from({ length: 101 }, (_, i) =>
      stored(`T${String(i).padStart(3, '0')}`, 'RUNNING', 1),
    );
    db.on(QueryCommand, { ExpressionAttributeValues: { ':pk': 'RUNNING' } })
      .resolvesOnce({ Items: items.slice(0, 101) })
      .resolvesOnce({ Items: items.slice(100) });
    db.on(QueryCommand, { ExpressionAttributeValues: { ':pk': 'PENDING' } }).resolves({
      Items: items.slice(0, 1),
    });
    const resumed = await resumeTasks(
      { table, workflow },
      ['RUNNING', 'PENDING'],
      new Date(Date.UTC(2026, 0, 2)),
    );
    expect(resumed).toHaveLength(101);
    expect(new Set(started()).size).toBe(101);
    expect(db.commandCalls(QueryCommand)[1]?.args[0].input.ExclusiveStartKey).toEqual({
      task_id: 'T099',
      status: 'RUNNING',
    });
  });
});
