/**
 * Runs functions locally as Lambda runs them: each execution environment is a worker thread
 * with its own module instance and its own environment variables; it serves one invocation
 * at a time, is created on demand (the first invocation is a cold start), reused while warm,
 * and reaped when idle. A function has at most `concurrency` environments. An invocation that
 * outlives the function's timeout fails as Lambda fails it, and its environment is destroyed.
 *
 * Two things differ from Lambda, because here every environment shares this machine's CPU
 * where Lambda gives each its own: an API invocation that finds every environment busy
 * waits a moment for one to free before a new one is started (a cold start takes about a
 * quarter of a second of CPU from everything else), then takes whichever is free first;
 * and the workflow's functions run at a lower CPU priority than the API's, so a client's
 * request is not queued behind task work.
 * (Lambda gives each concurrent request an environment of its own:
 * https://docs.aws.amazon.com/lambda/latest/dg/lambda-concurrency.html)
 */
import { randomUUID } from 'node:crypto';
import { basename, dirname, extname } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { Context } from 'aws-lambda';
import { fromRoot } from '../repository.ts';
import type { FunctionError, InvokeMessage, WorkerMessage, WorkerSetup } from './lambda-worker.ts';

export interface FunctionDefinition {
  /** AWS_LAMBDA_FUNCTION_NAME, and the name in the logs. */
  name: string;
  /** The handler module: a source file or a bundle's index.mjs. */
  modulePath: string;
  /** The handler's export; `handler` by default. */
  exportName?: string;
  timeoutSeconds: number;
  memorySize?: number;
  /** The function's own variables, as the stack sets them. */
  environment: Record<string, string>;
  /**
   * With every environment busy: `queue` waits a little for one (how API Gateway's caller
   * fares best), `throttle` fails at once with TooManyRequestsException (what Step Functions'
   * lambda:invoke gets, and its Retry handles). A `throttle` function is the workflow's, in
   * no client's path: on Linux its environments yield the CPU to the API's.
   */
  whenBusy: 'queue' | 'throttle';
  /**
   * Reserved concurrency: the function's concurrent invocations at most, in place of the
   * runtime's `concurrency`. One more is throttled at once, whoever calls, as Lambda does.
   */
  reservedConcurrency?: number;
}

export interface RuntimeOptions {
  /** Execution environments per function at most. */
  concurrency?: number;
  /** An environment idle this long is reaped. */
  idleMs?: number;
  /** How long a queued invocation waits for an environment before it is throttled. */
  queueMs?: number;
  /**
   * With every environment busy, how long a `queue` invocation waits for one to free before
   * a new one is started (0: at once, as Lambda does).
   */
  warmWaitMs?: number;
  /** The init phase's limit: https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtime-environment.html */
  initTimeoutMs?: number;
  region?: string;
  /** Variables every environment gets (credentials, endpoints, local settings). */
  sharedEnvironment?: Record<string, string>;
}

export const RUNTIME_DEFAULTS = {
  concurrency: 10,
  idleMs: 120_000,
  // Most of an API function's timeout: a burst waits for an environment rather than failing.
  queueMs: 8_000,
  // A warm invocation takes milliseconds; a cold start here takes hundreds of them.
  warmWaitMs: 50,
  initTimeoutMs: 10_000,
  region: 'us-east-1',
} as const;

/** The nice value of a workflow function's environments: about a tenth of the CPU share. */
const BACKGROUND_NICE = 10;

/**
 * A failed invocation, as Lambda's Invoke API reports it (the function error's payload) and
 * as Step Functions' lambda:invoke names it: a handler's error by its errorType; an
 * unhandled one (timeout, crash, out of memory) `Lambda.Unknown`; a throttle
 * `Lambda.TooManyRequestsException`.
 * https://docs.aws.amazon.com/step-functions/latest/dg/bp-lambda-serviceexception.html
 */
export class LambdaInvokeError extends Error {
  readonly stepFunctionsError: string;
  readonly payload: FunctionError;

  constructor(stepFunctionsError: string, payload: FunctionError) {
    super(payload.errorMessage);
    this.name = payload.errorType;
    this.stepFunctionsError = stepFunctionsError;
    this.payload = payload;
  }
}

const unhandled = (errorType: string, errorMessage: string) =>
  new LambdaInvokeError('Lambda.Unknown', { errorType, errorMessage, trace: [] });

/** A handler-shaped function: the gateway and the emulator call it as they called handlers. */
export type LocalHandler = (
  event: unknown,
  context?: Pick<Context, 'awsRequestId'>,
) => Promise<unknown>;

interface Pending {
  resolve: (message: WorkerMessage) => void;
  reject: (error: Error) => void;
}

/** One execution environment. */
class Environment {
  readonly worker: Worker;
  readonly ready: Promise<void>;
  dead = false;
  idleTimer: NodeJS.Timeout | undefined;
  private pending: Pending | undefined;

  /** `died` is told when the thread ends by itself (crash, exit, out of memory). */
  constructor(worker: Worker, died: (environment: Environment) => void) {
    this.worker = worker;
    let readyFailed: (error: Error) => void = () => {};
    this.ready = new Promise<void>((resolve, reject) => {
      readyFailed = reject;
      worker.once('message', () => resolve());
    });
    this.ready.catch(() => {});
    worker.on('message', (message: WorkerMessage) => {
      if (message.type !== 'ready') this.settle((p) => p.resolve(message));
    });
    worker.on('error', (error) => {
      this.dead = true;
      const failure = unhandled(
        error.name === 'Error' ? 'Runtime.UnhandledError' : error.name,
        error.message,
      );
      readyFailed(failure);
      this.settle((p) => p.reject(failure));
    });
    worker.on('exit', (code) => {
      if (!this.dead) died(this);
      this.dead = true;
      const failure = unhandled(
        'Runtime.ExitError',
        `Runtime exited with error: exit status ${code}`,
      );
      readyFailed(failure);
      this.settle((p) => p.reject(failure));
    });
  }

  /** Posts one invocation and waits for its outcome. */
  send(message: InvokeMessage): Promise<WorkerMessage> {
    return new Promise((resolve, reject) => {
      this.pending = { resolve, reject };
      this.worker.postMessage(message);
    });
  }

  destroy(): Promise<number> {
    this.dead = true;
    clearTimeout(this.idleTimer);
    return this.worker.terminate();
  }

  private settle(action: (pending: Pending) => void): void {
    const pending = this.pending;
    this.pending = undefined;
    if (pending) action(pending);
  }
}

/** One function: its environments and the invocations waiting for one. */
export class LocalLambda {
  readonly definition: FunctionDefinition;
  private readonly options: Required<Omit<RuntimeOptions, 'sharedEnvironment'>> & {
    sharedEnvironment: Record<string, string>;
  };
  private readonly environments = new Set<Environment>();
  private readonly idle: Environment[] = [];
  private readonly waiting: {
    take: (environment: Environment) => void;
    cancel: (error: Error) => void;
  }[] = [];
  private closed = false;
  /** Environments created so far: how many cold starts there were. */
  coldStarts = 0;

  constructor(definition: FunctionDefinition, options: LocalLambda['options']) {
    this.definition = definition;
    this.options = options;
  }

  /** Calls it as the gateway and the emulator call a handler. */
  readonly handler: LocalHandler = (event, context) =>
    this.invoke(event, context?.awsRequestId ?? randomUUID());

  get environmentCount(): number {
    return this.environments.size;
  }

  async invoke(event: unknown, requestId: string = randomUUID()): Promise<unknown> {
    const environment = await this.acquire();
    try {
      return await this.run(environment, event, requestId);
    } finally {
      this.release(environment);
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const waiter of this.waiting.splice(0)) waiter.cancel(this.throttled());
    await Promise.all([...this.environments].map((environment) => environment.destroy()));
    this.environments.clear();
    this.idle.length = 0;
  }

  private async run(environment: Environment, event: unknown, awsRequestId: string) {
    const { timeoutSeconds } = this.definition;
    await this.withTimer(environment, environment.ready, this.options.initTimeoutMs, () =>
      unhandled('Sandbox.Timedout', `RequestId: ${awsRequestId} Error: Init phase timed out`),
    );
    const timeoutMs = timeoutSeconds * 1000;
    const reply = await this.withTimer(
      environment,
      environment.send({
        type: 'invoke',
        event: JSON.stringify(event ?? null),
        context: { awsRequestId, deadline: Date.now() + timeoutMs },
      }),
      timeoutMs,
      // What Lambda reports when an invocation runs out of time:
      // https://docs.aws.amazon.com/lambda/latest/dg/troubleshooting-invocation.html#troubleshooting-timeouts
      () =>
        unhandled(
          'Sandbox.Timedout',
          `RequestId: ${awsRequestId} Error: Task timed out after ${timeoutSeconds.toFixed(2)} seconds`,
        ),
    );
    if (reply.type === 'error') throw new LambdaInvokeError(reply.error.errorType, reply.error);
    return reply.type === 'result' && reply.result !== undefined
      ? JSON.parse(reply.result)
      : undefined;
  }

  /** Waits for `work`, or destroys the environment when `ms` pass first. */
  private async withTimer<T>(
    environment: Environment,
    work: Promise<T>,
    ms: number,
    timedOut: () => LambdaInvokeError,
  ): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const expired = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        this.discard(environment);
        reject(timedOut());
      }, ms);
    });
    try {
      return await Promise.race([work, expired]);
    } finally {
      clearTimeout(timer);
    }
  }

  private async acquire(): Promise<Environment> {
    for (;;) {
      const environment = this.idle.pop();
      if (!environment) break;
      clearTimeout(environment.idleTimer);
      if (!environment.dead) return environment;
      this.environments.delete(environment);
    }
    const { reservedConcurrency, whenBusy } = this.definition;
    const { queueMs, warmWaitMs } = this.options;
    // Reserved concurrency counts invocations, so those never wait to grow.
    const growsAtOnce = whenBusy === 'throttle' || reservedConcurrency !== undefined;
    if (this.hasRoom() && (growsAtOnce || this.environments.size === 0 || !warmWaitMs)) {
      return this.create();
    }
    if (growsAtOnce) throw this.throttled();
    // Waits for a busy environment to free. After warmWaitMs, if the cap allows, a new one
    // is started as well, and the invocation takes whichever is free first: a cold start
    // here takes seconds when many start at once, a busy environment milliseconds. It is
    // throttled after queueMs, or once the environment it started is ready if that is later.
    return new Promise<Environment>((resolve, reject) => {
      const since = Date.now();
      let timer: NodeJS.Timeout | undefined;
      let grew = false;
      let starting: Promise<void> | undefined;
      const waiter = {
        take: (environment: Environment) => {
          clearTimeout(timer);
          resolve(environment);
        },
        cancel: (error: Error) => {
          clearTimeout(timer);
          reject(error);
        },
      };
      const leave = (error: Error) => {
        this.waiting.splice(this.waiting.indexOf(waiter), 1);
        waiter.cancel(error);
      };
      const check = () => {
        // Taken or turned away meanwhile: whoever did so removed it from the queue.
        if (!this.waiting.includes(waiter)) return;
        if (!grew && this.hasRoom()) {
          grew = true;
          try {
            starting = this.grow().finally(() => {
              starting = undefined;
            });
          } catch (error) {
            leave(error as Error);
            return;
          }
        }
        const left = queueMs - (Date.now() - since);
        if (left > 0) timer = setTimeout(check, grew ? left : Math.min(left, warmWaitMs));
        else if (starting) void starting.then(check);
        else leave(this.throttled());
      };
      timer = setTimeout(check, this.hasRoom() ? warmWaitMs : queueMs);
      this.waiting.push(waiter);
    });
  }

  /**
   * Starts an environment for whichever invocation waits when it is ready. One whose init
   * fails goes to the oldest waiting invocation, which reports the failure as Lambda
   * reports an init error; one whose init outlives the init phase's limit is discarded.
   * Resolves once it is settled either way.
   */
  private grow(): Promise<void> {
    const environment = this.create();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      this.discard(environment);
    }, this.options.initTimeoutMs);
    timer.unref();
    return environment.ready.then(
      () => {
        clearTimeout(timer);
        if (environment.dead) this.discard(environment);
        else this.release(environment);
      },
      () => {
        clearTimeout(timer);
        const waiter = timedOut || this.closed ? undefined : this.waiting.shift();
        if (waiter) waiter.take(environment);
        else this.discard(environment);
      },
    );
  }

  private release(environment: Environment): void {
    if (environment.dead) {
      this.environments.delete(environment);
      // A fresh environment in place of the one that died, for whichever invocation waits.
      if (this.waiting.length > 0 && this.hasRoom() && !this.closed) void this.grow();
      return;
    }
    const waiter = this.waiting.shift();
    if (waiter) {
      waiter.take(environment);
      return;
    }
    environment.idleTimer = setTimeout(() => this.discard(environment), this.options.idleMs);
    environment.idleTimer.unref();
    this.idle.push(environment);
  }

  /** Whether the function may have one more environment. */
  private hasRoom(): boolean {
    const { reservedConcurrency } = this.definition;
    return this.environments.size < (reservedConcurrency ?? this.options.concurrency);
  }

  private discard(environment: Environment): void {
    this.environments.delete(environment);
    const at = this.idle.indexOf(environment);
    if (at >= 0) this.idle.splice(at, 1);
    void environment.destroy();
  }

  private create(): Environment {
    if (this.closed) throw this.throttled();
    const { modulePath, exportName = 'handler', memorySize = 256, whenBusy } = this.definition;
    const setup: WorkerSetup = {
      modulePath,
      exportName,
      ...(whenBusy === 'throttle' && { nice: BACKGROUND_NICE }),
    };
    const worker = new Worker(fromRoot('infra/local/lambda-worker.ts'), {
      workerData: setup,
      env: this.environmentVariables(),
      // The function's memory as the heap's limit: running out fails the invocation.
      resourceLimits: { maxOldGenerationSizeMb: memorySize },
    });
    worker.unref();
    const environment = new Environment(worker, (died) => this.discard(died));
    this.environments.add(environment);
    this.coldStarts++;
    return environment;
  }

  /**
   * Lambda's reserved variables, then the function's own.
   * https://docs.aws.amazon.com/lambda/latest/dg/configuration-envvars.html#configuration-envvars-runtime
   */
  private environmentVariables(): Record<string, string> {
    const { name, modulePath, exportName = 'handler', memorySize = 256 } = this.definition;
    const { region, sharedEnvironment } = this.options;
    return {
      PATH: process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin',
      LANG: 'en_US.UTF-8',
      TZ: ':UTC',
      ...sharedEnvironment,
      ...this.definition.environment,
      _HANDLER: `${basename(modulePath, extname(modulePath))}.${exportName}`,
      AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs24.x',
      AWS_LAMBDA_FUNCTION_NAME: name,
      AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(memorySize),
      AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
      AWS_LAMBDA_INITIALIZATION_TYPE: 'on-demand',
      AWS_LAMBDA_LOG_GROUP_NAME: `/aws/lambda/${name}`,
      AWS_LAMBDA_LOG_STREAM_NAME: `local/[$LATEST]${randomUUID().replaceAll('-', '')}`,
      AWS_REGION: region,
      AWS_DEFAULT_REGION: region,
      LAMBDA_TASK_ROOT: dirname(modulePath),
    };
  }

  /**
   * Lambda's answer to an invocation beyond the function's concurrency: Invoke fails with
   * HTTP 429 TooManyRequestsException, "Rate Exceeded.", its Reason naming the limit (the
   * reserved concurrency, or the account's, which LOCAL_CONCURRENCY stands for here), and
   * Step Functions' lambda:invoke reports it as Lambda.TooManyRequestsException.
   * https://docs.aws.amazon.com/lambda/latest/api/API_Invoke.html
   * https://docs.aws.amazon.com/lambda/latest/dg/configuration-concurrency.html
   */
  private throttled(): LambdaInvokeError {
    const { name, reservedConcurrency } = this.definition;
    const reason =
      reservedConcurrency === undefined
        ? `ConcurrentInvocationLimitExceeded (${this.options.concurrency} busy execution environments)`
        : `ReservedFunctionConcurrentInvocationLimitExceeded (reserved concurrency ${reservedConcurrency})`;
    return new LambdaInvokeError('Lambda.TooManyRequestsException', {
      errorType: 'TooManyRequestsException',
      errorMessage: `Rate Exceeded. ${name}: ${reason}`,
      trace: [],
    });
  }
}

/** Every function local mode runs, each with its own environments. */
export class LambdaRuntime {
  private readonly options: LocalLambda['options'];
  private readonly functions = new Map<string, LocalLambda>();

  constructor(options: RuntimeOptions = {}) {
    this.options = { ...RUNTIME_DEFAULTS, sharedEnvironment: {}, ...options };
  }

  add(definition: FunctionDefinition): LocalLambda {
    const fn = new LocalLambda(definition, this.options);
    this.functions.set(definition.name, fn);
    return fn;
  }

  get(name: string): LocalLambda | undefined {
    return this.functions.get(name);
  }

  async close(): Promise<void> {
    await Promise.all([...this.functions.values()].map((fn) => fn.close()));
  }
}
