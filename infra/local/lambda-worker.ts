/**
 * One Lambda execution environment: a worker thread that loads one function's handler module
 * (its init phase) with that function's environment, then runs one invocation at a time.
 * Messages: the parent sends `invoke`; this thread answers `ready` once, then `result` or
 * `error` for each invocation.
 */

import { existsSync, readlinkSync } from 'node:fs';
import { enableCompileCache } from 'node:module';
import { getPriority, setPriority } from 'node:os';
import { pathToFileURL } from 'node:url';
import { parentPort, workerData } from 'node:worker_threads';
import { fromRoot } from '../repository.ts';
import { contextUntil } from './lambda-context.ts';

export interface WorkerSetup {
  /** The handler module: a source file or a bundle's index.mjs. */
  modulePath: string;
  /** The handler's export name (`handler` of `index.handler`). */
  exportName: string;
  /** Lowers this thread's CPU priority to this nice value, where the system allows it. */
  nice?: number;
}

export interface InvokeMessage {
  type: 'invoke';
  /** The event, as JSON: Lambda passes handlers a parsed copy, never the caller's object. */
  event: string;
  context: {
    awsRequestId: string;
    /** Epoch milliseconds at which the invocation times out. */
    deadline: number;
  };
}

/** Lambda's shape of a function error, as the Invoke API returns it. */
export interface FunctionError {
  errorType: string;
  errorMessage: string;
  trace: string[];
}

export type WorkerMessage =
  | { type: 'ready' }
  | { type: 'result'; result: string | undefined }
  | { type: 'error'; error: FunctionError };

type Handler = (event: unknown, context: unknown) => Promise<unknown>;

const port = parentPort;
if (!port) throw new Error('lambda-worker.ts runs only as a worker thread');
const { modulePath, exportName, nice } = workerData as WorkerSetup;

// On Linux a nice value belongs to a thread, and /proc/thread-self names this one. Only ever
// lowered (raising it needs a privilege), and only a hint: a refusal changes nothing else.
if (nice !== undefined && existsSync('/proc/thread-self')) {
  try {
    const thread = Number(readlinkSync('/proc/thread-self').split('/').at(-1));
    setPriority(thread, Math.max(getPriority(thread), nice));
  } catch {}
}

// V8's compiled code, kept between environments: a local speed-up, not a Lambda behaviour.
enableCompileCache(fromRoot('node_modules/.cache/lambda-environments'));
const module = (await import(pathToFileURL(modulePath).href)) as Record<string, unknown>;
const handler = module[exportName];
if (typeof handler !== 'function') {
  throw new Error(`${modulePath} does not export a function named ${exportName}`);
}

/** What Lambda's Node.js runtime reports for a thrown value. */
function functionError(thrown: unknown): FunctionError {
  if (thrown instanceof Error) {
    return {
      errorType: thrown.name || 'Error',
      errorMessage: thrown.message,
      trace: (thrown.stack ?? '').split('\n'),
    };
  }
  return { errorType: 'Error', errorMessage: String(thrown), trace: [] };
}

port.on('message', async ({ event, context }: InvokeMessage) => {
  let reply: WorkerMessage;
  try {
    const result = await (handler as Handler)(
      JSON.parse(event),
      contextUntil(context.deadline, process.env, context.awsRequestId),
    );
    reply = { type: 'result', result: result === undefined ? undefined : JSON.stringify(result) };
  } catch (error) {
    reply = { type: 'error', error: functionError(error) };
  }
  port.postMessage(reply);
});
port.postMessage({ type: 'ready' } satisfies WorkerMessage);
