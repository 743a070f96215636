/**
 * The schemas of what the API answers, by name. Only the OpenAPI document and the tests
 * use them (handlers build answers from the task model); the integration tests validate
 * every answer they receive against the document, so these cannot drift from the code.
 */
import * as v from 'valibot';
import { STATUSES } from '../tasks/model.ts';

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
