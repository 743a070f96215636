// @ts-check
/** When a running task should finish, from the rate its progress has moved at. */

/** @typedef {import('./statuses.js').Task} Task */

/**
 * The estimated finish of a running task: progress so far over the time it took since the
 * start, as of its last update, extrapolated to 100 %. Null when there is nothing to go by:
 * not running, no progress yet, or no times.
 * @param {Task} task
 * @returns {{ finishAt: number, remainingMs: number } | null} `finishAt` as an epoch time
 */
export function estimateFinish(task, now = Date.now()) {
  if (task.status !== 'RUNNING' || !task.started_at || !task.updated_at) return null;
  const progress = Number(task.progress);
  if (!Number.isFinite(progress) || progress <= 0) return null;
  const started = Date.parse(task.started_at);
  const measured = Date.parse(task.updated_at);
  const elapsed = measured - started;
  if (!Number.isFinite(elapsed) || elapsed <= 0) return null;
  if (progress >= 100) return { finishAt: measured, remainingMs: 0 };
  const perPercent = elapsed / progress;
  const finishAt = Math.round(measured + (100 - progress) * perPercent);
  return { finishAt, remainingMs: Math.max(0, finishAt - now) };
}
