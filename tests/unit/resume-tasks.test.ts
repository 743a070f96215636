import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import {
  DescribeExecutionCommand,
  ExecutionAlreadyExists,
  ExecutionDoesNotExist,
  type ExecutionStatus,
  StartExecutionCommand,
} from '@aws-sdk/client-sfn';
import { GetCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { executionArnOf } from '../../functions/tasks/launcher.ts';
import { newTask, type TaskStatus } from '../../functions/tasks/model.ts';
import {
  MAX_RESTARTS,
  makeHandler,
  type ReconcileOptions,
  reconcileTasks,
} from '../../functions/worker/resume-tasks.ts';
import { lambdaContext } from '../../infra/local/lambda-context.ts';
import { startLocalReconciler } from '../../infra/local/reconciler.ts';
import type { EndedBadlyHook, StepFunctionsEmulator } from '../../infra/local/stepfunctions.ts';
import { db, resetAwsMocks, sfn, table, workflow } from '../helpers/aws-mocks.ts';
import { fakeClock } from '../helpers/fake-clock.ts';

const minute = (m: number) => new Date(Date.UTC(2026, 0, 1, 0, m));
const clock = fakeClock(minute(30));
const deps = { table, workflow, clock };
const options: ReconcileOptions = {
  pendingBefore: minute(20),
  endedBefore: minute(20),
  reference: 'REF',
};

const stored = (taskId: string, status: TaskStatus, createdAt = 5) => ({
  ...newTask({ taskId, name: null, type: 'simulate', input: {}, now: minute(createdAt) }),
  status,
});
const listing = (status: TaskStatus, items: ReturnType<typeof stored>[]) =>
  db.on(QueryCommand, { ExpressionAttributeValues: { ':pk': status } }).resolves({ Items: items });
const execution = (name: string, status: ExecutionStatus, stoppedAt?: number) =>
  sfn
    .on(DescribeExecutionCommand, { executionArn: executionArnOf(workflow.stateMachineArn, name) })
    .resolves({ status, ...(stoppedAt !== undefined && { stopDate: minute(stoppedAt) }) });
const started = () =>
  sfn.commandCalls(StartExecutionCommand).map((call) => call.args[0].input.name);

beforeEach(() => {
  resetAwsMocks();
  db.on(QueryCommand).resolves({ Items: [] });
  sfn.on(StartExecutionCommand).resolves({});
  sfn
    .on(DescribeExecutionCommand)
    .rejects(new ExecutionDoesNotExist({ message: 'Execution Does Not Exist', $metadata: {} }));
});

describe('reconciling stuck tasks', () => {
  it('starts PENDING tasks that have no execution, leaving young ones to their create request', async () => {
    listing('PENDING', [stored('T3', 'PENDING', 25), stored('T2', 'PENDING', 10)]);
    const sweep = await reconcileTasks(deps, options);
    expect(sweep.started).toEqual(['T2']);
    expect(started()).toEqual(['T2']);
    expect(sfn.commandCalls(DescribeExecutionCommand)).toHaveLength(1);
  });

  it('leaves tasks whose execution runs, such as one retrying through an outage', async () => {
    listing('RUNNING', [stored('T1', 'RUNNING')]);
    listing('PENDING', [stored('T2', 'PENDING')]);
    execution('T1', 'RUNNING');
    execution('T2', 'RUNNING');
    const sweep = await reconcileTasks(deps, options);
    expect(sweep.running).toEqual(['T1', 'T2']);
    expect(started()).toEqual([]);
  });

  it('starts RUNNING tasks whose execution does not exist (local mode after a restart)', async () => {
    listing('RUNNING', [stored('T1', 'RUNNING')]);
    const sweep = await reconcileTasks(deps, options);
    expect(sweep.started).toEqual(['T1']);
    expect(started()).toEqual(['T1']);
  });

  it('restarts under a new name a task whose execution succeeded while it was unfinished', async () => {
    listing('RUNNING', [stored('T1', 'RUNNING')]);
    execution('T1', 'SUCCEEDED', 10);
    execution('T1-r1', 'SUCCEEDED', 12);
    db.on(GetCommand).resolves({ Item: stored('T1', 'RUNNING') });
    const sweep = await reconcileTasks(deps, options);
    expect(sweep.restarted).toEqual(['T1']);
    expect(started()).toEqual(['T1-r2']);
    expect(sfn.commandCalls(StartExecutionCommand)[0]?.args[0].input.input).toBe(
      '{"task_id":"T1"}',
    );
  });

  it.each(['FAILED', 'TIMED_OUT', 'ABORTED'] as const)(
    'records the FAILURE, with a reference, that an execution which ended %s left unrecorded',
    async (status) => {
      listing('RUNNING', [stored('T1', 'RUNNING')]);
      execution('T1', status, 10);
      db.on(UpdateCommand).resolves({ Attributes: stored('T1', 'FAILURE') });
      const sweep = await reconcileTasks(deps, options);
      expect(sweep.failed).toEqual(['T1']);
      expect(started()).toEqual([]);
      expect(
        db.commandCalls(UpdateCommand)[0]?.args[0].input.ExpressionAttributeValues,
      ).toMatchObject({
        ':status': 'FAILURE',
        ':error': 'The task could not be completed (reference REF)',
      });
    },
  );

  it('leaves a task whose failure was recorded meanwhile as it is', async () => {
    listing('PENDING', [stored('T1', 'PENDING')]);
    execution('T1', 'FAILED', 10);
    db.on(UpdateCommand).rejects(
      new ConditionalCheckFailedException({ message: 'refused', $metadata: {} }),
    );
    expect((await reconcileTasks(deps, options)).ended).toEqual(['T1']);
  });

  it('leaves an execution that ended moments ago to the failure recording that follows it', async () => {
    listing('RUNNING', [stored('T1', 'RUNNING')]);
    execution('T1', 'FAILED', 25);
    const sweep = await reconcileTasks(deps, options);
    expect(sweep.running).toEqual(['T1']);
    expect(started()).toEqual([]);
  });

  it('restarts nothing when the task ended since it was listed', async () => {
    listing('RUNNING', [stored('T1', 'RUNNING')]);
    execution('T1', 'SUCCEEDED', 10);
    db.on(GetCommand).resolves({ Item: stored('T1', 'SUCCESS') });
    const sweep = await reconcileTasks(deps, options);
    expect(sweep.ended).toEqual(['T1']);
    expect(started()).toEqual([]);
  });

  it(`records FAILURE once ${MAX_RESTARTS} restarts have all ended with the task unfinished`, async () => {
    listing('RUNNING', [stored('T1', 'RUNNING')]);
    execution('T1', 'SUCCEEDED', 1);
    for (let n = 1; n <= MAX_RESTARTS; n++) execution(`T1-r${n}`, 'SUCCEEDED', 1 + n);
    db.on(UpdateCommand).resolves({ Attributes: stored('T1', 'FAILURE') });
    const sweep = await reconcileTasks(deps, options);
    expect(sweep.failed).toEqual(['T1']);
    expect(started()).toEqual([]);
  });

  it('counts a start that lost a race for the name as running', async () => {
    listing('PENDING', [stored('T1', 'PENDING')]);
    sfn
      .on(StartExecutionCommand)
      .rejects(new ExecutionAlreadyExists({ message: 'x', $metadata: {} }));
    const sweep = await reconcileTasks(deps, options);
    expect(sweep.running).toEqual(['T1']);
  });

  it('carries on past a task it cannot reconcile', async () => {
    listing('RUNNING', [stored('T1', 'RUNNING'), stored('T2', 'RUNNING')]);
    sfn
      .on(DescribeExecutionCommand, {
        executionArn: executionArnOf(workflow.stateMachineArn, 'T1'),
      })
      .rejects(Object.assign(new Error('throttled'), { name: 'ThrottlingException' }));
    const sweep = await reconcileTasks(deps, options);
    expect(sweep.errors).toEqual(['T1']);
    expect(sweep.started).toEqual(['T2']);
  });

  it('follows every page and handles each task once, even if it moved to the next status meanwhile', async () => {
    const items = Array.from({ length: 101 }, (_, i) =>
      stored(`T${String(i).padStart(3, '0')}`, 'RUNNING', 1),
    );
    db.on(QueryCommand, { ExpressionAttributeValues: { ':pk': 'RUNNING' } })
      .resolvesOnce({ Items: items.slice(0, 101) })
      .resolvesOnce({ Items: items.slice(100) });
    listing('PENDING', items.slice(0, 1));
    const sweep = await reconcileTasks(deps, options);
    expect(sweep.started).toHaveLength(101);
    expect(new Set(started()).size).toBe(101);
    expect(db.commandCalls(QueryCommand)[1]?.args[0].input.ExclusiveStartKey).toEqual({
      task_id: 'T099',
      status: 'RUNNING',
    });
  });
});

describe('the scheduled sweep', () => {
  it('leaves tasks younger than a create request can take, and reports counts', async () => {
    // The fake clock reads minute 30; the sweep's cutoff is two minutes earlier.
    listing('PENDING', [stored('T2', 'PENDING', 29), stored('T1', 'PENDING', 27)]);
    const result = await makeHandler(deps)({}, lambdaContext('ResumeTasks', 60_000));
    expect(result).toMatchObject({ started: 1, restarted: 0, failed: 0, errors: 0 });
    expect(started()).toEqual(['T1']);
  });
});

describe('the local reconciler', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  const startLocal = async () => {
    const hooks: EndedBadlyHook[] = [];
    const emulator = {
      onExecutionEndedBadly: (hook: EndedBadlyHook) => hooks.push(hook),
    } as unknown as StepFunctionsEmulator;
    const recorded: unknown[] = [];
    const reconciler = await startLocalReconciler({
      emulator,
      recordFailure: {
        handler: async (event) => {
          recorded.push(event);
        },
        timeoutMs: 30_000,
      },
      everySeconds: 30,
      deps,
    });
    return { hooks, recorded, reconciler };
  };

  it('starts every unfinished task at start-up, however young, then sweeps periodically', async () => {
    vi.useFakeTimers();
    listing('PENDING', [stored('T1', 'PENDING', 29)]);
    const { reconciler } = await startLocal();
    expect(reconciler.firstSweep.started).toEqual(['T1']);
    sfn.reset();
    sfn.on(StartExecutionCommand).resolves({});
    sfn
      .on(DescribeExecutionCommand)
      .rejects(new ExecutionDoesNotExist({ message: 'Execution Does Not Exist', $metadata: {} }));
    listing('PENDING', [stored('T2', 'PENDING', 10), stored('T3', 'PENDING', 29)]);
    await vi.advanceTimersByTimeAsync(30_000);
    // Later sweeps leave tasks younger than a create request can take.
    expect(started()).toEqual(['T2']);
    await reconciler.stop();
  });

  it('sends executions that ended badly to RecordFailure as the EventBridge rule does', async () => {
    const { hooks, recorded, reconciler } = await startLocal();
    await hooks[0]?.({ name: 'T1-r1', status: 'FAILED', error: 'TaskFailed' });
    expect(recorded).toEqual([
      {
        task_id: 'T1-r1',
        execution: 'T1-r1',
        failure: { Error: 'ExecutionFAILED', Cause: 'The workflow execution ended FAILED' },
      },
    ]);
    await reconciler.stop();
  });
});
