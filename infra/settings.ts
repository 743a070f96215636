import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Node } from 'constructs';

/** What a deployment may choose, from CDK context (`cdk.json` or `-c name=value`) or stack props. */
export interface TasksSettings {
  /** Names the stack (`tasks-service-<stage>`), so one account can hold several copies. */
  stage: string;
  /** Days a finished task is kept before DynamoDB's TTL removes it. */
  taskRetentionDays: number;
  /** Days CloudWatch keeps the logs of the functions, the workflow and the API; also the access logs. */
  logRetentionDays: RetentionDays;
  /** Steady-state requests per second the API stage accepts. */
  apiThrottleRateLimit: number;
  /** Requests the API stage accepts in a burst above the steady rate. */
  apiThrottleBurstLimit: number;
  /** What `cdk destroy` does to the data: keep the table, buckets and logs, or delete them. */
  removalPolicy: 'retain' | 'destroy';
  /** Whether the workflow's logs include each execution's input and output. */
  logExecutionData: boolean;
  /** Who the alarms e-mail (SNS asks the address to confirm first); empty for no one. */
  alarmEmail: string;
  /**
   * `cognito`: every task route takes a Cognito access token. `none` (`-c auth=none`) leaves
   * the API open to anyone, as before sign-in; the stack says so loudly.
   */
  auth: 'cognito' | 'none';
  /** Whether anyone may create an account on the sign-in page; off, an administrator creates users. */
  selfSignUp: boolean;
  /**
   * Tasks RUNNING at once at most; more wait PENDING and start oldest first. Also the Work
   * function's reserved concurrency, so running tasks never take the API functions' share of
   * the account's Lambda concurrency (at most the account's quota minus 100).
   */
  maxRunningTasks: number;
}

export const DEFAULT_SETTINGS: Readonly<TasksSettings> = {
  stage: 'dev',
  taskRetentionDays: 30,
  logRetentionDays: RetentionDays.ONE_MONTH,
  apiThrottleRateLimit: 50,
  apiThrottleBurstLimit: 100,
  removalPolicy: 'retain',
  logExecutionData: false,
  alarmEmail: '',
  auth: 'cognito',
  selfSignUp: false,
  maxRunningTasks: 100,
};

export class SettingsError extends Error {
  constructor(name: keyof TasksSettings, expected: string, got: unknown) {
    super(`Invalid setting "${name}": expected ${expected}, got ${JSON.stringify(got)}`);
    this.name = 'SettingsError';
  }
}

const RETENTION_DAYS = new Set<number>(
  Object.values(RetentionDays).filter(
    (days): days is number => typeof days === 'number' && days !== RetentionDays.INFINITE,
  ),
);

type Parsers = { [K in keyof TasksSettings]: (value: unknown) => TasksSettings[K] };

const PARSERS: Parsers = {
  stage: (value) => {
    if (typeof value === 'string' && /^[A-Za-z][A-Za-z0-9-]{0,31}$/.test(value)) return value;
    throw new SettingsError('stage', 'a letter then up to 31 letters, digits or hyphens', value);
  },
  taskRetentionDays: (value) => integer('taskRetentionDays', value, 1, 3650),
  logRetentionDays: (value) => {
    const days = toNumber(value);
    if (RETENTION_DAYS.has(days)) return days as RetentionDays;
    const allowed = [...RETENTION_DAYS].join(', ');
    throw new SettingsError('logRetentionDays', `one of ${allowed}`, value);
  },
  apiThrottleRateLimit: (value) => {
    const rate = toNumber(value);
    if (rate > 0 && rate <= 10_000) return rate;
    throw new SettingsError(
      'apiThrottleRateLimit',
      'requests per second above 0, at most 10000',
      value,
    );
  },
  apiThrottleBurstLimit: (value) => integer('apiThrottleBurstLimit', value, 1, 5000),
  removalPolicy: (value) => {
    if (value === 'retain' || value === 'destroy') return value;
    throw new SettingsError('removalPolicy', '"retain" or "destroy"', value);
  },
  logExecutionData: (value) => boolean('logExecutionData', value),
  auth: (value) => {
    if (value === 'cognito' || value === 'none') return value;
    throw new SettingsError('auth', '"cognito" or "none"', value);
  },
  selfSignUp: (value) => boolean('selfSignUp', value),
  maxRunningTasks: (value) => integer('maxRunningTasks', value, 1, 10_000),
  alarmEmail: (value) => {
    if (value === '' || (typeof value === 'string' && /^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(value)))
      return value;
    throw new SettingsError('alarmEmail', 'an e-mail address, or "" for none', value);
  },
};

/** `-c` gives `true`/`false` as strings. */
function boolean(name: keyof TasksSettings, value: unknown): boolean {
  if (value === true || value === 'true') return true;
  if (value === false || value === 'false') return false;
  throw new SettingsError(name, 'true or false', value);
}

/** Numbers from `-c` arrive as strings; anything else that is not a finite number becomes NaN. */
function toNumber(value: unknown): number {
  if (typeof value === 'number') return value;
  if (typeof value === 'string' && value.trim() !== '') return Number(value);
  return Number.NaN;
}

function integer(name: keyof TasksSettings, value: unknown, min: number, max: number): number {
  const number = toNumber(value);
  if (Number.isInteger(number) && number >= min && number <= max) return number;
  throw new SettingsError(name, `a whole number from ${min} to ${max}`, value);
}

/** The settings from context, with `overrides` (stack props) taking precedence; every value is checked. */
export function readSettings(node: Node, overrides: Partial<TasksSettings> = {}): TasksSettings {
  const read = <K extends keyof TasksSettings>(name: K): TasksSettings[K] =>
    PARSERS[name](overrides[name] ?? node.tryGetContext(name) ?? DEFAULT_SETTINGS[name]);
  return {
    stage: read('stage'),
    taskRetentionDays: read('taskRetentionDays'),
    logRetentionDays: read('logRetentionDays'),
    apiThrottleRateLimit: read('apiThrottleRateLimit'),
    apiThrottleBurstLimit: read('apiThrottleBurstLimit'),
    removalPolicy: read('removalPolicy'),
    logExecutionData: read('logExecutionData'),
    alarmEmail: read('alarmEmail'),
    auth: read('auth'),
    selfSignUp: read('selfSignUp'),
    maxRunningTasks: read('maxRunningTasks'),
  };
}
