/**
 * The functions local mode runs, defined as the stack defines them: from the route table
 * (TypeScript sources) or from a synthesized template (the bundles in cdk.out).
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  API_TIMEOUT_SECONDS,
  admitsTasks,
  DEFAULT_ROUTE,
  ROUTES,
  WORK_SLICE_SECONDS,
  WORKFLOW_FUNCTIONS,
  type WorkflowAction,
} from '../../functions/catalog.ts';
import { METRICS_NAMESPACE } from '../../functions/config.ts';
import { fromRoot } from '../repository.ts';
import { type FunctionDefinition, RUNTIME_DEFAULTS } from './lambda-runtime.ts';

/** The values that stand in, locally, for the stack's resources. */
export interface LocalResources {
  tableName: string;
  stateMachineArn: string;
  serviceVersion: string;
  /** The settings the stack takes from its context, here from local mode's environment. */
  retentionDays?: string;
  workSliceSeconds?: string;
  /** MAX_RUNNING_TASKS: the admission cap, and the Work function's reserved concurrency. */
  maxRunningTasks: number;
}

const SERVICE_NAME = 'tasks-service';

/** The API's functions and the workflow's, from their sources, with the stack's variables. */
export function sourceFunctions(resources: LocalResources): FunctionDefinition[] {
  const common = {
    POWERTOOLS_SERVICE_NAME: SERVICE_NAME,
    POWERTOOLS_METRICS_NAMESPACE: METRICS_NAMESPACE,
    SERVICE_VERSION: resources.serviceVersion,
    TABLE_NAME: resources.tableName,
    TASK_RETENTION_DAYS: resources.retentionDays ?? '30',
  };
  // What the stack gives a function by its declared workflow access (service-function.ts).
  const workflowVariables = (fn: { workflow?: readonly WorkflowAction[] }) => ({
    ...(fn.workflow && { STATE_MACHINE_ARN: resources.stateMachineArn }),
    ...(admitsTasks(fn) && { MAX_RUNNING_TASKS: String(resources.maxRunningTasks) }),
  });
  const api = ROUTES.map(
    (route): FunctionDefinition => ({
      name: route.name,
      modulePath: fromRoot(route.entry),
      timeoutSeconds: API_TIMEOUT_SECONDS,
      environment: { ...common, ...workflowVariables(route) },
      whenBusy: 'queue',
    }),
  );
  const workflow = Object.entries(WORKFLOW_FUNCTIONS).map(
    ([name, fn]): FunctionDefinition => ({
      name,
      modulePath: fromRoot(fn.entry),
      timeoutSeconds: fn.timeoutSeconds,
      environment: {
        ...common,
        ...workflowVariables(fn),
        ...(name === 'Work' && {
          WORK_SLICE_SECONDS: resources.workSliceSeconds ?? String(WORK_SLICE_SECONDS),
        }),
      },
      whenBusy: 'throttle',
      ...(name === 'Work' && { reservedConcurrency: resources.maxRunningTasks }),
    }),
  );
  return [...api, ...workflow];
}

interface TemplateResource {
  Type: string;
  Metadata?: Record<string, string>;
  Properties: {
    Handler?: string;
    Timeout?: number;
    ReservedConcurrentExecutions?: number;
    MemorySize?: number;
    Environment?: { Variables?: Record<string, unknown> };
  };
}

/** Names the synthesized template's functions by their construct (`Api/CreateTask/…`). */
const FUNCTION_PATH = /\/(?:Api|Workflow)\/(\w+)\/Function\/Resource$/;

/**
 * The same functions as their bundles in a synthesized `cdk.out`: each bundle's directory is
 * its function's `aws:asset:path`, and its environment exactly the template's, with each
 * resource reference replaced by the local stand-in.
 */
export function bundledFunctions(cdkOut: string, resources: LocalResources): FunctionDefinition[] {
  const templatePath = join(cdkOut, stackTemplate(cdkOut));
  if (!existsSync(templatePath)) {
    throw new Error(`No synthesized template at ${templatePath}: run \`npm run synth\` first`);
  }
  const template = JSON.parse(readFileSync(templatePath, 'utf8')) as {
    Resources: Record<string, TemplateResource>;
  };
  // Every service function; local mode calls those of the routes and the workflow.
  const api = new Set<string>([...ROUTES.map((r) => r.name), DEFAULT_ROUTE.name]);
  const wanted = new Set<string>([...api, ...Object.keys(WORKFLOW_FUNCTIONS), 'ResumeTasks']);
  const definitions: FunctionDefinition[] = [];
  for (const resource of Object.values(template.Resources)) {
    if (resource.Type !== 'AWS::Lambda::Function') continue;
    const name = FUNCTION_PATH.exec(resource.Metadata?.['aws:cdk:path'] ?? '')?.[1];
    const asset = resource.Metadata?.['aws:asset:path'];
    if (!name || !wanted.has(name) || !asset) continue;
    const [file = 'index', exportName = 'handler'] = (resource.Properties.Handler ?? '').split('.');
    definitions.push({
      name,
      modulePath: join(cdkOut, asset, `${file}.mjs`),
      exportName,
      timeoutSeconds: resource.Properties.Timeout ?? 3,
      memorySize: resource.Properties.MemorySize ?? 128,
      environment: resolveVariables(
        resource.Properties.Environment?.Variables ?? {},
        template.Resources,
        resources,
      ),
      whenBusy: api.has(name) ? 'queue' : 'throttle',
      // The template's cap is the stack's maxRunningTasks; locally MAX_RUNNING_TASKS decides.
      ...(resource.Properties.ReservedConcurrentExecutions !== undefined && {
        reservedConcurrency: resources.maxRunningTasks,
      }),
    });
  }
  const missing = [...wanted].filter((name) => !definitions.some((d) => d.name === name));
  if (missing.length > 0) {
    throw new Error(`The template at ${templatePath} has no bundle for ${missing.join(', ')}`);
  }
  return definitions;
}

function resolveVariables(
  variables: Record<string, unknown>,
  all: Record<string, TemplateResource>,
  resources: LocalResources,
): Record<string, string> {
  const resolve = (name: string, value: unknown): string => {
    if (typeof value === 'string') return value;
    // Work and RecordFailure get it built from the state machine's fixed name (Fn::Join).
    if (name === 'STATE_MACHINE_ARN') return resources.stateMachineArn;
    const ref = (value as { Ref?: string }).Ref;
    const type = ref ? all[ref]?.Type : undefined;
    if (type === 'AWS::DynamoDB::GlobalTable' || type === 'AWS::DynamoDB::Table') {
      return resources.tableName;
    }
    if (type === 'AWS::StepFunctions::StateMachine') return resources.stateMachineArn;
    throw new Error(`No local value for ${name}: ${JSON.stringify(value)}`);
  };
  const resolved = Object.fromEntries(
    Object.entries(variables).map(([name, value]) => [name, resolve(name, value)]),
  );
  if (resolved.MAX_RUNNING_TASKS !== undefined) {
    resolved.MAX_RUNNING_TASKS = String(resources.maxRunningTasks);
  }
  return resolved;
}

/** The stack's template: the default stage's, or the only stage synthesized. */
function stackTemplate(cdkOut: string): string {
  const templates = existsSync(cdkOut)
    ? readdirSync(cdkOut).filter((file) => /^tasks-service-.+\.template\.json$/.test(file))
    : [];
  const only = templates.length === 1 ? templates[0] : undefined;
  return only ?? 'tasks-service-dev.template.json';
}

/** cdk.out at the repository root, where `npm run synth` writes it. */
export const CDK_OUT = fromRoot('cdk.out');

/**
 * What every local execution environment gets besides its function's own variables: the
 * credentials the emulators accept, tracing off (no X-Ray daemon here), Powertools'
 * pretty-printed logs unless the user chose otherwise, with the metrics still printed (dev
 * mode would silence them), and the user's other Powertools settings (e.g. the log level).
 * https://docs.powertools.aws.dev/lambda/typescript/latest/environment-variables/
 */
export function localEnvironment(env: NodeJS.ProcessEnv): Record<string, string> {
  const powertools = Object.entries(env).filter(
    (entry): entry is [string, string] =>
      entry[0].startsWith('POWERTOOLS_') && entry[1] !== undefined,
  );
  return {
    AWS_ACCESS_KEY_ID: env.AWS_ACCESS_KEY_ID ?? 'local',
    AWS_SECRET_ACCESS_KEY: env.AWS_SECRET_ACCESS_KEY ?? 'local',
    POWERTOOLS_DEV: 'true',
    POWERTOOLS_METRICS_DISABLED: 'false',
    // With it, the functions do not load the X-Ray SDK (functions/observability.ts).
    POWERTOOLS_TRACE_ENABLED: 'false',
    ...Object.fromEntries(powertools),
  };
}

/** LOCAL_CONCURRENCY (environments per function) and LOCAL_IDLE_SECONDS (before one is reaped). */
export function runtimeSettings(env: NodeJS.ProcessEnv): { concurrency: number; idleMs: number } {
  const whole = (name: string, fallback: number, max: number): number => {
    const raw = env[name];
    if (raw === undefined || raw === '') return fallback;
    const value = Number(raw);
    if (!/^\d+$/.test(raw) || value < 1 || value > max) {
      throw new Error(`${name} must be a whole number from 1 to ${max}, got "${raw}"`);
    }
    return value;
  };
  return {
    concurrency: whole('LOCAL_CONCURRENCY', RUNTIME_DEFAULTS.concurrency, 100),
    idleMs: whole('LOCAL_IDLE_SECONDS', RUNTIME_DEFAULTS.idleMs / 1000, 3600) * 1000,
  };
}
