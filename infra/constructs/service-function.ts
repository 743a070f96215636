import { ArnFormat, type Duration, type RemovalPolicy, Stack } from 'aws-cdk-lib';
import { PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Architecture, Runtime, Tracing } from 'aws-cdk-lib/aws-lambda';
import {
  type BundlingOptions,
  LogLevel,
  NodejsFunction,
  OutputFormat,
} from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import type { TableAccess, WorkflowAction } from '../../functions/catalog.ts';
import { METRICS_NAMESPACE } from '../../functions/config.ts';
import { fromRoot } from '../repository.ts';
import { acknowledgeWildcardResource } from './acknowledge.ts';
import type { TasksTable } from './tasks-table.ts';

/** What every function of the service shares. */
export interface FunctionDefaults {
  logRetention: RetentionDays;
  removalPolicy: RemovalPolicy;
  serviceName: string;
  serviceVersion: string;
}

export interface ServiceFunctionProps {
  /** The handler module, from the repository root; it exports `handler`. */
  entry: string;
  description: string;
  timeout: Duration;
  defaults: FunctionDefaults;
  memorySize?: number;
  environment?: Record<string, string>;
  /** Its concurrent executions at most, reserved out of the account's (none when omitted). */
  reservedConcurrentExecutions?: number;
}

/** The state machine a function acts on: the construct, or its ARN and name built beforehand. */
export interface WorkflowRef {
  stateMachineArn: string;
  stateMachineName: string;
}

const BUNDLING: BundlingOptions = {
  format: OutputFormat.ESM,
  mainFields: ['module', 'main'],
  target: 'node24',
  minify: true,
  sourceMap: true,
  sourcesContent: false,
  logLevel: LogLevel.WARNING,
  // The SDK version the tests ran against, not whichever the runtime ships.
  bundleAwsSDK: true,
  // Bundled CommonJS dependencies call `require`, which an ES module lacks.
  banner:
    "import { createRequire as __createRequire } from 'node:module';" +
    'const require = __createRequire(import.meta.url);',
};

/**
 * One Lambda function with the service's defaults (Node 24 on arm64, an ESM bundle with
 * source maps, its own log group with bounded retention, active tracing, a role of its own
 * with no managed policy). Access is added only through the methods below, each of which
 * sets the environment variable the handler reads together with the grant it needs.
 */
export class ServiceFunction extends Construct {
  readonly function: NodejsFunction;
  readonly role: Role;
  readonly logGroup: LogGroup;

  constructor(scope: Construct, id: string, props: ServiceFunctionProps) {
    super(scope, id);
    const { defaults } = props;
    this.logGroup = new LogGroup(this, 'Logs', {
      retention: defaults.logRetention,
      removalPolicy: defaults.removalPolicy,
    });
    this.role = new Role(this, 'Role', {
      assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
      description: props.description,
    });
    this.logGroup.grantWrite(this.role);
    this.function = new NodejsFunction(this, 'Function', {
      entry: fromRoot(props.entry),
      handler: 'handler',
      depsLockFilePath: fromRoot('package-lock.json'),
      projectRoot: fromRoot('.'),
      bundling: BUNDLING,
      // nodejs24.x takes only async handlers, as all of ours are:
      // https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtimes.html
      runtime: Runtime.NODEJS_24_X,
      architecture: Architecture.ARM_64,
      memorySize: props.memorySize ?? 256,
      timeout: props.timeout,
      ...(props.reservedConcurrentExecutions !== undefined && {
        reservedConcurrentExecutions: props.reservedConcurrentExecutions,
      }),
      description: props.description,
      role: this.role,
      logGroup: this.logGroup,
      tracing: Tracing.ACTIVE,
      environment: {
        POWERTOOLS_SERVICE_NAME: defaults.serviceName,
        POWERTOOLS_METRICS_NAMESPACE: METRICS_NAMESPACE,
        SERVICE_VERSION: defaults.serviceVersion,
        NODE_OPTIONS: '--enable-source-maps',
        ...props.environment,
      },
    });
    acknowledgeWildcardResource(
      this.role,
      '*',
      "Active tracing's xray:PutTraceSegments and xray:PutTelemetryRecords support no " +
        'resource-level permissions; this role has no other statement on "*".',
    );
  }

  /** TABLE_NAME and TASK_RETENTION_DAYS, with exactly the declared actions on that table. */
  useTable(tasks: TasksTable, access: TableAccess): this {
    this.function.addEnvironment('TABLE_NAME', tasks.table.tableName);
    this.function.addEnvironment('TASK_RETENTION_DAYS', String(tasks.retentionDays));
    // Not table.grant(): that adds the indexes to every grant once the table has any.
    const { items = [], indexes = [] } = access;
    if (items.length > 0) this.allowOnTable(items, tasks.table.tableArn);
    if (indexes.length > 0) {
      const allIndexes = `${tasks.table.tableArn}/index/*`;
      this.allowOnTable(indexes, allIndexes);
      acknowledgeWildcardResource(
        this.role,
        allIndexes,
        "Covers only this table's own indexes (by-creation, by-status), which listing queries.",
      );
    }
    return this;
  }

  private allowOnTable(actions: readonly string[], resource: string): void {
    this.role.addToPrincipalPolicy(
      new PolicyStatement({
        actions: actions.map((action) => `dynamodb:${action}`),
        resources: [resource],
      }),
    );
  }

  /** STATE_MACHINE_ARN, with exactly the declared actions on that state machine's executions. */
  allowOnWorkflow(workflow: WorkflowRef, actions: readonly WorkflowAction[]): this {
    for (const action of actions) {
      if (action === 'StartExecution') {
        this.function.addEnvironment('STATE_MACHINE_ARN', workflow.stateMachineArn);
        this.role.addToPrincipalPolicy(
          new PolicyStatement({
            actions: ['states:StartExecution'],
            resources: [workflow.stateMachineArn],
          }),
        );
      } else {
        this.allowOnExecutions(workflow, `states:${action}`);
      }
    }
    return this;
  }

  /** MAX_RUNNING_TASKS, for a function that admits tasks (catalog.ts `admitsTasks`). */
  admitTasks(maxRunningTasks: number): this {
    this.function.addEnvironment('MAX_RUNNING_TASKS', String(maxRunningTasks));
    return this;
  }

  private allowOnExecutions(workflow: WorkflowRef, action: string): this {
    this.function.addEnvironment('STATE_MACHINE_ARN', workflow.stateMachineArn);
    const executions = Stack.of(this).formatArn({
      service: 'states',
      resource: 'execution',
      resourceName: `${workflow.stateMachineName}:*`,
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    });
    this.role.addToPrincipalPolicy(
      new PolicyStatement({ actions: [action], resources: [executions] }),
    );
    acknowledgeWildcardResource(
      this.role,
      executions,
      'Each execution is named by its task id, which is only known at run time; the ' +
        'wildcard spans the executions of this one state machine and nothing else.',
    );
    return this;
  }
}
