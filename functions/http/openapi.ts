/**
 * The OpenAPI 3.1 document of the API, generated from the valibot schemas the handlers
 * validate with (schemas.ts) and those of their answers (response-schemas.ts), route by
 * route from ROUTES, so a route, field or limit cannot change without the document.
 * `npm run generate:client` writes it to web/openapi.json, served beside the dashboard.
 */
import { toJsonSchema } from '@valibot/to-json-schema';
import type * as v from 'valibot';
import { ROUTES, type Route } from '../catalog.ts';
import {
  DeletedTaskSchema,
  ErrorSchema,
  GatewayRefusalSchema,
  HealthSchema,
  TaskDetailSchema,
  TaskResultSchema,
  TaskSchema,
  TaskTotalsSchema,
} from './response-schemas.ts';
import {
  CancelTaskBody,
  CreateTaskBody,
  IdempotencyKeyHeader,
  ListTasksQuery,
  MAX_WAIT_SECONDS,
  TASK_INPUTS,
  TaskIdPath,
  TaskStatusQuery,
  TaskTotalsQuery,
} from './schemas.ts';

type Json = Record<string, unknown>;

function jsonSchema(schema: v.GenericSchema): Json {
  const { $schema: _, ...rest } = toJsonSchema(schema, {
    typeMode: 'input',
    target: 'draft-2020-12',
  }) as Json;
  return rest;
}

const ref = (kind: string, name: string) => ({ $ref: `#/components/${kind}/${name}` });
const json = (schema: Json) => ({ 'application/json': { schema } });
const inputName = (type: string) => `${type[0]?.toUpperCase()}${type.slice(1)}Input`;

/** Refusals any route can get: from the gateway (local mode names hosts) or an outage. */
const COMMON_ERRORS: Record<number, string[]> = {
  400: ['bad_request', 'missing_host', 'bad_host'],
  403: ['cross_origin_refused'],
  421: ['host_not_allowed'],
  500: ['internal_error'],
  503: ['service_unavailable', 'timeout'],
};

const ERROR_DESCRIPTIONS: Record<number, string> = {
  400: 'The request is invalid; `error` names the field',
  403: 'A page of another origin sent the request',
  404: 'No such task',
  409: 'The request conflicts with the state of the task or of another request',
  413: 'The body is larger than 64 KiB',
  415: 'The body is not JSON',
  421: 'Local mode does not answer for this Host',
  422: 'The Idempotency-Key was used with a different request',
  500: 'A fault of the service',
  503: 'The service or a service it depends on is unavailable; retry after Retry-After',
};

const RETRY_AFTER_ON = new Set([409, 503]);

function errorResponses(codes: Record<number, string[]>): Record<string, Json> {
  const statuses = new Set([...Object.keys(COMMON_ERRORS), ...Object.keys(codes)].map(Number));
  const responses: Record<string, Json> = {};
  for (const status of [...statuses].sort()) {
    const all = [...(codes[status] ?? []), ...(COMMON_ERRORS[status] ?? [])];
    const error = { allOf: [ref('schemas', 'Error'), { properties: { code: { enum: all } } }] };
    responses[status] = {
      description: ERROR_DESCRIPTIONS[status] ?? 'Refused',
      ...(RETRY_AFTER_ON.has(status) && {
        headers: { 'Retry-After': ref('headers', 'RetryAfter') },
      }),
      // With sign-in on, API Gateway's own refusal of a token without the route's scope.
      content: json(status === 403 ? { anyOf: [error, ref('schemas', 'GatewayRefusal')] } : error),
    };
  }
  responses[401] = {
    description: 'With sign-in on: no valid access token (API Gateway answers it)',
    headers: { 'WWW-Authenticate': ref('headers', 'WWWAuthenticate') },
    content: json(ref('schemas', 'GatewayRefusal')),
  };
  return responses;
}

/** The open route answers no 401. */
function withoutSignIn(responses: Record<string, Json>): Record<string, Json> {
  const { 401: _, ...rest } = responses;
  return rest;
}

function queryParameters(schema: v.GenericSchema): Json[] {
  const { properties = {} } = jsonSchema(schema) as { properties?: Record<string, Json> };
  return Object.entries(properties).map(([name, property]) => ({
    name,
    in: 'query',
    required: false,
    schema: property,
  }));
}

const QUERY_DESCRIPTIONS: Record<string, string> = {
  search:
    'A task id (any case): that task, if the caller may see it; otherwise a case-insensitive name prefix, tasks ordered by name. Not combinable with `status`',
  owner: "Operators only (`tasks/admin`): one owner's tasks; ignored for anyone else",
  status: 'Only tasks of this status',
  limit: 'Tasks per page, an integer from 1 to 100',
  cursor: "The next page's cursor, from the `Link` header of the previous page",
  wait: `With If-None-Match: seconds (an integer from 1 to ${MAX_WAIT_SECONDS}) to hold the request until the task changes; 304 when it does not`,
};

function describedQuery(schema: v.GenericSchema): Json[] {
  return queryParameters(schema).map((parameter) => ({
    ...parameter,
    description: QUERY_DESCRIPTIONS[String(parameter.name)],
  }));
}

const taskOk = (description: string, headers: Json = {}) => ({
  description,
  headers,
  content: json(ref('schemas', 'Task')),
});

function createTaskBody(): Json {
  const body = jsonSchema(CreateTaskBody) as Json & { properties: Json };
  const inputs = Object.keys(TASK_INPUTS).map((type) => ref('schemas', inputName(type)));
  const description = 'The input of the task type, checked against the schema of the type';
  body.properties.input =
    inputs.length === 1 ? { description, ...inputs[0] } : { description, anyOf: inputs };
  return body;
}

/** Each route's operation, by the route's name; a route without one fails generation. */
const OPERATIONS: Record<string, Json> = {
  CreateTask: {
    summary: 'Create a task and start it',
    description:
      'With an `Idempotency-Key`, a retry replays the first answer (`Idempotent-Replayed: true`) for 24 h instead of creating another task.',
    parameters: [ref('parameters', 'IdempotencyKey')],
    requestBody: { required: false, content: json(ref('schemas', 'CreateTaskRequest')) },
    responses: {
      201: taskOk('The task, PENDING', {
        Location: ref('headers', 'Location'),
        'Idempotent-Replayed': ref('headers', 'IdempotentReplayed'),
      }),
      ...errorResponses({
        400: ['invalid_request', 'malformed_json', 'unknown_type', 'invalid_idempotency_key'],
        409: ['request_in_progress'],
        413: ['payload_too_large'],
        415: ['unsupported_media_type'],
        422: ['idempotency_key_reused'],
        503: ['start_failed'],
      }),
    },
  },
  ListTasks: {
    summary: 'List tasks, newest first, or search them by id or name prefix',
    parameters: [...describedQuery(ListTasksQuery), ref('parameters', 'IfNoneMatch')],
    responses: {
      200: {
        description: 'A page of tasks',
        headers: {
          ETag: ref('headers', 'ETag'),
          Link: ref('headers', 'Link'),
          'Cache-Control': ref('headers', 'CacheControl'),
        },
        content: json({ type: 'array', items: ref('schemas', 'Task') }),
      },
      304: { description: 'The page is unchanged', headers: { ETag: ref('headers', 'ETag') } },
      ...errorResponses({
        400: [
          'invalid_request',
          'invalid_search',
          'invalid_status',
          'invalid_limit',
          'invalid_cursor',
          'invalid_owner',
          'invalid_query',
        ],
      }),
    },
  },
  GetTaskTotals: {
    summary: "Count the caller's tasks per status",
    description:
      "Exact counts, kept with every status change. An operator (`tasks/admin`) gets every owner's tasks, or one owner's with `owner`.",
    parameters: [...describedQuery(TaskTotalsQuery), ref('parameters', 'IfNoneMatch')],
    responses: {
      200: {
        description: 'The number of tasks in each status, and in all',
        headers: { ETag: ref('headers', 'ETag'), 'Cache-Control': ref('headers', 'CacheControl') },
        content: json(ref('schemas', 'TaskTotals')),
      },
      304: { description: 'The totals are unchanged', headers: { ETag: ref('headers', 'ETag') } },
      ...errorResponses({ 400: ['invalid_request', 'invalid_owner'] }),
    },
  },
  GetTask: {
    summary: 'Get a task with its timeline',
    description:
      'The task, as `/tasks/{id}/status` answers it, and `events`: its timeline, oldest first (the newest 50 entries are kept).',
    parameters: [ref('parameters', 'TaskId'), ref('parameters', 'IfNoneMatch')],
    responses: {
      200: {
        description: 'The task and its timeline',
        headers: {
          ETag: ref('headers', 'ETag'),
          'Retry-After': ref('headers', 'RetryAfter'),
          'Cache-Control': ref('headers', 'CacheControl'),
        },
        content: json(ref('schemas', 'TaskDetail')),
      },
      304: {
        description: 'The task is as the client holds it',
        headers: { ETag: ref('headers', 'ETag'), 'Retry-After': ref('headers', 'RetryAfter') },
      },
      ...errorResponses({ 404: ['task_not_found'] }),
    },
  },
  GetTaskStatus: {
    summary: 'Get a task, or wait for it to change',
    parameters: [
      ref('parameters', 'TaskId'),
      ...describedQuery(TaskStatusQuery),
      ref('parameters', 'IfNoneMatch'),
    ],
    responses: {
      200: taskOk('The task', {
        ETag: ref('headers', 'ETag'),
        'Retry-After': ref('headers', 'RetryAfter'),
        'Cache-Control': ref('headers', 'CacheControl'),
      }),
      304: {
        description: 'The task is as the client holds it (after the wait, if any)',
        headers: { ETag: ref('headers', 'ETag'), 'Retry-After': ref('headers', 'RetryAfter') },
      },
      ...errorResponses({ 400: ['invalid_request', 'invalid_wait'], 404: ['task_not_found'] }),
    },
  },
  CancelTask: {
    summary: 'Cancel a task',
    parameters: [ref('parameters', 'TaskId')],
    requestBody: { required: false, content: json(ref('schemas', 'CancelTaskRequest')) },
    responses: {
      200: taskOk('The task, CANCELLED (also when it already was)'),
      ...errorResponses({
        400: ['invalid_request', 'malformed_json', 'invalid_status'],
        404: ['task_not_found'],
        409: ['task_finished'],
        413: ['payload_too_large'],
        415: ['unsupported_media_type'],
      }),
    },
  },
  GetTaskResult: {
    summary: "Get a task's result",
    parameters: [ref('parameters', 'TaskId')],
    responses: {
      200: {
        description: 'The result, the error, or the progress so far',
        headers: { 'Retry-After': ref('headers', 'RetryAfter') },
        content: json(ref('schemas', 'TaskResult')),
      },
      ...errorResponses({ 404: ['task_not_found'] }),
    },
  },
  DeleteTask: {
    summary: 'Delete a task and stop its work',
    parameters: [ref('parameters', 'TaskId')],
    responses: {
      200: { description: 'Deleted', content: json(ref('schemas', 'DeletedTask')) },
      ...errorResponses({ 404: ['task_not_found'] }),
    },
  },
  Health: {
    summary: 'Health of the service and its database',
    security: [],
    responses: {
      200: { description: 'Healthy', content: json(ref('schemas', 'Health')) },
      ...withoutSignIn(errorResponses({})),
      503: {
        description: 'The database cannot be reached, or the service is unavailable',
        content: json({ anyOf: [ref('schemas', 'Health'), ref('schemas', 'Error')] }),
      },
    },
  },
};

const TAGS: Record<string, string> = { Health: 'service' };

function operation(route: Route): Json {
  const spec = OPERATIONS[route.name];
  if (!spec) throw new Error(`Route ${route.name} has no operation in the OpenAPI document`);
  const operationId = `${route.name[0]?.toLowerCase()}${route.name.slice(1)}`;
  return { operationId, tags: [TAGS[route.name] ?? 'tasks'], ...spec };
}

function paths(): Json {
  const result: Record<string, Json> = {};
  for (const route of ROUTES) {
    result[route.path] ??= {};
    (result[route.path] as Json)[route.method.toLowerCase()] = operation(route);
  }
  return result;
}

const header = (description: string, schema: Json = { type: 'string' }) => ({
  description,
  schema,
});

export function openApiDocument(): Json {
  const inputs = Object.fromEntries(
    Object.entries(TASK_INPUTS).map(([type, schema]) => [inputName(type), jsonSchema(schema)]),
  );
  return {
    openapi: '3.1.0',
    info: {
      title: 'Tasks service',
      version: '1.0.0',
      description:
        'Long-running tasks: create one, follow its status (or wait for it to change), read its result. Every error is `{error, code}`.',
      license: { name: 'UNLICENSED', identifier: 'UNLICENSED' },
    },
    servers: [{ url: '/', description: 'The service that serves this document' }],
    // A bearer token when sign-in is on; none in the open mode (AUTH=none).
    security: [{ bearerAuth: [] }, {}],
    tags: [
      { name: 'tasks', description: 'Tasks and their life cycle' },
      { name: 'service', description: 'The service itself' },
    ],
    paths: paths(),
    components: {
      securitySchemes: {
        bearerAuth: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' },
      },
      schemas: {
        Task: jsonSchema(TaskSchema),
        TaskDetail: jsonSchema(TaskDetailSchema),
        TaskTotals: jsonSchema(TaskTotalsSchema),
        TaskResult: jsonSchema(TaskResultSchema),
        DeletedTask: jsonSchema(DeletedTaskSchema),
        Health: jsonSchema(HealthSchema),
        Error: jsonSchema(ErrorSchema),
        GatewayRefusal: jsonSchema(GatewayRefusalSchema),
        CreateTaskRequest: createTaskBody(),
        CancelTaskRequest: jsonSchema(CancelTaskBody),
        ...inputs,
      },
      parameters: {
        TaskId: { name: 'id', in: 'path', required: true, schema: jsonSchema(TaskIdPath) },
        IdempotencyKey: {
          name: 'Idempotency-Key',
          in: 'header',
          required: false,
          description:
            'Makes the create safe to retry: the same key (per caller, for 24 h) with the same body replays the first answer; with another body it is a 422',
          schema: jsonSchema(IdempotencyKeyHeader),
        },
        IfNoneMatch: {
          name: 'If-None-Match',
          in: 'header',
          required: false,
          description: 'The ETag the client holds: 304 if it is still current',
          schema: { type: 'string' },
        },
      },
      headers: {
        ETag: header('The version of the representation, for If-None-Match'),
        Location: header('The status URL of the new task'),
        Link: header('`<…?cursor=…>; rel="next"` when there is another page'),
        CacheControl: header('Always `private, no-cache`: revalidate with If-None-Match'),
        RetryAfter: header('Seconds before the next request is worth making', {
          type: 'string',
          pattern: '^[0-9]+$',
        }),
        WWWAuthenticate: header('The authentication scheme: `Bearer`'),
        IdempotentReplayed: header('`true` when the answer is a replay of an earlier request', {
          type: 'string',
          enum: ['true'],
        }),
      },
    },
  };
}
