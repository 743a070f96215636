import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import { systemClock } from '../clock.ts';
import type { Dependencies } from '../dependencies.ts';
import { wiredAtFirstCall } from '../edge.ts';
import { logger } from '../logger.ts';
import { RESUME_FUNCTION } from '../routes.ts';
import { startExecution, workflowFromEnvironment } from '../tasks/launcher.ts';
import type { TaskStatus } from '../tasks/model.ts';
import { listTasks, tableFromEnvironment } from '../tasks/store.ts';

type Deps = Pick<Dependencies, 'table' | 'workflow' | 'clock'>;

/**
 * Starts the execution of every task in `statuses` created before `before`. Starting is
 * idempotent, so a task whose execution already runs is left as it is.
 */
export async function resumeTasks(
  { table, workflow }: Omit<Deps, 'clock'>,
  statuses: readonly TaskStatus[],
  before: Date,
): Promise<string[]> {
  const resumed = new Set<string>();
  const cutoff = before.toISOString();
  for (const status of statuses) {
    let cursor: string | undefined;
    do {
      const page = await listTasks(table, { status, limit: 100, ...(cursor && { cursor }) });
      for (const task of page.tasks) {
        if (task.created_at >= cutoff || resumed.has(task.task_id)) continue;
        await startExecution(workflow, task.task_id);
        resumed.add(task.task_id);
      }
      cursor = page.cursor;
    } while (cursor);
  }
  return [...resumed];
}

/** The scheduled sweep: PENDING tasks older than a create request can take. */
export function makeHandler(deps: Deps) {
  return middy(async () => {
    const before = new Date(
      deps.clock.now().getTime() - RESUME_FUNCTION.stalledAfterSeconds * 1000,
    );
    const resumed = await resumeTasks(deps, ['PENDING'], before);
    if (resumed.length > 0) logger.warn('Started stalled tasks', { task_ids: resumed });
    return { resumed: resumed.length };
  }).use(injectLambdaContext(logger, { resetKeys: true }));
}

export const handler = wiredAtFirstCall(() =>
  makeHandler({
    table: tableFromEnvironment(),
    workflow: workflowFromEnvironment(),
    clock: systemClock,
  }),
);
