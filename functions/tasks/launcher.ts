import {
  DescribeExecutionCommand,
  ExecutionAlreadyExists,
  ExecutionDoesNotExist,
  type ExecutionStatus,
  SFNClient,
  StartExecutionCommand,
  StopExecutionCommand,
} from '@aws-sdk/client-sfn';
import { env } from '../config.ts';
import { traceClient } from '../observability.ts';
import { retriesWithoutQuota } from './retries.ts';

/**
 * The state machine that runs tasks. A task's first execution is named by its task id; one
 * restarted by the reconciler is named `<task id>-r<n>` (Standard keeps an ended execution's
 * name for 90 days, so the first name cannot be used again).
 */
export interface TaskWorkflow {
  sfn: SFNClient;
  stateMachineArn: string;
}

/** The ARN Step Functions gives the execution named `name` of a state machine. */
export function executionArnOf(stateMachineArn: string, name: string): string {
  return `${stateMachineArn.replace(':stateMachine:', ':execution:')}:${name}`;
}

/** The name of a task's execution: the task id, then `-r1`, `-r2`… for each restart. */
export function executionName(taskId: string, restart = 0): string {
  return restart === 0 ? taskId : `${taskId}-r${restart}`;
}

/** The task an execution runs, from its name (task ids never contain `-`). */
export function taskIdOfExecution(name: string): string {
  return name.replace(/-r\d+$/, '');
}

/**
 * Idempotent: starting a task whose execution already exists is not an error. Returns
 * false when the name was taken by an execution that has already ended.
 */
export async function startExecution(
  workflow: TaskWorkflow,
  taskId: string,
  restart = 0,
): Promise<boolean> {
  try {
    await workflow.sfn.send(
      new StartExecutionCommand({
        stateMachineArn: workflow.stateMachineArn,
        name: executionName(taskId, restart),
        input: JSON.stringify({ task_id: taskId }),
      }),
    );
    return true;
  } catch (error) {
    if (!(error instanceof ExecutionAlreadyExists)) throw error;
    // Step Functions accepts a repeated start of a running execution (same name, same input)
    // and refuses any other use of the name.
    return false;
  }
}

/** Stops the execution if it still runs; one that already ended or never existed is fine. */
export async function stopExecution(
  workflow: TaskWorkflow,
  taskId: string,
  cause: string,
): Promise<void> {
  try {
    await workflow.sfn.send(
      new StopExecutionCommand({
        executionArn: executionArnOf(workflow.stateMachineArn, taskId),
        cause,
      }),
    );
  } catch (error) {
    if (!(error instanceof ExecutionDoesNotExist)) throw error;
  }
}

export interface ExecutionState {
  status: ExecutionStatus;
  stopDate?: Date;
}

/** The execution's status, or undefined when no execution has the name. */
export async function describeExecution(
  workflow: TaskWorkflow,
  name: string,
): Promise<ExecutionState | undefined> {
  try {
    const { status, stopDate } = await workflow.sfn.send(
      new DescribeExecutionCommand({
        executionArn: executionArnOf(workflow.stateMachineArn, name),
      }),
    );
    return { status: status ?? 'RUNNING', ...(stopDate && { stopDate }) };
  } catch (error) {
    if (error instanceof ExecutionDoesNotExist) return undefined;
    throw error;
  }
}

/** The state machine named by the function's environment (STATE_MACHINE_ARN). */
export function workflowFromEnvironment(): TaskWorkflow {
  // Retried as the table's client is: a burst of retries must not spend a shared quota.
  const sfn = traceClient(new SFNClient({ maxAttempts: 3, retryStrategy: retriesWithoutQuota(3) }));
  return { sfn, stateMachineArn: env.stateMachineArn() };
}
