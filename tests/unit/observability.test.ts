import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  countTask,
  metrics,
  publishMetrics,
  recordFinished,
  recordStarted,
} from '../../functions/observability.ts';

const created = '2026-01-01T00:00:00.000Z';
const started = '2026-01-01T00:00:02.500Z';
const finished = '2026-01-01T00:01:02.500Z';

/** The EMF document the stored metrics would be written as. */
const stored = () => metrics.serializeMetrics() as unknown as Record<string, unknown>;
const names = () =>
  (stored()._aws as { CloudWatchMetrics: { Metrics: { Name: string; Unit: string }[] }[] })
    .CloudWatchMetrics[0]?.Metrics ?? [];

// The metrics object is shared with the unit files run before and after this one.
beforeEach(() => metrics.clearMetrics());
afterEach(() => metrics.clearMetrics());

describe('task metrics', () => {
  it('go to the TasksService namespace with only the service dimension', () => {
    countTask('TaskCreated');
    const emf = stored();
    expect(emf._aws).toMatchObject({
      CloudWatchMetrics: [{ Namespace: 'TasksService', Dimensions: [['service']] }],
    });
    expect(emf).toMatchObject({ service: 'tasks-service', TaskCreated: 1 });
  });

  it('time a finished task from its start to its end, counted by outcome', () => {
    recordFinished({
      status: 'SUCCESS',
      created_at: created,
      started_at: started,
      finished_at: finished,
    });
    expect(stored()).toMatchObject({ TaskSucceeded: 1, TaskDuration: 60_000 });
    expect(names()).toContainEqual({ Name: 'TaskDuration', Unit: 'Milliseconds' });
  });

  it('time a task cancelled before it started from its creation', () => {
    recordFinished({
      status: 'CANCELLED',
      created_at: created,
      started_at: null,
      finished_at: started,
    });
    expect(stored()).toMatchObject({ TaskCancelled: 1, TaskDuration: 2_500 });
  });

  it('record how long a started task waited in the queue', () => {
    recordStarted({ created_at: created, started_at: started });
    expect(stored()).toMatchObject({ TaskStarted: 1, QueueWait: 2_500 });
  });

  it('count nothing for a task that has not finished', () => {
    recordFinished({
      status: 'RUNNING',
      created_at: created,
      started_at: started,
      finished_at: null,
    });
    expect(metrics.hasStoredMetrics()).toBe(false);
  });
});

describe('publishing an invocation’s metrics', () => {
  const written: string[] = [];
  /** Collects what is written to stdout and stderr (where Powertools warns). */
  const capture = () => {
    const streams = [process.stdout, process.stderr];
    const writes = streams.map((stream) => stream.write);
    for (const stream of streams) {
      stream.write = ((chunk: string) => {
        written.push(String(chunk));
        return true;
      }) as typeof stream.write;
    }
    return () => {
      streams.forEach((stream, i) => {
        stream.write = writes[i] as typeof stream.write;
      });
    };
  };
  afterEach(() => {
    written.length = 0;
  });

  it('writes one EMF line after an invocation that recorded metrics, even a failed one', async () => {
    const restore = capture();
    try {
      countTask('TaskDeleted');
      await publishMetrics.onError?.({} as never);
    } finally {
      restore();
    }
    expect(written).toHaveLength(1);
    expect(JSON.parse(written[0] ?? '')).toMatchObject({ TaskDeleted: 1 });
    expect(metrics.hasStoredMetrics()).toBe(false);
  });

  it('writes nothing, not even a warning, after an invocation that recorded none', async () => {
    const restore = capture();
    try {
      await publishMetrics.after?.({} as never);
    } finally {
      restore();
    }
    expect(written).toEqual([]);
  });
});
