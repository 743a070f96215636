import { monotonicFactory } from 'ulid';
import { systemClock } from '../clock.ts';
import type { Dependencies } from '../dependencies.ts';
import { wiredAtFirstCall } from '../edge.ts';
import { httpHandler } from '../http/handler.ts';
import { objectBody } from '../http/request.ts';
import { json } from '../http/response.ts';
import { logger } from '../logger.ts';
import { ValidationError } from '../tasks/errors.ts';
import { startExecution, workflowFromEnvironment } from '../tasks/launcher.ts';
import { newTask } from '../tasks/model.ts';
import { createTask, tableFromEnvironment, transitionTask } from '../tasks/store.ts';
import { DEFAULT_TYPE, taskType } from '../tasks/types/index.ts';

type Deps = Pick<Dependencies, 'table' | 'workflow' | 'clock'>;

const FIELDS = ['name', 'type', 'input'];
const MAX_NAME = 200;

function parseRequest(body: Record<string, unknown>) {
  const unknown = Object.keys(body).find((field) => !FIELDS.includes(field));
  if (unknown)
    throw new ValidationError(`Unknown field "${unknown}"; allowed: ${FIELDS.join(', ')}`);
  const { name = null, type = DEFAULT_TYPE, input } = body;
  if (
    name !== null &&
    (typeof name !== 'string' || [...name].length > MAX_NAME || !name.isWellFormed())
  ) {
    throw new ValidationError(`Field "name" must be a string of at most ${MAX_NAME} characters`);
  }
  if (typeof type !== 'string') throw new ValidationError('Field "type" must be a string');
  const parsed = taskType(type).parseInput(input) as Record<string, unknown>;
  return { name: name === null || name.trim() === '' ? null : name, type, input: parsed };
}

export function makeHandler({ table, workflow, clock }: Deps) {
  const nextId = monotonicFactory();
  return httpHandler(async (event) => {
    const now = clock.now();
    const fields = parseRequest(objectBody(event));
    const task = newTask({ taskId: nextId(now.getTime()), now, ...fields });
    logger.appendKeys({ task_id: task.task_id });
    await createTask(table, task);
    try {
      await startExecution(workflow, task.task_id);
    } catch (error) {
      // No task may wait forever for a workflow that never started.
      logger.error('Workflow did not start; recording the task as failed', error as Error);
      await transitionTask(
        table,
        task.task_id,
        'fail',
        { error: 'The task could not be started' },
        clock.now(),
      );
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
