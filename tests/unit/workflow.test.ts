import { describe, expect, it } from 'vitest';
import { WORK_SLICE_SECONDS, WORKFLOW_FUNCTIONS } from '../../functions/routes.ts';
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

  it('retries Lambda service errors first, then any worker error twice, the worker being idempotent', () => {
    const [serviceErrors, anyError, ...others] = definition.States.Work.Retry;
    expect(serviceErrors.ErrorEquals.every((name: string) => name.startsWith('Lambda.'))).toBe(
      true,
    );
    expect(anyError).toEqual({
      ErrorEquals: ['States.ALL'],
      IntervalSeconds: 1,
      MaxAttempts: 2,
      BackoffRate: 2,
    });
    expect(others).toEqual([]);
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
