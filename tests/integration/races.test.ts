import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { type apiClient, useLocalService, waitFor } from '../helpers/local-service.ts';

const local = useLocalService();
const api: ReturnType<typeof apiClient> = (...args) => local.api(...args);

const statusOf = async (id: string) =>
  (await api('GET', `/tasks/${id}/status`)).body?.status as string;
const untilRunning = (id: string) =>
  waitFor(async () => ((await statusOf(id)) === 'RUNNING' ? true : undefined), 20_000, 50);

describe('cancel racing the finish', () => {
  it('ends every task either cancelled or succeeded, as the cancel answer said, and never changes it after', async () => {
    const offsets = Array.from({ length: 30 }, (_, i) => 600 + i * 30);
    const outcomes = await Promise.all(
      offsets.map(async (offset) => {
        const { body: task } = await api('POST', '/tasks', { input: { duration_seconds: 1 } });
        await untilRunning(task.task_id);
        await sleep(offset);
        const cancel = await api('PATCH', `/tasks/${task.task_id}/status`, { status: 'CANCELLED' });
        return { id: task.task_id as string, cancel };
      }),
    );
    await sleep(1500);
    for (const { id, cancel } of outcomes) {
      const final = await statusOf(id);
      if (cancel.status === 200) {
        expect(final).toBe('CANCELLED');
      } else {
        expect(cancel.status).toBe(409);
        expect(cancel.body.error).toContain('SUCCESS');
        expect(final).toBe('SUCCESS');
      }
    }
    const codes = new Set(outcomes.map((o) => o.cancel.status));
    expect(codes).toEqual(new Set([200, 409]));
  });
});

describe('delete during a run', () => {
  it('never resurrects a deleted task, whenever the delete lands', async () => {
    const ids = await Promise.all(
      Array.from({ length: 12 }, async (_, i) => {
        const { body: task } = await api('POST', '/tasks', { input: { duration_seconds: 1 } });
        await sleep(i * 100);
        expect((await api('DELETE', `/tasks/${task.task_id}`)).status).toBe(200);
        return task.task_id as string;
      }),
    );
    await sleep(2000);
    for (const id of ids) expect((await api('GET', `/tasks/${id}/status`)).status).toBe(404);
    const { body: listed } = await api('GET', '/tasks?limit=100');
    expect(listed.filter((t: { task_id: string }) => ids.includes(t.task_id))).toEqual([]);
  });
});
