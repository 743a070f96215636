import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, onTestFinished } from 'vitest';
import {
  type FunctionDefinition,
  LambdaInvokeError,
  LambdaRuntime,
} from '../../infra/local/lambda-runtime.ts';
import { fromRoot } from '../../infra/repository.ts';

const fixture = fromRoot('tests/helpers/lambda-fixture.ts');
let runtime: LambdaRuntime;

afterEach(async () => {
  await runtime?.close();
});

function start(options: ConstructorParameters<typeof LambdaRuntime>[0] = {}) {
  runtime = new LambdaRuntime({ sharedEnvironment: { SHARED: 'yes' }, ...options });
  return runtime;
}

const definition = (overrides: Partial<FunctionDefinition> = {}): FunctionDefinition => ({
  name: 'Fixture',
  modulePath: fixture,
  timeoutSeconds: 10,
  environment: { TABLE_NAME: 'tasks' },
  whenBusy: 'queue',
  ...overrides,
});

interface FixtureResult {
  invocations: number;
  requestId: string;
  functionName: string;
  remainingMs: number;
  nice: number | undefined;
  env: Record<string, string | undefined>;
}

/** The LambdaInvokeError an invocation fails with. */
async function failureOf(invocation: Promise<unknown>): Promise<LambdaInvokeError> {
  const outcome = await invocation.then(
    () => undefined,
    (error: unknown) => error,
  );
  if (!(outcome instanceof LambdaInvokeError))
    throw new Error(`Expected a LambdaInvokeError, got ${String(outcome)}`);
  return outcome;
}

const invoke = (fn: { invoke(event: unknown, id?: string): Promise<unknown> }, event = {}) =>
  fn.invoke(event) as Promise<FixtureResult>;

describe('the local Lambda runtime', () => {
  it('gives each function its own module instance and environment variables', async () => {
    const runtime = start();
    const first = runtime.add(definition({ name: 'First', environment: { TABLE_NAME: 'one' } }));
    const second = runtime.add(definition({ name: 'Second', environment: { TABLE_NAME: 'two' } }));
    await invoke(first);
    const [a, b] = await Promise.all([invoke(first), invoke(second)]);
    expect(a.invocations).toBe(2);
    expect(b.invocations).toBe(1);
    expect(a.env).toEqual({
      AWS_LAMBDA_FUNCTION_NAME: 'First',
      AWS_LAMBDA_INITIALIZATION_TYPE: 'on-demand',
      AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs24.x',
      TABLE_NAME: 'one',
      SHARED: 'yes',
    });
    expect(b.env).toMatchObject({ AWS_LAMBDA_FUNCTION_NAME: 'Second', TABLE_NAME: 'two' });
    expect(b.functionName).toBe('Second');
    expect(process.env.AWS_LAMBDA_FUNCTION_NAME).toBeUndefined();
  });

  it('starts cold once, then reuses the warm environment for the next invocation', async () => {
    const fn = start().add(definition());
    const cold = await invoke(fn);
    const warm = await fn.handler({}, { awsRequestId: 'request-2' });
    expect(cold.invocations).toBe(1);
    expect(warm).toMatchObject({ invocations: 2, requestId: 'request-2' });
    expect(fn.coldStarts).toBe(1);
    expect(fn.environmentCount).toBe(1);
  });

  it('counts the time left from the function timeout', async () => {
    const result = await invoke(start().add(definition({ timeoutSeconds: 30 })));
    expect(result.remainingMs).toBeGreaterThan(25_000);
    expect(result.remainingMs).toBeLessThanOrEqual(30_000);
  });

  it('fails an invocation that outlives the timeout as Lambda does and destroys its environment', async () => {
    const fn = start().add(definition({ timeoutSeconds: 0.2 }));
    await invoke(fn);
    const failure = await failureOf(fn.invoke({ hang: true }, 'slow-request'));
    expect(failure).toBeInstanceOf(LambdaInvokeError);
    expect(failure.stepFunctionsError).toBe('Lambda.Unknown');
    expect(failure.payload).toMatchObject({
      errorType: 'Sandbox.Timedout',
      errorMessage: 'RequestId: slow-request Error: Task timed out after 0.20 seconds',
    });
    const next = await invoke(fn);
    expect(next.invocations).toBe(1);
    expect(fn.coldStarts).toBe(2);
  });

  it("reports a handler's error by its type, and keeps the environment", async () => {
    const fn = start().add(definition());
    const failure = await failureOf(fn.invoke({ fail: 'no such thing' }));
    expect(failure).toBeInstanceOf(LambdaInvokeError);
    expect(failure.stepFunctionsError).toBe('FixtureError');
    expect(failure.payload).toMatchObject({
      errorType: 'FixtureError',
      errorMessage: 'no such thing',
    });
    expect(failure.payload.trace[0]).toContain('FixtureError: no such thing');
    expect((await invoke(fn)).invocations).toBe(2);
  });

  it('reports an environment that exits during an invocation as unhandled, and replaces it', async () => {
    const fn = start().add(definition());
    const failure = await failureOf(fn.invoke({ crash: true }));
    expect(failure.stepFunctionsError).toBe('Lambda.Unknown');
    expect(failure.payload.errorType).toBe('Runtime.ExitError');
    expect(fn.environmentCount).toBe(0);
    expect((await invoke(fn)).invocations).toBe(1);
  });

  it('gives an invocation waiting for the one environment a fresh one when that one dies', async () => {
    const fn = start({ concurrency: 1 }).add(definition());
    await invoke(fn);
    const crashed = failureOf(fn.invoke({ delayMs: 100, crash: true }));
    expect((await invoke(fn)).invocations).toBe(1);
    expect((await crashed).payload.errorType).toBe('Runtime.ExitError');
    expect(fn.coldStarts).toBe(2);
  });

  it('throttles a workflow function beyond its cap with TooManyRequestsException', async () => {
    const fn = start({ concurrency: 1 }).add(
      definition({ whenBusy: 'throttle', timeoutSeconds: 0.1 }),
    );
    const busy = failureOf(fn.invoke({ hang: true }));
    const throttled = await failureOf(fn.invoke({}));
    expect(throttled).toBeInstanceOf(LambdaInvokeError);
    expect(throttled.stepFunctionsError).toBe('Lambda.TooManyRequestsException');
    expect(throttled.payload.errorType).toBe('TooManyRequestsException');
    expect((await busy).payload.errorType).toBe('Sandbox.Timedout');
  });

  it('throttles at once an invocation beyond the reserved concurrency, whatever the runtime cap', async () => {
    const fn = start({ concurrency: 10 }).add(
      definition({ whenBusy: 'queue', reservedConcurrency: 2, timeoutSeconds: 0.5 }),
    );
    const busy = [failureOf(fn.invoke({ hang: true })), failureOf(fn.invoke({ hang: true }))];
    const throttled = await failureOf(fn.invoke({}));
    expect(throttled.stepFunctionsError).toBe('Lambda.TooManyRequestsException');
    expect(throttled.payload).toMatchObject({
      errorType: 'TooManyRequestsException',
      errorMessage: expect.stringContaining('ReservedFunctionConcurrentInvocationLimitExceeded'),
    });
    expect(fn.environmentCount).toBe(2);
    for (const hung of busy) expect((await hung).payload.errorType).toBe('Sandbox.Timedout');
    // Once they are free again, the function takes invocations up to its reserve.
    const results = await Promise.all([invoke(fn), invoke(fn)]);
    expect(results).toHaveLength(2);
  });

  it('queues an API invocation beyond the cap until an environment is free', async () => {
    const fn = start({ concurrency: 1 }).add(definition());
    const results = await Promise.all([invoke(fn), invoke(fn), invoke(fn)]);
    expect(results.map((r) => r.invocations).sort()).toEqual([1, 2, 3]);
    expect(fn.coldStarts).toBe(1);
  });

  it('lets an API invocation wait a moment for a busy environment rather than start another', async () => {
    const fn = start({ warmWaitMs: 1_000 }).add(definition());
    await invoke(fn);
    const results = await Promise.all([invoke(fn, { delayMs: 20 }), invoke(fn)]);
    expect(results.map((r) => r.invocations).sort()).toEqual([2, 3]);
    expect(fn.coldStarts).toBe(1);
  });

  it('starts another environment when none frees within that moment', async () => {
    const fn = start({ warmWaitMs: 20 }).add(definition({ timeoutSeconds: 0.5 }));
    await invoke(fn);
    const busy = failureOf(fn.invoke({ hang: true }));
    expect((await invoke(fn)).invocations).toBe(1);
    expect(fn.coldStarts).toBe(2);
    expect((await busy).payload.errorType).toBe('Sandbox.Timedout');
  });

  it('gives a waiting API invocation the busy environment if it frees before the new one is ready', async () => {
    const fn = start({ warmWaitMs: 20 }).add(
      definition({ environment: { FIXTURE_INIT_DELAY_MS: '500' } }),
    );
    await invoke(fn);
    const [busy, waited] = await Promise.all([invoke(fn, { delayMs: 100 }), invoke(fn)]);
    expect([busy.invocations, waited.invocations]).toEqual([2, 3]);
    // The environment started for it is kept, warm, for the next invocation.
    expect(fn.coldStarts).toBe(2);
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    const [first, second] = await Promise.all([invoke(fn, { delayMs: 50 }), invoke(fn)]);
    expect([first.invocations, second.invocations].sort()).toEqual([1, 4]);
    expect(fn.coldStarts).toBe(2);
  });

  it('lets an API invocation that started an environment wait for it past the queue limit', async () => {
    const fn = start({ warmWaitMs: 10, queueMs: 50 }).add(
      definition({ environment: { FIXTURE_INIT_DELAY_MS: '300' } }),
    );
    await invoke(fn);
    const busy = invoke(fn, { delayMs: 1_500 });
    expect((await invoke(fn)).invocations).toBe(1);
    expect(fn.coldStarts).toBe(2);
    await busy;
  });

  it("reports a new environment's failed init to the invocation waiting for it", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fixture-'));
    onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
    const marker = join(dir, 'fail-init');
    const fn = start({ warmWaitMs: 20 }).add(
      definition({ environment: { FIXTURE_FAIL_INIT_IF: marker } }),
    );
    await invoke(fn);
    writeFileSync(marker, '');
    const busy = invoke(fn, { delayMs: 1_000 });
    const failure = await failureOf(invoke(fn));
    expect(failure.payload.errorMessage).toBe('The init phase failed');
    expect((await busy).invocations).toBe(2);
  });

  it('starts a workflow invocation in a new environment at once, as Lambda does', async () => {
    const fn = start({ warmWaitMs: 1_000 }).add(definition({ whenBusy: 'throttle' }));
    await invoke(fn);
    const started = Date.now();
    await Promise.all([invoke(fn, { delayMs: 300 }), invoke(fn)]);
    expect(fn.coldStarts).toBe(2);
    expect(Date.now() - started).toBeLessThan(1_000);
  });

  it.runIf(existsSync('/proc/thread-self'))(
    "runs a background function's environments at a lower CPU priority than the API's",
    async () => {
      const runtime = start();
      const api = runtime.add(definition({ name: 'Api' }));
      const background = runtime.add(definition({ name: 'Background', whenBusy: 'throttle' }));
      // This process's own nice value, unless it is above 10 already.
      const own = (await invoke(api)).nice ?? 0;
      expect((await invoke(background)).nice).toBe(Math.max(own, 10));
    },
  );

  it('turns away the invocations still waiting when it closes, and starts no environment after', async () => {
    const runtime = start({ warmWaitMs: 20 });
    const fn = runtime.add(definition({ timeoutSeconds: 1 }));
    await invoke(fn);
    const busy = fn.invoke({ hang: true }).catch(() => undefined);
    const waiting = failureOf(fn.invoke({}));
    await runtime.close();
    expect((await waiting).stepFunctionsError).toBe('Lambda.TooManyRequestsException');
    await busy;
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(fn.environmentCount).toBe(0);
  });

  it('throttles a queued API invocation that waited too long', async () => {
    // The queue gives up (50 ms after the call) before the busy invocation times out (100 ms
    // after its environment is ready), so the environment is never freed in time.
    const fn = start({ concurrency: 1, queueMs: 50 }).add(definition({ timeoutSeconds: 0.1 }));
    const busy = failureOf(fn.invoke({ hang: true }));
    const queued = await failureOf(fn.invoke({}));
    expect(queued.stepFunctionsError).toBe('Lambda.TooManyRequestsException');
    expect((await busy).payload.errorType).toBe('Sandbox.Timedout');
  });
});
