/**
 * Figures for the README, measured against local mode on this machine. Run with
 * `npm run bench` for all of them, or one part: `npm run bench -- latency` (start-up, API
 * latency, end-to-end task times, state transitions per task, memory), `-- units` (DynamoDB
 * units per task, tests/bench/units.ts), `-- burst` (tests/bench/burst.ts; BURST_TASKS sets
 * its size).
 */

import { readFileSync } from 'node:fs';
import { runningDynamoDBLocal } from '../../infra/local/dynamodb.ts';
import { apiClient, removeDataDir, startLocalService, waitFor } from '../helpers/local-service.ts';
import { burstOptionsFromEnv, printBurst, runBurst } from './burst.ts';
import { measureTaskUnits, printTaskUnits } from './units.ts';

const PARTS = ['latency', 'units', 'burst'] as const;
const asked = process.argv.slice(2);
const unknown = asked.filter((part) => !(PARTS as readonly string[]).includes(part));
if (unknown.length) {
  console.error(`Unknown part ${unknown.join(', ')}; the parts are ${PARTS.join(', ')}`);
  process.exit(2);
}
const runs = (part: (typeof PARTS)[number]) => asked.length === 0 || asked.includes(part);

const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
};
const ms = (value: number) => `${value.toFixed(1)} ms`;
const rssMiB = (pid: number | undefined) => {
  if (!pid) return Number.NaN;
  const line = readFileSync(`/proc/${pid}/status`, 'utf8').match(/VmRSS:\s+(\d+)/);
  return Number(line?.[1] ?? Number.NaN) / 1024;
};

async function timed<T>(fn: () => Promise<T>): Promise<[number, T]> {
  const start = performance.now();
  const value = await fn();
  return [performance.now() - start, value];
}

async function latency(label: string, count: number, fn: () => Promise<unknown>) {
  const samples: number[] = [];
  for (let i = 0; i < count; i++) samples.push((await timed(fn))[0]);
  console.log(
    `${label.padEnd(38)} p50 ${ms(percentile(samples, 50))}  p95 ${ms(percentile(samples, 95))}  (n=${count})`,
  );
}

async function latencyBench() {
  const started = performance.now();
  const service = await startLocalService();
  const api = apiClient(service.url);
  await waitFor(async () => ((await api('GET', '/health')).status === 200 ? true : undefined));
  console.log(`Start-up to healthy                     ${ms(performance.now() - started)}`);

  try {
    await latency('POST /tasks (cancelled right after)', 100, async () => {
      const { body } = await api('POST', '/tasks', { input: { duration_seconds: 3600 } });
      await api('PATCH', `/tasks/${body.task_id}/status`);
    });
    await latency('GET /tasks?limit=100', 100, () => api('GET', '/tasks?limit=100'));
    const { headers } = await api('GET', '/tasks?limit=100');
    const etag = headers.get('etag') ?? '';
    await latency('GET /tasks?limit=100, 304 by ETag', 100, () =>
      api('GET', '/tasks?limit=100', undefined, { 'if-none-match': etag }),
    );
    const { body: one } = await api('GET', '/tasks?limit=1');
    await latency('GET /tasks/{id}/status', 100, () =>
      api('GET', `/tasks/${one[0].task_id}/status`),
    );

    const endToEnd = async (input: Record<string, unknown>) => {
      const [elapsed, id] = await timed(async () => {
        const { body } = await api('POST', '/tasks', input);
        await waitFor(
          async () =>
            (await api('GET', `/tasks/${body.task_id}/status`)).body.status === 'SUCCESS'
              ? true
              : undefined,
          120_000,
          20,
        );
        return body.task_id as string;
      });
      await new Promise((resolve) => setTimeout(resolve, 200));
      const transitions = new RegExp(`Execution ${id} \\w+ after (\\d+) state transitions`).exec(
        service.output(),
      )?.[1];
      return { elapsed, transitions };
    };
    const two = await endToEnd({ input: { duration_seconds: 2 } });
    console.log(
      `2-second task, create to SUCCESS        ${ms(two.elapsed)}  (${two.transitions} state transitions)`,
    );
    const standard = await endToEnd({});
    console.log(
      `Default (10 s) task, create to SUCCESS  ${ms(standard.elapsed)}  (${standard.transitions} state transitions)`,
    );

    const [batch] = await timed(async () => {
      const ids = await Promise.all(
        Array.from(
          { length: 50 },
          async () =>
            (await api('POST', '/tasks', { input: { duration_seconds: 2 } })).body.task_id,
        ),
      );
      await waitFor(
        async () => {
          const { body } = await api('GET', '/tasks?status=SUCCESS&limit=100');
          const done = new Set(body.map((t: { task_id: string }) => t.task_id));
          return ids.every((id) => done.has(id)) ? true : undefined;
        },
        120_000,
        50,
      );
    });
    console.log(`50 concurrent 2-second tasks, all done  ${ms(batch)}`);

    const jvm = runningDynamoDBLocal(service.dataDir);
    console.log(
      `Memory (RSS): service ${rssMiB(service.child.pid).toFixed(0)} MiB, DynamoDB Local ${rssMiB(jvm).toFixed(0)} MiB`,
    );
  } finally {
    await service.stop();
    removeDataDir(service.dataDir);
  }
}

if (runs('latency')) await latencyBench();
if (runs('units')) {
  printTaskUnits(
    await measureTaskUnits([
      { durationSeconds: 10, saveEveryMs: 0 },
      { durationSeconds: 10, saveEveryMs: 5_000 },
      { durationSeconds: 600, saveEveryMs: 0 },
      { durationSeconds: 600, saveEveryMs: 5_000 },
    ]),
  );
}
if (runs('burst')) printBurst(await runBurst(burstOptionsFromEnv()));
