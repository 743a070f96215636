/**
 * A burst against local mode: BURST_TASKS tasks (default 1,000) of BURST_TASK_SECONDS
 * (default 2) created by BURST_CLIENTS (default 16) clients as fast as they can, while
 * 4 more clients poll the status of tasks already created. Reports creates per second,
 * the time until no task is PENDING or RUNNING, status latency during the burst (its p99
 * also split: while the clients create, and after the last create), and every answer by
 * status code (5xx, and 429 from the gateway's route throttles).
 * MAX_RUNNING_TASKS and LOCAL_CONCURRENCY are passed to local mode when set.
 */

import { setTimeout as sleep } from 'node:timers/promises';
import { apiClient, removeDataDir, startLocalService } from '../helpers/local-service.ts';

export interface BurstOptions {
  tasks: number;
  taskSeconds: number;
  clients: number;
  pollers: number;
  /** Gives up waiting for the drain after this long. */
  drainTimeoutMs: number;
}

export interface BurstResult {
  options: BurstOptions;
  createSeconds: number;
  createsPerSecond: number;
  drainSeconds: number | undefined;
  statusP50Ms: number;
  statusP99Ms: number;
  statusSamples: number;
  /** Status p99 while the clients were still creating, and after the last create. */
  statusP99CreatingMs: number;
  statusP99AfterMs: number;
  answers: Record<string, number>;
  serverErrors: number;
  /** Route, status and error code of each 5xx answer (the first 10). */
  serverErrorAnswers: string[];
  passedThrough: Record<string, string>;
}

const whole = (name: string, fallback: number) => {
  const text = process.env[name];
  if (text === undefined || text === '') return fallback;
  const value = Number(text);
  if (!Number.isInteger(value) || value < 1)
    throw new Error(`${name} must be a whole number above 0`);
  return value;
};

export function burstOptionsFromEnv(): BurstOptions {
  return {
    tasks: whole('BURST_TASKS', 1_000),
    taskSeconds: whole('BURST_TASK_SECONDS', 2),
    clients: whole('BURST_CLIENTS', 16),
    pollers: 4,
    drainTimeoutMs: whole('BURST_DRAIN_TIMEOUT_SECONDS', 1_800) * 1000,
  };
}

const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
};

export async function runBurst(options: BurstOptions): Promise<BurstResult> {
  const passedThrough = Object.fromEntries(
    ['MAX_RUNNING_TASKS', 'LOCAL_CONCURRENCY']
      .filter((name) => process.env[name])
      .map((name) => [name, String(process.env[name])]),
  );
  const service = await startLocalService({ env: passedThrough, timeoutMs: 90_000 });
  const api = apiClient(service.url);
  const answers: Record<string, number> = {};
  const serverErrorAnswers: string[] = [];
  const count = (route: string, { status, body }: { status: number; body: { code?: string } }) => {
    answers[status] = (answers[status] ?? 0) + 1;
    if (status >= 500 && serverErrorAnswers.length < 10) {
      serverErrorAnswers.push(`${route} ${status} ${body?.code ?? ''}`.trim());
    }
  };
  try {
    const ids: string[] = [];
    let created = 0;
    let creating = true;
    const started = performance.now();
    const creator = async () => {
      while (created < options.tasks) {
        created++;
        const answer = await api('POST', '/tasks', {
          name: 'burst',
          input: { duration_seconds: options.taskSeconds },
        });
        const { status, body } = answer;
        count('POST /tasks', answer);
        if (status === 201) ids.push(body.task_id);
        else if (status === 429 || status === 503) created--; // not made: try again
      }
    };
    const creatingLatencies: number[] = [];
    const afterLatencies: number[] = [];
    let draining = true;
    const poller = async () => {
      while (draining) {
        const id = ids[Math.floor(Math.random() * ids.length)];
        if (!id) {
          await sleep(20);
          continue;
        }
        const at = performance.now();
        const duringCreates = creating;
        const answer = await api('GET', `/tasks/${id}/status`);
        (duringCreates ? creatingLatencies : afterLatencies).push(performance.now() - at);
        count('GET /tasks/{id}/status', answer);
        await sleep(50);
      }
    };
    const polling = Array.from({ length: options.pollers }, poller);
    await Promise.all(Array.from({ length: options.clients }, creator));
    creating = false;
    const createSeconds = (performance.now() - started) / 1000;
    let drainSeconds: number | undefined;
    const deadline = Date.now() + options.drainTimeoutMs;
    while (!creating && Date.now() < deadline) {
      const [pending, running] = await Promise.all(
        ['PENDING', 'RUNNING'].map((status) => api('GET', `/tasks?status=${status}&limit=1`)),
      );
      if (
        pending?.status === 200 &&
        running?.status === 200 &&
        pending.body.length === 0 &&
        running.body.length === 0
      ) {
        drainSeconds = (performance.now() - started) / 1000;
        break;
      }
      await sleep(250);
    }
    draining = false;
    await Promise.all(polling);
    const latencies = [...creatingLatencies, ...afterLatencies];
    const serverErrors = Object.entries(answers)
      .filter(([status]) => Number(status) >= 500)
      .reduce((sum, [, n]) => sum + n, 0);
    return {
      options,
      createSeconds,
      createsPerSecond: ids.length / createSeconds,
      drainSeconds,
      statusP50Ms: percentile(latencies, 50),
      statusP99Ms: percentile(latencies, 99),
      statusSamples: latencies.length,
      statusP99CreatingMs: percentile(creatingLatencies, 99),
      statusP99AfterMs: percentile(afterLatencies, 99),
      answers,
      serverErrors,
      serverErrorAnswers,
      passedThrough,
    };
  } finally {
    await service.stop();
    removeDataDir(service.dataDir);
  }
}

export function printBurst(result: BurstResult): void {
  const { options: o } = result;
  const settings = Object.entries(result.passedThrough)
    .map(([name, value]) => `${name}=${value}`)
    .join(' ');
  console.log(
    `Burst: ${o.tasks} tasks of ${o.taskSeconds} s by ${o.clients} clients${settings ? ` (${settings})` : ''}`,
  );
  console.log(
    `  creates                 ${result.createsPerSecond.toFixed(1)}/s (${result.createSeconds.toFixed(1)} s for all)`,
  );
  console.log(
    `  drained (none PENDING or RUNNING)  ${result.drainSeconds === undefined ? 'not within the timeout' : `${result.drainSeconds.toFixed(1)} s after the first create`}`,
  );
  console.log(
    `  status during the burst p50 ${result.statusP50Ms.toFixed(1)} ms, p99 ${result.statusP99Ms.toFixed(1)} ms (n=${result.statusSamples}); p99 while creating ${result.statusP99CreatingMs.toFixed(1)} ms, after ${result.statusP99AfterMs.toFixed(1)} ms`,
  );
  console.log(
    `  answers by status       ${JSON.stringify(result.answers)}; 5xx: ${result.serverErrors}`,
  );
  for (const answer of result.serverErrorAnswers) console.log(`    ${answer}`);
}
