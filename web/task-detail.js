/**
 * The task page's requests and actions: one task at #/tasks/<id>, asked for again while it
 * is shown (through the page's one request pacer). What it shows is in task-page.js.
 */
import { ApiError, cancelTask, deleteTask, getTask } from './api.js';
import { backoff, pollInterval } from './connection.js';
import { deleteQuestion, taskLabel } from './format.js';
import { LIST_HASH } from './route.js';
import { isActive } from './statuses.js';
import { parts, renderLoading, renderMissing, renderTask } from './task-page.js';

const NOTICE_MS = 10_000;
/** A finished task changes no more, but may be deleted elsewhere. */
const FINISHED_TASK_REFRESH_MS = 5_000;

/**
 * What the task page needs of the rest of the dashboard.
 * @typedef {{
 *   connected(): void,
 *   disconnected(error: unknown): void,
 *   failures(): number,
 *   wake(): void,
 *   rerun(task: object, fail: (error: unknown) => void): void,
 *   changed(taskId: string, task: object | null): void,
 * }} Host
 */

/** @type {Host} */
let host;

const detail = {
  taskId: '',
  task: /** @type {any} */ (null),
  missing: false,
  /** When it is due again, as a `performance.now()` time. */
  refreshAt: 0,
  inFlight: /** @type {AbortController | null} */ (null),
};

/** @param {Host} dashboard */
export function startTaskDetail(dashboard) {
  host = dashboard;
  parts.cancel.addEventListener('click', () => void cancel());
  parts.remove.addEventListener('click', () => void remove());
  parts.rerun.addEventListener('click', () => {
    if (detail.task) host.rerun(detail.task, showNotice);
  });
}

/** The request the task page wants next, or null when it has none (no task, or not found). */
export function taskRequest() {
  if (!detail.taskId || detail.missing) return null;
  return { dueAt: detail.refreshAt, run: refresh };
}

/** Makes the task due at `at` (a `performance.now()` time), or sooner if it already is. */
export function refreshTaskBy(at) {
  detail.refreshAt = Math.min(detail.refreshAt, at);
}

/** When the task page asks the API next, as a `performance.now()` time. */
export function nextTaskAttemptAt() {
  return detail.refreshAt;
}

/** Shows the page of `taskId`, empty until its task arrives; the focus goes to its heading. */
export function openTask(taskId) {
  detail.inFlight?.abort();
  Object.assign(detail, { taskId, task: null, missing: false, refreshAt: 0 });
  parts.page.hidden = false;
  parts.notice.textContent = '';
  renderLoading(taskId);
  document.title = 'Task · Tasks';
  window.scrollTo(0, 0);
  parts.heading.focus();
}

/** Hides the task page and stops asking for its task; returns the id it showed. */
export function closeTask() {
  const taskId = detail.taskId;
  detail.inFlight?.abort();
  Object.assign(detail, { taskId: '', task: null, missing: false });
  parts.page.hidden = true;
  return taskId;
}

/** Refreshes what depends on the clock (duration, estimate) without new data. */
export function tickTask(now) {
  if (detail.task) renderTask(detail.task, now);
}

/** Dims the task while the API cannot be reached. */
export function showTaskStale(offline) {
  parts.detail.classList.toggle('stale', offline);
}

async function refresh() {
  const controller = new AbortController();
  detail.inFlight = controller;
  const taskId = detail.taskId;
  const startedAt = performance.now();
  detail.refreshAt = Number.POSITIVE_INFINITY;
  try {
    const task = await getTask(taskId, { signal: controller.signal });
    detail.task = task;
    host.connected();
    renderTask(task, Date.now());
    document.title = `${taskLabel(task)} · Tasks`;
    const wait = isActive(task) ? pollInterval(document.hidden) : FINISHED_TASK_REFRESH_MS;
    detail.refreshAt = startedAt + wait;
  } catch (error) {
    if (controller.signal.aborted) return;
    if (error instanceof ApiError && error.status === 404) return showMissing(taskId);
    detail.refreshAt = performance.now() + backoff(host.failures() + 1);
    host.disconnected(error);
  } finally {
    if (detail.inFlight === controller) detail.inFlight = null;
  }
}

/** The task is not there (any more): the page says so and stops asking. */
function showMissing(taskId) {
  const hadFocus = parts.page.contains(document.activeElement);
  Object.assign(detail, { task: null, missing: true });
  host.connected();
  renderMissing(taskId);
  document.title = 'Task not found · Tasks';
  if (hadFocus || document.activeElement === document.body) parts.missingHeading.focus();
}

let noticeTimer = 0;
function showNotice(error) {
  parts.notice.textContent = error instanceof Error ? error.message : String(error);
  clearTimeout(noticeTimer);
  noticeTimer = setTimeout(() => {
    parts.notice.textContent = '';
  }, NOTICE_MS);
}

async function cancel() {
  const task = detail.task;
  if (!task) return;
  try {
    const cancelled = await cancelTask(task.task_id);
    host.changed(task.task_id, cancelled);
    if (detail.taskId !== task.task_id) return;
    // The answer has no timeline; the next refresh, due now, brings it.
    detail.task = { ...cancelled, events: detail.task?.events ?? [] };
    renderTask(detail.task, Date.now());
    refreshTaskBy(performance.now());
    host.wake();
  } catch (error) {
    showNotice(error);
  }
}

async function remove() {
  const task = detail.task;
  if (!task) return;
  if (!window.confirm(deleteQuestion(task.task_id, task))) return;
  try {
    await deleteTask(task.task_id);
  } catch (error) {
    if (!(error instanceof ApiError && error.status === 404)) return showNotice(error);
  }
  host.changed(task.task_id, null);
  location.hash = LIST_HASH;
}
