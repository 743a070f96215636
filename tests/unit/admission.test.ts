import type { SFNClient } from '@aws-sdk/client-sfn';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type Admission,
  admitAfterRelease,
  admitWaitingTasks,
  endTaskAndAdmitNext,
} from '../../functions/tasks/admission.ts';
import { TransitionRefusedError } from '../../functions/tasks/errors.ts';
import type { TaskWorkflow } from '../../functions/tasks/launcher.ts';
import { newTask, type TaskStatus } from '../../functions/tasks/model.ts';
import {
  createTask,
  deleteTask,
  SERVICE_ACCESS,
  type TaskTable,
  transitionTask,
} from '../../functions/tasks/store.ts';
import {
  ADMISSION_KEY,
  AtCapacityError,
  readAdmission,
  readTotals,
  WAITING_HINT_MAX_AGE_MS,
} from '../../functions/tasks/totals.ts';
import { fakeClock } from '../helpers/fake-clock.ts';
import { memoryTable } from '../helpers/memory-table.ts';

/** Ids that sort as ULIDs do: a higher number is a newer task. */
const idOf = (n: number) => `01KB0000000000000000000${String(n).padStart(3, '0')}`;

function setup(maxRunningTasks: number, options: { failStarts?: boolean } = {}) {
  const memory = memoryTable();
  const clock = fakeClock();
  const started: string[] = [];
  const sfn = {
    send: async (command: { input: { name: string } }) => {
      if (options.failStarts) throw Object.assign(new Error('unavailable'), { name: 'Throttled' });
      started.push(command.input.name);
      return {};
    },
  };
  const workflow = { sfn: sfn as unknown as SFNClient, stateMachineArn: 'arn' } as TaskWorkflow;
  const deps: Admission = { table: memory.table, workflow, clock, maxRunningTasks };
  const create = async (...numbers: number[]) => {
    for (const n of numbers) {
      const task = newTask({
        taskId: idOf(n),
        name: null,
        type: 'simulate',
        input: {},
        now: clock.now(),
      });
      await createTask(memory.table, task);
    }
  };
  const statusOf = (n: number) => memory.items.get(idOf(n))?.status;
  const running = () => [...memory.items.values()].filter((item) => item.status === 'RUNNING');
  return { memory, clock, deps, started, create, statusOf, running };
}

const end = (table: TaskTable, taskId: string, name: 'succeed' | 'fail' | 'cancel') =>
  transitionTask(table, taskId, name, {}, new Date(), SERVICE_ACCESS);

describe('admission', () => {
  it('starts the oldest waiting tasks first, across every shard, as many as slots are free', async () => {
    const { deps, started, create, statusOf } = setup(3);
    await create(7, 3, 9, 1, 5, 2);
    const { started: admitted } = await admitWaitingTasks(deps);
    expect(admitted.map((task) => task.task_id)).toEqual([idOf(1), idOf(2), idOf(3)]);
    expect(started).toEqual([idOf(1), idOf(2), idOf(3)]);
    expect([5, 7, 9].map(statusOf)).toEqual(['PENDING', 'PENDING', 'PENDING']);
    expect(admitted[0]?.started_at).not.toBeNull();
  });

  it('counts the running tasks in the same transaction as each start', async () => {
    const { memory, deps, create } = setup(5);
    await create(1, 2);
    await admitWaitingTasks(deps);
    expect(memory.items.get(ADMISSION_KEY)).toMatchObject({ running: 2 });
    expect((await readAdmission(memory.table)).running).toBe(2);
  });

  it('leaves every task PENDING, starting no execution, when no slot is free', async () => {
    const { deps, started, create, statusOf } = setup(2);
    await create(1, 2, 3);
    await admitWaitingTasks(deps);
    expect(statusOf(3)).toBe('PENDING');
    const again = await admitWaitingTasks(deps);
    expect(again).toEqual({ started: [], unstarted: [] });
    expect(started).toEqual([idOf(1), idOf(2)]);
  });

  it('refuses a start beyond the cap with AtCapacityError, changing nothing', async () => {
    const { memory, create, statusOf } = setup(1);
    await create(1, 2);
    const capped = { ...memory.table, maxRunningTasks: 1 };
    await transitionTask(capped, idOf(1), 'start', {}, new Date(), SERVICE_ACCESS);
    await expect(
      transitionTask(capped, idOf(2), 'start', {}, new Date(), SERVICE_ACCESS),
    ).rejects.toBeInstanceOf(AtCapacityError);
    expect(statusOf(2)).toBe('PENDING');
    expect(memory.items.get(ADMISSION_KEY)).toMatchObject({ running: 1 });
  });

  it.each([
    ['succeeds', (table: TaskTable, id: string) => end(table, id, 'succeed')],
    ['fails', (table: TaskTable, id: string) => end(table, id, 'fail')],
    ['is cancelled', (table: TaskTable, id: string) => end(table, id, 'cancel')],
    ['is deleted', (table: TaskTable, id: string) => deleteTask(table, id, SERVICE_ACCESS)],
  ])('frees the slot of a RUNNING task that %s, for the next oldest', async (_, leave) => {
    const { memory, deps, create, statusOf } = setup(1);
    await create(1, 2);
    await admitWaitingTasks(deps);
    await leave(memory.table, idOf(1));
    expect(memory.items.get(ADMISSION_KEY)).toMatchObject({ running: 0 });
    await admitWaitingTasks(deps);
    expect(statusOf(2)).toBe('RUNNING');
    expect(memory.items.get(ADMISSION_KEY)).toMatchObject({ running: 1 });
  });

  it('frees no slot when a waiting task is cancelled or deleted', async () => {
    const { memory, deps, create } = setup(1);
    await create(1, 2, 3);
    await admitWaitingTasks(deps);
    await end(memory.table, idOf(2), 'cancel');
    await deleteTask(memory.table, idOf(3), SERVICE_ACCESS);
    expect(memory.items.get(ADMISSION_KEY)).toMatchObject({ running: 1 });
  });

  it('never starts more than the cap when dispatchers race for the same slots', async () => {
    const { memory, deps, create, running } = setup(2);
    await create(1, 2, 3, 4, 5, 6);
    const results = await Promise.all(Array.from({ length: 6 }, () => admitWaitingTasks(deps)));
    expect(running().map((item) => item.task_id)).toEqual([idOf(1), idOf(2)]);
    expect(results.flatMap((result) => result.started)).toHaveLength(2);
    expect(memory.items.get(ADMISSION_KEY)).toMatchObject({ running: 2 });
  });

  it('admits a new task the index does not show yet when no older one waits', async () => {
    const { memory, deps, create, statusOf } = setup(2);
    await create(1);
    // As if the index had not caught up with the new task yet.
    memory.items.set(idOf(1), { ...memory.items.get(idOf(1)), shard_status: undefined });
    await admitWaitingTasks(deps, { include: idOf(1) });
    expect(statusOf(1)).toBe('RUNNING');
  });

  it('keeps a task admitted but not started RUNNING, holding its slot, for the reconciler to start', async () => {
    const { memory, deps, create, statusOf } = setup(2, { failStarts: true });
    await create(1);
    const { started, unstarted } = await admitWaitingTasks(deps);
    expect(started).toEqual([]);
    expect(unstarted.map(({ task }) => task.task_id)).toEqual([idOf(1)]);
    expect(statusOf(1)).toBe('RUNNING');
    expect(memory.items.get(ADMISSION_KEY)).toMatchObject({ running: 1 });
  });

  it('keeps the count exact and under the cap through any interleaving of starts and ends', async () => {
    const step = fc.oneof(
      fc.constant({ kind: 'admit' as const }),
      fc.record({
        kind: fc.constantFrom(
          'succeed' as const,
          'fail' as const,
          'cancel' as const,
          'delete' as const,
          'hand over' as const,
        ),
        pick: fc.nat(),
      }),
    );
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 4 }),
        fc.array(fc.array(step, { minLength: 1, maxLength: 5 }), { maxLength: 8 }),
        async (cap, batches) => {
          const { memory, deps, create, running } = setup(cap);
          await create(...Array.from({ length: 12 }, (_, n) => n + 1));
          const statuses = () =>
            [...memory.items.values()].map((item) => item.status as TaskStatus | undefined);
          for (const batch of batches) {
            // Each batch runs concurrently: its steps interleave at every table call.
            await Promise.all(
              batch.map(async (action) => {
                if (action.kind === 'admit') return admitWaitingTasks(deps);
                const unfinished = [...memory.items.values()].filter(
                  (item) => item.status === 'RUNNING' || item.status === 'PENDING',
                );
                const target = unfinished[action.pick % Math.max(unfinished.length, 1)];
                if (!target) return;
                const id = String(target.task_id);
                const leave =
                  action.kind === 'delete'
                    ? deleteTask(memory.table, id, SERVICE_ACCESS)
                    : action.kind === 'hand over'
                      ? endTaskAndAdmitNext(deps, id, 'succeed', {}).then(({ handedOver }) =>
                          handedOver ? undefined : admitAfterRelease(deps),
                        )
                      : end(memory.table, id, action.kind);
                return leave.catch(() => undefined);
              }),
            );
            expect(running().length).toBeLessThanOrEqual(cap);
            expect((await readAdmission(memory.table)).running).toBe(
              statuses().filter((status) => status === 'RUNNING').length,
            );
          }
        },
      ),
      { numRuns: 60 },
    );
  });

  it('admits only its own task on a create whose task is among the oldest that fit', async () => {
    const { deps, create, statusOf, started } = setup(2);
    await create(1, 2);
    await admitWaitingTasks(deps, { include: idOf(2) });
    expect([1, 2].map(statusOf)).toEqual(['PENDING', 'RUNNING']);
    expect(started).toEqual([idOf(2)]);
  });
});

describe('an ending task handing over its slot', () => {
  /** As the Work function does: the task ends, and a slot not handed over is offered. */
  const succeed = async (deps: Admission, n: number) => {
    const changes = { progress: 100, result: { ok: true } };
    const { ended, handedOver } = await endTaskAndAdmitNext(deps, idOf(n), 'succeed', changes);
    if (!handedOver) await admitAfterRelease(deps);
    return ended;
  };

  it('ends the task and starts the oldest waiting one in one transaction, the count unchanged', async () => {
    const { memory, deps, create, statusOf, started } = setup(1);
    await create(1, 3, 2);
    await admitWaitingTasks(deps);
    const writes = memory.counts.TransactWriteCommand ?? 0;
    const ended = await succeed(deps, 1);
    expect(ended).toMatchObject({ status: 'SUCCESS', progress: 100, result: { ok: true } });
    expect([1, 2, 3].map(statusOf)).toEqual(['SUCCESS', 'RUNNING', 'PENDING']);
    expect(started).toEqual([idOf(1), idOf(2)]);
    expect(memory.counts.TransactWriteCommand).toBe(writes + 1);
    expect(memory.items.get(ADMISSION_KEY)).toMatchObject({ running: 1 });
    expect(await readTotals(memory.table, 'anonymous')).toMatchObject({
      PENDING: 1,
      RUNNING: 1,
      SUCCESS: 1,
    });
  });

  it('keeps the rest of the oldest waiting as a hint, so the next hand-over queries no shard', async () => {
    const { memory, deps, create, statusOf } = setup(1);
    await create(1, 2, 3, 4);
    await admitWaitingTasks(deps);
    await succeed(deps, 1);
    expect(memory.items.get(ADMISSION_KEY)).toMatchObject({ waiting: [idOf(3), idOf(4)] });
    const queries = memory.counts.QueryCommand;
    await succeed(deps, 2);
    expect(memory.counts.QueryCommand).toBe(queries);
    expect([2, 3, 4].map(statusOf)).toEqual(['SUCCESS', 'RUNNING', 'PENDING']);
    expect(memory.items.get(ADMISSION_KEY)).toMatchObject({ waiting: [idOf(4)] });
  });

  it('passes over a hinted task cancelled meanwhile, and asks the shards when the hint runs out', async () => {
    const { memory, deps, create, statusOf } = setup(1);
    await create(1, 2, 3);
    await admitWaitingTasks(deps);
    await succeed(deps, 1);
    await end(memory.table, idOf(3), 'cancel');
    await create(4);
    await succeed(deps, 2);
    expect([2, 3, 4].map(statusOf)).toEqual(['SUCCESS', 'CANCELLED', 'RUNNING']);
    expect(memory.items.get(ADMISSION_KEY)).toMatchObject({ running: 1, waiting: [] });
  });

  it('asks the shards again once the hint is too old, so a task stored late is not passed over', async () => {
    const { memory, deps, clock, create, statusOf } = setup(1);
    await create(1, 2, 4, 5);
    await admitWaitingTasks(deps);
    await succeed(deps, 1);
    expect(memory.items.get(ADMISSION_KEY)).toMatchObject({ waiting: [idOf(4), idOf(5)] });
    // Task 3's id was made before task 4's, but its write landed after the hint was taken.
    await create(3);
    await clock.sleep(WAITING_HINT_MAX_AGE_MS - 1);
    await succeed(deps, 2);
    expect([3, 4].map(statusOf)).toEqual(['PENDING', 'RUNNING']);
    await clock.sleep(1);
    await succeed(deps, 4);
    expect([3, 5].map(statusOf)).toEqual(['RUNNING', 'PENDING']);
  });

  it('frees the slot when no task waits, and then admits one created meanwhile', async () => {
    const { memory, deps, create, statusOf } = setup(1);
    await create(1);
    await admitWaitingTasks(deps);
    // Created after the ending task found nothing waiting, before its slot was freed.
    const release = memory.hold((name) => name === 'TransactWriteCommand');
    const ending = succeed(deps, 1);
    await release.reached;
    await create(2);
    release();
    await ending;
    expect([1, 2].map(statusOf)).toEqual(['SUCCESS', 'RUNNING']);
    expect(memory.items.get(ADMISSION_KEY)).toMatchObject({ running: 1 });
  });

  it('hands over no slot from a task stored before the counts existed, which never held one', async () => {
    const { memory, deps, create, statusOf } = setup(1);
    await create(1);
    // Written RUNNING before totals and the semaphore existed: no shard keys, not counted.
    const { shard, shard_status, owner_status, ...legacy } = memory.items.get(idOf(1)) ?? {};
    memory.items.set(idOf(1), { ...legacy, status: 'RUNNING' });
    await create(2, 3);
    await admitWaitingTasks(deps);
    expect(statusOf(2)).toBe('RUNNING');
    await succeed(deps, 1);
    expect([1, 2, 3].map(statusOf)).toEqual(['SUCCESS', 'RUNNING', 'PENDING']);
    expect(memory.items.get(ADMISSION_KEY)).toMatchObject({ running: 1 });
  });

  it('throws TransitionRefusedError, starting nothing, when the task was cancelled meanwhile', async () => {
    const { memory, deps, create, statusOf } = setup(1);
    await create(1, 2);
    await admitWaitingTasks(deps);
    await end(memory.table, idOf(1), 'cancel');
    await expect(succeed(deps, 1)).rejects.toBeInstanceOf(TransitionRefusedError);
    expect([1, 2].map(statusOf)).toEqual(['CANCELLED', 'PENDING']);
  });

  it('starts the next oldest when two tasks end at once and race for the oldest', async () => {
    const { memory, deps, create, running } = setup(2);
    await create(1, 2, 3, 4, 5);
    await admitWaitingTasks(deps);
    // Both read the same oldest waiting task before either writes.
    const writesFirst = memory.hold((name) => name === 'TransactWriteCommand');
    const writesSecond = memory.hold((name) => name === 'TransactWriteCommand');
    const first = succeed(deps, 1);
    await writesFirst.reached;
    const second = succeed(deps, 2);
    await writesSecond.reached;
    writesFirst();
    writesSecond();
    await Promise.all([first, second]);
    expect(running().map((item) => item.task_id)).toEqual([idOf(3), idOf(4)]);
    expect(memory.items.get(ADMISSION_KEY)).toMatchObject({ running: 2 });
  });
});
