import { describe, expect, it } from 'vitest';
import { WORK_SLICE_SECONDS, WORKFLOW_FUNCTIONS } from '../../functions/catalog.ts';
import {
  readDefinitionTemplate,
  renderDefinition,
  SUBSTITUTIONS,
} from '../../infra/workflow/definition.ts';

const definition = JSON.parse(readDefinitionTemplate());

describe('workflow definition', () => {
  it('gives each Task state more time than its function has, and the worker more than a slice', () => {
    for (const [state, fn] of Object.entries(WORKFLOW_FUNCTIONS)) {
      expect(definition.States[state].TimeoutSeconds).toBeGreaterThan(fn.timeoutSeconds);
    }
    expect(WORKFLOW_FUNCTIONS.Work.timeoutSeconds).toBeGreaterThanOrEqual(WORK_SLICE_SECONDS + 10);
  });

  it('catches every worker error into RecordFailure, keeping the task id', () => {
    expect(definition.States.Work.Catch).toEqual([
      { ErrorEquals: ['States.ALL'], ResultPath: '$.failure', Next: 'RecordFailure' },
    ]);
  });

  it('waits out a throttled worker, or a task not yet admitted, for days rather than failing it', () => {
    const [waiting] = definition.States.Work.Retry;
    expect(waiting).toEqual({
      ErrorEquals: ['Lambda.TooManyRequestsException', 'TaskNotAdmitted'],
      IntervalSeconds: 1,
      MaxAttempts: 100_000,
      BackoffRate: 2,
      MaxDelaySeconds: 8,
      JitterStrategy: 'FULL',
    });
    // Full jitter waits a uniform share of at most 8 s: about 4 s a retry on average, so a
    // task is retried for about 4.6 days, and starts within seconds of a free slot.
    const averageDays = (waiting.MaxAttempts * waiting.MaxDelaySeconds) / 2 / 86_400;
    expect(averageDays).toBeGreaterThan(4);
  });

  it('retries an unavailable dependency and Lambda service errors for minutes, jittered and capped', () => {
    const [, infrastructure] = definition.States.Work.Retry;
    expect(infrastructure).toEqual({
      ErrorEquals: [
        'DependencyUnavailable',
        'Lambda.ClientExecutionTimeoutException',
        'Lambda.ServiceException',
        'Lambda.AWSLambdaException',
        'Lambda.SdkClientException',
      ],
      IntervalSeconds: 2,
      MaxAttempts: 25,
      BackoffRate: 2,
      MaxDelaySeconds: 60,
      JitterStrategy: 'FULL',
    });
    // The waits before jitter: 2, 4, 8, 16, 32, then 60 s for each of the other 20 retries.
    const waits = Array.from({ length: infrastructure.MaxAttempts }, (_, attempt) =>
      Math.min(infrastructure.IntervalSeconds * infrastructure.BackoffRate ** attempt, 60),
    );
    const longest = waits.reduce((sum, wait) => sum + wait, 0);
    expect(longest).toBe(1262);
    // Full jitter waits a uniform share of each: about half of that on average.
    expect(longest / 2 / 60).toBeGreaterThan(10);
  });

  it('retries any other worker error only twice, the worker being idempotent', () => {
    const [, , anyError, ...others] = definition.States.Work.Retry;
    expect(anyError).toEqual({
      ErrorEquals: ['States.ALL'],
      IntervalSeconds: 1,
      MaxAttempts: 2,
      BackoffRate: 2,
    });
    expect(others).toEqual([]);
  });

  it('goes from one slice straight to the next, with no Wait state between', () => {
    expect(definition.States['Done?'].Default).toBe('Work');
    expect(
      Object.values(definition.States).filter(
        (state) => (state as { Type: string }).Type === 'Wait',
      ),
    ).toEqual([]);
  });

  it('tells RecordFailure the execution, whose name differs from the task id once restarted', () => {
    expect(definition.States.RecordFailure.Parameters.Payload).toEqual({
      'task_id.$': '$.task_id',
      'execution.$': '$$.Execution.Name',
      'failure.$': '$.failure',
    });
  });

  it('fails the execution even when recording the failure fails', () => {
    expect(definition.States.RecordFailure.Catch).toEqual([
      { ErrorEquals: ['States.ALL'], ResultPath: '$.recordFailure', Next: 'Failed' },
    ]);
    expect(definition.States.RecordFailure.Next).toBe('Failed');
    expect(definition.States.Failed.Type).toBe('Fail');
  });

  it('uses exactly the substitutions it declares', () => {
    const used = new Set([...readDefinitionTemplate().matchAll(/\$\{(\w+)\}/g)].map((m) => m[1]));
    expect(used).toEqual(new Set(SUBSTITUTIONS));
    expect(() => renderDefinition({ WorkFunctionArn: 'a' } as never)).toThrow(
      'RecordFailureFunctionArn',
    );
  });
});
