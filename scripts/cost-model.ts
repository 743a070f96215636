/**
 * The monthly bill of the service, from the synthesized template's real settings (function
 * memory and architecture, the workflow's states and type, the table's billing mode and
 * PITR, log retention, tracing) and the measured DynamoDB units per task. Used by
 * scripts/cost.ts (`npm run cost`); pure, so tests run it on any template.
 */

import type { StackFacts } from './cost-template.ts';

export type { StackFacts } from './cost-template.ts';

/** us-east-1 on-demand list prices, before free tiers, as read on PRICES.date. */
export const PRICES = {
  date: '2026-11-30',
  region: 'us-east-1',
  /** https://aws.amazon.com/lambda/pricing/ */
  lambdaGbSecond: { arm64: 0.0000133334, x86_64: 0.0000166667 },
  lambdaPerMillionRequests: 0.2,
  /** Standard workflows: https://aws.amazon.com/step-functions/pricing/ */
  stepFunctionsPerThousandTransitions: 0.025,
  /**
   * On-demand, after the November 2024 reduction:
   * https://aws.amazon.com/dynamodb/pricing/on-demand/
   */
  dynamodbPerMillionWriteUnits: 0.625,
  dynamodbPerMillionReadUnits: 0.125,
  dynamodbStoragePerGbMonth: 0.25,
  dynamodbPitrPerGbMonth: 0.2,
  /** HTTP API, first 300 million a month: https://aws.amazon.com/api-gateway/pricing/ */
  httpApiPerMillionRequests: 1.0,
  /** United States: https://aws.amazon.com/cloudfront/pricing/ */
  cloudFrontPerTenThousandHttpsRequests: 0.01,
  cloudFrontPerGbOut: 0.085,
  /** https://aws.amazon.com/cloudwatch/pricing/ */
  logsIngestionPerGb: 0.5,
  logsStoragePerGbMonth: 0.03,
  /** https://aws.amazon.com/xray/pricing/ */
  xrayPerMillionTraces: 5.0,
} as const;

/**
 * DynamoDB units of one task as DynamoDB Local reported them (ReturnConsumedCapacity) on
 * MEASURED_UNITS.date, with `npm run bench -- units`: the create, then the Work handler
 * slice by slice (progress saved every 5 s, a half-unit status read on the other steps).
 * Units grow linearly with the duration, so two durations give the line. Re-measure after
 * changing the store or the worker, and update these figures.
 */
export const MEASURED_UNITS = {
  date: '2026-11-30',
  command: 'npm run bench -- units',
  short: { durationSeconds: 10, write: 43, read: 9.5 },
  long: { durationSeconds: 600, write: 161, read: 254.5 },
  /**
   * AWS bills a transactional write 2 units per item up to 1 KB, DynamoDB Local reports 1:
   * create, start and finish each write 3 items (task and two totals counters).
   * https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/transaction-apis.html
   */
  transactionalItemsPerTask: 9,
} as const;

/** What the template does not say: how clients and functions behave. */
export const ASSUMPTIONS = {
  /** A client polls GET /tasks/{id}/status this often while its task runs. */
  statusPollSeconds: 2,
  /** GET /tasks/{id}/result reads per task, once it has ended. */
  resultReads: 1,
  /** Billed time of one API function invocation. */
  apiInvocationMs: 50,
  /** A strongly consistent GetItem of a task item (under 4 KB): 1 read unit. */
  readUnitsPerStatusRead: 1,
  /** Stored bytes per task with its index entries (KEYS_ONLY indexes). */
  storedBytesPerTask: 2_048,
  /** Log bytes each function invocation writes (Powertools' structured lines, START/END/REPORT). */
  logBytesPerInvocation: 1_500,
  /** Workflow log bytes per state transition at level ALL (no execution data). */
  workflowLogBytesPerTransition: 1_000,
  /** One API access log line. */
  accessLogBytesPerRequest: 400,
  /** One API answer through CloudFront. */
  responseBytes: 1_000,
  /** Clients call the API through CloudFront (the dashboard's URL), not the execute-api URL. */
  throughCloudFront: true,
  secondsPerMonth: 30 * 86_400,
} as const;

export interface Usage {
  /** Tasks created a month. */
  tasks: number;
  /** Seconds of work per task. */
  durationSeconds: number;
  /** Tasks allowed to run at once, if capped; only checked against the average. */
  concurrency?: number;
}

export interface CostLine {
  service:
    | 'Lambda'
    | 'Step Functions'
    | 'DynamoDB'
    | 'API Gateway'
    | 'CloudFront'
    | 'CloudWatch Logs'
    | 'X-Ray';
  what: string;
  usd: number;
}

export interface Estimate {
  lines: CostLine[];
  byService: Record<string, number>;
  total: number;
  perTask: {
    slices: number;
    transitions: number;
    apiRequests: number;
    writeUnits: number;
    readUnits: number;
  };
  notes: string[];
}

/** DynamoDB units of one task's own writes and the worker's reads, on the measured line. */
export function unitsPerTask(durationSeconds: number): { write: number; read: number } {
  const { short, long, transactionalItemsPerTask } = MEASURED_UNITS;
  const along = (a: number, b: number) =>
    a +
    ((b - a) * (durationSeconds - short.durationSeconds)) /
      (long.durationSeconds - short.durationSeconds);
  return {
    write: Math.max(0, along(short.write, long.write)) + transactionalItemsPerTask,
    read: Math.max(0, along(short.read, long.read)),
  };
}

const million = 1_000_000;
const GB = 1024 ** 3;
const fmt = (n: number) => Math.round(n).toLocaleString('en-US');

export function estimate(facts: StackFacts, usage: Usage): Estimate {
  const a = ASSUMPTIONS;
  const p = PRICES;
  const { tasks, durationSeconds } = usage;
  const lines: CostLine[] = [];
  const notes: string[] = [];
  const fn = (name: string) => {
    const found = facts.functions[name];
    if (!found) throw new Error(`The template has no ${name} function`);
    return found;
  };
  const gbSeconds = (name: string, seconds: number) => (seconds * fn(name).memoryMb) / 1024;
  const gbSecondPrice = (name: string) => p.lambdaGbSecond[fn(name).architecture];

  const slices = Math.max(1, Math.ceil(durationSeconds / facts.workSliceSeconds));
  const polls = Math.ceil(durationSeconds / a.statusPollSeconds);
  const apiCalls = { CreateTask: 1, GetTaskStatus: polls, GetTaskResult: a.resultReads };
  const apiRequests = Object.values(apiCalls).reduce((sum, n) => sum + n, 0);

  // Lambda
  const workGbS = tasks * gbSeconds('Work', durationSeconds);
  const work = fn('Work');
  lines.push({
    service: 'Lambda',
    what: `Work: ${fmt(tasks)} × ${durationSeconds} s × ${work.memoryMb} MB ${work.architecture} = ${fmt(workGbS)} GB-s; ${fmt(tasks * slices)} invocations`,
    usd:
      workGbS * gbSecondPrice('Work') + ((tasks * slices) / million) * p.lambdaPerMillionRequests,
  });
  let apiUsd = 0;
  const apiParts: string[] = [];
  for (const [name, perTask] of Object.entries(apiCalls)) {
    const invocations = tasks * perTask;
    apiUsd +=
      invocations * gbSeconds(name, a.apiInvocationMs / 1000) * gbSecondPrice(name) +
      (invocations / million) * p.lambdaPerMillionRequests;
    apiParts.push(`${name} ${fmt(invocations)} × ${fn(name).memoryMb} MB`);
  }
  lines.push({
    service: 'Lambda',
    what: `API: ${apiParts.join(', ')}, ${a.apiInvocationMs} ms each`,
    usd: apiUsd,
  });
  const sweeps =
    facts.sweepEveryMinutes && facts.functions.ResumeTasks
      ? a.secondsPerMonth / 60 / facts.sweepEveryMinutes
      : 0;
  if (sweeps) {
    lines.push({
      service: 'Lambda',
      what: `ResumeTasks: every ${facts.sweepEveryMinutes} min = ${fmt(sweeps)} invocations`,
      usd:
        sweeps * gbSeconds('ResumeTasks', a.apiInvocationMs / 1000) * gbSecondPrice('ResumeTasks') +
        (sweeps / million) * p.lambdaPerMillionRequests,
    });
  }

  // Step Functions
  const transitions = slices * facts.statesPerSlice + facts.statesAtEnd;
  if (facts.workflowType !== 'STANDARD')
    notes.push(`The workflow is ${facts.workflowType}: priced as STANDARD.`);
  lines.push({
    service: 'Step Functions',
    what: `${transitions} state transitions per task (${slices} slice(s) of ${facts.workSliceSeconds} s × ${facts.statesPerSlice} + ${facts.statesAtEnd}) × ${fmt(tasks)}`,
    usd: ((tasks * transitions) / 1000) * p.stepFunctionsPerThousandTransitions,
  });

  // DynamoDB
  const units = unitsPerTask(durationSeconds);
  const writeUnits = units.write;
  const readUnits = units.read + (polls + a.resultReads) * a.readUnitsPerStatusRead;
  if (facts.billingMode !== 'PAY_PER_REQUEST') {
    notes.push(
      `The table's billing mode is ${facts.billingMode}: request units priced as on-demand.`,
    );
  }
  lines.push({
    service: 'DynamoDB',
    what: `writes ${writeUnits.toFixed(0)} units per task × ${fmt(tasks)}`,
    usd: ((tasks * writeUnits) / million) * p.dynamodbPerMillionWriteUnits,
  });
  lines.push({
    service: 'DynamoDB',
    what: `reads ${readUnits.toFixed(0)} units per task (worker ${units.read.toFixed(0)}, ${polls} status polls, ${a.resultReads} result) × ${fmt(tasks)}`,
    usd: ((tasks * readUnits) / million) * p.dynamodbPerMillionReadUnits,
  });
  const storedGb = (tasks * a.storedBytesPerTask) / GB;
  lines.push({
    service: 'DynamoDB',
    what: `storage${facts.pitr ? ' + PITR' : ''}: a month of tasks ≈ ${storedGb.toFixed(3)} GB`,
    usd: storedGb * (p.dynamodbStoragePerGbMonth + (facts.pitr ? p.dynamodbPitrPerGbMonth : 0)),
  });

  // API Gateway, CloudFront
  const requests = tasks * apiRequests;
  lines.push({
    service: 'API Gateway',
    what: `${fmt(requests)} requests (${apiRequests} per task: create, ${polls} polls, result)`,
    usd: (requests / million) * p.httpApiPerMillionRequests,
  });
  if (a.throughCloudFront) {
    const outGb = (requests * a.responseBytes) / GB;
    lines.push({
      service: 'CloudFront',
      what: `${fmt(requests)} HTTPS requests, ${outGb.toFixed(2)} GB out`,
      usd:
        (requests / 10_000) * p.cloudFrontPerTenThousandHttpsRequests +
        outGb * p.cloudFrontPerGbOut,
    });
  }

  // CloudWatch Logs
  const invocations = tasks * (slices + apiRequests) + sweeps;
  const workflowLogBytes =
    facts.workflowLogLevel === 'ALL' ? tasks * transitions * a.workflowLogBytesPerTransition : 0;
  const logGb =
    (invocations * a.logBytesPerInvocation +
      requests * a.accessLogBytesPerRequest +
      workflowLogBytes) /
    GB;
  const keptMonths = Math.min(facts.logRetentionDays, 3_650) / 30;
  lines.push({
    service: 'CloudWatch Logs',
    what: `${logGb.toFixed(2)} GB ingested (workflow level ${facts.workflowLogLevel}), kept ${facts.logRetentionDays} days`,
    usd: logGb * p.logsIngestionPerGb + logGb * keptMonths * p.logsStoragePerGbMonth,
  });

  // X-Ray: the default sampling rule records the first request each second and 5 % of the rest.
  if (Object.values(facts.functions).some((f) => f.tracing)) {
    const reservoir = a.secondsPerMonth;
    const traces = Math.min(invocations, reservoir) + 0.05 * Math.max(0, invocations - reservoir);
    lines.push({
      service: 'X-Ray',
      what: `${fmt(traces)} traces of ${fmt(invocations)} invocations (1/s + 5 %)`,
      usd: (traces / million) * p.xrayPerMillionTraces,
    });
  }

  const running = (tasks * durationSeconds) / a.secondsPerMonth;
  notes.push(
    `On average ${running.toFixed(1)} tasks run at once (each holds one Work invocation).`,
  );
  if (usage.concurrency !== undefined && running > usage.concurrency) {
    notes.push(
      `With at most ${usage.concurrency} running at once the month's tasks cannot all run: ` +
        `they need ${running.toFixed(1)} on average, so the backlog grows.`,
    );
  }
  const byService: Record<string, number> = {};
  for (const line of lines) byService[line.service] = (byService[line.service] ?? 0) + line.usd;
  const total = lines.reduce((sum, line) => sum + line.usd, 0);
  return {
    lines,
    byService,
    total,
    perTask: { slices, transitions, apiRequests, writeUnits, readUnits },
    notes,
  };
}
