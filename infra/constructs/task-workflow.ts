import { ArnFormat, Duration, Stack } from 'aws-cdk-lib';
import { EventField, Rule, RuleTargetInput, Schedule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { LogGroup } from 'aws-cdk-lib/aws-logs';
import {
  DefinitionBody,
  LogLevel,
  StateMachine,
  StateMachineType,
} from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import {
  RESUME_FUNCTION,
  WORK_SLICE_SECONDS,
  WORKFLOW_FUNCTIONS,
} from '../../functions/catalog.ts';
import { readDefinitionTemplate, type Substitutions } from '../workflow/definition.ts';
import { acknowledgeWildcardResource } from './acknowledge.ts';
import { type FunctionDefaults, ServiceFunction, type WorkflowRef } from './service-function.ts';
import type { TasksTable } from './tasks-table.ts';

export interface TaskWorkflowProps {
  tasks: TasksTable;
  defaults: FunctionDefaults;
  /** Whether execution logs carry each state's input and output (task ids, results, errors). */
  logExecutionData: boolean;
  /** Tasks RUNNING at once at most: the admission cap and Work's reserved concurrency. */
  maxRunningTasks: number;
}

/** The Standard state machine that runs each task, from the same ASL file local mode runs. */
export class TaskWorkflow extends Construct {
  readonly stateMachine: StateMachine;
  readonly work: ServiceFunction;
  readonly recordFailure: ServiceFunction;
  /** Records FAILURE for the task of any execution that ends badly, whatever the workflow managed. */
  readonly endedBadly: Rule;
  /** Starts the execution of unfinished tasks that have none running, on a schedule. */
  readonly resume: ServiceFunction;
  readonly resumeSchedule: Rule;
  /**
   * The state machine by a name fixed at synth, and the ARN built from it. Work and
   * RecordFailure start executions (they admit waiting tasks when one ends) of the state
   * machine whose definition names them: through the construct's own ARN each would depend
   * on the state machine that depends on it, a cycle CloudFormation refuses.
   */
  readonly ref: WorkflowRef;

  constructor(scope: Construct, id: string, props: TaskWorkflowProps) {
    super(scope, id);
    const { tasks, defaults, maxRunningTasks } = props;
    const stack = Stack.of(this);
    const stateMachineName = `${stack.stackName}-tasks`;
    this.ref = {
      stateMachineName,
      stateMachineArn: stack.formatArn({
        service: 'states',
        resource: 'stateMachine',
        resourceName: stateMachineName,
        arnFormat: ArnFormat.COLON_RESOURCE_NAME,
      }),
    };
    this.work = new ServiceFunction(this, 'Work', {
      entry: WORKFLOW_FUNCTIONS.Work.entry,
      description: "Does one slice of a task's work, saving progress as it goes",
      timeout: Duration.seconds(WORKFLOW_FUNCTIONS.Work.timeoutSeconds),
      environment: { WORK_SLICE_SECONDS: String(WORK_SLICE_SECONDS) },
      // Each RUNNING task has at most one Work invocation at a time, so this is all running
      // tasks ever take, and the API functions keep the rest of the account's concurrency.
      // An invocation beyond it is throttled; the workflow retries that as waiting.
      reservedConcurrentExecutions: maxRunningTasks,
      defaults,
    })
      .useTable(tasks, WORKFLOW_FUNCTIONS.Work.table)
      .allowOnWorkflow(this.ref, WORKFLOW_FUNCTIONS.Work.workflow)
      .admitTasks(maxRunningTasks);
    this.recordFailure = new ServiceFunction(this, 'RecordFailure', {
      entry: WORKFLOW_FUNCTIONS.RecordFailure.entry,
      description: 'Records a task as FAILURE when the workflow gives up on it',
      timeout: Duration.seconds(WORKFLOW_FUNCTIONS.RecordFailure.timeoutSeconds),
      defaults,
    })
      .useTable(tasks, WORKFLOW_FUNCTIONS.RecordFailure.table)
      .allowOnWorkflow(this.ref, WORKFLOW_FUNCTIONS.RecordFailure.workflow)
      .admitTasks(maxRunningTasks);
    this.stateMachine = this.stateMachineOf(props, stateMachineName);
    this.endedBadly = this.recordFailureOfEndedExecutions();
    this.resume = new ServiceFunction(this, 'ResumeTasks', {
      entry: RESUME_FUNCTION.entry,
      description: 'Starts the workflow again for unfinished tasks without a running execution',
      timeout: Duration.seconds(RESUME_FUNCTION.timeoutSeconds),
      defaults,
    })
      .useTable(tasks, RESUME_FUNCTION.table)
      .allowOnWorkflow(this.stateMachine, RESUME_FUNCTION.workflow)
      .admitTasks(maxRunningTasks);
    this.resumeSchedule = new Rule(this, 'ResumeSchedule', {
      description: 'Sweeps for unfinished tasks without a running execution',
      schedule: Schedule.rate(Duration.minutes(RESUME_FUNCTION.everyMinutes)),
      targets: [new LambdaFunction(this.resume.function, { retryAttempts: 2 })],
    });
  }

  /** The ASL file, its functions substituted, with logs, tracing and the invoke grant. */
  private stateMachineOf(
    { defaults, logExecutionData }: TaskWorkflowProps,
    stateMachineName: string,
  ): StateMachine {
    const substitutions: Substitutions = {
      WorkFunctionArn: this.work.function.functionArn,
      RecordFailureFunctionArn: this.recordFailure.function.functionArn,
    };
    const stateMachine = new StateMachine(this, 'StateMachine', {
      stateMachineName,
      stateMachineType: StateMachineType.STANDARD,
      definitionBody: DefinitionBody.fromString(readDefinitionTemplate()),
      definitionSubstitutions: substitutions,
      tracingEnabled: true,
      logs: {
        destination: new LogGroup(this, 'Logs', {
          retention: defaults.logRetention,
          removalPolicy: defaults.removalPolicy,
        }),
        level: LogLevel.ALL,
        includeExecutionData: logExecutionData,
      },
    });
    // The definition names the functions only through substitutions, so CDK cannot infer this
    // grant; the unqualified ARNs are all the definition invokes.
    stateMachine.addToRolePolicy(
      new PolicyStatement({
        actions: ['lambda:InvokeFunction'],
        resources: Object.values(substitutions),
      }),
    );
    acknowledgeWildcardResource(
      stateMachine.role,
      '*',
      'CloudWatch Logs delivery (logs:CreateLogDelivery and the like) and X-Ray ' +
        '(xray:PutTraceSegments and the like) support no resource-level permissions; the ' +
        'state machine needs them for its execution logs and tracing.',
    );
    return stateMachine;
  }

  /**
   * The net under the workflow's own Catch: when an execution fails, times out or is aborted,
   * RecordFailure gets the task (the execution's name). Its transition is refused for tasks that
   * already ended or are gone, so executions stopped by cancel or delete change nothing.
   */
  private recordFailureOfEndedExecutions(): Rule {
    const status = EventField.fromPath('$.detail.status');
    return new Rule(this, 'ExecutionEndedBadly', {
      description:
        'Records FAILURE for tasks whose workflow execution failed, timed out or was aborted',
      eventPattern: {
        source: ['aws.states'],
        detailType: ['Step Functions Execution Status Change'],
        detail: {
          stateMachineArn: [this.stateMachine.stateMachineArn],
          status: ['FAILED', 'TIMED_OUT', 'ABORTED'],
        },
      },
      targets: [
        new LambdaFunction(this.recordFailure.function, {
          event: RuleTargetInput.fromObject({
            // The execution's name: the task id, or `<task id>-r<n>` once restarted.
            task_id: EventField.fromPath('$.detail.name'),
            execution: EventField.fromPath('$.detail.name'),
            failure: {
              Error: `Execution${status}`,
              Cause: `The workflow execution ended ${status}`,
            },
          }),
          // The most EventBridge allows: a task left RUNNING is worth recording however late.
          retryAttempts: 185,
          maxEventAge: Duration.hours(24),
        }),
      ],
    });
  }
}
