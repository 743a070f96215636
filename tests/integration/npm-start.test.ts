import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readPidFile } from '../../infra/local/dynamodb.ts';
import { isAlive, killOrphanJvm, removeDataDir, waitFor } from '../helpers/local-service.ts';

const dataDir = mkdtempSync(join(tmpdir(), 'tasks-npm-start-'));
let npm: ChildProcess | undefined;
let service: number | undefined;

afterAll(async () => {
  for (const pid of [npm?.pid, service]) if (pid && isAlive(pid)) process.kill(pid, 'SIGKILL');
  await killOrphanJvm(dataDir);
  removeDataDir(dataDir);
});

describe('npm start', () => {
  it('serves /health ok, then stops every process it started when npm gets SIGTERM', async () => {
    const started = spawn('npm', ['start', '--silent'], {
      env: { ...process.env, PORT: '0', DATA_DIR: dataDir, POWERTOOLS_LOG_LEVEL: 'WARN' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    npm = started;
    let output = '';
    started.stdout.on('data', (chunk) => {
      output += chunk;
    });
    started.stderr.on('data', (chunk) => {
      output += chunk;
    });
    const exited = new Promise((done) => started.once('exit', done));
    const url = await waitFor(async () => /ready on (http:\/\/\S+)/.exec(output)?.[1], 45_000, 50);
    const health = await fetch(`${url.replace('localhost', '127.0.0.1')}/health`);
    expect(health.status).toBe(200);

    const pids = readPidFile(dataDir);
    service = pids?.owner;
    expect(pids && isAlive(pids.owner) && isAlive(pids.jvm)).toBe(true);

    started.kill('SIGTERM');
    await exited;
    await waitFor(
      async () => (pids && !isAlive(pids.owner) && !isAlive(pids.jvm) ? true : undefined),
      10_000,
      50,
    );
    expect(output).toContain('SIGTERM received');
  });
});
