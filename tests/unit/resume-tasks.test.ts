import {
  DescribeExecutionCommand,
  ExecutionAlreadyExists,
  ExecutionDoesNotExist,
  type ExecutionStatus,
  StartExecutionCommand,
} from '@aws-sdk/client-sfn';
import { GetCommand, QueryCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
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
import { scriptStore, storedItem } from '../helpers/scripted-store.ts';

const minute = (m: number) => new Date(Date.UTC(2026, 0, 1, 0, m));
const clock = fakeClock(minute(30));
const deps = { table, workflow, clock, maxRunningTasks: 10 };
const options: ReconcileOptions = {
  endedBefore: minute(20),
  reference: 'REF',
};

const stored = (taskId: string, status: TaskStatus, createdAt = 5) => ({
  ...newTask({ taskId, name: null, type: 'simulate', input: {}, now: minute(createdAt) }),
  status,
});
/** The table holds these tasks; the sweep lists them from its status indexes. */
const holding = (...tasks: ReturnType<typeof stored>[]) => scriptStore(db, tasks);
/** The Update of the task item in the transaction that recorded `taskId`'s failure. */
const failureWrite = (taskId: string) =>
  db
    .commandCalls(TransactWriteCommand)[0]
    ?.args[0].input.TransactItems?.find((action) => action.Update?.Key?.task_id === taskId)?.Update;
const execution = (name: string, status: ExecutionStatus, stoppedAt?: number) =>
  sfn
    .on(DescribeExecutionCommand, { executionArn: executionArnOf(workflow.stateMachineArn, name) })
    .resolves({ status, ...(stoppedAt !== undefined && { stopDate: minute(stoppedAt) }) });
const started = () =>
  sfn.commandCalls(StartExecutionCommand).map((call) => call.args[0].input.name);

/** Starts succeed; no execution exists yet. */
const scriptWorkflow = () => {
  sfn.on(StartExecutionCommand).resolves({});
  sfn
    .on(DescribeExecutionCommand)
    .rejects(new ExecutionDoesNotExist({ message: 'Execution Does Not Exist', $metadata: {} }));
};

beforeEach(() => {
  resetAwsMocks();
  holding();
  scriptWorkflow();
});

describe('reconciling stuck tasks', () => {
  it('admits waiting tasks, oldest first, into the slots RUNNING tasks leave free', async () => {
    const memory = holding(
      stored('T1', 'RUNNING'),
      stored('T4', 'PENDING', 29),
      stored('T3', 'PENDING', 25),
      stored('T2', 'PENDING', 10),
    );
    memory.items.set('admission#running', { task_id: 'admission#running', running: 1 });
    execution('T1', 'RUNNING');
    const sweep = await reconcileTasks({ ...deps, maxRunningTasks: 3 }, options);
    expect(sweep.running).toEqual(['T1']);
    expect(sweep.admitted).toEqual(['T2', 'T3']);
    expect(started()).toEqual(['T2', 'T3']);
    expect(memory.items.get('T4')).toMatchObject({ status: 'PENDING' });
    expect(memory.items.get('admission#running')).toMatchObject({ running: 3 });
  });

  it('leaves tasks whose execution runs, such as one retrying through an outage', async () => {
    holding(stored('T1', 'RUNNING'), stored('T2', 'RUNNING'));
    execution('T1', 'RUNNING');
    execution('T2', 'RUNNING');
    const sweep = await reconcileTasks(deps, options);
    expect(sweep.running.sort()).toEqual(['T1', 'T2']);
    expect(started()).toEqual([]);
  });

  it('starts RUNNING tasks whose execution does not exist (admitted by a function that then stopped; local mode after a restart)', async () => {
    holding(stored('T1', 'RUNNING'));
    const sweep = await reconcileTasks(deps, options);
    expect(sweep.started).toEqual(['T1']);
    expect(started()).toEqual(['T1']);
  });

  it('restarts under a new name a task whose execution succeeded while it was unfinished', async () => {
    holding(stored('T1', 'RUNNING'));
    execution('T1', 'SUCCEEDED', 10);
    execution('T1-r1', 'SUCCEEDED', 12);
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
      holding(stored('T1', 'RUNNING'));
      execution('T1', status, 10);
      const sweep = await reconcileTasks(deps, options);
      expect(sweep.failed).toEqual(['T1']);
      expect(started()).toEqual([]);
      expect(failureWrite('T1')?.ExpressionAttributeValues).toMatchObject({
        ':seen_status': 'RUNNING',
        ':status': 'FAILURE',
        ':error': 'The task could not be completed (reference REF)',
      });
    },
  );

  it('leaves a task whose failure was recorded meanwhile as it is', async () => {
    holding(stored('T1', 'RUNNING'));
    execution('T1', 'FAILED', 10);
    // The failure recording wrote FAILURE after the sweep listed the task PENDING.
    db.on(GetCommand).resolves({ Item: storedItem(stored('T1', 'FAILURE')) });
    expect((await reconcileTasks(deps, options)).ended).toEqual(['T1']);
    expect(db.commandCalls(TransactWriteCommand)).toHaveLength(0);
  });

  it('leaves an execution that ended moments ago to the failure recording that follows it', async () => {
    holding(stored('T1', 'RUNNING'));
    execution('T1', 'FAILED', 25);
    const sweep = await reconcileTasks(deps, options);
    expect(sweep.running).toEqual(['T1']);
    expect(started()).toEqual([]);
  });

  it('restarts nothing when the task ended since it was listed', async () => {
    holding(stored('T1', 'RUNNING'));
    execution('T1', 'SUCCEEDED', 10);
    db.on(GetCommand).resolves({ Item: storedItem(stored('T1', 'SUCCESS')) });
    const sweep = await reconcileTasks(deps, options);
    expect(sweep.ended).toEqual(['T1']);
    expect(started()).toEqual([]);
  });

  it(`records FAILURE once ${MAX_RESTARTS} restarts have all ended with the task unfinished`, async () => {
    const memory = holding(stored('T1', 'RUNNING'));
    execution('T1', 'SUCCEEDED', 1);
    for (let n = 1; n <= MAX_RESTARTS; n++) execution(`T1-r${n}`, 'SUCCEEDED', 1 + n);
    const sweep = await reconcileTasks(deps, options);
    expect(sweep.failed).toEqual(['T1']);
    expect(started()).toEqual([]);
    expect(memory.items.get('T1')).toMatchObject({ status: 'FAILURE' });
  });

  it('counts a start that lost a race for the name as running', async () => {
    holding(stored('T1', 'RUNNING'));
    sfn
      .on(StartExecutionCommand)
      .rejects(new ExecutionAlreadyExists({ message: 'x', $metadata: {} }));
    const sweep = await reconcileTasks(deps, options);
    expect(sweep.running).toEqual(['T1']);
  });

  it('carries on past a task it cannot reconcile', async () => {
    holding(stored('T1', 'RUNNING'), stored('T2', 'RUNNING'));
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
    // Ids that sort as ULIDs do, as page cursors require.
    const ids = Array.from(
      { length: 101 },
      (_, i) => `01KB0000000000000000000${String(i).padStart(3, '0')}`,
    );
    const memory = holding(...ids.map((id) => stored(id, 'RUNNING', 1)));
    const oldest = ids[0] ?? '';
    // The oldest task shows up again in the PENDING index while the sweep reads it.
    db.on(QueryCommand).callsFake(async (input) => {
      if (String(input.ExpressionAttributeValues[':pk']).startsWith('PENDING#')) {
        memory.items.set(oldest, storedItem(stored(oldest, 'PENDING', 1)));
      }
      return memory.run('QueryCommand', input);
    });
    const sweep = await reconcileTasks(deps, options);
    expect(sweep.started).toHaveLength(101);
    expect(new Set(started()).size).toBe(101);
    expect(started()).toContain(oldest);
    const continued = db
      .commandCalls(QueryCommand)
      .map((call) => call.args[0].input.ExpressionAttributeValues?.[':after'])
      .filter((after) => after !== undefined);
    // The second page of RUNNING tasks starts after the last task of the first, in every shard.
    expect(new Set(continued)).toEqual(new Set([ids[1]]));
  });
});

describe('the scheduled sweep', () => {
  it('leaves an execution that ended moments ago, and reports counts', async () => {
    // The fake clock reads minute 30; the sweep's cutoff is two minutes earlier.
    holding(stored('T1', 'RUNNING'), stored('T2', 'RUNNING'), stored('T3', 'PENDING', 29));
    execution('T1', 'FAILED', 29);
    const result = await makeHandler(deps)({}, lambdaContext('ResumeTasks', 60_000));
    expect(result).toMatchObject({ running: 1, started: 1, admitted: 1, failed: 0, errors: 0 });
    expect(started()).toEqual(['T2', 'T3']);
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

  it('starts RUNNING tasks and admits waiting ones at start-up, then sweeps periodically', async () => {
    vi.useFakeTimers();
    holding(stored('T1', 'PENDING', 29), stored('T0', 'RUNNING', 29));
    const { reconciler } = await startLocal();
    expect(reconciler.firstSweep.started).toEqual(['T0']);
    expect(reconciler.firstSweep.admitted).toEqual(['T1']);
    sfn.reset();
    scriptWorkflow();
    holding(stored('T2', 'PENDING', 10), stored('T3', 'PENDING', 29));
    await vi.advanceTimersByTimeAsync(30_000);
    expect(started()).toEqual(['T2', 'T3']);
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
