/**
 * Local mode: the service's own handlers and workflow on this machine, with DynamoDB
 * Local and a Step Functions emulator in place of the cloud. Each function runs as Lambda
 * runs it, in execution environments of its own (see lambda-runtime.ts), and finds the
 * emulators only through the SDK's endpoint variables. `--bundled` runs the bundles of a
 * synthesized cdk.out instead of the sources.
 */
import './tracing-off.ts';
import type { Server } from 'node:http';
import { SFNClient } from '@aws-sdk/client-sfn';
import { ROUTES, WORKFLOW_FUNCTIONS } from '../../functions/catalog.ts';
import { systemClock } from '../../functions/clock.ts';
import { documentClient } from '../../functions/tasks/store.ts';
import { fromRoot, readPackage } from '../repository.ts';
import { renderDefinition } from '../workflow/definition.ts';
import { startDynamoDBLocal } from './dynamodb.ts';
import { type ApiHandler, startGateway } from './gateway.ts';
import { LambdaRuntime, type LocalHandler } from './lambda-runtime.ts';
import {
  bundledFunctions,
  CDK_OUT,
  type LocalResources,
  localEnvironment,
  runtimeSettings,
  sourceFunctions,
} from './local-functions.ts';
import { readSettings, type Settings, SettingsError } from './settings.ts';
import { setUpLocalSignIn, signInOptionsFromEnvironment } from './sign-in.ts';
import { assertPortFree, listenError, StartupError } from './startup.ts';
import { type LocalFunction, StepFunctionsEmulator } from './stepfunctions.ts';
import { ensureTable } from './table.ts';

const REGION = 'us-east-1';
const ACCOUNT = '000000000000';
const stateMachineArn = `arn:aws:states:${REGION}:${ACCOUNT}:stateMachine:tasks-workflow`;

const bundled = process.argv.includes('--bundled');
/** What every execution environment gets besides its function's variables; endpoints are added as they start. */
const sharedEnvironment = localEnvironment(process.env);
const runtime = new LambdaRuntime({
  ...runtimeSettings(process.env),
  region: REGION,
  sharedEnvironment,
});

/** Each function's handler, as the gateway and the emulator call it: an invocation of its runtime function. */
function loadHandlers(settings: Settings): Map<string, LocalHandler> {
  const resources: LocalResources = {
    tableName: settings.tableName,
    stateMachineArn,
    serviceVersion: process.env.SERVICE_VERSION ?? readPackage().version,
    retentionDays: process.env.TASK_RETENTION_DAYS,
    workSliceSeconds: process.env.WORK_SLICE_SECONDS,
    maxRunningTasks: settings.maxRunningTasks,
  };
  const definitions = bundled ? bundledFunctions(CDK_OUT, resources) : sourceFunctions(resources);
  return new Map(
    definitions.map((definition) => [definition.name, runtime.add(definition).handler]),
  );
}

let handlers: ReturnType<typeof loadHandlers>;
function handlerOf(name: string) {
  const handler = handlers.get(name);
  if (!handler) throw new Error(`No local function ${name}`);
  return handler;
}

/** What to undo on the way out, newest first; every child process is stopped here. */
const cleanups: (() => Promise<void>)[] = [];
let stopping = false;

async function stop(code: number): Promise<void> {
  if (stopping) return;
  stopping = true;
  for (const cleanup of cleanups.reverse()) await cleanup().catch((error) => console.error(error));
  process.exit(code);
}

/** DynamoDB Local under supervision, or the DynamoDB at DYNAMODB_ENDPOINT; returns its endpoint. */
async function startDatabase(settings: Settings): Promise<string> {
  let endpoint = settings.dynamoEndpoint;
  if (!endpoint) {
    const local = await startDynamoDBLocal({
      dataDir: settings.dataDir,
      heap: settings.dynamoHeap,
      log: (message) => console.error(message),
    });
    cleanups.push(() => local.stop());
    endpoint = local.endpoint;
  }
  sharedEnvironment.AWS_ENDPOINT_URL_DYNAMODB = endpoint;
  await ensureTable(endpoint, settings.tableName);
  return endpoint;
}

async function startEmulator(): Promise<{
  emulator: StepFunctionsEmulator;
  recordFailure: { handler: LocalFunction; timeoutMs: number };
}> {
  const functionArn = (name: string) => `arn:aws:lambda:${REGION}:${ACCOUNT}:function:${name}`;
  const functions = await Promise.all(
    Object.entries(WORKFLOW_FUNCTIONS).map(async ([state, fn]) => [
      state,
      { handler: handlerOf(state), timeoutMs: fn.timeoutSeconds * 1000 },
    ]),
  );
  const emulator = new StepFunctionsEmulator({
    stateMachineArn,
    definition: renderDefinition({
      WorkFunctionArn: functionArn('Work'),
      RecordFailureFunctionArn: functionArn('RecordFailure'),
    }),
    functions: Object.fromEntries(functions),
  });
  sharedEnvironment.AWS_ENDPOINT_URL_SFN = await emulator.listen();
  cleanups.push(() => emulator.close());
  const { RecordFailure } = Object.fromEntries(functions) as Record<
    string,
    { handler: LocalFunction; timeoutMs: number }
  >;
  if (!RecordFailure) throw new Error('The workflow has no RecordFailure function');
  return { emulator, recordFailure: RecordFailure };
}

/** The HTTP API, sign-in and dashboard; returns the port and what to say about sign-in. */
async function startHttpServer(
  settings: Settings,
): Promise<{ port: number; signIn: { describe(): string } }> {
  const routes = await Promise.all(
    ROUTES.map(async (route) => ({ route, handler: handlerOf(route.name) as ApiHandler })),
  );
  const signIn = setUpLocalSignIn(signInOptionsFromEnvironment(process.env));
  const server: Server = await startGateway({
    ...signIn.gatewayOptions,
    routes,
    webDir: fromRoot('web'),
    port: settings.port,
    host: settings.host,
  }).catch((error: unknown) => {
    throw listenError(settings.host, settings.port, error);
  });
  cleanups.push(
    () =>
      new Promise<void>((done) => {
        server.close(() => done());
        server.closeAllConnections();
      }),
  );
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : settings.port;
  return { port, signIn };
}

/**
 * The reconciler AWS runs on a schedule, here at start-up (the emulator forgot every
 * execution when local mode last stopped) and then periodically, plus the emulated
 * EventBridge rule for executions that end badly. Returns how many tasks it started.
 */
async function reconcile(
  started: Awaited<ReturnType<typeof startEmulator>>,
  settings: Settings,
): Promise<number> {
  const { startLocalReconciler } = await import('./reconciler.ts');
  const reconciler = await startLocalReconciler({
    ...started,
    deps: {
      table: {
        db: documentClient({ endpoint: sharedEnvironment.AWS_ENDPOINT_URL_DYNAMODB }),
        name: settings.tableName,
        retentionSeconds: 30 * 86_400,
      },
      workflow: {
        sfn: new SFNClient({ endpoint: sharedEnvironment.AWS_ENDPOINT_URL_SFN }),
        stateMachineArn,
      },
      clock: systemClock,
      maxRunningTasks: settings.maxRunningTasks,
    },
  });
  cleanups.push(() => reconciler.stop());
  const { firstSweep } = reconciler;
  return firstSweep.started.length + firstSweep.admitted.length;
}

async function main(settings: Settings): Promise<void> {
  const started = Date.now();
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => {
      console.log(`${signal} received, stopping`);
      void stop(0);
    });
  }
  // Before Java starts, so a taken port costs nothing to report.
  await assertPortFree(settings.host, settings.port);
  Object.assign(process.env, {
    AWS_REGION: REGION,
    AWS_ACCESS_KEY_ID: process.env.AWS_ACCESS_KEY_ID ?? 'local',
    AWS_SECRET_ACCESS_KEY: process.env.AWS_SECRET_ACCESS_KEY ?? 'local',
  });
  handlers = loadHandlers(settings);
  cleanups.push(() => runtime.close());
  const dynamoEndpoint = await startDatabase(settings);
  const workflow = await startEmulator();
  const { port, signIn } = await startHttpServer(settings);
  const resumed = await reconcile(workflow, settings);
  const shown =
    settings.host === '0.0.0.0' || settings.host === '127.0.0.1' ? 'localhost' : settings.host;
  console.log(
    `Tasks service ready on http://${shown}:${port} in ${Date.now() - started} ms` +
      ` (DynamoDB at ${dynamoEndpoint}, table ${settings.tableName}` +
      `${settings.dynamoEndpoint ? '' : `, data in ${settings.dataDir}`}` +
      `${resumed ? `; ${resumed} unfinished task(s) resumed` : ''}` +
      `; at most ${settings.maxRunningTasks} tasks run at once)` +
      (bundled ? ` running the bundles in ${CDK_OUT}` : ''),
  );
  console.log(signIn.describe());
}

function settingsOrExit(): Settings {
  try {
    return readSettings();
  } catch (error) {
    if (!(error instanceof SettingsError)) throw error;
    console.error(`Local mode cannot start:\n  ${error.problems.join('\n  ')}`);
    process.exit(1);
  }
}

main(settingsOrExit()).catch((error) => {
  if (error instanceof StartupError) console.error(`Local mode cannot start: ${error.message}`);
  else console.error('Local mode failed to start:', error);
  void stop(1);
});
