import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { isAlive, killOrphanJvm, removeDataDir, waitFor } from '../helpers/local-service.ts';

const dataDir = mkdtempSync(join(tmpdir(), 'tasks-npm-start-'));

afterAll(async () => {
  await killOrphanJvm(dataDir);
  removeDataDir(dataDir);
});

describe('npm start', () => {
  it('serves /health ok, then stops every process it started when npm gets SIGTERM', async () => {
    const npm = spawn('npm', ['start', '--silent'], {
      env: { ...process.env, PORT: '0', DATA_DIR: dataDir, POWERTOOLS_LOG_LEVEL: 'WARN' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    npm.stdout.on('data', (chunk) => {
      output += chunk;
    });
    npm.stderr.on('data', (chunk) => {
      output += chunk;
    });
    const exited = new Promise((done) => npm.once('exit', done));
    const url = await waitFor(async () => /ready on (http:\/\/\S+)/.exec(output)?.[1], 45_000, 50);
    const health = await fetch(`${url.replace('localhost', '127.0.0.1')}/health`);
    expect(health.status).toBe(200);

    const service = Number(
      readFileSync(`/proc/${npm.pid}/task/${npm.pid}/children`, 'utf8').trim().split(' ')[0],
    );
    const jvm = Number(readFileSync(join(dataDir, 'dynamodb-local.pid'), 'utf8'));
    expect(isAlive(service) && isAlive(jvm)).toBe(true);

    npm.kill('SIGTERM');
    await exited;
    await waitFor(async () => (!isAlive(service) && !isAlive(jvm) ? true : undefined), 10_000, 50);
    expect(output).toContain('SIGTERM received');
  });
});
