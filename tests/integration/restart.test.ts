import { existsSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { pidFilePath, runningDynamoDBLocal } from '../../infra/local/dynamodb.ts';
import {
  apiClient,
  isAlive,
  killOrphanJvm,
  type LocalService,
  removeDataDir,
  startLocalService,
  waitFor,
} from '../helpers/local-service.ts';

const services: LocalService[] = [];

afterAll(async () => {
  for (const service of services) await service.stop();
  const dataDir = services[0]?.dataDir;
  if (dataDir) {
    await killOrphanJvm(dataDir);
    removeDataDir(dataDir);
  }
});

interface TaskView {
  task_id: string;
  status: string;
  progress: number;
  started_at: string;
  updated_at: string;
}

describe('restarts', () => {
  it('resumes every unfinished task from its saved progress after kill -9', async () => {
    const first = await startLocalService();
    services.push(first);
    let api = apiClient(first.url);
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      const { body } = await api('POST', '/tasks', {
        name: `survivor-${i}`,
        input: { duration_seconds: 5 },
      });
      ids.push(body.task_id);
    }
    const read = async (id: string) => (await api('GET', `/tasks/${id}/status`)).body as TaskView;
    await waitFor(async () => {
      const tasks = await Promise.all(ids.map(read));
      return tasks.every((t) => t.status === 'RUNNING' && t.progress >= 20) ? true : undefined;
    });

    await first.kill();
    const second = await startLocalService({ dataDir: first.dataDir });
    services.push(second);
    api = apiClient(second.url);
    expect(second.output()).toContain('3 unfinished task(s) resumed');

    await Promise.all(
      ids.map(async (id) => {
        const saved = await read(id);
        if (saved.status === 'SUCCESS') return;
        // Each step of a 5-second task is 20 %: a resumed task's next save is one step on.
        const next = await waitFor(async () => {
          const task = await read(id);
          return task.updated_at !== saved.updated_at ? task : undefined;
        });
        expect(saved.progress).toBeGreaterThanOrEqual(20);
        if (next.status === 'RUNNING') expect(next.progress).toBeCloseTo(saved.progress + 20);
        expect(next.started_at).toBe(saved.started_at);
      }),
    );
    for (const id of ids) {
      await waitFor(async () => ((await read(id)).status === 'SUCCESS' ? true : undefined));
    }
    // Two start-ups of local mode (JVM included) on a 2-core machine.
  }, 90_000);

  it('refuses a second local mode on a data directory in use, leaving the first one working', async () => {
    const running = services.at(-1) as LocalService;
    await expect(startLocalService({ dataDir: running.dataDir })).rejects.toThrow(
      'Another local mode',
    );
    expect((await apiClient(running.url)('GET', '/health')).status).toBe(200);
  });

  it('stops on SIGTERM with tasks running, and DynamoDB Local with it, leaving no process behind', async () => {
    const service = services.at(-1) as LocalService;
    const jvm = runningDynamoDBLocal(service.dataDir) as number;
    expect(isAlive(jvm)).toBe(true);
    // Executions in the middle of a task when the emulator and the database stop: their
    // last Work invocations fail, and a stopped execution must not retry them.
    const api = apiClient(service.url);
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      ids.push((await api('POST', '/tasks', { input: { duration_seconds: 60 } })).body.task_id);
    }
    await waitFor(async () => {
      const tasks = await Promise.all(ids.map((id) => api('GET', `/tasks/${id}/status`)));
      return tasks.every(({ body }) => body.status === 'RUNNING') ? true : undefined;
    });
    await service.stop();
    expect(service.child.exitCode).toBe(0);
    expect(isAlive(jvm)).toBe(false);
    expect(existsSync(pidFilePath(service.dataDir))).toBe(false);
  });
});
