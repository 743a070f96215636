import { Duration } from 'aws-cdk-lib';
import type { HttpApi } from 'aws-cdk-lib/aws-apigatewayv2';
import {
  AlarmStatusWidget,
  Dashboard,
  GraphWidget,
  type IMetric,
  Stats,
  TextWidget,
} from 'aws-cdk-lib/aws-cloudwatch';
import type { StateMachine } from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import type { ServiceAlarms } from './alarms.ts';
import type { ServiceFunction } from './service-function.ts';

export interface OperationsDashboardProps {
  api: HttpApi;
  functions: ReadonlyMap<string, ServiceFunction>;
  stateMachine: StateMachine;
  alarms: ServiceAlarms;
}

const period = Duration.minutes(5);
const sum = { statistic: Stats.SUM, period };

/**
 * One CloudWatch dashboard with the golden signals: traffic, errors and latency of the API,
 * the workflow's executions, task outcomes, and saturation (throttles) of Lambda and DynamoDB.
 */
export class OperationsDashboard extends Construct {
  readonly dashboard: Dashboard;

  constructor(scope: Construct, id: string, props: OperationsDashboardProps) {
    super(scope, id);
    const { api, stateMachine, alarms } = props;
    const functions = [...props.functions.entries()];
    const graph = (title: string, left: IMetric[], right: IMetric[] = []) =>
      new GraphWidget({ title, left, right, width: 8, height: 6 });

    this.dashboard = new Dashboard(this, 'Dashboard', {
      defaultInterval: Duration.hours(3),
    });
    this.dashboard.addWidgets(
      new TextWidget({
        markdown: '# Tasks service\nEach alarm and what to look at first: README, "Operations".',
        width: 24,
        height: 2,
      }),
    );
    this.dashboard.addWidgets(
      new AlarmStatusWidget({ title: 'Alarms', alarms: alarms.alarms, width: 24, height: 4 }),
    );
    this.dashboard.addWidgets(
      graph('API requests', [api.metricCount({ ...sum, label: 'Requests' })]),
      graph(
        'API errors',
        [
          api.metricClientError({ ...sum, label: '4xx' }),
          api.metricServerError({ ...sum, label: '5xx' }),
        ],
        [alarms.apiServerErrorRate],
      ),
      graph('API latency (ms)', [
        api.metricLatency({ statistic: Stats.p(50), period, label: 'p50' }),
        api.metricLatency({ statistic: Stats.p(99), period, label: 'p99' }),
        api.metricIntegrationLatency({ statistic: Stats.p(99), period, label: 'Lambda p99' }),
      ]),
    );
    this.dashboard.addWidgets(
      graph('Workflow executions', [
        stateMachine.metricStarted({ ...sum, label: 'Started' }),
        stateMachine.metricSucceeded({ ...sum, label: 'Succeeded' }),
        stateMachine.metricFailed({ ...sum, label: 'Failed' }),
        stateMachine.metricTimedOut({ ...sum, label: 'Timed out' }),
        stateMachine.metricAborted({ ...sum, label: 'Aborted' }),
      ]),
      graph(
        'Task outcomes',
        [
          alarms.taskSucceeded.with({ label: 'Succeeded' }),
          alarms.taskFailed.with({ label: 'Failed' }),
        ],
        [alarms.taskFailureRate],
      ),
      graph('Throttles', [
        ...functions.map(([name, fn]) => fn.function.metricThrottles({ ...sum, label: name })),
        alarms.tableThrottles,
      ]),
    );
    this.dashboard.addWidgets(
      graph(
        'Function errors',
        functions.map(([name, fn]) => fn.function.metricErrors({ ...sum, label: name })),
      ),
      graph(
        'Function duration p99 (ms)',
        functions.map(([name, fn]) =>
          fn.function.metricDuration({ statistic: Stats.p(99), period, label: name }),
        ),
      ),
      graph(
        'Concurrent executions',
        functions.map(([name, fn]) =>
          fn.function.metric('ConcurrentExecutions', {
            statistic: Stats.MAXIMUM,
            period,
            label: name,
          }),
        ),
      ),
    );
  }
}
