import {
  DescribeExecutionCommand,
  ExecutionAlreadyExists,
  ExecutionDoesNotExist,
  SFNClient,
  StartExecutionCommand,
  StopExecutionCommand,
} from '@aws-sdk/client-sfn';
import { afterEach, describe, expect, it } from 'vitest';
import { type LocalFunction, StepFunctionsEmulator } from '../../infra/local/stepfunctions.ts';
import { renderDefinition } from '../../infra/workflow/definition.ts';
import { waitFor } from '../helpers/local-service.ts';

const ARN = 'arn:aws:states:us-east-1:000000000000:stateMachine:test';
let emulator: StepFunctionsEmulator | undefined;

async function start(functions: Record<string, LocalFunction>) {
  emulator = new StepFunctionsEmulator({
    stateMachineArn: ARN,
    definition: renderDefinition({ WorkFunctionArn: 'work', RecordFailureFunctionArn: 'record' }),
    functions: Object.fromEntries(
      Object.entries(functions).map(([state, handler]) => [state, { handler, timeoutMs: 10_000 }]),
    ),
    log: () => {},
  });
  const endpoint = await emulator.listen();
  return new SFNClient({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'a', secretAccessKey: 'b' },
  });
}

const describeUntilDone = (sfn: SFNClient, executionArn: string) =>
  waitFor(
    async () => {
      const execution = await sfn.send(new DescribeExecutionCommand({ executionArn }));
      return execution.status === 'RUNNING' ? undefined : execution;
    },
    10_000,
    20,
  );

afterEach(async () => {
  await emulator?.close();
  emulator = undefined;
});

describe('the workflow in the Step Functions emulator', () => {
  it('loops Work → Done? → Wait until the worker says done, passing the task id', async () => {
    const seen: unknown[] = [];
    const sfn = await start({
      Work: async (event) => {
        seen.push(event);
        return { task_id: 'T1', done: seen.length === 3, wait_seconds: 0 };
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
  });

  it('retries a failing worker twice, then hands its error to RecordFailure and fails', async () => {
    const recorded: unknown[] = [];
    let attempts = 0;
    const sfn = await start({
      Work: async () => {
        attempts += 1;
        throw new TypeError('x is undefined');
      },
      RecordFailure: async (event) => {
        recorded.push(event);
        return { task_id: 'T2' };
      },
    });
    const { executionArn } = await sfn.send(
      new StartExecutionCommand({ stateMachineArn: ARN, name: 'T2', input: '{"task_id":"T2"}' }),
    );
    const execution = await describeUntilDone(sfn, executionArn as string);
    expect(execution).toMatchObject({ status: 'FAILED', error: 'TaskFailed' });
    expect(attempts).toBe(3);
    expect(recorded).toHaveLength(1);
    expect(recorded[0]).toMatchObject({ task_id: 'T2', failure: { Error: expect.any(String) } });
  });

  it('carries on after a worker error that a retry gets past, recording no failure', async () => {
    let attempts = 0;
    const recorded: unknown[] = [];
    const sfn = await start({
      Work: async () => {
        attempts += 1;
        if (attempts === 1) throw new Error('The table is busy');
        return { task_id: 'T5', done: true, wait_seconds: 0 };
      },
      RecordFailure: async (event) => {
        recorded.push(event);
        return { task_id: 'T5' };
      },
    });
    const { executionArn } = await sfn.send(
      new StartExecutionCommand({ stateMachineArn: ARN, name: 'T5', input: '{"task_id":"T5"}' }),
    );
    const execution = await describeUntilDone(sfn, executionArn as string);
    expect(execution.status).toBe('SUCCEEDED');
    expect(attempts).toBe(2);
    expect(recorded).toEqual([]);
  });

  it('treats a repeated start as the same execution and a changed input as a conflict', async () => {
    const sfn = await start({
      Work: async () => new Promise(() => {}),
      RecordFailure: async () => ({}),
    });
    const input = { stateMachineArn: ARN, name: 'T3', input: '{"task_id":"T3"}' };
    const first = await sfn.send(new StartExecutionCommand(input));
    const again = await sfn.send(new StartExecutionCommand(input));
    expect(again.executionArn).toBe(first.executionArn);
    await expect(
      sfn.send(new StartExecutionCommand({ ...input, input: '{"task_id":"other"}' })),
    ).rejects.toBeInstanceOf(ExecutionAlreadyExists);
  });

  it('stops a running execution, and reports unknown executions as such', async () => {
    const sfn = await start({
      Work: async () => new Promise(() => {}),
      RecordFailure: async () => ({}),
    });
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
