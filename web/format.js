// @ts-check
/** How task fields read on screen: pure functions of a task and a clock. */
import { isActive } from './statuses.js';

/** @typedef {import('./statuses.js').Task} Task */

const timeOfDay = new Intl.DateTimeFormat(undefined, { timeStyle: 'medium' });
const dateAndTime = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });

/**
 * A time of today as a time of day, any other with its date; '—' for none.
 * @param {string | null | undefined} iso @param {number} now
 */
export function formatTime(iso, now) {
  if (!iso) return '—';
  const date = new Date(iso);
  const sameDay = date.toDateString() === new Date(now).toDateString();
  return (sameDay ? timeOfDay : dateAndTime).format(date);
}

/** @param {number} ms */
export function formatDuration(ms) {
  const seconds = Math.max(0, Math.round(ms / 1000));
  if (seconds < 60) return `${seconds} s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes} min ${String(seconds % 60).padStart(2, '0')} s`;
  const hours = Math.floor(minutes / 60);
  if (hours < 24) return `${hours} h ${String(minutes % 60).padStart(2, '0')} min`;
  return `${Math.floor(hours / 24)} d ${hours % 24} h`;
}

/**
 * A task's progress from 0 to 100 in tenths, rounded down (so 100 only once done), whatever
 * the API sent: 27.500000000000004 becomes 27.5, a missing or bad value 0.
 * @param {unknown} value
 */
export function progressOf(value) {
  const percent = Math.min(100, Math.max(0, Number(value) || 0));
  // The epsilon keeps binary fractions such as 1 - 0.9 (0.09999999999999998) from flooring a tenth down.
  return Math.floor(percent * 10 + 1e-9) / 10;
}

/**
 * Whole percents, with one decimal while below 10 so slow tasks visibly move.
 * @param {unknown} value
 */
export function formatPercent(value) {
  const progress = progressOf(value);
  return `${progress < 10 ? progress : Math.floor(progress)} %`;
}

/**
 * How long a task ran: start to finish, or start to `now` while it runs.
 * @param {Task} task @param {number} now
 */
export function durationOf(task, now) {
  if (!task.started_at) return task.status === 'PENDING' ? 'waiting to start' : '—';
  const end = task.finished_at ? Date.parse(task.finished_at) : now;
  return formatDuration(end - Date.parse(task.started_at));
}

/**
 * What a finished task produced, as [label, text], or null while it runs.
 * @param {Task} task
 * @returns {[string, string] | null}
 */
export function outcomeOf(task) {
  if (isActive(task)) return null;
  if (task.error) return ['Error', task.error];
  if (task.result !== undefined && task.result !== null) {
    const text = typeof task.result === 'string' ? task.result : JSON.stringify(task.result);
    return ['Result', text];
  }
  return task.status === 'CANCELLED' ? ['Cancelled', 'Stopped before it finished.'] : null;
}

/**
 * What a person calls the task: its name, or its id when it has none.
 * @param {Task} task
 */
export function taskLabel(task) {
  return task.name?.trim() || task.task_id;
}

/**
 * The question asked before a task is deleted; `task` may be unknown, then its id names it.
 * @param {string} taskId @param {Task | undefined} [task]
 */
export function deleteQuestion(taskId, task) {
  const label = task?.name?.trim() ? `"${taskLabel(task)}"` : taskId;
  return `Delete task ${label}? Its work stops and it cannot be restored.`;
}

/**
 * Accessible names of a card's controls, naming the task, so that a screen reader's
 * list of buttons tells "Cancel nightly report" from "Cancel invoice export".
 * Each starts with the visible text (WCAG 2.5.3, label in name).
 * @param {Task} task
 */
export function controlNames(task) {
  const label = taskLabel(task);
  return {
    cancel: `Cancel ${label}`,
    remove: `Delete ${label}`,
    copy: `Copy task id of ${label}`,
    progress: `Progress of ${label}`,
    rerun: `Re-run ${label}`,
    select: `Select ${label}`,
  };
}

/** @type {Record<string, string>} */
const EVENT_WORDS = {
  created: 'Created',
  started: 'Started',
  cancel_requested: 'Cancellation requested',
  succeeded: 'Succeeded',
  failed: 'Failed',
  cancelled: 'Cancelled',
};

/**
 * What one timeline entry says, e.g. "Progress 50 %" or "Started".
 * @param {{ type: string, progress?: number }} event
 */
export function eventWords(event) {
  if (event.type === 'progress') return `Progress ${formatPercent(event.progress)}`;
  return EVENT_WORDS[event.type] ?? event.type;
}

/**
 * The estimated finish as words: "about 12 s left (at 10:00:22)", or a dash without one.
 * @param {{ finishAt: number, remainingMs: number } | null} estimate @param {number} now
 */
export function etaText(estimate, now) {
  if (!estimate) return '—';
  const at = formatTime(new Date(estimate.finishAt).toISOString(), now);
  if (estimate.remainingMs < 1_000) return `any moment now (${at})`;
  return `about ${formatDuration(estimate.remainingMs)} left (at ${at})`;
}

/**
 * A task's input for reading: indented JSON, or a dash without any.
 * @param {unknown} input
 */
export function prettyInput(input) {
  if (input === undefined || input === null) return '—';
  return JSON.stringify(input, null, 2);
}
