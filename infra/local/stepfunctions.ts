import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Context } from 'aws-lambda';
import { ExecutionAbortedError, type RunOptions, StateMachine } from 'aws-local-stepfunctions';
import { executionArnOf } from '../../functions/tasks/launcher.ts';
import { lambdaContext } from './lambda-context.ts';

type LocalHandlers = NonNullable<NonNullable<RunOptions['overrides']>['taskResourceLocalHandlers']>;

/** A local stand-in for a Lambda function the workflow invokes. */
export type LocalFunction = (event: unknown, context: Context) => Promise<unknown>;

type ExecutionStatus = 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'ABORTED';

interface Execution {
  executionArn: string;
  stateMachineArn: string;
  name: string;
  input: string;
  status: ExecutionStatus;
  startDate: Date;
  stopDate?: Date;
  output?: string;
  error?: string;
  cause?: string;
  /** States entered so far: what Step Functions Standard bills as state transitions. */
  transitions: number;
  abort: () => void;
  done: Promise<void>;
}

/** An execution that ended badly, as the Step Functions "Execution Status Change" event names it. */
export interface EndedExecution {
  name: string;
  status: 'FAILED' | 'TIMED_OUT' | 'ABORTED';
  error?: string;
  cause?: string;
}

/** Called like the target of an EventBridge rule on executions that ended badly. */
export type EndedBadlyHook = (execution: EndedExecution) => Promise<void>;

class ApiError extends Error {
  readonly type: string;

  constructor(type: string, message: string) {
    super(message);
    this.type = type;
  }
}

export interface EmulatorOptions {
  stateMachineArn: string;
  /** The ASL definition, substitutions already applied. */
  definition: string;
  /** Task state name → the function it invokes and the timeout it would have in Lambda. */
  functions: Record<string, { handler: LocalFunction; timeoutMs: number }>;
  /** Where the line about each ended execution goes. */
  log?: (line: string) => void;
  /**
   * Multiplies the retriers' intervals and delay caps, so tests run the real retry policy
   * in milliseconds; 1 when omitted. (State timeouts must stay whole seconds.)
   */
  retryTimeScale?: number;
}

/**
 * A Step Functions emulator: speaks the service's JSON protocol for StartExecution,
 * StopExecution and DescribeExecution, so the real SDK client talks to it, and runs
 * the workflow's ASL with aws-local-stepfunctions, invoking the functions in-process.
 */
export class StepFunctionsEmulator {
  private readonly machine: StateMachine;
  private readonly executions = new Map<string, Execution>();
  private readonly options: EmulatorOptions;
  private server?: Server;
  private endedBadly?: EndedBadlyHook;

  constructor(options: EmulatorOptions) {
    this.options = options;
    this.machine = machineFor(options.definition, options.retryTimeScale ?? 1);
  }

  /**
   * Emulates an EventBridge rule on executions that FAILED, TIMED_OUT or were ABORTED: the
   * hook gets each, except those stopped through StopExecution (cancel and delete stop
   * them; the failure recorder refuses those tasks anyway) or by closing the emulator.
   */
  onExecutionEndedBadly(hook: EndedBadlyHook): void {
    this.endedBadly = hook;
  }

  async listen(host = '127.0.0.1'): Promise<string> {
    const server = createServer((req, res) => {
      this.handle(req)
        .then((body) => {
          res.writeHead(200, { 'content-type': 'application/x-amz-json-1.0' });
          res.end(JSON.stringify(body));
        })
        .catch((error: unknown) => {
          const known = error instanceof ApiError;
          res.writeHead(known ? 400 : 500, { 'content-type': 'application/x-amz-json-1.0' });
          res.end(
            JSON.stringify({
              __type: known ? error.type : 'InternalFailure',
              message: error instanceof Error ? error.message : String(error),
            }),
          );
        });
    });
    this.server = server;
    await new Promise<void>((resolve) => server.listen(0, host, resolve));
    return `http://${host}:${(server.address() as AddressInfo).port}`;
  }

  /** Aborts every running execution and closes the server. */
  async close(): Promise<void> {
    const running = [...this.executions.values()].filter((e) => e.status === 'RUNNING');
    for (const execution of running) execution.abort();
    await Promise.all(running.map((e) => e.done));
    await new Promise<void>((resolve) =>
      this.server ? this.server.close(() => resolve()) : resolve(),
    );
  }

  private async handle(req: IncomingMessage): Promise<unknown> {
    const target = String(req.headers['x-amz-target'] ?? '');
    const parsed = parseJson(await readBody(req), 'SerializationException');
    if (typeof parsed !== 'object' || parsed === null) {
      throw new ApiError('SerializationException', 'The request body must be a JSON object');
    }
    const body = parsed as Record<string, unknown>;
    switch (target) {
      case 'AWSStepFunctions.StartExecution':
        return this.start(body);
      case 'AWSStepFunctions.StopExecution':
        return this.stop(body);
      case 'AWSStepFunctions.DescribeExecution':
        return this.describe(body);
      default:
        throw new ApiError(
          'UnknownOperationException',
          `Operation ${target || '(none)'} is not emulated`,
        );
    }
  }

  private start(body: Record<string, unknown>) {
    const { stateMachineArn, name, input = '{}' } = body as Record<string, string>;
    if (stateMachineArn !== this.options.stateMachineArn) {
      throw new ApiError(
        'StateMachineDoesNotExist',
        `State Machine Does Not Exist: '${stateMachineArn}'`,
      );
    }
    if (!name || !/^[A-Za-z0-9_-]{1,80}$/.test(name)) {
      throw new ApiError('InvalidName', `Invalid Name: '${name}'`);
    }
    const executionArn = executionArnOf(stateMachineArn, name);
    const existing = this.executions.get(executionArn);
    if (existing) {
      // As in Step Functions: a repeated start of a running execution with the same input succeeds.
      if (existing.status === 'RUNNING' && existing.input === input) return summary(existing);
      throw new ApiError('ExecutionAlreadyExists', `Execution Already Exists: '${executionArn}'`);
    }
    this.forgetOldExecutions();
    const stopped = new AbortController();
    const run = this.machine.run(parseJson(input, 'InvalidExecutionInput') as never, {
      overrides: { taskResourceLocalHandlers: this.localHandlers(stopped.signal) },
      noThrowOnAbort: false,
      context: { Execution: { Id: executionArn, Name: name } },
    });
    const execution: Execution = {
      executionArn,
      stateMachineArn,
      name,
      input,
      status: 'RUNNING',
      startDate: new Date(),
      transitions: 0,
      abort: () => {
        stopped.abort();
        run.abort();
      },
      done: Promise.resolve(),
    };
    void (async () => {
      for await (const event of run.eventLogs)
        if (event.type === 'StateEntered') execution.transitions++;
      await execution.done;
      const seconds = ((execution.stopDate?.getTime() ?? 0) - execution.startDate.getTime()) / 1000;
      (this.options.log ?? console.log)(
        `Execution ${name} ${execution.status} after ${execution.transitions} state transitions in ${seconds.toFixed(1)} s`,
      );
    })();
    execution.done = run.result.then(
      (output) => this.end(execution, 'SUCCEEDED', { output: JSON.stringify(output) }),
      (error: unknown) => {
        if (error instanceof ExecutionAbortedError) return this.end(execution, 'ABORTED', {});
        const { error: name, cause } = describeError(error);
        this.end(execution, 'FAILED', { error: name, cause });
        this.reportEndedBadly(execution);
      },
    );
    // However it ended (a time limit too), nothing of it may run on.
    const stopAll = () => stopped.abort();
    void execution.done.then(stopAll, stopAll);
    this.executions.set(executionArn, execution);
    return summary(execution);
  }

  /** Ended executions are kept an hour for DescribeExecution, then dropped. */
  private forgetOldExecutions(): void {
    const cutoff = Date.now() - 3_600_000;
    for (const [arn, execution] of this.executions) {
      if (execution.stopDate && execution.stopDate.getTime() < cutoff) this.executions.delete(arn);
    }
  }

  private stop(body: Record<string, unknown>) {
    const execution = this.find(body.executionArn);
    if (execution.status === 'RUNNING') {
      execution.abort();
      this.end(execution, 'ABORTED', {
        ...(typeof body.error === 'string' && { error: body.error }),
        ...(typeof body.cause === 'string' && { cause: body.cause }),
      });
    }
    return { stopDate: toEpoch(execution.stopDate ?? new Date()) };
  }

  private describe(body: Record<string, unknown>) {
    const e = this.find(body.executionArn);
    return {
      executionArn: e.executionArn,
      stateMachineArn: e.stateMachineArn,
      name: e.name,
      status: e.status,
      startDate: toEpoch(e.startDate),
      input: e.input,
      ...(e.stopDate && { stopDate: toEpoch(e.stopDate) }),
      ...(e.output !== undefined && { output: e.output }),
      ...(e.error !== undefined && { error: e.error }),
      ...(e.cause !== undefined && { cause: e.cause }),
    };
  }

  private find(executionArn: unknown): Execution {
    const execution =
      typeof executionArn === 'string' ? this.executions.get(executionArn) : undefined;
    if (!execution) {
      throw new ApiError(
        'ExecutionDoesNotExist',
        `Execution Does Not Exist: '${String(executionArn)}'`,
      );
    }
    return execution;
  }

  private end(
    execution: Execution,
    status: ExecutionStatus,
    fields: Pick<Execution, 'output' | 'error' | 'cause'>,
  ): void {
    if (execution.status !== 'RUNNING') return;
    Object.assign(execution, fields, { status, stopDate: new Date() });
  }

  private reportEndedBadly(execution: Execution): void {
    const hook = this.endedBadly;
    if (!hook || execution.status === 'RUNNING' || execution.status === 'SUCCEEDED') return;
    const { name, status, error, cause } = execution;
    hook({ name, status, ...(error && { error }), ...(cause && { cause }) }).catch((failed) =>
      (this.options.log ?? console.log)(
        `Recording the end of execution ${name} failed: ${String(failed)}`,
      ),
    );
  }

  /**
   * Each Task state gets `{ Payload }` back, as the `lambda:invoke` integration returns it.
   * A function error reaches Retry and Catch as Lambda reports it: the error name is the
   * `errorType`, and the cause the JSON `{ errorType, errorMessage, trace }`.
   * https://docs.aws.amazon.com/step-functions/latest/dg/concepts-error-handling.html
   * https://docs.aws.amazon.com/lambda/latest/dg/nodejs-exceptions.html
   *
   * A stopped execution runs no further state and invokes nothing more
   * (https://docs.aws.amazon.com/step-functions/latest/apireference/API_StopExecution.html).
   * aws-local-stepfunctions checks its abort signal only between states, and after an abort
   * a Retry's wait ends at once, so a Task state that fails after its execution was stopped
   * would be retried at once, again and again, up to its MaxAttempts: such a failure is
   * made one that no Retry matches. (A Catch still matches it, but the library enters no
   * further state of an aborted execution.)
   */
  private localHandlers(stopped: AbortSignal): LocalHandlers {
    return Object.fromEntries(
      Object.entries(this.options.functions).map(([state, { handler, timeoutMs }]) => [
        state,
        async (parameters: unknown) => {
          const { Payload } = parameters as { Payload: unknown };
          try {
            if (stopped.aborted) throw new Error('The execution was stopped');
            return { Payload: await handler(Payload, lambdaContext(state, timeoutMs)) };
          } catch (error) {
            const failure = lambdaFunctionError(error);
            // Read by the library's Retry matching (RuntimeError's isRetryable).
            if (stopped.aborted) Object.defineProperty(failure, 'isRetryable', { value: false });
            throw failure;
          }
        },
      ]),
    ) as unknown as LocalHandlers;
  }
}

/** Validating a definition takes about a second; a machine holds no state between runs. */
const machines = new Map<string, StateMachine>();

function machineFor(text: string, retryTimeScale: number): StateMachine {
  const key = `${retryTimeScale}\n${text}`;
  let machine = machines.get(key);
  if (!machine) {
    const definition = JSON.parse(text) as AslDefinition;
    scaleRetryIntervals(definition, retryTimeScale);
    machine = new StateMachine(definition as never, { validationOptions: { checkArn: false } });
    machines.set(key, machine);
  }
  return machine;
}

/** The error Step Functions sees when a function throws `error`. */
function lambdaFunctionError(error: unknown): Error {
  if (isInvokeError(error)) {
    // The local Lambda runtime names it already: by the handler's errorType, or as an
    // unhandled error (timeout, crash) or a throttle.
    const failure = new Error(JSON.stringify(error.payload));
    failure.name = error.stepFunctionsError;
    return failure;
  }
  const thrown = error instanceof Error ? error : new Error(String(error));
  const errorType = thrown.name || 'Error';
  const failure = new Error(
    JSON.stringify({
      errorType,
      errorMessage: thrown.message,
      trace: (thrown.stack ?? '').split('\n'),
    }),
  );
  failure.name = errorType;
  return failure;
}

/** A failed invocation from the local Lambda runtime (its LambdaInvokeError). */
function isInvokeError(error: unknown): error is Error & {
  stepFunctionsError: string;
  payload: { errorType: string; errorMessage: string; trace: string[] };
} {
  return error instanceof Error && typeof Reflect.get(error, 'stepFunctionsError') === 'string';
}

interface AslRetrier {
  IntervalSeconds?: number;
  MaxDelaySeconds?: number;
}

interface AslDefinition {
  States: Record<string, { Retry?: AslRetrier[] }>;
}

function scaleRetryIntervals(definition: AslDefinition, scale: number): void {
  if (scale === 1) return;
  for (const state of Object.values(definition.States)) {
    for (const retrier of state.Retry ?? []) {
      // One second is the interval Step Functions uses when none is given.
      retrier.IntervalSeconds = (retrier.IntervalSeconds ?? 1) * scale;
      if (retrier.MaxDelaySeconds !== undefined) retrier.MaxDelaySeconds *= scale;
    }
  }
}

function describeError(error: unknown): { error: string; cause: string } {
  if (error instanceof Error) {
    const inner = (error as Error & { cause?: unknown }).cause;
    const source = inner instanceof Error ? inner : error;
    return { error: source.name, cause: source.message };
  }
  return { error: 'Error', cause: String(error) };
}

function summary(execution: Execution) {
  return { executionArn: execution.executionArn, startDate: toEpoch(execution.startDate) };
}

function toEpoch(date: Date): number {
  return date.getTime() / 1000;
}

function parseJson(text: string, errorType: string): unknown {
  try {
    return JSON.parse(text || '{}');
  } catch {
    throw new ApiError(errorType, 'Invalid JSON');
  }
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
