import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, describe, expect, it } from 'vitest';
import { readPidFile } from '../../infra/local/dynamodb.ts';
import { type LocalService, startLocalService, waitFor } from '../helpers/local-service.ts';

const TASKS = 5;
const TASK_SECONDS = 15;
const STALL_MS = 20_000;

let service: LocalService | undefined;
let frozenJvm: number | undefined;

afterAll(async () => {
  if (frozenJvm !== undefined) process.kill(frozenJvm, 'SIGCONT');
  await service?.dispose();
});

interface TaskView {
  task_id: string;
  status: string;
  progress: number;
  error?: string;
}

describe('a database that stops answering for a while', () => {
  it('fails no task: every running task resumes and succeeds once the database is back', async () => {
    service = await startLocalService();
    const { api } = service;
    const ids: string[] = [];
    for (let i = 0; i < TASKS; i++) {
      const { status, body } = await api('POST', '/tasks', {
        name: `stall-${i}`,
        input: { duration_seconds: TASK_SECONDS },
      });
      expect(status).toBe(201);
      ids.push(body.task_id);
    }
    const read = async (id: string) => (await api('GET', `/tasks/${id}/status`)).body as TaskView;
    const readAll = () => Promise.all(ids.map(read));
    await waitFor(async () => {
      const tasks = await readAll();
      return tasks.every((t) => t.status === 'RUNNING' && t.progress > 0) ? true : undefined;
    });

    const jvm = readPidFile(service.dataDir)?.jvm;
    if (jvm === undefined) throw new Error('No DynamoDB Local pid file');
    process.kill(jvm, 'SIGSTOP');
    frozenJvm = jvm;
    await sleep(STALL_MS);
    process.kill(jvm, 'SIGCONT');
    frozenJvm = undefined;

    // Bounded: a retry interval or two, then the rest of the work, once the database answers.
    const ended = await waitFor(
      async () => {
        const tasks = await readAll().catch(() => undefined);
        if (tasks?.some((t) => t.status === 'FAILURE')) return tasks;
        return tasks?.every((t) => t.status !== 'RUNNING' && t.status !== 'PENDING')
          ? tasks
          : undefined;
      },
      40_000,
      250,
    );
    expect(ended.map((t) => ({ status: t.status, error: t.error }))).toEqual(
      ids.map(() => ({ status: 'SUCCESS', error: undefined })),
    );
  }, 120_000);
});
