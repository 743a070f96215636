import {
  Annotations,
  Aws,
  CfnOutput,
  Lazy,
  RemovalPolicy,
  Stack,
  type StackProps,
} from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { admitsTasks, DEFAULT_ROUTE, ROUTES } from '../functions/catalog.ts';
import { ServiceAlarms } from './constructs/alarms.ts';
import { Dashboard } from './constructs/dashboard.ts';
import { OperationsDashboard } from './constructs/operations-dashboard.ts';
import type { FunctionDefaults, ServiceFunction } from './constructs/service-function.ts';
import { SignIn } from './constructs/sign-in.ts';
import { TaskWorkflow } from './constructs/task-workflow.ts';
import { TasksApi } from './constructs/tasks-api.ts';
import { TasksTable } from './constructs/tasks-table.ts';
import { readPackage } from './repository.ts';
import type { TasksSettings } from './settings.ts';

/** The paths CloudFront sends to the API; together they cover every route of the route table. */
export const API_PATH_PATTERNS = ['/tasks*', '/health'] as const;

export interface TasksStackProps extends StackProps {
  settings: TasksSettings;
}

/**
 * The whole service in one environment-agnostic stack: table, workflow, API, dashboard, and the
 * alarms and CloudWatch dashboard that watch them.
 */
export class TasksStack extends Stack {
  readonly tasks: TasksTable;
  readonly workflow: TaskWorkflow;
  readonly api: TasksApi;
  readonly dashboard: Dashboard;
  readonly alarms: ServiceAlarms;
  readonly operations: OperationsDashboard;
  /** Cognito sign-in; undefined when deployed with `-c auth=none`. */
  readonly signIn: SignIn | undefined;

  constructor(scope: Construct, id: string, props: TasksStackProps) {
    super(scope, id, props);
    const { settings } = props;
    const removalPolicy =
      settings.removalPolicy === 'destroy' ? RemovalPolicy.DESTROY : RemovalPolicy.RETAIN;
    const service = readPackage();
    const defaults: FunctionDefaults = {
      logRetention: settings.logRetentionDays,
      removalPolicy,
      serviceName: service.name,
      serviceVersion: service.version,
    };

    this.tasks = new TasksTable(this, 'Tasks', {
      retentionDays: settings.taskRetentionDays,
      removalPolicy,
    });
    this.workflow = new TaskWorkflow(this, 'Workflow', {
      tasks: this.tasks,
      defaults,
      logExecutionData: settings.logExecutionData,
      maxRunningTasks: settings.maxRunningTasks,
    });
    this.signIn = this.addSignIn(settings, service.name);
    this.api = new TasksApi(this, 'Api', {
      authorizer: this.signIn?.authorizer,
      tasks: this.tasks,
      workflow: this.workflow.stateMachine,
      defaults,
      throttle: {
        rateLimit: settings.apiThrottleRateLimit,
        burstLimit: settings.apiThrottleBurstLimit,
      },
    });
    // The routes that start executions admit tasks (create, and cancel and delete, which free slots).
    for (const route of ROUTES.filter(admitsTasks)) {
      this.api.functions.get(route.name)?.admitTasks(settings.maxRunningTasks);
    }
    this.dashboard = new Dashboard(this, 'Dashboard', {
      apiDomainName: this.api.domainName,
      apiPaths: API_PATH_PATTERNS,
      logRetention: settings.logRetentionDays,
      removalPolicy,
      config: this.signIn ? { auth: 'oidc', ...this.signIn.dashboardSettings() } : { auth: 'none' },
      signInOrigin: this.signIn?.domain.baseUrl(),
    });

    const functions = this.serviceFunctions();
    this.alarms = new ServiceAlarms(this, 'Alarms', {
      api: this.api.api,
      functions,
      stateMachine: this.workflow.stateMachine,
      table: this.tasks.table,
      serviceName: service.name,
      alarmEmail: settings.alarmEmail,
    });
    this.operations = new OperationsDashboard(this, 'Operations', {
      api: this.api.api,
      functions,
      stateMachine: this.workflow.stateMachine,
      alarms: this.alarms,
    });
    this.addOutputs();
  }

  /** What a deployer needs next: where the service is, how to sign in, where alarms go. */
  private addOutputs(): void {
    new CfnOutput(this, 'DashboardUrl', {
      description: 'The dashboard; the API is also served here under /tasks and /health',
      value: `https://${this.dashboard.distribution.distributionDomainName}`,
    });
    new CfnOutput(this, 'ApiUrl', {
      description:
        'The HTTP API, directly: the host CloudFront forwards to, kept on until there is a custom domain',
      value: this.api.stage.url,
    });
    if (this.signIn) {
      new CfnOutput(this, 'UserPoolId', {
        description: 'Create users here: aws cognito-idp admin-create-user --user-pool-id <this>',
        value: this.signIn.userPool.userPoolId,
      });
      new CfnOutput(this, 'SignInDomain', {
        description: 'Cognito managed login; machines get tokens at <this>/oauth2/token',
        value: this.signIn.domain.baseUrl(),
      });
      new CfnOutput(this, 'MachineClientId', {
        description: 'The client credentials app client; its secret is in the Cognito console',
        value: this.signIn.machineClient.userPoolClientId,
      });
      new CfnOutput(this, 'OperatorClientId', {
        description: 'Client credentials with tasks/admin (every owner); secret in the console',
        value: this.signIn.operatorClient.userPoolClientId,
      });
    }
    new CfnOutput(this, 'AlarmTopicArn', {
      description: 'Every alarm and recovery is published here; subscribe to be told',
      value: this.alarms.topic.topicArn,
    });
  }

  /**
   * Cognito sign-in, its callback and sign-out URL the dashboard's address (known once the
   * distribution exists, hence lazy); with `-c auth=none` nothing, and a warning.
   */
  private addSignIn(settings: TasksSettings, serviceName: string): SignIn | undefined {
    if (settings.auth === 'none') {
      Annotations.of(this).addWarningV2(
        'tasks:auth-none',
        'Deployed with auth=none: the API and the dashboard are open to anyone, who can list, ' +
          'cancel and delete every task and create tasks at your cost.',
      );
      return undefined;
    }
    const dashboardUrl = Lazy.string({
      produce: () => `https://${this.dashboard.distribution.distributionDomainName}/`,
    });
    return new SignIn(this, 'SignIn', {
      // Unique per account and region; Cognito refuses names with "aws", "amazon" or "cognito".
      domainPrefix: `${serviceName}-${settings.stage.toLowerCase()}-${Aws.ACCOUNT_ID}`,
      callbackUrls: [dashboardUrl],
      logoutUrls: [dashboardUrl],
      selfSignUp: settings.selfSignUp,
      removalPolicy: settings.removalPolicy,
    });
  }

  /** Every function of the service, by name: the routes', the default route's, the workflow's. */
  serviceFunctions(): ReadonlyMap<string, ServiceFunction> {
    return new Map([
      ...this.api.functions,
      [DEFAULT_ROUTE.name, this.api.notFound],
      ['Work', this.workflow.work],
      ['RecordFailure', this.workflow.recordFailure],
      ['ResumeTasks', this.workflow.resume],
    ]);
  }
}
