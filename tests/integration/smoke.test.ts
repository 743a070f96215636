import { execFile } from 'node:child_process';
import { createServer as createHttpServer, type IncomingHttpHeaders } from 'node:http';
import { createServer } from 'node:net';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { useLocalService } from '../helpers/local-service.ts';

const SMOKE_SCRIPT = resolve(import.meta.dirname, '../../scripts/smoke.ts');
const CHECK_COUNT = 15;

interface SmokeRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the smoke script as `npm run smoke` does: its own Node process, type stripping only. */
async function runSmoke(...args: string[]): Promise<SmokeRun> {
  try {
    const { stdout, stderr } = await promisify(execFile)(
      process.execPath,
      [SMOKE_SCRIPT, ...args],
      {
        env: { ...process.env, TASKS_TOKEN: '' },
        timeout: 90_000,
      },
    );
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string };
    return { code: failed.code ?? -1, stdout: failed.stdout ?? '', stderr: failed.stderr ?? '' };
  }
}

/** A port on 127.0.0.1 where nothing listens: one the system just handed out and took back. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const address = server.address();
  await new Promise((done) => server.close(done));
  if (address === null || typeof address === 'string') throw new Error('No port');
  return address.port;
}

describe('smoke script against local mode', () => {
  const local = useLocalService();

  it('passes every check and exits 0', { timeout: 90_000 }, async () => {
    const run = await runSmoke(local.service.url);
    const lines = run.stdout.trim().split('\n');
    const checkLines = lines.filter((line) => /^(PASS|FAIL) /.test(line));
    expect(
      checkLines.filter((line) => line.startsWith('FAIL')),
      run.stdout,
    ).toEqual([]);
    expect(checkLines).toHaveLength(CHECK_COUNT);
    expect(lines.at(-1)).toBe(
      `${CHECK_COUNT} of ${CHECK_COUNT} checks passed against ${local.service.url}`,
    );
    expect(run.code).toBe(0);
  });
});

describe('smoke script against a URL where nothing listens', () => {
  it('exits 2 with one line naming the URL and the reason, and no stack', async () => {
    const url = `http://127.0.0.1:${await closedPort()}`;
    const run = await runSmoke(url);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toBe(
      `smoke: cannot reach ${url}: connect ECONNREFUSED 127.0.0.1:${url.split(':')[2]}\n`,
    );
  });
});

describe('smoke script against a service that wants sign-in', () => {
  /** Answers every request 401, as API Gateway's authorizer does, and records its headers. */
  async function signInRequired() {
    const seen: IncomingHttpHeaders[] = [];
    const server = createHttpServer((req, res) => {
      seen.push(req.headers);
      res.writeHead(401, { 'content-type': 'application/json' }).end('{"message":"Unauthorized"}');
    });
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    const { port } = server.address() as { port: number };
    return { url: `http://127.0.0.1:${port}`, seen, close: () => server.close() };
  }

  it('says a token is needed when it has none', async () => {
    const service = await signInRequired();
    const run = await runSmoke(service.url);
    service.close();
    expect(run.code).toBe(1);
    expect(run.stdout).toContain(
      'FAIL GET /health answers 200 {status:"ok"}: expected 200, got 401 {"message":"Unauthorized"} (a token is needed: --token or TASKS_TOKEN)',
    );
    expect(service.seen.every((headers) => headers.authorization === undefined)).toBe(true);
  });

  it('sends --token as a bearer token on every request', async () => {
    const service = await signInRequired();
    const run = await runSmoke(service.url, '--token', 'abc.def');
    service.close();
    expect(run.stdout).toContain('(the token was refused)');
    expect(service.seen.length).toBeGreaterThan(5);
    expect(service.seen.map((headers) => headers.authorization)).toEqual(
      service.seen.map(() => 'Bearer abc.def'),
    );
  });
});
