import { WORK_SLICE_SECONDS } from './routes.ts';

/**
 * The environment every function reads, validated once at module scope so a
 * misconfigured deployment fails at cold start with a message naming the variable.
 */
function read(name: string, fallback?: string): string {
  const value = process.env[name] ?? fallback;
  if (value === undefined || value === '') {
    throw new Error(`Missing required environment variable ${name}`);
  }
  return value;
}

function readNumber(name: string, fallback: number, min: number, max: number): number {
  const raw = read(name, String(fallback));
  const value = Number(raw);
  if (!Number.isFinite(value) || value < min || value > max) {
    throw new Error(
      `Environment variable ${name} must be a number from ${min} to ${max}, got "${raw}"`,
    );
  }
  return value;
}

export const env = {
  tableName: () => read('TABLE_NAME'),
  stateMachineArn: () => read('STATE_MACHINE_ARN'),
  serviceName: () => read('POWERTOOLS_SERVICE_NAME', 'tasks-service'),
  serviceVersion: () => read('SERVICE_VERSION', 'unknown'),
  /** Days a finished task is kept before DynamoDB's TTL removes it. */
  retentionDays: () => readNumber('TASK_RETENTION_DAYS', 30, 1, 3650),
  /** Longest stretch of work one worker invocation does before handing back to the workflow. */
  workSliceSeconds: () => readNumber('WORK_SLICE_SECONDS', WORK_SLICE_SECONDS, 1, 840),
};
