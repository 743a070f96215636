import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
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

describe('restarts', () => {
  it('resumes every unfinished task from its saved progress after kill -9', async () => {
    const first = await startLocalService();
    services.push(first);
    let api = apiClient(first.url);
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      ids.push(
        (await api('POST', '/tasks', { name: `survivor-${i}`, input: { duration_seconds: 5 } }))
          .body.task_id,
      );
    }
    const before = await waitFor(async () => {
      const tasks = await Promise.all(
        ids.map(async (id) => (await api('GET', `/tasks/${id}/status`)).body),
      );
      return tasks.every((t) => t.status === 'RUNNING' && t.progress >= 20) ? tasks : undefined;
    });

    await first.kill();
    const second = await startLocalService({ dataDir: first.dataDir });
    services.push(second);
    api = apiClient(second.url);
    expect(second.output()).toContain('3 unfinished task(s) resumed');

    for (const [i, id] of ids.entries()) {
      const { body } = await api('GET', `/tasks/${id}/status`);
      expect(body.progress).toBeGreaterThanOrEqual(before[i].progress);
      expect(body.started_at).toBe(before[i].started_at);
    }
    const resumedAt = Date.now();
    for (const id of ids) {
      await waitFor(async () =>
        (await api('GET', `/tasks/${id}/status`)).body.status === 'SUCCESS' ? true : undefined,
      );
    }
    // A restart from zero would need the whole five seconds again.
    expect(Date.now() - resumedAt).toBeLessThan(4500);
  });

  it('stops DynamoDB Local with itself on SIGTERM, leaving no process behind', async () => {
    const service = services.at(-1) as LocalService;
    const pidFile = join(service.dataDir, 'dynamodb-local.pid');
    const jvm = Number(readFileSync(pidFile, 'utf8'));
    expect(isAlive(jvm)).toBe(true);
    await service.stop();
    expect(service.child.exitCode).toBe(0);
    expect(isAlive(jvm)).toBe(false);
    expect(existsSync(pidFile)).toBe(false);
  });
});
