import type { Task, TaskStatus } from './model.ts';

/**
 * Errors a client can cause. Each carries the HTTP status and the stable code that
 * the error middleware sends; anything else that is thrown is a fault of ours.
 */
export class ClientError extends Error {
  readonly statusCode: number;
  readonly code: string;

  constructor(statusCode: number, code: string, message: string) {
    super(message);
    this.name = new.target.name;
    this.statusCode = statusCode;
    this.code = code;
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

/** A client asked to change a task that has already ended (409). */
export class TaskAlreadyFinishedError extends ClientError {
  constructor(taskId: string, status: TaskStatus) {
    super(409, 'task_finished', `Task ${taskId} already finished with status ${status}`);
  }
}

/**
 * Internal, never shown to a client as such: a conditional write was refused because the
 * task is gone or no longer in a state the transition may leave. Callers decide what it means.
 */
export class TransitionRefusedError extends Error {
  readonly taskId: string;
  readonly current: Task | undefined;

  constructor(taskId: string, current: Task | undefined) {
    super(
      current
        ? `Task ${taskId} is ${current.status}; the change was refused`
        : `Task ${taskId} no longer exists`,
    );
    this.name = 'TransitionRefusedError';
    this.taskId = taskId;
    this.current = current;
  }
}
