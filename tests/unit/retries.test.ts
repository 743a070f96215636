import { createServer as createHttpServer } from 'node:http';
import { createServer, type Server, type Socket } from 'node:net';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { afterEach, describe, expect, it } from 'vitest';
import { retriesWithoutQuota } from '../../functions/tasks/retries.ts';
import { documentClient } from '../../functions/tasks/store.ts';

interface TestServer {
  endpoint: string;
  connections: () => number;
  close: () => Promise<void>;
}

const servers: TestServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

/** A loopback server that counts connections and treats each with `onSocket`. */
async function loopbackServer(
  server: Server | ReturnType<typeof createHttpServer>,
): Promise<TestServer> {
  const sockets = new Set<Socket>();
  let connections = 0;
  server.on('connection', (socket: Socket) => {
    connections++;
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  await new Promise<void>((listening) => server.listen(0, '127.0.0.1', listening));
  const { port } = server.address() as { port: number };
  const testServer = {
    endpoint: `http://127.0.0.1:${port}`,
    connections: () => connections,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((closed) => server.close(() => closed()));
    },
  };
  servers.push(testServer);
  return testServer;
}

const resetting = () => loopbackServer(createServer((socket) => socket.resetAndDestroy()));
const stalling = () => loopbackServer(createServer(() => {}));

const clientOf = (endpoint: string, requestHandler?: Record<string, unknown>) =>
  documentClient({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    ...(requestHandler && { requestHandler }),
  });

/** The error a get fails with, and how many attempts the SDK says it made. */
async function failedGet(endpoint: string, requestHandler?: Record<string, unknown>) {
  const db = clientOf(endpoint, requestHandler);
  try {
    await db.send(new GetCommand({ TableName: 'tasks', Key: { task_id: 'x' } }));
    throw new Error('The get succeeded');
  } catch (error) {
    const { name, code, $metadata } = error as Error & {
      code?: string;
      $metadata: { attempts?: number };
    };
    return { name, code, attempts: $metadata.attempts };
  } finally {
    db.destroy();
  }
}

describe('the document client', () => {
  it('retries a reset connection until its third attempt', async () => {
    const server = await resetting();
    expect(await failedGet(server.endpoint)).toMatchObject({ code: 'ECONNRESET', attempts: 3 });
    expect(server.connections()).toBe(3);
  });

  it('retries a refused connection until its third attempt', async () => {
    const server = await resetting();
    await server.close();
    expect(await failedGet(server.endpoint)).toMatchObject({ code: 'ECONNREFUSED', attempts: 3 });
  });

  it('retries a request that times out on a connection that accepted and stalled', async () => {
    const server = await stalling();
    const handler = { connectionTimeout: 1000, requestTimeout: 100, throwOnRequestTimeout: true };
    expect(await failedGet(server.endpoint, handler)).toMatchObject({
      name: 'TimeoutError',
      attempts: 3,
    });
    expect(server.connections()).toBe(3);
  });

  it('retries every call of a burst sharing one client, with no quota running out', async () => {
    const server = await resetting();
    const db = clientOf(server.endpoint);
    const calls = Array.from({ length: 60 }, () =>
      db.send(new GetCommand({ TableName: 'tasks', Key: { task_id: 'x' } })).then(
        () => 'succeeded',
        (error: { $metadata: { attempts?: number } }) => error.$metadata.attempts,
      ),
    );
    const attempts = await Promise.all(calls);
    db.destroy();
    expect(new Set(attempts)).toEqual(new Set([3]));
    expect(server.connections()).toBe(180);
  });

  it('does not retry a request DynamoDB refused as invalid', async () => {
    const server = await loopbackServer(
      createHttpServer((_request, response) => {
        response.writeHead(400, { 'content-type': 'application/x-amz-json-1.0' });
        response.end(
          JSON.stringify({
            __type: 'com.amazon.coral.validate#ValidationException',
            message: 'One or more parameter values were invalid',
          }),
        );
      }),
    );
    expect(await failedGet(server.endpoint)).toMatchObject({
      name: 'ValidationException',
      attempts: 1,
    });
  });
});

describe('retries without a quota', () => {
  const strategy = retriesWithoutQuota(3, () => 1);

  it('allow as many retries as attempts remain, with a doubling delay', async () => {
    const first = await strategy.acquireInitialRetryToken('');
    const second = await strategy.refreshRetryTokenForRetry(first, { errorType: 'TRANSIENT' });
    const third = await strategy.refreshRetryTokenForRetry(second, { errorType: 'TRANSIENT' });
    expect([second.getRetryCount(), third.getRetryCount()]).toEqual([1, 2]);
    expect([second.getRetryDelay(), third.getRetryDelay()]).toEqual([50, 100]);
    await expect(
      strategy.refreshRetryTokenForRetry(third, { errorType: 'TRANSIENT' }),
    ).rejects.toThrow();
  });

  it('wait longer after throttling', async () => {
    const first = await strategy.acquireInitialRetryToken('');
    const retry = await strategy.refreshRetryTokenForRetry(first, { errorType: 'THROTTLING' });
    expect(retry.getRetryDelay()).toBe(500);
  });

  it('never retry client or server errors the SDK does not call transient', async () => {
    const first = await strategy.acquireInitialRetryToken('');
    for (const errorType of ['CLIENT_ERROR', 'SERVER_ERROR'] as const)
      await expect(strategy.refreshRetryTokenForRetry(first, { errorType })).rejects.toThrow();
  });

  it('keep retrying after any number of retries by other calls', async () => {
    const first = await strategy.acquireInitialRetryToken('');
    for (let call = 0; call < 1000; call++)
      await strategy.refreshRetryTokenForRetry(first, { errorType: 'TRANSIENT' });
    const retry = await strategy.refreshRetryTokenForRetry(first, { errorType: 'TRANSIENT' });
    expect(retry.getRetryCount()).toBe(1);
  });
});
