import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SFNClient, StopExecutionCommand } from '@aws-sdk/client-sfn';
import type { APIGatewayProxyResultV2 } from 'aws-lambda';
import { ulid } from 'ulid';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeHandler as makeCancel } from '../../functions/api/cancel-task.ts';
import { makeHandler as makeDelete } from '../../functions/api/delete-task.ts';
import { TransitionRefusedError } from '../../functions/tasks/errors.ts';
import { newTask, type TransitionName } from '../../functions/tasks/model.ts';
import {
  createTask,
  documentClient,
  getTask,
  type TaskTable,
  transitionTask,
} from '../../functions/tasks/store.ts';
import { type LocalDynamoDB, startDynamoDBLocal } from '../../infra/local/dynamodb.ts';
import { ensureTable } from '../../infra/local/table.ts';
import { context, httpEvent } from '../helpers/events.ts';
import { fakeClock } from '../helpers/fake-clock.ts';
import { removeDataDir } from '../helpers/local-service.ts';

/*
 * A client's cancel or delete racing the worker's writes, against DynamoDB Local, in each
 * order chosen explicitly: the conditional writes must keep every order consistent.
 */

const dataDir = mkdtempSync(join(tmpdir(), 'tasks-races-'));
let dynamodb: LocalDynamoDB;
let table: TaskTable;
/** The executions the handlers stopped, by ARN. */
const stopped: string[] = [];
const workflow = {
  sfn: {
    send: async (command: StopExecutionCommand) => stopped.push(command.input.executionArn ?? ''),
  } as unknown as SFNClient,
  stateMachineArn: 'arn:aws:states:us-east-1:000000000000:stateMachine:tasks',
};
const clock = fakeClock();

beforeAll(async () => {
  dynamodb = await startDynamoDBLocal({ dataDir, heap: '256m', log: () => {} });
  await ensureTable(dynamodb.endpoint, 'tasks');
  table = {
    db: documentClient({ endpoint: dynamodb.endpoint }),
    name: 'tasks',
    retentionSeconds: 86_400,
  };
}, 60_000);

afterAll(async () => {
  table?.db.destroy();
  await dynamodb?.stop();
  removeDataDir(dataDir);
});

/** A task the worker has started, as the table holds it while it runs. */
async function runningTask(): Promise<string> {
  const taskId = ulid();
  const input = { duration_seconds: 1 };
  await createTask(
    table,
    newTask({ taskId, name: null, type: 'simulate', input, now: clock.now() }),
  );
  await transitionTask(
    table,
    taskId,
    'start',
    { started_at: clock.now().toISOString() },
    clock.now(),
  );
  return taskId;
}

interface HttpAnswer {
  statusCode: number;
  body: { status?: string; code?: string; error?: string };
}

async function cancel(taskId: string): Promise<HttpAnswer> {
  const event = httpEvent({
    method: 'PATCH',
    path: `/tasks/${taskId}/status`,
    id: taskId,
    body: JSON.stringify({ status: 'CANCELLED' }),
  });
  const answer = (await makeCancel({ table, workflow, clock, maxRunningTasks: 10 })(
    event,
    context,
  )) as Exclude<APIGatewayProxyResultV2, string>;
  return { statusCode: answer.statusCode ?? 0, body: JSON.parse(answer.body ?? '{}') };
}

async function remove(taskId: string): Promise<number> {
  const event = httpEvent({ method: 'DELETE', path: `/tasks/${taskId}`, id: taskId });
  const answer = (await makeDelete({ table, workflow, clock, maxRunningTasks: 10 })(
    event,
    context,
  )) as { statusCode: number };
  return answer.statusCode;
}

/** One of the worker's writes; whether the table applied it or refused it. */
async function workerWrite(
  taskId: string,
  name: Exclude<TransitionName, 'fail' | 'cancel'>,
): Promise<'applied' | 'refused'> {
  const changes = {
    start: { started_at: clock.now().toISOString() },
    progress: { progress: 50 },
    succeed: { progress: 100, result: { done: true } },
  }[name];
  try {
    await transitionTask(table, taskId, name, changes, clock.now());
    return 'applied';
  } catch (error) {
    if (error instanceof TransitionRefusedError) return 'refused';
    throw error;
  }
}

describe('a cancel and the worker finishing the same task', () => {
  it('cancel first: the cancel answers 200, the finishing write is refused, the task stays CANCELLED', async () => {
    const taskId = await runningTask();
    const cancelled = await cancel(taskId);
    expect(cancelled).toMatchObject({ statusCode: 200, body: { status: 'CANCELLED' } });
    expect(stopped.at(-1)).toMatch(new RegExp(`:execution:tasks:${taskId}$`));
    expect(await workerWrite(taskId, 'succeed')).toBe('refused');
    const final = await getTask(table, taskId);
    expect(final?.status).toBe('CANCELLED');
    expect(final?.result).toBeUndefined();
  });

  it('finish first: the cancel answers 409 naming SUCCESS, and the task stays SUCCESS', async () => {
    const taskId = await runningTask();
    expect(await workerWrite(taskId, 'succeed')).toBe('applied');
    const refused = await cancel(taskId);
    expect(refused).toMatchObject({ statusCode: 409, body: { code: 'task_finished' } });
    expect(refused.body.error).toContain('SUCCESS');
    expect((await getTask(table, taskId))?.status).toBe('SUCCESS');
  });

  it('at the same moment: exactly one wins, and the answer and the task agree on which', async () => {
    for (let round = 0; round < 10; round++) {
      const taskId = await runningTask();
      const [cancelled, finished] = await Promise.all([
        cancel(taskId),
        workerWrite(taskId, 'succeed'),
      ]);
      const final = (await getTask(table, taskId))?.status;
      if (cancelled.statusCode === 200) {
        expect([finished, final]).toEqual(['refused', 'CANCELLED']);
      } else {
        expect([cancelled.statusCode, finished, final]).toEqual([409, 'applied', 'SUCCESS']);
      }
    }
  });
});

describe('a delete and the worker writing the same task', () => {
  it.each(['progress', 'succeed'] as const)(
    'delete first: the %s write is refused and never brings the task back',
    async (name) => {
      const taskId = await runningTask();
      expect(await remove(taskId)).toBe(200);
      expect(await workerWrite(taskId, name)).toBe('refused');
      expect(await getTask(table, taskId)).toBeUndefined();
    },
  );

  it('delete first: a late start of the execution is refused too', async () => {
    const taskId = ulid();
    const input = { duration_seconds: 1 };
    await createTask(
      table,
      newTask({ taskId, name: null, type: 'simulate', input, now: clock.now() }),
    );
    expect(await remove(taskId)).toBe(200);
    expect(await workerWrite(taskId, 'start')).toBe('refused');
    expect(await getTask(table, taskId)).toBeUndefined();
  });

  it('write first: the delete answers 200 and the task is gone', async () => {
    const taskId = await runningTask();
    expect(await workerWrite(taskId, 'progress')).toBe('applied');
    expect(await remove(taskId)).toBe(200);
    expect(await getTask(table, taskId)).toBeUndefined();
  });
});
