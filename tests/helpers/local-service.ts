import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll } from 'vitest';
import { readPidFile, runningDynamoDBLocal } from '../../infra/local/dynamodb.ts';

const ROOT = resolve(import.meta.dirname, '../..');

export interface LocalService {
  url: string;
  dataDir: string;
  child: ChildProcess;
  /** Everything the service printed so far. */
  output(): string;
  /** SIGTERM, then waits for the process (and the JVM it started) to exit. */
  stop(): Promise<void>;
  /** SIGKILL: no clean-up runs, as in a crash. */
  kill(): Promise<void>;
  /** Stops it, then removes its data directory. */
  dispose(): Promise<void>;
  /** A JSON client of its API. */
  api: ApiClient;
}

export type ApiClient = ReturnType<typeof apiClient>;

export interface StartOptions {
  /** Reuse a data directory (for restarts); a new temporary one by default. */
  dataDir?: string;
  env?: Record<string, string>;
  timeoutMs?: number;
}

/** Local mode's process, and everything it printed so far. */
function spawnLocalMode(
  dataDir: string,
  env: Record<string, string> = {},
): { child: ChildProcess; output: () => string } {
  const child = spawn(process.execPath, ['infra/local/main.ts'], {
    cwd: ROOT,
    env: {
      ...process.env,
      PORT: '0',
      DATA_DIR: dataDir,
      POWERTOOLS_LOG_LEVEL: 'WARN',
      // The API as before sign-in, unless a test asks for sign-in with AUTH=local.
      AUTH: 'none',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const append = (chunk: unknown) => {
    output += chunk;
  };
  child.stdout?.on('data', append);
  child.stderr?.on('data', append);
  return { child, output: () => output };
}

/** Runs local mode expecting it to fail to start: its exit code and everything it printed. */
export async function failedStart(
  dataDir: string,
  env: Record<string, string> = {},
  timeoutMs = 45_000,
): Promise<{ code: number | null; output: string }> {
  const { child, output } = spawnLocalMode(dataDir, env);
  const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
  const code = await Promise.race([exited, sleep(timeoutMs).then(() => 'timeout' as const)]);
  if (code === 'timeout') {
    child.kill('SIGKILL');
    throw new Error(`Local mode did not exit within ${timeoutMs} ms:\n${output()}`);
  }
  return { code, output: output() };
}

/** Starts `npm start`'s entry point on a free port with its own data directory. */
export async function startLocalService(options: StartOptions = {}): Promise<LocalService> {
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'tasks-data-'));
  const { child, output } = spawnLocalMode(dataDir, options.env);
  const exited = new Promise<void>((done) => child.once('exit', () => done()));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      await Promise.race([exited, sleep(15_000)]);
      child.kill('SIGKILL');
    }
    // Only the JVM this service started: a refused second start must not stop the first's.
    if (readPidFile(dataDir)?.owner === child.pid) await killOrphanJvm(dataDir);
  };
  const deadline = Date.now() + (options.timeoutMs ?? 45_000);
  let url: string | undefined;
  while (!url) {
    url = /ready on (http:\/\/\S+)/.exec(output())?.[1]?.replace('localhost', '127.0.0.1');
    if (!url && (child.exitCode !== null || Date.now() > deadline)) {
      await stop();
      if (!options.dataDir) removeDataDir(dataDir);
      throw new Error(`Local service did not start:\n${output()}`);
    }
    await sleep(50);
  }
  const service: LocalService = {
    url,
    dataDir,
    child,
    output,
    stop,
    async kill() {
      child.kill('SIGKILL');
      await exited;
    },
    async dispose() {
      await stop();
      removeDataDir(dataDir);
    },
    api: apiClient(url),
  };
  return service;
}

/** After a crash the JVM outlives its parent; tests stop it by the pid local mode recorded. */
export async function killOrphanJvm(dataDir: string): Promise<void> {
  const jvm = runningDynamoDBLocal(dataDir);
  if (jvm !== undefined) process.kill(jvm, 'SIGKILL');
}

export function removeDataDir(dataDir: string): void {
  rmSync(dataDir, { recursive: true, force: true });
}

/** A small JSON client for the service's HTTP API. */
export function apiClient(baseUrl: string) {
  return async function api(
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
    // biome-ignore lint/suspicious/noExplicitAny: tests read whatever JSON the API returns
  ): Promise<{ status: number; headers: Headers; body: any }> {
    const response = await fetch(`${baseUrl}${path}`, {
      method,
      headers: body === undefined ? headers : { 'content-type': 'application/json', ...headers },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    const text = await response.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      // Not JSON; keep the text.
    }
    return { status: response.status, headers: response.headers, body: parsed };
  };
}

/** Polls until `check` returns a value other than undefined. */
export async function waitFor<T>(
  check: () => Promise<T | undefined>,
  timeoutMs = 20_000,
  everyMs = 100,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`Condition not met within ${timeoutMs} ms`);
    await sleep(everyMs);
  }
}

/** Starts one local service for the test file and stops it (and removes its data) after. */
export function useLocalService(options: StartOptions = {}) {
  const local = {} as { service: LocalService; api: ApiClient };
  beforeAll(async () => {
    local.service = await startLocalService(options);
    local.api = local.service.api;
  });
  afterAll(async () => {
    await local.service?.dispose();
  });
  return local;
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
