/** The task and its life cycle, as pure data and functions. */

export const STATUSES = ['PENDING', 'RUNNING', 'SUCCESS', 'FAILURE', 'CANCELLED'] as const;
export type TaskStatus = (typeof STATUSES)[number];

const ACTIVE_STATUSES: readonly TaskStatus[] = ['PENDING', 'RUNNING'];

export interface Task {
  task_id: string;
  status: TaskStatus;
  name: string | null;
  type: string;
  input: Record<string, unknown>;
  progress: number;
  result?: unknown;
  error?: string;
  created_at: string;
  updated_at: string;
  started_at: string | null;
  finished_at: string | null;
}

/**
 * Every status change, with the states it may leave. The store turns `from` into
 * the condition of its write, so a change that lost a race is refused, not applied.
 */
export const TRANSITIONS = {
  start: { from: ['PENDING'], to: 'RUNNING' },
  progress: { from: ['RUNNING'], to: 'RUNNING' },
  succeed: { from: ['RUNNING'], to: 'SUCCESS' },
  fail: { from: ['PENDING', 'RUNNING'], to: 'FAILURE' },
  cancel: { from: ['PENDING', 'RUNNING'], to: 'CANCELLED' },
} as const satisfies Record<string, { from: readonly TaskStatus[]; to: TaskStatus }>;

export type TransitionName = keyof typeof TRANSITIONS;

const CANCELLED_ERROR = 'Task was cancelled';

export function isStatus(value: unknown): value is TaskStatus {
  return typeof value === 'string' && (STATUSES as readonly string[]).includes(value);
}

/** Whether a task in `status` may take the transition `name`. */
export function canTransition(status: TaskStatus, name: TransitionName): boolean {
  return (TRANSITIONS[name].from as readonly TaskStatus[]).includes(status);
}

export function isFinished(status: TaskStatus): boolean {
  return !ACTIVE_STATUSES.includes(status);
}

export function newTask(fields: {
  taskId: string;
  name: string | null;
  type: string;
  input: Record<string, unknown>;
  now: Date;
}): Task {
  const at = fields.now.toISOString();
  return {
    task_id: fields.taskId,
    status: 'PENDING',
    name: fields.name,
    type: fields.type,
    input: fields.input,
    progress: 0,
    created_at: at,
    updated_at: at,
    started_at: null,
    finished_at: null,
  };
}

/** What the result endpoint shows for a task, by status. */
export function resultView(task: Task): Record<string, unknown> {
  const base = { task_id: task.task_id, status: task.status };
  switch (task.status) {
    case 'SUCCESS':
      return { ...base, result: task.result ?? null };
    case 'FAILURE':
      return { ...base, error: task.error ?? 'Task failed' };
    case 'CANCELLED':
      return task.result === undefined
        ? { ...base, error: CANCELLED_ERROR }
        : { ...base, error: CANCELLED_ERROR, result: task.result };
    default:
      return { ...base, progress: task.progress };
  }
}
