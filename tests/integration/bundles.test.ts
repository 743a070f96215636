import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalDynamoDB, startDynamoDBLocal } from '../../infra/local/dynamodb.ts';
import { LambdaRuntime } from '../../infra/local/lambda-runtime.ts';
import { bundledFunctions, CDK_OUT } from '../../infra/local/local-functions.ts';
import { ensureTable } from '../../infra/local/table.ts';
import { fromRoot } from '../../infra/repository.ts';
import { httpEvent } from '../helpers/events.ts';
import { removeDataDir } from '../helpers/local-service.ts';

/*
 * The bundles `cdk deploy` uploads, each loaded in a fresh execution environment with only
 * the variables its template gives it (resource references replaced by local stand-ins),
 * plus what any local run needs: credentials, the two endpoints, and tracing off.
 */

const TABLE = 'tasks';
const STATE_MACHINE = 'arn:aws:states:us-east-1:000000000000:stateMachine:tasks-workflow';

/** The newest change to anything the template is made from. */
function newestSource(): number {
  const sources = ['functions', 'infra', 'package-lock.json', 'cdk.json'].flatMap((top) =>
    statSync(fromRoot(top)).isDirectory()
      ? readdirSync(fromRoot(top), { recursive: true, encoding: 'utf8' })
          .filter((file) => !file.startsWith('local/'))
          .map((file) => join(top, file))
      : [top],
  );
  return Math.max(...sources.map((file) => statSync(fromRoot(file)).mtimeMs));
}

/** One synth per run at most: cdk.out is reused while it is newer than every source. */
function synthesizeUnlessFresh(): void {
  // A fresh clone has no cdk.out yet.
  const templates = existsSync(CDK_OUT)
    ? readdirSync(CDK_OUT, { withFileTypes: true }).filter((entry) =>
        entry.name.endsWith('.template.json'),
      )
    : [];
  const synthesized = Math.min(
    ...templates.map((entry) => statSync(join(CDK_OUT, entry.name)).mtimeMs),
  );
  if (templates.length > 0 && synthesized > newestSource()) return;
  execFileSync(fromRoot('node_modules/.bin/cdk'), ['synth', '--quiet'], {
    cwd: fromRoot('.'),
    stdio: 'ignore',
    timeout: 240_000,
  });
}

/** Answers the Step Functions calls the bundles make, and records them. */
function stubStepFunctions(calls: string[]): Promise<{ server: Server; endpoint: string }> {
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => {
      body += chunk;
    });
    req.on('end', () => {
      const operation = String(req.headers['x-amz-target']).replace('AWSStepFunctions.', '');
      calls.push(operation);
      const input = JSON.parse(body || '{}') as { name?: string; executionArn?: string };
      const now = Date.now() / 1000;
      const answers: Record<string, unknown> = {
        StartExecution: { executionArn: `${STATE_MACHINE}:${input.name}`, startDate: now },
        StopExecution: { stopDate: now },
      };
      const answer = answers[operation];
      res.writeHead(answer ? 200 : 400, { 'content-type': 'application/x-amz-json-1.0' });
      res.end(
        JSON.stringify(answer ?? { __type: 'ExecutionDoesNotExist', message: 'No such execution' }),
      );
    });
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () =>
      resolve({ server, endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}` }),
    ),
  );
}

const dataDir = mkdtempSync(join(tmpdir(), 'tasks-bundles-'));
const sfnCalls: string[] = [];
let dynamodb: LocalDynamoDB;
let stub: Server;
let runtime: LambdaRuntime;

beforeAll(async () => {
  synthesizeUnlessFresh();
  dynamodb = await startDynamoDBLocal({ dataDir, heap: '256m', log: () => {} });
  await ensureTable(dynamodb.endpoint, TABLE);
  const sfn = await stubStepFunctions(sfnCalls);
  stub = sfn.server;
  runtime = new LambdaRuntime({
    sharedEnvironment: {
      AWS_ACCESS_KEY_ID: 'local',
      AWS_SECRET_ACCESS_KEY: 'local',
      AWS_ENDPOINT_URL_DYNAMODB: dynamodb.endpoint,
      AWS_ENDPOINT_URL_SFN: sfn.endpoint,
      POWERTOOLS_TRACE_ENABLED: 'false',
      POWERTOOLS_LOG_LEVEL: 'SILENT',
    },
  });
  const resources = {
    tableName: TABLE,
    stateMachineArn: STATE_MACHINE,
    serviceVersion: 'test',
    maxRunningTasks: 10,
  };
  for (const definition of bundledFunctions(CDK_OUT, resources)) runtime.add(definition);
}, 300_000);

afterAll(async () => {
  await runtime?.close();
  stub?.close();
  await dynamodb?.stop();
  removeDataDir(dataDir);
  // A synth bundles every function: minutes on a busy 2-core machine.
}, 300_000);

const invoke = async (name: string, event: unknown) => {
  const fn = runtime.get(name);
  if (!fn) throw new Error(`No bundle for ${name}`);
  return fn.invoke(event);
};
// biome-ignore lint/suspicious/noExplicitAny: the tests read whatever a handler returns
const http = async (name: string, fields: Parameters<typeof httpEvent>[0]): Promise<any> => {
  const response = (await invoke(name, httpEvent(fields))) as { statusCode: number; body: string };
  return { status: response.statusCode, body: JSON.parse(response.body) };
};

describe('the synthesized bundles, each with only its template environment', () => {
  it('run from the asset directories the template names, with its variables', () => {
    for (const definition of bundledFunctions(CDK_OUT, {
      tableName: TABLE,
      stateMachineArn: STATE_MACHINE,
      serviceVersion: 'test',
      maxRunningTasks: 10,
    })) {
      expect(definition.modulePath).toMatch(/cdk\.out\/asset\.[0-9a-f]{64}\/index\.mjs$/);
      expect(definition.environment.POWERTOOLS_SERVICE_NAME).toBe('tasks-service');
    }
  });

  it('health answers 200 against DynamoDB Local', async () => {
    const response = await http('Health', { path: '/health' });
    expect(response).toMatchObject({ status: 200, body: { status: 'ok' } });
  });

  it('a task is created, read, listed, cancelled, and deleted', async () => {
    const created = await http('CreateTask', {
      method: 'POST',
      body: JSON.stringify({ name: 'bundled', input: { duration_seconds: 1 } }),
      headers: { 'content-type': 'application/json' },
    });
    expect(created.status).toBe(201);
    expect(sfnCalls).toContain('StartExecution');
    const id = created.body.task_id as string;
    const path = `/tasks/${id}/status`;
    // A slot was free: the create admitted its task (its execution is the stub's).
    expect(await http('GetTaskStatus', { path, id })).toMatchObject({
      status: 200,
      body: { task_id: id, status: 'RUNNING' },
    });
    expect((await http('ListTasks', { path: '/tasks' })).body[0].task_id).toBe(id);
    const found = await http('ListTasks', { path: '/tasks', query: { search: id.toLowerCase() } });
    expect(found.body.map((task: { task_id: string }) => task.task_id)).toEqual([id]);
    const byName = await http('ListTasks', { path: '/tasks', query: { search: 'BUNDLED' } });
    expect(byName.body.map((task: { task_id: string }) => task.task_id)).toEqual([id]);
    const totals = await http('GetTaskTotals', { path: '/tasks/totals' });
    expect(totals).toMatchObject({
      status: 200,
      body: { counts: { PENDING: 0, RUNNING: 1 }, total: 1 },
    });
    const detail = await http('GetTask', { path: `/tasks/${id}`, id });
    expect(detail).toMatchObject({
      status: 200,
      body: { task_id: id, events: [{ type: 'created' }, { type: 'started' }] },
    });
    const cancelled = await http('CancelTask', {
      method: 'PATCH',
      path,
      id,
      body: JSON.stringify({ status: 'CANCELLED' }),
      headers: { 'content-type': 'application/json' },
    });
    expect(cancelled).toMatchObject({ status: 200, body: { status: 'CANCELLED' } });
    expect(sfnCalls).toContain('StopExecution');
    expect((await http('GetTaskResult', { path: `/tasks/${id}/result`, id })).status).toBe(200);
    expect(await http('DeleteTask', { method: 'DELETE', path: `/tasks/${id}`, id })).toMatchObject({
      status: 200,
      body: { task_id: id },
    });
  });

  it('an unknown task is a 404', async () => {
    const id = '01ARZ3NDEKTSV4RRFFQ69G5FAV';
    const response = await http('GetTaskStatus', { path: `/tasks/${id}/status`, id });
    expect(response).toMatchObject({ status: 404, body: { code: expect.any(String) } });
  });

  it("the default route's function answers an unknown path with the JSON 404", async () => {
    const response = await http('NotFound', { path: '/nowhere' });
    expect(response).toMatchObject({ status: 404, body: { code: expect.any(String) } });
  });

  it('the workflow functions and the reconciler answer', async () => {
    const gone = '01ARZ3NDEKTSV4RRFFQ69G5FAW';
    expect(await invoke('Work', { task_id: gone })).toEqual({ task_id: gone, done: true });
    expect(await invoke('RecordFailure', { task_id: gone })).toEqual({ task_id: gone });
    await expect(invoke('ResumeTasks', {})).resolves.not.toThrow();
  });
});
