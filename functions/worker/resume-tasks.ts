import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import { logger } from '../logger.ts';
import { RESUME_FUNCTION } from '../routes.ts';
import { type Launcher, launcher } from '../tasks/launcher.ts';
import type { TaskStatus } from '../tasks/model.ts';
import { type TaskStore, taskStore } from '../tasks/store.ts';

/**
 * Starts the execution of every task in `statuses` created before `before`. Starting is
 * idempotent, so a task whose execution already runs is left as it is.
 */
export async function resumeTasks(
  statuses: readonly TaskStatus[],
  before: Date,
  store: TaskStore = taskStore(),
  workflow: Launcher = launcher(),
): Promise<string[]> {
  const resumed = new Set<string>();
  const cutoff = before.toISOString();
  for (const status of statuses) {
    let cursor: string | undefined;
    do {
      const page = await store.list({ status, limit: 100, ...(cursor && { cursor }) });
      for (const task of page.tasks) {
        if (task.created_at >= cutoff || resumed.has(task.task_id)) continue;
        await workflow.start(task.task_id);
        resumed.add(task.task_id);
      }
      cursor = page.cursor;
    } while (cursor);
  }
  return [...resumed];
}

/** The scheduled sweep: PENDING tasks older than a create request can take. */
export const handler = middy(async () => {
  const before = new Date(Date.now() - RESUME_FUNCTION.stalledAfterSeconds * 1000);
  const resumed = await resumeTasks(['PENDING'], before);
  if (resumed.length > 0) logger.warn('Started stalled tasks', { task_ids: resumed });
  return { resumed: resumed.length };
}).use(injectLambdaContext(logger, { resetKeys: true }));
