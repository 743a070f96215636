import type { TransitionName } from './model.ts';
import { PROGRESS_MILESTONES, TIMELINE_LIMIT } from './schema.ts';

export type TaskEventType =
  | 'created'
  | 'started'
  | 'progress'
  | 'cancel_requested'
  | 'succeeded'
  | 'failed'
  | 'cancelled';

/** One entry of a task's timeline, kept on the task item (attribute `events`). */
export interface TaskEvent {
  at: string;
  type: TaskEventType;
  /** The milestone reached, on `progress` entries. */
  progress?: number;
}

/** The entry each status change writes; plain progress writes add none. */
export const TRANSITION_EVENTS: Record<Exclude<TransitionName, 'progress'>, TaskEventType> = {
  start: 'started',
  succeed: 'succeeded',
  fail: 'failed',
  cancel: 'cancelled',
};

/** The highest milestone `progress` has reached (0 below the first). */
export function milestoneOf(progress: number): number {
  let reached = 0;
  for (const milestone of PROGRESS_MILESTONES) if (progress >= milestone) reached = milestone;
  return reached;
}

/** The timeline with `event` added, keeping the newest `limit` entries. */
export function appendEvent(
  events: readonly TaskEvent[],
  event: TaskEvent,
  limit = TIMELINE_LIMIT,
): TaskEvent[] {
  return [...events, event].slice(-limit);
}

export function isTaskEvents(value: unknown): value is TaskEvent[] {
  return (
    Array.isArray(value) &&
    value.every(
      (entry) =>
        typeof entry === 'object' &&
        entry !== null &&
        typeof (entry as TaskEvent).at === 'string' &&
        typeof (entry as TaskEvent).type === 'string',
    )
  );
}
