/**
 * The schemas of what the API answers, by name. Only the OpenAPI document and the tests
 * use them (handlers build answers from the task model); the integration tests validate
 * every answer they receive against the document, so these cannot drift from the code.
 */
import * as v from 'valibot';
import { STATUSES, type TaskStatus } from '../tasks/model.ts';

const timestamp = v.pipe(v.string(), v.isoTimestamp());

export const TaskSchema = v.object({
  task_id: v.string(),
  status: v.picklist(STATUSES),
  name: v.nullable(v.string()),
  type: v.string(),
  input: v.record(v.string(), v.unknown()),
  progress: v.pipe(v.number(), v.minValue(0), v.maxValue(100)),
  result: v.optional(v.unknown()),
  error: v.optional(v.string()),
  created_at: timestamp,
  updated_at: timestamp,
  started_at: v.nullable(timestamp),
  finished_at: v.nullable(timestamp),
});

/** One entry of a task's timeline; `progress` (the milestone reached) only on `progress` entries. */
export const TaskEventSchema = v.object({
  at: timestamp,
  type: v.picklist([
    'created',
    'started',
    'progress',
    'cancel_requested',
    'succeeded',
    'failed',
    'cancelled',
  ]),
  progress: v.optional(v.pipe(v.number(), v.minValue(0), v.maxValue(100))),
});

/** `GET /tasks/{id}`: the task and its timeline, oldest entry first (the newest 50 kept). */
export const TaskDetailSchema = v.object({
  ...TaskSchema.entries,
  events: v.array(TaskEventSchema),
});

const count = v.pipe(v.number(), v.integer());

/** `GET /tasks/totals`: the caller's tasks per status (every status present) and their sum. */
export const TaskTotalsSchema = v.object({
  counts: v.object(
    Object.fromEntries(STATUSES.map((status) => [status, count])) as Record<
      TaskStatus,
      typeof count
    >,
  ),
  total: count,
});

/** `GET /tasks/{id}/result`: `result` once SUCCESS, `error` once FAILURE or CANCELLED, else `progress`. */
export const TaskResultSchema = v.object({
  task_id: v.string(),
  status: v.picklist(STATUSES),
  result: v.optional(v.unknown()),
  error: v.optional(v.string()),
  progress: v.optional(v.pipe(v.number(), v.minValue(0), v.maxValue(100))),
});

export const DeletedTaskSchema = v.object({ task_id: v.string() });

export const HealthSchema = v.object({
  service: v.string(),
  status: v.picklist(['ok', 'unavailable']),
  version: v.string(),
  checks: v.object({ database: v.picklist(['ok', 'unavailable']) }),
  error: v.optional(v.string()),
  code: v.optional(v.literal('database_unavailable')),
});

/** Every error; each response of the document narrows `code` to the codes it can carry. */
export const ErrorSchema = v.object({
  error: v.string(),
  code: v.string(),
  /** Only with `start_failed`: the task that was recorded as FAILURE. */
  task_id: v.optional(v.string()),
});

/** API Gateway's own refusals with sign-in on: `401 {"message":"Unauthorized"}`, `403 {"message":"Forbidden"}`. */
export const GatewayRefusalSchema = v.object({ message: v.string() });
