import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { monotonicFactory } from 'ulid';
import { systemClock } from '../clock.ts';
import type { Dependencies } from '../dependencies.ts';
import { wiredAtFirstCall } from '../edge.ts';
import { httpHandler } from '../http/handler.ts';
import { jsonBody } from '../http/request.ts';
import { json } from '../http/response.ts';
import { CreateTaskBody, ERROR_CODES } from '../http/schemas.ts';
import { parseOrThrow } from '../http/validation.ts';
import { logger } from '../logger.ts';
import { countTask, recordFinished } from '../observability.ts';
import { startExecution, workflowFromEnvironment } from '../tasks/launcher.ts';
import { newTask } from '../tasks/model.ts';
import { createTask, tableFromEnvironment, transitionTask } from '../tasks/store.ts';
import { taskType } from '../tasks/types/index.ts';

type Deps = Pick<Dependencies, 'table' | 'workflow' | 'clock'>;

/** The task a request asks for: its fields, and its input checked by the schema of its type. */
function parseRequest(event: APIGatewayProxyEventV2) {
  const body = parseOrThrow(CreateTaskBody, jsonBody(event), {
    place: 'body',
    codes: ERROR_CODES.create,
  });
  return { ...body, input: taskType(body.type).parseInput(body.input) as Record<string, unknown> };
}

export function makeHandler({ table, workflow, clock }: Deps) {
  const nextId = monotonicFactory();
  return httpHandler(async (event) => {
    const now = clock.now();
    const fields = parseRequest(event);
    const task = newTask({ taskId: nextId(now.getTime()), now, ...fields });
    logger.appendKeys({ task_id: task.task_id });
    await createTask(table, task);
    countTask('TaskCreated');
    try {
      await startExecution(workflow, task.task_id);
    } catch (error) {
      // No task may wait forever for a workflow that never started.
      logger.error('Workflow did not start; recording the task as failed', error as Error);
      const failed = await transitionTask(
        table,
        task.task_id,
        'fail',
        { error: 'The task could not be started' },
        clock.now(),
      );
      recordFinished(failed);
      return json(503, {
        error: 'The task could not be started; it was recorded as FAILURE',
        code: 'start_failed',
        task_id: task.task_id,
      });
    }
    logger.info('Task created', { type: task.type });
    return json(201, task, { location: `/tasks/${task.task_id}/status` });
  });
}

export const handler = wiredAtFirstCall(() =>
  makeHandler({
    table: tableFromEnvironment(),
    workflow: workflowFromEnvironment(),
    clock: systemClock,
  }),
);
