import { chmodSync, existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { dynamoDBLocalsOf, pidFilePath } from '../../infra/local/dynamodb.ts';
import { readSettings, SettingsError } from '../../infra/local/settings.ts';
import { failedStart, removeDataDir } from '../helpers/local-service.ts';

const dataDirs: string[] = [];

function newDataDir(): string {
  const dataDir = mkdtempSync(join(tmpdir(), 'tasks-data-'));
  dataDirs.push(dataDir);
  return dataDir;
}

afterAll(() => {
  for (const dataDir of dataDirs) removeDataDir(dataDir);
});

/** A directory whose `java` prints what an old Java prints for a newer class file, and fails. */
function oldJava(): string {
  const bin = newDataDir();
  const java = join(bin, 'java');
  writeFileSync(
    java,
    '#!/bin/sh\necho "Error: LinkageError occurred while loading main class" >&2\n' +
      'echo "java.lang.UnsupportedClassVersionError: class file version 61.0" >&2\nexit 1\n',
  );
  chmodSync(java, 0o755);
  return bin;
}

function expectNoStackTrace(output: string): void {
  expect(output).not.toMatch(/^\s+at /m);
}

describe('settings', () => {
  it('names every bad setting at once', () => {
    const read = () =>
      readSettings({ PORT: 'http', DYNAMODB_HEAP: 'lots', TABLE_NAME: 'x', DATA_DIR: '' });
    expect(read).toThrow(SettingsError);
    expect(read).toThrow(/PORT must be a port number.*\n.*TABLE_NAME.*\n.*DYNAMODB_HEAP/);
    expect(read).toThrow(/DATA_DIR must be a directory/);
  });

  it('rejects a heap too small for DynamoDB Local and accepts sizes with units', () => {
    expect(() => readSettings({ DYNAMODB_HEAP: '16m' })).toThrow('at least 64m');
    expect(readSettings({ DYNAMODB_HEAP: '1G' }).dynamoHeap).toBe('1G');
    expect(readSettings({}).dynamoHeap).toBe('512m');
  });

  it('caps running tasks at 10 by default and refuses a cap that is not 1 to 100', () => {
    expect(readSettings({}).maxRunningTasks).toBe(10);
    expect(readSettings({ MAX_RUNNING_TASKS: '3' }).maxRunningTasks).toBe(3);
    for (const bad of ['0', '101', '2.5', 'ten', '-1']) {
      expect(() => readSettings({ MAX_RUNNING_TASKS: bad })).toThrow(
        `MAX_RUNNING_TASKS must be a whole number from 1 to 100, got "${bad}"`,
      );
    }
  });

  it('defaults to port 3000 on 127.0.0.1', () => {
    expect(readSettings({})).toMatchObject({ port: 3000, host: '127.0.0.1', tableName: 'tasks' });
  });
});

describe('failed start-ups leave no process behind', () => {
  let blocker: Server | undefined;
  afterAll(() => blocker?.close());

  it('says which port is in use, before starting Java', async () => {
    blocker = createServer();
    await new Promise<void>((resolve) => blocker?.listen(0, '127.0.0.1', resolve));
    const { port } = blocker.address() as { port: number };
    const dataDir = newDataDir();
    const { code, output } = await failedStart(dataDir, { PORT: String(port) });
    expect(code).toBe(1);
    expect(output).toContain(`Port ${port} is in use; set PORT=`);
    expectNoStackTrace(output);
    expect(dynamoDBLocalsOf(dataDir)).toEqual([]);
  });

  it('says the data directory is not writable instead of failing on mkdir', async () => {
    // Root may write anywhere chmod forbids; sysfs refuses new directories even to root.
    const dataDir = '/sys/tasks-service-data';
    const { code, output } = await failedStart(dataDir);
    expect(code).toBe(1);
    expect(output).toContain(`DATA_DIR ${dataDir} is not writable`);
    expectNoStackTrace(output);
    expect(dynamoDBLocalsOf(dataDir)).toEqual([]);
  });

  it('says the data directory is not a directory', async () => {
    const file = join(newDataDir(), 'a-file');
    writeFileSync(file, '');
    const { code, output } = await failedStart(file);
    expect(code).toBe(1);
    expect(output).toContain(`DATA_DIR ${file} is not a directory`);
  });

  it("shows Java's own error when Java cannot run DynamoDB Local, and removes the pid file", async () => {
    const dataDir = newDataDir();
    const { code, output } = await failedStart(dataDir, {
      PATH: `${oldJava()}:${process.env.PATH}`,
    });
    expect(code).toBe(1);
    expect(output).toContain('DynamoDB Local did not start (exit code 1)');
    expect(output).toContain('UnsupportedClassVersionError: class file version 61.0');
    expectNoStackTrace(output);
    expect(dynamoDBLocalsOf(dataDir)).toEqual([]);
    expect(existsSync(pidFilePath(dataDir))).toBe(false);
  });

  it('says Java is missing when there is none on the PATH', async () => {
    const dataDir = newDataDir();
    const { code, output } = await failedStart(dataDir, { PATH: newDataDir() });
    expect(code).toBe(1);
    expect(output).toContain('java was not found');
    expectNoStackTrace(output);
  });

  it('refuses bad settings with exit code 1 and no stack', async () => {
    const { code, output } = await failedStart(newDataDir(), { PORT: '99999' });
    expect(code).toBe(1);
    expect(output).toContain('PORT must be a port number from 0 to 65535, got "99999"');
    expectNoStackTrace(output);
  });
});
