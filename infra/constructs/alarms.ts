import { ArnFormat, Duration, Stack } from 'aws-cdk-lib';
import type { HttpApi } from 'aws-cdk-lib/aws-apigatewayv2';
import {
  Alarm,
  ComparisonOperator,
  type IMetric,
  MathExpression,
  Metric,
  Stats,
  TreatMissingData,
} from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import { Operation, type TableV2 } from 'aws-cdk-lib/aws-dynamodb';
import { PolicyStatement, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Key } from 'aws-cdk-lib/aws-kms';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import type { StateMachine } from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import type { ServiceFunction } from './service-function.ts';

/**
 * The task outcome metrics the workflow's functions emit with Powertools Metrics (EMF): one
 * TaskSucceeded or TaskFailed per finished task, dimension `service` only (Powertools' default,
 * from POWERTOOLS_SERVICE_NAME). A metric with any other dimension set is another metric, so
 * the alarm below would not see it (https://docs.powertools.aws.dev/lambda/typescript/latest/features/metrics/).
 */
export const TASK_METRICS = {
  namespace: 'TasksService',
  succeeded: 'TaskSucceeded',
  failed: 'TaskFailed',
  dimension: 'service',
} as const;

/** The DynamoDB operations the handlers call (functions/catalog.ts grants no others). */
const TABLE_OPERATIONS = [
  Operation.GET_ITEM,
  Operation.PUT_ITEM,
  Operation.UPDATE_ITEM,
  Operation.DELETE_ITEM,
  Operation.QUERY,
];

export interface ServiceAlarmsProps {
  api: HttpApi;
  /** Every function of the service, by the name the alarms carry. */
  functions: ReadonlyMap<string, ServiceFunction>;
  stateMachine: StateMachine;
  table: TableV2;
  /** The `service` dimension of the task outcome metrics. */
  serviceName: string;
  /** E-mailed on every alarm and recovery; empty for no subscription. */
  alarmEmail: string;
}

/**
 * The alarms that mean someone should look, all sent to one encrypted SNS topic. Lambda errors
 * count only what a handler did not answer itself (a timeout, a crash, running out of memory):
 * the API's handlers turn their own faults into 500 responses, which the API's 5xx rate counts.
 */
export class ServiceAlarms extends Construct {
  readonly topic: Topic;
  readonly alarms: Alarm[] = [];
  /** The API's 5xx responses as a percentage of its requests. */
  readonly apiServerErrorRate: MathExpression;
  /** Failed tasks as a percentage of the tasks that finished. */
  readonly taskFailureRate: MathExpression;
  readonly taskSucceeded: Metric;
  readonly taskFailed: Metric;
  readonly tableThrottles: IMetric;

  constructor(scope: Construct, id: string, props: ServiceAlarmsProps) {
    super(scope, id);
    this.topic = this.encryptedTopic();
    if (props.alarmEmail) this.topic.addSubscription(new EmailSubscription(props.alarmEmail));

    const fiveMinutes = Duration.minutes(5);
    this.apiServerErrorRate = new MathExpression({
      label: 'API 5xx (% of requests)',
      expression: 'IF(requests > 0, 100 * FILL(errors, 0) / requests, 0)',
      usingMetrics: {
        errors: props.api.metricServerError({ statistic: Stats.SUM, period: fiveMinutes }),
        requests: props.api.metricCount({ statistic: Stats.SUM, period: fiveMinutes }),
      },
      period: fiveMinutes,
    });
    this.add('ApiServerErrorRate', {
      metric: this.apiServerErrorRate,
      threshold: 5,
      description: 'More than 5% of API requests answered 5xx over 5 minutes',
    });

    for (const [name, handler] of props.functions) {
      this.add(`${name}Errors`, {
        metric: handler.function.metricErrors({ statistic: Stats.SUM, period: fiveMinutes }),
        threshold: 1,
        description: `${name}: an invocation ended in an error (timeout, crash, out of memory)`,
      });
      // Work's reserved concurrency is the admission cap: a finishing invocation still hands
      // its slot on while the next task's first one starts, so a throttle there is a brief
      // wait, retried by the workflow. Only throttling through three periods in a row is news.
      const sustained = name === 'Work' ? 3 : 1;
      this.add(`${name}Throttles`, {
        metric: handler.function.metricThrottles({ statistic: Stats.SUM, period: fiveMinutes }),
        threshold: 1,
        evaluationPeriods: sustained,
        description:
          sustained > 1
            ? `${name}: Lambda refused invocations for lack of concurrency for 15 minutes`
            : `${name}: Lambda refused an invocation for lack of concurrency`,
      });
    }

    const { stateMachine } = props;
    this.add('ExecutionsFailed', {
      metric: stateMachine.metricFailed({ statistic: Stats.SUM, period: fiveMinutes }),
      threshold: 1,
      description: 'A workflow execution failed (its own Catch did not handle the error)',
    });
    this.add('ExecutionsTimedOut', {
      metric: stateMachine.metricTimedOut({ statistic: Stats.SUM, period: fiveMinutes }),
      threshold: 1,
      description: 'A workflow execution ran past its timeout',
    });
    // Cancel and delete stop executions, so aborts are normal; only a wave of them is news.
    const hour = Duration.hours(1);
    this.add('ExecutionsAborted', {
      metric: new MathExpression({
        label: 'Aborted executions (% of started)',
        expression: 'IF(started >= 10, 100 * FILL(aborted, 0) / started, 0)',
        usingMetrics: {
          aborted: stateMachine.metricAborted({ statistic: Stats.SUM, period: hour }),
          started: stateMachine.metricStarted({ statistic: Stats.SUM, period: hour }),
        },
        period: hour,
      }),
      threshold: 50,
      description:
        'Over an hour with at least 10 executions started, more than half were aborted ' +
        '(cancel and delete abort executions, so a few are expected)',
    });

    const taskMetric = (metricName: string) =>
      new Metric({
        namespace: TASK_METRICS.namespace,
        metricName,
        dimensionsMap: { [TASK_METRICS.dimension]: props.serviceName },
        statistic: Stats.SUM,
        period: Duration.minutes(30),
      });
    this.taskSucceeded = taskMetric(TASK_METRICS.succeeded);
    this.taskFailed = taskMetric(TASK_METRICS.failed);
    // Metric math: https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/using-metric-math.html
    this.taskFailureRate = new MathExpression({
      label: 'Failed tasks (% of finished)',
      expression:
        'IF(FILL(failed, 0) + FILL(succeeded, 0) >= 5, ' +
        '100 * FILL(failed, 0) / (FILL(failed, 0) + FILL(succeeded, 0)), 0)',
      usingMetrics: { failed: this.taskFailed, succeeded: this.taskSucceeded },
      period: Duration.minutes(30),
    });
    this.add('TaskFailureRate', {
      metric: this.taskFailureRate,
      threshold: 25,
      description: 'Over 30 minutes with at least 5 finished tasks, more than 25% failed',
    });

    // ThrottledRequests per operation: https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/metrics-dimensions.html
    this.tableThrottles = props.table.metricThrottledRequestsForOperations({
      operations: TABLE_OPERATIONS,
      statistic: Stats.SUM,
      period: fiveMinutes,
    });
    this.add('TableThrottles', {
      metric: this.tableThrottles,
      threshold: 5,
      description:
        'DynamoDB throttled 5 or more requests in 5 minutes (the SDK retries a few; more is load)',
    });
  }

  private add(
    id: string,
    options: {
      metric: IMetric;
      threshold: number;
      description: string;
      evaluationPeriods?: number;
    },
  ): Alarm {
    const alarm = new Alarm(this, id, {
      metric: options.metric,
      threshold: options.threshold,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: options.evaluationPeriods ?? 1,
      // No data means no requests, executions or tasks: nothing is wrong.
      treatMissingData: TreatMissingData.NOT_BREACHING,
      alarmDescription: options.description,
    });
    const action = new SnsAction(this.topic);
    alarm.addAlarmAction(action);
    alarm.addOkAction(action);
    this.alarms.push(alarm);
    return alarm;
  }

  /**
   * SNS encrypts the topic with a key of our own: CloudWatch can publish to an encrypted topic
   * only when the key's policy lets it use the key, which an AWS managed key's policy does not
   * (https://docs.aws.amazon.com/sns/latest/dg/sns-key-management.html#compatibility-with-aws-services).
   */
  private encryptedTopic(): Topic {
    const stack = Stack.of(this);
    const cloudwatch = new ServicePrincipal('cloudwatch.amazonaws.com');
    const fromOurAlarms = {
      StringEquals: { 'aws:SourceAccount': stack.account },
      ArnLike: {
        'aws:SourceArn': stack.formatArn({
          service: 'cloudwatch',
          resource: 'alarm',
          resourceName: '*',
          arnFormat: ArnFormat.COLON_RESOURCE_NAME,
        }),
      },
    };
    const key = new Key(this, 'Key', {
      description: 'Encrypts the alarm notification topic',
      enableKeyRotation: true,
    });
    key.addToResourcePolicy(
      new PolicyStatement({
        principals: [cloudwatch],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        resources: ['*'],
        conditions: fromOurAlarms,
      }),
    );
    const topic = new Topic(this, 'Topic', {
      displayName: 'Tasks service alarms',
      masterKey: key,
      enforceSSL: true,
    });
    // enforceSSL gives the topic a policy of its own, which replaces the default one.
    topic.addToResourcePolicy(
      new PolicyStatement({
        principals: [cloudwatch],
        actions: ['sns:Publish'],
        resources: [topic.topicArn],
        conditions: fromOurAlarms,
      }),
    );
    return topic;
  }
}
