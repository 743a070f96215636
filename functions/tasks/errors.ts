import type { Task, TaskStatus } from './model.ts';

/**
 * Errors a client can cause. Each carries the HTTP status and the stable code that
 * the error middleware sends; anything else that is thrown is a fault of ours.
 */
export class ClientError extends Error {
  constructor(
    readonly statusCode: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

export class ValidationError extends ClientError {
  constructor(message: string, code = 'invalid_request') {
    super(400, code, message);
  }
}

export class TaskNotFoundError extends ClientError {
  constructor(taskId: string) {
    super(404, 'task_not_found', `Task ${taskId} not found`);
  }
}

export class InvalidTransitionError extends ClientError {
  constructor(
    taskId: string,
    readonly status: TaskStatus,
  ) {
    super(409, 'task_finished', `Task ${taskId} already finished with status ${status}`);
  }
}

/** A conditional write was refused: the task is gone, or no longer in a state it may leave. */
export class TransitionRejectedError extends Error {
  constructor(
    readonly taskId: string,
    readonly current: Task | undefined,
  ) {
    super(
      current
        ? `Task ${taskId} is ${current.status}; the change was refused`
        : `Task ${taskId} no longer exists`,
    );
    this.name = 'TransitionRejectedError';
  }
}
