import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { newTask, type Task } from '../../functions/tasks/model.ts';
import { simulate } from '../../functions/tasks/types/simulate.ts';
import {
  describeFailure,
  makeHandler as makeRecordFailure,
} from '../../functions/worker/record-failure.ts';
import { makeHandler as makeWork, type WorkInput } from '../../functions/worker/work.ts';
import { lambdaContext } from '../../infra/local/lambda-context.ts';
import { db, table } from '../helpers/aws-mocks.ts';
import { fakeClock } from '../helpers/fake-clock.ts';

const context = lambdaContext('Work', 90_000);
let clock = fakeClock();
const work = (input: WorkInput, sliceMs = 60_000) =>
  makeWork({ table, clock, sliceMs })(input, context);
const recordFailure = makeRecordFailure({ table, clock });
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
const updates = () =>
  db.commandCalls(UpdateCommand).map((call) => call.args[0].input.ExpressionAttributeValues ?? {});
const refused = (item?: Task) =>
  new ConditionalCheckFailedException({
    message: 'refused',
    $metadata: {},
    ...(item && { Item: marshall(item) }),
  });

beforeEach(() => {
  db.reset();
  clock = fakeClock();
});

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
    db.on(GetCommand).resolves({});
    expect(await work({ task_id: ID })).toEqual({ task_id: ID, done: true });
    expect(db.commandCalls(UpdateCommand)).toHaveLength(0);
  });

  it.each(['CANCELLED', 'SUCCESS', 'FAILURE'] as const)(
    'ends the execution without writing when the task is %s',
    async (status) => {
      db.on(GetCommand).resolves({ Item: task({ status }) });
      expect((await work({ task_id: ID })).done).toBe(true);
      expect(db.commandCalls(UpdateCommand)).toHaveLength(0);
    },
  );

  it('starts a PENDING task, then finishes it with SUCCESS and the result', async () => {
    db.on(GetCommand).resolves({ Item: task() });
    db.on(UpdateCommand).callsFake((input) => ({
      Attributes: task({ status: input.ExpressionAttributeValues[':status'] }),
    }));
    expect((await work({ task_id: ID })).done).toBe(true);
    expect(updates().map((values) => values[':status'])).toEqual(['RUNNING', 'SUCCESS']);
    expect(updates()[0]).toMatchObject({ ':from0': 'PENDING' });
    expect(updates()[1]).toMatchObject({
      ':from0': 'RUNNING',
      ':progress': 100,
      ':result': `Task ${ID} completed successfully!`,
    });
    expect(updates()[1]?.[':expires_at']).toEqual(expect.any(Number));
  });

  it('records FAILURE with the error when the task asks to fail', async () => {
    db.on(GetCommand).resolves({
      Item: task({ status: 'RUNNING', input: { duration_seconds: 1, fail: true } }),
    });
    db.on(UpdateCommand).resolves({ Attributes: task({ status: 'FAILURE' }) });
    await work({ task_id: ID });
    expect(updates()).toHaveLength(1);
    expect(updates()[0]).toMatchObject({
      ':status': 'FAILURE',
      ':error': `Task ${ID} failed: simulated failure`,
    });
  });

  it('saves progress after every step and hands back to the workflow when the slice is used up', async () => {
    db.on(GetCommand).resolves({
      Item: task({ status: 'RUNNING', input: { duration_seconds: 100, fail: false } }),
    });
    db.on(UpdateCommand).resolves({ Attributes: task({ status: 'RUNNING' }) });
    const output = await work({ task_id: ID }, 1500);
    expect(output).toEqual({ task_id: ID, done: false });
    expect(updates().map((values) => values[':progress'])).toEqual([1, 2]);
    expect(updates().every((values) => values[':from0'] === 'RUNNING')).toBe(true);
  });

  it('resumes from the saved progress', async () => {
    db.on(GetCommand).resolves({
      Item: task({ status: 'RUNNING', progress: 90, input: { duration_seconds: 10, fail: false } }),
    });
    db.on(UpdateCommand).resolves({ Attributes: task({ status: 'SUCCESS' }) });
    await work({ task_id: ID });
    expect(clock.slept).toEqual([1000]);
    expect(updates().map((values) => values[':status'])).toEqual(['SUCCESS']);
  });

  it('stops at the first refused write when the task was cancelled meanwhile, never overwriting it', async () => {
    db.on(GetCommand).resolves({
      Item: task({ status: 'RUNNING', input: { duration_seconds: 100, fail: false } }),
    });
    db.on(UpdateCommand).rejects(refused(task({ status: 'CANCELLED' })));
    expect((await work({ task_id: ID })).done).toBe(true);
    expect(db.commandCalls(UpdateCommand)).toHaveLength(1);
  });

  it('turns a DynamoDB timeout into DependencyUnavailable, which the workflow retries', async () => {
    db.on(GetCommand).rejects(sdkTimeout());
    await expect(work({ task_id: ID })).rejects.toMatchObject({
      name: 'DependencyUnavailable',
      cause: expect.objectContaining({ name: 'TimeoutError' }),
    });
  });

  it('turns throttling while saving progress into DependencyUnavailable, writing nothing else', async () => {
    db.on(GetCommand).resolves({
      Item: task({ status: 'RUNNING', input: { duration_seconds: 100, fail: false } }),
    });
    db.on(UpdateCommand).rejects(
      Object.assign(new Error('Rate of requests exceeds the allowed throughput'), {
        name: 'ProvisionedThroughputExceededException',
        $metadata: { httpStatusCode: 400 },
      }),
    );
    await expect(work({ task_id: ID })).rejects.toMatchObject({ name: 'DependencyUnavailable' });
    expect(db.commandCalls(UpdateCommand)).toHaveLength(1);
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
    db.on(GetCommand).resolves({ Item: task({ status: 'RUNNING' }) });
    db.on(UpdateCommand).resolves({ Attributes: task({ status: 'FAILURE' }) });
    expect((await work({ task_id: ID })).done).toBe(true);
    expect(updates()).toEqual([
      expect.objectContaining({
        ':status': 'FAILURE',
        ':error': `The task could not be completed (reference ${context.awsRequestId})`,
      }),
    ]);
  });

  it('retries rather than fails when a dependency the task type calls is unavailable', async () => {
    vi.spyOn(simulate, 'step').mockRejectedValueOnce(sdkTimeout());
    db.on(GetCommand).resolves({ Item: task({ status: 'RUNNING' }) });
    await expect(work({ task_id: ID })).rejects.toMatchObject({ name: 'DependencyUnavailable' });
    expect(db.commandCalls(UpdateCommand)).toHaveLength(0);
  });
});

describe('failure recorder', () => {
  const recordContext = lambdaContext('RecordFailure', 30_000);
  const reference = `The task could not be completed (reference ${recordContext.awsRequestId})`;

  it('records a fixed message with a reference, never the infrastructure error', async () => {
    db.on(UpdateCommand).resolves({ Attributes: task({ status: 'FAILURE' }) });
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
    db.on(UpdateCommand).resolves({ Attributes: task({ status: 'FAILURE' }) });
    await expect(
      recordFailure(
        { task_id: `${ID}-r2`, execution: `${ID}-r2`, failure: { Error: 'ExecutionFAILED' } },
        recordContext,
      ),
    ).resolves.toEqual({ task_id: ID });
    expect(db.commandCalls(UpdateCommand)[0]?.args[0].input.Key).toEqual({ task_id: ID });
  });

  it('leaves a task that already ended alone', async () => {
    db.on(UpdateCommand).rejects(refused(task({ status: 'CANCELLED' })));
    await expect(
      recordFailure({ task_id: ID, failure: { Error: 'States.Timeout' } }, recordContext),
    ).resolves.toEqual({ task_id: ID });
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
