import { wiredAtFirstCall } from '../edge.ts';
import { taskHandler } from '../http/handler.ts';
import { json } from '../http/response.ts';
import { logger } from '../logger.ts';
import { countTask } from '../observability.ts';
import { type Admission, admissionFromEnvironment, admitAfterRelease } from '../tasks/admission.ts';
import { stopExecution } from '../tasks/launcher.ts';
import { deleteTask } from '../tasks/store.ts';

export function makeHandler(deps: Admission) {
  const { table, workflow } = deps;
  return taskHandler(async ({ taskId, access }) => {
    const task = await deleteTask(table, taskId, access);
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

export const handler = wiredAtFirstCall(() => makeHandler(admissionFromEnvironment()));
