import {
  ExecutionAlreadyExists,
  ExecutionDoesNotExist,
  SFNClient,
  StartExecutionCommand,
  StopExecutionCommand,
} from '@aws-sdk/client-sfn';
import { env } from '../config.ts';

/** The ARN Step Functions gives the execution named `name` of a state machine. */
export function executionArnOf(stateMachineArn: string, name: string): string {
  return `${stateMachineArn.replace(':stateMachine:', ':execution:')}:${name}`;
}

/** Starts and stops the workflow execution of a task; the execution is named by the task id. */
export class Launcher {
  constructor(
    private readonly sfn: SFNClient,
    private readonly stateMachineArn: string,
  ) {}

  executionArn(taskId: string): string {
    return executionArnOf(this.stateMachineArn, taskId);
  }

  /** Idempotent: starting a task whose execution already exists is not an error. */
  async start(taskId: string): Promise<void> {
    try {
      await this.sfn.send(
        new StartExecutionCommand({
          stateMachineArn: this.stateMachineArn,
          name: taskId,
          input: JSON.stringify({ task_id: taskId }),
        }),
      );
    } catch (error) {
      if (!(error instanceof ExecutionAlreadyExists)) throw error;
    }
  }

  /** Stops the execution if it still runs; one that already ended or never existed is fine. */
  async stop(taskId: string, cause: string): Promise<void> {
    try {
      await this.sfn.send(
        new StopExecutionCommand({ executionArn: this.executionArn(taskId), cause }),
      );
    } catch (error) {
      if (!(error instanceof ExecutionDoesNotExist)) throw error;
    }
  }
}

let shared: Launcher | undefined;

export function launcher(): Launcher {
  shared ??= new Launcher(new SFNClient({}), env.stateMachineArn());
  return shared;
}
