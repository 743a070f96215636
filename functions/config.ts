import * as v from 'valibot';
import { WORK_SLICE_SECONDS } from './catalog.ts';

const REQUIRED = 'is required';
const text = () => v.string(REQUIRED);
const numberFrom = (min: number, max: number) => {
  const message = `must be a number from ${min} to ${max}`;
  return v.pipe(
    v.string(message),
    v.decimal(message),
    v.transform(Number),
    v.minValue(min, message),
    v.maxValue(max, message),
  );
};

/** Where the service's own metrics go; the alarms and the operations dashboard read them there. */
export const METRICS_NAMESPACE = 'TasksService';

/** The environment every function reads; an unset or empty variable takes its default. */
export const ENVIRONMENT = {
  TABLE_NAME: text(),
  STATE_MACHINE_ARN: text(),
  POWERTOOLS_SERVICE_NAME: v.optional(text(), 'tasks-service'),
  POWERTOOLS_METRICS_NAMESPACE: v.optional(text(), METRICS_NAMESPACE),
  SERVICE_VERSION: v.optional(text(), 'unknown'),
  /** Days a finished task is kept before DynamoDB's TTL removes it. */
  TASK_RETENTION_DAYS: v.optional(numberFrom(1, 3650), '30'),
  /** Longest stretch of work one worker invocation does before handing back to the workflow. */
  WORK_SLICE_SECONDS: v.optional(numberFrom(1, 840), String(WORK_SLICE_SECONDS)),
  /** Tasks RUNNING at once at most; set on every function that starts tasks (admission). */
  MAX_RUNNING_TASKS: v.pipe(numberFrom(1, 10_000), v.integer('must be a whole number')),
};

type Variable = keyof typeof ENVIRONMENT;

/** Read when a function is wired, so a misconfigured deployment fails at once, naming the variable. */
function read<Name extends Variable>(name: Name): v.InferOutput<(typeof ENVIRONMENT)[Name]> {
  const raw = process.env[name];
  const result = v.safeParse(ENVIRONMENT[name], raw === '' ? undefined : raw);
  if (result.success) return result.output as v.InferOutput<(typeof ENVIRONMENT)[Name]>;
  const message = result.issues[0].message;
  throw new Error(
    raw === undefined || raw === ''
      ? `Missing required environment variable ${name}`
      : `Environment variable ${name} ${message}, got "${raw}"`,
  );
}

export const env = {
  tableName: () => read('TABLE_NAME'),
  stateMachineArn: () => read('STATE_MACHINE_ARN'),
  serviceName: () => read('POWERTOOLS_SERVICE_NAME'),
  metricsNamespace: () => read('POWERTOOLS_METRICS_NAMESPACE'),
  serviceVersion: () => read('SERVICE_VERSION'),
  retentionDays: () => read('TASK_RETENTION_DAYS'),
  workSliceSeconds: () => read('WORK_SLICE_SECONDS'),
  maxRunningTasks: () => read('MAX_RUNNING_TASKS'),
};
