import { readFileSync } from 'node:fs';
import { describe, expect, it, onTestFailed } from 'vitest';
import { commandLine, runningDynamoDBLocal } from '../../infra/local/dynamodb.ts';
import { useLocalService, waitFor } from '../helpers/local-service.ts';

const local = useLocalService({ env: { DYNAMODB_HEAP: '256m' } });

/** The address DynamoDB Local listens on, from the kernel's table of TCP sockets. */
function listeningAddresses(port: number): string[] {
  const hexPort = port.toString(16).toUpperCase().padStart(4, '0');
  return ['/proc/net/tcp', '/proc/net/tcp6'].flatMap((table) =>
    readFileSync(table, 'utf8')
      .split('\n')
      .slice(1)
      .map((line) => line.trim().split(/\s+/))
      // Columns: sl, local_address (hex address:port), rem_address, st (0A is LISTEN).
      .filter((columns) => columns[3] === '0A' && columns[1]?.endsWith(`:${hexPort}`))
      .map((columns) => (columns[1] ?? '').split(':')[0] ?? ''),
  );
}

const LOOPBACK_V4 = '0100007F';
const LOOPBACK_V4_MAPPED = '0000000000000000FFFF00000100007F';

function jvmPort(jvm: number): number {
  return Number(/-port (\d+)/.exec(commandLine(jvm))?.[1]);
}

describe('DynamoDB Local faults', () => {
  it('runs DynamoDB Local with the heap cap from DYNAMODB_HEAP, listening on 127.0.0.1 only', () => {
    const jvm = runningDynamoDBLocal(local.service.dataDir) as number;
    expect(commandLine(jvm)).toContain('-Xmx256m');
    const addresses = listeningAddresses(jvmPort(jvm));
    expect(addresses.length).toBeGreaterThan(0);
    for (const address of addresses) expect([LOOPBACK_V4, LOOPBACK_V4_MAPPED]).toContain(address);
  });

  it('restarts a killed DynamoDB Local on the same port, and running tasks still succeed', async () => {
    const { api, service } = local;
    onTestFailed(() => console.error(`Local mode's output:\n${service.output()}`));
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      const { status, body } = await api('POST', '/tasks', { input: { duration_seconds: 3 } });
      expect(status).toBe(201);
      ids.push(body.task_id);
    }
    const status = async (id: string) => (await api('GET', `/tasks/${id}/status`)).body.status;
    await waitFor(async () =>
      (await Promise.all(ids.map(status))).every((s) => s === 'RUNNING') ? true : undefined,
    );

    const killed = runningDynamoDBLocal(service.dataDir) as number;
    const port = jvmPort(killed);
    process.kill(killed, 'SIGKILL');
    expect((await api('GET', '/health')).status).toBe(503);

    await waitFor(
      async () => ((await api('GET', '/health')).status === 200 ? true : undefined),
      60_000,
      200,
    );
    expect(service.output()).toContain(`DynamoDB Local (pid ${killed}) died (signal SIGKILL)`);
    expect(service.output()).toMatch(/DynamoDB Local restarted \(pid \d+\)/);
    const restarted = runningDynamoDBLocal(service.dataDir) as number;
    expect(restarted).not.toBe(killed);
    expect(jvmPort(restarted)).toBe(port);

    const finished = await waitFor(
      async () => {
        const statuses = await Promise.all(ids.map(status));
        return statuses.every((s) => s !== 'PENDING' && s !== 'RUNNING') ? statuses : undefined;
      },
      60_000,
      200,
    );
    expect(finished).toEqual(['SUCCESS', 'SUCCESS', 'SUCCESS']);
  }, 180_000);
});
