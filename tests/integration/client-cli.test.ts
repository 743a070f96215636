import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROUTES } from '../../functions/catalog.ts';
import { type apiClient, useLocalService } from '../helpers/local-service.ts';
import { responseValidator } from '../helpers/openapi-validator.ts';

const ROOT = resolve(import.meta.dirname, '../..');
const local = useLocalService();
const conformsToDocument = responseValidator();
const api: ReturnType<typeof apiClient> = async (...args) => {
  const answer = await local.api(...args);
  conformsToDocument(args[0], args[1], answer);
  return answer;
};

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the `tasks` command as a user would, against the local service unless told otherwise. */
function tasks(args: string[], env: Record<string, string> = {}): Promise<Run> {
  return new Promise((done) => {
    execFile(
      process.execPath,
      [resolve(ROOT, 'bin/tasks.ts'), ...args],
      { cwd: ROOT, env: { ...process.env, TASKS_URL: local.service.url, ...env }, timeout: 60_000 },
      (error, stdout, stderr) => {
        done({ code: error ? Number(error.code ?? -1) : 0, stdout, stderr });
      },
    );
  });
}

const keyed = (key: string, body: unknown) =>
  api('POST', '/tasks', body, { 'idempotency-key': key });

describe('the API for clients, in local mode', () => {
  it('serves the OpenAPI 3.1 document at /openapi.json, with every route and the idempotency header', async () => {
    const { status, body } = await api('GET', '/openapi.json');
    expect(status).toBe(200);
    expect(body.openapi).toBe('3.1.0');
    for (const route of ROUTES)
      expect(body.paths[route.path]).toHaveProperty(route.method.toLowerCase());
    expect(body.components.parameters.IdempotencyKey.name).toBe('Idempotency-Key');
  });

  it('makes one task of ten concurrent creates with one key; the others replay it or are told to retry', async () => {
    const answers = await Promise.all(
      Array.from({ length: 10 }, () => keyed('concurrent-1', { name: 'once' })),
    );
    const created = answers.filter((answer) => answer.status === 201);
    expect(answers.every((answer) => [201, 409].includes(answer.status))).toBe(true);
    expect(new Set(created.map((answer) => answer.body.task_id)).size).toBe(1);
    for (const answer of answers.filter((a) => a.status === 409))
      expect(answer.headers.get('retry-after')).toBe('1');
    const replay = await keyed('concurrent-1', { name: 'once' });
    expect(replay.headers.get('idempotent-replayed')).toBe('true');
    expect(replay.body.task_id).toBe(created[0]?.body.task_id);
    const listed = await api('GET', '/tasks?limit=100');
    expect(listed.body.filter((task: { name: string }) => task.name === 'once')).toHaveLength(1);
  });

  it('refuses a key reused with another body', async () => {
    await keyed('reused-1', { name: 'first' });
    const other = await keyed('reused-1', { name: 'second' });
    expect(other.status).toBe(422);
    expect(other.body.code).toBe('idempotency_key_reused');
  });

  it('holds ?wait until the task changes, answers 304 at once for a finished task, and refuses wait=21', async () => {
    const { body: task } = await api('POST', '/tasks', { input: { duration_seconds: 2 } });
    const first = await api('GET', `/tasks/${task.task_id}/status`);
    expect(first.headers.get('retry-after')).toMatch(/^[1-5]$/);
    const etag = first.headers.get('etag') ?? '';
    const changed = await api('GET', `/tasks/${task.task_id}/status?wait=5`, undefined, {
      'if-none-match': etag,
    });
    expect(changed.status).toBe(200);
    expect(changed.headers.get('etag')).not.toBe(etag);
    let latest = changed;
    while (!['SUCCESS', 'FAILURE'].includes(latest.body.status)) {
      const next = await api('GET', `/tasks/${task.task_id}/status?wait=5`, undefined, {
        'if-none-match': latest.headers.get('etag') ?? '',
      });
      if (next.status === 200) latest = next;
    }
    expect(latest.headers.get('retry-after')).toBeNull();
    const started = Date.now();
    const done = await api('GET', `/tasks/${task.task_id}/status?wait=20`, undefined, {
      'if-none-match': latest.headers.get('etag') ?? '',
    });
    expect(done.status).toBe(304);
    expect(Date.now() - started).toBeLessThan(2000);
    const refused = await api('GET', `/tasks/${task.task_id}/status?wait=21`);
    expect(refused.status).toBe(400);
    expect(refused.body.code).toBe('invalid_wait');
  });
});

describe('the tasks command', () => {
  it('create --wait prints the result and exits 0 when the task succeeds', async () => {
    const run = await tasks(['create', '--name', 'cli', '--duration', '1', '--wait']);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^Task \S+ completed successfully!\n$/);
    expect(run.stderr).toMatch(/ SUCCESS 100%\n$/);
  });

  it('create --wait exits 1 when the task fails, naming the error on one line', async () => {
    const run = await tasks(['create', '--duration', '1', '--fail', '--wait']);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/tasks: task \S+ ended FAILURE: .+\n$/);
  });

  it('ls --json prints the tasks as a JSON array', async () => {
    const created = await tasks(['create', '--name', 'listed']);
    const id = created.stdout.trim();
    const run = await tasks(['ls', '--json', '--limit', '5']);
    expect(run.code).toBe(0);
    const listed = JSON.parse(run.stdout) as { task_id: string }[];
    expect(listed.map((task) => task.task_id)).toContain(id);
  });

  it('cancel stops a task and watch then exits 3', async () => {
    const id = (await tasks(['create', '--duration', '60'])).stdout.trim();
    const cancel = await tasks(['cancel', id]);
    expect(cancel).toMatchObject({ code: 0, stdout: `${id} CANCELLED\n` });
    const watch = await tasks(['watch', id]);
    expect(watch.code).toBe(3);
    const rm = await tasks(['rm', id]);
    expect(rm.code).toBe(0);
  });

  it('reports errors as one line with distinct exit codes, never a stack', async () => {
    const missing = await tasks(['status', 'NO_SUCH_TASK']);
    expect(missing).toMatchObject({
      code: 4,
      stderr: 'tasks: Task NO_SUCH_TASK not found (task_not_found)\n',
    });
    const usage = await tasks(['create', '--input', '{not json']);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toContain("option '--input <json>' argument '{not json' is invalid");
    const unreachable = await tasks(['ls'], { TASKS_URL: 'http://127.0.0.1:9' });
    expect(unreachable.code).toBe(5);
    expect(unreachable.stderr).toMatch(
      /^tasks: cannot reach the tasks service at http:\/\/127\.0\.0\.1:9.*\n$/,
    );
    for (const run of [missing, usage, unreachable]) expect(run.stderr).not.toMatch(/\n\s+at /);
  });
});
