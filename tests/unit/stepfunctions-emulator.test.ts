import {
  DescribeExecutionCommand,
  ExecutionAlreadyExists,
  ExecutionDoesNotExist,
  SFNClient,
  StartExecutionCommand,
  StopExecutionCommand,
} from '@aws-sdk/client-sfn';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { DependencyUnavailableError } from '../../functions/tasks/dependency-errors.ts';
import { LambdaInvokeError } from '../../infra/local/lambda-runtime.ts';
import {
  type EndedExecution,
  type LocalFunction,
  StepFunctionsEmulator,
} from '../../infra/local/stepfunctions.ts';
import { renderDefinition } from '../../infra/workflow/definition.ts';
import { waitFor } from '../helpers/local-service.ts';

const ARN = 'arn:aws:states:us-east-1:000000000000:stateMachine:test';
let emulator: StepFunctionsEmulator | undefined;
let logged: string[] = [];
/**
 * Retry intervals of seconds become tenths of milliseconds; the real policy runs, only
 * faster. Every test uses this one scale: the emulator validates a definition once per
 * scale, which takes about a second.
 */
const RETRY_TIME_SCALE = 0.0001;

async function start(functions: Record<string, LocalFunction>) {
  logged = [];
  emulator = new StepFunctionsEmulator({
    stateMachineArn: ARN,
    definition: renderDefinition({ WorkFunctionArn: 'work', RecordFailureFunctionArn: 'record' }),
    functions: Object.fromEntries(
      Object.entries(functions).map(([state, handler]) => [state, { handler, timeoutMs: 10_000 }]),
    ),
    log: (line) => logged.push(line),
    retryTimeScale: RETRY_TIME_SCALE,
  });
  const endpoint = await emulator.listen();
  return new SFNClient({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'a', secretAccessKey: 'b' },
  });
}

/** A workflow whose Work never answers: its executions stay RUNNING. */
const startHangingWork = () =>
  start({ Work: async () => new Promise(() => {}), RecordFailure: async () => ({}) });

const describeUntilDone = (sfn: SFNClient, executionArn: string) =>
  waitFor(
    async () => {
      const execution = await sfn.send(new DescribeExecutionCommand({ executionArn }));
      return execution.status === 'RUNNING' ? undefined : execution;
    },
    10_000,
    5,
  );

const run = async (sfn: SFNClient, name: string) => {
  const { executionArn } = await sfn.send(
    new StartExecutionCommand({
      stateMachineArn: ARN,
      name,
      input: JSON.stringify({ task_id: name }),
    }),
  );
  return describeUntilDone(sfn, executionArn as string);
};

/**
 * Starts the workflow with a Work function that throws `error()` on its first `failures`
 * attempts and then finishes the task, and a RecordFailure that records what it is handed.
 */
async function startFailingWork(failures: number, error: () => Error) {
  const calls = { attempts: 0, recorded: [] as unknown[] };
  const sfn = await start({
    Work: async (event) => {
      calls.attempts += 1;
      if (calls.attempts <= failures) throw error();
      return { ...(event as object), done: true };
    },
    RecordFailure: async (event) => {
      calls.recorded.push(event);
      return {};
    },
  });
  return { sfn, calls };
}

afterEach(async () => {
  await emulator?.close();
  emulator = undefined;
});

describe('the workflow in the Step Functions emulator', () => {
  it('loops Work → Done? → Work until the worker says done, passing the task id', async () => {
    const seen: unknown[] = [];
    const sfn = await start({
      Work: async (event) => {
        seen.push(event);
        return { task_id: 'T1', done: seen.length === 3 };
      },
      RecordFailure: async () => ({}),
    });
    const { executionArn } = await sfn.send(
      new StartExecutionCommand({ stateMachineArn: ARN, name: 'T1', input: '{"task_id":"T1"}' }),
    );
    expect(executionArn).toBe('arn:aws:states:us-east-1:000000000000:execution:test:T1');
    const execution = await describeUntilDone(sfn, executionArn as string);
    expect(execution.status).toBe('SUCCEEDED');
    expect(seen).toEqual([{ task_id: 'T1' }, { task_id: 'T1' }, { task_id: 'T1' }]);
    await vi.waitFor(() => expect(logged).toHaveLength(1));
    // Work and Done? three times each, then Finished: no Wait state between slices.
    expect(logged[0]).toMatch(/^Execution T1 SUCCEEDED after 7 state transitions/);
  });

  it('retries a failing worker twice, then hands RecordFailure the error as Lambda reports it', async () => {
    const { sfn, calls } = await startFailingWork(
      Number.POSITIVE_INFINITY,
      () => new TypeError('x is undefined'),
    );
    const execution = await run(sfn, 'T2');
    expect(execution).toMatchObject({ status: 'FAILED', error: 'TaskFailed' });
    expect(calls.attempts).toBe(3);
    expect(calls.recorded).toEqual([
      {
        task_id: 'T2',
        execution: 'T2',
        failure: { Error: 'TypeError', Cause: expect.any(String) },
      },
    ]);
    const { failure } = calls.recorded[0] as { failure: { Cause: string } };
    expect(JSON.parse(failure.Cause)).toEqual({
      errorType: 'TypeError',
      errorMessage: 'x is undefined',
      trace: expect.arrayContaining([expect.stringContaining('TypeError: x is undefined')]),
    });
  });

  it('carries on after a worker error that a retry gets past, recording no failure', async () => {
    const { sfn, calls } = await startFailingWork(1, () => new Error('The table is busy'));
    expect((await run(sfn, 'T5')).status).toBe('SUCCEEDED');
    expect(calls.attempts).toBe(2);
    expect(calls.recorded).toEqual([]);
  });

  it('retries an unavailable dependency far more often than other errors, then succeeds', async () => {
    const { sfn, calls } = await startFailingWork(
      20,
      () => new DependencyUnavailableError(new Error('timeout')),
    );
    expect((await run(sfn, 'T6')).status).toBe('SUCCEEDED');
    expect(calls.attempts).toBe(21);
  });

  it('gives up on an unavailable dependency after 25 retries and records the failure', async () => {
    const { sfn, calls } = await startFailingWork(
      Number.POSITIVE_INFINITY,
      () => new DependencyUnavailableError(new Error('timeout')),
    );
    expect((await run(sfn, 'T7')).status).toBe('FAILED');
    // The retrier that matched counts the attempts; States.ALL does not retry them again.
    expect(calls.attempts).toBe(26);
    expect(calls.recorded).toEqual([
      expect.objectContaining({
        failure: expect.objectContaining({ Error: 'DependencyUnavailable' }),
      }),
    ]);
  });

  it('waits out a Work function throttled beyond its reserved concurrency, far past the retry budget of failures', async () => {
    const throttled = () =>
      new LambdaInvokeError('Lambda.TooManyRequestsException', {
        errorType: 'TooManyRequestsException',
        errorMessage: 'Rate Exceeded. Work: ReservedFunctionConcurrentInvocationLimitExceeded',
        trace: [],
      });
    const { sfn, calls } = await startFailingWork(60, throttled);
    expect((await run(sfn, 'T9')).status).toBe('SUCCEEDED');
    expect(calls.attempts).toBe(61);
    expect(calls.recorded).toEqual([]);
  });

  it('invokes nothing more once an execution is stopped, even while its Task state is being retried', async () => {
    let attempts = 0;
    let recorded = 0;
    const sfn = await start({
      Work: async () => {
        attempts += 1;
        await new Promise((resolve) => setTimeout(resolve, 5));
        throw new LambdaInvokeError('Lambda.TooManyRequestsException', {
          errorType: 'TooManyRequestsException',
          errorMessage: 'Rate Exceeded.',
          trace: [],
        });
      },
      RecordFailure: async () => {
        recorded += 1;
        return {};
      },
    });
    const { executionArn } = await sfn.send(
      new StartExecutionCommand({ stateMachineArn: ARN, name: 'T10', input: '{"task_id":"T10"}' }),
    );
    await vi.waitFor(() => expect(attempts).toBeGreaterThan(2));
    await sfn.send(new StopExecutionCommand({ executionArn, cause: 'Cancelled by a client' }));
    const atStop = attempts;
    await new Promise((resolve) => setTimeout(resolve, 200));
    // The invocation under way when the stop came may end; none starts after it.
    expect(attempts).toBe(atStop);
    expect(recorded).toBe(0);
    expect((await sfn.send(new DescribeExecutionCommand({ executionArn }))).status).toBe('ABORTED');
  });

  it('calls the ended-badly hook for failed executions only, as the EventBridge rule would', async () => {
    const ended: EndedExecution[] = [];
    const sfn = await start({
      Work: async (event) => {
        if ((event as { task_id: string }).task_id === 'T8') throw new Error('broken');
        return new Promise(() => {});
      },
      RecordFailure: async () => ({}),
    });
    emulator?.onExecutionEndedBadly(async (execution) => {
      ended.push(execution);
    });
    const { executionArn } = await sfn.send(
      new StartExecutionCommand({ stateMachineArn: ARN, name: 'T9', input: '{"task_id":"T9"}' }),
    );
    await sfn.send(new StopExecutionCommand({ executionArn, cause: 'Cancelled by a client' }));
    await run(sfn, 'T8');
    await vi.waitFor(() => expect(ended).toHaveLength(1));
    expect(ended[0]).toMatchObject({ name: 'T8', status: 'FAILED', error: 'TaskFailed' });
  });

  it('treats a repeated start as the same execution and a changed input as a conflict', async () => {
    const sfn = await startHangingWork();
    const input = { stateMachineArn: ARN, name: 'T3', input: '{"task_id":"T3"}' };
    const first = await sfn.send(new StartExecutionCommand(input));
    const again = await sfn.send(new StartExecutionCommand(input));
    expect(again.executionArn).toBe(first.executionArn);
    await expect(
      sfn.send(new StartExecutionCommand({ ...input, input: '{"task_id":"other"}' })),
    ).rejects.toBeInstanceOf(ExecutionAlreadyExists);
  });

  it('stops a running execution, and reports unknown executions as such', async () => {
    const sfn = await startHangingWork();
    const { executionArn } = await sfn.send(
      new StartExecutionCommand({ stateMachineArn: ARN, name: 'T4', input: '{"task_id":"T4"}' }),
    );
    await sfn.send(new StopExecutionCommand({ executionArn, cause: 'Cancelled by a client' }));
    const execution = await sfn.send(new DescribeExecutionCommand({ executionArn }));
    expect(execution).toMatchObject({ status: 'ABORTED', cause: 'Cancelled by a client' });
    await expect(
      sfn.send(new DescribeExecutionCommand({ executionArn: `${executionArn}-missing` })),
    ).rejects.toBeInstanceOf(ExecutionDoesNotExist);
  });
});
