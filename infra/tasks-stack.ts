import { CfnOutput, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { Dashboard } from './constructs/dashboard.ts';
import type { FunctionDefaults } from './constructs/service-function.ts';
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

/** The whole service in one environment-agnostic stack: table, workflow, API and dashboard. */
export class TasksStack extends Stack {
  readonly tasks: TasksTable;
  readonly workflow: TaskWorkflow;
  readonly api: TasksApi;
  readonly dashboard: Dashboard;

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
    });
    this.api = new TasksApi(this, 'Api', {
      tasks: this.tasks,
      workflow: this.workflow.stateMachine,
      defaults,
      throttle: {
        rateLimit: settings.apiThrottleRateLimit,
        burstLimit: settings.apiThrottleBurstLimit,
      },
    });
    this.dashboard = new Dashboard(this, 'Dashboard', {
      apiDomainName: this.api.domainName,
      apiPaths: API_PATH_PATTERNS,
      logRetention: settings.logRetentionDays,
      removalPolicy,
    });

    new CfnOutput(this, 'DashboardUrl', {
      description: 'The dashboard; the API is also served here under /tasks and /health',
      value: `https://${this.dashboard.distribution.distributionDomainName}`,
    });
    new CfnOutput(this, 'ApiUrl', {
      description: 'The HTTP API, directly',
      value: this.api.stage.url,
    });
  }
}
