import { mkdtempSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Route } from '../../functions/catalog.ts';
import { type ApiHandler, startGateway } from '../../infra/local/gateway.ts';
import { routeTokenBuckets } from '../../infra/local/throttle.ts';

describe('route token buckets', () => {
  it('lets a full bucket of requests through at once, then one per 1/rate seconds', () => {
    let now = 0;
    const take = routeTokenBuckets({ CreateTask: { rateLimit: 4, burstLimit: 2 } }, () => now);
    expect([take('CreateTask'), take('CreateTask'), take('CreateTask')]).toEqual([
      true,
      true,
      false,
    ]);
    now += 249;
    expect(take('CreateTask')).toBe(false);
    now += 1;
    expect(take('CreateTask')).toBe(true);
    expect(take('CreateTask')).toBe(false);
  });

  it('refills no further than the burst limit, however long it was idle', () => {
    let now = 0;
    const take = routeTokenBuckets({ Health: { rateLimit: 100, burstLimit: 3 } }, () => now);
    now += 60_000;
    const passed = Array.from({ length: 5 }, () => take('Health')).filter(Boolean);
    expect(passed).toHaveLength(3);
  });

  it('keeps one bucket per route and never throttles a route without a throttle', () => {
    const now = 0;
    const take = routeTokenBuckets(
      { CreateTask: { rateLimit: 1, burstLimit: 1 }, Health: { rateLimit: 1, burstLimit: 1 } },
      () => now,
    );
    expect(take('CreateTask')).toBe(true);
    expect(take('CreateTask')).toBe(false);
    expect(take('Health')).toBe(true);
    expect(Array.from({ length: 100 }, () => take('ListTasks')).every(Boolean)).toBe(true);
  });
});

describe('local gateway throttling', () => {
  const webDir = mkdtempSync(join(tmpdir(), 'gateway-throttle-'));
  let calls = 0;
  const handler: ApiHandler = async () => {
    calls++;
    return { statusCode: 200, headers: { 'content-type': 'application/json' }, body: '{}' };
  };
  const health: Route = {
    name: 'Health',
    method: 'GET',
    path: '/health',
    entry: 'x.ts',
    table: {},
  };
  let server: Server;
  let url: string;

  beforeAll(async () => {
    server = await startGateway({
      routes: [{ route: health, handler }],
      webDir,
      port: 0,
      host: '127.0.0.1',
      // A rate so low that no token comes back while the test runs.
      throttles: { Health: { rateLimit: 0.001, burstLimit: 2 } },
    });
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/health`;
  });
  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
    rmSync(webDir, { recursive: true, force: true });
  });

  it("answers 429 with API Gateway's own body once the route's bucket is empty", async () => {
    const statuses = [];
    for (let i = 0; i < 3; i++) statuses.push((await fetch(url)).status);
    expect(statuses).toEqual([200, 200, 429]);
    const throttled = await fetch(url);
    expect(throttled.status).toBe(429);
    expect(throttled.headers.get('content-type')).toBe('application/json');
    expect(await throttled.json()).toEqual({ message: 'Too Many Requests' });
    expect(calls).toBe(2);
  });
});
