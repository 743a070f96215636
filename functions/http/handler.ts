import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { captureLambdaHandler } from '@aws-lambda-powertools/tracer/middleware';
import middy, { type MiddlewareObj } from '@middy/core';
import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import { logger } from '../logger.ts';
import { publishMetrics, tracer } from '../observability.ts';
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
    if (isUnavailable(error)) {
      logger.error('A service the API depends on is unavailable', error as Error);
      request.response = json(
        503,
        { error: 'The service is temporarily unavailable; try again', code: 'service_unavailable' },
        { 'retry-after': '1' },
      );
      return;
    }
    logger.error('Request failed', error as Error);
    request.response = json(500, { error: 'Internal server error', code: 'internal_error' });
  },
};

const requestId: MiddlewareObj<Event, Response> = {
  before: async (request) => {
    logger.appendKeys({ request_id: request.event.requestContext?.requestId });
  },
};

/** The middleware stack every API handler shares. */
export function httpHandler(fn: (event: Event, context: Context) => Promise<Response>) {
  return middy<Event, Response>(fn)
    .use(captureLambdaHandler(tracer, { captureResponse: false }))
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
