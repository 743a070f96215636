/**
 * The schemas of everything a client sends, by name. Handlers validate with them and take
 * their types from them; the OpenAPI document is generated from them, so each is a named
 * export and the messages they carry are what clients read (see `parseOrThrow`).
 */
import * as v from 'valibot';
import { STATUSES } from '../tasks/model.ts';
import { DEFAULT_TYPE, INPUT_SCHEMAS, TYPE_NAMES } from '../tasks/types/index.ts';
import { jsonObject } from './validation.ts';

export const MAX_NAME_LENGTH = 200;
export const MAX_LIMIT = 100;
/**
 * At most 200 characters as a person counts them (a surrogate pair is one, as in JSON
 * Schema's maxLength) and no lone surrogate, which no store could encode. No `u` flag:
 * JSON Schema patterns carry none.
 */
const WELL_FORMED_NAME = new RegExp(
  `^(?:[^\\ud800-\\udfff]|[\\ud800-\\udbff][\\udc00-\\udfff]){0,${MAX_NAME_LENGTH}}$`,
);
const NAME = `must be a string of at most ${MAX_NAME_LENGTH} characters`;
const LIMIT = `must be an integer from 1 to ${MAX_LIMIT}`;
const STATUS = `must be one of ${STATUSES.join(', ')}`;
const OWNER = 'must be an owner id (1 to 128 visible ASCII characters)';
const SEARCH = `must be a task id or the start of a name, at most ${MAX_NAME_LENGTH} characters`;
const OWNER_FILTER = v.optional(v.pipe(v.string(), v.regex(/^[\x21-\x7e]{1,128}$/, OWNER)));

/** Each task type's input, by type name; a new type brings its own. */
export const TASK_INPUTS = INPUT_SCHEMAS;

/** `POST /tasks`; no body is a default task. A blank name is no name. */
export const CreateTaskBody = v.optional(
  jsonObject({
    name: v.optional(
      v.nullable(
        v.pipe(
          v.string(NAME),
          v.regex(WELL_FORMED_NAME, NAME),
          v.transform((name) => (name.trim() === '' ? null : name)),
        ),
      ),
      null,
    ),
    type: v.optional(
      v.picklist(
        TYPE_NAMES,
        (issue) => `must name a known task type (${TYPE_NAMES.join(', ')}), not ${issue.received}`,
      ),
      DEFAULT_TYPE,
    ),
    /** Checked against the schema of its type, in TASK_INPUTS. */
    input: v.optional(v.unknown()),
  }),
  {},
);
export type CreateTaskRequest = v.InferOutput<typeof CreateTaskBody>;

/** `PATCH /tasks/{id}/status`; no body cancels. */
export const CancelTaskBody = v.optional(
  jsonObject({
    status: v.optional(v.literal('CANCELLED', 'must be "CANCELLED"'), 'CANCELLED'),
  }),
  {},
);
export type CancelTaskRequest = v.InferOutput<typeof CancelTaskBody>;

/** A query parameter of decimal digits only, read as an integer from 1 to `max`. */
function integerFromOneTo(max: number, message: string) {
  return v.pipe(
    v.string(message),
    v.regex(new RegExp(`^\\d{1,${String(max).length}}$`), message),
    v.transform(Number),
    v.minValue(1, message),
    v.maxValue(max, message),
  );
}

/**
 * `GET /tasks` query parameters; an empty one counts as absent. `search` is an exact task
 * id or a case-insensitive name prefix, and cannot be combined with `status`.
 */
export const ListTasksQuery = jsonObject({
  search: v.optional(v.pipe(v.string(SEARCH), v.regex(WELL_FORMED_NAME, SEARCH))),
  status: v.optional(v.picklist(STATUSES, STATUS)),
  limit: v.optional(integerFromOneTo(MAX_LIMIT, LIMIT), String(MAX_LIMIT)),
  /** Opaque; the store checks it against the index it resumes. */
  cursor: v.optional(v.pipe(v.string(), v.maxLength(2048, 'is not a cursor this service gave'))),
  /** An operator's filter: one owner's tasks only; ignored for anyone else. */
  owner: OWNER_FILTER,
});
export type ListTasksRequest = v.InferOutput<typeof ListTasksQuery>;

/** `GET /tasks/totals` query parameters: an operator's owner filter, as the list's. */
export const TaskTotalsQuery = jsonObject({ owner: OWNER_FILTER });
export type TaskTotalsRequest = v.InferOutput<typeof TaskTotalsQuery>;

/** The `{id}` of a task's path: ULIDs, UUIDs, and nothing that could not be one of ours. */
export const TaskIdPath = v.pipe(v.string(), v.regex(/^[A-Za-z0-9_-]{1,64}$/));

/** The codes of the errors a field of each request answers with; anything else is invalid_request. */
export const ERROR_CODES = {
  create: { type: 'unknown_type' },
  cancel: { status: 'invalid_status' },
  list: {
    search: 'invalid_search',
    status: 'invalid_status',
    limit: 'invalid_limit',
    cursor: 'invalid_cursor',
    owner: 'invalid_owner',
  },
  totals: { owner: 'invalid_owner' },
  status: { wait: 'invalid_wait' },
} as const;

/**
 * The `Idempotency-Key` header of `POST /tasks`: 1–255 printable ASCII characters
 * without spaces (a UUID fits), as Stripe and the IETF draft allow.
 */
export const IdempotencyKeyHeader = v.pipe(
  v.string(),
  v.regex(/^[!-~]{1,255}$/, 'must be 1 to 255 printable ASCII characters without spaces'),
);

export const MAX_WAIT_SECONDS = 20;
const WAIT = `must be an integer from 1 to ${MAX_WAIT_SECONDS}`;

/** `GET /tasks/{id}/status` query parameters: `wait` holds the request until the task changes. */
export const TaskStatusQuery = jsonObject({
  wait: v.optional(integerFromOneTo(MAX_WAIT_SECONDS, WAIT)),
});
export type TaskStatusRequest = v.InferOutput<typeof TaskStatusQuery>;
