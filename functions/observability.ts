import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { Tracer } from '@aws-lambda-powertools/tracer';
import { captureLambdaHandler } from '@aws-lambda-powertools/tracer/middleware';
import type { MiddlewareObj } from '@middy/core';
import { env } from './config.ts';
import type { Task } from './tasks/model.ts';

/**
 * The service's own metrics, as CloudWatch embedded metric format lines in the function's
 * log, with only the `service` dimension Powertools adds (the alarms read them so).
 */
export const metrics = new Metrics({
  namespace: env.metricsNamespace(),
  serviceName: env.serviceName(),
});

/**
 * Traces the invocation and each SDK call as subsegments of the function's trace; Powertools
 * turns it off outside Lambda. With POWERTOOLS_TRACE_ENABLED=false (local mode sets it) the
 * Tracer is not even loaded: loading the X-Ray SDK in an execution environment makes it
 * follow every promise with async hooks, about a tenth of a warm request's CPU.
 */
const tracer: Tracer | undefined =
  process.env.POWERTOOLS_TRACE_ENABLED?.toLowerCase() === 'false'
    ? undefined
    : new (await import('@aws-lambda-powertools/tracer')).Tracer({
        serviceName: env.serviceName(),
      });

/** The handler's trace segment, as middleware: none when tracing is off. */
export const traceHandler = (): MiddlewareObj[] =>
  tracer ? [captureLambdaHandler(tracer, { captureResponse: false })] : [];

/** An AWS SDK client whose calls are traced (the client itself when tracing is off). */
export const traceClient = <Client>(client: Client): Client =>
  tracer ? tracer.captureAWSv3Client(client) : client;

/** The task events counted, one metric each. */
export type TaskEvent =
  | 'TaskCreated'
  | 'TaskStarted'
  | 'TaskSucceeded'
  | 'TaskFailed'
  | 'TaskCancelled'
  | 'TaskDeleted';

const FINISHED: Partial<Record<Task['status'], TaskEvent>> = {
  SUCCESS: 'TaskSucceeded',
  FAILURE: 'TaskFailed',
  CANCELLED: 'TaskCancelled',
};

const elapsedMs = (from: string | null, to: string | null) =>
  from && to ? Math.max(0, Date.parse(to) - Date.parse(from)) : undefined;

export function countTask(event: TaskEvent): void {
  metrics.addMetric(event, MetricUnit.Count, 1);
}

/** A task left PENDING: counted, with how long it waited (created_at to started_at). */
export function recordStarted(task: Pick<Task, 'created_at' | 'started_at'>): void {
  countTask('TaskStarted');
  const wait = elapsedMs(task.created_at, task.started_at);
  if (wait !== undefined) metrics.addMetric('QueueWait', MetricUnit.Milliseconds, wait);
}

/**
 * A task ended (succeeded, failed or was cancelled): counted by outcome, with how long it
 * ran (started_at, or created_at if it never started, to finished_at).
 */
export function recordFinished(
  task: Pick<Task, 'status' | 'created_at' | 'started_at' | 'finished_at'>,
): void {
  const event = FINISHED[task.status];
  if (!event) return;
  countTask(event);
  const duration = elapsedMs(task.started_at ?? task.created_at, task.finished_at);
  if (duration !== undefined) metrics.addMetric('TaskDuration', MetricUnit.Milliseconds, duration);
}

/**
 * Writes the invocation's metrics, if it recorded any, when it ends either way; an
 * invocation with none writes nothing (Powertools' own middleware would warn).
 */
export const publishMetrics: MiddlewareObj = {
  after: async () => {
    if (metrics.hasStoredMetrics()) metrics.publishStoredMetrics();
  },
  onError: async () => {
    if (metrics.hasStoredMetrics()) metrics.publishStoredMetrics();
  },
};
