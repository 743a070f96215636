import { systemClock } from '../clock.ts';
import { env } from '../config.ts';
import { wiredAtFirstCall } from '../edge.ts';
import { accessOf, callerOf } from '../http/caller.ts';
import { httpHandler } from '../http/handler.ts';
import { taskIdParam } from '../http/request.ts';
import { json } from '../http/response.ts';
import { logger } from '../logger.ts';
import { countTask } from '../observability.ts';
import { type Admission, admitAfterRelease } from '../tasks/admission.ts';
import { stopExecution, workflowFromEnvironment } from '../tasks/launcher.ts';
import { deleteTask, tableFromEnvironment } from '../tasks/store.ts';

export function makeHandler(deps: Admission) {
  const { table, workflow } = deps;
  return httpHandler(async (event) => {
    const caller = callerOf(event);
    const taskId = taskIdParam(event);
    logger.appendKeys({ task_id: taskId });
    const task = await deleteTask(table, taskId, accessOf(caller));
    countTask('TaskDeleted');
    // Every write of the worker requires the item to exist, so the task cannot come back;
    // stopping the execution only saves the work it would still do.
    await stopExecution(workflow, taskId, 'Deleted by a client').catch((error) => {
      logger.warn('Could not stop the execution', error as Error);
    });
    if (task.status === 'RUNNING') await admitAfterRelease(deps);
    logger.info('Task deleted', { status: task.status });
    return json(200, { task_id: taskId });
  });
}

export const handler = wiredAtFirstCall(() =>
  makeHandler({
    table: tableFromEnvironment(),
    workflow: workflowFromEnvironment(),
    clock: systemClock,
    maxRunningTasks: env.maxRunningTasks(),
  }),
);
