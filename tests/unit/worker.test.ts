import { StartExecutionCommand } from '@aws-sdk/client-sfn';
import { GetCommand, TransactWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { newTask, type Task } from '../../functions/tasks/model.ts';
import { simulate } from '../../functions/tasks/types/simulate.ts';
import {
  describeFailure,
  makeHandler as makeRecordFailure,
} from '../../functions/worker/record-failure.ts';
import { makeHandler as makeWork, type WorkInput } from '../../functions/worker/work.ts';
import { lambdaContext } from '../../infra/local/lambda-context.ts';
import { db, resetAwsMocks, sfn, table, workflow } from '../helpers/aws-mocks.ts';
import { fakeClock } from '../helpers/fake-clock.ts';
import { scriptStore } from '../helpers/scripted-store.ts';

const context = lambdaContext('Work', 90_000);
let clock = fakeClock();
const work = (input: WorkInput, sliceMs = 60_000) =>
  makeWork({ table, workflow, clock, sliceMs, maxRunningTasks: 2 })(input, context);
const recordFailure = makeRecordFailure({ table, workflow, clock, maxRunningTasks: 2 });
const ID = 'T1';

const task = (fields: Partial<Task> = {}): Task => ({
  ...newTask({
    taskId: ID,
    name: null,
    type: 'simulate',
    input: { duration_seconds: 1, fail: false },
    now: new Date(0),
  }),
  ...fields,
});
/**
 * Every write to the task, in order: a progress write is an UpdateItem of its own, a
 * status change the task's Update inside the transaction that also moves the totals.
 */
const taskWrites = () =>
  db.calls().flatMap(({ args: [command] }) => {
    if (command instanceof UpdateCommand) return [command.input];
    if (command instanceof TransactWriteCommand) {
      return (command.input.TransactItems ?? []).flatMap((action) =>
        action.Update?.Key?.task_id === ID ? [action.Update] : [],
      );
    }
    return [];
  });
const updates = () => taskWrites().map((write) => write.ExpressionAttributeValues ?? {});
/** Writes of any kind: progress updates and transactions. */
const writes = () =>
  db.commandCalls(UpdateCommand).length + db.commandCalls(TransactWriteCommand).length;

beforeEach(() => {
  resetAwsMocks();
  sfn.on(StartExecutionCommand).resolves({});
  clock = fakeClock();
});
const started = () =>
  sfn.commandCalls(StartExecutionCommand).map((call) => call.args[0].input.name);

afterEach(() => {
  vi.restoreAllMocks();
});

/** What the SDK throws when DynamoDB does not answer in time. */
const sdkTimeout = () =>
  Object.assign(
    new Error(
      '@smithy/node-http-handler - the request socket did not establish a connection with the server within the configured timeout of 1000 ms.',
    ),
    { name: 'TimeoutError', $metadata: { attempts: 3 } },
  );

describe('worker', () => {
  it('ends the execution without writing when the task was deleted', async () => {
    scriptStore(db, []);
    expect(await work({ task_id: ID })).toEqual({ task_id: ID, done: true });
    expect(writes()).toBe(0);
  });

  it.each(['CANCELLED', 'SUCCESS', 'FAILURE'] as const)(
    'ends the execution without writing when the task is %s',
    async (status) => {
      scriptStore(db, [task({ status })]);
      expect((await work({ task_id: ID })).done).toBe(true);
      expect(writes()).toBe(0);
    },
  );

  it('finishes a RUNNING task with SUCCESS and the result', async () => {
    const memory = scriptStore(db, [task({ status: 'RUNNING' })]);
    expect((await work({ task_id: ID })).done).toBe(true);
    expect(updates().map((values) => values[':status'])).toEqual(['SUCCESS']);
    expect(updates()[0]).toMatchObject({
      ':seen_status': 'RUNNING',
      ':progress': 100,
      ':result': `Task ${ID} completed successfully!`,
    });
    expect(updates()[0]?.[':expires_at']).toEqual(expect.any(Number));
    expect(memory.items.get(ID)).toMatchObject({ status: 'SUCCESS', progress: 100 });
  });

  it('never starts a PENDING task itself: the workflow waits until admission starts it', async () => {
    scriptStore(db, [task()]);
    await expect(work({ task_id: ID })).rejects.toMatchObject({ name: 'TaskNotAdmitted' });
    expect(writes()).toBe(0);
  });

  it('gives the slot of a task it finished to the oldest waiting task', async () => {
    const waiting = (n: number) =>
      task({ task_id: `01KB00000000000000000000${n}0`, status: 'PENDING' });
    const memory = scriptStore(db, [task({ status: 'RUNNING' }), waiting(2), waiting(1)]);
    memory.items.set('admission#running', { task_id: 'admission#running', running: 2 });
    await work({ task_id: ID });
    expect(started()).toEqual([waiting(1).task_id]);
    expect(memory.items.get(waiting(1).task_id)).toMatchObject({ status: 'RUNNING' });
    expect(memory.items.get(waiting(2).task_id)).toMatchObject({ status: 'PENDING' });
    expect(memory.items.get('admission#running')).toMatchObject({ running: 2 });
  });

  it('records FAILURE with the error when the task asks to fail', async () => {
    scriptStore(db, [task({ status: 'RUNNING', input: { duration_seconds: 1, fail: true } })]);
    await work({ task_id: ID });
    expect(updates()).toHaveLength(1);
    expect(updates()[0]).toMatchObject({
      ':status': 'FAILURE',
      ':error': `Task ${ID} failed: simulated failure`,
    });
  });

  it('saves progress every 5 s of work and before handing back to the workflow', async () => {
    const memory = scriptStore(db, [
      task({ status: 'RUNNING', input: { duration_seconds: 600, fail: false } }),
    ]);
    const output = await work({ task_id: ID }, 60_000);
    const savedProgress = () =>
      updates().map((values) => Math.round((Number(values[':progress']) * 600) / 100));
    expect(output).toEqual({ task_id: ID, done: false });
    // 60 one-second steps of a 10-minute task, no milestone reached: a write every 5 s.
    expect(clock.slept).toHaveLength(60);
    expect(savedProgress()).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12].map((i) => i * 5));
    // Each is a single UpdateItem that may only change a RUNNING task.
    expect(db.commandCalls(TransactWriteCommand)).toHaveLength(0);
    expect(
      taskWrites().every((write) => write.ConditionExpression?.includes('#status IN (:running)')),
    ).toBe(true);
    expect(memory.items.get(ID)).toMatchObject({ status: 'RUNNING', progress: 10 });
  });

  it('saves the progress of a slice cut short by the deadline, between two 5 s marks', async () => {
    scriptStore(db, [task({ status: 'RUNNING', input: { duration_seconds: 100, fail: false } })]);
    await work({ task_id: ID }, 7_000);
    expect(updates().map((values) => Math.round(Number(values[':progress'])))).toEqual([5, 7]);
  });

  it('reads only the status, eventually consistent, on every step it does not save', async () => {
    scriptStore(db, [task({ status: 'RUNNING', input: { duration_seconds: 600, fail: false } })]);
    await work({ task_id: ID }, 10_000);
    const probes = db
      .commandCalls(GetCommand)
      .map(({ args: [command] }) => command.input)
      .filter((input) => input.ProjectionExpression);
    // Steps 1–4 and 6–9 read; steps 5 and 10 write.
    expect(probes).toHaveLength(8);
    expect(probes[0]).toMatchObject({
      ProjectionExpression: '#status',
      ExpressionAttributeNames: { '#status': 'status' },
      ConsistentRead: false,
    });
  });

  it('saves at each timeline milestone, so the timeline still records 25, 50 and 75 %', async () => {
    const memory = scriptStore(db, [
      task({ status: 'RUNNING', input: { duration_seconds: 30, fail: false } }),
    ]);
    expect((await work({ task_id: ID })).done).toBe(true);
    // A milestone's write is refused once, then made again with the timeline entry.
    const saved = new Set(
      updates()
        .filter((values) => values[':running'])
        .map((values) => Math.round(Number(values[':progress']))),
    );
    // 5 s after the last save (17, 43, 70, 93 %) or on crossing a milestone (27, 53, 77 %).
    expect([...saved]).toEqual([17, 27, 43, 53, 70, 77, 93]);
    const events = memory.items.get(ID)?.events as { type: string; progress?: number }[];
    expect(events.filter((event) => event.type === 'progress').map((e) => e.progress)).toEqual([
      25, 50, 75,
    ]);
  });

  it('notices a cancel on the next step between saves, keeping the progress saved before it', async () => {
    const memory = scriptStore(db, [
      task({ status: 'RUNNING', input: { duration_seconds: 600, fail: false } }),
    ]);
    db.on(GetCommand).callsFake(async (input) => {
      // The task is cancelled during the 7th step, 2 s after the save at 5 s.
      if (input.ProjectionExpression && clock.slept.length === 7) {
        memory.items.set(ID, { ...memory.items.get(ID), status: 'CANCELLED' });
      }
      return memory.run('GetCommand', input);
    });
    expect((await work({ task_id: ID })).done).toBe(true);
    expect(clock.slept).toHaveLength(7);
    // The save at 5 s, then the refused write that confirmed the cancel.
    expect(db.commandCalls(UpdateCommand)).toHaveLength(2);
    expect(memory.items.get(ID)).toMatchObject({ status: 'CANCELLED', progress: 5 / 6 });
  });

  it('keeps running when a lagging status read shows the task missing or PENDING', async () => {
    const memory = scriptStore(db, [
      task({ status: 'RUNNING', input: { duration_seconds: 4, fail: false } }),
    ]);
    const stale = [{}, { Item: { status: 'PENDING' } }];
    db.on(GetCommand).callsFake(async (input) =>
      input.ProjectionExpression ? (stale.shift() ?? {}) : memory.run('GetCommand', input),
    );
    expect((await work({ task_id: ID })).done).toBe(true);
    expect(memory.items.get(ID)).toMatchObject({ status: 'SUCCESS' });
  });

  it('writes progress after every step when the save interval is 0', async () => {
    scriptStore(db, [task({ status: 'RUNNING', input: { duration_seconds: 100, fail: false } })]);
    await makeWork({
      table,
      workflow,
      clock,
      sliceMs: 3_000,
      progressSaveMs: 0,
      maxRunningTasks: 2,
    })({ task_id: ID }, context);
    expect(updates().map((values) => values[':progress'])).toEqual([1, 2, 3]);
  });

  it('resumes from the saved progress', async () => {
    scriptStore(db, [
      task({ status: 'RUNNING', progress: 90, input: { duration_seconds: 10, fail: false } }),
    ]);
    await work({ task_id: ID });
    expect(clock.slept).toEqual([1000]);
    expect(updates().map((values) => values[':status'])).toEqual(['SUCCESS']);
  });

  it('stops at the first refused write when the task was cancelled meanwhile, never overwriting it', async () => {
    const memory = scriptStore(db, [
      task({ status: 'RUNNING', input: { duration_seconds: 100, fail: false } }),
    ]);
    // The task is cancelled right after the worker read it.
    db.on(GetCommand).callsFake(async (input) => {
      const read = memory.run('GetCommand', input);
      memory.items.set(ID, { ...memory.items.get(ID), status: 'CANCELLED' });
      return read;
    });
    expect((await work({ task_id: ID })).done).toBe(true);
    expect(db.commandCalls(UpdateCommand)).toHaveLength(1);
    expect(db.commandCalls(TransactWriteCommand)).toHaveLength(0);
    expect(memory.items.get(ID)).toMatchObject({ status: 'CANCELLED', progress: 0 });
  });

  it('turns a DynamoDB timeout into DependencyUnavailable, which the workflow retries', async () => {
    db.on(GetCommand).rejects(sdkTimeout());
    await expect(work({ task_id: ID })).rejects.toMatchObject({
      name: 'DependencyUnavailable',
      cause: expect.objectContaining({ name: 'TimeoutError' }),
    });
  });

  it('turns throttling while saving progress into DependencyUnavailable, writing nothing else', async () => {
    scriptStore(db, [task({ status: 'RUNNING', input: { duration_seconds: 100, fail: false } })]);
    db.on(UpdateCommand).rejects(
      Object.assign(new Error('Rate of requests exceeds the allowed throughput'), {
        name: 'ProvisionedThroughputExceededException',
        $metadata: { httpStatusCode: 400 },
      }),
    );
    await expect(work({ task_id: ID })).rejects.toMatchObject({ name: 'DependencyUnavailable' });
    expect(db.commandCalls(UpdateCommand)).toHaveLength(1);
    expect(db.commandCalls(TransactWriteCommand)).toHaveLength(0);
  });

  it('lets other errors through as they are, for the workflow to retry briefly, then record', async () => {
    const denied = Object.assign(new Error('User is not authorized to perform: dynamodb:GetItem'), {
      name: 'AccessDeniedException',
      $metadata: { httpStatusCode: 400 },
    });
    db.on(GetCommand).rejects(denied);
    await expect(work({ task_id: ID })).rejects.toBe(denied);
  });

  it("records FAILURE with only a reference when the task type's code throws", async () => {
    vi.spyOn(simulate, 'step').mockRejectedValueOnce(new TypeError('x is undefined'));
    const memory = scriptStore(db, [task({ status: 'RUNNING' })]);
    expect((await work({ task_id: ID })).done).toBe(true);
    expect(memory.items.get(ID)).toMatchObject({ status: 'FAILURE' });
    expect(updates()).toEqual([
      expect.objectContaining({
        ':status': 'FAILURE',
        ':error': `The task could not be completed (reference ${context.awsRequestId})`,
      }),
    ]);
  });

  it('retries rather than fails when a dependency the task type calls is unavailable', async () => {
    vi.spyOn(simulate, 'step').mockRejectedValueOnce(sdkTimeout());
    scriptStore(db, [task({ status: 'RUNNING' })]);
    await expect(work({ task_id: ID })).rejects.toMatchObject({ name: 'DependencyUnavailable' });
    expect(writes()).toBe(0);
  });
});

describe('failure recorder', () => {
  const recordContext = lambdaContext('RecordFailure', 30_000);
  const reference = `The task could not be completed (reference ${recordContext.awsRequestId})`;

  it('records a fixed message with a reference, never the infrastructure error', async () => {
    scriptStore(db, [task({ status: 'RUNNING' })]);
    await recordFailure(
      {
        task_id: ID,
        failure: {
          Error: 'AccessDeniedException',
          Cause: JSON.stringify({
            errorType: 'AccessDeniedException',
            errorMessage: 'User: arn:aws:sts::123456789012:assumed-role/x is not authorized',
          }),
        },
      },
      recordContext,
    );
    expect(updates()).toEqual([
      expect.objectContaining({ ':status': 'FAILURE', ':error': reference }),
    ]);
  });

  it('finds the task of a restarted execution from its name', async () => {
    const memory = scriptStore(db, [task({ status: 'RUNNING' })]);
    await expect(
      recordFailure(
        { task_id: `${ID}-r2`, execution: `${ID}-r2`, failure: { Error: 'ExecutionFAILED' } },
        recordContext,
      ),
    ).resolves.toEqual({ task_id: ID });
    expect(db.commandCalls(GetCommand)[0]?.args[0].input.Key).toEqual({ task_id: ID });
    expect(taskWrites()[0]?.Key).toEqual({ task_id: ID });
    expect(memory.items.get(ID)).toMatchObject({ status: 'FAILURE' });
  });

  it('leaves a task that already ended alone', async () => {
    const memory = scriptStore(db, [task({ status: 'CANCELLED' })]);
    await expect(
      recordFailure({ task_id: ID, failure: { Error: 'States.Timeout' } }, recordContext),
    ).resolves.toEqual({ task_id: ID });
    expect(writes()).toBe(0);
    expect(memory.items.get(ID)).toMatchObject({ status: 'CANCELLED' });
  });

  it('describes the failure for the logs from a Lambda error or plain text', () => {
    expect(
      describeFailure({
        Error: 'TypeError',
        Cause: '{"errorType":"TypeError","errorMessage":"x is undefined","trace":[]}',
      }),
    ).toEqual({ error: 'TypeError', cause: 'x is undefined' });
    expect(describeFailure({ Error: 'States.Timeout', Cause: 'took too long' })).toEqual({
      error: 'States.Timeout',
      cause: 'took too long',
    });
    expect(describeFailure(undefined)).toEqual({ error: 'Error', cause: '' });
  });
});

describe('simulate', () => {
  it('fills in defaults', () => {
    expect(simulate.parseInput(undefined)).toEqual({ duration_seconds: 10, fail: false });
  });

  it('moves progress by one second of the duration per step', async () => {
    const outcome = await simulate.step({
      taskId: ID,
      input: { duration_seconds: 4, fail: false },
      progress: 50,
      sleep: clock.sleep,
    });
    expect(outcome).toEqual({ kind: 'progress', progress: 75 });
  });

  it('finishes a fractional duration with a shorter last step', async () => {
    const outcome = await simulate.step({
      taskId: ID,
      input: { duration_seconds: 1.2, fail: false },
      progress: (1 / 1.2) * 100,
      sleep: clock.sleep,
    });
    expect(outcome.kind).toBe('success');
    expect(clock.slept[0]).toBeCloseTo(200);
  });
});
