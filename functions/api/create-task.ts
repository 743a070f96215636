import { monotonicFactory } from 'ulid';
import { httpHandler } from '../http/handler.ts';
import { objectBody } from '../http/request.ts';
import { json } from '../http/response.ts';
import { logger } from '../logger.ts';
import { ValidationError } from '../tasks/errors.ts';
import { launcher } from '../tasks/launcher.ts';
import { newTask } from '../tasks/model.ts';
import { taskStore } from '../tasks/store.ts';
import { DEFAULT_TYPE, taskType } from '../tasks/types/index.ts';

const store = taskStore();
const workflow = launcher();
const nextId = monotonicFactory();
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

export const handler = httpHandler(async (event) => {
  const task = newTask({ taskId: nextId(), now: new Date(), ...parseRequest(objectBody(event)) });
  logger.appendKeys({ task_id: task.task_id });
  await store.create(task);
  try {
    await workflow.start(task.task_id);
  } catch (error) {
    // No task may wait forever for a workflow that never started.
    logger.error('Workflow did not start; recording the task as failed', error as Error);
    await store.transition(task.task_id, 'fail', { error: 'The task could not be started' });
    return json(503, {
      error: 'The task could not be started; it was recorded as FAILURE',
      code: 'start_failed',
      task_id: task.task_id,
    });
  }
  logger.info('Task created', { type: task.type });
  return json(201, task, { location: `/tasks/${task.task_id}/status` });
});
