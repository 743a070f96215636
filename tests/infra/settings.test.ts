import { App } from 'aws-cdk-lib';
import { describe, expect, it } from 'vitest';
import { DEFAULT_SETTINGS, readSettings } from '../../infra/settings.ts';
import { cdkJsonContext } from './template-queries.ts';

const withContext = (context: Record<string, unknown>) => new App({ context }).node;

describe('deployment settings', () => {
  it('states every setting with its default in cdk.json', () => {
    const context = cdkJsonContext();
    for (const [name, value] of Object.entries(DEFAULT_SETTINGS))
      expect(context[name], name).toBe(value);
  });

  it('uses the defaults when the context says nothing', () => {
    expect(readSettings(withContext({}))).toEqual(DEFAULT_SETTINGS);
  });

  it('reads numbers and booleans given as text on the command line', () => {
    const settings = readSettings(
      withContext({
        taskRetentionDays: '7',
        logRetentionDays: '90',
        apiThrottleRateLimit: '2.5',
        apiThrottleBurstLimit: '10',
        logExecutionData: 'true',
        removalPolicy: 'destroy',
        stage: 'prod',
        alarmEmail: 'oncall@example.com',
        auth: 'none',
        selfSignUp: 'true',
        maxRunningTasks: '25',
      }),
    );
    expect(settings).toEqual({
      stage: 'prod',
      taskRetentionDays: 7,
      logRetentionDays: 90,
      apiThrottleRateLimit: 2.5,
      apiThrottleBurstLimit: 10,
      removalPolicy: 'destroy',
      logExecutionData: true,
      alarmEmail: 'oncall@example.com',
      auth: 'none',
      selfSignUp: true,
      maxRunningTasks: 25,
    });
  });

  it('prefers stack props over context', () => {
    const settings = readSettings(withContext({ taskRetentionDays: 7 }), { taskRetentionDays: 3 });
    expect(settings.taskRetentionDays).toBe(3);
  });

  it.each([
    ['stage', 'my stage', /"stage".*letter/],
    ['taskRetentionDays', 0, /"taskRetentionDays".*whole number from 1 to 3650, got 0/],
    ['taskRetentionDays', '30 days', /"taskRetentionDays".*got "30 days"/],
    ['logRetentionDays', 31, /"logRetentionDays".*one of 1, 3, 5/],
    ['apiThrottleRateLimit', -1, /"apiThrottleRateLimit"/],
    ['apiThrottleBurstLimit', 1.5, /"apiThrottleBurstLimit".*whole number/],
    ['removalPolicy', 'snapshot', /"removalPolicy".*"retain" or "destroy"/],
    ['logExecutionData', 'yes', /"logExecutionData".*true or false/],
    ['alarmEmail', 'oncall', /"alarmEmail".*e-mail address/],
    ['alarmEmail', 42, /"alarmEmail".*got 42/],
    ['auth', 'cognito-local', /"auth".*"cognito" or "none"/],
    ['selfSignUp', 'yes', /"selfSignUp".*true or false/],
    ['maxRunningTasks', 0, /"maxRunningTasks".*whole number from 1 to 10000, got 0/],
    ['maxRunningTasks', '2.5', /"maxRunningTasks".*whole number/],
  ])('refuses %s = %j with a message naming the setting', (name, value, message) => {
    expect(() => readSettings(withContext({ [name]: value }))).toThrow(message);
  });
});
