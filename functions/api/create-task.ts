import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { monotonicFactory } from 'ulid';
import * as v from 'valibot';
import { API_TIMEOUT_SECONDS } from '../catalog.ts';
import { wiredAtFirstCall } from '../edge.ts';
import { type Caller, callerOf } from '../http/caller.ts';
import { httpHandler } from '../http/handler.ts';
import { jsonBody } from '../http/request.ts';
import { json, type Response } from '../http/response.ts';
import { CreateTaskBody, ERROR_CODES, IdempotencyKeyHeader } from '../http/schemas.ts';
import { parseOrThrow } from '../http/validation.ts';
import { logger } from '../logger.ts';
import { countTask, recordFinished } from '../observability.ts';
import {
  type Admission,
  type Admitted,
  admissionFromEnvironment,
  admitAfterRelease,
  admitWaitingTasks,
} from '../tasks/admission.ts';
import { ClientError, ValidationError } from '../tasks/errors.ts';
import {
  claimKey,
  type IdempotencyRecord,
  readRecord,
  recordId,
  releaseKey,
  requestHash,
  type StoredResponse,
  saveResponse,
  takeOver,
} from '../tasks/idempotency.ts';
import { startExecution } from '../tasks/launcher.ts';
import { newTask, type Task } from '../tasks/model.ts';
import { createTask, getTask, SERVICE_ACCESS, transitionTask } from '../tasks/store.ts';
import { taskType } from '../tasks/types/index.ts';

type Deps = Admission;
type Fields = ReturnType<typeof parseRequest>;

/** A request holding a key is presumed alive this long: no invocation outlives its timeout. */
const LEASE_MS = API_TIMEOUT_SECONDS * 1000;
/** How long a request waits for another one with its key to answer before a 409. */
const IN_FLIGHT_WAIT_MS = 2000;
const IN_FLIGHT_POLL_MS = 200;

/** The task a request asks for: its fields, and its input checked by the schema of its type. */
function parseRequest(event: APIGatewayProxyEventV2) {
  const body = parseOrThrow(CreateTaskBody, jsonBody(event), {
    place: 'body',
    codes: ERROR_CODES.create,
  });
  return { ...body, input: taskType(body.type).parseInput(body.input) as Record<string, unknown> };
}

function idempotencyKeyOf(event: APIGatewayProxyEventV2): string | undefined {
  const key = event.headers?.['idempotency-key'];
  if (key === undefined) return undefined;
  const result = v.safeParse(IdempotencyKeyHeader, key);
  if (!result.success) {
    const message = `Header "Idempotency-Key" ${result.issues[0].message}`;
    throw new ValidationError(message, 'invalid_idempotency_key');
  }
  return result.output;
}

function created(task: Task): Response {
  return json(201, task, { location: `/tasks/${task.task_id}/status` });
}

/**
 * Admits the new task if a slot is free and no older task waits (admission.ts); otherwise it
 * waits PENDING and starts when a slot frees. If it was admitted but its execution did not
 * start, the task is recorded as failed and the answer is 503. The answer shows the task as
 * created.
 */
async function start(deps: Deps, task: Task): Promise<Response> {
  const { table, clock } = deps;
  let admitted: Admitted;
  try {
    admitted = await admitWaitingTasks(deps, { include: task.task_id });
  } catch (error) {
    // The task exists and waits: the next release or reconciler sweep admits it.
    logger.warn('Could not admit tasks; the task waits PENDING', { error: error as Error });
    return created(task);
  }
  const unstarted = admitted.unstarted.find((entry) => entry.task.task_id === task.task_id);
  if (unstarted) {
    // No task may wait forever for a workflow that never started.
    logger.error('Workflow did not start; recording the task as failed', {
      error: unstarted.error as Error,
    });
    recordFinished(
      await transitionTask(
        table,
        task.task_id,
        'fail',
        { error: 'The task could not be started' },
        clock.now(),
        SERVICE_ACCESS,
      ),
    );
    await admitAfterRelease(deps);
    return json(503, {
      error: 'The task could not be started; it was recorded as FAILURE',
      code: 'start_failed',
      task_id: task.task_id,
    });
  }
  logger.info('Task created', { type: task.type });
  return created(task);
}

async function launch(
  deps: Deps,
  caller: Caller,
  taskId: string,
  fields: Fields,
): Promise<Response> {
  const task = newTask({ taskId, now: deps.clock.now(), ...fields });
  logger.appendKeys({ task_id: task.task_id });
  await createTask(deps.table, task, { owner: caller.owner });
  countTask('TaskCreated');
  return start(deps, task);
}

/**
 * Finishes the create of a request that claimed the key and died: the task the record
 * names is written if it is not yet, admitted if still PENDING, its execution started if
 * RUNNING (never twice: executions are named by task id), and answered as it is now.
 */
async function resume(
  deps: Deps,
  caller: Caller,
  taskId: string,
  fields: Fields,
): Promise<Response> {
  const access = { owner: caller.owner };
  let task = await getTask(deps.table, taskId, access);
  if (!task) {
    try {
      return await launch(deps, caller, taskId, fields);
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
      task = await getTask(deps.table, taskId, access);
    }
  }
  if (!task) throw new Error(`Task ${taskId} of an idempotency key vanished while resumed`);
  logger.appendKeys({ task_id: taskId });
  if (task.status === 'PENDING') return start(deps, task);
  if (task.status === 'RUNNING') {
    // Admitted by the request that died, maybe before it started the execution; a start of
    // an execution that exists changes nothing, and the reconciler would start it anyway.
    await startExecution(deps.workflow, taskId).catch((error) => {
      logger.warn('Could not start the execution of a resumed task', error as Error);
    });
  }
  return created(task);
}

function replay(stored: StoredResponse): Response {
  return { ...stored, headers: { ...stored.headers, 'idempotent-replayed': 'true' } };
}

/** Runs `produce` holding the key, then saves its answer for the key's replays. */
async function answerOnce(
  { table }: Deps,
  record: IdempotencyRecord,
  produce: () => Promise<Response>,
): Promise<Response> {
  let response: Response;
  try {
    response = await produce();
  } catch (error) {
    // Nothing was answered: a retry may take the key over at once instead of after the lease.
    await releaseKey(table, record).catch(() => {});
    throw error;
  }
  const stored = {
    statusCode: response.statusCode ?? 200,
    headers: response.headers,
    body: response.body ?? '',
  };
  try {
    await saveResponse(table, record, stored);
  } catch (error) {
    // The task exists either way; a retry after the lease resumes it and answers it as it is.
    logger.warn('Could not save the answer of an idempotency key', error as Error);
  }
  return response;
}

/** A create with an Idempotency-Key: at most one task per key and caller, whatever the retries. */
async function createOnce(
  deps: Deps,
  caller: Caller,
  key: string,
  fields: Fields,
  newId: () => string,
): Promise<Response> {
  const { table, clock } = deps;
  const id = recordId(caller.owner, key);
  const hash = requestHash(fields);
  const taskId = newId();
  const deadline = clock.now().getTime() + IN_FLIGHT_WAIT_MS;
  for (;;) {
    const now = clock.now();
    const claim = { id, requestHash: hash, taskId, lockedUntil: now.getTime() + LEASE_MS };
    if (await claimKey(table, claim, now)) {
      return answerOnce(deps, claim, () => launch(deps, caller, taskId, fields));
    }
    const existing = await readRecord(table, id, clock.now());
    if (existing && existing.requestHash !== hash) {
      throw new ClientError(
        422,
        'idempotency_key_reused',
        'This Idempotency-Key was used with a different request; use a new key for a new task',
      );
    }
    if (existing?.response) {
      logger.info('Replaying the answer of an idempotency key');
      return replay(existing.response);
    }
    if (existing && existing.lockedUntil <= clock.now().getTime()) {
      const lease = { ...existing, lockedUntil: clock.now().getTime() + LEASE_MS };
      if (await takeOver(table, existing, lease.lockedUntil)) {
        logger.warn('Resuming the create of an idempotency key whose request ended unanswered');
        return answerOnce(deps, lease, () => resume(deps, caller, existing.taskId, fields));
      }
    }
    if (clock.now().getTime() >= deadline) {
      return json(
        409,
        {
          error: 'A request with this Idempotency-Key is still in progress; retry later',
          code: 'request_in_progress',
        },
        { 'retry-after': '1' },
      );
    }
    await clock.sleep(IN_FLIGHT_POLL_MS);
  }
}

export function makeHandler(deps: Deps) {
  const nextId = monotonicFactory();
  return httpHandler(async (event) => {
    const caller = callerOf(event);
    const fields = parseRequest(event);
    const key = idempotencyKeyOf(event);
    const newId = () => nextId(deps.clock.now().getTime());
    if (key === undefined) return launch(deps, caller, newId(), fields);
    return createOnce(deps, caller, key, fields, newId);
  });
}

export const handler = wiredAtFirstCall(() => makeHandler(admissionFromEnvironment()));
