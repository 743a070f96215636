/**
 * Local mode: the service's own handlers and workflow on this machine, with DynamoDB
 * Local and a Step Functions emulator in place of the cloud. The handlers find the
 * emulators only through the SDK's endpoint variables.
 */
import type { Server } from 'node:http';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ROUTES, WORKFLOW_FUNCTIONS } from '../../functions/routes.ts';
import { fromRoot, readPackage } from '../repository.ts';
import { renderDefinition } from '../workflow/definition.ts';
import { ensureTable, type LocalDynamoDB, startDynamoDBLocal } from './dynamodb.ts';
import { type ApiHandler, startGateway } from './gateway.ts';
import { setUpLocalSignIn, signInOptionsFromEnvironment } from './sign-in.ts';
import { type LocalFunction, StepFunctionsEmulator } from './stepfunctions.ts';

const REGION = 'us-east-1';
const ACCOUNT = '000000000000';
const stateMachineArn = `arn:aws:states:${REGION}:${ACCOUNT}:stateMachine:tasks-workflow`;

const settings = {
  port: Number(process.env.PORT ?? 3000),
  host: process.env.HOST ?? '127.0.0.1',
  dataDir: resolve(process.env.DATA_DIR ?? '.data'),
  dynamoEndpoint: process.env.DYNAMODB_ENDPOINT,
  tableName: process.env.TABLE_NAME ?? 'tasks',
};

if (!Number.isInteger(settings.port) || settings.port < 0 || settings.port > 65535) {
  console.error(`PORT must be a port number, got "${process.env.PORT}"`);
  process.exit(1);
}

async function importHandler<T>(entry: string): Promise<T> {
  const module = (await import(pathToFileURL(fromRoot(entry)).href)) as { handler: T };
  return module.handler;
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

async function main(): Promise<void> {
  const started = Date.now();
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => {
      console.log(`${signal} received, stopping`);
      void stop(0);
    });
  }

  Object.assign(process.env, {
    AWS_REGION: REGION,
    AWS_ACCESS_KEY_ID: process.env.AWS_ACCESS_KEY_ID ?? 'local',
    AWS_SECRET_ACCESS_KEY: process.env.AWS_SECRET_ACCESS_KEY ?? 'local',
  });
  let dynamo: Pick<LocalDynamoDB, 'endpoint'>;
  if (settings.dynamoEndpoint) {
    dynamo = { endpoint: settings.dynamoEndpoint };
  } else {
    const local = await startDynamoDBLocal(settings.dataDir);
    cleanups.push(() => local.stop());
    await local.ready();
    dynamo = local;
  }

  Object.assign(process.env, {
    AWS_ENDPOINT_URL_DYNAMODB: dynamo.endpoint,
    TABLE_NAME: settings.tableName,
    SERVICE_VERSION: process.env.SERVICE_VERSION ?? readPackage().version,
    STATE_MACHINE_ARN: stateMachineArn,
  });
  await ensureTable(dynamo.endpoint, settings.tableName);

  const functionArn = (name: string) => `arn:aws:lambda:${REGION}:${ACCOUNT}:function:${name}`;
  const functions = await Promise.all(
    Object.entries(WORKFLOW_FUNCTIONS).map(async ([state, fn]) => [
      state,
      {
        handler: await importHandler<LocalFunction>(fn.entry),
        timeoutMs: fn.timeoutSeconds * 1000,
      },
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
  process.env.AWS_ENDPOINT_URL_SFN = await emulator.listen();
  cleanups.push(() => emulator.close());

  const routes = await Promise.all(
    ROUTES.map(async (route) => ({ route, handler: await importHandler<ApiHandler>(route.entry) })),
  );
  const signIn = setUpLocalSignIn(signInOptionsFromEnvironment(process.env));
  const server: Server = await startGateway({
    ...signIn.gatewayOptions,
    routes,
    webDir: fromRoot('web'),
    port: settings.port,
    host: settings.host,
  });
  cleanups.push(
    () =>
      new Promise<void>((done) => {
        server.close(() => done());
        server.closeAllConnections();
      }),
  );

  // The emulator forgot every execution when local mode last stopped: start them again.
  // RUNNING first, since a PENDING task resumed first would be RUNNING by then.
  const { resumeTasks } = await import('../../functions/worker/resume-tasks.ts');
  const { tableFromEnvironment } = await import('../../functions/tasks/store.ts');
  const { workflowFromEnvironment } = await import('../../functions/tasks/launcher.ts');
  const workflow = { table: tableFromEnvironment(), workflow: workflowFromEnvironment() };
  const resumed = (await resumeTasks(workflow, ['RUNNING', 'PENDING'], new Date())).length;
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : settings.port;
  const shown =
    settings.host === '0.0.0.0' || settings.host === '127.0.0.1' ? 'localhost' : settings.host;
  console.log(
    `Tasks service ready on http://${shown}:${port} in ${Date.now() - started} ms` +
      ` (DynamoDB at ${dynamo.endpoint}, table ${settings.tableName}` +
      `${settings.dynamoEndpoint ? '' : `, data in ${settings.dataDir}`}` +
      `${resumed ? `; ${resumed} unfinished task(s) resumed` : ''})`,
  );
  console.log(signIn.describe());
}

main().catch((error) => {
  console.error('Local mode failed to start:', error);
  void stop(1);
});
