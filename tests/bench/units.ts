/**
 * Write and read units per task as DynamoDB Local reports them (ReturnConsumedCapacity):
 * a task is created as the create function writes it, then the Work handler runs it slice
 * by slice, as the workflow would, on a fake clock (a 10-minute task takes a second).
 * "every step" saves progress after each step, as the worker did before the 5 s cadence.
 * scripts/cost.ts keeps these figures as constants: re-measure with `npm run bench -- units`.
 */

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ConsumedCapacity } from '@aws-sdk/client-dynamodb';
import { monotonicFactory } from 'ulid';
import { startDynamoDBLocal } from '../../infra/local/dynamodb.ts';
import { lambdaContext } from '../../infra/local/lambda-context.ts';
import { ensureTable } from '../../infra/local/table.ts';
import { fakeClock } from '../helpers/fake-clock.ts';

export interface Units {
  write: number;
  read: number;
  calls: number;
}

export interface TaskUnits {
  durationSeconds: number;
  saveEveryMs: number;
  create: Units;
  work: Units;
  total: Units;
}

/** The units of every command sent while `run` runs. */
function meter() {
  let spent: Units = { write: 0, read: 0, calls: 0 };
  const middleware =
    (next: (args: unknown) => Promise<{ output: unknown }>, context: { commandName?: string }) =>
    async (args: unknown) => {
      const reads = /^(Get|BatchGet|Query|Scan)/.test(context.commandName ?? '');
      const input = (args as { input: Record<string, unknown> }).input;
      input.ReturnConsumedCapacity = 'TOTAL';
      const result = await next(args);
      const consumed = (
        result.output as { ConsumedCapacity?: ConsumedCapacity | ConsumedCapacity[] }
      ).ConsumedCapacity;
      for (const c of consumed === undefined ? [] : [consumed].flat()) {
        if (reads) spent.read += c.CapacityUnits ?? 0;
        else spent.write += c.CapacityUnits ?? 0;
      }
      spent.calls++;
      return result;
    };
  return {
    middleware,
    async units(run: () => Promise<unknown>): Promise<Units> {
      spent = { write: 0, read: 0, calls: 0 };
      await run();
      return spent;
    },
  };
}

export async function measureTaskUnits(
  cases: readonly { durationSeconds: number; saveEveryMs: number }[],
): Promise<TaskUnits[]> {
  // Quiet handlers: no log lines or metric documents for every slice.
  process.env.POWERTOOLS_LOG_LEVEL = 'ERROR';
  process.env.POWERTOOLS_METRICS_DISABLED = 'true';
  process.env.POWERTOOLS_TRACE_ENABLED = 'false';
  const { documentClient, createTask } = await import('../../functions/tasks/store.ts');
  const { newTask } = await import('../../functions/tasks/model.ts');
  const { makeHandler } = await import('../../functions/worker/work.ts');
  const { admitWaitingTasks } = await import('../../functions/tasks/admission.ts');

  const dataDir = mkdtempSync(join(tmpdir(), 'units-bench-'));
  const dynamodb = await startDynamoDBLocal({ dataDir, heap: '256m', log: () => {} });
  try {
    await ensureTable(dynamodb.endpoint, 'units');
    const db = documentClient({
      endpoint: dynamodb.endpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
      requestHandler: { connectionTimeout: 30_000, requestTimeout: 30_000 },
    });
    const metered = meter();
    db.middlewareStack.add(metered.middleware as never, {
      step: 'initialize',
      name: 'consumedCapacity',
    });
    const table = { db, name: 'units', retentionSeconds: 86_400, maxRunningTasks: 10 };
    // Executions are not the table's cost: a workflow that starts them without a service.
    const workflow = {
      sfn: { send: async () => ({ executionArn: 'local', startDate: new Date() }) } as never,
      stateMachineArn: 'arn:aws:states:us-east-1:000000000000:stateMachine:units',
    };
    const nextId = monotonicFactory();
    const results: TaskUnits[] = [];
    for (const { durationSeconds, saveEveryMs } of cases) {
      const clock = fakeClock();
      const task = newTask({
        taskId: nextId(),
        name: 'units',
        type: 'simulate',
        input: { duration_seconds: durationSeconds, fail: false },
        now: clock.now(),
      });
      const admission = { table, workflow, clock, maxRunningTasks: 10 };
      // As the create function does: write the task, then admit it into a free slot.
      const create = await metered.units(async () => {
        await createTask(table, task, { owner: 'bench' });
        await admitWaitingTasks(admission, { include: task.task_id });
      });
      const work = makeHandler({ ...admission, sliceMs: 60_000, progressSaveMs: saveEveryMs });
      const worked = await metered.units(async () => {
        for (let slice = 0; slice < 10_000; slice++) {
          const output = await work({ task_id: task.task_id }, lambdaContext('Work', 90_000));
          if (output.done) return;
        }
        throw new Error('The task did not finish');
      });
      results.push({
        durationSeconds,
        saveEveryMs,
        create,
        work: worked,
        total: {
          write: create.write + worked.write,
          read: create.read + worked.read,
          calls: create.calls + worked.calls,
        },
      });
    }
    return results;
  } finally {
    await dynamodb.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

export function printTaskUnits(results: readonly TaskUnits[]): void {
  console.log('Units per task (DynamoDB Local, ReturnConsumedCapacity), create + every slice:');
  for (const r of results) {
    const cadence = r.saveEveryMs === 0 ? 'every step' : `every ${r.saveEveryMs / 1000} s`;
    console.log(
      `  ${`${r.durationSeconds} s task, progress saved ${cadence}`.padEnd(44)} ` +
        `${r.total.write} WU, ${r.total.read} RU (create ${r.create.write} WU; ` +
        `worker ${r.work.write} WU, ${r.work.read} RU in ${r.work.calls} calls)`,
    );
  }
}
