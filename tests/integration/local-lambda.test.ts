import { describe, expect, it } from 'vitest';
import { useLocalService, waitFor } from '../helpers/local-service.ts';

// One JSON document a line (no pretty printing), at INFO, so every log line can be read.
const local = useLocalService({
  env: { POWERTOOLS_DEV: 'false', POWERTOOLS_LOG_LEVEL: 'INFO', WORK_SLICE_SECONDS: '1' },
});

interface LogLine {
  message?: string;
  function_name?: string;
  task_id?: string;
  cold_start?: boolean;
  _aws?: { CloudWatchMetrics: { Namespace: string; Dimensions: string[][] }[] };
  [metric: string]: unknown;
}

function logLines(): LogLine[] {
  return local.service
    .output()
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as LogLine);
}

const finished = (id: string) =>
  waitFor(async () => {
    const { body } = await local.api('GET', `/tasks/${id}/status`);
    return ['SUCCESS', 'FAILURE', 'CANCELLED'].includes(body?.status) ? body.status : undefined;
  });

describe('local mode runs each function in its own execution environments', () => {
  it('names the right function and task in the logs of concurrent requests, and prints metrics', async () => {
    const created = await Promise.all(
      Array.from({ length: 4 }, (_, i) =>
        local.api('POST', '/tasks', { name: `concurrent ${i}`, input: { duration_seconds: 1 } }),
      ),
    );
    const ids = created.map((response) => response.body.task_id as string);
    // Status reads run beside the workers.
    await Promise.all(ids.map((id) => local.api('GET', `/tasks/${id}/status`)));
    await Promise.all(ids.map((id) => finished(id)));
    // A Work invocation logs the end and publishes its metrics after the task shows SUCCESS
    // (it first offers the freed slot to a waiting task).
    const lines = await waitFor(async () => {
      const all = logLines();
      const ended = all.filter(
        (line) => line.message === 'Task succeeded' && ids.includes(line.task_id ?? ''),
      );
      const published = all.some((line) => line._aws && line.TaskSucceeded !== undefined);
      return ended.length === ids.length && published ? all : undefined;
    });
    const byMessage = (message: string) => lines.filter((line) => line.message === message);
    expect(byMessage('Task created').map((line) => line.function_name)).toEqual(
      ids.map(() => 'CreateTask'),
    );
    expect(
      byMessage('Task created')
        .map((line) => line.task_id)
        .sort(),
    ).toEqual([...ids].sort());
    // A task is started by whichever function admits it (here mostly its create, a slot
    // being free; a reconciler sweep that runs meanwhile may admit one first), and worked
    // on by Work. Every task's timeline shows its start.
    for (const id of ids) {
      const { body } = await local.api('GET', `/tasks/${id}`);
      expect(body.events.map((event: { type: string }) => event.type)).toContain('started');
    }
    const started = byMessage('Task started').filter((line) => ids.includes(line.task_id ?? ''));
    expect(started.length).toBeGreaterThan(0);
    for (const line of started) expect(['CreateTask', 'Work']).toContain(line.function_name);
    const finishedLines = byMessage('Task succeeded').filter((line) =>
      ids.includes(line.task_id ?? ''),
    );
    expect(finishedLines).toHaveLength(ids.length);
    for (const line of finishedLines) expect(line.function_name).toBe('Work');
    expect(byMessage('Task created').some((line) => line.cold_start === true)).toBe(true);

    const metrics = lines.filter((line) => line._aws);
    expect(metrics.length).toBeGreaterThan(0);
    for (const line of metrics) {
      expect(line._aws?.CloudWatchMetrics[0]).toMatchObject({
        Namespace: 'TasksService',
        Dimensions: [['service']],
      });
    }
    const succeeded = metrics.filter((line) => line.TaskSucceeded !== undefined);
    expect(succeeded.length).toBeGreaterThanOrEqual(1);
    expect(succeeded.every((line) => typeof line.TaskDuration === 'number')).toBe(true);
    expect(metrics.filter((line) => line.TaskCreated !== undefined)).toHaveLength(ids.length);
  });

  it('starts a warm environment without a cold start', async () => {
    const before = logLines().filter((line) => line.message === 'Task created').length;
    await local.api('POST', '/tasks', { input: { duration_seconds: 1 } });
    const created = logLines().filter((line) => line.message === 'Task created');
    expect(created).toHaveLength(before + 1);
    expect(created.at(-1)).toMatchObject({ function_name: 'CreateTask', cold_start: false });
  });
});
