import { makeHandler as makeCancelTask } from '../../functions/api/cancel-task.ts';
import { makeHandler as makeCreateTask } from '../../functions/api/create-task.ts';
import { makeHandler as makeDeleteTask } from '../../functions/api/delete-task.ts';
import { makeHandler as makeGetTask } from '../../functions/api/get-task.ts';
import { makeHandler as makeGetResult } from '../../functions/api/get-task-result.ts';
import { makeHandler as makeGetStatus } from '../../functions/api/get-task-status.ts';
import { makeHandler as makeGetTotals } from '../../functions/api/get-task-totals.ts';
import { makeHandler as makeHealth } from '../../functions/api/health.ts';
import { makeHandler as makeListTasks } from '../../functions/api/list-tasks.ts';
import type { Clock } from '../../functions/clock.ts';
import { table, workflow } from './aws-mocks.ts';

/** Every API route's handler, wired to the mocked table and workflow of aws-mocks.ts. */
export function mockedTaskHandlers(clock: Clock, maxRunningTasks = 10) {
  const admission = { table, workflow, clock, maxRunningTasks };
  return {
    create: makeCreateTask(admission),
    list: makeListTasks({ table }),
    status: makeGetStatus({ table }),
    cancel: makeCancelTask(admission),
    result: makeGetResult({ table }),
    get: makeGetTask({ table, clock }),
    totals: makeGetTotals({ table }),
    delete: makeDeleteTask(admission),
    health: makeHealth({ table }),
  };
}
