import { resolve } from 'node:path';
import { authModeFromEnvironment } from './sign-in.ts';

/** Local mode's settings, read from its environment variables. */
export interface Settings {
  port: number;
  host: string;
  dataDir: string;
  /** An existing DynamoDB to use instead of starting DynamoDB Local. */
  dynamoEndpoint: string | undefined;
  tableName: string;
  /** DynamoDB Local's maximum Java heap, e.g. 512m. */
  dynamoHeap: string;
  /**
   * Tasks RUNNING at once at most (MAX_RUNNING_TASKS), as the stack's `maxRunningTasks`: the
   * admission cap and the Work function's reserved concurrency. The default suits one
   * developer machine (about 31 MB per Work environment); more tasks wait PENDING.
   */
  maxRunningTasks: number;
}

export const DEFAULT_MAX_RUNNING_TASKS = 10;
/** Each running task holds a Work environment, a worker thread of its own. */
const MAX_LOCAL_RUNNING_TASKS = 100;

/** Every setting that is wrong, one sentence each. */
export class SettingsError extends Error {
  override name = 'SettingsError';
  readonly problems: string[];

  constructor(problems: string[]) {
    super(problems.join('\n'));
    this.problems = problems;
  }
}

// https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/HowItWorks.NamingRulesDataTypes.html
const TABLE_NAME = /^[a-zA-Z0-9_.-]{3,255}$/;
/** A Java heap size: a number with an optional k, m or g unit, as -Xmx takes it. */
const HEAP = /^(\d+)([kmg]?)$/i;
const MIN_HEAP_BYTES = 64 * 1024 * 1024;

/** Reads and checks the settings; throws a SettingsError naming every bad one. */
export function readSettings(env: NodeJS.ProcessEnv = process.env): Settings {
  const problems: string[] = [];
  const port = Number(env.PORT ?? 3000);
  if (!/^\d+$/.test(env.PORT ?? '3000') || port > 65535) {
    problems.push(`PORT must be a port number from 0 to 65535, got "${env.PORT}"`);
  }
  const host = env.HOST ?? '127.0.0.1';
  if (host.trim() === '') problems.push('HOST must be an address such as 127.0.0.1, got ""');
  const tableName = env.TABLE_NAME ?? 'tasks';
  if (!TABLE_NAME.test(tableName)) {
    problems.push(
      `TABLE_NAME must be 3 to 255 letters, digits, "_", "-" or ".", got "${tableName}"`,
    );
  }
  const dynamoHeap = env.DYNAMODB_HEAP ?? '512m';
  if (heapBytes(dynamoHeap) < MIN_HEAP_BYTES) {
    problems.push(`DYNAMODB_HEAP must be a Java heap size of at least 64m, got "${dynamoHeap}"`);
  }
  const dynamoEndpoint = env.DYNAMODB_ENDPOINT || undefined;
  if (dynamoEndpoint !== undefined && !/^https?:\/\/[^/\s]+/.test(dynamoEndpoint)) {
    problems.push(`DYNAMODB_ENDPOINT must be an http(s) URL, got "${dynamoEndpoint}"`);
  }
  if (env.DATA_DIR === '') problems.push('DATA_DIR must be a directory, got ""');
  const maxRunning = env.MAX_RUNNING_TASKS || String(DEFAULT_MAX_RUNNING_TASKS);
  const maxRunningTasks = Number(maxRunning);
  if (
    !/^\d+$/.test(maxRunning) ||
    maxRunningTasks < 1 ||
    maxRunningTasks > MAX_LOCAL_RUNNING_TASKS
  ) {
    problems.push(
      `MAX_RUNNING_TASKS must be a whole number from 1 to ${MAX_LOCAL_RUNNING_TASKS}, got "${maxRunning}"`,
    );
  }
  try {
    authModeFromEnvironment(env);
  } catch (error) {
    problems.push((error as Error).message);
  }
  if (problems.length > 0) throw new SettingsError(problems);
  return {
    port,
    host,
    dataDir: resolve(env.DATA_DIR ?? '.data'),
    dynamoEndpoint,
    tableName,
    dynamoHeap,
    maxRunningTasks,
  };
}

/** Bytes in a Java heap size; 0 when it is not one. */
function heapBytes(size: string): number {
  const match = HEAP.exec(size);
  if (!match) return 0;
  const unit = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 }[(match[2] ?? '').toLowerCase()] ?? 0;
  return Number(match[1]) * unit;
}
