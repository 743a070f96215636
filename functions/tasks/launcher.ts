import {
  ExecutionAlreadyExists,
  ExecutionDoesNotExist,
  SFNClient,
  StartExecutionCommand,
  StopExecutionCommand,
} from '@aws-sdk/client-sfn';
import { env } from '../config.ts';

/** The state machine that runs tasks; each execution is named by its task id. */
export interface TaskWorkflow {
  sfn: SFNClient;
  stateMachineArn: string;
}

/** The ARN Step Functions gives the execution named `name` of a state machine. */
export function executionArnOf(stateMachineArn: string, name: string): string {
  return `${stateMachineArn.replace(':stateMachine:', ':execution:')}:${name}`;
}

/** Idempotent: starting a task whose execution already exists is not an error. */
export async function startExecution(workflow: TaskWorkflow, taskId: string): Promise<void> {
  try {
    await workflow.sfn.send(
      new StartExecutionCommand({
        stateMachineArn: workflow.stateMachineArn,
        name: taskId,
        input: JSON.stringify({ task_id: taskId }),
      }),
    );
  } catch (error) {
    if (!(error instanceof ExecutionAlreadyExists)) throw error;
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

/** The state machine named by the function's environment (STATE_MACHINE_ARN). */
export function workflowFromEnvironment(): TaskWorkflow {
  return { sfn: new SFNClient({}), stateMachineArn: env.stateMachineArn() };
}
