import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy, { type MiddlewareObj } from '@middy/core';
import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import { logger } from '../logger.ts';
import { publishMetrics, traceHandler } from '../observability.ts';
import { isUnavailable } from '../tasks/dependency-errors.ts';
import { ClientError } from '../tasks/errors.ts';
import type { Access } from '../tasks/store.ts';
import { accessOf, callerOf } from './caller.ts';
import { taskIdParam } from './request.ts';
import { json, type Response } from './response.ts';

type Event = APIGatewayProxyEventV2;

/** Turns thrown errors into `{ error, code }` responses; only client errors reach the client verbatim. */
const errorResponses: MiddlewareObj<Event, Response> = {
  onError: async (request) => {
    const { error } = request;
    if (error instanceof ClientError) {
      logger.info('Request refused', {
        status: error.statusCode,
        code: error.code,
        reason: error.message,
      });
      request.response = json(error.statusCode, { error: error.message, code: error.code });
      return;
    }
    const retryable = retryableAnswer(error);
    if (retryable) {
      logger.error(retryable.log, error as Error);
      request.response = json(503, retryable.body, { 'retry-after': '1' });
      return;
    }
    logger.error('Request failed', error as Error);
    request.response = json(500, { error: 'Internal server error', code: 'internal_error' });
  },
};

/**
 * Time kept back from the function's timeout: a request still running then is answered
 * 503 `timeout` (middy's early timeout) rather than cut off by Lambda, which API Gateway
 * would turn into a bare 500.
 */
export const TIMEOUT_EARLY_MS = 500;

/** The 503 a client should retry after a second, and what to log: a timeout or an outage. */
function retryableAnswer(error: unknown) {
  if (ranOutOfTime(error)) {
    return {
      log: 'The request did not finish before the function timeout',
      body: { error: 'The request did not finish in time; try again', code: 'timeout' },
    };
  }
  if (isUnavailable(error)) {
    return {
      log: 'A service the API depends on is unavailable',
      body: {
        error: 'The service is temporarily unavailable; try again',
        code: 'service_unavailable',
      },
    };
  }
  return undefined;
}

/** What middy throws when the early timeout fires. */
function ranOutOfTime(error: unknown): boolean {
  return (
    error instanceof Error &&
    error.name === 'TimeoutError' &&
    (error.cause as { package?: string } | undefined)?.package === '@middy/core'
  );
}

const requestId: MiddlewareObj<Event, Response> = {
  before: async (request) => {
    logger.appendKeys({ request_id: request.event.requestContext?.requestId });
  },
};

/** The middleware stack every API handler shares. */
export function httpHandler(fn: (event: Event, context: Context) => Promise<Response>) {
  return middy<Event, Response>(fn, { timeoutEarlyInMillis: TIMEOUT_EARLY_MS })
    .use(traceHandler())
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .use(requestId)
    .use(publishMetrics)
    .use(errorResponses);
}

/** The task a `/tasks/{id}…` request names, and what its caller may see of tasks. */
export interface TaskRequest {
  taskId: string;
  access: Access;
}

/**
 * The handler of a route of one task (`/tasks/{id}…`): the id from the path (an invalid
 * one is a 404), added to every log line, and the caller's access.
 */
export function taskHandler(
  fn: (request: TaskRequest, event: Event, context: Context) => Promise<Response>,
) {
  return httpHandler(async (event, context) => {
    const taskId = taskIdParam(event);
    logger.appendKeys({ task_id: taskId });
    return fn({ taskId, access: accessOf(callerOf(event)) }, event, context);
  });
}
